"""Duplicate input lines: each gets its own record, but the resolver is asked once. A list of
1,000 copies of one domain sends the DNS queries one copy sends (MX, A, AAAA, PTR), never
1,000 MX queries (before the MX cache: 1,003 queries)."""
import json
import os
import tempfile

from helpers import sh
from test_scan import read_jsonl, scan_args


def scan_counts(ctx, d, name, copies):
    lst = os.path.join(d, "%s-%d.txt" % (name, copies))
    with open(lst, "w") as f:
        f.write((name + "\n") * copies)
    out = os.path.join(d, "out-%s-%d" % (name, copies))
    r = sh(scan_args(ctx, "--out", out, lst), timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr)
    with open(os.path.join(out, "run.json")) as f:
        counts = json.load(f)["counts"]
    return counts, read_jsonl(os.path.join(out, "domains.jsonl"))


def test_duplicate_lines_ask_mx_once(ctx):
    with tempfile.TemporaryDirectory() as d:
        for name in ("exact.example", "does-not-exist.example"):
            one, _ = scan_counts(ctx, d, name, 1)
            many, doms = scan_counts(ctx, d, name, 1000)
            assert len(doms) == 1000 and {x["domain"] for x in doms} == {name}, len(doms)
            assert sorted(x["line"] for x in doms) == list(range(1, 1001))
            assert len({json.dumps({k: v for k, v in x.items() if k != "line"}, sort_keys=True)
                        for x in doms}) == 1, "the copies' records differ"
            assert many["dns_queries"] == one["dns_queries"] <= 4, (name, one, many)
            assert many["dns_cache_hits"] >= 999, many
