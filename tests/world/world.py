#!/usr/bin/env python3
"""The local mail world: `world.py up|down|status|gen-scale` (called by scripts/world).

up      generate certificates, unbound, fixture and Postfix configuration from the world file,
        refuse clearly if any address:port the world needs is taken, start the servers, wait until
        each answers, and record their PIDs in DIR/pids. Postfix's instance lives in its runtime
        folder outside DIR (tests/world/postfix.py); a server that fails to start is reported
        with its own reason.
down    stop exactly the PIDs recorded by `up` (never anything found by name), wait until they
        are gone, remove Postfix's runtime folder.
status  one line per recorded server: alive or not, and whether its listeners answer.
gen-scale  write a large world file and its domain list (for benchmarks).
gen-tls    write the CPU-bound bench world: one MX name per address, nginx's mail proxy
           (OpenSSL) serving every address (tests/world/nginxmail.py).

Environment: MXS_WORLD_FILE (default data/world/world.conf), MXS_WORLD_DIR (default build/world),
MXS_BUILD (default build: where mxsurvey-fixture is), MXS_WORLD_RUN (Postfix's runtime folder,
default /run/mxsurvey-world/<key of the world dir>).
"""
import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import certs  # noqa: E402
import dnssec  # noqa: E402
import dnswire  # noqa: E402
import nginxmail  # noqa: E402
import postfix  # noqa: E402
import web  # noqa: E402
import worldfile  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
START_TIMEOUT = 30.0


def fail(msg, code=1):
    print("world: " + msg, file=sys.stderr)
    sys.exit(code)


def config():
    wf = os.environ.get("MXS_WORLD_FILE", os.path.join(ROOT, "data/world/world.conf"))
    wd = os.environ.get("MXS_WORLD_DIR", os.path.join(ROOT, "build/world"))
    build = os.environ.get("MXS_BUILD", os.path.join(ROOT, "build"))
    return os.path.abspath(wf), os.path.abspath(wd), os.path.abspath(build)


# ------------------------------------------------------------------ unbound

def reverse_name(ip):
    import ipaddress
    return ipaddress.ip_address(ip).reverse_pointer


def unbound_conf(world, wd):
    """The resolver's configuration. With a DNSSEC tree in the world (dnssec.py), its zones are
    also written and signed under wd/dnssec/ (the certificates under wd/certs/ must exist: TLSA
    records are made from them), and the resolver validates."""
    rip, rport = world.resolver
    out_ip = world.settings.get("resolver_out") or _resolver_out(rip)
    L = ["server:",
         "  interface: %s@%d" % (rip, rport)]
    if world.tool_resolver:
        # a second listener on port 53 for tools that read /etc/resolv.conf (which names no
        # port): the tests bind-mount one pointing here (tests/integration/reference.py)
        L.append("  interface: %s@%d" % world.tool_resolver)
    L += ["  port: %d" % rport,
         "  do-daemonize: no", "  use-syslog: no", '  logfile: ""', '  chroot: ""', '  username: ""',
         '  directory: "%s"' % wd, '  pidfile: ""',
         "  num-threads: 1", "  so-reuseport: no",
         # Scanners send bursts of a thousand queries; the default socket buffer holds a few
         # hundred, and the rest would be dropped (the scanner then waits out a timeout).
         "  so-rcvbuf: 8m", "  so-sndbuf: 8m",
         "  module-config: \"%s\"" % ("validator iterator" if world.dnssec_zones else "iterator"),
         "  do-ip6: no",
         "  do-not-query-localhost: no",
         "  cache-max-ttl: 0", "  cache-max-negative-ttl: 0",
         # The servfail zone is a stub pointing back at this resolver; queries it sends itself
         # leave from out_ip, which it refuses, so clients get a real SERVFAIL at once.
         "  outgoing-interface: %s" % out_ip,
         "  access-control: 127.0.0.0/8 allow",
         "  access-control: %s/32 refuse" % out_ip,
         "  access-control: ::1 allow",
         "  local-zone: \".\" refuse",
         "  minimal-responses: yes"]
    for z in world.zones:
        L.append('  local-zone: "%s." static' % z)
    rr = []
    addrs = world.host_addresses()  # once: a domain's test below would otherwise redo it per domain
    for host, ips in addrs.items():
        for ip in ips:
            rr.append("%s. 300 IN %s %s" % (host, "AAAA" if ":" in ip else "A", ip))
    for ep in world.endpoints:
        if ep.ptr:
            rr.append("%s. 300 IN PTR %s." % (reverse_name(ep.ip), ep.ptr))
    stubs = []
    for d in world.domains.values():
        if d.dns == "refuse":
            L.append('  local-zone: "%s." always_refuse' % d.name)
        elif d.dns == "drop":
            L.append('  local-zone: "%s." deny' % d.name)
        elif d.dns == "servfail":
            L.append('  local-zone: "%s." transparent' % d.name)
            stubs.append(d.name)
        if d.cname:
            rr.append("%s. 300 IN CNAME %s." % (d.name, d.cname))
        if d.mx == "null":
            rr.append("%s. 300 IN MX 0 ." % d.name)
        elif d.mx:
            for pref, host in d.mx:
                rr.append("%s. 300 IN MX %d %s." % (d.name, pref, host))
        for pref, h in d.filler_records():
            rr.append("%s. 300 IN MX %d %s." % (d.name, pref, h))
        if d.txt:
            rr.append('%s. 300 IN TXT "%s"' % (d.name, d.txt))
        if not (d.cname or d.dns or d.mx or d.txt or d.name in addrs):
            # An empty non-terminal would be NXDOMAIN; give the name something so it exists.
            rr.append('%s. 300 IN TXT "mxsurvey world"' % d.name)
    for owner, text in world.txts:
        rr.append('%s. 300 IN TXT "%s"' % (owner, text))
    if world.tlsa:
        rr += dnssec.tlsa_rrs(world, os.path.join(wd, "certs"))
    dnssec_stubs = []
    if world.dnssec_zones:
        tree = [r for r in rr if dnssec.zone_of(world, r.split()[0].rstrip("."))]
        rr = [r for r in rr if not dnssec.zone_of(world, r.split()[0].rstrip("."))]
        anchor, _ = dnssec.build(world, wd, tree)
        server, dnssec_stubs = dnssec.unbound_lines(world, anchor)
        L += server
    L += ["  local-data: '%s'" % r for r in rr]
    # unbound-control on a local socket (no keys): a test changes local data while the world
    # runs (tests/integration/test_enforce.py: an MTA-STS TXT id that changes between scans)
    L += ["remote-control:", "  control-enable: yes",
          "  control-interface: %s" % os.path.join(wd, "unbound.ctl")]
    for s in stubs:
        L += ["stub-zone:", '  name: "%s."' % s, "  stub-addr: %s@%d" % (rip, rport)]
    L += dnssec_stubs
    return "\n".join(L) + "\n"


def _resolver_out(rip):
    parts = rip.split(".")
    parts[-1] = str((int(parts[-1]) + 1) % 255 or 2)
    return ".".join(parts)


# ------------------------------------------------------------------ fixture

def fixture_conf(world, wd):
    L = ["# generated by tests/world/world.py from the world file; do not edit"]
    for ip, port, ep in world.listeners():
        if ep.server != "fixture":
            continue
        parts = ["listen", ip, str(port)]
        if ep.cert:
            p = certs.paths(os.path.join(wd, "certs"), world.certs[ep.cert])
            parts += ["cert=" + p["chain"], "key=" + p["key"]]
        if ep.sni:
            sni = []
            for name, cert in ep.sni:
                p = certs.paths(os.path.join(wd, "certs"), world.certs[cert])
                sni.append("%s:%s:%s" % (name, p["chain"], p["key"]))
            parts.append("sni=" + ",".join(sni))
        opts = dict(ep.opts)
        opts.setdefault("banner", ep.banner)
        parts += ["%s=%s" % kv for kv in sorted(opts.items())]
        L.append(" ".join(parts))
    return "\n".join(L) + "\n"


# ------------------------------------------------------------------ checks

def port_free(ip, port, kind=socket.SOCK_STREAM):
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    s = socket.socket(fam, kind)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ip, port))
        return None
    except OSError as e:
        return e.strerror or str(e)
    finally:
        s.close()


def tcp_answers(ip, port, timeout=0.5):
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((ip, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def dns_answers(ip, port):
    try:
        return dnswire.query(ip, port, "mxsurvey-world-probe.invalid", "A", timeout=0.5) is not None
    except OSError:
        return False


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def read_pids(wd):
    out = []
    try:
        with open(os.path.join(wd, "pids")) as f:
            for line in f:
                name, pid = line.split()
                out.append((name, int(pid)))
    except FileNotFoundError:
        pass
    return out


def write_pids(wd, pids):
    tmp = os.path.join(wd, "pids.tmp")
    with open(tmp, "w") as f:
        for name, pid in pids:
            f.write("%s %d\n" % (name, pid))
    os.replace(tmp, os.path.join(wd, "pids"))


def wait_for(pred, what, timeout=START_TIMEOUT, proc=None, log=None, interval=0.05):
    """Returns once pred() is true, trying every `interval` seconds; raises RuntimeError when
    proc (if given) exits first, with log's tail, or after `timeout` seconds. slurm.py uses
    it too."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if pred():
            return
        if proc is not None and proc.poll() is not None:
            tail = ""
            if log and os.path.exists(log):
                with open(log, errors="replace") as f:
                    tail = "".join(f.readlines()[-5:])
            raise RuntimeError("%s exited with code %s\n%s" % (what, proc.returncode, tail))
        time.sleep(interval)
    raise RuntimeError("%s did not come up within %.0f s" % (what, timeout))


# ------------------------------------------------------------------ commands

def start_server(wd, pids, name, args, log, ready, timeout=START_TIMEOUT):
    """Starts a server in the foreground of its own session (so it outlives this script), its
    output in log; records its PID, then waits until ready() (or its exit, with the log's
    tail)."""
    proc = subprocess.Popen(args, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    pids.append((name, proc.pid))
    write_pids(wd, pids)
    wait_for(ready, name, timeout=timeout, proc=proc, log=log)


def cmd_up(args):
    wf, wd, build = config()
    try:
        world = worldfile.load(wf)
    except (OSError, worldfile.WorldError) as e:
        fail(str(e), 2)
    live = [(n, p) for n, p in read_pids(wd) if pid_alive(p)]
    if live:
        fail("already up (%s); run `scripts/world down` first" %
             ", ".join("%s pid %d" % np for np in live))
    fixture_bin = os.path.join(build, "mxsurvey-fixture")
    if any(ep.server == "fixture" for ep in world.endpoints) and not os.access(fixture_bin, os.X_OK):
        fail("%s not built; run `make` first" % fixture_bin, 2)

    # Refuse clearly when anything the world needs is taken; start nothing in that case.
    rip, rport = world.resolver
    taken = []
    for kind, name in ((socket.SOCK_DGRAM, "udp"), (socket.SOCK_STREAM, "tcp")):
        err = port_free(rip, rport, kind)
        if err:
            taken.append("%s %s:%d (resolver): %s" % (name, rip, rport, err))
    if world.webs:
        wip, wport = world.web_server
        err = port_free(wip, wport)
        if err:
            taken.append("tcp %s:%d (nginx, the web server): %s" % (wip, wport, err))
    # The tools' listeners serve the reference tools only (docs/world.md): when one cannot be
    # had (taken, or a port below 1024 without root) the world comes up without it, and says so.
    tools = [("tool_resolver", (socket.SOCK_DGRAM, socket.SOCK_STREAM))]
    if world.webs:
        tools.append(("tool_web", (socket.SOCK_STREAM,)))
    for key, kinds in tools:
        addr = getattr(world, key)
        errs = [port_free(addr[0], addr[1], k) for k in kinds] if addr else []
        err = next((e for e in errs if e), None)
        if err:
            print("world: not listening on %s:%d (%s): %s; the reference tools of test_enforce "
                  "cannot run" % (addr + (key, err)), file=sys.stderr)
            world.settings[key] = ""
    if world.dnssec_zones:
        nip, nport = world.dnssec_server
        for kind, name in ((socket.SOCK_DGRAM, "udp"), (socket.SOCK_STREAM, "tcp")):
            err = port_free(nip, nport, kind)
            if err:
                taken.append("%s %s:%d (nsd, the signed zones): %s" % (name, nip, nport, err))
    for ip, port, ep in world.listeners():
        err = port_free(ip, port)
        if err:
            taken.append("tcp %s:%d (%s): %s" % (ip, port, ep.server, err))
    if taken:
        fail("refusing to start, address in use:\n  " + "\n  ".join(taken[:20]) +
             ("\n  ... and %d more" % (len(taken) - 20) if len(taken) > 20 else ""))

    os.makedirs(wd, exist_ok=True)
    t0 = time.time()
    try:
        certs.generate(world, os.path.join(wd, "certs"))
    except (RuntimeError, OSError) as e:
        fail("certificates: %s" % e)
    ub_conf = unbound_conf(world, wd)
    with open(os.path.join(wd, "unbound.conf"), "w") as f:
        f.write(ub_conf)
    # unbound reads its local data before it answers: about 15 s per million records on a
    # loaded 2-core machine, so a 1,000,000-domain world gets more than the usual wait.
    ub_timeout = START_TIMEOUT + ub_conf.count("\n  local-data: ") / 10000.0
    with open(os.path.join(wd, "fixture.conf"), "w") as f:
        f.write(fixture_conf(world, wd))
    run = postfix.runtime_dir(wd)
    try:
        pf_etc = postfix.setup(world, wd, run)
    except (postfix.PostfixError, OSError) as e:
        fail("postfix: %s" % e)

    pids = []
    try:
        if world.dnssec_zones:
            # NSD, the signed tree's authoritative server, before the resolver that asks it.
            d = os.path.join(wd, "dnssec")
            nip, nport = world.dnssec_server
            start_server(wd, pids, "nsd", ["nsd", "-d", "-c", os.path.join(d, "nsd.conf")],
                         os.path.join(d, "nsd.out"), lambda: dns_answers(nip, nport))
        if world.webs:
            conf = web.build(world, wd, ROOT)
            wip, wport = world.web_server
            start_server(wd, pids, "nginx",
                         ["nginx", "-c", conf, "-e", os.path.join(wd, "web", "error.log")],
                         os.path.join(wd, "web", "nginx.out"), lambda: tcp_answers(wip, wport))
        start_server(wd, pids, "unbound", ["unbound", "-d", "-c", os.path.join(wd, "unbound.conf")],
                     os.path.join(wd, "unbound.log"), lambda: dns_answers(rip, rport),
                     timeout=ub_timeout)

        mail = nginxmail.endpoints(world)
        if mail:
            conf = nginxmail.build(world, wd)
            start_server(wd, pids, "nginx-mail",
                         ["nginx", "-c", conf, "-e", os.path.join(wd, "nginx-mail", "error.log")],
                         os.path.join(wd, "nginx-mail", "nginx.out"),
                         lambda: all(tcp_answers(ep.ip, world.smtp_port) for ep in mail))

        if any(ep.server == "fixture" for ep in world.endpoints):
            pidfile = os.path.join(wd, "fixture.pid")
            if os.path.exists(pidfile):
                os.unlink(pidfile)
            start_server(wd, pids, "fixture",
                         [fixture_bin, "-c", os.path.join(wd, "fixture.conf"), "-p", pidfile,
                          "-l", os.path.join(wd, "fixture-conn.log")],
                         os.path.join(wd, "fixture.log"), lambda: os.path.exists(pidfile))

        if pf_etc:
            # Postfix's master daemonizes; `postfix start` returns once it runs (or failed).
            postfix.start(pf_etc, postfix.log_path(wd))
            pidfile = os.path.join(run, "spool", "pid", "master.pid")
            wait_for(lambda: os.path.exists(pidfile) and open(pidfile).read().strip(), "postfix master")
            pids.append(("postfix", int(open(pidfile).read().strip())))
            write_pids(wd, pids)
            for ep in postfix.endpoints(world):
                wait_for(lambda: tcp_answers(ep.ip, world.smtp_port),
                         "postfix smtpd listener %s:%d" % (ep.ip, world.smtp_port))
    except (RuntimeError, nginxmail.NginxMailError) as e:
        stop(wd)
        fail(str(e))
    print("world: up in %.1f s: resolver %s:%d, %d endpoints on port %d (%s), pids in %s" %
          (time.time() - t0, rip, rport, len(world.listeners()), world.smtp_port,
           ", ".join("%s %d" % np for np in pids), os.path.join(wd, "pids")))


def stop(wd, timeout=10.0):
    """Stops the recorded PIDs: SIGTERM, then SIGKILL after `timeout`. Returns those left."""
    pids = read_pids(wd)
    for name, pid in pids:
        if pid_alive(pid):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    t0 = time.time()
    while time.time() - t0 < timeout and any(pid_alive(p) for _, p in pids):
        _reap()
        time.sleep(0.05)
    for name, pid in pids:
        if pid_alive(pid):
            print("world: %s pid %d ignored SIGTERM, sending SIGKILL" % (name, pid), file=sys.stderr)
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)
    _reap()
    left = [(n, p) for n, p in pids if pid_alive(p)]
    if not left:
        try:
            os.unlink(os.path.join(wd, "pids"))
        except FileNotFoundError:
            pass
        # Postfix's runtime folder (only the one this world dir made) goes with its processes.
        run = postfix.runtime_dir(wd)
        if not postfix.runtime_remove(run, wd):
            print("world: left %s in place: it is not marked as this world's" % run, file=sys.stderr)
    return left


def _reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def cmd_down(args):
    _, wd, _ = config()
    pids = read_pids(wd)
    if not pids:
        print("world: not up (no %s)" % os.path.join(wd, "pids"))
        return
    left = stop(wd)
    if left:
        fail("still running: " + ", ".join("%s pid %d" % np for np in left))
    print("world: down (stopped %s)" % ", ".join("%s %d" % np for np in pids))


def cmd_status(args):
    wf, wd, _ = config()
    pids = read_pids(wd)
    if not pids:
        print("world: down")
        sys.exit(3)
    world = worldfile.load(wf)
    bad = 0
    for name, pid in pids:
        alive = pid_alive(pid)
        bad += not alive
        print("%-8s pid %-7d %s" % (name, pid, "running" if alive else "NOT RUNNING"))
    rip, rport = world.resolver
    ok = dns_answers(rip, rport)
    bad += not ok
    print("resolver %s:%d %s" % (rip, rport, "answers" if ok else "DOES NOT ANSWER"))
    listening = sum(tcp_answers(ip, port, 0.2) for ip, port, _ in world.listeners())
    bad += listening != len(world.listeners())
    print("smtp     %d/%d listeners accept connections" % (listening, len(world.listeners())))
    sys.exit(1 if bad else 0)


def cmd_gen_scale(args):
    import scale
    scale.generate(args)


def cmd_gen_tls(args):
    nginxmail.generate(args)


def main():
    ap = argparse.ArgumentParser(prog="scripts/world", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up").set_defaults(fn=cmd_up)
    sub.add_parser("down").set_defaults(fn=cmd_down)
    sub.add_parser("status").set_defaults(fn=cmd_status)
    g = sub.add_parser("gen-scale", help="write a large world file and its domain list")
    g.add_argument("--domains", type=int, default=100000)
    g.add_argument("--hosts", type=int, default=1000)
    g.add_argument("--out", required=True, help="world file to write")
    g.add_argument("--list", required=True, help="domain list to write")
    g.set_defaults(fn=cmd_gen_scale)
    g = sub.add_parser("gen-tls", help="write the CPU-bound bench world (nginx mail, one name an address)")
    g.add_argument("--addresses", type=int, default=2000)
    g.add_argument("--key", default="rsa2048", choices=("rsa2048", "ec256"),
                   help="the certificates' key (ec256: the server signs ~15x cheaper)")
    g.add_argument("--out", required=True, help="world file to write")
    g.add_argument("--list", required=True, help="domain list to write")
    g.set_defaults(fn=cmd_gen_tls)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
