#!/usr/bin/env bash
# make bench: Selfcare against the C ceiling (../shared/tools), same loads, interleaved,
# following the method of ../shared/tools/README.md: server on core 0, loadgen on core 1,
# a 1,000,000-subscriber store made fresh for each series, 2 s warm-up, 3 runs of 5 s,
# median reported. Prints a Markdown table of figures and ratios; copy it into
# BENCHMARKS.md with the date and the machine.
#
# BENCH_MODES (default "noop query charge mixed http chain smpp") runs a subset: noop, query and
# charge against the ceiling; mixed, the grammar's mixed workload on the line protocol (its
# ratio needs charge); http, the same mixed workload through the HTTP front's /kannel/sms
# with wrk (its ratios need mixed and charge; without them it prints the absolute figures);
# chain, the mixed workload through a real Kannel (fakesmsc → bearerbox → smsbox →
# Selfcare's /kannel/sms), against the same chain calling a do-nothing HTTP app; smpp,
# ../shared/tools/smppgen as the operator's SMSC pushing 1730 MOs (and *1412# USSD) to a
# Selfcare bound with --smsc, against the line protocol's 1730 with as many in flight.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=${SELFCARE_TOOLS:-$ROOT/../shared/tools}
SELFCARE=$ROOT/.build/release/selfcare
N=${BENCH_SUBSCRIBERS:-1000000}
RUN_SECONDS=${BENCH_SECONDS:-5}
W=$(mktemp -d /tmp/selfcare-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$W"' EXIT

MODES=${BENCH_MODES:-noop query charge mixed http chain smpp}
for mode in $MODES; do
  case $mode in noop|query|charge|mixed|http|chain|smpp) ;; *) echo "bench: unknown mode $mode in BENCH_MODES" >&2; exit 2 ;; esac
done
has_mode() { [[ " $MODES " == *" $1 "* ]]; }

[ -x "$SELFCARE" ] || { echo "bench: build first (make release)" >&2; exit 1; }
if has_mode http && ! command -v wrk >/dev/null; then
  echo "bench: wrk not found (make bench installs it: apt-get install wrk)" >&2; exit 1
fi
KANNEL_BIN=/usr/sbin; FAKESMSC=/usr/lib/kannel/test/fakesmsc
if has_mode chain && { [ ! -x "$KANNEL_BIN/bearerbox" ] || [ ! -x "$FAKESMSC" ]; }; then
  echo "bench: Kannel not found (make bench installs it: apt-get install kannel kannel-extras)" >&2; exit 1
fi
[ -f "$TOOLS/loadgen/loadgen.c" ] || { echo "bench: $TOOLS/loadgen not found" >&2; exit 1; }
# Build the tools here, not in shared/ (which may be read-only).
cc -O2 -std=gnu11 -o "$W/loadgen" "$TOOLS/loadgen/loadgen.c" -lm
# The ceiling links libpq too (its PostgreSQL modes); make bench installs libpq-dev.
cc -O2 -std=gnu11 -o "$W/ceiling" "$TOOLS/ceiling/ceiling.c" $(pkg-config --cflags --libs libevent) -lsqlite3 \
  $(pkg-config --cflags --libs libpq 2>/dev/null || echo "-I$(pg_config --includedir 2>/dev/null) -lpq")
cc -O2 -std=gnu11 -o "$W/nullapp" "$ROOT/scripts/bench-nullapp.c" $(pkg-config --cflags --libs libevent)
if has_mode smpp; then cc -O2 -std=gnu11 -o "$W/smppgen" "$TOOLS/smppgen/smppgen.c" -lm; fi
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
CEILING_MODES=0
for mode in noop query charge; do has_mode $mode && CEILING_MODES=1; done
[ $CEILING_MODES = 1 ] && "$C" mkdb "$W/c-template.db" "$N" >/dev/null 2>&1
"$SELFCARE" db populate --count "$N" --db "$W/s-template.db" | tail -1
"$SELFCARE" account set bench network --password bench --db "$W/s-template.db" >/dev/null
"$SELFCARE" account set benchops operator --password bench --db "$W/s-template.db" >/dev/null
[ $CEILING_MODES = 1 ] && sqlite3 "$W/c-template.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
# Rates of the mixed workload: 1 Ft, so 100 000 Ft of opening balance never runs out.
sqlite3 "$W/s-template.db" "INSERT INTO rates(prefix, kind, price, adult) VALUES ('777', 'subscription', 1, 0), ('3690', 'premium', 1, 0);"
sqlite3 "$W/s-template.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null

fresh() {  # fresh TEMPLATE DB (with its server key: the copy's hashes were made with it)
  rm -f "$2" "$2-wal" "$2-shm" "$2.key"; cp "$1" "$2"
  if [ -f "$1.key" ]; then cp -p "$1.key" "$2.key"; fi
}

cpu_of() { awk '{print $14+$15}' /proc/$1/stat; }

# start_selfcare READY ARGS…: serves a fresh copy of the template store on core 0 (its pid
# in SPID) and waits for the ready line READY ("listening", or "http on" with --http).
start_selfcare() {
  local ready=$1; shift
  fresh "$W/s-template.db" "$W/s.db"
  taskset -c 0 "$SELFCARE" serve --db "$W/s.db" --grammars "$ROOT/Grammars" --log-level notice "$@" >"$W/s.out" 2>"$W/s.log" & SPID=$!
  for _ in $(seq 100); do grep -q "$ready" "$W/s.out" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: selfcare serve $* is not ready after 10 s:" >&2; cat "$W/s.log" >&2; FAIL=1
}

# timed PID COMMAND…: runs a load generator that prints a RESULT line, and appends the
# server's CPU share over the run.
timed() {
  local pid=$1; shift
  local t0 s0 r t1 s1
  t0=$(cpu_of "$pid"); s0=$(date +%s.%N)
  r=$( { "$@" 2>/dev/null || true; } | grep ^RESULT || echo "RESULT failed")
  t1=$(cpu_of "$pid"); s1=$(date +%s.%N)
  echo "$r srv_cpu=$(awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.0f%%", 100 * (b - a) / hz / (e - s) }')"
}

# series PORT PID -- loadgen args; prints the 3 RESULT lines with srv_cpu appended
series() {
  local port=$1 pid=$2; shift 2
  taskset -c 1 "$L" -p "$port" -t 2 "$@" >/dev/null 2>&1 || true
  for i in 1 2 3; do
    # loadgen exits 1 on "bad lines": it does not expect Selfcare's 220 greeting, takes
    # it for the preamble's answer and so counts one line per connection as unpaired.
    # The RESULT line's errors= and lost= are what check_run judges.
    timed "$pid" taskset -c 1 "$L" -p "$port" -t "$RUN_SECONDS" "$@"
  done
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

median_line() {
  local lines=$1
  printf '%s\n' "$lines" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^rps=/) { split($i, kv, "="); print kv[2] "\t" $0 } }' \
    | sort -n | sed -n 2p | cut -f2-
}
all_rps() { printf '%s\n' "$1" | field rps | awk '{ printf "%s%.1fk", (NR > 1 ? ", " : ""), $1 / 1000 }'; }

# us_per_req SRV_CPU% RPS: the server's CPU microseconds per request.
us_per_req() { awk -v c="${1%\%}" -v r="$2" 'BEGIN { if (r + 0 > 0) printf "%.1f", c * 1e4 / r; else print "-" }'; }
# avg_batch: the average batch of the server run whose log is $W/s.log ("store: … average batch N").
avg_batch() { sed -n 's/.*average batch \([0-9.]*\).*/\1/p' "$W/s.log" | tail -1; }

ROWS=()
FAIL=0
declare -A TOPUP_RPS MIXED_RPS
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
  local auth=(-a "AUTH bench bench"); [ "$mode" = charge ] && auth=(-a "AUTH benchops bench")
  start_selfcare listening --listen 127.0.0.1:$port --http off; spid=$SPID
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

  local cm sm crps srps ratio batch
  cm=$(median_line "$cres"); sm=$(median_line "$sres")
  crps=$(field rps <<<"$cm"); srps=$(field rps <<<"$sm")
  ratio=$(ratio_of "$srps" "$crps")
  batch=$(avg_batch)
  [ "$mode" = charge ] && TOPUP_RPS[$d]=$(printf '%.0f' "$srps")
  ROWS+=("| $mode | 50,$d | **$(printf '%.0f' "$crps")** ($(all_rps "$cres")) | $(field p50 <<<"$cm") | $(field p99 <<<"$cm") | $(field srv_cpu <<<"$cm") | $(us_per_req "$(field srv_cpu <<<"$cm")" "$crps") | **$(printf '%.0f' "$srps")** ($(all_rps "$sres")) | $(field p50 <<<"$sm") | $(field p99 <<<"$sm") | $(field srv_cpu <<<"$sm") | $(us_per_req "$(field srv_cpu <<<"$sm")" "$srps") | ${batch:--} | $(field cpu <<<"$sm") | ${hwm} MB | **$ratio** |")
  echo "# done: $mode d=$d ceiling $crps selfcare $srps ratio $ratio" >&2
}

for mode in noop query charge; do
  has_mode $mode || continue
  for d in 1 8; do
    run_pair $mode $d
  done
done

# run_mixed DEPTH: Selfcare only (the ceiling has no grammar); compared with Selfcare's own
# durable TOPUP figure of the same depth.
MIXED=()
run_mixed() {
  local d=$1 port=7302 spid sres sm srps
  start_selfcare listening --listen 127.0.0.1:$port --http off; spid=$SPID
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
  local topup=${TOPUP_RPS[$d]:--}
  local ratio; ratio=$(ratio_of "$srps" "$topup")
  MIXED_RPS[$d]=$(printf '%.0f' "$srps")
  MIXED+=("| mixed | 50,$d | **$(printf '%.0f' "$srps")** ($(all_rps "$sres")) | $(field p50 <<<"$sm") | $(field p99 <<<"$sm") | $(field srv_cpu <<<"$sm") | $(us_per_req "$(field srv_cpu <<<"$sm")" "$srps") | $(avg_batch) | ${refused}% | $topup | **$ratio** |")
  echo "# done: mixed d=$d selfcare $srps topup $topup ratio $ratio" >&2
}
if has_mode mixed; then for d in 1 8; do run_mixed $d; done; fi

# The HTTP Kannel series: the mixed workload again, as Kannel's sms-service sends MOs
# (GET /kannel/sms?from=…&to=…&text=…, the network account as basic auth), from wrk with
# scripts/bench-kannel.lua; HTTP/1.1 keep-alive, 50 connections, one wrk thread on core 1.
# d=8: wrk writes 8 pipelined requests and waits for their 8 answers (evhttp answers the
# requests of a connection one after another, in order). Refusals are 200 (Kannel's
# convention), so a run is judged by: no answer but 200, no socket error or timeout
# (errors=0), every request the server read answered, the audit and the ledger.
HTTPROWS=()
HTTP_AUTH="Authorization: Basic $(printf bench:bench | base64)"
# wrk_run PORT DEPTH SECONDS: one wrk run; its RESULT line with wrk's CPU share appended.
wrk_run() {
  local out
  out=$( { taskset -c 1 wrk -t1 -c50 -d"$3"s --timeout 10s --latency -H "$HTTP_AUTH" \
             -s "$ROOT/scripts/bench-kannel.lua" "http://127.0.0.1:$1" -- "$2" 50 2>&1 || true; times; } )
  # `times`: the shell's own, then its children's (wrk) user and system time.
  local cpu; cpu=$(printf '%s\n' "$out" | tail -1 | awk -v s="$3" '{
    split($1, u, /[ms]/); split($2, y, /[ms]/); printf "%.0f%%", 100 * (u[1] * 60 + u[2] + y[1] * 60 + y[2]) / s }')
  printf '%s\n' "$out" | grep ^RESULT | sed "s/\$/ cpu=$cpu/" || echo "RESULT failed"
}
# metric NAME{LABELS…: the sum of the samples of $W/metrics.txt whose line starts so.
metric() { awk -v k="$1" 'index($0, k) == 1 { s += $NF } END { printf "%d", s }' "$W/metrics.txt"; }

run_http() {
  local d=$1 spid hport
  start_selfcare 'http on' --listen 127.0.0.1:0 --http 127.0.0.1:0; spid=$SPID
  hport=$(sed -n 's/^selfcare: http on .*:\([0-9]*\)$/\1/p' "$W/s.out")
  local warm sres
  warm=$(wrk_run "$hport" "$d" 2)
  sres=$(for i in 1 2 3; do timed "$spid" wrk_run "$hport" "$d" "$RUN_SECONDS"; done)
  # What the server counted, once the last answers are out (HTTP/1.0: it closes after).
  sleep 0.5
  ( exec 3<>"/dev/tcp/127.0.0.1/$hport" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3 ) >"$W/metrics.txt" 2>/dev/null || true
  local hwm; hwm=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$spid/status 2>/dev/null || echo "?")
  if ! kill -TERM $spid 2>/dev/null; then
    echo "bench: http d=$d: selfcare died under load:" >&2; tail -20 "$W/s.log" >&2; FAIL=1
  fi
  wait $spid 2>/dev/null || true

  if printf '%s\n%s\n' "$warm" "$sres" | grep -qv ' errors=0 '; then
    echo "bench: http d=$d: answers other than 200, socket errors or timeouts:" >&2
    printf '%s\n%s\n' "$warm" "$sres" >&2; FAIL=1
  fi
  # The latencies are wrk's histogram with its correction undone (bench-kannel.lua): one
  # sample per batch, or the undoing went wrong (another wrk) and p50/p99 mean nothing.
  if printf '%s\n' "$sres" | awk -v d="$d" '{ r = b = -1; for (i = 1; i <= NF; i++) { split($i, kv, "=")
       if (kv[1] == "requests") r = kv[2]; if (kv[1] == "batches") b = kv[2] }
       if (r < 0 || b * d > r || b * d < r - 50 * d) bad = 1 } END { exit !bad }'; then
    echo "bench: http d=$d: latency samples do not match the batches (wrk's histogram not as expected):" >&2
    printf '%s\n' "$sres" >&2; FAIL=1
  fi
  # Every request the server read was answered (the /metrics request is the one in flight);
  # it answered at least what wrk counted, and at most the 50×d requests in flight when
  # each of the 4 wrk runs stopped more.
  local sent answered ok200 engine inflight failed
  sent=$(printf '%s\n%s\n' "$warm" "$sres" | field requests | awk '{ s += $1 } END { print s + 0 }')
  answered=$(metric 'selfcare_http_requests_total{endpoint="kannel_sms"')
  ok200=$(metric 'selfcare_http_requests_total{endpoint="kannel_sms",status="200"}')
  engine=$(metric 'selfcare_commands_total{transport="http"')
  inflight=$(metric 'selfcare_http_requests_in_flight')
  failed=$(metric 'selfcare_failed_requests_total{transport="http"}')
  if [ "$inflight" != 1 ] || [ "$failed" != 0 ] || [ "$ok200" != "$answered" ] \
     || [ "$answered" -lt "$sent" ] || [ "$answered" -gt $((sent + 4 * 50 * d)) ]; then
    echo "bench: http d=$d: wrk counted $sent answers; the server answered $answered ($ok200 with 200, $failed with 503), $((inflight - 1)) unanswered" >&2
    FAIL=1
  fi
  # Audit: one row per engine command, plus the password checks that went to the store
  # (AUTH rows: the front then trusts the credentials for 60 s).
  local audit auth refused
  audit=$(sqlite3 "$W/s.db" "SELECT count(*) FROM audit WHERE request NOT LIKE 'AUTH %'")
  auth=$(sqlite3 "$W/s.db" "SELECT count(*) FROM audit WHERE request LIKE 'AUTH %'")
  refused=$(sqlite3 "$W/s.db" "SELECT round(100.0 * sum(outcome LIKE 'refused%') / count(*), 1) FROM audit WHERE request NOT LIKE 'AUTH %'")
  if [ "$audit" != "$engine" ] || [ "$engine" != "$ok200" ]; then
    echo "bench: http d=$d audit rows $audit, engine commands $engine, answers 200 $ok200 (must be equal)" >&2; FAIL=1
  fi
  if ! "$SELFCARE" db check --db "$W/s.db" >"$W/check.txt" 2>&1; then
    echo "bench: http d=$d ledger check failed:" >&2; cat "$W/check.txt" >&2; FAIL=1
  fi

  local sm srps line=${MIXED_RPS[$d]:--} topup=${TOPUP_RPS[$d]:--}
  sm=$(median_line "$sres"); srps=$(field rps <<<"$sm")
  HTTPROWS+=("| kannel | 50,$d | **$(printf '%.0f' "$srps")** ($(all_rps "$sres")) | $(field p50 <<<"$sm") | $(field p99 <<<"$sm") | $(field srv_cpu <<<"$sm") | $(us_per_req "$(field srv_cpu <<<"$sm")" "$srps") | $(avg_batch) | $(field cpu <<<"$sm") | ${hwm} MB | ${refused}% | $line | **$(ratio_of "$srps" "$line")** | $topup | **$(ratio_of "$srps" "$topup")** |")
  echo "# done: http d=$d selfcare $srps (line mixed $line, topup $topup); audit $audit + $auth AUTH" >&2
}
if has_mode http; then for d in 1 8; do run_http $d; done; fi

# The Kannel chain: fakesmsc plays the network and sends MOs as fast as bearerbox takes
# them; smsbox calls the app (get-url) for each and sends its answer back as the MT. The
# app is Selfcare's /kannel/sms (network account in the query, as Examples/kannel/kannel.conf
# has it) or the do-nothing app (scripts/bench-nullapp.c, 200 with a short body); the app
# on core 0, Kannel's boxes and fakesmsc on core 1; runs interleaved (null, Selfcare, …),
# each on a fresh Kannel and, for Selfcare, a fresh store. A run is CHAIN_MOS MOs after
# 2 000 of warm-up; its rate is MOs answered by the app per second (polled every 0.1 s),
# and every MO must come back as an MT to fakesmsc.
CHAINROWS=()
CHAIN_MOS=${BENCH_CHAIN_MOS:-30000}
# 200 MOs of the mixed workload, on random subscribers; fakesmsc picks among them.
CHAIN_MSGS=()
for i in $(seq 0 49); do
  n=$(printf '36300%06d' $(( (i * 7919 + 1234) % 1000000 )))
  CHAIN_MSGS+=("$n 1730 text EGYENLEG" "$n 777 text SPORT" "$n 777 text STOP SPORT" "$n 0690123456 text VOTE")
done
# count_of PORT PATH AWK: a number from the app, over HTTP/1.0.
http_get() { ( exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.0\r\n\r\n' "$2" >&3 && cat <&3 ) 2>/dev/null || true; }
app_count() {  # app_count null|selfcare PORT
  if [ "$1" = null ]; then http_get "$2" /count | tail -1
  else http_get "$2" /metrics | awk 'index($0, "selfcare_http_requests_total{endpoint=\"kannel_sms\"") == 1 { s += $NF } END { print s + 0 }'; fi
}
start_kannel() {  # start_kannel APPPORT: bearerbox and smsbox on core 1, $W/k/kannel.conf
  rm -rf "$W/k"; mkdir -p "$W/k"
  KFAKE=$((17000 + RANDOM % 2000)); local kbox=$((KFAKE + 1)) kadmin=$((KFAKE + 2)) ksend=$((KFAKE + 3))
  sed -e "s|\${ADMIN_PORT}|$kadmin|; s|\${ADMIN_PASSWORD}|bench|; s|\${SMSBOX_PORT}|$kbox|g; s|\${DIR}|$W/k|g" \
      -e "s|\${FAKESMSC_PORT}|$KFAKE|; s|\${SENDSMS_PORT}|$ksend|; s|\${SELFCARE_HTTP_PORT}|$1|" \
      -e "s|\${SELFCARE_USER}|bench|; s|\${SELFCARE_PASSWORD}|bench|; s|\${SENDSMS_USER}|u|; s|\${SENDSMS_PASSWORD}|p|" \
      -e 's|^log-level = 0|log-level = 4|; /^access-log/d' "$ROOT/Examples/kannel/kannel.conf" >"$W/k/kannel.conf"
  taskset -c 1 "$KANNEL_BIN/bearerbox" "$W/k/kannel.conf" >"$W/k/bb.out" 2>&1 & KBB=$!
  sleep 0.5
  taskset -c 1 "$KANNEL_BIN/smsbox" "$W/k/kannel.conf" >"$W/k/sb.out" 2>&1 & KSB=$!
  for _ in $(seq 100); do
    http_get "$kadmin" "/status.txt?password=bench" | grep -q "smsbox:" && return 0; sleep 0.1
  done
  echo "bench: chain: smsbox did not connect to bearerbox" >&2; FAIL=1
}
stop_kannel() { kill -TERM $KSB $KBB 2>/dev/null || true; sleep 1; kill -KILL $KSB $KBB 2>/dev/null || true; wait $KSB $KBB 2>/dev/null || true; }
# chain_mos APP PORT COUNT BASE: COUNT MOs through fakesmsc; waits until the app has
# answered BASE+COUNT and fakesmsc got an MT for each; prints "seconds mts".
chain_mos() {
  local app=$1 port=$2 count=$3 base=$4 t0 t1 n=0 out="$W/k/fakesmsc-$RANDOM.out"
  t0=$(date +%s.%N)
  taskset -c 1 "$FAKESMSC" -H 127.0.0.1 -r "$KFAKE" -i 0 -m "$count" "${CHAIN_MSGS[@]}" >"$out" 2>&1 & local fpid=$!
  for _ in $(seq 1200); do
    n=$(app_count "$app" "$port"); [ "${n:-0}" -ge $((base + count)) ] && break; sleep 0.1
  done
  t1=$(date +%s.%N)
  local mts=0
  for _ in $(seq 100); do mts=$(grep -c "Got message" "$out" || true); [ "$mts" -ge "$count" ] && break; sleep 0.1; done
  kill -KILL $fpid 2>/dev/null || true; wait $fpid 2>/dev/null || true
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $mts ${n:-0}"
}
run_chain() {
  local null_rates=() self_rates=() self_cpu=() self_batch=() i app port apid
  for i in 1 2 3; do
    for app in null selfcare; do
      if [ $app = null ]; then
        port=7400; taskset -c 0 "$W/nullapp" $port >"$W/null.out" 2>&1 & apid=$!; sleep 0.3
      else
        start_selfcare 'http on' --listen 127.0.0.1:0 --http 127.0.0.1:0; apid=$SPID
        port=$(sed -n 's/^selfcare: http on .*:\([0-9]*\)$/\1/p' "$W/s.out")
      fi
      start_kannel "$port"
      chain_mos $app "$port" 2000 0 >/dev/null
      local c0 r secs mts answered
      c0=$(cpu_of $apid)
      r=$(chain_mos $app "$port" "$CHAIN_MOS" "$(app_count $app "$port")")
      read -r secs mts answered <<<"$r"
      local cpu_us; cpu_us=$(awk -v a="$c0" -v b="$(cpu_of $apid)" -v hz="$(getconf CLK_TCK)" -v n="$CHAIN_MOS" \
        'BEGIN { printf "%.0f", (b - a) / hz * 1e6 / n }')
      stop_kannel
      kill -TERM $apid 2>/dev/null || true; wait $apid 2>/dev/null || true
      if [ "$mts" -lt "$CHAIN_MOS" ]; then
        echo "bench: chain $app run $i: $mts MTs came back for $CHAIN_MOS MOs (app answered $answered)" >&2; FAIL=1
      fi
      local rate; rate=$(awk -v n="$CHAIN_MOS" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
      if [ $app = null ]; then null_rates+=("$rate"); else self_rates+=("$rate"); self_cpu+=("$cpu_us"); self_batch+=("$(avg_batch)"); fi
      echo "# chain run $i $app: $rate MO/s, $mts MTs, app CPU ${cpu_us} µs/MO" >&2
    done
    # Selfcare's store after its run: audit rows = answered MOs, ledger consistent.
    local audit; audit=$(sqlite3 "$W/s.db" "SELECT count(*) FROM audit WHERE request NOT LIKE 'AUTH %'")
    if ! "$SELFCARE" db check --db "$W/s.db" >"$W/check.txt" 2>&1; then
      echo "bench: chain ledger check failed:" >&2; cat "$W/check.txt" >&2; FAIL=1
    fi
    echo "# chain run $i: selfcare audit rows $audit" >&2
  done
  local nm sm
  nm=$(printf '%s\n' "${null_rates[@]}" | sort -n | sed -n 2p)
  sm=$(printf '%s\n' "${self_rates[@]}" | sort -n | sed -n 2p)
  local cm; cm=$(printf '%s\n' "${self_cpu[@]}" | sort -n | sed -n 2p)
  CHAINROWS+=("| chain | **$nm** ($(IFS=,; echo "${null_rates[*]}")) | **$sm** ($(IFS=,; echo "${self_rates[*]}")) | $cm | $(IFS=,; echo "${self_batch[*]}") | **$(ratio_of "$sm" "$nm")** |")
}
if has_mode chain; then run_chain; fi

# The SMPP client role: smppgen plays the operator's SMSC on core 1 and pushes MOs
# (`36300{r} 1730 EGYENLEG {i}`, random senders) to one Selfcare bind on core 0, window W: an
# MO holds its slot until its deliver_sm_resp and its reply (submit_sm) came. One Selfcare
# per window (fresh store) serves the warm-up and the 3 runs, binding again after each
# run's unbind. Compared with the line protocol's 1730 on one connection with W in flight
# (loadgen -c 1 -d W), the same store and requests. USSD: `*1412#` with --ussd (PSSR
# indication in, the first screen out as USSR request): sessions opened per second.
SMPPROWS=()
# {i} makes every MO's text its own: the same sender, number and text within 30 s would
# be taken for the SMSC delivering it again (answered from memory, not run).
printf '36300{r} 1730 EGYENLEG {i}\n' > "$W/smpp-mo.txt"
printf '36300{r} *1412# *1412#\n' > "$W/smpp-ussd.txt"
smpp_series() {  # smpp_series PID PORT smppgen-args…: warm-up, then 3 RESULT lines with srv_cpu
  local pid=$1 port=$2; shift 2
  taskset -c 1 "$W/smppgen" smsc -p "$port" -t 2 "$@" >/dev/null 2>&1 || true
  for i in 1 2 3; do timed "$pid" taskset -c 1 "$W/smppgen" smsc -p "$port" -t "$RUN_SECONDS" "$@"; done
}
run_smpp() {  # run_smpp WINDOW [ussd]
  local w=$1 kind=${2:-sms} port=$((61300 + RANDOM % 500)) spid sres lres lm sm
  local file="$W/smpp-mo.txt" extra=(); [ "$kind" = ussd ] && { file="$W/smpp-ussd.txt"; extra=(--ussd); }
  start_selfcare listening --listen 127.0.0.1:0 --http off --smsc "smpp://bench:bench@127.0.0.1:$port?reconnect=0.1&window=$w"; spid=$SPID
  sres=$(smpp_series "$spid" "$port" -w "$w" -f "$file" -m 1000000 "${extra[@]}")
  local hwm; hwm=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$spid/status)
  kill -TERM $spid; wait $spid 2>/dev/null || true
  if printf '%s\n' "$sres" | grep -qv 'errors=0 lost=0 noresp=0 unmatched=0 nack=0 ussd_bad=0 malformed=0'; then
    echo "bench: smpp $kind w=$w: errors, lost or unmatched:" >&2; printf '%s\n' "$sres" >&2; FAIL=1
  fi
  local served audit
  served=$(sed -n 's/.*smpp .* stopped: binds [0-9]*, MOs \([0-9]*\).*/\1/p' "$W/s.log" | tail -1)
  audit=$(sqlite3 "$W/s.db" "SELECT count(*) FROM audit WHERE channel = 'smpp'")
  if [ "$served" != "$audit" ]; then echo "bench: smpp $kind w=$w: audit rows $audit != MOs $served" >&2; FAIL=1; fi
  sm=$(median_line "$sres")
  local srps batch; srps=$(field rps <<<"$sm"); batch=$(avg_batch)
  local lrps="-" ratio="-" lcell="-"
  if [ "$kind" = sms ]; then
    # The line protocol on the same store and requests, one connection, w in flight.
    start_selfcare listening --listen 127.0.0.1:7303 --http off; spid=$SPID
    lres=$(series 7303 $spid -c 1 -d "$w" -f "$W/query-s.txt" -m 1000000 -a "AUTH bench bench")
    kill -TERM $spid; wait $spid 2>/dev/null || true
    check_run "$lres" "selfcare line 1730 c=1 d=$w"
    lm=$(median_line "$lres"); lrps=$(field rps <<<"$lm")
    ratio=$(ratio_of "$srps" "$lrps"); lcell="$(printf '%.0f' "$lrps") ($(all_rps "$lres"))"
  fi
  SMPPROWS+=("| $kind | $w | **$(printf '%.0f' "$srps")** ($(all_rps "$sres")) | $(field p50 <<<"$sm") | $(field p99 <<<"$sm") | $(field srv_cpu <<<"$sm") | $(us_per_req "$(field srv_cpu <<<"$sm")" "$srps") | ${batch:--} | $(field cpu <<<"$sm") | ${hwm} MB | $lcell | **$ratio** |")
  echo "# done: smpp $kind w=$w selfcare $srps line $lrps ratio $ratio" >&2
}
# The server role: smppgen esme binds 8 transceivers (the bench network account) to
# Selfcare's --smpp, window 64 each, and submits the same MOs; an MO's slot is freed by
# its submit_sm_resp, the reply (deliver_sm) is then awaited without a slot. Compared with
# the line protocol's 1730 on 8 connections with 64 in flight each.
run_smpp_server() {
  local spid sres sm srps port lres lm lrps
  start_selfcare 'smpp on' --listen 127.0.0.1:0 --http off --smpp 127.0.0.1:0; spid=$SPID
  port=$(sed -n 's/^selfcare: smpp on .*:\([0-9]*\)$/\1/p' "$W/s.out")
  taskset -c 1 "$W/smppgen" esme -p "$port" --system-id bench --password bench -c 8 -w 64 -t 2 -f "$W/smpp-mo.txt" -m 1000000 >/dev/null 2>&1 || true
  sres=$(for i in 1 2 3; do timed "$spid" taskset -c 1 "$W/smppgen" esme -p "$port" --system-id bench --password bench -c 8 -w 64 -t "$RUN_SECONDS" -f "$W/smpp-mo.txt" -m 1000000; done)
  local hwm; hwm=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$spid/status)
  kill -TERM $spid; wait $spid 2>/dev/null || true
  if printf '%s\n' "$sres" | grep -qv 'errors=0 lost=0 noresp=0 unmatched=0 nack=0 ussd_bad=0 malformed=0'; then
    echo "bench: smpp server: errors, lost or unmatched:" >&2; printf '%s\n' "$sres" >&2; FAIL=1
  fi
  local served audit
  served=$(sed -n 's/.*smpp server stopped: binds [0-9]*, failed binds [0-9]*, MOs \([0-9]*\).*/\1/p' "$W/s.log" | tail -1)
  audit=$(sqlite3 "$W/s.db" "SELECT count(*) FROM audit WHERE channel = 'smpp' AND request NOT LIKE 'AUTH %'")
  if [ "$served" != "$audit" ]; then echo "bench: smpp server: audit rows $audit != MOs $served" >&2; FAIL=1; fi
  sm=$(median_line "$sres"); srps=$(field rps <<<"$sm")
  start_selfcare listening --listen 127.0.0.1:7304 --http off; spid=$SPID
  lres=$(series 7304 $spid -c 8 -d 64 -f "$W/query-s.txt" -m 1000000 -a "AUTH bench bench")
  kill -TERM $spid; wait $spid 2>/dev/null || true
  check_run "$lres" "selfcare line 1730 c=8 d=64"
  lm=$(median_line "$lres"); lrps=$(field rps <<<"$lm")
  SMPPROWS+=("| server (esme 8×64) | 64 | **$(printf '%.0f' "$srps")** ($(all_rps "$sres")) | $(field p50 <<<"$sm") | $(field p99 <<<"$sm") | $(field srv_cpu <<<"$sm") | $(us_per_req "$(field srv_cpu <<<"$sm")" "$srps") | $(avg_batch) | $(field cpu <<<"$sm") | ${hwm} MB | $(printf '%.0f' "$lrps") ($(all_rps "$lres")) c=8,d=64 | **$(ratio_of "$srps" "$lrps")** |")
  echo "# done: smpp server selfcare $srps line $lrps" >&2
}
if has_mode smpp; then
  run_smpp 64; run_smpp 256; run_smpp 64 ussd; run_smpp_server
fi

if [ ${#ROWS[@]} -gt 0 ]; then
  echo
  echo "Selfcare requests: noop = \`PING\`, query = \`SMS 36300{r} 1730 EGYENLEG\`, charge = \`TOPUP 36300{r} 1\`;"
  echo "ceiling requests: \`PING\`, \`Q 36300{r}\`, \`C 36300{r} 1\`; all with \`-c 50\`, \`-m 1000000\` on $N subscribers."
  echo
  echo "| mode | c,d | ceiling req/s (3 runs) | p50 µs | p99 µs | srv CPU | CPU µs/req | Selfcare req/s (3 runs) | p50 µs | p99 µs | srv CPU | CPU µs/req | avg batch | loadgen CPU | Selfcare peak RSS | ratio |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${ROWS[@]}"
fi
if [ ${#MIXED[@]} -gt 0 ]; then
  echo
  echo "Mixed workload (Selfcare only): \`SMS 36300{r} 1730 EGYENLEG\`, \`… 777 SPORT\`, \`… 777 STOP SPORT\`, \`… 0690123456 VOTE\` in turn, \`-c 50 -m 1000000\`; ratio to Selfcare's TOPUP of the same depth (target ≥ 0.80)."
  echo
  echo "| mode | c,d | Selfcare req/s (3 runs) | p50 µs | p99 µs | srv CPU | CPU µs/req | avg batch | refused (554) | TOPUP req/s | ratio to TOPUP |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${MIXED[@]}"
fi
if [ ${#HTTPROWS[@]} -gt 0 ]; then
  echo
  echo "HTTP Kannel path: the mixed workload as \`GET /kannel/sms?from=36300{r}&to=1730&text=EGYENLEG\` … (basic auth), wrk \`-t1 -c50\`, keep-alive; d=8: 8 pipelined requests per write, latency per batch (to its last answer); ratios to the line protocol's mixed series and TOPUP of the same depth."
  echo
  echo "| mode | c,d | Selfcare req/s (3 runs) | p50 µs | p99 µs | srv CPU | CPU µs/req | avg batch | wrk CPU | Selfcare peak RSS | refused (200) | line mixed req/s | ratio to line mixed | TOPUP req/s | ratio to TOPUP |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${HTTPROWS[@]}"
fi
if [ ${#CHAINROWS[@]} -gt 0 ]; then
  echo
  echo "Kannel chain: fakesmsc → bearerbox → smsbox → app, $CHAIN_MOS MOs of the mixed workload per run (MO/s answered by the app; medians of 3 interleaved runs); Kannel on core 1, the app on core 0."
  echo
  echo "| series | do-nothing app MO/s (3 runs) | Selfcare MO/s (3 runs) | Selfcare CPU µs/MO | Selfcare average batch (3 runs) | ratio |"
  echo "| --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${CHAINROWS[@]}"
fi
if [ ${#SMPPROWS[@]} -gt 0 ]; then
  echo
  echo "SMPP client role: \`smppgen smsc\` (core 1) pushing \`36300{r} 1730 EGYENLEG {i}\` (sms) or \`36300{r} *1412#\` with --ussd (sessions opened) to one Selfcare bind (core 0), $N subscribers; ratio to the line protocol's 1730 with one connection and as many in flight (\`loadgen -c 1 -d W\`). Bars: ratio ≥ 0.8, ≥ 30 000 MO→reply/s at window 256."
  echo
  echo "| kind | window | Selfcare MO→reply/s (3 runs) | p50 µs | p99 µs | srv CPU | CPU µs/MO | avg batch | smppgen CPU | Selfcare peak RSS | line 1730 c=1,d=W req/s (3 runs) | ratio |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${SMPPROWS[@]}"
fi
exit $FAIL
