"""Both cores: `scan --threads N` (src/sched/sched_thread.c; docs/architecture.md, sched).

- A world scan with --threads 1, 2 and 3 writes the same records (apart from order and the
  timing fields) and the same chains; run.json records the option and the counts of what was
  found agree.
- The scale world (`scripts/world gen-scale`) with --threads 2: every input line has its one
  record, every endpoint a --threads 1 scan finds is there, nothing is pending.
- --per-ip stays exact with endpoints sharded over the loops: silent names on a few addresses,
  the fixture's connection log shows at most --per-ip connections per address at once.
- SIGINT with --threads 2: exit 1, whole files, pending.txt, and --resume completes the folder.
- The ThreadSanitizer build (make tsan, build/tsan) scans the world with --threads 2 and 3, and
  once stopped by SIGINT twice (stop, abort, close with work in flight), and reports nothing."""
import collections
import json
import os
import signal
import subprocess
import tempfile
import time

from helpers import sh
from test_scan import ALLOW, read_jsonl, scan_args
from test_resume import non_skip_lines
from test_scale import _world

# Fields that say when or how fast (compare-scans' list), and which endpoint of an address
# finished first (it names the version probe's SNI: timing, in any run).
TIMING = {"elapsed_ms", "started", "finished", "duration_ms", "time_ms", "tls_max_from"}


def _strip(v):
    if isinstance(v, dict):
        return {k: _strip(x) for k, x in v.items() if k not in TIMING}
    if isinstance(v, list):
        return [_strip(x) for x in v]
    return v


def _chains(d):
    c = os.path.join(d, "chains")
    if not os.path.isdir(c):
        return {}
    out = {}
    for n in sorted(os.listdir(c)):
        with open(os.path.join(c, n)) as f:
            out[n] = f.read()
    return out


def _world_scan(ctx, threads, binary=None, env=None):
    out = tempfile.mkdtemp(prefix="mxs-threads%d-" % threads)
    args = scan_args(ctx, "--ipv6", "--threads", str(threads), "--out", out,
                     os.path.join(ctx.root, "data/world/domains.txt"))
    if binary:
        args[0] = binary
    r = sh(args, timeout=600, env=env)
    return r, out


def _records(out):
    hosts = {(h["mx_host"], h["ip"]): _strip(h) for h in read_jsonl(os.path.join(out, "hosts.jsonl"))}
    doms = {x["line"]: _strip(x) for x in read_jsonl(os.path.join(out, "domains.jsonl"))}
    return hosts, doms


def test_threads_same_records(ctx):
    res = {}
    for n in (1, 2, 3):
        r, out = _world_scan(ctx, n)
        assert r.returncode == 0, "--threads %d: exit %d: %s" % (n, r.returncode, r.stderr)
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        assert run["options"]["threads"] == n, run["options"]
        res[n] = (_records(out), _chains(out), run["counts"])
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
    d = tempfile.mkdtemp(prefix="mxs-threads-scale-")
    wf, lst = os.path.join(d, "world.conf"), os.path.join(d, "list.txt")
    sh([os.path.join(ctx.root, "scripts/world"), "gen-scale", "--domains", "3000", "--hosts", "150",
        "--out", wf, "--list", lst], check=True)
    with open(wf) as f:
        text = f.read().replace("127.53.1.1:5300", "127.53.5.1:5300")
    with open(wf, "w") as f:
        f.write(text)
    env = dict(MXS_WORLD_FILE=wf, MXS_WORLD_DIR=os.path.join(ctx.build, "world-threads-scale"))
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


def _max_at_once(log, port):
    """Per listener address, the most connections open at once, from the fixture's log
    (accept ... finish). A connection the scanner closed is seen closed by the fixture a little
    later: each one counts from its accept until SLACK before its finish, so that a close and
    the next accept in the same instant do not look like two at once; a silent connection
    lasts the scanner's whole --timeout, far longer."""
    slack = 0.3
    conns = {}
    with open(log, errors="replace") as f:
        for line in f:
            p = line.split(" ", 3)
            if len(p) < 4 or not p[1].startswith("c"):
                continue
            addr, cid, ts, what = p[0], p[1], float(p[2]), p[3]
            if not addr.endswith(":%d" % port):
                continue
            if what.startswith("accept from "):
                conns[(addr, cid)] = [ts, None]
            elif what.startswith("finish ") and (addr, cid) in conns:
                conns[(addr, cid)][1] = ts
    events = collections.defaultdict(list)
    for (addr, _), (t0, t1) in conns.items():
        assert t1 is not None, "a connection to %s never finished" % addr
        events[addr] += [(t0, 1), (max(t0, t1 - slack), -1)]
    most = {}
    for addr, ev in events.items():
        cur = top = 0
        for _, step in sorted(ev, key=lambda e: (e[0], e[1])):
            cur += step
            top = max(top, cur)
        most[addr] = top
    return most


def test_threads_keep_per_ip(ctx):
    n_addr, names = 4, 6
    lines = ["set resolver 127.53.6.1:5300", "set smtp_port 2525", "set zones example"]
    for a in range(n_addr):
        hosts = ",".join("s%d-%d.perip.example" % (a, i) for i in range(names))
        lines.append("endpoint 127.73.0.%d host=%s silent=yes" % (a + 1, hosts))
        lines += ["domain d%d-%d.perip.example mx=10:s%d-%d.perip.example" % (a, i, a, i)
                  for i in range(names)]
    d, env = _world(ctx, "perip", "\n".join(lines) + "\n")
    r = ctx.world_cmd("up", **env)
    assert r.returncode == 0, r.stderr
    try:
        lst = os.path.join(d, "list.txt")
        with open(lst, "w") as f:
            f.write("".join("d%d-%d.perip.example\n" % (a, i) for a in range(n_addr) for i in range(names)))
        out = os.path.join(d, "out")
        t0 = time.time()
        r = sh([ctx.mxsurvey, "scan", "--resolver", "127.53.6.1:5300", "--port", "2525", *ALLOW,
                "--quiet", "--timeout", "1", "--no-infer", "--no-version-probe", "--per-ip", "2",
                "--threads", "2", "--out", out, lst], timeout=120)
        took = time.time() - t0
        assert r.returncode == 0, r.stderr
        hosts = read_jsonl(os.path.join(out, "hosts.jsonl"))
        assert len(hosts) == n_addr * names and {h["status"] for h in hosts} == {"timeout"}, hosts
        most = _max_at_once(os.path.join(env["MXS_WORLD_DIR"], "fixture-conn.log"), 2525)
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
    for n in (2, 3):
        log = os.path.join(logdir, "tsan-%d" % n)
        env = dict(os.environ, TSAN_OPTIONS="halt_on_error=1 exitcode=66 log_path=%s suppressions=%s" % (
            log, SUPP))
        r, out = _world_scan(ctx, n, binary=tsan, env=env)
        reports = [os.path.join(logdir, f) for f in os.listdir(logdir) if f.startswith("tsan-%d." % n)]
        text = "".join(open(p, errors="replace").read() for p in reports)
        assert not text, "ThreadSanitizer, --threads %d:\n%s" % (n, text[:6000])
        assert r.returncode == 0, "--threads %d under tsan: exit %d: %s" % (n, r.returncode, r.stderr[-3000:])
        hosts, doms = _records(out)
        assert len(hosts) > 20 and len(doms) > 20, (len(hosts), len(doms))
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
    print("    build/tsan: world scans with --threads 2 and 3, and one stopped by SIGINT twice: no report")
