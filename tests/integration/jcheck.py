#!/usr/bin/env python3
"""Checks probe_driver's JSON lines for tests/integration/probe.sh (python3 only, no jq).

  jcheck.py check FILE ENDPOINT EXPR   exit 0 when exactly one record has .endpoint ==
                                       ENDPOINT and EXPR is true; else print it, exit 1
  jcheck.py value FILE ENDPOINT EXPR   print EXPR for that record
  jcheck.py count FILE EXPR            print how many records make EXPR true

EXPR is a Python expression over `r`, the record with attribute access (r.chain[0].subject_cn);
`pem` fields are left out of what is printed.
"""
import json
import sys
from types import SimpleNamespace


def load(path):
    with open(path) as f:
        return [json.loads(line, object_hook=lambda d: SimpleNamespace(**d)) for line in f
                if line.strip()]


def plain(r):
    def strip(o):
        if isinstance(o, SimpleNamespace):
            return {k: strip(v) for k, v in vars(o).items() if k != "pem"}
        if isinstance(o, list):
            return [strip(v) for v in o]
        return o
    return json.dumps(strip(r))


def main(argv):
    cmd = argv[1]
    if cmd == "count":
        records = load(argv[2])
        print(sum(1 for r in records if eval("(" + argv[3] + ")", {"r": r})))
        return 0
    records = [r for r in load(argv[2]) if r.endpoint == argv[3]]
    if len(records) != 1:
        print("%d records for %s" % (len(records), argv[3]))
        return 1
    r = records[0]
    if cmd == "value":
        v = eval("(" + argv[4] + ")", {"r": r})
        print("" if v is None else v)
        return 0
    try:
        ok = eval("(" + argv[4] + ")", {"r": r})
    except Exception as e:  # a missing field or a wrong type is a failed check, not a crash
        ok = False
        print("%s: %s" % (type(e).__name__, e))
    if not ok:
        print(plain(r))
    return 0 if ok else 1


sys.exit(main(sys.argv))
