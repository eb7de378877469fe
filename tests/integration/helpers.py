"""Helpers for integration tests: running reference tools (drill, openssl s_client,
posttls-finger) against the local world and reading what they print. Each tool runs on its own
settings (posttls-finger: a main.cf under the world dir, through MAIL_CONFIG), never on the
machine's configuration under /etc."""
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
