"""The input contract (docs/schema.md, domains.jsonl; README "Scanning"): a domain listed again
is scanned once, by its first line; each later line is a `duplicate` record pointing at it
(`duplicate_of`), counted in run.json (`counts.duplicates`) and summary.json
(`domains.by_status.duplicate`), and said in a warning. A list of 1,000 copies of one domain
gives 1 scanned record and 999 duplicate ones, and sends the DNS queries of one copy. Inline
comments, IP address literals, and a list without a domain (a warning, exit 0)."""
import json
import os
import shutil
import tempfile

from helpers import sh
from test_scan import read_jsonl, scan_args

DUP = "duplicate"


def loud(args):
    """scan_args without --quiet: the warnings on standard error are what is tested."""
    return [a for a in args if a != "--quiet"]


def scan_list(ctx, d, tag, text, *extra, quiet=True):
    lst = os.path.join(d, tag + ".txt")
    with open(lst, "w") as f:
        f.write(text)
    out = os.path.join(d, "out-" + tag)
    args = scan_args(ctx, "--out", out, *extra, lst)
    r = sh(args if quiet else loud(args), timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr)
    with open(os.path.join(out, "run.json")) as f:
        run = json.load(f)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    return run, summary, read_jsonl(os.path.join(out, "domains.jsonl")), r, out


def test_duplicate_lines_scanned_once(ctx):
    with tempfile.TemporaryDirectory() as d:
        for name in ("exact.example", "does-not-exist.example"):
            one, sone, first, _, _ = scan_list(ctx, d, name + "-1", name + "\n")
            run, summary, doms, r, _ = scan_list(ctx, d, name + "-1000", (name + "\n") * 1000,
                                                 quiet=False)
            counts = run["counts"]
            assert len(doms) == 1000 and {x["domain"] for x in doms} == {name}, len(doms)
            assert sorted(x["line"] for x in doms) == list(range(1, 1001))
            scanned = [x for x in doms if x["status"] != DUP]
            dups = [x for x in doms if x["status"] == DUP]
            assert len(scanned) == 1 and scanned[0]["line"] == 1 and len(dups) == 999
            assert scanned[0] == first[0], "the first line's record is the one of a single copy"
            assert "duplicate_of" not in scanned[0]
            for x in dups:
                assert x["duplicate_of"] == 1, x
                assert x["pattern"] is None and x["mx"] == [] and x["endpoints"] == [], x
                assert x["primary"] is None and x["error"] is None, x
            # the queries of one copy, never 1,000 MX queries
            # MX, A, AAAA, PTR; the two TXT of the policy lookups, the policy host's A and AAAA,
            # TLSA for a host with secure addresses: once, not once a line.
            assert counts["dns_queries"] == one["counts"]["dns_queries"] <= 9, (name, one, counts)
            assert counts["dns_policy_queries"] == one["counts"]["dns_policy_queries"] <= 3, counts
            assert counts["lines"] == counts["domains"] == 1000 and counts["duplicates"] == 999
            assert one["counts"]["duplicates"] == 0
            # summary.json: every line counted in total and by_status, the domain once elsewhere
            assert summary["domains"]["total"] == 1000
            assert summary["domains"]["by_status"][DUP] == 999
            assert summary["domains"]["by_pattern"] == sone["domains"]["by_pattern"]
            assert summary["shares"] == sone["shares"]
            assert summary["meta"]["counts"]["duplicates"] == 999
            assert "warning: 999 duplicate lines" in r.stderr, r.stderr


def test_duplicate_spellings_inline_comments_and_ip_literals(ctx):
    text = ("exact.example  # the first\n"
            "wild.example\t#no space after the tab\n"
            "EXACT.Example.\n"
            "# a comment line\n"
            "192.0.2.1\n"
            "[IPv6:2001:db8::1]\n"
            "exa#mple.example\n"
            "wild.example # again\n")
    with tempfile.TemporaryDirectory() as d:
        run, summary, doms, r, out = scan_list(ctx, d, "mixed", text, quiet=False)
        by_line = {x["line"]: x for x in doms}
        assert sorted(by_line) == [1, 2, 3, 5, 6, 7, 8], sorted(by_line)
        assert by_line[1]["domain"] == "exact.example" and by_line[1]["status"] != DUP
        assert by_line[2]["domain"] == "wild.example" and by_line[2]["status"] != DUP
        assert by_line[3]["status"] == DUP and by_line[3]["duplicate_of"] == 1
        assert by_line[3]["domain"] == "exact.example"
        assert by_line[8]["status"] == DUP and by_line[8]["duplicate_of"] == 2
        for n in (5, 6):
            assert by_line[n]["status"] == "invalid", by_line[n]
            assert by_line[n]["error"] == "an IP address, not a domain name", by_line[n]
        assert by_line[7]["status"] == "invalid" and "'#' inside the name" in by_line[7]["error"]
        assert run["counts"]["duplicates"] == 2 and run["counts"]["invalid"] == 3
        assert "warning: 2 duplicate lines" in r.stderr, r.stderr
        # the CSV keeps the status; the diff of the folder against itself changes nothing
        with open(os.path.join(out, "domains.csv")) as f:
            assert sum(1 for row in f if ",duplicate," in row) == 2
        r = sh([ctx.mxsurvey, "diff", "--quiet", "--out", d, out, out], timeout=60)
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
        with open(os.path.join(d, "diff.json")) as f:
            diff = json.load(f)
        # keys: exact, wild and the three invalid lines (duplicates point at their first)
        assert diff["counts"]["new_domains"] == 5, diff["counts"]


def test_resume_writes_the_same_duplicates(ctx):
    """The duplicates depend on the list alone: a folder resumed with records of some first
    lines kept and others missing, and duplicate records kept or missing, ends with the
    records of one uninterrupted run."""
    names = ["exact.example", "wild.example", "customer.example", "other.example",
             "does-not-exist.example"]
    lines = names + names[::-1] + ["EXACT.example.", "wild.example # c"] + names
    text = "".join(n + "\n" for n in lines)
    with tempfile.TemporaryDirectory() as d:
        run, _, ref, _, out = scan_list(ctx, d, "dups", text)
        assert run["counts"]["duplicates"] == len(lines) - len(names)
        part = os.path.join(d, "part")
        shutil.copytree(out, part)
        # keep the records of lines 1, 3, 7 (a duplicate) and 12 (a duplicate of line 1)
        keep = [x for x in ref if x["line"] in (1, 3, 7, 12)]
        assert len(keep) == 4
        with open(os.path.join(part, "domains.jsonl"), "w") as f:
            for x in keep:
                f.write(json.dumps(x) + "\n")
        lst = os.path.join(d, "dups.txt")
        r = sh(scan_args(ctx, "--resume", part, lst), timeout=120)
        assert r.returncode == 0, (r.returncode, r.stderr)
        got = read_jsonl(os.path.join(part, "domains.jsonl"))
        canon = lambda recs: sorted(json.dumps(x, sort_keys=True) for x in recs)
        assert canon(got) == canon(ref)
        with open(os.path.join(part, "run.json")) as f:
            counts = json.load(f)["counts"]
        assert counts["duplicates"] == run["counts"]["duplicates"], counts
        assert counts["domains"] == counts["lines"] == len(lines), counts


def test_empty_input_warns(ctx):
    with tempfile.TemporaryDirectory() as d:
        for tag, text in (("empty", ""), ("comments", "# nothing\n\n   \n  # here\n")):
            run, summary, doms, r, _ = scan_list(ctx, d, tag, text, quiet=False)
            assert doms == [] and run["counts"]["lines"] == 0 and run["finished"]
            assert summary["domains"]["total"] == 0
            assert "warning: no domains in the input" in r.stderr, r.stderr
        # standard input, empty
        out = os.path.join(d, "out-stdin")
        r = sh(loud(scan_args(ctx, "--out", out, "-")), timeout=120, input="")
        assert r.returncode == 0, (r.returncode, r.stderr)
        assert "warning: no domains in the input" in r.stderr, r.stderr
        assert os.path.exists(os.path.join(out, "summary.json"))
