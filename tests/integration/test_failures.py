"""Never a silent bad night: scans that go wrong say so, in their exit code, on their last line,
in run.json and in report.html. Against the real world resolver (unbound): resolvers that
answer nothing (nothing listening; a socket that swallows every query) stop the scan early;
a list whose queries mostly fail (REFUSED, SERVFAIL, dropped) goes over --max-dns-errors.
A full disk (a small tmpfs in a mount namespace of the test's own) ends with a last line that
says the scan failed. A scan that cannot start (bad CA file or folder, a folder or missing file
as the list, an output folder it cannot make or write) exits 2 and creates nothing."""
import json
import math
import os
import shutil
import socket
import subprocess
import tempfile
import time

from helpers import sh
from test_scan import read_jsonl, scan_args

OUT_OF_ZONE = ["a.mxsurvey-nowhere.org", "b.mxsurvey-nowhere.org"]  # unbound: REFUSED


def world_list(ctx):
    return os.path.join(ctx.root, "data/world/domains.txt")


def with_resolver(args, spec):
    args = list(args)
    args[args.index("--resolver") + 1] = spec
    return args


def last_line(text):
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def load_run(out):
    with open(os.path.join(out, "run.json")) as f:
        return json.load(f)


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ dead resolvers

def test_scan_dead_resolver_nothing_listening(ctx):
    """Nothing listens where the resolver should be (ICMP port unreachable): exit 1, the reason
    on the last line, a finished run.json that says no resolver answered, report.html warns."""
    with tempfile.TemporaryDirectory() as out:
        port = free_udp_port()
        t0 = time.time()
        r = sh(with_resolver(scan_args(ctx, "--out", out, world_list(ctx)), "127.0.0.1:%d" % port), timeout=60)
        took = time.time() - t0
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert "no reply from any resolver (127.0.0.1:%d)" % port in r.stderr, r.stderr
        assert last_line(r.stderr).startswith("mxsurvey scan: FAILED: no resolver answered"), r.stderr
        assert took < 10, took
        run = load_run(out)
        assert run["finished"] and run["interrupted"] is False, run
        c, d = run["counts"], run["dns_errors"]
        assert c["dns_answered"] == 0 and c["dns_failed"] == c["dns_no_reply"] >= 10, c
        assert d["no_answer"] is True and d["exceeded"] is True and d["failed_share"] == 1.0, d
        assert d["message"] and d["message"] in last_line(r.stderr), (d, r.stderr)
        with open(os.path.join(out, "report.html")) as f:
            assert 'data-warning="dns"' in f.read()


def test_scan_dead_resolver_stops_early(ctx):
    """A resolver that swallows every query (a UDP socket nobody reads): the scan stops once 10
    queries have timed out without a single reply, instead of writing a dns-error record for
    every domain of the list after its full timeouts."""
    with tempfile.TemporaryDirectory() as out, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hole:
        hole.bind(("127.0.0.1", 0))
        spec = "127.0.0.1:%d" % hole.getsockname()[1]
        # 4 queries at a time, 3 tries of 0.2 s each: 10 failures take 3 rounds (~1.8 s); the
        # list's 49 domains would take 13 (~8 s).
        # --no-policy: the MX queries alone, so that the rounds are counted as above (the
        # policy lookups' TXT queries would fail the same way, only sooner).
        args = with_resolver(scan_args(ctx, "--out", out, "--no-policy", "--dns-concurrency", "4",
                                       world_list(ctx)), spec)
        args[args.index("--dns-timeout") + 1] = "0.2"
        t0 = time.time()
        r = sh(args, timeout=60)
        took = time.time() - t0
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert "no reply from any resolver (%s)" % spec in r.stderr, r.stderr
        assert took < 5, "took %.1f s: did not stop early" % took
        doms = read_jsonl(os.path.join(out, "domains.jsonl"))
        dns_errors = [d for d in doms if d["status"] == "dns-error"]
        assert 10 <= len(dns_errors) <= 16, len(dns_errors)
        assert all("timeout" in d["error"] for d in dns_errors), dns_errors[:2]
        run = load_run(out)
        assert run["finished"] and run["dns_errors"]["no_answer"] is True, run
        assert run["counts"]["domains"] == len(doms) < run["counts"]["lines"], run["counts"]


# ------------------------------------------------------------------ too many DNS failures

def test_scan_dns_failures_over_the_limit(ctx):
    """Mostly failing queries (REFUSED twice, SERVFAIL, one dropped) against the real
    resolver: the scan finishes every domain but exits 1; stderr, run.json and report.html say
    so. REFUSED is a reply: not a dead resolver. --max-dns-errors 90 lets the same run pass."""
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "in.txt")
        names = ["refused.example", "drop.example", "servfail.example", "exact.example"] + OUT_OF_ZONE
        with open(lst, "w") as f:
            f.write("".join(n + "\n" for n in names))
        out = os.path.join(d, "out")
        # --no-policy: the MX and address queries alone, counted exactly below.
        r = sh(scan_args(ctx, "--out", out, "--no-policy", lst), timeout=60)
        assert r.returncode == 1, (r.returncode, r.stderr)
        run = load_run(out)
        c, dns = run["counts"], run["dns_errors"]
        # exact.example: MX, A, AAAA, PTR answered; 5 MX queries failed, 1 without a reply.
        assert (c["dns_answered"], c["dns_failed"], c["dns_no_reply"]) == (4, 5, 1), c
        assert math.isclose(dns["failed_share"], 5 / 9, rel_tol=1e-12) and dns["limit"] == 0.2, dns
        assert dns["exceeded"] is True and dns["no_answer"] is False, dns
        assert dns["message"].startswith("55.6% of DNS queries failed (5 of 9: 1 without a reply"), dns
        assert last_line(r.stderr) == "mxsurvey scan: FAILED: %s; see %s" % (dns["message"], out), r.stderr
        assert "no reply from any resolver" not in r.stderr, r.stderr
        doms = {x["domain"]: x["status"] for x in read_jsonl(os.path.join(out, "domains.jsonl"))}
        assert doms == {**{n: "dns-error" for n in names if n != "exact.example"}, "exact.example": "ok"}, doms
        with open(os.path.join(out, "report.html")) as f:
            html = f.read()
        assert '<p class="warn" data-warning="dns">DNS failed too often in this run: 55.6% of DNS queries' in html
        with open(os.path.join(out, "summary.json")) as f:
            assert json.load(f)["meta"]["dns_errors"] == dns

        out2 = os.path.join(d, "out2")
        r = sh(scan_args(ctx, "--out", out2, "--no-policy", "--max-dns-errors", "90%", lst), timeout=60)
        assert r.returncode == 0, (r.returncode, r.stderr)
        dns = load_run(out2)["dns_errors"]
        assert dns["limit"] == 0.9 and dns["exceeded"] is False and dns["message"] is None, dns
        with open(os.path.join(out2, "report.html")) as f:
            assert 'data-warning="dns"' not in f.read()


# ------------------------------------------------------------------ a full disk

def test_scan_full_disk_says_so_last(ctx):
    """The output folder on a 24 KB tmpfs (mounted in a mount namespace of this test's own,
    gone with it): exit 1, and the last line says the scan failed and why, never "results in"."""
    with tempfile.TemporaryDirectory() as d:
        mnt, keep = os.path.join(d, "mnt"), os.path.join(d, "copy")
        os.mkdir(mnt)
        args = [a for a in scan_args(ctx, "--out", os.path.join(mnt, "out"), world_list(ctx)) if a != "--quiet"]
        script = ('mount -t tmpfs -o size=24k mxs-full "$1" || exit 99; shift; "$@"; rc=$?; '
                  'cp -a "%s/out" "%s"; exit $rc' % (mnt, keep))
        r = sh(["unshare", "-m", "--propagation", "private", "bash", "-c", script, "x", mnt, *args], timeout=120)
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        last = last_line(r.stderr)
        assert last.startswith("mxsurvey scan: FAILED: writing the records to %s/out failed: No space left on device"
                               % mnt), r.stderr
        assert "results in" not in r.stdout + r.stderr and "complete" not in r.stdout, (r.stdout, r.stderr)
        assert os.listdir(mnt) == [], "the tmpfs leaked out of the test's mount namespace"
        # The run could not even write its end: the folder reads as unfinished, and report
        # refuses it rather than make figures of a part.
        with open(os.path.join(keep, "run.json")) as f:
            assert json.load(f)["finished"] is None
        r = sh([ctx.mxsurvey, "report", keep])
        assert r.returncode == 2 and "unfinished scan" in r.stderr, (r.returncode, r.stderr)
        # Never a cut line: the write that failed was cut back to the last whole line, and
        # nothing was written after it (every domain's endpoints are in hosts.jsonl).
        hosts = read_jsonl(os.path.join(keep, "hosts.jsonl"))
        doms = read_jsonl(os.path.join(keep, "domains.jsonl"))
        have = {(h["mx_host"], h["ip"]) for h in hosts}
        assert all((e["mx_host"], e["ip"]) in have for d in doms for e in d["endpoints"]), doms
        # Once there is room, --resume finishes it, and report reads every line.
        r = sh(scan_args(ctx, "--resume", keep, world_list(ctx)), timeout=120)
        assert r.returncode == 0, (r.returncode, r.stderr)
        r = sh([ctx.mxsurvey, "report", "--quiet", keep])
        assert r.returncode == 0, (r.returncode, r.stderr)
        with open(os.path.join(keep, "summary.json")) as f:
            s = json.load(f)
        assert s["domains"]["total"] == s["meta"]["counts"]["lines"], s["domains"]


# ------------------------------------------------------------------ a failed start

BAD_CERT = "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n"


def test_scan_failed_start_creates_nothing(ctx):
    """Every way a scan can refuse to start: exit 2, a message that says what is wrong in
    words, and nothing created: not the output folder, nor its parents."""
    with tempfile.TemporaryDirectory() as d:
        def path(name, text=None):
            p = os.path.join(d, name)
            if text is not None:
                with open(p, "w") as f:
                    f.write(text)
            return p
        empty, bad1, bad3 = path("empty.pem", ""), path("bad1.pem", BAD_CERT), path("bad3.pem", BAD_CERT * 3)
        certs = os.path.join(d, "certs")
        os.mkdir(certs)
        path("certs/README", "no certificate here\n")
        lst = path("in.txt", "exact.example\n")
        cases = [
            (["--ca-file", "/etc/ssl/certs"], "CA file /etc/ssl/certs is a directory; use --ca-path /etc/ssl/certs"),
            (["--ca-file", path("missing.pem")], "cannot read CA file %s: No such file or directory" % path("missing.pem")),
            (["--ca-file", empty], "CA file %s holds no certificate" % empty),
            (["--ca-file", bad1], "CA file %s: its certificate could not be parsed (" % bad1),
            (["--ca-file", bad3], "CA file %s: none of its 3 certificates could be parsed (first error: " % bad3),
            (["--ca-path", lst], "CA path %s is not a directory; use --ca-file %s" % (lst, lst)),
            (["--ca-path", certs], "CA path %s holds no certificate (1 files" % certs),
            (["--max-dns-errors", "200"], "--max-dns-errors 200: expected a percentage, 0-100"),
            (["--resolver", "not-an-ip"], "--resolver not-an-ip: not an IP address"),
        ]
        out = os.path.join(d, "runs", "today")
        for extra, want in cases:
            r = sh(scan_args(ctx, "--out", out, *extra, lst))
            assert r.returncode == 2, (extra, r.returncode, r.stderr)
            assert want in r.stderr, (extra, want, r.stderr)
            assert not os.path.exists(os.path.dirname(out)), (extra, "left", os.listdir(d))
        # The list: a folder, a missing file.
        for operand, want in ((d, "cannot open %s: it is a directory, not a domain list" % d),
                              (path("nolist.txt"), "cannot open %s: No such file or directory" % path("nolist.txt"))):
            r = sh(scan_args(ctx, "--out", out, operand))
            assert r.returncode == 2 and want in r.stderr, (operand, r.returncode, r.stderr)
            assert not os.path.exists(os.path.dirname(out))
        # The output folder: below a file; on a read-only file system.
        r = sh(scan_args(ctx, "--out", os.path.join(lst, "out"), lst))
        assert r.returncode == 2 and "cannot create %s/out: %s is not a directory" % (lst, lst) in r.stderr, r.stderr
        ro = os.path.join(d, "ro")
        os.mkdir(ro)
        script = 'mount -t tmpfs -o ro mxs-ro "$1" || exit 99; shift; exec "$@"'
        r = sh(["unshare", "-m", "--propagation", "private", "bash", "-c", script, "x", ro,
                *scan_args(ctx, "--out", os.path.join(ro, "out"), lst)])
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "cannot create %s/out: cannot write into %s: Read-only file system" % (ro, ro) in r.stderr, r.stderr
        assert sorted(os.listdir(d)) == ["bad1.pem", "bad3.pem", "certs", "empty.pem", "in.txt", "ro"], os.listdir(d)


def test_scan_unreadable_ca_file(ctx):
    """As an unprivileged user (root reads anything): a CA file it may not read."""
    if not shutil.which("setpriv"):
        raise AssertionError("setpriv (util-linux) is missing")
    d = tempfile.mkdtemp(prefix="mxs-unpriv-")
    try:
        os.chmod(d, 0o777)
        ca = os.path.join(d, "ca.pem")
        shutil.copyfile(os.path.join(ctx.certs, "ca.pem"), ca)
        os.chmod(ca, 0o600)
        lst = os.path.join(d, "in.txt")
        with open(lst, "w") as f:
            f.write("exact.example\n")
        os.chmod(lst, 0o644)
        out = os.path.join(d, "out")
        args = scan_args(ctx, "--out", out, lst)
        args[args.index("--ca-file") + 1] = ca
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *args],
                           capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "cannot read CA file %s: Permission denied" % ca in r.stderr, r.stderr
        assert not os.path.exists(out)
    finally:
        shutil.rmtree(d)
