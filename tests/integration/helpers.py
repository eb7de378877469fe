"""Helpers for integration tests: running reference tools (drill, openssl s_client,
posttls-finger) against the local world and reading what they print. Each tool runs on its own
settings (posttls-finger: a main.cf under the world dir, through MAIL_CONFIG), never on the
machine's configuration under /etc. Also what several tests share to compare scan folders (the
timing fields stripped, chains/, a folder's state) and to bring up worlds of their own (a
world file's text, the scale world) and read their fixture's connection log."""
import collections
import hashlib
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "world"))
import postfix  # noqa: E402  (tests/world/postfix.py)


def after_down(fn):
    """Marks a test to run after the world has been brought down."""
    fn.after_down = True
    return fn


def sh(args, timeout=30, input=None, check=False, env=None, cwd=None):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, input=input,
                       env=env, cwd=cwd, stdin=None if input is not None else subprocess.DEVNULL,
                       errors="replace")
    if check and r.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r


# ------------------------------------------------------------------ DNS (drill)

class DrillAnswer:
    def __init__(self, text):
        self.text = text
        m = re.search(r"rcode: (\w+)", text)
        self.rcode = m.group(1) if m else None
        m = re.search(r";; flags: ([a-z ]*);", text)
        self.flags = m.group(1).split() if m else []
        self.answer = []
        sect = re.search(r";; ANSWER SECTION:\n(.*?)\n\n", text, re.S)
        if sect:
            for line in sect.group(1).splitlines():
                f = line.split()
                if len(f) >= 5:
                    self.answer.append((f[0].lower().rstrip("."), f[3], " ".join(f[4:])))

    def rdata(self, rtype):
        return [r for _, t, r in self.answer if t == rtype]


def drill(ctx, name, rtype="A", tcp=False, reverse=False, timeout=10):
    ip, port = ctx.world.resolver
    args = ["drill", "-p", str(port)]
    if tcp:
        args.append("-t")
    if reverse:
        args += ["-x", name, "@" + ip]
    else:
        args += ["@" + ip, name, rtype]
    r = sh(args, timeout=timeout)
    a = DrillAnswer(r.stdout)
    a.returncode = r.returncode
    a.stderr = r.stderr
    return a


# ------------------------------------------------------------------ SMTP + TLS

def tool_env(ctx):
    """The environment for Postfix's client tools: MAIL_CONFIG at their own main.cf
    (WORLD_DIR/posttls-finger/main.cf, written on first use; see postfix.client_config)."""
    env = dict(os.environ)
    env["MAIL_CONFIG"] = postfix.client_config(os.path.join(ctx.world_dir, "posttls-finger"))
    return env


def posttls_finger(ctx, ip, extra=(), names=(), timeout=20):
    """posttls-finger's SMTP dialogue and TLS summary for one endpoint; `names` are the
    names to match the certificate against (with -l secure/verify)."""
    dest = "[%s]:%d" % (ip, ctx.world.smtp_port)
    r = sh(["posttls-finger", "-l", "may", *extra, dest, *names], timeout=timeout, env=tool_env(ctx))
    out = r.stdout + r.stderr
    lines = [l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("posttls-finger: ") and ": " in l]
    server = [l[2:] for l in lines if l.startswith("< ")]
    client = [l[2:] for l in lines if l.startswith("> ")]
    return out, server, client


SECLEVEL0 = "DEFAULT:@SECLEVEL=0"  # lets OpenSSL talk TLS 1.0 and accept 1024-bit keys


def s_client(ctx, ip, servername, extra=(), timeout=10):
    """openssl s_client -starttls smtp; returns (returncode, stdout, stderr)."""
    host = "[%s]" % ip if ":" in ip else ip
    args = ["openssl", "s_client", "-starttls", "smtp", "-connect", "%s:%d" % (host, ctx.world.smtp_port),
            "-servername", servername, "-showcerts", "-cipher", SECLEVEL0, *extra]
    try:
        r = sh(args, timeout=timeout, input="")
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        return None, "", "timeout"


def pem_blocks(text):
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.S)


def fingerprint(pem):
    """SHA-256 fingerprint of one PEM certificate, as lowercase hex without colons."""
    r = sh(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem, check=True)
    return r.stdout.strip().split("=", 1)[1].replace(":", "").lower()


def cert_file_fingerprint(path):
    with open(path) as f:
        return fingerprint(pem_blocks(f.read())[0])


def cert_names(pem):
    """(subject CN or None, [SAN dNSNames]) as openssl x509 prints them."""
    r = sh(["openssl", "x509", "-noout", "-subject", "-ext", "subjectAltName", "-nameopt", "multiline"],
           input=pem, check=True)
    cn = re.search(r"^\s+commonName\s+= (.*)$", r.stdout, re.M)
    sans = re.findall(r"DNS:([^,\s]+)", r.stdout)
    return (cn.group(1).strip() if cn else None), sans


def verify_chain(ca_file, pems):
    with tempfile.TemporaryDirectory() as d:
        leaf = os.path.join(d, "leaf.pem")
        inter = os.path.join(d, "inter.pem")
        with open(leaf, "w") as f:
            f.write(pems[0] + "\n")
        args = ["openssl", "verify", "-CAfile", ca_file]
        if len(pems) > 1:
            with open(inter, "w") as f:
                f.write("\n".join(pems[1:]) + "\n")
            args += ["-untrusted", inter]
        r = sh(args + [leaf])
        return r.returncode == 0, r.stdout + r.stderr


# ------------------------------------------------------------------ comparing scan folders

# Fields that say when or how fast (compare-scans' list), and which endpoint of an address
# finished first (it names the version probe's SNI: timing, in any run).
TIMING = {"elapsed_ms", "started", "finished", "duration_ms", "time_ms", "tls_max_from"}


def strip_timing(v):
    """A record (or any JSON value) without the TIMING fields, at every depth."""
    if isinstance(v, dict):
        return {k: strip_timing(x) for k, x in v.items() if k not in TIMING}
    if isinstance(v, list):
        return [strip_timing(x) for x in v]
    return v


def chains_of(d):
    """{file name: PEM text} of the folder's chains/ ({} when there is none)."""
    c = os.path.join(d, "chains")
    if not os.path.isdir(c):
        return {}
    out = {}
    for n in sorted(os.listdir(c)):
        with open(os.path.join(c, n)) as f:
            out[n] = f.read()
    return out


def folder_state(d, mtimes=False, skip=()):
    """{path under d: content's SHA-256} of every file under d (the locks too), with
    (SHA-256, mtime_ns) for mtimes: to show that nothing changed, not even by a rewrite of the
    same bytes. skip: folders right under d left out (a job's logs)."""
    out = {}
    for root, dirs, files in os.walk(d):
        if root == d:
            dirs[:] = [x for x in dirs if x not in skip]
        for n in files:
            p = os.path.join(root, n)
            with open(p, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            out[os.path.relpath(p, d)] = (digest, os.stat(p).st_mtime_ns) if mtimes else digest
    return out


# ------------------------------------------------------------------ worlds of their own

def world_env(ctx, name, world_file):
    """The environment for ctx.world_cmd of a world of its own: its world file, and its
    folder build/world-NAME (beside the bundled world's, which may be up at the same time)."""
    return dict(MXS_WORLD_FILE=world_file, MXS_WORLD_DIR=os.path.join(ctx.build, "world-" + name))


def own_world(ctx, name, text):
    """A world of its own from a world file's text, in a new temporary folder: (folder, env
    for ctx.world_cmd). Not up yet."""
    d = tempfile.mkdtemp(prefix="mxs-%s-" % name)
    wf = os.path.join(d, "world.conf")
    with open(wf, "w") as f:
        f.write(text)
    return d, world_env(ctx, name, wf)


def scale_world(ctx, name, domains, hosts, resolver):
    """The scale world (`scripts/world gen-scale`: DOMAINS domains over HOSTS MX hosts), its
    resolver moved to RESOLVER ("IP:PORT", each test its own, so that worlds can be up side by
    side), in a new temporary folder: (folder, domain list, env for ctx.world_cmd). Not up
    yet."""
    d = tempfile.mkdtemp(prefix="mxs-%s-" % name)
    wf, lst = os.path.join(d, "world.conf"), os.path.join(d, "list.txt")
    sh([os.path.join(ctx.root, "scripts/world"), "gen-scale", "--domains", str(domains),
        "--hosts", str(hosts), "--out", wf, "--list", lst], check=True)
    with open(wf) as f:
        text = f.read().replace("127.53.1.1:5300", resolver)
    with open(wf, "w") as f:
        f.write(text)
    return d, lst, world_env(ctx, name, wf)


def silent_names_world(ctx, name, resolver, net, n_addr, names):
    """A world of its own for --per-ip: N_ADDR addresses (NET.1, NET.2, ...), each with NAMES
    silent MX host names (s<a>-<i>.NAME.example: they accept and never greet), each the MX of
    one domain d<a>-<i>.NAME.example; its resolver RESOLVER ("IP:PORT"). (folder, domain list
    in address order, env for ctx.world_cmd); not up yet."""
    lines = ["set resolver %s" % resolver, "set smtp_port 2525", "set zones example"]
    for a in range(n_addr):
        hosts = ",".join("s%d-%d.%s.example" % (a, i, name) for i in range(names))
        lines.append("endpoint %s.%d host=%s silent=yes" % (net, a + 1, hosts))
        lines += ["domain d%d-%d.%s.example mx=10:s%d-%d.%s.example" % (a, i, name, a, i, name)
                  for i in range(names)]
    d, env = own_world(ctx, name, "\n".join(lines) + "\n")
    lst = os.path.join(d, "list.txt")
    with open(lst, "w") as f:
        f.write("".join("d%d-%d.%s.example\n" % (a, i, name) for a in range(n_addr) for i in range(names)))
    return d, lst, env


def max_at_once(log, port):
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
