"""The reference implementations of a policy-enforcing sender, run on the local world, their
verdicts read from what they print and put in mxsurvey's words (docs/schema.md, "Policies a
sender enforces"):

  posttls_dane(ctx, domain)     Postfix's posttls-finger -l dane: per MX host pass / fail /
                                unusable / none (RFC 7672)
  posttls_secure(ctx, domain)   posttls-finger -l secure: per MX host pass / untrusted /
                                name-mismatch / no-tls (the words of the MTA-STS check)
  mta_sts_query(ctx, domain)    Debian's postfix-mta-sts-resolver, its mta-sts-query CLI: what
                                the policy lookup found (RFC 8461)
  mta_sts_daemon(ctx)           the same package's mta-sts-daemon, asked as Postfix asks it
                                (socketmap through postmap): the TLS policy Postfix enforces

Both tools take no resolver address: they read /etc/resolv.conf (port 53 only), and
mta-sts-query fetches https://mta-sts.DOMAIN/ on port 443. The world serves both on standard
ports beside its own (`set tool_resolver`, `set tool_web`, docs/world.md), and each tool runs in
a mount namespace of its own (`unshare -m`, inside the test's network namespace, where the
tests are root) with WORLD_DIR/tool-resolv.conf bind-mounted over /etc/resolv.conf: the
machine's resolver configuration is never touched. `options trust-ad`: glibc clears the AD bit
of answers unless told the resolver is trusted, and Postfix's DANE needs it. The world's CA
reaches mta-sts-query through SSL_CERT_FILE, posttls-finger through -F.
"""
import ast
import os
import re
import socket
import subprocess
import time

from helpers import sh, tool_env
import dnswire  # tests/world/dnswire.py (helpers puts tests/world on the path)

# ------------------------------------------------------------------ the tools' namespace


def tool_resolv_conf(ctx):
    """WORLD_DIR/tool-resolv.conf: the world's resolver as the system's."""
    assert ctx.world.tool_resolver, "the world file sets no tool_resolver (docs/world.md)"
    ip, port = ctx.world.tool_resolver
    # resolv.conf has no port: the tools can only ask port 53
    assert port == 53, "tool_resolver must listen on port 53, not %d" % port
    # `up` leaves the listener out when it cannot have the port (and says so): say it here too
    assert dnswire.query(ip, port, "mxsurvey-world-probe.invalid") is not None, \
        "the world's resolver does not answer on %s:%d (see `scripts/world up`'s output)" % (ip, port)
    path = os.path.join(ctx.world_dir, "tool-resolv.conf")
    with open(path, "w") as f:
        f.write("nameserver %s\noptions trust-ad attempts:2 timeout:3\n" % ip)
    return path


def in_tool_ns(ctx, args):
    """args run in a private mount namespace whose /etc/resolv.conf names the world's
    resolver (the bind mount dies with the namespace)."""
    assert os.path.exists("/etc/resolv.conf"), "no /etc/resolv.conf to bind-mount over"
    return ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/resolv.conf && exec "$@"',
            tool_resolv_conf(ctx), *args]


# ------------------------------------------------------------------ posttls-finger

# Its lines name the host as HOST[IP]:PORT; these are the ones read (Postfix 3.7):
_TRYING = re.compile(r"connect_addr: trying: ([^\[\s]+)\[")
_NO_TLSA = 'no TLSA records found, resorting to "secure"'
_NO_USABLE = 'no usable TLSA records found, resorting to "secure"'
_TLSA_ERR = re.compile(r"TLSA lookup error")
_MATCHED = re.compile(r"^([^\[\s]+)\[[^\]]*\]:\d+: Matched DANE (EE|TA) certificate")
_CONN = re.compile(r"^(Verified|Trusted|Untrusted|Anonymous) TLS connection established to ([^\[\s]+)\[")
_VFAIL = re.compile(r"^server certificate verification failed for ([^\[\s]+)\[[^\]]*\]:\d+: num=(\d+):(.*)")


def posttls_finger(ctx, domain, level, *extra, verbose=False, timeout=60):
    """posttls-finger on DOMAIN:PORT (it looks the MX records up itself) at a security level,
    on the world's resolver; returns its lines without the `posttls-finger: ` prefix."""
    args = ["posttls-finger", "-c", "-l", level, "-F", os.path.join(ctx.certs, "ca.pem"),
            # The DNSSEC probe asks `. NS` by default, which the world refuses (it has no root):
            # ask the signed tree's top instead, so that Postfix knows its resolver validates.
            "-o", "dnssec_probe=ns:%s" % ctx.world.dnssec_zones[0][0], *extra]
    if verbose:
        args.append("-v")
    args.append("%s:%d" % (domain, ctx.world.smtp_port))
    r = sh(in_tool_ns(ctx, args), timeout=timeout, env=tool_env(ctx))
    out = r.stdout + r.stderr
    return [l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("posttls-finger: ")]


def _sections(lines):
    """(host, [lines]) per MX host posttls-finger connected to, each with the DANE state its
    lookups left just before (`dane`, `none`, `unusable` or `error`)."""
    out = []
    state = "dane"
    for line in lines:
        if line == _NO_TLSA:
            state = "none"
        elif line == _NO_USABLE:
            state = "unusable"
        elif _TLSA_ERR.search(line):
            state = "error"
        m = _TRYING.search(line)
        if m:
            out.append((m.group(1).lower(), state, []))
            state = "dane"
        elif out:
            out[-1][2].append(line)
    return out


def posttls_dane(ctx, domain):
    """Postfix's DANE verdict per MX host: {host: word}, and the lookup error when it reached
    no host. Recognised in posttls-finger -v -l dane's lines:
      pass      `Verified TLS connection` after `Matched DANE EE|TA certificate` for the host
      fail      `Untrusted TLS connection` with usable TLSA records (the chain matched none, or
                DANE-TA's name check failed: `server certificate verification failed`), or a
                TLSA lookup error (RFC 7672 §2.2: the host is not used)
      unusable  `no usable TLSA records found` (only PKIX-TA/EE usages: RFC 7672 §3.1.3)
      none      `no TLSA records found` (no TLSA, or the host's addresses are not secure and
                Postfix did not ask: RFC 7672 §2.2.2)
    For unusable and none, posttls-finger goes on at level "secure" (its manual): that second
    verdict, on the next-hop domain's names, is not DANE's and is not read here (RFC 7672
    §2.2 makes it mandatory unauthenticated TLS; smtp(8) does so at level dane)."""
    lines = posttls_finger(ctx, domain, "dane", verbose=True)
    # (posttls-finger stops at the first MX host it completes a session with; every DANE
    # domain of the world has one MX host)
    hosts = {}
    for host, state, sect in _sections(lines):
        if state != "dane":
            hosts[host] = {"none": "none", "unusable": "unusable", "error": "fail"}[state]
            continue
        matched = any(_MATCHED.match(l) and _MATCHED.match(l).group(1).lower() == host for l in sect)
        conn = [m.group(1) for m in map(_CONN.match, sect) if m]
        if conn and conn[0] == "Verified" and matched:
            hosts[host] = "pass"
        elif conn:
            hosts[host] = "fail"
        else:
            hosts[host] = "no-tls"
    error = next((l for l in lines if "lookup failed" in l or "Host not found" in l), None)
    return hosts, (error if not hosts else None)


def posttls_secure(ctx, domain, match=None):
    """Postfix's verdict at level "secure" per MX host, in the MTA-STS check's words:
      pass           `Verified TLS connection`
      name-mismatch  `server certificate verification failed ... num=62:hostname mismatch`
      untrusted      any other verification failure (the chain: expired, unknown CA...)
      no-tls         no TLS connection at all (no STARTTLS, handshake failed)
    match: the names the certificate must match (smtp_tls_secure_cert_match; Postfix's default
    is the next-hop domain and its subdomains; a leading dot means any subdomain); the SNI is
    the MX host's name (servername=hostname, as postfix-mta-sts-resolver asks)."""
    extra = ["-s", "hostname"]
    if match:
        extra += ["-o", "smtp_tls_secure_cert_match=%s" % " ".join(match)]
    lines = posttls_finger(ctx, domain, "secure", *extra, verbose=True)
    hosts = {}
    for host, _state, sect in _sections(lines):
        conn = [m.group(1) for m in map(_CONN.match, sect) if m]
        fails = [m.group(2) for m in map(_VFAIL.match, sect) if m]
        if conn and conn[0] == "Verified":
            hosts[host] = "pass"
        elif conn:
            hosts[host] = "name-mismatch" if fails and fails[0] == "62" else "untrusted"
        else:
            hosts[host] = "no-tls"
    return hosts


# ------------------------------------------------------------------ postfix-mta-sts-resolver

# What mta-sts-query can tell apart, and the mxsurvey statuses (domains.jsonl mta_sts.status)
# each covers. The tool has three results (resolver.py: STSFetchResult): NONE (no usable TXT
# record: RFC 8461 §3.1), FETCH_ERROR (the TXT lookup failed, the fetch failed or the policy
# is invalid) and VALID; its warning line tells a failed fetch's kind where it has one.
QUERY_CLASSES = {
    "ok": {"ok"},
    "none": {"no-txt", "txt-multiple", "txt-syntax", "txt-no-id", "txt-bad-id"},
    "bad-certificate": {"bad-certificate"},
    # BadSTSPolicy: an HTTP status other than 200 (a redirect too: it never follows one), a
    # content type other than text/plain, or a body over 64 KiB: one empty warning for all
    "bad-response": {"http-status", "redirect", "too-large"},
    "connect-failed": {"connect-failed", "tls-failed", "no-policy-host", "fetch-failed"},
    "timeout": {"timeout"},
    # a policy fetched but refused by its checks (no warning line: resolver.py returns quietly)
    "policy-invalid": {"syntax", "bad-version", "bad-mode", "bad-max-age", "bad-mx", "duplicate",
                       "no-version", "no-mode", "no-max-age", "no-mx"},
    "dns-error": {"dns-error"},
}

_RESULT = re.compile(r"^\(<STSFetchResult\.(\w+): \d+>, (.*)\)$")


def mta_sts_query(ctx, domain, known_id=None):
    """mta-sts-query DOMAIN [KNOWN_ID] → dict: `kind` (a key of QUERY_CLASSES, or
    `not-changed` when the TXT id equals known_id), `id`, `mode`, `mx`, `max_age` (None unless
    ok) and `warning` (its fetch warning)."""
    env = dict(os.environ)
    env["SSL_CERT_FILE"] = os.path.join(ctx.certs, "ca.pem")
    args = ["mta-sts-query", "-v", "debug", domain] + ([known_id] if known_id else [])
    r = sh(in_tool_ns(ctx, args), timeout=60, env=env)
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    m = _RESULT.match(last)
    assert m, "mta-sts-query %s: exit %d, unreadable: %r %s" % (domain, r.returncode, last, r.stderr[-400:])
    res, payload = m.group(1), ast.literal_eval(m.group(2))
    warn = next((l.split("failed with error: ", 1)[1] for l in r.stderr.splitlines()
                 if "failed with error: " in l), None)
    out = {"kind": None, "id": None, "mode": None, "mx": None, "max_age": None, "warning": warn}
    if res == "VALID":
        pid, pol = payload
        out.update(kind="ok", id=pid, mode=pol["mode"], mx=pol["mx"], max_age=pol["max_age"])
    elif res == "NONE":
        out["kind"] = "none"
    elif res == "NOT_CHANGED":
        out["kind"] = "not-changed"
    elif warn is None:
        # the TXT lookup failed (no warning), or the policy's checks refused it; the debug line
        # `Parsed policy` tells the second
        out["kind"] = "policy-invalid" if "Parsed policy" in r.stderr else "dns-error"
    elif "CertificateError" in warn or "CERTIFICATE_VERIFY_FAILED" in warn:
        out["kind"] = "bad-certificate"
    elif "Cannot connect" in warn:
        out["kind"] = "connect-failed"
    elif "imeout" in warn:
        out["kind"] = "timeout"
    else:
        out["kind"] = "bad-response"
    return out


class StsDaemon:
    """mta-sts-daemon on 127.0.0.1:PORT of the test's namespace (a socketmap server, as
    Postfix's smtp_tls_policy_maps asks it), started in the tools' mount namespace; `policy`
    asks it with postmap, as Postfix would. Use as a context manager: the process is stopped
    by its PID on exit."""

    def __init__(self, ctx, port=8461):
        self.ctx, self.port = ctx, port
        d = os.path.join(ctx.world_dir, "mta-sts-daemon")
        os.makedirs(d, exist_ok=True)
        self.conf = os.path.join(d, "mta-sts-daemon.yml")
        with open(self.conf, "w") as f:
            # internal cache: each run starts empty; strict_testing false is the default (a
            # testing policy is not enforced, RFC 8461 §5)
            # (reuse_port stays true: with false, 1.1.2's responder.start fails on an unset
            # variable)
            f.write("host: 127.0.0.1\nport: %d\nreuse_port: true\n"
                    "cache:\n  type: internal\n  options:\n    cache_size: 100\n"
                    "default_zone:\n  strict_testing: false\n  timeout: 4\n" % port)
        self.log = os.path.join(d, "daemon.log")
        self.proc = None

    def __enter__(self):
        env = dict(os.environ)
        env["SSL_CERT_FILE"] = os.path.join(self.ctx.certs, "ca.pem")
        self.proc = subprocess.Popen(in_tool_ns(self.ctx, ["mta-sts-daemon", "-c", self.conf]),
                                     stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        t0 = time.time()
        while time.time() - t0 < 15:
            if self.proc.poll() is not None:
                raise AssertionError("mta-sts-daemon exited %d: %s" %
                                     (self.proc.returncode, open(self.log).read()[-400:]))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise AssertionError("mta-sts-daemon did not listen on 127.0.0.1:%d" % self.port)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def policy(self, domain):
        """Postfix's TLS policy for domain from the daemon: e.g. `secure match=mx1.a.example
        servername=hostname`, or None (NOTFOUND: no policy, mode none, or testing)."""
        r = sh(["postmap", "-q", domain, "socketmap:inet:127.0.0.1:%d:postfix" % self.port],
               timeout=30, env=tool_env(self.ctx))
        if r.returncode == 1 and not r.stdout.strip():
            return None
        assert r.returncode == 0, "postmap -q %s: exit %d: %s" % (domain, r.returncode, r.stderr)
        return r.stdout.strip()


def policy_match(policy):
    """The match= names of a daemon policy (`secure match=A:B ...`), or None."""
    if not policy:
        return None
    for word in policy.split():
        if word.startswith("match="):
            return word[len("match="):].split(":")
    return None
