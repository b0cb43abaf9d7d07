#!/usr/bin/env bash
# make bench: Selfcare against the C ceiling (../shared/tools), same loads, interleaved,
# following the method of ../shared/tools/README.md: server on core 0, loadgen on core 1,
# a 1,000,000-subscriber store made fresh for each series, 2 s warm-up, 3 runs of 5 s,
# median reported. Prints a Markdown table of figures and ratios; copy it into
# BENCHMARKS.md with the date and the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=${SELFCARE_TOOLS:-$ROOT/../shared/tools}
SELFCARE=$ROOT/.build/release/selfcare
N=${BENCH_SUBSCRIBERS:-1000000}
RUN_SECONDS=${BENCH_SECONDS:-5}
W=$(mktemp -d /tmp/selfcare-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$W"' EXIT

[ -x "$SELFCARE" ] || { echo "bench: build first (make release)" >&2; exit 1; }
[ -f "$TOOLS/loadgen/loadgen.c" ] || { echo "bench: $TOOLS/loadgen not found" >&2; exit 1; }
# Build the tools here, not in shared/ (which may be read-only).
cc -O2 -std=gnu11 -o "$W/loadgen" "$TOOLS/loadgen/loadgen.c" -lm
cc -O2 -std=gnu11 -o "$W/ceiling" "$TOOLS/ceiling/ceiling.c" $(pkg-config --cflags --libs libevent) -lsqlite3
L=$W/loadgen; C=$W/ceiling

echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
echo "# load before start: $(cut -d' ' -f1-3 /proc/loadavg)"
top -bn1 | head -12 | tail -6 | sed 's/^/# /'

# Request files (the numbers exist: -m 1000000 pads {r} to 6 digits after 36300).
printf 'PING\n'                          > "$W/noop-c.txt"
printf 'PING\n'                          > "$W/noop-s.txt"
printf 'Q 36300{r}\n'                    > "$W/query-c.txt"
printf 'SMS 36300{r} 1730 EGYENLEG\n'    > "$W/query-s.txt"
printf 'C 36300{r} 1\n'                  > "$W/charge-c.txt"
printf 'TOPUP 36300{r} 1\n'              > "$W/charge-s.txt"
# The mixed workload of the grammar issue: a balance query, a 777 subscription (monthly fee
# charged), a 777 unsubscription, a premium MO charge. Random subscribers, so most
# `STOP SPORT` find no subscription and are refused (554): loadgen counts those as
# errors; the mixed series is judged by lost=0, the audit and the ledger instead.
printf 'SMS 36300{r} 1730 EGYENLEG\nSMS 36300{r} 777 SPORT\nSMS 36300{r} 777 STOP SPORT\nSMS 36300{r} 0690123456 VOTE\n' > "$W/mixed-s.txt"

echo "# making the stores ($N subscribers each) …"
"$C" mkdb "$W/c-template.db" "$N" >/dev/null 2>&1
"$SELFCARE" db populate --count "$N" --db "$W/s-template.db" | tail -1
"$SELFCARE" account set bench network --password bench --db "$W/s-template.db" >/dev/null
"$SELFCARE" account set benchops operator --password bench --db "$W/s-template.db" >/dev/null
sqlite3 "$W/c-template.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
# Rates of the mixed workload: 1 Ft, so 100 000 Ft of opening balance never runs out.
sqlite3 "$W/s-template.db" "INSERT INTO rates(prefix, kind, price, adult) VALUES ('777', 'subscription', 1, 0), ('3690', 'premium', 1, 0);"
sqlite3 "$W/s-template.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null

fresh() {  # fresh TEMPLATE DB
  rm -f "$2" "$2-wal" "$2-shm"; cp "$1" "$2"
}

cpu_of() { awk '{print $14+$15}' /proc/$1/stat; }

# series PORT PID -- loadgen args; prints the 3 RESULT lines with srv_cpu appended
series() {
  local port=$1 pid=$2; shift 2
  taskset -c 1 "$L" -p "$port" -t 2 "$@" >/dev/null 2>&1 || true
  for i in 1 2 3; do
    local t0 s0 r t1 s1
    t0=$(cpu_of "$pid"); s0=$(date +%s.%N)
    # loadgen exits 1 on "bad lines": it does not expect Selfcare's 220 greeting, takes
    # it for the preamble's answer and so counts one line per connection as unpaired.
    # The RESULT line's errors= and lost= are what check_run judges.
    r=$( { taskset -c 1 "$L" -p "$port" -t "$RUN_SECONDS" "$@" 2>/dev/null || true; } | grep ^RESULT || echo "RESULT failed")
    t1=$(cpu_of "$pid"); s1=$(date +%s.%N)
    echo "$r srv_cpu=$(awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%.0f%%", 100 * (b - a) / hz / (e - s) }')"
  done
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

median_line() {
  local lines=$1
  printf '%s\n' "$lines" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^rps=/) { split($i, kv, "="); print kv[2] "\t" $0 } }' \
    | sort -n | sed -n 2p | cut -f2-
}
all_rps() { printf '%s\n' "$1" | field rps | awk '{ printf "%s%.1fk", (NR > 1 ? ", " : ""), $1 / 1000 }'; }

ROWS=()
FAIL=0
check_run() {  # check_run LINES LABEL
  if printf '%s\n' "$1" | grep -qv 'errors=0 lost=0'; then
    echo "bench: $2: errors or lost requests:" >&2; printf '%s\n' "$1" >&2; FAIL=1
  fi
}

run_pair() {  # run_pair MODE DEPTH
  local mode=$1 d=$2 port=7300 cres sres cpid spid
  local margs=(); [ "$mode" != noop ] && margs=(-m 1000000)

  # --- C ceiling
  if [ "$mode" = noop ]; then
    taskset -c 0 "$C" noop $port 2>"$W/c.log" & cpid=$!
  else
    fresh "$W/c-template.db" "$W/c.db"
    taskset -c 0 "$C" "$mode" $port "$W/c.db" 2>"$W/c.log" & cpid=$!
  fi
  sleep 0.5
  cres=$(series $port $cpid -c 50 -d "$d" -f "$W/$mode-c.txt" "${margs[@]}")
  kill -TERM $cpid; wait $cpid 2>/dev/null || true
  check_run "$cres" "ceiling $mode d=$d"

  # --- Selfcare
  port=7301
  fresh "$W/s-template.db" "$W/s.db"
  local auth=(-a "AUTH bench bench"); [ "$mode" = charge ] && auth=(-a "AUTH benchops bench")
  taskset -c 0 "$SELFCARE" serve --db "$W/s.db" --listen 127.0.0.1:$port --http off --grammars "$ROOT/Grammars" --log-level notice >"$W/s.out" 2>"$W/s.log" & spid=$!
  for _ in $(seq 50); do grep -q listening "$W/s.out" 2>/dev/null && break; sleep 0.1; done
  sres=$(series $port $spid -c 50 -d "$d" -f "$W/$mode-s.txt" "${margs[@]}" "${auth[@]}")
  local hwm; hwm=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$spid/status)
  kill -TERM $spid; wait $spid 2>/dev/null || true
  check_run "$sres" "selfcare $mode d=$d"
  if [ "$mode" != noop ]; then
    local served audit
    served=$(sed -n 's/.*engine commands \([0-9]*\).*/\1/p' "$W/s.log" | tail -1)
    audit=$(sqlite3 "$W/s.db" "SELECT count(*) FROM audit")
    if [ "$served" != "$audit" ]; then echo "bench: audit rows $audit != engine commands $served" >&2; FAIL=1; fi
    if ! "$SELFCARE" db check --db "$W/s.db" >"$W/check.txt" 2>&1; then
      echo "bench: ledger check failed:" >&2; cat "$W/check.txt" >&2; FAIL=1
    fi
  fi

  local cm sm crps srps ratio
  cm=$(median_line "$cres"); sm=$(median_line "$sres")
  crps=$(field rps <<<"$cm"); srps=$(field rps <<<"$sm")
  ratio=$(awk -v a="$srps" -v b="$crps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  ROWS+=("| $mode | 50,$d | **$(printf '%.0f' "$crps")** ($(all_rps "$cres")) | $(field p50 <<<"$cm") | $(field p99 <<<"$cm") | $(field srv_cpu <<<"$cm") | **$(printf '%.0f' "$srps")** ($(all_rps "$sres")) | $(field p50 <<<"$sm") | $(field p99 <<<"$sm") | $(field srv_cpu <<<"$sm") | $(field cpu <<<"$sm") | ${hwm} MB | **$ratio** |")
  echo "# done: $mode d=$d ceiling $crps selfcare $srps ratio $ratio" >&2
}

# BENCH_MODES="charge" runs a subset (the mixed series needs charge for its ratio).
for mode in ${BENCH_MODES:-noop query charge}; do
  for d in 1 8; do
    run_pair $mode $d
  done
done

# run_mixed DEPTH: Selfcare only (the ceiling has no grammar); compared with Selfcare's own
# durable TOPUP figure of the same depth.
MIXED=()
run_mixed() {
  local d=$1 port=7302 spid sres sm srps
  fresh "$W/s-template.db" "$W/s.db"
  taskset -c 0 "$SELFCARE" serve --db "$W/s.db" --listen 127.0.0.1:$port --http off --grammars "$ROOT/Grammars" --log-level notice >"$W/s.out" 2>"$W/s.log" & spid=$!
  for _ in $(seq 50); do grep -q listening "$W/s.out" 2>/dev/null && break; sleep 0.1; done
  sres=$(series $port $spid -c 50 -d "$d" -f "$W/mixed-s.txt" -m 1000000 -a "AUTH bench bench")
  kill -TERM $spid; wait $spid 2>/dev/null || true
  if printf '%s\n' "$sres" | grep -qv 'lost=0'; then echo "bench: mixed d=$d lost requests" >&2; printf '%s\n' "$sres" >&2; FAIL=1; fi
  local served audit refused
  served=$(sed -n 's/.*engine commands \([0-9]*\).*/\1/p' "$W/s.log" | tail -1)
  audit=$(sqlite3 "$W/s.db" "SELECT count(*) FROM audit")
  refused=$(sqlite3 "$W/s.db" "SELECT round(100.0 * sum(outcome LIKE 'refused%') / count(*), 1) FROM audit")
  if [ "$served" != "$audit" ]; then echo "bench: mixed audit rows $audit != engine commands $served" >&2; FAIL=1; fi
  if ! "$SELFCARE" db check --db "$W/s.db" >"$W/check.txt" 2>&1; then
    echo "bench: mixed ledger check failed:" >&2; cat "$W/check.txt" >&2; FAIL=1
  fi
  sm=$(median_line "$sres"); srps=$(field rps <<<"$sm")
  local topup; topup=$(printf '%s\n' "${ROWS[@]}" | awk -F'|' -v d="50,$d" '$2 ~ /charge/ && $3 ~ d { if (match($8, /\*\*[0-9]+\*\*/)) print substr($8, RSTART + 2, RLENGTH - 4) }' | head -1)
  local ratio; ratio=$(awk -v a="$srps" -v b="$topup" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  MIXED+=("| mixed | 50,$d | **$(printf '%.0f' "$srps")** ($(all_rps "$sres")) | $(field p50 <<<"$sm") | $(field p99 <<<"$sm") | $(field srv_cpu <<<"$sm") | ${refused}% | $topup | **$ratio** |")
  echo "# done: mixed d=$d selfcare $srps topup $topup ratio $ratio" >&2
}
for d in 1 8; do run_mixed $d; done

echo
echo "Selfcare requests: noop = \`PING\`, query = \`SMS 36300{r} 1730 EGYENLEG\`, charge = \`TOPUP 36300{r} 1\`;"
echo "ceiling requests: \`PING\`, \`Q 36300{r}\`, \`C 36300{r} 1\`; all with \`-c 50\`, \`-m 1000000\` on $N subscribers."
echo
echo "| mode | c,d | ceiling req/s (3 runs) | p50 µs | p99 µs | srv CPU | Selfcare req/s (3 runs) | p50 µs | p99 µs | srv CPU | loadgen CPU | Selfcare peak RSS | ratio |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${ROWS[@]}"
echo
echo "Mixed workload (Selfcare only): \`SMS 36300{r} 1730 EGYENLEG\`, \`… 777 SPORT\`, \`… 777 STOP SPORT\`, \`… 0690123456 VOTE\` in turn, \`-c 50 -m 1000000\`; ratio to Selfcare's TOPUP of the same depth (target ≥ 0.80)."
echo
echo "| mode | c,d | Selfcare req/s (3 runs) | p50 µs | p99 µs | srv CPU | refused (554) | TOPUP req/s | ratio to TOPUP |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${MIXED[@]}"
exit $FAIL
