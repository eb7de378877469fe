"""The staged survey on Slurm (issue 14; docs/cluster.md): scripts/slurm/mxsurvey-survey against
a real one-node Slurm from Debian's slurm-wlm and munge (tests/world/slurm.py: munged, slurmctld
and slurmd started by each test from a temporary folder on 127.0.0.1, stopped by their PIDs).
Owned by the cluster work of issue 14.

- Bad arguments: exit 2, a message naming the problem, nothing submitted or created; --dry-run
  prints the three sbatch commands, whose --wrap lines a shell splits back into the exact argv.
- The job chain with a stand-in binary that records how it was called: every resolve task ends
  before any probe task starts, every probe task before merge; each task gets its shard from
  SLURM_ARRAY_TASK_ID, runs in DIR, and sees SCAN_OPTIONS word for word (quotes, spaces, $).
  A resolve task that fails: probe and merge are cancelled, never run. A job sbatch refuses:
  exit 1, and the job submitted before it cancelled.
- The harness's own failure: a daemon that does not come up gives its log in the message, and
  nothing is left running or on disk.
- The world surveyed with --shards 3 through Slurm: every job COMPLETED, three probe shard
  files and markers, and hosts.jsonl, domains.jsonl and chains/ equal to a one-process `scan`
  of the same list with the same options (timing fields aside, as test_threads compares);
  `mxsurvey report DIR` works on the folder.
- The whole survey resubmitted into the finished folder (without --quiet, a pace option): every
  job COMPLETED, each stage says "already complete", and no file of the folder changed
  (content and mtime; the new jobs' output files in DIR/slurm/ aside).
- docs/cluster.md: its Kubernetes manifests parse and agree with the page (a ReadWriteMany
  claim every Job mounts, probe an Indexed Job whose completions are its --shard auto/N, the
  same scan options in every stage, all of them scan's); its Slurm example is accepted by the
  script as written (--dry-run).
"""
import glob
import json
import os
import re
import shlex
import shutil
import stat
import sys
import tempfile
import time

from helpers import chains_of, folder_state, sh
from test_scan import read_jsonl, scan_args
from test_threads import _records

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "world"))
import slurm  # noqa: E402  (tests/world/slurm.py)

WAIT = 240  # seconds for a whole survey of the world to run through the one-node cluster


def _script(ctx):
    return os.path.join(ctx.root, "scripts", "slurm", "mxsurvey-survey")


def _world_options(ctx):
    """The world's scan options (test_scan.scan_args less the binary and `scan`)."""
    return scan_args(ctx, "--ipv6")[2:]


def _job_logs(d, limit=3000):
    """The tail of every job output file under DIR/slurm/, for a failure message."""
    out = []
    for p in sorted(glob.glob(os.path.join(d, "slurm", "*"))):
        with open(p, errors="replace") as f:
            text = f.read()
        if text:
            out.append("---- %s\n%s" % (p, text[-limit:]))
    return "\n".join(out) or "(no job wrote any output in %s/slurm)" % d


def _submit(ctx, cluster, lst, d, *args, mxsurvey=None, env=None):
    """Runs mxsurvey-survey; returns {"resolve": ID, "probe": ID, "merge": ID}."""
    e = cluster.env(MXSURVEY=mxsurvey or ctx.mxsurvey, **(env or {}))
    r = sh([_script(ctx), lst, d, *args], env=e, timeout=60)
    assert r.returncode == 0, "mxsurvey-survey exit %d: %s" % (r.returncode, r.stderr)
    words = r.stdout.split()
    assert len(r.stdout.splitlines()) == 1 and [w.split("=")[0] for w in words] == \
        ["resolve", "probe", "merge"], "stdout is not one line of three job IDs: %r" % r.stdout
    ids = dict(w.split("=", 1) for w in words)
    assert all(v.isdigit() for v in ids.values()), ids
    return ids


def _wait(cluster, ids, d, timeout=WAIT):
    try:
        return cluster.wait_jobs(list(ids.values()), timeout)
    except slurm.SlurmError as e:
        raise AssertionError("%s\n%s" % (e, _job_logs(d)))


def _assert_completed(states, ids, d, tasks):
    """Every task of every job COMPLETED with exit 0; `tasks` {stage: expected task keys}."""
    for stage, jid in ids.items():
        got = states[jid]
        assert set(got) == tasks[stage], "%s job %s: tasks %s, not %s\n%s" % (
            stage, jid, sorted(got), sorted(tasks[stage]), _job_logs(d))
        bad = {k: v for k, v in got.items() if v != ("COMPLETED", "0:0")}
        assert not bad, "%s job %s: %s\n%s" % (stage, jid, bad, _job_logs(d))


# ------------------------------------------------------------------ arguments

def test_slurm_survey_refuses_bad_arguments(ctx):
    lst = os.path.join(ctx.root, "data/world/domains.txt")
    with tempfile.TemporaryDirectory() as tmp:
        d = os.path.join(tmp, "survey")
        afile = os.path.join(tmp, "a-file")
        open(afile, "w").close()
        nosbatch = os.path.join(tmp, "bin")  # a PATH with readlink and no sbatch
        os.mkdir(nosbatch)
        os.symlink(shutil.which("readlink"), os.path.join(nosbatch, "readlink"))
        cases = [
            ([], "expected LIST and DIR", None),
            ([lst], "expected LIST and DIR", None),
            ([lst, d], "--shards N is required", None),
            ([lst, d, "--shards", "0"], "--shards '0': a whole number", None),
            ([lst, d, "--shards", "3x"], "--shards '3x': a whole number", None),
            ([lst, d, "--shards", "3", "--resolve-shards", "-1"], "--resolve-shards '-1'", None),
            ([lst, d, "--shards", "3", "--throttle", ""], "--throttle '': a whole number", None),
            ([lst, d, "--shards"], "option --shards needs a value", None),
            ([lst, d, "--shards", "3", "--nodes", "2"], "unknown option '--nodes'", None),
            ([lst, d, "--shards", "3", "extra"], "expected LIST and DIR, got 3", None),
            (["/nonexistent/list", d, "--shards", "3"], "LIST '/nonexistent/list' is not a readable file", None),
            (["-", d, "--shards", "3"], "not standard input", None),
            ([lst, afile, "--shards", "3"], "exists and is not a folder", None),
            ([lst, d, "--shards", "3", "--sbatch-opt", "--array=0-9"], "sets --array itself", None),
            ([lst, d, "--shards", "3", "--probe-opt=--dependency=afterany:1"], "sets --dependency itself", None),
            ([lst, d, "--shards", "3", "--merge-opt", "--wrap=true"], "sets --wrap itself", None),
            ([lst, d, "--shards", "3", "--sbatch-opt", "batch"], "not an sbatch option", None),
            ([lst, d, "--shards", "3", "--", "--out", d], "--out is set by this script", None),
            ([lst, d, "--shards", "3", "--", "--shard=1/3"], "--shard is set by this script", None),
            ([lst, d, "--shards", "3", "--", "--resume", d], "--resume is set by this script", None),
            ([lst, d, "--shards", "3"], "MXSURVEY '/nonexistent/mxsurvey' is not an executable",
             {"MXSURVEY": "/nonexistent/mxsurvey"}),
            ([lst, d, "--shards", "3"], "sbatch not found", {"PATH": nosbatch}),
            ([lst, d, "--shards", "3"], "mxsurvey not found", {"PATH": nosbatch, "MXSURVEY": ""}),
        ]
        for args, want, env in cases:
            e = dict(os.environ, MXSURVEY=ctx.mxsurvey)
            e.update(env or {})
            r = sh([_script(ctx), *args], env=e)
            assert r.returncode == 2, (args, r.returncode, r.stderr)
            assert r.stderr.startswith("mxsurvey-survey: ") and want in r.stderr, (args, want, r.stderr)
            assert r.stdout == "", (args, r.stdout)
            assert not os.path.exists(d), "%s created %s" % (args, d)
        r = sh([_script(ctx), "--help"])
        assert r.returncode == 0 and "Usage: mxsurvey-survey LIST DIR --shards N" in r.stdout, r
        for name in ("SBATCH_PARTITION", "SBATCH_ACCOUNT", "SBATCH_TIMELIMIT", "--cpus-per-task",
                     "--throttle", "already", "afterok"):
            assert name in r.stdout, "--help does not mention %s" % name


def test_slurm_survey_dry_run_commands(ctx):
    lst = os.path.join(ctx.root, "data/world/domains.txt")
    with tempfile.TemporaryDirectory() as tmp:
        d = os.path.join(tmp, "a survey's 100% folder")
        opts = ["--ehlo", "it's $HOME `x`", "--port", "2525"]
        r = sh([_script(ctx), lst, d, "--shards", "4", "--resolve-shards", "2", "--throttle", "3",
                "--sbatch-opt", "--time=10", "--merge-opt=--mem=1G", "--dry-run", "--", *opts],
               env=dict(os.environ, MXSURVEY=ctx.mxsurvey))
        assert r.returncode == 0, r.stderr
        assert not os.path.exists(d), "--dry-run created the folder"
        lines = r.stdout.splitlines()
        assert len(lines) == 3, r.stdout
        cmds = [shlex.split(line) for line in lines]
        mxs = os.path.realpath(ctx.mxsurvey)
        want = {
            0: ("mxsurvey-resolve", "--array=0-1%3", None,
                [mxs, "resolve", "--shard", "auto/2", *opts, "--out", d, lst]),
            1: ("mxsurvey-probe", "--array=0-3%3", "--dependency=afterok:RESOLVE_ID",
                [mxs, "probe", "--shard", "auto/4", *opts, d]),
            2: ("mxsurvey-merge", None, "--dependency=afterok:PROBE_ID", [mxs, "merge", *opts, d]),
        }
        for i, (name, array, dep, argv) in want.items():
            c = cmds[i]
            assert c[0] == "sbatch" and "--parsable" in c and "--job-name=" + name in c, c
            assert "--chdir=" + d in c and "--time=10" in c, c
            assert ("--mem=1G" in c) == (i == 2), c
            assert [a for a in c if a.startswith("--array")] == ([array] if array else []), c
            assert [a for a in c if a.startswith("--dependency")] == ([dep] if dep else []), c
            assert ("--kill-on-invalid-dep=yes" in c) == (dep is not None), c
            stem = name.split("-")[1]
            pat = d.replace("%", "%%") + "/slurm/" + stem + ("-%j" if i == 2 else "-%A_%a")
            assert "--output=" + pat + ".out" in c and "--error=" + pat + ".err" in c, c
            wrap = [a for a in c if a.startswith("--wrap=")]
            assert len(wrap) == 1, c
            assert shlex.split(wrap[0][len("--wrap="):]) == ["exec", *argv], wrap


# ------------------------------------------------------------------ the chain, with a stand-in

# Stands in for mxsurvey: records how it was called (argv, shard, folder, start and end times)
# in $STUB_CALLS/<stage>.<task>.json, takes a second, and fails when $STUB_FAIL names it.
STUB = """#!%s
import json, os, sys, time
stage, task = sys.argv[1], os.environ.get("SLURM_ARRAY_TASK_ID", "-")
rec = {"argv": sys.argv[1:], "task": task, "cwd": os.getcwd(), "start": time.time()}
time.sleep(1)
rec["end"] = time.time()
with open(os.path.join(os.environ["STUB_CALLS"], "%%s.%%s.json" %% (stage, task)), "w") as f:
    json.dump(rec, f)
sys.exit(1 if os.environ.get("STUB_FAIL") == "%%s.%%s" %% (stage, task) else 0)
"""


def _stub(tmp):
    path = os.path.join(tmp, "stub-mxsurvey")
    with open(path, "w") as f:
        f.write(STUB % sys.executable)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    calls = os.path.join(tmp, "calls")
    os.mkdir(calls)
    return path, calls


def _calls(calls):
    out = {}
    for p in sorted(glob.glob(os.path.join(calls, "*.json"))):
        with open(p) as f:
            out[os.path.basename(p)[:-5]] = json.load(f)
    return out


def test_slurm_survey_job_chain(ctx):
    with tempfile.TemporaryDirectory(prefix="mxs-slurm-chain-") as tmp:
        stub, calls = _stub(tmp)
        lst = os.path.join(tmp, "list.txt")
        with open(lst, "w") as f:
            f.write("example.org\n")
        d = os.path.join(tmp, "survey dir")
        opts = ["--ehlo", "it's $HOME `x`", "--rate", "50"]
        t0 = time.time()
        with slurm.Slurm() as cluster:
            ids = _submit(ctx, cluster, lst, d, "--shards", "3", "--resolve-shards", "2",
                          "--throttle", "1", "--", *opts, mxsurvey=stub, env={"STUB_CALLS": calls})
            states = _wait(cluster, ids, d, timeout=90)
            _assert_completed(states, ids, d, {"resolve": {"0", "1"}, "probe": {"0", "1", "2"},
                                               "merge": {ids["merge"]}})
            got = _calls(calls)
            assert sorted(got) == ["merge.-", "probe.0", "probe.1", "probe.2", "resolve.0",
                                   "resolve.1"], sorted(got)
            for i in range(2):
                assert got["resolve.%d" % i]["argv"] == ["resolve", "--shard", "auto/2", *opts,
                                                         "--out", d, lst], got["resolve.%d" % i]
            for i in range(3):
                assert got["probe.%d" % i]["argv"] == ["probe", "--shard", "auto/3", *opts, d], got
            assert got["merge.-"]["argv"] == ["merge", *opts, d], got["merge.-"]
            assert {c["cwd"] for c in got.values()} == {d}, "not run in DIR"
            res = [got["resolve.%d" % i] for i in range(2)]
            probes = sorted((got["probe.%d" % i] for i in range(3)), key=lambda c: c["start"])
            assert min(p["start"] for p in probes) >= max(r["end"] for r in res), "probe before resolve ended"
            assert got["merge.-"]["start"] >= max(p["end"] for p in probes), "merge before probe ended"
            # --throttle 1: the probe tasks one at a time
            for a, b in zip(probes, probes[1:]):
                assert b["start"] >= a["end"], ("--throttle 1 but tasks overlap", probes)
            logs = sorted(os.path.basename(p) for p in glob.glob(os.path.join(d, "slurm", "*")))
            want = ["merge-%s.err" % ids["merge"], "merge-%s.out" % ids["merge"]]
            want += ["%s-%s_%d.%s" % (s, ids[s], i, x) for s, n in (("probe", 3), ("resolve", 2))
                     for i in range(n) for x in ("err", "out")]
            assert logs == sorted(want), logs
            took = time.time() - t0

            # A resolve task that fails: the later stages are cancelled, never run.
            shutil.rmtree(calls)
            os.mkdir(calls)
            ids = _submit(ctx, cluster, lst, d, "--shards", "3", "--resolve-shards", "2", "--", *opts,
                          mxsurvey=stub, env={"STUB_CALLS": calls, "STUB_FAIL": "resolve.1"})
            states = _wait(cluster, ids, d, timeout=60)
            assert states[ids["resolve"]] == {"0": ("COMPLETED", "0:0"), "1": ("FAILED", "1:0")}, states
            for stage in ("probe", "merge"):
                assert {s for s, _ in states[ids[stage]].values()} == {"CANCELLED"}, (stage, states)
            assert sorted(_calls(calls)) == ["resolve.0", "resolve.1"], sorted(_calls(calls))

            # sbatch refuses the probe job (no such partition): the resolve job already
            # submitted is cancelled, exit 1.
            r = sh([_script(ctx), lst, d, "--shards", "3", "--probe-opt", "--partition=nope",
                    "--", *opts], env=cluster.env(MXSURVEY=stub, STUB_CALLS=calls), timeout=60)
            assert r.returncode == 1 and r.stdout == "", (r.returncode, r.stdout, r.stderr)
            assert "sbatch refused the probe job: " in r.stderr and "partition" in r.stderr, r.stderr
            m = re.search(r"^mxsurvey-survey: cancelled the jobs already submitted: (\d+)$",
                          r.stderr, re.M)
            assert m, r.stderr
            states = cluster.wait_jobs([m.group(1)], 30)[m.group(1)]
            assert {st for st, _ in states.values()} == {"CANCELLED"}, states
        print("    resolve x2 -> probe x3 (one at a time) -> merge in %.1f s; a failed resolve task "
              "cancels probe and merge" % took)


def test_slurm_harness_reports_a_daemon_that_fails(ctx):
    cluster = slurm.Slurm(extra_conf=["AuthType=auth/no-such-plugin"])
    try:
        cluster.start(timeout=20)
    except slurm.SlurmError as e:
        msg = str(e)
    else:
        cluster.stop()
        raise AssertionError("a cluster with AuthType=auth/no-such-plugin came up")
    assert "slurmctld exited" in msg, msg
    assert "auth/no-such-plugin" in msg and "slurmctld.log" in msg, msg
    assert cluster.pids and all(p.poll() is not None for _, p in cluster.pids), cluster.pids
    assert not os.path.exists(cluster.base), "%s left behind" % cluster.base


# ------------------------------------------------------------------ the world, surveyed

_survey = {}


def _world_survey(ctx):
    """The world's list surveyed through Slurm with --shards 3 into a folder of its own (made
    once, shared by the tests that read it): {"dir", "ids", "states", "took"}."""
    if "dir" not in _survey:
        d = os.path.join(tempfile.mkdtemp(prefix="mxs-slurm-world-"), "survey")
        lst = os.path.join(ctx.root, "data/world/domains.txt")
        t0 = time.time()
        with slurm.Slurm() as cluster:
            ids = _submit(ctx, cluster, lst, d, "--shards", "3", "--", *_world_options(ctx))
            states = _wait(cluster, ids, d)
        _survey.update(dir=d, ids=ids, states=states, took=time.time() - t0)
    return _survey


def test_slurm_survey_of_the_world_equals_scan(ctx):
    s = _world_survey(ctx)
    d, ids = s["dir"], s["ids"]
    _assert_completed(s["states"], ids, d, {"resolve": {"0"}, "probe": {"0", "1", "2"},
                                            "merge": {ids["merge"]}})
    for f in ["targets.jsonl", "done/resolve.0-of-1.json", "done/merge.json"] + \
             ["probe/hosts.%d.jsonl" % i for i in range(3)] + \
             ["done/probe.%d-of-3.json" % i for i in range(3)]:
        assert os.path.isfile(os.path.join(d, f)), "no %s in %s\n%s" % (f, d, _job_logs(d))
    with tempfile.TemporaryDirectory(prefix="mxs-slurm-scan-") as out:
        r = sh([ctx.mxsurvey, "scan", *_world_options(ctx), "--out", out,
                os.path.join(ctx.root, "data/world/domains.txt")], timeout=300)
        assert r.returncode == 0, "scan exit %d: %s" % (r.returncode, r.stderr[-2000:])
        (hosts1, doms1), chains1 = _records(out), chains_of(out)
    hosts, doms = _records(d)
    assert len(hosts1) > 20 and len(doms1) > 20, (len(hosts1), len(doms1))
    assert set(hosts) == set(hosts1), set(hosts) ^ set(hosts1)
    for k in hosts1:
        assert hosts[k] == hosts1[k], (k, hosts[k], hosts1[k])
    assert doms == doms1, [k for k in doms1 if doms.get(k) != doms1[k]]
    assert chains_of(d) == chains1, "chains/ differ"
    # every endpoint in exactly one probe shard
    shard_keys = []
    for i in range(3):
        shard_keys += [(h["mx_host"], h["ip"])
                       for h in read_jsonl(os.path.join(d, "probe", "hosts.%d.jsonl" % i))]
    assert sorted(shard_keys) == sorted(hosts1), "the probe shards do not hold each endpoint once"
    r = sh([ctx.mxsurvey, "report", d], timeout=120)
    assert r.returncode == 0, "report exit %d: %s" % (r.returncode, r.stderr[-2000:])
    assert os.path.getsize(os.path.join(d, "report.html")) > 0
    print("    %d endpoints, %d domains through resolve, probe x3, merge on a one-node Slurm in "
          "%.1f s: the records of one `scan`" % (len(hosts1), len(doms1), s["took"]))


def test_slurm_survey_resubmitted_is_a_no_op(ctx):
    s = _world_survey(ctx)
    d = s["dir"]
    assert os.path.isfile(os.path.join(d, "done", "merge.json")), _job_logs(d)
    before = folder_state(d, mtimes=True, skip=("slurm",))
    # Without --quiet (a pace option: it may differ from the first submission), so that each
    # stage says what it did.
    opts = [o for o in _world_options(ctx) if o != "--quiet"]
    with slurm.Slurm() as cluster:
        ids = _submit(ctx, cluster, os.path.join(ctx.root, "data/world/domains.txt"), d,
                      "--shards", "3", "--", *opts)
        states = _wait(cluster, ids, d, timeout=90)
    _assert_completed(states, ids, d, {"resolve": {"0"}, "probe": {"0", "1", "2"},
                                       "merge": {ids["merge"]}})
    outs = ["resolve-%s_0.out" % ids["resolve"], "merge-%s.out" % ids["merge"]] + \
        ["probe-%s_%d.out" % (ids["probe"], i) for i in range(3)]
    for name in outs:
        with open(os.path.join(d, "slurm", name)) as f:
            text = f.read()
        assert "already complete" in text, "%s: %r" % (name, text)
    after = folder_state(d, mtimes=True, skip=("slurm",))
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, "resubmitting changed %s" % changed
    shutil.rmtree(os.path.dirname(d))  # kept for a look when a test of it failed


# ------------------------------------------------------------------ docs/cluster.md

def _doc(ctx):
    with open(os.path.join(ctx.root, "docs", "cluster.md"), encoding="utf-8") as f:
        return f.read()


def _scan_option_names(ctx):
    r = sh([ctx.mxsurvey, "scan", "--help"])
    return set(re.findall(r"^\s+(?:-\w, )?(--[a-z0-9-]+)", r.stdout, re.M))


def test_cluster_doc_slurm_example_submits(ctx):
    """docs/cluster.md's mxsurvey-survey example, as written but for LIST and DIR (made here)
    and MXSURVEY (the build under test), run with --dry-run: the script accepts it, and its
    scan options are scan's."""
    text = _doc(ctx).replace("\\\n", " ")
    cmds = [shlex.split(line) for line in text.splitlines()
            if re.match(r"MXSURVEY=\S+ scripts/slurm/mxsurvey-survey\s+/", line)]
    assert len(cmds) == 1, cmds
    argv = cmds[0][1:]
    with tempfile.TemporaryDirectory() as tmp:
        lst = os.path.join(tmp, "zone.txt")
        with open(lst, "w") as f:
            f.write("example.org\n")
        argv[0] = _script(ctx)
        argv[1], argv[2] = lst, os.path.join(tmp, "survey")
        argv.insert(3, "--dry-run")  # before the `--`, after which it would be a scan option
        r = sh(argv, env=dict(os.environ, MXSURVEY=ctx.mxsurvey))
        assert r.returncode == 0, (argv, r.stderr)
        assert len(r.stdout.splitlines()) == 3, r.stdout
    known = _scan_option_names(ctx)
    opts = argv[argv.index("--") + 1:]
    assert {o for o in opts if o.startswith("--")} <= known, set(o for o in opts if o.startswith("--")) - known


def test_cluster_doc_kubernetes_manifests(ctx):
    """docs/cluster.md's manifests parse as YAML and say what the page says: a ReadWriteMany
    claim that every Job mounts, resolve and merge as plain Jobs, probe as an Indexed Job whose
    completions are the N of its --shard auto/N, and the same scan options (all scan's) in all
    three stages."""
    import yaml  # python3-yaml (a dependency of postfix-mta-sts-resolver; install-deps lists it)
    blocks = re.findall(r"^```yaml\n(.*?)^```", _doc(ctx), re.S | re.M)
    docs = [d for b in blocks for d in yaml.safe_load_all(b) if d is not None]
    assert all("apiVersion" in d and "kind" in d for d in docs), docs
    claims = [d for d in docs if d["kind"] == "PersistentVolumeClaim"]
    assert len(claims) == 1 and claims[0]["spec"]["accessModes"] == ["ReadWriteMany"], claims
    claim = claims[0]["metadata"]["name"]
    jobs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Job"}
    assert sorted(jobs) == ["mxsurvey-merge", "mxsurvey-probe", "mxsurvey-resolve"], sorted(jobs)
    args, mounts = {}, {}
    for name, job in jobs.items():
        assert job["apiVersion"] == "batch/v1", job
        pod = job["spec"]["template"]["spec"]
        assert pod["restartPolicy"] in ("Never", "OnFailure"), pod
        (c,) = pod["containers"]
        assert c["command"] == ["mxsurvey"], c
        args[name.split("-")[1]] = [str(a) for a in c["args"]]
        vols = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]}
        mounts[name] = {m["mountPath"] for m in c["volumeMounts"] if vols.get(m["name"]) == claim}
        assert mounts[name], "%s does not mount the claim %s" % (name, claim)
    assert len(set(map(frozenset, mounts.values()))) == 1, mounts
    probe = jobs["mxsurvey-probe"]["spec"]
    assert probe["completionMode"] == "Indexed", probe
    assert 1 <= probe["parallelism"] <= probe["completions"], probe
    if "backoffLimitPerIndex" in probe:
        assert probe["template"]["spec"]["restartPolicy"] == "Never", "backoffLimitPerIndex needs Never"
    for name in ("mxsurvey-resolve", "mxsurvey-merge"):
        spec = jobs[name]["spec"]
        assert spec.get("completionMode", "NonIndexed") == "NonIndexed", spec
        assert spec.get("completions", 1) == 1 and spec.get("parallelism", 1) == 1, spec
    res, prb, mrg = args["resolve"], args["probe"], args["merge"]
    assert res[0] == "resolve" and res[-3] == "--out" and "--shard" not in res, res
    d = res[-2]
    assert prb[:3] == ["probe", "--shard", "auto/%d" % probe["completions"]] and prb[-1] == d, prb
    assert mrg[0] == "merge" and mrg[-1] == d, mrg
    opts = res[1:-3]
    assert prb[3:-1] == opts and mrg[1:-1] == opts, "the stages' scan options differ"
    known = _scan_option_names(ctx)
    assert {o for o in opts if o.startswith("--")} <= known, set(o for o in opts if o.startswith("--")) - known
