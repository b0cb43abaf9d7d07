#!/usr/bin/env python3
"""Set Selfcare's rate table from a CSV through the ops JSON API: all or nothing.

A thin client of `POST /api/import/rates` (docs/PROTOCOL.md, docs/OPERATIONS.md
"Imports"): the gateway checks every row by RATE SET's rules and applies the file in one
transaction, or nothing. The CSV has one rate a row, `prefix,price,kind,adult` (the
header row may be left out; `#` starts a comment line):

    prefix,price,kind,adult
    0690,350,premium,
    0691,500,premium,adult
    16,150,premium,no

`prefix` as RATE SET takes it (0690, +3690, 003690, 16, 777), `price` whole forints
0 … 100000, `kind` premium, premium-mt, subscription or donation, `adult` yes / no, or
empty to keep the stored flag.

    Examples/rates-from-csv.py rates.csv                 # dry run: print the diff only
    Examples/rates-from-csv.py rates.csv --apply         # apply it, all or nothing
    Examples/rates-from-csv.py rates.csv --prune --apply # also delete rates the CSV lacks

Exit status 0 when the diff was shown or applied; 1 when a row is refused (every bad line
is named, nothing changed); 2 when the gateway could not be reached or did not commit
(nothing changed: run it again). The server is --url (default $SELFCARE_API or
http://127.0.0.1:8080), the operator account --user / --password (default
$SELFCARE_ACCOUNT / $SELFCARE_PASSWORD, else ops / ops). Only the Python standard library
is used. On the gateway's own machine, `selfcare import rates FILE.csv` does the same on
the store file, for files of any size.
"""

import argparse
import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

HEADER = "prefix,price,kind,adult"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", help="the CSV file: prefix,price,kind,adult")
    parser.add_argument("--apply", action="store_true", help="apply the diff (default: only print it)")
    parser.add_argument("--prune", action="store_true", help="also delete the rates the CSV does not name")
    parser.add_argument("--url", default=os.environ.get("SELFCARE_API", "http://127.0.0.1:8080"))
    parser.add_argument("--user", default=os.environ.get("SELFCARE_ACCOUNT", "ops"))
    parser.add_argument("--password", default=os.environ.get("SELFCARE_PASSWORD", "ops"))
    args = parser.parse_args()

    with open(args.csv, encoding="utf-8-sig") as f:
        text = f.read()
    first = next((l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")), "")
    # Without a header row the gateway is sent one, and its line numbers are one ahead.
    shift = 0
    if not first.replace(" ", "").lower().startswith("prefix,"):
        text, shift = HEADER + "\n" + text, 1

    query = urllib.parse.urlencode({"apply": str(args.apply).lower(), "prune": str(args.prune).lower()})
    credentials = base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
    request = urllib.request.Request(
        args.url.rstrip("/") + "/api/import/rates?" + query, data=text.encode("utf-8"), method="POST",
        headers={"Content-Type": "text/csv", "Authorization": "Basic " + credentials})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, body = response.status, json.load(response)
    except urllib.error.HTTPError as error:
        status = error.code
        try:
            body = json.loads(error.read() or b"{}")
        except ValueError:
            body = {}
    except (urllib.error.URLError, OSError) as error:
        print(f"cannot reach {args.url}: {getattr(error, 'reason', error)}; nothing changed", file=sys.stderr)
        return 2

    if status == 200:
        for change in body["changes"]:
            print(change["change"])
        print(f"{len(body['changes'])} changes, {body['unchanged']} unchanged")
        print("applied" if body["applied"] else "dry run: nothing changed (--apply applies it)")
        return 0
    if status in (400, 409) and "errors" in body:
        for problem in body["errors"]:
            print(f"{args.csv}:{problem['line'] - shift}: {problem['message']}", file=sys.stderr)
        print("nothing changed")
        return 1
    print(f"failed: {status} {body.get('error', '')}: {body.get('message', '')}; nothing changed, run it again",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
