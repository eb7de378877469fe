"""mxsurvey diff on folders made from the world scan: a copy with records edited here (a
pattern, a dropped domain, two added ones, a certificate digest, a chain's validity, an MX
preference), compared with the original; diff.json must equal what an oracle written here
from docs/schema.md computes from the two folders' files, and the edits must show as
intended. Then a folder against itself, and the error exits."""
import csv
import json
import math
import os
import shutil
import tempfile

from helpers import sh
from test_scan import read_jsonl, world_scan

KINDS = ("pattern", "trust_valid", "cert_sha256", "mx", "policy")


def policy_view(d):
    """docs/schema.md, diff.json `changes.policy`: what a sender enforces as one line; None for
    a record without the fields (not compared)."""
    pol, sts, sec = d.get("policy"), d.get("mta_sts"), d.get("dnssec")
    if not any(isinstance(x, dict) for x in (pol, sts, sec)):
        return None

    def w(o, k):
        v = o.get(k) if isinstance(o, dict) else None
        return v if isinstance(v, str) else "-"
    dl = pol.get("delivers") if isinstance(pol, dict) else None
    return "policy %s, delivers %s; mta-sts %s, mode %s, id %s, outcome %s; dnssec %s" % (
        w(pol, "name"), {True: "yes", False: "no"}.get(dl, "-") if isinstance(dl, bool) else "-",
        w(sts, "status"), w(sts, "mode"), w(sts, "id"), w(sts, "outcome"), w(sec, "mx"))
SHARES = ("starttls", "strict", "multilabel_accepted", "rfc9525", "valid_chain")
FORMULA = "=HYPERLINK(\"http://x.example\",\"y\")"
NEW_SHA = "00" * 32


def copy_scan(src):
    """A writable copy of a scan folder's record files (chains/ is not needed)."""
    dst = tempfile.mkdtemp(prefix="mxs-diff-")
    for name in ("hosts.jsonl", "domains.jsonl", "run.json", "summary.json"):
        shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))
    return dst


def write_jsonl(path, records):
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")


def endpoint(rec):
    return (rec["mx_host"], rec["ip"])


def diff(ctx, *args, timeout=60):
    return sh([ctx.mxsurvey, "diff", *args], timeout=timeout)


# ------------------------------------------------------------------ the oracle


def views(folder):
    """{domain key: its values} as docs/schema.md ("diff.json") defines them."""
    hosts = {}
    for h in read_jsonl(os.path.join(folder, "hosts.jsonl")):
        hosts[endpoint(h)] = h  # the last record of an endpoint wins
    out = {}
    for d in read_jsonl(os.path.join(folder, "domains.jsonl")):
        if d["domain"] in out or d.get("status") == "duplicate":
            continue  # the first record of a key counts; a duplicate record points at it
        p = d.get("primary")
        h = hosts.get(endpoint(p)) if isinstance(p, dict) else None
        trust = (h or {}).get("trust")
        valid = trust.get("valid") if isinstance(trust, dict) else None
        cert = (h or {}).get("cert")
        sha = cert.get("sha256") if isinstance(cert, dict) else None
        mx = sorted({(m["pref"], m["host"]) for m in d.get("mx") or []
                     if isinstance(m.get("pref"), int) and isinstance(m.get("host"), str)})
        out[d["domain"]] = {
            "pattern": d.get("pattern") if isinstance(d.get("pattern"), str) else None,
            "trust_valid": valid if isinstance(valid, bool) else None,
            "cert_sha256": sha if isinstance(sha, str) else None,
            "mx": [{"pref": p, "host": h} for p, h in mx],
            "policy": policy_view(d),
        }
    return out


def expected_diff(old_dir, new_dir):
    old, new = views(old_dir), views(new_dir)
    appeared = [{"domain": k, "pattern": new[k]["pattern"]} for k in sorted(set(new) - set(old))]
    vanished = [{"domain": k, "pattern": old[k]["pattern"]} for k in sorted(set(old) - set(new))]
    changed, counts = [], {k: 0 for k in KINDS}
    both = sorted(set(old) & set(new))
    for k in both:
        ch = {kind: [old[k][kind], new[k][kind]] for kind in KINDS if old[k][kind] != new[k][kind]
              and (kind != "policy" or (old[k][kind] and new[k][kind]))}
        if ch:
            changed.append({"domain": k, "changes": ch})
            for kind in ch:
                counts[kind] += 1
    counts.update(old_domains=len(old), new_domains=len(new), appeared=len(appeared),
                  vanished=len(vanished), changed=len(changed), unchanged=len(both) - len(changed))
    return appeared, vanished, changed, counts


def load(folder, name):
    with open(os.path.join(folder, name)) as f:
        return json.load(f)


def check_shares(got, old_summary, new_summary):
    changed = 0
    for name in SHARES:
        a, b = old_summary["shares"][name], new_summary["shares"][name]
        changed += a != b
        g = got[name]
        assert set(g) == {"old", "new", "delta"}, g
        for key, want in (("old", a["share"]), ("new", b["share"])):
            assert (g[key] is None) == (want is None) and (want is None or math.isclose(g[key], want, rel_tol=1e-12)), \
                "shares.%s.%s: %r, expected %r" % (name, key, g[key], want)
        if a["share"] is None or b["share"] is None:
            assert g["delta"] is None, g
        else:
            assert math.isclose(g["delta"], b["share"] - a["share"], rel_tol=1e-9, abs_tol=1e-14), \
                "shares.%s.delta: %r, expected %r" % (name, g["delta"], b["share"] - a["share"])
    return changed


# ------------------------------------------------------------------ tests


def test_diff_edited_copy(ctx):
    s = world_scan(ctx)
    old_dir = s["out"]
    new_dir = copy_scan(old_dir)
    try:
        hosts = read_jsonl(os.path.join(new_dir, "hosts.jsonl"))
        domains = read_jsonl(os.path.join(new_dir, "domains.jsonl"))
        by_ep = {endpoint(h): h for h in hosts}
        ordered = sorted(domains, key=lambda d: d["domain"])
        with_primary = [d for d in ordered if d.get("primary") and endpoint(d["primary"]) in by_ep]

        # a pattern: the first mx-exact domain becomes unrelated
        p = next(d for d in ordered if d["pattern"] == "mx-exact")
        p["pattern"] = "unrelated"
        # a dropped domain: one that accepts no mail (in no share)
        v = next(d for d in ordered if d["pattern"] == "no-mail" and d is not p)
        domains.remove(v)
        # two added ones: an invalid line that looks like a formula, and a domain without MX
        domains.append({"line": 1000, "domain": FORMULA, "status": "invalid", "error": "not a host name",
                        "mx": [], "implicit_mx": False, "endpoints": [], "pattern": "no-mail",
                        "provider": None, "consistent": True, "match_domain": None, "primary": None})
        domains.append({"line": 1001, "domain": "added.example", "status": "nxdomain", "error": None,
                        "mx": [], "implicit_mx": False, "endpoints": [], "pattern": "no-mail",
                        "provider": None, "consistent": True, "match_domain": None, "primary": None})
        # a certificate digest: the primary endpoint of the first domain other than p
        e1 = endpoint(next(d for d in with_primary if d is not p)["primary"])
        old_sha = by_ep[e1]["cert"]["sha256"]
        by_ep[e1]["cert"]["sha256"] = NEW_SHA
        # a chain's validity, flipped: another primary endpoint with a boolean trust.valid
        e2 = next(endpoint(d["primary"]) for d in with_primary
                  if endpoint(d["primary"]) != e1 and d is not p
                  and isinstance((by_ep[endpoint(d["primary"])].get("trust") or {}).get("valid"), bool))
        old_valid = by_ep[e2]["trust"]["valid"]
        by_ep[e2]["trust"]["valid"] = not old_valid
        # an MX preference: a domain with MX hosts, none of the above
        touched = {p["domain"], v["domain"]}
        m = next(d for d in ordered if d["mx"] and d["domain"] not in touched and
                 (not d.get("primary") or endpoint(d["primary"]) not in (e1, e2)))
        old_mx = sorted((x["pref"], x["host"]) for x in m["mx"])
        m["mx"][0]["pref"] += 5
        write_jsonl(os.path.join(new_dir, "hosts.jsonl"), hosts)
        write_jsonl(os.path.join(new_dir, "domains.jsonl"), domains)
        r = sh([ctx.mxsurvey, "report", "--quiet", new_dir], check=True)

        r = diff(ctx, old_dir, new_dir)
        assert r.returncode == 1, "diff exit %d: %s" % (r.returncode, r.stderr)
        assert r.stderr == "", r.stderr
        d = load(new_dir, "diff.json")
        old_summary, new_summary = load(old_dir, "summary.json"), load(new_dir, "summary.json")

        # exactly what the oracle computes
        appeared, vanished, changed, counts = expected_diff(old_dir, new_dir)
        shares_changed = check_shares(d["shares"], old_summary, new_summary)
        counts["shares_changed"] = shares_changed
        assert set(d) == {"old", "new", "counts", "options_differ", "shares", "appeared", "vanished",
                          "changed"}, sorted(d)
        assert d["options_differ"] == [], d["options_differ"]  # a copy: the same run.json
        assert d["old"] == {"dir": old_dir, "started": old_summary["meta"]["started"],
                            "finished": old_summary["meta"]["finished"]}, d["old"]
        assert d["new"] == {"dir": new_dir, "started": new_summary["meta"]["started"],
                            "finished": new_summary["meta"]["finished"]}, d["new"]
        assert d["counts"] == counts, "counts %s, expected %s" % (d["counts"], counts)
        assert d["appeared"] == appeared, d["appeared"]
        assert d["vanished"] == vanished, d["vanished"]
        assert d["changed"] == changed, "changed:\n%s\nexpected:\n%s" % (
            json.dumps(d["changed"], indent=1), json.dumps(changed, indent=1))

        # and the edits show as intended
        assert appeared == [{"domain": FORMULA, "pattern": "no-mail"},
                            {"domain": "added.example", "pattern": "no-mail"}], appeared
        assert vanished == [{"domain": v["domain"], "pattern": "no-mail"}], vanished
        ch = {c["domain"]: c["changes"] for c in changed}
        assert ch[p["domain"]]["pattern"] == ["mx-exact", "unrelated"], ch[p["domain"]]
        on_e1 = [x["domain"] for x in domains if x.get("primary") and endpoint(x["primary"]) == e1]
        on_e2 = [x["domain"] for x in domains if x.get("primary") and endpoint(x["primary"]) == e2]
        assert on_e1 and on_e2
        for dom in on_e1:
            assert ch[dom]["cert_sha256"] == [old_sha, NEW_SHA], (dom, ch.get(dom))
        for dom in on_e2:
            assert ch[dom]["trust_valid"] == [old_valid, not old_valid], (dom, ch.get(dom))
        new_mx = sorted(((x["pref"], x["host"]) for x in m["mx"]))
        assert ch[m["domain"]]["mx"] == [[{"pref": a, "host": b} for a, b in old_mx],
                                         [{"pref": a, "host": b} for a, b in new_mx]], ch[m["domain"]]
        # every changed domain is one of those edited
        assert set(ch) == {p["domain"], m["domain"], *on_e1, *on_e2}, sorted(ch)
        # the shares moved as the edits say: p leaves strict; e2's TLS domains change valid_chain
        tls = {"mx-exact", "mx-wildcard", "mx-multilabel", "domain", "provider", "ptr", "unrelated"}
        sh_old, sh_new = old_summary["shares"], new_summary["shares"]
        assert sh_new["strict"]["numerator"] == sh_old["strict"]["numerator"] - 1
        flips = sum(1 for x in domains if x["domain"] in on_e2 and x["pattern"] in tls)
        want = sh_old["valid_chain"]["numerator"] + (flips if not old_valid else -flips)
        assert sh_new["valid_chain"]["numerator"] == want, (sh_new["valid_chain"], want)
        assert shares_changed >= 2

        # diff.csv: one row per domain and kind; the formula neutralised
        with open(os.path.join(new_dir, "diff.csv"), newline="") as f:
            text = f.read()
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
        rows = list(csv.reader(text.splitlines(keepends=True)))
        assert rows[0] == ["domain", "change", "old", "new"], rows[0]
        want_rows = [[a["domain"], "appeared", "", a["pattern"]] for a in appeared]
        want_rows += [[x["domain"], "vanished", x["pattern"], ""] for x in vanished]
        for c in changed:
            for kind in KINDS:
                if kind in c["changes"]:
                    o, n = c["changes"][kind]
                    cell = {"mx": lambda s: ", ".join("%d %s" % (e["pref"], e["host"]) for e in s),
                            "trust_valid": lambda b: "" if b is None else ("true" if b else "false")}.get(
                                kind, lambda x: "" if x is None else x)
                    want_rows.append([c["domain"], kind, cell(o), cell(n)])
        for row in want_rows:
            row[:] = ["'" + x if x[:1] in ("=", "+", "-", "@", "\t", "\r") else x for x in row]
        assert rows[1:] == want_rows, "csv rows:\n%s\nexpected:\n%s" % (rows[1:], want_rows)
        assert ["'" + FORMULA, "appeared", "", "no-mail"] in rows

        # the readable summary names the kinds with their counts
        for kind in KINDS:  # a kind without a change is not listed (here: policy, not edited)
            assert ("%s (%d):" % (kind, counts[kind]) in r.stdout) == (counts[kind] > 0), r.stdout
        assert "appeared (2):" in r.stdout and "vanished (1):" in r.stdout, r.stdout
    finally:
        shutil.rmtree(new_dir)


def test_diff_folder_with_itself(ctx):
    s = world_scan(ctx)
    with tempfile.TemporaryDirectory() as out:
        r = diff(ctx, "--out", out, s["out"], s["out"])
        assert r.returncode == 0, "diff exit %d: %s" % (r.returncode, r.stderr)
        assert r.stdout.rstrip().endswith("no changes"), r.stdout
        d = load(out, "diff.json")
        n = len({x["domain"] for x in s["domains"]})
        assert d["counts"] == {"old_domains": n, "new_domains": n, "appeared": 0, "vanished": 0,
                               "changed": 0, "unchanged": n, "pattern": 0, "trust_valid": 0,
                               "cert_sha256": 0, "mx": 0, "policy": 0, "shares_changed": 0}, d["counts"]
        assert d["appeared"] == d["vanished"] == d["changed"] == []
        for name in SHARES:
            assert d["shares"][name]["delta"] in (0, None), d["shares"]
        with open(os.path.join(out, "diff.csv"), newline="") as f:
            assert f.read() == "domain,change,old,new\r\n"
        # --quiet prints nothing; the exit code says the same
        r = diff(ctx, "--quiet", "--out", out, s["out"], s["out"])
        assert (r.returncode, r.stdout) == (0, ""), (r.returncode, r.stdout)


def test_diff_errors(ctx):
    s = world_scan(ctx)
    with tempfile.TemporaryDirectory() as out:
        missing = os.path.join(out, "no-such-scan")
        r = diff(ctx, "--out", out, missing, s["out"])
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert missing in r.stderr, r.stderr
        r = diff(ctx, "--out", out, s["out"], missing)
        assert r.returncode == 2 and missing in r.stderr, (r.returncode, r.stderr)
        r = diff(ctx, s["out"])
        assert r.returncode == 2 and "OLD_DIR and NEW_DIR" in r.stderr, (r.returncode, r.stderr)
        assert not os.path.exists(os.path.join(out, "diff.json"))

        # a line cut short in a copy: the message names the file and line
        bad = copy_scan(s["out"])
        try:
            path = os.path.join(bad, "domains.jsonl")
            with open(path) as f:
                n = sum(1 for _ in f)
            with open(path, "a") as f:
                f.write('{"domain":"cut.example","sta\n')
            r = diff(ctx, "--out", out, s["out"], bad)
            assert r.returncode == 2, (r.returncode, r.stderr)
            assert "%s:%d: malformed JSON" % (path, n + 1) in r.stderr, r.stderr
            assert not os.path.exists(os.path.join(out, "diff.json"))
        finally:
            shutil.rmtree(bad)


def test_diff_refuses_unfinished_scan(ctx):
    """A folder whose run.json says "finished": null (a scan still running, or killed) holds a
    part of the records: diff refuses it either way round, exit 2, naming it; nothing written."""
    s = world_scan(ctx)
    part = copy_scan(s["out"])
    try:
        run = load(part, "run.json")
        run["finished"] = None
        with open(os.path.join(part, "run.json"), "w") as f:
            json.dump(run, f)
        for old, new in ((s["out"], part), (part, s["out"])):
            with tempfile.TemporaryDirectory() as out:
                r = diff(ctx, "--out", out, old, new)
                assert r.returncode == 2, (r.returncode, r.stderr)
                assert "mxsurvey diff: %s is an unfinished scan" % part in r.stderr, r.stderr
                assert os.listdir(out) == [], os.listdir(out)
    finally:
        shutil.rmtree(part)


def test_diff_warns_when_options_differ(ctx):
    """Two world scans that differ in --ehlo: diff warns on stderr and lists the option in
    diff.json's options_differ; options that only set the pace are not listed; an older
    run.json's text "2" equals a 2; hostile text in a run.json stays inert on the terminal."""
    from test_scan import EHLO, scan_args
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "list.txt")
        with open(lst, "w") as f:
            f.write("exact.example\nwild.example\n")
        runs = []
        for i, ehlo in enumerate((EHLO, "other-" + EHLO)):
            out = os.path.join(d, "run%d" % i)
            args = scan_args(ctx, "--out", out, "--concurrency", str(10 + i), lst)
            args[args.index("--ehlo") + 1] = ehlo
            r = sh(args, timeout=60)
            assert r.returncode == 0, r.stderr
            runs.append(out)
        os.mkdir(os.path.join(d, "d"))
        r = diff(ctx, "--quiet", "--out", os.path.join(d, "d"), *runs)
        assert r.returncode in (0, 1), (r.returncode, r.stderr)
        got = load(os.path.join(d, "d"), "diff.json")["options_differ"]
        assert got == [{"option": "ehlo", "old": EHLO, "new": "other-" + EHLO}], got
        assert "warning: the runs used different options that change verdicts" in r.stderr, r.stderr
        assert "--ehlo: %s in OLD, other-%s in NEW" % (EHLO, EHLO) in r.stderr, r.stderr
        assert "concurrency" not in r.stderr

        # a run with itself: nothing differs, no warning
        r = diff(ctx, "--quiet", "--out", os.path.join(d, "d"), runs[0], runs[0])
        assert load(os.path.join(d, "d"), "diff.json")["options_differ"] == [] and "warning" not in r.stderr

        # an older run.json (values as text): "2" is the 2 of the other; a new flag, a hostile value
        path = os.path.join(runs[1], "run.json")
        with open(path) as f:
            run = json.load(f)
        run["options"]["timeout"] = str(run["options"]["timeout"])
        run["options"]["ehlo"] = "x\x1b[2Jy"
        run["options"]["cert-only"] = True
        with open(path, "w") as f:
            json.dump(run, f)
        r = diff(ctx, "--quiet", "--out", os.path.join(d, "d"), *runs)
        got = load(os.path.join(d, "d"), "diff.json")["options_differ"]
        assert got == [{"option": "ehlo", "old": EHLO, "new": "x\x1b[2Jy"},
                       {"option": "cert-only", "old": None, "new": True}], got
        assert "\x1b" not in r.stderr and "--ehlo: %s in OLD, x\\x1b[2Jy in NEW" % EHLO in r.stderr, r.stderr
        assert "--cert-only: not given in OLD, given in NEW" in r.stderr, r.stderr
