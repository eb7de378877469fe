"""A survey that is safe to point at the Internet (issue 9): what is never probed (the default
blocklist of special-purpose addresses, --allow, --blocklist), the caps (--max-mx, --max-addrs,
`truncated`) and the source address (--source-ip, --source-ip6).

What is blocked is tested without sending a packet anywhere: in a network namespace of its own
(only `lo`, holding the special-purpose addresses under test), with a resolver of its own
(unbound, configured by the world harness's own code) answering MX and A/AAAA records that name
them, a listener on every local address, and the scan under strace: every connect() it makes is
seen, and so is every connection that reaches the listener."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from helpers import sh
from test_fidelity import as_host, check_args, ehlo_lines
from test_scan import ALLOW, read_jsonl, scan_args
import world  # tests/world/world.py: unbound_conf()
import worldfile

# ------------------------------------------------------------------ a namespace of its own

RESOLVER = ("127.0.0.53", 5300)
PORT = 2525
ZONE = "blocked.test"
# Domain label -> the addresses its one MX host (mx.LABEL.blocked.test) has: one each, every
# kind of special-purpose address a record could aim the scanner at.
TARGETS = {
    "zero": "0.0.0.0",                 # this host, on Linux
    "unspec": "::",                    # this host too
    "metadata": "169.254.169.254",     # the cloud metadata service
    "private": "10.1.2.3",
    "cgnat": "100.64.0.1",
    "doc": "192.0.2.1",
    "mcast": "224.0.0.1",
    "loop": "127.0.0.1",               # where this namespace's own resolver and listener are
    "mapped": "::ffff:10.0.0.1",
    "mappedlocal": "::ffff:10.1.2.3",  # an IPv4 address of this namespace, from an IPv6 socket
    "nat64": "64:ff9b::a00:1",
    "sixtofour": "2002:a00:1::1",
    "linklocal": "fe80::1",
    "ula": "fd00::1",
}
REASONS = {
    "zero": '0.0.0.0/32 ("This host on this network", RFC 1122, Section 3.2.1.3)',
    "unspec": "::/128 (Unspecified Address, RFC 4291)",
    "metadata": "169.254.0.0/16 (Link Local, RFC 3927)",
    "private": "10.0.0.0/8 (Private-Use, RFC 1918)",
    "cgnat": "100.64.0.0/10 (Shared Address Space, RFC 6598)",
    "doc": "192.0.2.0/24 (Documentation (TEST-NET-1), RFC 5737)",
    "mcast": "224.0.0.0/4 (Multicast, RFC 5771)",
    "loop": "127.0.0.0/8 (Loopback, RFC 1122, Section 3.2.1.3)",
    "mapped": "10.0.0.0/8 (Private-Use, RFC 1918) via ::ffff:0:0/96 (IPv4-mapped Address, RFC 4291)",
    "mappedlocal": "10.0.0.0/8 (Private-Use, RFC 1918) via ::ffff:0:0/96 (IPv4-mapped Address, RFC 4291)",
    "nat64": "10.0.0.0/8 (Private-Use, RFC 1918) via 64:ff9b::/96 (IPv4-IPv6 Translat., RFC 6052)",
    "sixtofour": "10.0.0.0/8 (Private-Use, RFC 1918) via 2002::/16 (6to4, RFC 3056)",
    "linklocal": "fe80::/10 (Link-Local Unicast, RFC 4291)",
    "ula": "fc00::/7 (Unique-Local, RFC 4193, RFC 8190)",
}
# Addresses put on the namespace's lo, so that a connection to them would be accepted and seen.
LOCAL = ["10.1.2.3/32", "100.64.0.1/32", "192.0.2.1/32", "169.254.169.254/32", "10.9.9.9/32",
         "fe80::1/128", "fd00::1/128", "fd00::77/128"]

# A small SMTP server on every address of the namespace (port PORT, IPv4 and IPv6): logs each
# connection's local and peer address and each line it receives, answers EHLO without STARTTLS.
LISTENER = r'''
import socket, sys, threading
log = open(sys.argv[1], "a", buffering=1)
srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
srv.bind(("::", int(sys.argv[2])))
srv.listen(64)
open(sys.argv[3], "w").close()  # listening: no test connection needed (it would be logged)
def serve(c):
    f = c.makefile("rwb", buffering=0)
    f.write(b"220 listener.test ESMTP\r\n")
    for line in f:
        line = line.rstrip(b"\r\n").decode("ascii", "replace")
        log.write("line %s\n" % line)
        if line.upper().startswith("EHLO"):
            f.write(b"250 listener.test\r\n")
        elif line.upper() == "QUIT":
            f.write(b"221 bye\r\n")
            break
        else:
            f.write(b"502 no\r\n")
    c.close()
while True:
    c, peer = srv.accept()
    log.write("accept local=%s peer=%s\n" % (c.getsockname()[0], peer[0]))
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'''


class Netns:
    """A network namespace held by a `sleep` of ours; commands enter it with nsenter."""

    def __init__(self, d):
        self.dir = d
        self.procs = []
        # Its own stdout: a child holding the runner's pipe would keep a reader waiting.
        self.holder = subprocess.Popen(["unshare", "-n", "sleep", "3600"], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(self.holder)
        try:
            # Until unshare has made the namespace (and exec'd sleep), nsenter -t would enter
            # ours: wait for the holder to be in a network namespace of its own.
            t0 = time.time()
            while not self._separate():
                assert time.time() - t0 < 10, "unshare -n made no network namespace"
                time.sleep(0.02)
            self._setup()
        except BaseException:
            self.close()
            raise

    def _setup(self):
        d = self.dir
        self.run(["ip", "link", "set", "lo", "up"], check=True)
        for a in LOCAL:
            self.run(["ip", "addr", "add", a, "dev", "lo"], check=True)
        # The resolver: the world harness's unbound configuration, for a world of these names.
        w = worldfile.World()
        w.settings.update(resolver="%s:%d" % RESOLVER, zones=ZONE)
        for label, ip in TARGETS.items():
            dom = worldfile.Domain("%s.%s" % (label, ZONE))
            dom.mx = [(10, "mx." + dom.name)]
            host = worldfile.Domain("mx." + dom.name)
            host.a = [ip]
            w.domains[dom.name] = dom
            w.domains[host.name] = host
            # An MTA-STS policy host at the same address: the policy fetch goes through the
            # blocklist too (no connection; mta_sts.status blocked).
            sts = worldfile.Domain("mta-sts." + dom.name)
            sts.a = [ip]
            w.domains[sts.name] = sts
            w.txts.append(("_mta-sts." + dom.name, "v=STSv1; id=1"))
        conf = os.path.join(d, "unbound.conf")
        with open(conf, "w") as f:
            f.write(world.unbound_conf(w, d))
        self.spawn(["unbound", "-d", "-c", conf], "unbound.log")
        self.spawn(["python3", "-c", LISTENER, os.path.join(d, "listener.log"), str(PORT),
                    os.path.join(d, "listener.ready")], "listener.err")
        t0 = time.time()
        while not self._ready():
            if time.time() - t0 > 20:
                logs = ""
                for name in ("unbound.log", "listener.err"):
                    with open(os.path.join(d, name), errors="replace") as f:
                        logs += "\n%s: %s" % (name, f.read()[-1500:])
                raise AssertionError("the namespace's unbound or listener did not come up" + logs)
            time.sleep(0.1)

    def _separate(self):
        try:
            with open("/proc/%d/comm" % self.holder.pid) as f:
                comm = f.read().strip()
            return comm == "sleep" and \
                os.readlink("/proc/%d/ns/net" % self.holder.pid) != os.readlink("/proc/self/ns/net")
        except OSError:
            return False

    def _ready(self):
        r = self.run(["drill", "-p", str(RESOLVER[1]), "@" + RESOLVER[0], "mx.doc." + ZONE, "A"])
        if "192.0.2.1" not in r.stdout:
            return False
        return os.path.exists(os.path.join(self.dir, "listener.ready"))

    def enter(self, args):
        return ["nsenter", "-t", str(self.holder.pid), "-n", *args]

    def run(self, args, check=False, timeout=120, **kw):
        return sh(self.enter(args), check=check, timeout=timeout, **kw)

    def spawn(self, args, log):
        with open(os.path.join(self.dir, log), "w") as f:
            self.procs.append(subprocess.Popen(self.enter(args), stdout=f, stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL))

    def close(self):
        for p in reversed(self.procs):  # only the processes this test started, by their PIDs
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def listener_log(self):
        try:
            with open(os.path.join(self.dir, "listener.log")) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []


def ns_scan_args(ctx, ns, out, *extra):
    lst = os.path.join(ns.dir, "list.txt")
    with open(lst, "w") as f:
        f.write("".join("%s.%s\n" % (label, ZONE) for label in TARGETS))
    return [ctx.mxsurvey, "scan", "--resolver", "%s:%d" % RESOLVER, "--port", str(PORT), "--ipv6",
            "--timeout", "2", "--dns-timeout", "0.5", "--ehlo", "scanner.test", "--quiet", "--out", out,
            *extra, lst]


def ns_scan(ctx, ns, out, *extra):
    """mxsurvey scan of every TARGETS domain inside ns, under strace; returns (process,
    [(address, port) of every connect()])."""
    trace = os.path.join(ns.dir, "strace-%s.txt" % os.path.basename(out))
    # LeakSanitizer cannot work under ptrace (a sanitizer build): the same scan runs without
    # strace too (test_blocked_addresses_are_never_contacted), where leaks are looked for.
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
    r = ns.run(["strace", "-f", "-qq", "-e", "trace=connect", "-o", trace,
                *ns_scan_args(ctx, ns, out, *extra)], env=env)
    with open(trace) as f:
        text = f.read()
    connects = []
    for m in re.finditer(r'connect\(\d+, \{sa_family=AF_INET6?, sin6?_port=htons\((\d+)\).*?'
                         r'(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")', text):
        connects.append((m.group(2) or m.group(3), int(m.group(1))))
    # Every connect() strace printed was parsed: none can hide in a form the pattern misses.
    assert len(connects) == text.count("connect("), text
    return r, connects


def by_domain(out):
    hosts = {h["ip"]: h for h in read_jsonl(os.path.join(out, "hosts.jsonl"))}
    doms = {d["domain"].split(".")[0]: d for d in read_jsonl(os.path.join(out, "domains.jsonl"))}
    return hosts, doms


def test_blocked_addresses_are_never_contacted(ctx):
    if not shutil.which("strace"):
        raise AssertionError("strace is missing: scripts/install-deps.sh installs it")
    d = tempfile.mkdtemp(prefix="mxs-netns-")
    ns = Netns(d)
    try:
        # 1. The defaults: every target blocked, nothing connected, nothing asked about them.
        out = os.path.join(d, "default")
        r, connects = ns_scan(ctx, ns, out)
        assert r.returncode == 0, r.stderr
        assert all(c == RESOLVER for c in connects), connects  # DNS over TCP at most
        assert ns.listener_log() == [], ns.listener_log()
        hosts, doms = by_domain(out)
        assert sorted(hosts) == sorted(TARGETS.values()), sorted(hosts)
        errors = []
        for label, ip in TARGETS.items():
            h, dom = hosts[ip], doms[label]
            want = {"status": "blocked", "error": "blocked: " + REASONS[label], "attempts": 0,
                    "ptr": None, "ptr_status": "blocked", "tls": None, "cert": None,
                    "tls_max": None, "tls_max_error": None, "tlsrpt": None}
            for k, v in want.items():
                if h[k] != v:
                    errors.append("%s [%s] %s: %r, expected %r" % (label, ip, k, h[k], v))
            if (dom["pattern"], dom["primary"], dom["endpoints"][0]["status"]) != ("blocked", None, "blocked"):
                errors.append("%s: domain %r" % (label, dom))
            sts = dom["mta_sts"]
            if (sts["status"], sts["error"], sts["fetch"]) != ("blocked", "blocked: " + REASONS[label], None):
                errors.append("%s: mta_sts %r" % (label, sts))
        assert not errors, "\n  ".join(errors)
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        c = run["counts"]
        # No connection, no version probe, no policy fetch and no PTR query: MX, A and AAAA per
        # domain, its two TXT records (_mta-sts, _smtp._tls), the policy host's A and AAAA.
        assert (c["connections"], c["version_probes"], c["blocked"]) == (0, 0, len(TARGETS)), c
        assert (c["dns_queries"], c["dns_policy_queries"]) == (7 * len(TARGETS), 2 * len(TARGETS)), c
        assert c["mta_sts_fetches"] == 0, c
        assert run["blocklist"]["allow"] == [] and run["blocklist"]["files"] == [], run["blocklist"]
        assert {e["range"] for e in run["blocklist"]["default"]} >= {"10.0.0.0/8", "::ffff:0:0/96", "ff00::/8"}
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        assert summary["domains"]["by_pattern"] == {"blocked": len(TARGETS)}, summary["domains"]
        assert summary["endpoints"]["by_status"] == {"blocked": len(TARGETS)}, summary["endpoints"]
        assert summary["shares"]["starttls"]["denominator"] == 0, summary["shares"]
        with open(os.path.join(out, "report.html")) as f:
            page = f.read()
        assert 'data-metric="blocked" data-value="%d"' % len(TARGETS) in page
        assert re.search(r"<code>blocked</code></td><td class=\"num\">%d</td>" % len(TARGETS), page)
        # The same scan and a check without strace (a sanitizer build looks for leaks then).
        again = os.path.join(d, "default-again")
        r = ns.run(ns_scan_args(ctx, ns, again))
        assert r.returncode == 0, r.stderr
        assert read_jsonl(os.path.join(again, "hosts.jsonl")) and \
            by_domain(again)[0].keys() == hosts.keys()
        r = ns.run([ctx.mxsurvey, "check", "--resolver", "%s:%d" % RESOLVER, "--port", str(PORT),
                    "--ipv6", "--timeout", "2", "metadata." + ZONE])
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert "[169.254.169.254]:%d: blocked (blocked: %s)" % (PORT, REASONS["metadata"]) in r.stdout, r.stdout
        assert "pattern blocked" in r.stdout, r.stdout
        assert ns.listener_log() == [], ns.listener_log()

        # 2. --allow 10.0.0.0/8 lets exactly that range through, in every form that carries it:
        # 10.1.2.3 and ::ffff:10.1.2.3 reach the listener; ::ffff:10.0.0.1, 64:ff9b::a00:1 and
        # 2002:a00:1::1 are tried and find no route (nothing in this namespace routes them); the
        # rest stays blocked.
        out = os.path.join(d, "allow")
        r, connects = ns_scan(ctx, ns, out, "--allow", "10.0.0.0/8")
        assert r.returncode == 0, r.stderr
        reached = {"private", "mappedlocal"}
        probed = reached | {"mapped", "nat64", "sixtofour"}
        tried = sorted({a for a, port in connects if port == PORT})
        assert tried == sorted(TARGETS[l] for l in probed), tried
        # The MTA-STS policy fetch (port 443) goes only where the probes may go.
        assert all(c == RESOLVER or c[1] in (PORT, 443) for c in connects), connects
        fetched = sorted({a for a, port in connects if port == 443})
        assert set(fetched) <= {TARGETS[l] for l in probed} and fetched, (fetched, connects)
        accepted = [l for l in ns.listener_log() if l.startswith("accept")]
        # One probe each, and no version probe (the listener offers no STARTTLS).
        assert accepted == ["accept local=::ffff:10.1.2.3 peer=::ffff:10.1.2.3"] * 2, ns.listener_log()
        hosts, doms = by_domain(out)
        for label in reached:
            h = hosts[TARGETS[label]]
            assert h["status"] == "no-starttls" and h["attempts"] == 1, h
            assert doms[label]["pattern"] == "no-tls", doms[label]
        for label in probed - reached:
            assert hosts[TARGETS[label]]["status"] == "connect-failed", hosts[TARGETS[label]]
            assert doms[label]["pattern"] == "unreachable", doms[label]
        for label in set(TARGETS) - probed:
            assert hosts[TARGETS[label]]["error"] == "blocked: " + REASONS[label], hosts[TARGETS[label]]
            assert doms[label]["pattern"] == "blocked", doms[label]
            assert doms[label]["mta_sts"]["status"] == "blocked", doms[label]["mta_sts"]
        for label in probed:  # nothing listens on 443 here, or no route
            assert doms[label]["mta_sts"]["status"] in ("connect-failed", "timeout"), doms[label]["mta_sts"]
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        assert run["blocklist"]["allow"] == ["10.0.0.0/8"] and run["options"]["allow"] == ["10.0.0.0/8"]
        assert run["counts"]["blocked"] == len(TARGETS) - len(probed), run["counts"]

        # 3. An operator's --blocklist wins over --allow, and names its file and line.
        bl = os.path.join(d, "optout.txt")
        with open(bl, "w") as f:
            f.write("# opt-out requests\n\n10.1.2.0/24   # asked on 2026-01-02\n")
        out = os.path.join(d, "optout")
        r, connects = ns_scan(ctx, ns, out, "--allow", "10.0.0.0/8", "--blocklist", bl)
        assert r.returncode == 0, r.stderr
        assert "10.1.2.3" not in {a for a, _ in connects}, connects
        hosts, _ = by_domain(out)
        assert hosts["10.1.2.3"]["error"] == "blocked: 10.1.2.0/24 (--blocklist %s line 3)" % bl, hosts["10.1.2.3"]
        assert hosts["::ffff:10.1.2.3"]["error"] == ("blocked: 10.1.2.0/24 (--blocklist %s line 3) via "
                                                     "::ffff:0:0/96 (IPv4-mapped Address, RFC 4291)" % bl)
        assert hosts["::ffff:10.0.0.1"]["status"] == "connect-failed"  # outside the file's range
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        assert run["blocklist"]["files"] == [{"range": "10.1.2.0/24", "file": bl, "line": 3}], run["blocklist"]
        assert run["options"]["blocklist"] == [bl]

        # 4. --source-ip, --source-ip6: the probe leaves from the chosen address (an IPv4-mapped
        # one, IPv4 from an IPv6 socket, from --source-ip), and the EHLO address literal (on a
        # machine whose name is no FQDN) says it.
        before = len(ns.listener_log())
        for label, ehlo in (("private", "[10.9.9.9]"), ("mappedlocal", "[10.9.9.9]"), ("ula", "[IPv6:fd00::77]")):
            r = ns.run(["unshare", "-u", "sh", "-c", 'hostname vm && exec "$@"', "sh", ctx.mxsurvey, "check",
                        "--resolver", "%s:%d" % RESOLVER, "--port", str(PORT), "--ipv6", "--timeout", "2",
                        "--allow", "10.0.0.0/8", "--allow", "fd00::/8", "--source-ip", "10.9.9.9",
                        "--source-ip6", "fd00::77", "%s.%s" % (label, ZONE)])
            assert ehlo_lines(r.stdout) == ["EHLO " + ehlo], (label, r.stdout + r.stderr)
        new = ns.listener_log()[before:]
        assert [l for l in new if l.startswith("accept")] == [
            "accept local=::ffff:10.1.2.3 peer=::ffff:10.9.9.9", "accept local=::ffff:10.1.2.3 peer=::ffff:10.9.9.9",
            "accept local=fd00::1 peer=fd00::77"], new
        assert [l for l in new if l.startswith("line EHLO")] == [
            "line EHLO [10.9.9.9]", "line EHLO [10.9.9.9]", "line EHLO [IPv6:fd00::77]"], new
    finally:
        ns.close()
        shutil.rmtree(d, ignore_errors=True)


def test_blocklist_and_allow_bad_input(ctx):
    """A bad --allow, --blocklist line or source address stops the start: exit 2, a message
    naming the option (and the file and line), and nothing created."""
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "in.txt")
        with open(lst, "w") as f:
            f.write("exact.example\n")
        bl = os.path.join(d, "bl.txt")
        with open(bl, "w") as f:
            f.write("# fine\n192.0.2.0/24\n10.1.0.0/8\n")
        out = os.path.join(d, "out")
        cases = [
            (["--allow", "10.0.0.0/33"], '--allow 10.0.0.0/33: "10.0.0.0/33": the prefix length after / must be 0-32'),
            (["--allow", "not-a-range"], '--allow not-a-range: "not-a-range" is not an IP address or CIDR range'),
            (["--blocklist", bl], '--blocklist %s line 3: "10.1.0.0/8" has bits set after its /8 prefix '
                                  '(the range is 10.0.0.0/8)' % bl),
            (["--blocklist", os.path.join(d, "missing.txt")], "--blocklist %s: cannot open: No such file" % os.path.join(d, "missing.txt")),
            (["--max-mx", "-1"], "--max-mx -1: expected 0-100000"),
            (["--max-addrs", "four"], "--max-addrs four: expected 0-100000"),
            (["--source-ip", "::1"], "--source-ip ::1: expected an IPv4 address"),
            (["--source-ip6", "127.0.0.1"], "--source-ip6 127.0.0.1: expected an IPv6 address"),
            (["--source-ip", "192.0.2.77"], "--source-ip 192.0.2.77: cannot bind to it: Cannot assign "
                                            "requested address (not an address of this machine)"),
        ]
        for extra, want in cases:
            r = sh(scan_args(ctx, "--out", out, *extra, lst))
            assert r.returncode == 2, (extra, r.returncode, r.stderr)
            assert "mxsurvey scan: " + want in r.stderr, (extra, r.stderr)
            assert not os.path.exists(out), extra
            r = sh(check_args(ctx, "exact.example", *extra))
            assert r.returncode == 2 and "mxsurvey check: " + want in r.stderr, (extra, r.stderr)


# ------------------------------------------------------------------ --source-ip on the world

def fixture_accepts(ctx, listener):
    """The peers of the fixture's connections on listener ("127.10.0.1:2525"), in order."""
    with open(os.path.join(ctx.world_dir, "fixture-conn.log")) as f:
        return [l.split(" accept from ")[1].rsplit(":", 1)[0] for l in f
                if l.startswith(listener + " ") and " accept from " in l]


def test_source_ip_binds_probes_and_ehlo_follows(ctx):
    """--source-ip 127.0.0.77: the fixture sees the probe and the version probe come from it,
    and on a machine called "vm" (no FQDN) the EHLO address literal is [127.0.0.77]."""
    listener = "127.10.0.1:%d" % ctx.world.smtp_port
    before = len(fixture_accepts(ctx, listener))
    r = as_host(ctx, "vm", check_args(ctx, "exact.example", "--source-ip", "127.0.0.77"))
    assert r.returncode == 0, r.stdout + r.stderr
    sent = ehlo_lines(r.stdout)
    assert sent == ["EHLO [127.0.0.77]", "EHLO [127.0.0.77]"], sent  # the probe, the version probe
    assert fixture_accepts(ctx, listener)[before:] == ["127.0.0.77", "127.0.0.77"]
    # A scan too, and run.json records the option.
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "in.txt")
        with open(lst, "w") as f:
            f.write("exact.example\n")
        before = len(fixture_accepts(ctx, listener))
        r = sh(scan_args(ctx, "--source-ip", "127.0.0.78", "--out", os.path.join(d, "out"), lst), timeout=60)
        assert r.returncode == 0, r.stderr
        assert fixture_accepts(ctx, listener)[before:] == ["127.0.0.78", "127.0.0.78"]
        h = read_jsonl(os.path.join(d, "out", "hosts.jsonl"))[0]
        assert h["status"] == "ok", h
        with open(os.path.join(d, "out", "run.json")) as f:
            assert json.load(f)["options"]["source-ip"] == "127.0.0.78"
    # Without the option the kernel picks the address: 127.0.0.1 on loopback.
    before = len(fixture_accepts(ctx, listener))
    r = sh(check_args(ctx, "exact.example", "--ehlo", "scanner.mxsurvey.test"))
    assert r.returncode == 0, r.stdout
    assert set(fixture_accepts(ctx, listener)[before:]) == {"127.0.0.1"}


# ------------------------------------------------------------------ caps

def _scan(ctx, names, *extra):
    d = tempfile.mkdtemp(prefix="mxs-caps-")
    lst = os.path.join(d, "in.txt")
    with open(lst, "w") as f:
        f.write("".join(n + "\n" for n in names))
    out = os.path.join(d, "out")
    r = sh(scan_args(ctx, "--out", out, *extra, lst), timeout=120)
    assert r.returncode == 0, r.stderr
    doms = {x["domain"]: x for x in read_jsonl(os.path.join(out, "domains.jsonl"))}
    hosts = read_jsonl(os.path.join(out, "hosts.jsonl"))
    with open(os.path.join(out, "run.json")) as f:
        run = json.load(f)
    shutil.rmtree(d)
    return doms, hosts, run


FILL = "a-rather-long-label-to-fill-a-udp-answer"


def test_caps_default(ctx):
    """41 MX records: the 10 most preferred kept, the rest never looked up; 300 addresses of one
    MX host: the first 4 probed; `truncated` says what was cut; run.json has the caps."""
    doms, hosts, run = _scan(ctx, ["bigmx.example", "bigaddr.example", "backup.example"])
    big = doms["bigmx.example"]
    assert [(m["pref"], m["host"]) for m in big["mx"]] == \
        [(10, "mx1.exact.example")] + [(100 + i, "mx%02d.%s.bigmx.example" % (i, FILL)) for i in range(9)], big["mx"]
    assert big["truncated"] == {"mx": 31, "addrs": 0}, big["truncated"]
    ba = doms["bigaddr.example"]
    assert ba["mx"][0]["ips"] == ["127.31.0.1", "127.31.0.2", "127.31.0.3", "127.31.0.4"], ba["mx"]
    assert ba["truncated"] == {"mx": 0, "addrs": 296}, ba["truncated"]
    assert sorted(h["ip"] for h in hosts if h["mx_host"] == "mx.bigaddr.example") == ba["mx"][0]["ips"]
    assert doms["backup.example"]["truncated"] is None, doms["backup.example"]
    assert (run["max_mx"], run["max_addrs"]) == (10, 4), run
    # The MX hosts beyond the cap are never looked up: each costs an A and an AAAA query.
    _, _, all_mx = _scan(ctx, ["bigmx.example"], "--max-mx", "0")
    _, _, capped = _scan(ctx, ["bigmx.example"])
    assert all_mx["counts"]["dns_queries"] - capped["counts"]["dns_queries"] == 2 * 31, \
        (all_mx["counts"], capped["counts"])


def test_caps_ties_do_not_follow_the_resolvers_rotation(ctx):
    """30 MX records at one preference, which unbound hands out in a rotated order: every run
    keeps the same nine, the first by host name."""
    want = [(5, "mx1.exact.example")] + [(10, "mx%02d.%s.tiemx.example" % (i, FILL)) for i in range(9)]
    orders = set()
    ip, port = ctx.world.resolver
    for _ in range(4):
        r = sh(["drill", "-t", "-p", str(port), "@" + ip, "tiemx.example", "MX"])
        orders.add(tuple(l.split()[-1] for l in r.stdout.splitlines() if "\tMX\t" in l or " MX " in l))
        doms, _, _ = _scan(ctx, ["tiemx.example"])
        d = doms["tiemx.example"]
        assert [(m["pref"], m["host"]) for m in d["mx"]] == want, d["mx"]
        assert d["truncated"] == {"mx": 21, "addrs": 0}, d["truncated"]
    assert len(orders) > 1, "the resolver did not rotate the MX records: %s" % orders


def test_caps_options(ctx):
    doms, hosts, run = _scan(ctx, ["backup.example", "bigaddr.example", "v6.example"],
                             "--max-mx", "1", "--max-addrs", "1")
    b = doms["backup.example"]
    assert [(m["pref"], m["host"], m["ips"]) for m in b["mx"]] == [(10, "mx.multi-ip.example", ["127.10.0.34"])], b
    assert b["truncated"] == {"mx": 2, "addrs": 1}, b["truncated"]
    assert [(e["mx_host"], e["ip"]) for e in b["endpoints"]] == [("mx.multi-ip.example", "127.10.0.34")]
    # Without --ipv6 the AAAA addresses (listed, never probed) are capped on their own.
    assert doms["v6.example"]["mx"][0]["ips"] == ["127.10.0.38", "::1"], doms["v6.example"]
    assert doms["v6.example"]["truncated"] is None
    assert (run["max_mx"], run["max_addrs"]) == (1, 1)
    assert run["options"]["max-mx"] == 1 and run["options"]["max-addrs"] == 1
    doms, hosts, _ = _scan(ctx, ["bigaddr.example", "v6.example"], "--max-addrs", "10", "--ipv6")
    assert len([h for h in hosts if h["mx_host"] == "mx.bigaddr.example"]) == 10
    assert doms["bigaddr.example"]["truncated"] == {"mx": 0, "addrs": 290}
    assert doms["v6.example"]["mx"][0]["ips"] == ["127.10.0.38", "::1"]
    # With --ipv6 one address each way at most: IPv4 gets the one slot of --max-addrs 1.
    doms, hosts, _ = _scan(ctx, ["v6.example"], "--max-addrs", "1", "--ipv6")
    assert doms["v6.example"]["mx"][0]["ips"] == ["127.10.0.38"], doms["v6.example"]
    assert doms["v6.example"]["truncated"] == {"mx": 0, "addrs": 1}
    assert [h["ip"] for h in hosts] == ["127.10.0.38"]
