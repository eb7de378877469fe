"""A survey in stages (issue 14; src/cmd/stage.c, src/cmd/stagefs.c, the scheduler's stage
modes): `mxsurvey resolve [--shard I/N] --out DIR LIST`, `mxsurvey probe [--shard I/N] DIR`,
`mxsurvey merge DIR`, against one-process scans of the same lists with the same options.

- The world: resolve x2 and probe x3 (each stage's shards at once), merge: hosts.jsonl and
  domains.jsonl hold the records a scan with the same options (--ipv6 too) writes, record for
  record (the timing fields aside); chains/ the same files; the CSVs the same rows (as
  multisets); summary.json the same but for the counts of the work done; run.json says how the
  survey was cut and counts what scan counts; `mxsurvey diff` sees no change. Every address is
  in exactly one probe shard's file, and their lines together are hosts.jsonl. Without --shard:
  targets.jsonl, probe/hosts.0.jsonl, the same records.
- --shard: auto/N from SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX (Slurm's wins), exit 2
  naming both when neither is set; bad forms exit 2 and make nothing; scan, check and merge
  refuse it.
- Order and restarts: probe before resolve, merge before every probe shard: exit 2, naming the
  shard, nothing written; a finished stage run again: exit 0, "already complete", no file
  changed (content and mtime); a probe shard stopped by SIGTERM exits 1 without its marker, one
  killed by SIGKILL leaves no marker either, and run again each resumes from its records and
  the merge still equals scan.
- Options: probe and merge refuse (exit 2, naming it) a verdict-changing option the resolve
  stage did not have; the pace may differ.
- --per-ip over shards run at once: each address in one shard, the fixture's connection log
  shows at most --per-ip connections per address at once.
- The scale world (`scripts/world gen-scale`, 3,000 domains): resolve x2 | probe x3 | merge
  equals scan record for record."""
import collections
import csv
import json
import os
import re
import signal
import subprocess
import tempfile
import time

from helpers import (TIMING, chains_of, folder_state, max_at_once, scale_world, sh, silent_names_world,
                     strip_timing)
from test_scan import ALLOW, read_jsonl, scan_args

STAGE_TIMEOUT = 300


def world_list(ctx):
    return os.path.join(ctx.root, "data/world/domains.txt")


def stage_args(ctx, stage, *extra, quiet=True):
    """A stage's command line with the options tests give the world's scans (test_scan's
    scan_args) and extra ones; quiet=False keeps what it prints ("already complete",
    "resuming")."""
    args = scan_args(ctx, *extra)
    args[1] = stage
    return args if quiet else [a for a in args if a != "--quiet"]


def run_stages(ctx, out, lst, extra=(), resolve_shards=2, probe_shards=3, args_of=None):
    """resolve --shard i/R (all at once), probe --shard i/P (all at once), merge; without
    --shard when a count is None. Asserts every process exits 0; returns merge's result."""
    args_of = args_of or (lambda stage, *more: stage_args(ctx, stage, *extra, *more))

    def all_at_once(cmds):
        procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  stdin=subprocess.DEVNULL) for c in cmds]
        for c, p in zip(cmds, procs):
            o, e = p.communicate(timeout=STAGE_TIMEOUT)
            assert p.returncode == 0, (" ".join(c[1:2] + c[-3:]), p.returncode, e[-3000:])

    def shards(n):
        return [[]] if n is None else [["--shard", "%d/%d" % (i, n)] for i in range(n)]

    all_at_once([args_of("resolve", *s, "--out", out, lst) for s in shards(resolve_shards)])
    all_at_once([args_of("probe", *s, out) for s in shards(probe_shards)])
    r = sh(args_of("merge", out), timeout=STAGE_TIMEOUT)
    assert r.returncode == 0, ("merge", r.returncode, r.stderr[-3000:])
    return r


# ------------------------------------------------------------------ comparing with scan

def _hosts(d, strip):
    recs = [strip(h) for h in read_jsonl(os.path.join(d, "hosts.jsonl"))]
    keys = collections.Counter((h["mx_host"], h["ip"]) for h in recs)
    assert not keys or max(keys.values()) == 1, "%s: an endpoint written twice" % d
    return {(h["mx_host"], h["ip"]): h for h in recs}


def _domains(d, strip):
    recs = [strip(x) for x in read_jsonl(os.path.join(d, "domains.jsonl"))]
    lines = collections.Counter(x["line"] for x in recs)
    assert not lines or max(lines.values()) == 1, "%s: a line written twice" % d
    return {x["line"]: x for x in recs}


def _csv_rows(path, norm):
    """A CSV's header and its rows as a multiset, the timing columns cut out."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    keep = [i for i, h in enumerate(head) if h not in TIMING]
    return ([head[i] for i in keep],
            collections.Counter(tuple(norm(head[i], r[i]) for i in keep) for r in rows[1:]))


# What the folder holds is the same; the work done to get it is not (two resolve shards ask
# DNS twice for what one name cache would have answered; each probe shard verifies the chains
# it meets): these counts must be equal, the others may differ.
SAME_COUNTS = ("lines", "domains", "invalid", "duplicates", "endpoints", "blocked", "pending")


def _comparable_summary(d):
    with open(os.path.join(d, "summary.json")) as f:
        s = json.load(f)
    m = s.pop("meta")
    return s, {k: m["counts"].get(k) for k in SAME_COUNTS}


def assert_same_as_scan(scan_dir, staged_dir, strip=strip_timing, norm=lambda col, v: v):
    """The staged folder holds what the scan's holds: records, chains, CSV rows, summary."""
    h1, h2 = _hosts(scan_dir, strip), _hosts(staged_dir, strip)
    assert set(h1) == set(h2), ("endpoints", set(h1) ^ set(h2))
    bad = [k for k in h1 if h1[k] != h2[k]]
    assert not bad, "%d endpoint records differ, e.g. %s:\n scan   %s\n staged %s" % (
        len(bad), bad[0], h1[bad[0]], h2[bad[0]])
    d1, d2 = _domains(scan_dir, strip), _domains(staged_dir, strip)
    assert set(d1) == set(d2), ("lines", set(d1) ^ set(d2))
    bad = [k for k in d1 if d1[k] != d2[k]]
    assert not bad, "%d domain records differ, e.g. line %s:\n scan   %s\n staged %s" % (
        len(bad), bad[0], d1[bad[0]], d2[bad[0]])
    assert chains_of(scan_dir) == chains_of(staged_dir), "chains/ differ"
    for name in ("hosts.csv", "domains.csv", "endpoints_by_domain.csv", "providers.csv"):
        c1 = _csv_rows(os.path.join(scan_dir, name), norm)
        c2 = _csv_rows(os.path.join(staged_dir, name), norm)
        assert c1[0] == c2[0], (name, "header")
        assert c1[1] == c2[1], (name, list((c1[1] - c2[1]).items())[:2], list((c2[1] - c1[1]).items())[:2])
    s1, s2 = _comparable_summary(scan_dir), _comparable_summary(staged_dir)
    assert s1[0] == s2[0], [k for k in s1[0] if s1[0][k] != s2[0].get(k)]
    assert s1[1] == s2[1], (s1[1], s2[1])
    rows = []
    for d in (scan_dir, staged_dir):
        with open(os.path.join(d, "summary.csv"), newline="") as f:
            rows.append([r for r in csv.reader(f) if not r[0].startswith("meta.")])
    assert rows[0] == rows[1], "summary.csv differs beyond meta.*"
    return h1, d1


def _run_json(d):
    with open(os.path.join(d, "run.json")) as f:
        return json.load(f)


def _probe_files(d):
    pdir = os.path.join(d, "probe")
    return sorted(os.path.join(pdir, n) for n in os.listdir(pdir))


_cache = {}


def scan_of_world(ctx):
    """One scan of the world's list with --ipv6, shared by the tests that compare with it."""
    if "scan" not in _cache:
        out = tempfile.mkdtemp(prefix="mxs-stages-scan-")
        r = sh(scan_args(ctx, "--ipv6", "--out", out, world_list(ctx)), timeout=STAGE_TIMEOUT)
        assert r.returncode == 0, ("scan", r.returncode, r.stderr[-3000:])
        _cache["scan"] = out
    return _cache["scan"]


def staged_world(ctx):
    """The world in stages (resolve x2, probe x3, merge), shared by the tests that read it."""
    if "staged" not in _cache:
        out = os.path.join(tempfile.mkdtemp(prefix="mxs-stages-"), "survey")
        _cache["merge"] = run_stages(ctx, out, world_list(ctx), extra=("--ipv6",))
        _cache["staged"] = out
    return _cache["staged"]


# ------------------------------------------------------------------ the world

def test_stages_world_equals_scan(ctx):
    scan_dir, out = scan_of_world(ctx), staged_world(ctx)
    hosts, doms = assert_same_as_scan(scan_dir, out)
    assert len(hosts) > 40 and len(doms) > 60, (len(hosts), len(doms))
    for name in ("targets.0.jsonl", "targets.1.jsonl", "report.html", "summary.csv", "done/merge.json",
                 *["done/resolve.%d-of-2.json" % i for i in range(2)],
                 *["done/probe.%d-of-3.json" % i for i in range(3)]):
        assert os.path.isfile(os.path.join(out, name)), name
    assert not os.path.exists(os.path.join(out, "pending.txt"))
    assert not os.path.exists(os.path.join(out, "targets.jsonl"))
    # how it was cut, and the counts scan keeps of what it found
    run, srun = _run_json(out), _run_json(scan_dir)
    assert run["survey"]["resolve_shards"] == 2 and run["survey"]["probe_shards"] == 3, run["survey"]
    assert run["finished"] and run["interrupted"] is False, run
    for k in SAME_COUNTS:
        assert run["counts"][k] == srun["counts"][k], (k, run["counts"][k], srun["counts"][k])
    assert run["counts"]["lines"] == len(doms) and run["counts"]["endpoints"] == len(hosts)
    # the work: every connection a shard made is counted, as many as the scan made
    for k in ("probed", "connections", "version_probes", "mta_sts_fetches", "dns_policy_queries"):
        assert run["counts"][k] == srun["counts"][k], (k, run["counts"][k], srun["counts"][k])
    assert run["counts"]["dns_queries"] >= srun["counts"]["dns_queries"], "two resolve shards ask less?"
    with open(os.path.join(out, "done", "merge.json")) as f:
        mark = json.load(f)
    assert (mark["stage"], mark["resolve_shards"], mark["probe_shards"]) == ("merge", 2, 3), mark
    # a finished scan folder: diff sees no change between the two
    dd = tempfile.mkdtemp(prefix="mxs-stages-diff-")
    r = sh([ctx.mxsurvey, "diff", "--quiet", "--out", dd, scan_dir, out], timeout=60)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(dd, "diff.json")) as f:
        diff = json.load(f)
    assert (diff["appeared"], diff["vanished"], diff["changed"], diff["options_differ"]) == ([], [], [], []), diff
    print("    %d endpoints, %d domains: resolve x2 | probe x3 | merge == scan" % (len(hosts), len(doms)))


def test_stages_world_shard_files(ctx):
    """Each address in exactly one probe shard's file, and those files' lines together are
    hosts.jsonl; every line of the list in exactly one resolve shard's targets."""
    out = staged_world(ctx)
    files = _probe_files(out)
    assert [os.path.basename(p) for p in files] == ["hosts.%d.jsonl" % i for i in range(3)], files
    owner, lines = {}, collections.Counter()
    for i, p in enumerate(files):
        with open(p) as f:
            text = f.read()
        assert text.endswith("\n")
        lines.update(text.split("\n")[:-1])
        recs = read_jsonl(p)
        assert recs, "probe shard %d probed nothing: the hash does not share addresses out" % i
        for h in recs:
            assert owner.setdefault(h["ip"], i) == i, "%s in probe shards %d and %d" % (h["ip"], owner[h["ip"]], i)
    with open(os.path.join(out, "hosts.jsonl")) as f:
        merged = collections.Counter(f.read().split("\n")[:-1])
    assert merged == lines, "hosts.jsonl is not the shards' lines"
    got = collections.Counter()
    for i in range(2):
        for t in read_jsonl(os.path.join(out, "targets.%d.jsonl" % i)):
            got[t["line"]] += 1
    want = {x["line"] for x in read_jsonl(os.path.join(out, "domains.jsonl"))}
    assert set(got) == want and max(got.values()) == 1, set(got) ^ want
    print("    %d addresses over 3 probe shards (%s), %d lines over 2 resolve shards" % (
        len(owner), ", ".join(str(sum(1 for v in owner.values() if v == i)) for i in range(3)), len(got)))


def test_stages_world_unsharded(ctx):
    scan_dir = scan_of_world(ctx)
    out = os.path.join(tempfile.mkdtemp(prefix="mxs-stages-one-"), "survey")
    run_stages(ctx, out, world_list(ctx), extra=("--ipv6",), resolve_shards=None, probe_shards=None)
    for name in ("targets.jsonl", "probe/hosts.0.jsonl", "done/resolve.0-of-1.json",
                 "done/probe.0-of-1.json", "done/merge.json"):
        assert os.path.isfile(os.path.join(out, name)), name
    assert not os.path.exists(os.path.join(out, "targets.0.jsonl"))
    hosts, _ = assert_same_as_scan(scan_dir, out)
    run = _run_json(out)
    assert run["survey"]["resolve_shards"] == 1 and run["survey"]["probe_shards"] == 1, run["survey"]
    print("    no --shard: targets.jsonl, probe/hosts.0.jsonl, %d endpoints == scan" % len(hosts))


# ------------------------------------------------------------------ --shard

def test_stages_shard_option(ctx):
    d = tempfile.mkdtemp(prefix="mxs-stages-shard-")
    lst = os.path.join(d, "list.txt")
    with open(lst, "w") as f:
        f.write("exact.example\nnomx.example\n")
    clean = {k: v for k, v in os.environ.items() if k not in ("SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX")}

    def resolve(out, shard, **env):
        return sh(stage_args(ctx, "resolve", "--shard", shard, "--out", out, lst), timeout=60,
                  env=dict(clean, **env))

    for env, want in (({"SLURM_ARRAY_TASK_ID": "2"}, 2), ({"JOB_COMPLETION_INDEX": "1"}, 1),
                      ({"SLURM_ARRAY_TASK_ID": "0", "JOB_COMPLETION_INDEX": "2"}, 0),
                      ({"SLURM_ARRAY_TASK_ID": "", "JOB_COMPLETION_INDEX": "1"}, 1)):
        out = tempfile.mkdtemp(prefix="auto-", dir=d)
        r = resolve(out, "auto/3", **env)
        assert r.returncode == 0, (env, r.stderr)
        made = sorted(os.listdir(os.path.join(out, "done")))
        assert [m for m in made if not m.startswith(".")] == ["resolve.%d-of-3.json" % want], (env, made)
        assert os.path.isfile(os.path.join(out, "targets.%d.jsonl" % want)), (env, os.listdir(out))
        with open(os.path.join(out, "done", "resolve.%d-of-3.json" % want)) as f:
            m = json.load(f)
        assert (m["stage"], m["shard"], m["shards"]) == ("resolve", want, 3), m
    # neither variable: exit 2, both named; an index the array cannot have: exit 2
    out = os.path.join(d, "none")
    r = resolve(out, "auto/3")
    assert r.returncode == 2, r
    assert "SLURM_ARRAY_TASK_ID" in r.stderr and "JOB_COMPLETION_INDEX" in r.stderr, r.stderr
    r = resolve(out, "auto/3", SLURM_ARRAY_TASK_ID="3")
    assert r.returncode == 2 and "SLURM_ARRAY_TASK_ID=3" in r.stderr, (r.returncode, r.stderr)
    r = resolve(out, "auto/3", JOB_COMPLETION_INDEX="x")
    assert r.returncode == 2 and "JOB_COMPLETION_INDEX=x" in r.stderr, (r.returncode, r.stderr)
    # digits only: strtol alone would take a sign or leading white space as shard 0 or 1
    for env in (" 1", "+1", "1 ", "-0", "0x1"):
        r = resolve(out, "auto/3", SLURM_ARRAY_TASK_ID=env)
        assert r.returncode == 2 and "SLURM_ARRAY_TASK_ID=%s is not a shard index" % env in r.stderr, \
            (env, r.returncode, r.stderr)
    for bad in ("3/3", "x/2", "1/0", "-1/2", "0/", "/2", "1/2/3", "auto", "0/1000001", "1",
                " 0/2", "+0/2", "0/ 2", "0/2 ", "0/+2", "\t0/2", "-0/2", "0/-2", "auto/ 3",
                "auto/+3", "1/02 ", "0x1/2", "0/0x2"):
        r = resolve(out, bad)
        assert r.returncode == 2 and "--shard" in r.stderr, (bad, r.returncode, r.stderr)
    assert not os.path.exists(out), "a refused --shard made the folder"
    # leading zeros are digits, read as decimal: 00/2 is shard 0 of 2, 010/011 shard 10 of 11
    for spelt, want in (("00/2", (0, 2)), ("010/011", (10, 11))):
        zeros = tempfile.mkdtemp(prefix="zeros-", dir=d)
        r = resolve(zeros, spelt)
        assert r.returncode == 0, (spelt, r.stderr)
        made = [m for m in os.listdir(os.path.join(zeros, "done")) if not m.startswith(".")]
        assert made == ["resolve.%d-of-%d.json" % want], (spelt, made)
    # not an option of scan, check or merge
    r = sh(scan_args(ctx, "--shard", "0/2", "--out", out, lst), timeout=60)
    assert r.returncode == 2 and "--shard" in r.stderr, (r.returncode, r.stderr)
    assert not os.path.exists(out), "scan --shard made its folder"
    r = sh(stage_args(ctx, "check", "--shard", "0/2", "exact.example"), timeout=60)
    assert r.returncode == 2 and "--shard" in r.stderr, (r.returncode, r.stderr)
    r = sh(stage_args(ctx, "merge", "--shard", "0/2", d), timeout=60)
    assert r.returncode == 2 and "--shard" in r.stderr, (r.returncode, r.stderr)


# ------------------------------------------------------------------ order and restarts

def test_stages_order(ctx):
    d = tempfile.mkdtemp(prefix="mxs-stages-order-")
    out = os.path.join(d, "survey")
    lst = world_list(ctx)
    # probe and merge with no resolve shard done: exit 2, nothing made
    for stage in ("probe", "merge"):
        r = sh(stage_args(ctx, stage, "--ipv6", out), timeout=60)
        assert r.returncode == 2 and "resolve shard" in r.stderr, (stage, r.returncode, r.stderr)
        assert not os.path.exists(out), "%s made the folder" % stage
    r = sh(stage_args(ctx, "resolve", "--ipv6", "--shard", "0/2", "--out", out, lst), timeout=120)
    assert r.returncode == 0, r.stderr
    before = folder_state(out, mtimes=True)
    for stage, extra in (("probe", ["--shard", "1/3"]), ("probe", []), ("merge", [])):
        r = sh(stage_args(ctx, stage, "--ipv6", *extra, out), timeout=60)
        assert r.returncode == 2, (stage, r.returncode, r.stderr)
        assert "resolve shard 1 of 2 is not complete" in r.stderr, (stage, r.stderr)
        assert folder_state(out, mtimes=True) == before, "%s changed the folder" % stage
    r = sh(stage_args(ctx, "resolve", "--ipv6", "--shard", "1/2", "--out", out, lst), timeout=120)
    assert r.returncode == 0, r.stderr
    # probe shards 0 and 2 of 3 done, 1 not: merge names it and writes nothing
    for i in (0, 2):
        r = sh(stage_args(ctx, "probe", "--ipv6", "--shard", "%d/3" % i, out), timeout=120)
        assert r.returncode == 0, r.stderr
    before = folder_state(out, mtimes=True)
    r = sh(stage_args(ctx, "merge", "--ipv6", out), timeout=60)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "probe shard 1 of 3 is not complete" in r.stderr, r.stderr
    assert folder_state(out, mtimes=True) == before, "merge changed the folder"
    for name in ("hosts.jsonl", "domains.jsonl", "run.json", "summary.json"):
        assert not os.path.exists(os.path.join(out, name)), name


def test_stages_rerun_is_no_op(ctx):
    out = staged_world(ctx)
    before = folder_state(out, mtimes=True)
    assert "done/merge.json" in before and "report.html" in before, sorted(before)
    runs = [stage_args(ctx, "resolve", "--ipv6", "--shard", "%d/2" % i, "--out", out, world_list(ctx), quiet=False)
            for i in range(2)]
    runs += [stage_args(ctx, "probe", "--ipv6", "--shard", "%d/3" % i, out, quiet=False) for i in range(3)]
    runs += [stage_args(ctx, "merge", "--ipv6", out, quiet=False)]
    for args in runs:
        t0 = time.time()
        r = sh(args, timeout=60)
        assert r.returncode == 0, (args[1], r.returncode, r.stderr)
        assert "already complete" in r.stdout, (args[1], r.stdout)
        assert r.stderr == "", (args[1], r.stderr)
        assert time.time() - t0 < 5, "%s took %.1f s to do nothing" % (args[1], time.time() - t0)
        assert folder_state(out, mtimes=True) == before, "%s %s changed the folder" % (args[1], args[-1])
    # --quiet: the same, silently
    r = sh(stage_args(ctx, "merge", "--ipv6", out), timeout=60)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r
    assert folder_state(out, mtimes=True) == before


def _lines(path):
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        return f.read().count(b"\n")


def test_stages_probe_stopped_then_resumed(ctx):
    """A probe shard held up by the world's silent endpoint (--timeout 5): SIGTERM when it has
    written records: exit 1, no marker, whole lines; run again and SIGKILLed: no marker; run
    again: it says it resumes with the records kept, completes, and the merge equals a scan."""
    timeout = "5"
    d = tempfile.mkdtemp(prefix="mxs-stages-kill-")
    out, scan_dir = os.path.join(d, "survey"), os.path.join(d, "scan")
    lst = world_list(ctx)
    args_of = lambda stage, *more: stage_args(ctx, stage, "--timeout", timeout, *more, quiet=False)  # noqa: E731
    for i in range(2):
        r = sh(args_of("resolve", "--shard", "%d/2" % i, "--out", out, lst), timeout=120)
        assert r.returncode == 0, r.stderr
    cmds = [args_of("probe", "--shard", "%d/3" % i, out) for i in range(3)]
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    hosts = [os.path.join(out, "probe", "hosts.%d.jsonl" % i) for i in range(3)]
    marker = [os.path.join(out, "done", "probe.%d-of-3.json" % i) for i in range(3)]
    # the shards without the silent address end; the one with it waits out its 5 s, its other
    # records written (the outputs flush every second)
    t0 = time.time()
    while time.time() - t0 < 4.5:
        running = [i for i, p in enumerate(procs) if p.poll() is None]
        if len(running) == 1 and _lines(hosts[running[0]]) > 0:
            break
        time.sleep(0.05)
    slow = [i for i, p in enumerate(procs) if p.poll() is None]
    assert len(slow) == 1, "shards still running after %.1f s: %s" % (time.time() - t0, slow)
    s = slow[0]
    kept = _lines(hosts[s])
    assert kept > 0, "the slow shard wrote nothing in %.1f s" % (time.time() - t0)
    procs[s].send_signal(signal.SIGTERM)
    o, e = procs[s].communicate(timeout=30)
    assert procs[s].returncode == 1, (procs[s].returncode, e[-2000:])
    assert "interrupted" in e, e
    assert not os.path.exists(marker[s]), "a stopped shard left its marker"
    read_jsonl(hosts[s])  # whole lines
    kept = _lines(hosts[s])
    for i, p in enumerate(procs):
        if i != s:
            o, e = p.communicate(timeout=30)
            assert p.returncode == 0 and os.path.exists(marker[i]), (i, p.returncode, e[-2000:])
    # a merge now: the stopped shard is named
    r = sh(args_of("merge", out), timeout=60)
    assert r.returncode == 2 and "probe shard %d of 3 is not complete" % s in r.stderr, (r.returncode, r.stderr)
    # again, SIGKILL after a second (the silent endpoint's 5 s are not over)
    p = subprocess.Popen(cmds[s], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=30)
    assert not os.path.exists(marker[s]), "a killed shard left its marker"
    kept2 = _lines(hosts[s])
    assert kept2 >= kept, (kept, kept2)
    # again, to its end: it resumes with what it kept
    r = sh(cmds[s], timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    m = re.search(r"shard %d of 3: resuming: (\d+) endpoint records kept" % s, r.stdout)
    assert m and int(m.group(1)) == kept2, (kept2, r.stdout)
    assert os.path.exists(marker[s])
    with open(marker[s]) as f:
        assert json.load(f)["kept_endpoints"] == kept2
    recs = read_jsonl(hosts[s])
    assert len(recs) > kept2, "the resumed shard had nothing left to probe (%d records)" % len(recs)
    assert any(h["status"] == "timeout" for h in recs), "the silent endpoint's record is missing"
    r = sh(args_of("merge", out), timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    r = sh(scan_args(ctx, "--timeout", timeout, "--out", scan_dir, lst), timeout=STAGE_TIMEOUT)
    assert r.returncode == 0, r.stderr[-2000:]
    h, _ = assert_same_as_scan(scan_dir, out)
    print("    probe shard %d: SIGTERM with %d records, SIGKILL with %d, resumed to %d; merged %d "
          "endpoints == scan" % (s, kept, kept2, len(recs), len(h)))


# ------------------------------------------------------------------ options

def test_stages_verdict_options_must_match(ctx):
    d = tempfile.mkdtemp(prefix="mxs-stages-opts-")
    out, lst = os.path.join(d, "survey"), os.path.join(d, "list.txt")
    with open(lst, "w") as f:
        f.write("exact.example\nwildcard.example\n")
    r = sh(stage_args(ctx, "resolve", "--out", out, lst), timeout=60)
    assert r.returncode == 0, r.stderr
    before = folder_state(out, mtimes=True)
    for stage, extra, name in (("probe", ["--port", "2526"], "--port"), ("probe", ["--no-policy"], "--no-policy"),
                               ("probe", ["--ipv6"], "--ipv6"), ("merge", ["--timeout", "3"], "--timeout"),
                               ("probe", ["--mode", "cert"], "--mode")):
        r = sh(stage_args(ctx, stage, *extra, out), timeout=60)
        assert r.returncode == 2, (stage, extra, r.returncode, r.stderr)
        assert name in r.stderr and "resolve stage" in r.stderr, (stage, extra, r.stderr)
        assert folder_state(out, mtimes=True) == before, "%s %s changed the folder" % (stage, extra)
    # the pace may differ
    r = sh(stage_args(ctx, "probe", "--concurrency", "7", "--per-ip", "1", "--rate", "50", "--threads", "2", out),
           timeout=60)
    assert r.returncode == 0, r.stderr
    r = sh(stage_args(ctx, "merge", "--concurrency", "3", out), timeout=60)
    assert r.returncode == 0, r.stderr
    assert len(read_jsonl(os.path.join(out, "domains.jsonl"))) == 2
    # the stages' own rules: resolve needs --out and a file; probe and merge take no --out
    for args in (stage_args(ctx, "resolve", lst), stage_args(ctx, "resolve", "--out", os.path.join(d, "x"), "-"),
                 stage_args(ctx, "probe", "--out", os.path.join(d, "x"), out),
                 stage_args(ctx, "merge", "--out", os.path.join(d, "x"), out)):
        r = sh(args, timeout=60, input="exact.example\n" if args[-1] == "-" else None)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
    assert not os.path.exists(os.path.join(d, "x"))


# ------------------------------------------------------------------ --per-ip over shards

def test_stages_per_ip_across_shards(ctx):
    """Six silent names on each of six addresses, three probe shards at once with --per-ip 2:
    each address in one shard, and at most two connections to it at once."""
    n_addr, names = 6, 6
    d, lst, env = silent_names_world(ctx, "stperip", "127.53.8.1:5300", "127.74.0", n_addr, names)
    r = ctx.world_cmd("up", **env)
    assert r.returncode == 0, r.stderr
    try:
        out = os.path.join(d, "survey")
        common = ["--resolver", "127.53.8.1:5300", "--port", "2525", *ALLOW, "--quiet", "--timeout", "1",
                  "--no-infer", "--no-version-probe", "--no-policy", "--per-ip", "2"]
        t0 = time.time()
        run_stages(ctx, out, lst, args_of=lambda stage, *more: [ctx.mxsurvey, stage, *common, "--threads", "2", *more])
        took = time.time() - t0
        owner = {}
        for i, p in enumerate(_probe_files(out)):
            for h in read_jsonl(p):
                assert owner.setdefault(h["ip"], i) == i, (h["ip"], owner[h["ip"]], i)
        assert len(owner) == n_addr and len(set(owner.values())) > 1, owner
        hosts = read_jsonl(os.path.join(out, "hosts.jsonl"))
        assert len(hosts) == n_addr * names and {h["status"] for h in hosts} == {"timeout"}, hosts
        most = max_at_once(os.path.join(env["MXS_WORLD_DIR"], "fixture-conn.log"), 2525)
        assert len(most) == n_addr, most
        assert all(v == 2 for v in most.values()), "connections at once per address: %s" % most
        print("    %d addresses x %d silent names in shards %s, --per-ip 2: %s at once, %.1f s" %
              (n_addr, names, sorted(collections.Counter(owner.values()).items()), sorted(set(most.values())), took))
    finally:
        ctx.world_cmd("down", **env)


# ------------------------------------------------------------------ the scale world

# Which name of an address the version probe went with, when its first session did not reach
# TLS, is as much a matter of timing as tls_max_from (helpers.TIMING): two scans differ.
_TLS_MAX_WHO = re.compile(r"the session with \S+ did not")
# With inference, which names of an address are probed, inferred or spot-checked depends on
# the order they come in: two scans of the scale world differ in these, and only these.
INFER_FIELDS = ("inferred_from", "inference", "attempts")


def _scale_strip(drop):
    def strip(v):
        v = strip_timing(v)
        if isinstance(v, dict) and "mx_host" in v:
            if isinstance(v.get("tls_max_error"), str):
                v["tls_max_error"] = _TLS_MAX_WHO.sub("the session with * did not", v["tls_max_error"])
            for k in drop:
                v.pop(k, None)
        return v
    return strip


def _scale_norm(drop):
    def norm(col, v):
        if col in drop:
            return ""
        return _TLS_MAX_WHO.sub("the session with * did not", v) if col == "tls_max_error" else v
    return norm


def test_stages_scale_world(ctx):
    """3,000 domains of the scale world: resolve x2 | probe x3 | merge == scan. With
    --no-infer record for record; with inference (the default) the same but for which names
    were probed, inferred or spot-checked (INFER_FIELDS). --per-ip 120: the silent address's
    110 names wait out one --timeout together, not 55 rounds of it."""
    d, lst, env = scale_world(ctx, "stages-scale", 3000, 150, "127.53.7.1:5300")
    r = ctx.world_cmd("up", timeout=300, **env)
    assert r.returncode == 0, r.stderr
    try:
        for label, extra, drop in (("--no-infer", ["--no-infer"], ()), ("inference", [], INFER_FIELDS)):
            common = ["--resolver", "127.53.7.1:5300", "--port", "2525", *ALLOW, "--ehlo", "scanner.test",
                      "--quiet", "--timeout", "2", "--per-ip", "120", *extra]
            scan_dir, out = os.path.join(d, "scan" + label), os.path.join(d, "survey" + label)
            t0 = time.time()
            r = sh([ctx.mxsurvey, "scan", *common, "--out", scan_dir, lst], timeout=STAGE_TIMEOUT)
            assert r.returncode == 0, r.stderr[-2000:]
            t1 = time.time()
            run_stages(ctx, out, lst, args_of=lambda stage, *more: [ctx.mxsurvey, stage, *common, *more])
            t2 = time.time()
            hosts, doms = assert_same_as_scan(scan_dir, out, strip=_scale_strip(drop), norm=_scale_norm(drop))
            assert len(doms) == 3000 and len(hosts) > 300, (len(doms), len(hosts))
            run = _run_json(out)
            assert run["counts"]["endpoints"] == len(hosts) and run["counts"]["lines"] == 3000, run["counts"]
            print("    scale world, %s: %d domains, %d endpoints: scan %.1f s, resolve x2 | probe x3 | "
                  "merge %.1f s: the same records" % (label, len(doms), len(hosts), t1 - t0, t2 - t1))
    finally:
        ctx.world_cmd("down", **env)
