#!/usr/bin/env bash
# A day of an operator's work (issue 18), against a running gateway on a fresh demo store
# (`make run` in another terminal, or any `selfcare serve`):
#
#   1. load 10 000 subscribers from the billing system's CSV (a dry run first, then --apply)
#   2. reset a subscriber's forgotten PIN (the new one goes to the handset only)
#   3. close last month's postpaid bills
#   4. change a price
#   5. end a subscriber
#
#   Examples/operator-day.sh
#   SELFCARE_SERVER=127.0.0.1:7790 SELFCARE_DB=/tmp/x.sqlite Examples/operator-day.sh
#
# The import works on the store file (SELFCARE_DB, default data/selfcare.sqlite, as
# `make run` makes it) while the gateway runs; everything else goes through the gateway
# as the operator account ops/ops of the demo data (SELFCARE_OPS_ACCOUNT,
# SELFCARE_OPS_PASSWORD). docs/OPERATIONS.md says what each step does and why.
set -euo pipefail
cd "$(dirname "$0")/.."
SELFCARE=${SELFCARE:-$(swift build --show-bin-path 2>/dev/null)/selfcare}
[ -x "$SELFCARE" ] || { echo "build first: make build" >&2; exit 1; }
DB=${SELFCARE_DB:-data/selfcare.sqlite}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
op() { echo "> $*"; "$SELFCARE" op "$@"; }

step "1. 10 000 subscribers from the billing system"
# 36 70 100 0000 … 36 70 100 9999: two prepaid with an opening balance, a postpaid, a Mix
# with its allowance, in turn; customers since June 2025, as the billing system knows.
awk 'BEGIN {
    print "msisdn,product,lang,birth,status,balance,universal,allowance,since"
    split("prepaid prepaid postpaid mix", product, " ")
    for (i = 0; i < 10000; i++) {
        p = product[i % 4 + 1]
        printf "3670100%04d,%s,%s,,,%s,,%s,2025-06-01\n", i, p, (i % 10 ? "hu" : "en"), (p == "postpaid" ? "" : 1000 + i % 500), (p == "mix" ? 3000 : "")
    }
}' > "$WORK/subscribers.csv"
"$SELFCARE" import subscribers "$WORK/subscribers.csv" --db "$DB" --show 3
"$SELFCARE" import subscribers "$WORK/subscribers.csv" --db "$DB" --show 0 --apply --account ops
op SUB LIST 0670100 limit=3

step "2. a forgotten PIN: reset, the new one goes to the handset by SMS"
op PIN RESET 36301111111
op SUB SHOW 36301111111 | grep -E '^250-pin'

step "3. last month's postpaid bills"
"$SELFCARE" bills close last --limit 1000 | tail -n 2

step "4. a price change: premium SMS to 0690… costs 350 Ft from now on"
op RATE SET 0690 350 premium
op RATE LIST 0690

step "5. a subscriber leaves: balances to 0 through the ledger, the number in quarantine"
op SUB END 36305555555
op SUB SHOW 36305555555 | grep -E '^250-(status|balance|ledger)'
op SUB LIST status=terminated
