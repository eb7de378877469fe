"""The version probe's ClientHello and ServerHello reader (src/probe/tlshello.c) against real servers:
the build's tlshello driver (BUILD/drivers/tlshello_driver, from tests/integration/tlshello_driver.c
by make; sanitized in build/asan) sends the ClientHello to openssl s_server on 127.0.0.1 (a free
port per case) and, after STARTTLS, to the world's Postfix and mbedTLS fixture endpoints, and reports what the reader
made of the answer. A ServerHello from a server that checks every field (OpenSSL) is the proof
that the ClientHello is well-formed; the reader must agree with what the server was told to do.
"""
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time

from helpers import sh, s_client


class Lab:
    """The build's driver and a temporary folder with throwaway certificates."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.dir = tempfile.mkdtemp(prefix="tlshello-")
        self.driver = os.path.join(ctx.build, "drivers", "tlshello_driver")
        assert os.access(self.driver, os.X_OK), "%s missing; run make" % self.driver
        for name, key in (("rsa", ["-newkey", "rsa:2048"]),
                          ("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])):
            sh(["openssl", "req", "-x509", *key, "-nodes", "-keyout", self.path(name + ".key"),
                "-subj", "/CN=%s.tlshello.test" % name, "-days", "30", "-out", self.path(name + ".pem")],
               check=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def cert(self, name):
        return ["-cert", self.path(name + ".pem"), "-key", self.path(name + ".key")]

    def probe(self, ip, port, sni=None, smtp=False):
        args = [self.driver, "-t", "8000"]
        if smtp:
            args.append("-s")
        if sni:
            args += ["-n", sni]
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1")
        r = sh(args + [ip, str(port)], timeout=30, env=env)
        assert r.returncode == 0 and not r.stderr.strip(), \
            "driver exit %d: %s" % (r.returncode, r.stderr[-1500:])
        res = json.loads(r.stdout)
        assert res.get("one_by_one", "same") == "same", "byte-at-a-time verdict differs: %r" % res
        return res

    def s_server(self, *args, sni=None):
        """Runs openssl s_server with these arguments on a free port for one connection and
        returns the driver's result for it."""
        for _ in range(5):  # a port found free may be taken again before s_server binds it
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            p = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                                  "-naccept", "1", "-www", *args],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
            try:
                # Raw reads: a buffered readline could hold "ACCEPT" back while select waits.
                out, ready = "", False
                deadline = time.time() + 10
                while time.time() < deadline and not ready:
                    if select.select([p.stdout], [], [], 0.2)[0]:
                        chunk = os.read(p.stdout.fileno(), 4096).decode(errors="replace")
                        if not chunk:
                            break
                        out += chunk
                        ready = "\nACCEPT" in "\n" + out
                if not ready:
                    if "in use" in out:
                        continue
                    raise AssertionError("s_server %s did not start: %s" % (" ".join(args), out[-800:]))
                return self.probe("127.0.0.1", port, sni=sni)
            finally:
                p.kill()
                p.wait()
        raise AssertionError("no free port for s_server")

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def _expect(res, what, **want):
    got = {k: res.get(k) for k in want}
    assert got == want, "%s: got %r, expected %r (whole result %r)" % (what, got, want, res)


def test_tlshello_openssl_versions(ctx):
    """OpenSSL accepts the ClientHello at every version it is limited to, and the reader reports
    the version, suite and group it chose: TLS 1.3 with our first suite and X25519, TLS 1.2 with
    ECDHE-RSA (RSA certificate) or the one ECDSA suite it is told to use, TLS 1.1 and 1.0."""
    lab = Lab(ctx)
    try:
        r = lab.s_server(*lab.cert("rsa"), "-tls1_3", sni="mx.tlshello.test")
        _expect(r, "-tls1_3", status="done", kind="server_hello", version="TLSv1.3",
                cipher="TLS_AES_256_GCM_SHA384", group="x25519", alert=None, warnings=0)
        r = lab.s_server(*lab.cert("rsa"), "-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256")
        _expect(r, "-tls1_3 chacha", version="TLSv1.3", cipher="TLS_CHACHA20_POLY1305_SHA256",
                group="x25519")
        r = lab.s_server(*lab.cert("rsa"), "-no_tls1_3", sni="mx.tlshello.test")
        _expect(r, "-no_tls1_3", status="done", kind="server_hello", version="TLSv1.2",
                cipher="TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", group=None)
        r = lab.s_server(*lab.cert("ec"), "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
        _expect(r, "-tls1_2 ECDSA", status="done", version="TLSv1.2",
                cipher="TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
        r = lab.s_server(*lab.cert("ec"), "-no_tls1_3")
        _expect(r, "-no_tls1_3 ECDSA: our first TLS 1.2 suite", version="TLSv1.2",
                cipher="TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
        for flag, version in (("-tls1_1", "TLSv1.1"), ("-tls1", "TLSv1.0")):
            r = lab.s_server(*lab.cert("rsa"), flag, "-cipher", "DEFAULT:@SECLEVEL=0")
            _expect(r, flag, status="done", kind="server_hello", version=version,
                    cipher="TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA")
    finally:
        lab.close()


def test_tlshello_openssl_hrr_alerts_and_sni(ctx):
    """A TLS 1.3 server limited to P-256 answers our X25519 share with a HelloRetryRequest; a
    server with no suite in common sends a fatal handshake_failure; our server_name reaches the
    server (it picks its second certificate for it), and a name it does not know brings a
    warning unrecognized_name before the TLS 1.2 ServerHello (skipped, counted) or, with
    -servername_fatal, a fatal one."""
    lab = Lab(ctx)
    try:
        r = lab.s_server(*lab.cert("rsa"), "-tls1_3", "-groups", "P-256")
        _expect(r, "-groups P-256", status="done", kind="hello_retry_request", version="TLSv1.3",
                group="secp256r1", cipher="TLS_AES_256_GCM_SHA384")
        r = lab.s_server(*lab.cert("rsa"), "-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256")
        _expect(r, "no common suite", status="done", kind="alert", alert="handshake_failure(40)",
                alert_level=2, version=None)
        second = ["-servername", "mx.tlshello.test", "-cert2", lab.path("ec.pem"),
                  "-key2", lab.path("ec.key"), "-no_tls1_3"]
        r = lab.s_server(*lab.cert("rsa"), *second, sni="mx.tlshello.test")
        _expect(r, "SNI known: EC certificate", version="TLSv1.2", warnings=0,
                cipher="TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
        r = lab.s_server(*lab.cert("rsa"), *second)
        _expect(r, "no SNI: RSA certificate", version="TLSv1.2", warnings=0,
                cipher="TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
        r = lab.s_server(*lab.cert("rsa"), *second, sni="other.tlshello.test")
        _expect(r, "SNI unknown: warning", status="done", kind="server_hello", version="TLSv1.2",
                warnings=1, last_warning="unrecognized_name(112)")
        r = lab.s_server(*lab.cert("rsa"), *second, "-servername_fatal", sni="other.tlshello.test")
        _expect(r, "SNI unknown, fatal", status="done", kind="alert",
                alert="unrecognized_name(112)", alert_level=2)
    finally:
        lab.close()


def test_tlshello_world_servers(ctx):
    """After STARTTLS: the world's Postfix (OpenSSL 3) answers TLS 1.3 with X25519 and the suite
    openssl s_client negotiates with it; the mbedTLS fixture endpoints answer TLS 1.2, or 1.0
    where the world limits them to it."""
    lab = Lab(ctx)
    try:
        port = ctx.world.smtp_port
        postfix = [ep for ep in ctx.world.endpoints if ep.server == "postfix"][0]
        r = lab.probe(postfix.ip, port, sni=postfix.hosts[0], smtp=True)
        _expect(r, "postfix", status="done", kind="server_hello", version="TLSv1.3", group="x25519")
        rc, out, err = s_client(ctx, postfix.ip, postfix.hosts[0])
        assert "New, TLSv1.3, Cipher is %s" % r["cipher"] in out, \
            "s_client disagrees with %s: %s" % (r["cipher"], (out + err)[-600:])

        def endpoint(host):
            return [ep for ep in ctx.world.endpoints if host in ep.hosts][0]

        for host, version in (("mx1.exact.example", "TLSv1.2"), ("mx.ecdsa.example", "TLSv1.2"),
                              ("mx.tls10.example", "TLSv1.0")):
            ep = endpoint(host)
            r = lab.probe(ep.ip, port, sni=host, smtp=True)
            _expect(r, host, status="done", kind="server_hello", version=version, group=None)
        r = lab.probe(endpoint("mx.ecdsa.example").ip, port, smtp=True)
        assert "ECDSA" in r["cipher"], r
    finally:
        lab.close()


def test_install_deps_fuzz_flag(ctx):
    """scripts/install-deps.sh installs clang and libFuzzer's runtime only with --fuzz, and
    exits 0 after installing. dpkg-query, apt-get, debconf-set-selections and id are stand-ins
    on PATH (clang "missing", everything else present), so nothing is installed for real."""
    fake = tempfile.mkdtemp(prefix="deps-")
    try:
        scripts = {
            "dpkg-query": '#!/bin/sh\nfor a; do p=$a; done\ncase $p in clang|libclang-rt-dev) '
                          'echo "unknown ok not-installed";; *) echo "install ok installed";; esac\n',
            "apt-get": '#!/bin/sh\necho "$*" >>"%s/apt.log"\n' % fake,
            "debconf-set-selections": "#!/bin/sh\ncat >/dev/null\n",
            "id": "#!/bin/sh\necho 0\n",
        }
        for name, text in scripts.items():
            with open(os.path.join(fake, name), "w") as f:
                f.write(text)
            os.chmod(os.path.join(fake, name), 0o755)
        if not os.path.exists("/usr/sbin/policy-rc.d") and os.geteuid() != 0:
            return  # the script would have to create it: only root can, and only root installs
        env = dict(os.environ, PATH=fake + ":" + os.environ["PATH"])
        script = os.path.join(ctx.root, "scripts", "install-deps.sh")
        r = sh([script], env=env)
        assert r.returncode == 0 and not os.path.exists(os.path.join(fake, "apt.log")), \
            "without --fuzz: exit %d, %s" % (r.returncode, r.stdout + r.stderr)
        r = sh([script, "--fuzz"], env=env)
        assert r.returncode == 0, "--fuzz: exit %d: %s" % (r.returncode, r.stdout + r.stderr)
        with open(os.path.join(fake, "apt.log")) as f:
            log = f.read()
        assert "install -y -qq --no-install-recommends clang libclang-rt-dev" in log, log
        r = sh([script, "--bogus"], env=env)
        assert r.returncode == 2 and "usage" in r.stderr, r.stderr
    finally:
        shutil.rmtree(fake, ignore_errors=True)
