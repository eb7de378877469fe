"""The world's nginx mail servers (server=nginx, tests/world/nginxmail.py): nginx's mail proxy,
OpenSSL, the server side of scripts/bench-tls's CPU-bound world. A world of its own with a few
endpoints is brought up; OpenSSL's client confirms each one is what the world file claims (the
greeting and EHLO name, STARTTLS, the certificate and chain, X25519, the TLS versions), and
mxsurvey's records for them are checked against the same claims (status ok, the chain, the
match, trust, the version probe). Owner: the bench (issue 11)."""
import contextlib
import json
import os
import shutil
import socket
import tempfile

import worldfile
from helpers import fingerprint, pem_blocks, sh
from test_scan import ALLOW

RESOLVER = "127.53.11.1:5300"
WORLD = """\
set resolver %s
set smtp_port 2525
set zones example,127.in-addr.arpa
cert ngxexact cn=mx1.ngx.example
cert ngxwild cn=*.ngxprov.example
cert ngxec cn=mx3.ngx.example key=ec256
endpoint 127.75.0.1 host=mx1.ngx.example ptr=mx1.ngx.example server=nginx cert=ngxexact
endpoint 127.75.0.2 host=mx2.ngxprov.example,mx.c9.ngxprov.example server=nginx cert=ngxwild
endpoint 127.75.0.3 host=mx3.ngx.example server=nginx cert=ngxec banner=greet.ngx.example tls_max=1.2
domain exact.ngx.example mx=10:mx1.ngx.example
domain wild.ngx.example mx=10:mx2.ngxprov.example
domain multi.ngx.example mx=10:mx.c9.ngxprov.example
domain ecdsa.ngx.example mx=10:mx3.ngx.example
""" % RESOLVER
# The claims, per endpoint: MX host -> (address, certificate, greeting/EHLO name, highest TLS,
# mxsurvey's match of the MX host name)
CLAIMS = {
    "mx1.ngx.example": ("127.75.0.1", "ngxexact", "mx1.ngx.example", "TLSv1.3", "exact"),
    "mx2.ngxprov.example": ("127.75.0.2", "ngxwild", "mx2.ngxprov.example", "TLSv1.3", "wildcard"),
    # a wildcard covers one label: the customer-named host only under the multi-label rule
    "mx.c9.ngxprov.example": ("127.75.0.2", "ngxwild", "mx2.ngxprov.example", "TLSv1.3", "multilabel"),
    "mx3.ngx.example": ("127.75.0.3", "ngxec", "greet.ngx.example", "TLSv1.2", "exact"),
}


@contextlib.contextmanager
def _world(ctx):
    """The test's world up (its folder and environment), and down after."""
    d = tempfile.mkdtemp(prefix="mxs-nginxmail-")
    with open(os.path.join(d, "world.conf"), "w") as f:
        f.write(WORLD)
    env = dict(MXS_WORLD_FILE=os.path.join(d, "world.conf"), MXS_WORLD_DIR=os.path.join(ctx.build, "world-nginxmail"))
    r = ctx.world_cmd("up", **env)
    assert r.returncode == 0, r.stderr
    try:
        yield d, env
    finally:
        r = ctx.world_cmd("down", **env)
        shutil.rmtree(d, ignore_errors=True)
        assert r.returncode == 0, r.stderr


def _certs(env):
    return os.path.join(env["MXS_WORLD_DIR"], "certs")


def _chain_fps(env, cert):
    with open(os.path.join(_certs(env), cert + ".chain.pem")) as f:
        return [fingerprint(p) for p in pem_blocks(f.read())]


def _dialogue(ip):
    """The greeting and the EHLO reply, read with a plain socket."""
    with socket.create_connection((ip, 2525), timeout=5) as s:
        f = s.makefile("rwb")
        greeting = f.readline().decode()
        f.write(b"EHLO client.ngx.test\r\n")
        f.flush()
        ehlo = []
        while True:
            line = f.readline().decode()
            ehlo.append(line.rstrip("\r\n"))
            if line[3:4] != "-":
                break
        f.write(b"QUIT\r\n")
        f.flush()
        return greeting.rstrip("\r\n"), ehlo


def _s_client(env, ip, host, *extra):
    r = sh(["openssl", "s_client", "-starttls", "smtp", "-connect", "%s:2525" % ip, "-servername", host,
            "-showcerts", "-verify_return_error", "-CAfile", os.path.join(_certs(env), "ca.pem"), *extra],
           input="", timeout=15)
    return r.returncode, r.stdout + r.stderr


def test_world_file_nginx_keys(ctx):
    """server=nginx takes banner, starttls and the TLS range, nothing the fixture alone can do."""
    base = "set resolver 127.53.11.1:5300\ncert c cn=a.example\n"
    w = worldfile.parse(base + "endpoint 127.75.0.9 host=a.example server=nginx cert=c banner=b.example tls_max=1.3\n")
    assert w.endpoints[0].server == "nginx" and w.endpoints[0].tls_range == ("1.0", "1.3")
    for bad in ("silent=yes", "ehlo=x.example", "sni=a.example:c", "cert=c,c2"):
        try:
            worldfile.parse(base + "cert c2 cn=a.example key=ec256\n"
                            "endpoint 127.75.0.9 host=a.example server=nginx cert=c %s\n" % bad)
        except worldfile.WorldError:
            continue
        raise AssertionError("server=nginx accepted %s" % bad)


def test_nginx_mail_is_what_the_world_claims(ctx):
    """openssl s_client -starttls smtp: each endpoint's greeting, EHLO, certificate and chain
    (verified against the world's CA), X25519, and the TLS versions the world file gives."""
    with _world(ctx) as (_, env):
        _claims_hold(env)


def _claims_hold(env):
    for host, (ip, cert, banner, tls_max, _) in CLAIMS.items():
        greeting, ehlo = _dialogue(ip)
        assert greeting.startswith("220 %s " % banner), greeting
        assert ehlo[0] == "250-" + banner and "250 STARTTLS" in ehlo, ehlo
        rc, out = _s_client(env, ip, host, "-tls1_2")
        assert rc == 0 and "Verify return code: 0 (ok)" in out, out[-800:]
        assert [fingerprint(p) for p in pem_blocks(out)] == _chain_fps(env, cert), host
        assert "Server Temp Key: X25519" in out and "Protocol  : TLSv1.2" in out, out[-800:]
        rc, out = _s_client(env, ip, host, "-tls1_3")
        assert (rc == 0) == (tls_max == "TLSv1.3"), (host, out[-400:])


def test_scan_records_of_nginx_mail(ctx):
    """mxsurvey's records for the nginx endpoints say what the world claims."""
    with _world(ctx) as (d, env):
        lst = os.path.join(d, "list.txt")
        with open(lst, "w") as f:
            f.write("exact.ngx.example\nwild.ngx.example\nmulti.ngx.example\necdsa.ngx.example\n")
        out = os.path.join(d, "out")
        r = sh([ctx.mxsurvey, "scan", "--resolver", RESOLVER, "--port", "2525", *ALLOW, "--ehlo",
                "scanner.mxsurvey.test", "--quiet", "--timeout", "5", "--no-infer",
                "--ca-file", os.path.join(_certs(env), "ca.pem"), "--out", out, lst], timeout=120)
        assert r.returncode == 0, r.stderr
        with open(os.path.join(out, "hosts.jsonl")) as f:
            hosts = {h["mx_host"]: h for h in map(json.loads, f)}
        assert sorted(hosts) == sorted(CLAIMS), sorted(hosts)
        for host, (ip, cert, banner, tls_max, match) in CLAIMS.items():
            h = hosts[host]
            assert h["ip"] == ip and h["status"] == "ok" and h["error"] is None, h
            assert h["banner_host"] == banner and h["ehlo_host"] == banner, h
            assert h["tls"]["version"] == "TLSv1.2" and h["tls_max"] == tls_max, h
            assert h["chain_sha256"] == _chain_fps(env, cert), h
            assert h["cert"]["key_type"] == ("EC" if cert == "ngxec" else "RSA"), h["cert"]
            assert h["trust"] == {"valid": True, "reasons": []}, h["trust"]
            assert h["match"]["mx_host"] == match, h["match"]
