#!/usr/bin/env python3
"""Adjust Selfcare's rate table from a CSV through the ops JSON API: all or nothing.

The CSV has one rate a row, `prefix,price,kind,adult` (a header row with these names is
allowed; `#` starts a comment line):

    prefix,price,kind,adult
    0690,350,premium,
    0691,500,premium,adult
    16,150,premium,no

`prefix` as RATE SET takes it (0690, +3690, 003690, 16, 777), `price` whole forints
0 … 100000, `kind` premium, premium-mt, subscription or donation, `adult` empty / no /
false / 0, or yes / true / 1 / adult.

    Examples/rates-from-csv.py rates.csv                 # dry run: print the diff only
    Examples/rates-from-csv.py rates.csv --apply         # apply it, all or nothing
    Examples/rates-from-csv.py rates.csv --prune --apply # also delete rates the CSV lacks

Every row is checked before anything is sent; a bad row changes nothing (exit 1). With
--apply, when a request fails, what was applied is put back as it was (from the table
fetched at the start) and the exit status is 2; 3 if even that failed (the script says
what to repair). The server is --url (default $SELFCARE_API or http://127.0.0.1:8080),
the operator account --user / --password (default $SELFCARE_ACCOUNT / $SELFCARE_PASSWORD,
else ops / ops). Only the Python standard library is used.

On the gateway's own machine, `selfcare import rates FILE.csv [--prune] [--apply]` reads
the same file and applies it in one store transaction (docs/OPERATIONS.md "Imports");
this script is the remote way, through the ops JSON API.
"""

import argparse
import base64
import csv
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

KINDS = ("premium", "premium-mt", "subscription", "donation")
MAX_PRICE = 100_000
MAX_PREFIX_DIGITS = 20
YES = {"yes", "true", "1", "adult"}
NO = {"", "no", "false", "0"}


class Failure(Exception):
    """A request the server refused or could not answer."""


def normalised_prefix(text):
    """The prefix as the server stores it (PhoneNumber.normalisedPrefix), or None."""
    compact = "".join(c for c in text.strip() if c not in " -./()")
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("00"):
        digits = compact[2:]
    elif compact.startswith("06"):
        digits = "36" + compact[2:]
    elif compact.startswith("0"):
        return None
    else:
        digits = compact
    if not digits or not digits.isascii() or not digits.isdigit() or digits[0] == "0" or len(digits) > MAX_PREFIX_DIGITS:
        return None
    return digits


def read_csv(path):
    """{(prefix, kind): (price, adult)} from the CSV; exits 1 listing every bad row."""
    wanted, errors = {}, []
    with open(path, newline="", encoding="utf-8") as f:
        for number, row in enumerate(csv.reader(f), start=1):
            if not row or row[0].strip().startswith("#"):
                continue
            cells = [c.strip() for c in row] + [""] * (4 - len(row))
            if number == 1 and cells[0].lower() == "prefix":
                continue
            where = f"{path}:{number}"
            if len(row) > 4 or len(row) < 3:
                errors.append(f"{where}: want prefix,price,kind[,adult], got {len(row)} fields")
                continue
            prefix = normalised_prefix(cells[0])
            kind = cells[2].lower()
            adult = cells[3].lower()
            problems = []
            if prefix is None:
                problems.append(f"malformed prefix {cells[0]!r}")
            if not (cells[1].isascii() and cells[1].isdigit()) or int(cells[1]) > MAX_PRICE:
                problems.append(f"price {cells[1]!r} is not a whole number from 0 to {MAX_PRICE}")
            if kind not in KINDS:
                problems.append(f"unknown kind {cells[2]!r} ({', '.join(KINDS)})")
            if adult not in YES | NO:
                problems.append(f"adult must be yes or no, not {cells[3]!r}")
            if not problems and (prefix, kind) in wanted:
                problems.append(f"{prefix} {kind} given twice")
            if problems:
                errors += [f"{where}: {p}" for p in problems]
            else:
                wanted[(prefix, kind)] = (int(cells[1]), adult in YES)
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        print("nothing changed", file=sys.stderr)
        sys.exit(1)
    return wanted


class API:
    def __init__(self, url, user, password):
        self.url = url.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def call(self, method, path, body=None, retries=0):
        """The decoded JSON answer; Failure with the server's error otherwise. `retries`:
        how often a 503 (commit failed, nothing applied: safe to resend) is sent again."""
        data = None
        headers = dict(self.headers)
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        for attempt in range(retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    return json.loads(answer.read() or b"null")
            except urllib.error.HTTPError as e:
                text = e.read().decode("utf-8", "replace")
                if e.code == 503 and attempt < retries:
                    time.sleep(0.5)
                    continue
                try:
                    problem = json.loads(text)
                    raise Failure(f"{method} {path}: {e.code} {problem['error']}: {problem['message']}") from None
                except (ValueError, KeyError, TypeError):
                    raise Failure(f"{method} {path}: {e.code} {text.strip()}") from None
            except (urllib.error.URLError, OSError) as e:
                raise Failure(f"{method} {path}: {e}") from None

    def put(self, prefix, kind, price, adult, retries=0):
        return self.call("PUT", f"/api/rates/{prefix}", {"price": price, "kind": kind, "adult": adult}, retries)

    def delete(self, prefix, kind, retries=0):
        return self.call("DELETE", f"/api/rates/{prefix}?kind={urllib.parse.quote(kind)}", retries=retries)


def describe(prefix, kind, price, adult):
    return f"{prefix} {kind} {price}{' adult' if adult else ''}"


def plan(current, wanted, prune):
    """The changes, as (action, prefix, kind, new, old): action add / change / delete."""
    changes = []
    for (prefix, kind), new in sorted(wanted.items()):
        old = current.get((prefix, kind))
        if old is None:
            changes.append(("add", prefix, kind, new, None))
        elif old != new:
            changes.append(("change", prefix, kind, new, old))
    if prune:
        for (prefix, kind), old in sorted(current.items()):
            if (prefix, kind) not in wanted:
                changes.append(("delete", prefix, kind, None, old))
    return changes


def print_diff(changes, current, wanted, prune):
    for action, prefix, kind, new, old in changes:
        if action == "add":
            print(f"+ {describe(prefix, kind, *new)}")
        elif action == "change":
            print(f"~ {describe(prefix, kind, *old)} -> {new[0]}{' adult' if new[1] else ''}")
        else:
            print(f"- {describe(prefix, kind, *old)}")
    same = sum(1 for key, value in wanted.items() if current.get(key) == value)
    kept = 0 if prune else sum(1 for key in current if key not in wanted)
    print(f"{len(changes)} changes, {same} unchanged" + (f", {kept} not in the CSV kept (--prune deletes them)" if kept else ""))


def apply(api, changes):
    """Applies every change; on a failure undoes the applied ones and exits 2 (3)."""
    done = []
    try:
        for change in changes:
            action, prefix, kind, new, _ = change
            if action == "delete":
                api.delete(prefix, kind)
            else:
                api.put(prefix, kind, *new)
            done.append(change)
    except Failure as failure:
        print(f"failed: {failure}", file=sys.stderr)
        print(f"undoing the {len(done)} changes applied before it", file=sys.stderr)
        broken = []
        for action, prefix, kind, new, old in reversed(done):
            try:
                if action == "add":
                    api.delete(prefix, kind, retries=5)
                else:
                    api.put(prefix, kind, *old, retries=5)
            except Failure as e:
                broken.append(f"{prefix} {kind}: should be {describe(prefix, kind, *old) if old else 'absent'} ({e})")
        if broken:
            print("COULD NOT RESTORE, repair by hand:", file=sys.stderr)
            for line in broken:
                print(f"  {line}", file=sys.stderr)
            sys.exit(3)
        print("the rate table is as it was", file=sys.stderr)
        sys.exit(2)
    print(f"applied {len(done)} changes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", help="the CSV file: prefix,price,kind,adult")
    parser.add_argument("--apply", action="store_true", help="apply the diff (default: only print it)")
    parser.add_argument("--prune", action="store_true", help="also delete the rates the CSV does not name")
    parser.add_argument("--url", default=os.environ.get("SELFCARE_API", "http://127.0.0.1:8080"))
    parser.add_argument("--user", default=os.environ.get("SELFCARE_ACCOUNT", "ops"))
    parser.add_argument("--password", default=os.environ.get("SELFCARE_PASSWORD", "ops"))
    args = parser.parse_args()

    wanted = read_csv(args.csv)
    api = API(args.url, args.user, args.password)
    try:
        table = api.call("GET", "/api/rates")["rates"]
    except Failure as e:
        print(f"cannot read the rate table: {e}", file=sys.stderr)
        sys.exit(2)
    current = {(r["prefix"], r["kind"]): (r["price"], r["adult"]) for r in table}
    changes = plan(current, wanted, args.prune)
    print_diff(changes, current, wanted, args.prune)
    if args.apply and changes:
        apply(api, changes)
    elif changes:
        print("dry run: nothing changed (--apply applies it)")


if __name__ == "__main__":
    main()
