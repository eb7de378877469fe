"""Lose nothing, and say what was lost: `scan --resume`, pending.txt, whole lines.

- 30 rounds of a world scan killed with SIGKILL at random moments, each resumed, with a cut
  last line added by hand now and then (what a write cut short leaves), then a last resume:
  the folder holds every record exactly once, and the records (as multisets, the one timing
  field aside) and summary.json equal an uninterrupted run's. After every kill a domain
  record never names an endpoint hosts.jsonl lacks.
- SIGINT: pending.txt lists, in input order and as the input had them, exactly the lines
  without a record; run.json and report.html count them; --resume scans just those.
- --resume refuses (exit 2, nothing changed) another list, a verdict-changing option, --out,
  a folder that is no scan, a folder another scan is writing, a damaged line; and accepts an
  option that only sets the pace."""
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time

from helpers import folder_state, sh
from test_scan import read_jsonl, scan_args
from test_schema import documented, paths

# Which endpoint of an address finished first (and so named the version probe's SNI) is a
# matter of timing, in an uninterrupted run too.
TIMING_HOST_FIELDS = ("tls_max_from",)
ROUNDS = 30


def world_list(ctx):
    return os.path.join(ctx.root, "data/world/domains.txt")


def args_for(ctx, *extra):
    return [a for a in scan_args(ctx, "--ipv6", *extra)]


def canon(rec, drop=()):
    return json.dumps({k: v for k, v in rec.items() if k not in drop}, sort_keys=True)


def multiset(path, drop=()):
    return collections.Counter(canon(r, drop) for r in read_jsonl(path))


def comparable_summary(path):
    with open(path) as f:
        s = json.load(f)
    m = s["meta"]
    for k in ("generated", "started", "finished", "dns_errors"):
        m.pop(k, None)
    m["options"] = {k: v for k, v in m["options"].items() if k not in ("out", "resume")}
    # What the folder holds is the same; the work done to get it (connections, queries) is not.
    m["counts"] = {k: m["counts"].get(k) for k in ("lines", "domains", "invalid", "endpoints", "pending")}
    return s


def whole_lines(path):
    """The records of the file's whole lines (a cut last line left out)."""
    with open(path, "rb") as f:
        return [json.loads(l) for l in f.read().split(b"\n")[:-1]]


def check_order(out, where):
    """A domain record never names an endpoint hosts.jsonl lacks (endpoints first)."""
    hosts_path, doms_path = os.path.join(out, "hosts.jsonl"), os.path.join(out, "domains.jsonl")
    if not os.path.exists(doms_path):
        return
    hosts = {(h["mx_host"], h["ip"]) for h in whole_lines(hosts_path)}
    for d in whole_lines(doms_path):
        for e in d.get("endpoints") or []:
            assert (e["mx_host"], e["ip"]) in hosts, "%s: %s names %s@%s, not in hosts.jsonl" % (
                where, d["domain"], e["mx_host"], e["ip"])


def cut_last_line(path, text):
    """Appends half a record with no newline: what a write cut short leaves."""
    with open(path, "ab") as f:
        f.write(text[: len(text) // 2])


def test_resume_after_sigkill_at_any_moment(ctx):
    lst = world_list(ctx)
    base = tempfile.mkdtemp(prefix="mxs-resume-")
    try:
        ref = os.path.join(base, "ref")
        t0 = time.time()
        r = sh(args_for(ctx, "--out", ref, lst), timeout=120)
        length = time.time() - t0
        assert r.returncode == 0, r.stderr
        out = os.path.join(base, "out")
        rng = random.Random(9)
        cuts = 0
        for i in range(ROUNDS):
            started = os.path.exists(os.path.join(out, "run.json"))
            args = args_for(ctx, "--resume", out, lst) if started else args_for(ctx, "--out", out, lst)
            p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.05, length * 0.8))
            p.send_signal(signal.SIGKILL)
            _, err = p.communicate(timeout=60)
            assert p.returncode in (-signal.SIGKILL, 0), (i, p.returncode, err[-500:])
            if not os.path.exists(os.path.join(out, "run.json")):
                continue  # killed before it wrote anything: the next round starts it afresh
            check_order(out, "round %d" % i)
            if i % 4 == 3 and p.returncode != 0:
                name = "hosts.jsonl" if i % 8 == 3 else "domains.jsonl"
                cut_last_line(os.path.join(out, name), b'{"mx_host":"cut.example","ip":"127.0.0.9","stat')
                cuts += 1
        r = sh(args_for(ctx, "--resume", out, lst), timeout=120)
        assert r.returncode == 0, (r.returncode, r.stderr)
        assert cuts >= 3, cuts
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        assert run["finished"] and run["interrupted"] is False, run
        assert len(run["resumed"]) >= 2, len(run["resumed"])
        assert not os.path.exists(os.path.join(out, "pending.txt"))
        for name, drop in (("hosts.jsonl", TIMING_HOST_FIELDS), ("domains.jsonl", ())):
            a = multiset(os.path.join(ref, name), drop)
            b = multiset(os.path.join(out, name), drop)
            assert a == b, "%s: %d only in the uninterrupted run, %d only in the resumed one:\n%s\n%s" % (
                name, sum((a - b).values()), sum((b - a).values()),
                "\n".join(list((a - b).elements())[:3]), "\n".join(list((b - a).elements())[:3]))
        # every record once: no endpoint, no input line twice
        keys = [(h["mx_host"], h["ip"]) for h in read_jsonl(os.path.join(out, "hosts.jsonl"))]
        assert len(keys) == len(set(keys))
        lines = [d["line"] for d in read_jsonl(os.path.join(out, "domains.jsonl"))]
        assert len(lines) == len(set(lines)) == run["counts"]["lines"] == run["counts"]["domains"]
        assert comparable_summary(os.path.join(ref, "summary.json")) == \
            comparable_summary(os.path.join(out, "summary.json"))
        with open(os.path.join(out, "summary.json")) as f:
            assert "skipped_lines" not in json.load(f)["meta"]
    finally:
        shutil.rmtree(base)


def non_skip_lines(path):
    """(line number, raw octets) of every line that is not blank or a comment, as input.c
    numbers them."""
    with open(path, "rb") as f:
        text = f.read()
    parts = text.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    out = []
    for i, raw in enumerate(parts, 1):
        s = raw.strip(b" \t\r\n\x0b\x0c")
        if s and not s.startswith(b"#"):
            out.append((i, raw))
    return out


def test_sigint_writes_pending_and_resume_scans_it(ctx):
    with tempfile.TemporaryDirectory() as d:
        # The world's list and, with odd spacing and a comment, more lines than a short
        # --timeout lets finish before the signal.
        lst = os.path.join(d, "list.txt")
        with open(world_list(ctx), "rb") as f:
            text = f.read()
        with open(lst, "wb") as f:
            f.write(text + b"  slow.example  \n# a comment\n\nsilent.example\r\n" + b"exact.example\n" * 3)
        out = os.path.join(d, "out")
        args = [a for a in args_for(ctx, "--out", out, lst) if a != "--quiet"]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.8)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        assert p.returncode == 1, (p.returncode, err)
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        doms = read_jsonl(os.path.join(out, "domains.jsonl"))
        done = {x["line"] for x in doms}
        want = [raw for n, raw in non_skip_lines(lst) if n not in done]
        with open(os.path.join(out, "pending.txt"), "rb") as f:
            pending = f.read()
        assert want, "the signal came too late: nothing was pending"
        assert pending == b"".join(w + b"\n" for w in want), (pending, want)
        assert run["interrupted"] is True and run["counts"]["pending"] == len(want), run["counts"]
        assert len(doms) + len(want) == len(non_skip_lines(lst))
        assert ("%d input line%s without a record listed in %s/pending.txt" %
                (len(want), "" if len(want) == 1 else "s", out)) in err.strip().splitlines()[-1], err
        # no record of the stop itself: no aborted probe, no version probe not run, no
        # cancelled PTR lookup
        for h in read_jsonl(os.path.join(out, "hosts.jsonl")):
            assert "aborted" not in (h["error"] or "") and h["ptr_status"] != "cancelled", h
            assert "run was stopped" not in (h["tls_max_error"] or ""), h
        with open(os.path.join(out, "report.html")) as f:
            html = f.read()
        assert re.search(r'data-warning="pending" data-value="%d"' % len(want), html), html[:2000]
        with open(os.path.join(out, "summary.json")) as f:
            assert json.load(f)["meta"]["counts"]["pending"] == len(want)

        # --resume scans the pending lines and nothing else, then pending.txt goes
        before = len(doms)
        r = sh(args_for(ctx, "--resume", out, lst), timeout=120)
        assert r.returncode == 0, r.stderr
        doms = read_jsonl(os.path.join(out, "domains.jsonl"))
        assert len(doms) == before + len(want) == len(non_skip_lines(lst))
        assert sorted(x["line"] for x in doms) == [n for n, _ in non_skip_lines(lst)]
        assert not os.path.exists(os.path.join(out, "pending.txt"))
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        assert run["counts"]["pending"] == 0 and run["resumed"][0]["previous"]["interrupted"] is True
        assert run["resumed"][0]["kept"]["domains"] == before
        # every field of a resumed run.json is documented ("as above" for the copied objects)
        doc = documented(ctx)["run.json"]
        skip = ("options.", "resumed[].options.", "resumed[].previous.counts.",
                "resumed[].previous.dns_errors.")
        emitted = {p for p in paths(run) if not p.startswith(skip)}
        assert emitted <= doc, sorted(emitted - doc)


def test_resume_refusals_change_nothing(ctx):
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "list.txt")
        with open(lst, "w") as f:
            f.write("exact.example\nwild.example\nslow.example\n")
        out = os.path.join(d, "out")
        r = sh(args_for(ctx, "--out", out, lst), timeout=60)
        assert r.returncode == 0, r.stderr
        other = os.path.join(d, "other.txt")
        with open(other, "w") as f:
            f.write("exact.example\n")
        cases = [
            (args_for(ctx, "--resume", out, other), "is not the list that scan read"),
            (args_for(ctx, "--timeout", "3", "--resume", out, lst), "--timeout: 2 in run.json, 3 now"),
            ([a for a in args_for(ctx, "--resume", out, lst) if a != "--ipv6"], "--ipv6: given in run.json, not given now"),
            (args_for(ctx, "--cert-only", "--resume", out, lst), "--cert-only: not given in run.json, given now"),
            (args_for(ctx, "--resume", out, "--out", out, lst), "no --out with it"),
            (args_for(ctx, "--resume", d, lst), "no scan there"),
            (args_for(ctx, "--resume", os.path.join(d, "nothing"), lst), "No such file or directory"),
        ]
        state = folder_state(out)
        for args, want in cases:
            r = sh(args, timeout=60)
            assert r.returncode == 2 and want in r.stderr, (args, r.returncode, r.stderr)
            assert folder_state(out) == state, (args, "changed the folder")

        # a damaged line in the middle of hosts.jsonl: named, nothing changed
        hosts = os.path.join(out, "hosts.jsonl")
        with open(hosts, "rb") as f:
            good = f.read()
        lines = good.split(b"\n")
        with open(hosts, "wb") as f:
            f.write(b"\n".join(lines[:1] + [b"[1, 2]"] + lines[1:]))
        state = folder_state(out)
        r = sh(args_for(ctx, "--resume", out, lst), timeout=60)
        assert r.returncode == 2, r.stderr
        assert "%s:2: not a JSON object (an array); cannot resume %s" % (hosts, out) in r.stderr, r.stderr
        assert folder_state(out) == state
        with open(hosts, "wb") as f:
            f.write(good)

        # another scan is writing the folder: refused while it holds the lock
        slow = os.path.join(d, "slow.txt")
        with open(slow, "w") as f:
            f.write("silent.example\n")
        busy = os.path.join(d, "busy")
        p = subprocess.Popen(args_for(ctx, "--timeout", "5", "--out", busy, slow),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if os.path.exists(os.path.join(busy, "run.json")):
                    break
                time.sleep(0.05)
            r = sh(args_for(ctx, "--timeout", "5", "--resume", busy, slow), timeout=60)
            assert r.returncode == 2 and "another scan is writing %s" % busy in r.stderr, r.stderr
            r = sh(args_for(ctx, "--timeout", "5", "--out", busy, slow), timeout=60)
            assert r.returncode == 2 and "another scan is writing %s" % busy in r.stderr, r.stderr
        finally:
            p.wait(timeout=60)
        assert p.returncode == 0

        # what only sets the pace may differ: accepted, and a complete folder stays complete
        r = sh(args_for(ctx, "--concurrency", "7", "--rate", "50", "--per-ip", "1",
                        "--max-domains", "2", "--resume", out, lst), timeout=60)
        assert r.returncode == 0, r.stderr
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        assert run["resumed"][-1]["options"]["concurrency"] == 7
        assert run["resumed"][-1]["kept"] == {"domains": 3, "endpoints": run["counts"]["endpoints"]}
        assert run["counts"]["connections"] == 0 and run["counts"]["domains"] == 3, run["counts"]


def test_run_json_options_typed_and_older_text_resumes(ctx):
    """run.json's options are typed (numbers, true, lists); an older run.json that held every
    value as text ("2") still resumes with the same options, and a different one is refused."""
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "list.txt")
        with open(lst, "w") as f:
            f.write("exact.example\nwild.example\n")
        out = os.path.join(d, "out")
        r = sh(args_for(ctx, "--max-dns-errors", "25%", "--out", out, lst), timeout=60)
        assert r.returncode == 0, r.stderr
        path = os.path.join(out, "run.json")
        with open(path) as f:
            run = json.load(f)
        o = run["options"]
        assert o["port"] == ctx.world.smtp_port and o["timeout"] == 2, o
        assert o["dns-timeout"] == 0.5 and o["retry-delay"] == 0.2 and o["max-dns-errors"] == 25, o
        assert o["ipv6"] is True and o["quiet"] is True, o
        assert isinstance(o["resolver"], list) and isinstance(o["allow"], list), o
        assert isinstance(o["ehlo"], str) and isinstance(o["ca-file"], str), o
        # as an older mxsurvey wrote it: every value the text given
        old = dict(o)
        for k, v in o.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                old[k] = {0.5: "0.5", 0.2: "0.2", 25: "25%"}.get(v, str(v))
        run["options"] = old
        with open(path, "w") as f:
            json.dump(run, f)
        r = sh(args_for(ctx, "--timeout", "3", "--resume", out, lst), timeout=60)
        assert r.returncode == 2 and "--timeout: 2 in run.json, 3 now" in r.stderr, r.stderr
        r = sh(args_for(ctx, "--max-dns-errors", "25", "--resume", out, lst), timeout=60)
        assert r.returncode == 0, r.stderr


def write_jsonl(path, recs):
    with open(path, "w") as f:
        for r in recs:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")


def test_resume_uses_what_the_folder_holds(ctx):
    """Surgery on a complete folder, then --resume: (1) a domain record removed whose endpoints
    are all written: no connection, and the record comes back the same (its pattern and
    match_domain from the certificate names read back from hosts.jsonl); (2) an endpoint record
    removed (and the domains naming it) whose address has another endpoint written: that
    endpoint is probed again, but not its address's version probe: tls_max comes from the
    record kept."""
    with tempfile.TemporaryDirectory() as d:
        lst = world_list(ctx)
        ref = os.path.join(d, "ref")
        r = sh(args_for(ctx, "--out", ref, lst), timeout=120)
        assert r.returncode == 0, r.stderr
        hosts = read_jsonl(os.path.join(ref, "hosts.jsonl"))
        doms = read_jsonl(os.path.join(ref, "domains.jsonl"))
        by_ep = collections.defaultdict(list)
        for x in doms:
            for e in x["endpoints"]:
                by_ep[(e["mx_host"], e["ip"])].append(x["line"])
        # (1) a TLS domain whose endpoints other domains name too
        one = next(x for x in doms if x["primary"] and x["endpoints"] and
                   all(len(by_ep[(e["mx_host"], e["ip"])]) > 1 for e in x["endpoints"]))
        # (2) an address with two endpoints (MX host names) whose version probe learnt a version
        addrs = collections.defaultdict(list)
        for h in hosts:
            addrs[h["ip"]].append(h)
        ip, pair = next((ip, hs) for ip, hs in addrs.items() if len(hs) > 1 and hs[0]["tls_max"])
        gone = pair[1]
        gone_lines = set(by_ep[(gone["mx_host"], gone["ip"])])
        # (3) a round killed after run.json, before its record files were made
        for case, drop_hosts, drop_lines in (("domain", [], {one["line"]}),
                                             ("endpoint", [gone], gone_lines),
                                             ("nothing", None, None)):
            out = os.path.join(d, case)
            shutil.copytree(ref, out)
            os.remove(os.path.join(out, "summary.json"))
            if drop_hosts is None:
                for name in ("hosts.jsonl", "domains.jsonl"):
                    os.remove(os.path.join(out, name))
                shutil.rmtree(os.path.join(out, "chains"))
            else:
                write_jsonl(os.path.join(out, "hosts.jsonl"), [h for h in hosts if h not in drop_hosts])
                write_jsonl(os.path.join(out, "domains.jsonl"),
                            [x for x in doms if x["line"] not in drop_lines])
            r = sh(args_for(ctx, "--resume", out, lst), timeout=120)
            assert r.returncode == 0, (case, r.stderr)
            with open(os.path.join(out, "run.json")) as f:
                c = json.load(f)["counts"]
            if case == "domain":
                assert c["connections"] == 0 and c["version_probes"] == 0, (case, c)
            elif case == "endpoint":
                assert c["connections"] == gone["attempts"] and c["version_probes"] == 0, (case, c, gone)
            drop = TIMING_HOST_FIELDS if case == "nothing" else ()
            for name in ("hosts.jsonl", "domains.jsonl"):
                assert multiset(os.path.join(ref, name), drop) == multiset(os.path.join(out, name), drop), \
                    (case, name)
