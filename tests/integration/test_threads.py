"""Both cores: `scan --threads N` (src/sched/sched_thread.c; docs/architecture.md, sched).

- A world scan with --threads 1, 2 and 3 writes the same records (apart from order and the
  timing fields) and the same chains; run.json records the option and the counts of what was
  found agree.
- The scale world (`scripts/world gen-scale`) with --threads 2: every input line has its one
  record, every endpoint a --threads 1 scan finds is there, nothing is pending.
- --per-ip stays exact with endpoints sharded over the loops: silent names on a few addresses,
  the fixture's connection log shows at most --per-ip connections per address at once.
- SIGINT with --threads 2: exit 1, whole files, pending.txt, and --resume completes the folder.
- The ThreadSanitizer build (make tsan, build/tsan) scans the world with --threads 2 and 3, the
  inference shapes with 2 (held endpoints, CMD_FINAL's batches, domains set aside, chains
  shared between the threads), and once stopped by SIGINT twice (stop, abort, close with work
  in flight), and reports nothing."""
import collections
import json
import os
import signal
import subprocess
import tempfile
import time

from helpers import chains_of, max_at_once, scale_world, sh, silent_names_world, strip_timing
from test_scan import ALLOW, read_jsonl, scan_args
from test_resume import non_skip_lines


def _world_scan(ctx, threads, binary=None, env=None, lst=None):
    out = tempfile.mkdtemp(prefix="mxs-threads%d-" % threads)
    args = scan_args(ctx, "--ipv6", "--threads", str(threads), "--out", out,
                     lst or os.path.join(ctx.root, "data/world/domains.txt"))
    if binary:
        args[0] = binary
    r = sh(args, timeout=600, env=env)
    return r, out


def _records(out):
    """A folder's records without their timing: endpoints by (mx_host, ip), domains by line."""
    hosts = {(h["mx_host"], h["ip"]): strip_timing(h) for h in read_jsonl(os.path.join(out, "hosts.jsonl"))}
    doms = {x["line"]: strip_timing(x) for x in read_jsonl(os.path.join(out, "domains.jsonl"))}
    return hosts, doms


def test_threads_same_records(ctx):
    res = {}
    for n in (1, 2, 3):
        r, out = _world_scan(ctx, n)
        assert r.returncode == 0, "--threads %d: exit %d: %s" % (n, r.returncode, r.stderr)
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        assert run["options"]["threads"] == n, run["options"]
        res[n] = (_records(out), chains_of(out), run["counts"])
    (hosts1, doms1), chains1, counts1 = res[1]
    assert len(hosts1) > 20 and len(doms1) > 20, (len(hosts1), len(doms1))
    for n in (2, 3):
        (hosts, doms), chains, counts = res[n]
        assert set(hosts) == set(hosts1), ("--threads %d" % n, set(hosts) ^ set(hosts1))
        for k in hosts1:
            assert hosts[k] == hosts1[k], ("--threads %d" % n, k, hosts[k], hosts1[k])
        assert doms == doms1, ("--threads %d" % n, [k for k in doms1 if doms.get(k) != doms1[k]])
        assert chains == chains1, "--threads %d: chains/ differ" % n
        # what was found and what it took, counted: the same (domains resolve on one loop)
        for k in ("lines", "domains", "endpoints", "probed", "inferred", "connections", "chains",
                  "dns_queries"):
            assert counts.get(k) == counts1.get(k), (k, n, counts.get(k), counts1.get(k))
    print("    %d endpoints, %d domains: identical with --threads 1, 2, 3" % (len(hosts1), len(doms1)))


def test_threads_scale_world_every_line(ctx):
    d, lst, env = scale_world(ctx, "threads-scale", 3000, 150, "127.53.5.1:5300")
    r = ctx.world_cmd("up", timeout=300, **env)
    assert r.returncode == 0, r.stderr
    try:
        outs = {}
        for n in (1, 2):
            out = os.path.join(d, "out%d" % n)
            r = sh([ctx.mxsurvey, "scan", "--resolver", "127.53.5.1:5300", "--port", "2525", *ALLOW,
                    "--ehlo", "scanner.test", "--quiet", "--timeout", "2", "--threads", str(n),
                    "--out", out, lst], timeout=600)
            assert r.returncode == 0, (n, r.stderr[-2000:])
            outs[n] = out
        lines = [n for n, _ in non_skip_lines(lst)]
        doms = read_jsonl(os.path.join(outs[2], "domains.jsonl"))
        assert sorted(x["line"] for x in doms) == lines, "lines without (or with two) records"
        assert not os.path.exists(os.path.join(outs[2], "pending.txt"))
        keys = {n: collections.Counter((h["mx_host"], h["ip"])
                                       for h in read_jsonl(os.path.join(outs[n], "hosts.jsonl")))
                for n in outs}
        assert max(keys[2].values()) == 1, "an endpoint written twice"
        assert set(keys[2]) == set(keys[1]), set(keys[2]) ^ set(keys[1])
        with open(os.path.join(outs[2], "run.json")) as f:
            c = json.load(f)["counts"]
        assert c["domains"] == len(lines) and c["pending"] == 0, c
        print("    scale world, %d lines, %d endpoints: all there with --threads 2" %
              (len(lines), len(keys[2])))
    finally:
        ctx.world_cmd("down", **env)


def test_threads_keep_per_ip(ctx):
    n_addr, names = 4, 6
    d, lst, env = silent_names_world(ctx, "perip", "127.53.6.1:5300", "127.73.0", n_addr, names)
    r = ctx.world_cmd("up", **env)
    assert r.returncode == 0, r.stderr
    try:
        out = os.path.join(d, "out")
        t0 = time.time()
        r = sh([ctx.mxsurvey, "scan", "--resolver", "127.53.6.1:5300", "--port", "2525", *ALLOW,
                "--quiet", "--timeout", "1", "--no-infer", "--no-version-probe", "--per-ip", "2",
                "--threads", "2", "--out", out, lst], timeout=120)
        took = time.time() - t0
        assert r.returncode == 0, r.stderr
        hosts = read_jsonl(os.path.join(out, "hosts.jsonl"))
        assert len(hosts) == n_addr * names and {h["status"] for h in hosts} == {"timeout"}, hosts
        most = max_at_once(os.path.join(env["MXS_WORLD_DIR"], "fixture-conn.log"), 2525)
        assert len(most) == n_addr, most
        assert all(v == 2 for v in most.values()), "connections at once per address: %s" % most
        # six names two at a time: three rounds of the 1 s timeout, the addresses side by side
        assert 2.9 <= took < 3 * 1 + 5, took
        print("    %d addresses x %d silent names, --per-ip 2, --threads 2: %s at once, %.1f s" %
              (n_addr, names, sorted(set(most.values())), took))
    finally:
        ctx.world_cmd("down", **env)


def test_threads_sigint_then_resume(ctx):
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "list.txt")
        with open(os.path.join(ctx.root, "data/world/domains.txt"), "rb") as f:
            text = f.read()
        with open(lst, "wb") as f:
            f.write(text + b"silent.example\nslow.example\n")
        out = os.path.join(d, "out")
        args = scan_args(ctx, "--ipv6", "--threads", "2", "--out", out, lst)
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.8)
        t0 = time.time()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
        took = time.time() - t0
        assert p.returncode == 1, (p.returncode, err[-2000:])
        assert took < 8, "stopping took %.1f s" % took
        doms = read_jsonl(os.path.join(out, "domains.jsonl"))  # whole lines
        read_jsonl(os.path.join(out, "hosts.jsonl"))
        done = {x["line"] for x in doms}
        want = [raw for n, raw in non_skip_lines(lst) if n not in done]
        assert want, "the signal came too late: nothing was pending"
        with open(os.path.join(out, "pending.txt"), "rb") as f:
            assert f.read() == b"".join(w + b"\n" for w in want)
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        assert run["interrupted"] is True and run["counts"]["pending"] == len(want), run["counts"]
        args = scan_args(ctx, "--ipv6", "--threads", "2", "--resume", out, lst)
        r = sh(args, timeout=180)
        assert r.returncode == 0, r.stderr[-2000:]
        doms = read_jsonl(os.path.join(out, "domains.jsonl"))
        assert sorted(x["line"] for x in doms) == [n for n, _ in non_skip_lines(lst)]
        keys = collections.Counter((h["mx_host"], h["ip"]) for h in read_jsonl(os.path.join(out, "hosts.jsonl")))
        assert max(keys.values()) == 1, "an endpoint written twice"
        assert not os.path.exists(os.path.join(out, "pending.txt"))


# libuv closes descriptors with syscall(SYS_close) (uv__close_nocancel), which ThreadSanitizer
# cannot intercept (google/sanitizers#1376): a descriptor a loop's thread closed and the run's
# thread got again from the kernel (a chain file after a socket) reads as a race on the
# descriptor. tsan.supp lists those descriptor calls, and nothing else.
SUPP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tsan.supp")


def test_threads_under_thread_sanitizer(ctx):
    tsan = os.path.join(ctx.root, "build/tsan/mxsurvey")
    assert os.access(tsan, os.X_OK), "no %s: make tsan (tests/run builds it)" % tsan
    logdir = tempfile.mkdtemp(prefix="mxs-tsan-")
    # The inference shapes too (addresses with many names: the held endpoints, CMD_FINAL's
    # batches, the domains set aside, the shared chains), which domains.txt leaves out.
    from test_infer import WORLD_INFER_DOMAINS
    infer_list = os.path.join(logdir, "infer.txt")
    with open(infer_list, "w") as f:
        f.write("".join(d + "\n" for d in WORLD_INFER_DOMAINS))
    for n, lst in ((2, None), (3, None), (2, infer_list)):
        tag = "%d%s" % (n, "-infer" if lst else "")
        log = os.path.join(logdir, "tsan-%s" % tag)
        env = dict(os.environ, TSAN_OPTIONS="halt_on_error=1 exitcode=66 log_path=%s suppressions=%s" % (
            log, SUPP))
        r, out = _world_scan(ctx, n, binary=tsan, env=env, lst=lst)
        reports = [os.path.join(logdir, f) for f in os.listdir(logdir) if f.startswith("tsan-%s." % tag)]
        text = "".join(open(p, errors="replace").read() for p in reports)
        assert not text, "ThreadSanitizer, --threads %s:\n%s" % (tag, text[:6000])
        assert r.returncode == 0, "--threads %s under tsan: exit %d: %s" % (tag, r.returncode, r.stderr[-3000:])
        hosts, doms = _records(out)
        assert len(hosts) > 20 and len(doms) > 20, (len(hosts), len(doms))
        if lst:
            inferred = [h for h in hosts.values() if h["inference"] == "sni-insensitive"]
            assert inferred, "no inferred record: the inference paths were not exercised"
            assert not [f for f in os.listdir(out) if f.startswith(".")], os.listdir(out)
    # the stop's paths: SIGINT (stop, grace), a second one (abort), the close with probes and
    # lookups in flight, across the threads
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "list.txt")
        with open(os.path.join(ctx.root, "data/world/domains.txt")) as f:
            text = f.read()
        with open(lst, "w") as f:
            f.write(text + "silent.example\nslow.example\n")
        log = os.path.join(logdir, "tsan-stop")
        env = dict(os.environ, TSAN_OPTIONS="halt_on_error=1 exitcode=66 log_path=%s suppressions=%s" % (
            log, SUPP))
        args = scan_args(ctx, "--ipv6", "--threads", "2", "--out", os.path.join(d, "out"), lst)
        args[0] = tsan
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        time.sleep(1.0)
        p.send_signal(signal.SIGINT)
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        reports = [os.path.join(logdir, f) for f in os.listdir(logdir) if f.startswith("tsan-stop.")]
        text = "".join(open(x, errors="replace").read() for x in reports)
        assert not text, "ThreadSanitizer, SIGINT twice:\n%s" % text[:6000]
        assert p.returncode == 1, (p.returncode, err[-3000:])
    print("    build/tsan: world scans with --threads 2 and 3, the inference shapes with 2, and one stopped by SIGINT twice: no report")
