#!/usr/bin/env bash
# make fuzz: each libFuzzer target of selfcare-fuzz for SECONDS (default 60), starting
# from the seed corpus in Fuzz/corpus/<target>/ plus what earlier runs found (kept in
# .build/fuzz/corpus/<target>/). A crash, a failed check or a hang (10 s on one input)
# stops the run: the input is saved in .build/fuzz/crashes/, and the script says how to
# replay it and keep it as a regression (Tests/FuzzTests replays Fuzz/corpus in make test).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-60}"
BIN=.build/fuzz/debug/selfcare-fuzz
TARGETS="${FUZZ_TARGETS:-$(ls Fuzz/corpus)}"
mkdir -p .build/fuzz/crashes
status=0
for t in $TARGETS; do
  mkdir -p ".build/fuzz/corpus/$t"
  log=".build/fuzz/$t.log"
  if SELFCARE_FUZZ_TARGET="$t" SELFCARE_GRAMMARS="$PWD/Grammars" "$BIN" \
       -max_total_time="$SECONDS_EACH" -timeout=10 -print_final_stats=1 \
       -artifact_prefix=".build/fuzz/crashes/$t-" ".build/fuzz/corpus/$t" "Fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
    echo "fuzz $t: ${SECONDS_EACH} s, $runs inputs, coverage $cov edges, corpus $(ls ".build/fuzz/corpus/$t" | wc -l) files: no crash"
  else
    status=1
    echo "fuzz $t: FAILED — the end of $log:"
    tail -40 "$log"
    found=$(ls -t .build/fuzz/crashes/"$t"-* 2>/dev/null | head -1 || true)
    if [ -n "$found" ]; then
      echo "the input: $found — replay: swift build --product selfcare-fuzz && .build/debug/selfcare-fuzz $t $found"
      echo "once fixed, keep it: cp $found Fuzz/corpus/$t/regression-\$(basename $found)"
    fi
  fi
done
exit $status
