#!/usr/bin/env bash
# A newcomer's tour: one SMS of every service, from the demo subscribers, through
# `selfcare send`, with the gateway's answers. Start the gateway first (`make run`, which
# creates the demo database), then run this from the checkout:
#
#   Examples/sms-tour.sh            # against 127.0.0.1:7777
#   SELFCARE_SERVER=127.0.0.1:7790 Examples/sms-tour.sh
#
# The demo subscribers (README): 36301111111 prepaid PIN 11111, 36302222222 postpaid
# (English) PIN 22222, 36303333333 Mix PIN 33333, 36304444444 a minor PIN 44444,
# 36305555555 suspended PIN 55555. The tour changes their balances: run it on a fresh
# demo database (`rm -f data/selfcare.sqlite*` before `make run` recreates it).
set -euo pipefail
cd "$(dirname "$0")/.."
SELFCARE=${SELFCARE:-$(swift build --show-bin-path 2>/dev/null)/selfcare}
[ -x "$SELFCARE" ] || { echo "build first: make build" >&2; exit 1; }

send() {  # send FROM TO TEXT…
    local from=$1 to=$2
    shift 2
    printf '\n\033[1m%s → %s: %s\033[0m\n' "$from" "$to" "$*"
    "$SELFCARE" send --from "$from" --to "$to" -- "$@" || true
}

echo "== S6 balance (1730)"
send 36301111111 1730 EGYENLEG
send 36302222222 1730 balance
send 36303333333 1730 ?

echo "== S1 InfoSMS (777)"
send 36301111111 777 SPORT
send 36301111111 777 HÍREK
send 36301111111 777 LISTA
send 36301111111 777 -sport
send 36301111111 777 STOP
send 36301111111 777 SUGO

echo "== S2 partner InfoSMS (36308080700–799)"
send 36302222222 06308080712 hello
send 36302222222 06308080712 STOP

echo "== S3 horoscope (36303030440)"
send 36301111111 06303030440 1985. március 21.
send 36301111111 06303030440 1985.02.30
send 36301111111 06303030440 - HORO

echo "== S4 premium MO (0690…, 0691…, 16xxx)"
send 36301111111 0690123456 VOTE 1
send 36304444444 0691123456 adult content, refused to a minor
send 36301111111 1430 TILT 90
send 36301111111 0690123456 barred now
send 36301111111 1430 ENGED 90 11111

echo "== S15 donation"
send 36303333333 13600 ADOMANY

echo "== S5 premium SMS received: unblock with the PIN, block again without"
send 36301111111 1430 EMELT BE 11111
send 36301111111 1430 EMELT KI

echo "== S9 call-me-back, S10 Te+ÉN"
send 36301111111 1430 HIVJ 06-30-222-2222
send 36301111111 1430 TEEN 06303333333
send 36301111111 1430 TEEN

echo "== S11 suspension, S12 purchase code, S13 top-up of another subscriber"
send 36305555555 777 SPORT
send 36305555555 1430 VISSZA
send 36301111111 1430 KOD 11111
send 36301111111 1430 UTAL 06303333333 500 11111

echo "== PIN and language"
send 36303333333 1430 PIN 33333 12345 54321
send 36303333333 1430 LANG EN
send 36303333333 1730 balance

echo "== unknown destination, unknown subscriber"
send 36301111111 5555 hello
send 36309999999 1730 EGYENLEG
