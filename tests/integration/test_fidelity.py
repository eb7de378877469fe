"""Measurement fidelity (issue 8): what mxsurvey says to servers and records must be what a
real sending MTA would see. The EHLO argument, the ClientHello's order, the TLS version a server
supports beyond our client's TLS 1.2 (the version probe), alerts, and failed handshakes."""
import json
import os
import re
import subprocess
import tempfile

from helpers import sh
from test_scan import ALLOW, read_jsonl, scan_args


def as_host(ctx, hostname, args, timeout=60):
    """Runs args in a UTS namespace of its own whose host name is `hostname` (root only, as the
    suite runs): the scanner's default EHLO comes from gethostname()."""
    return sh(["unshare", "-u", "sh", "-c", 'hostname "$0" && exec "$@"', hostname, *args],
              timeout=timeout)


def check_args(ctx, domain, *extra):
    ip, port = ctx.world.resolver
    return [ctx.mxsurvey, "check", "--resolver", "%s:%d" % (ip, port), "--port",
            str(ctx.world.smtp_port), *ALLOW, "--timeout", "3", "--dns-timeout", "0.5",
            "--ca-file", os.path.join(ctx.certs, "ca.pem"), *extra, domain]


def ehlo_lines(out):
    return [l[len("C: "):] for l in out.splitlines() if l.startswith("C: EHLO")]


# ------------------------------------------------------------------ EHLO

def test_ehlo_default_is_fqdn_or_address_literal(ctx):
    """A bare host name ("vm") is not a valid EHLO argument (RFC 5321 4.1.1.1): the default falls
    back to the address literal of the connection's local address, with one warning; a fully
    qualified host name is used as it is; --ehlo overrides both."""
    r = as_host(ctx, "vm", check_args(ctx, "exact.example"))
    assert r.returncode == 0, r.stdout + r.stderr
    sent = ehlo_lines(r.stdout)
    assert sent and all(re.fullmatch(r"EHLO \[127(\.\d{1,3}){3}\]", l) for l in sent), sent
    warnings = [l for l in r.stderr.splitlines() if "not a fully qualified domain name" in l]
    assert len(warnings) == 1 and '"vm"' in warnings[0], r.stderr

    r = as_host(ctx, "scanner.mxsurvey.test", check_args(ctx, "exact.example"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert set(ehlo_lines(r.stdout)) == {"EHLO scanner.mxsurvey.test"}, r.stdout
    assert "warning" not in r.stderr, r.stderr

    r = as_host(ctx, "vm", check_args(ctx, "exact.example", "--ehlo", "given.mxsurvey.test"))
    assert set(ehlo_lines(r.stdout)) == {"EHLO given.mxsurvey.test"}, r.stdout
    assert "warning" not in r.stderr, r.stderr

    r = as_host(ctx, "vm", check_args(ctx, "exact.example", "--ehlo", "bare"))
    assert set(ehlo_lines(r.stdout)) == {"EHLO bare"}, r.stdout
    assert "--ehlo bare is neither a fully qualified domain name nor an address literal" in r.stderr, r.stderr


def test_ehlo_address_literal_ipv6(ctx):
    """Over IPv6 the literal is "[IPv6:...]" (RFC 5321 4.1.3)."""
    r = as_host(ctx, "vm", check_args(ctx, "v6.example", "--ipv6"))
    sent = ehlo_lines(r.stdout)
    assert "EHLO [IPv6:::1]" in sent, r.stdout
    assert any(re.fullmatch(r"EHLO \[127(\.\d{1,3}){3}\]", l) for l in sent), sent


# ------------------------------------------------------------------ the version probe (tls_max)

def openssl_version(ip, port, sni):
    """The version OpenSSL 3's s_client negotiates with its defaults widened to every version
    (SECLEVEL=0 lets it speak TLS 1.0/1.1): the reference for tls_max."""
    host = "[%s]" % ip if ":" in ip else ip
    r = sh(["openssl", "s_client", "-starttls", "smtp", "-connect", "%s:%d" % (host, port),
            "-servername", sni, "-cipher", "DEFAULT@SECLEVEL=0", "-brief"], timeout=20, input="")
    m = re.search(r"^Protocol version: (\S+)$", r.stdout + r.stderr, re.M)
    if not m:
        return None
    return "TLSv1.0" if m.group(1) == "TLSv1" else m.group(1)  # OpenSSL's name for TLS 1.0


_vscan = {}


def vscan(ctx):
    """One scan of the world list with the version probe (the default)."""
    if "hosts" not in _vscan:
        out = tempfile.mkdtemp(prefix="mxs-fidelity-")
        r = sh(scan_args(ctx, "--ipv6", "--out", out, os.path.join(ctx.root, "data/world/domains.txt")),
               timeout=180)
        assert r.returncode == 0, "scan exit %d: %s" % (r.returncode, r.stderr)
        _vscan["out"] = out
        _vscan["hosts"] = read_jsonl(os.path.join(out, "hosts.jsonl"))
        with open(os.path.join(out, "run.json")) as f:
            _vscan["run"] = json.load(f)
        with open(os.path.join(out, "summary.json")) as f:
            _vscan["summary"] = json.load(f)
    return _vscan


def test_tls_max_agrees_with_openssl(ctx):
    """For every endpoint whose server got as far as TLS, tls_max is the version OpenSSL 3
    negotiates with it: TLS 1.3 from the OpenSSL-based Postfix instances, TLS 1.2 (or 1.0)
    from the mbedTLS fixture, whatever this client's own handshake managed."""
    s = vscan(ctx)
    errors, seen = [], set()
    for h in s["hosts"]:
        if h["status"] not in ("ok", "tls-failed") or h["error"] and "closed" in h["error"]:
            continue
        if ctx.world.endpoint_at(h["ip"]).opt("alert_after_certificate") is not None:
            continue  # no handshake ever completes there, OpenSSL's neither (test_certmode)
        want = openssl_version(h["ip"], h["port"], h["mx_host"])
        seen.add(want)
        if h["tls_max"] != want:
            errors.append("%s [%s]: tls_max %r, openssl negotiates %r (%s)" %
                          (h["mx_host"], h["ip"], h["tls_max"], want, h["tls_max_error"]))
    assert not errors, "\n  ".join(errors)
    assert {"TLSv1.3", "TLSv1.2", "TLSv1.0"} <= seen, seen


def test_tls_max_fields(ctx):
    s = vscan(ctx)
    by = {(h["mx_host"], h["ip"]): h for h in s["hosts"]}
    pf = by[("mx.postfix.example", "127.20.0.1")]
    assert pf["tls"]["version"] == "TLSv1.2", pf["tls"]      # what this client negotiated
    assert pf["tls_max"] == "TLSv1.3", pf                      # what the server supports
    assert pf["tls_max_cipher"] == "TLS_AES_256_GCM_SHA384", pf
    assert pf["tls_max_group"] == "x25519" and pf["tls_max_hello_retry"] is False, pf
    assert pf["tls_max_from"] == "mx.postfix.example" and pf["tls_max_error"] is None, pf

    ex = by[("mx1.exact.example", "127.10.0.1")]               # mbedTLS 2.28: TLS 1.2
    assert ex["tls_max"] == "TLSv1.2" and ex["tls_max_group"] is None, ex
    assert ex["tls_max_cipher"].startswith("TLS_ECDHE_"), ex

    old = by[("mx.tls10.example", "127.10.0.27")]
    assert old["tls_max"] == "TLSv1.0" and old["tls"]["version"] == "TLSv1.0", old

    # One probe per address: both MX names of the provider address carry its result, with
    # the name the probe used.
    a = by[("customer.example.s6a1.psmtp.example", "127.10.0.3")]
    b = by[("other.example.s6a1.psmtp.example", "127.10.0.3")]
    for k in ("tls_max", "tls_max_from", "tls_max_cipher", "tls_max_group", "tls_max_error"):
        assert a[k] == b[k], (k, a[k], b[k])
    assert a["tls_max_from"] in (a["mx_host"], b["mx_host"]) and a["tls_max"] == "TLSv1.2", a

    # No TLS at the address: no version probe is spent on it, and the records say why.
    for key, status in ((("mx.nostarttls.example", "127.10.0.21"), "no-starttls"),
                        (("mx.silent.example", "127.10.0.25"), "timeout"),
                        (("mx.closed.example", "127.10.0.30"), "connect-failed"),
                        (("mx.tls454.example", "127.10.0.22"), "starttls-refused")):
        h = by[key]
        assert h["tls_max"] is None and h["tls_max_from"] is None, h
        assert h["tls_max_error"] == "not probed: the session with %s did not reach TLS (%s)" % (key[0], status), h
        assert h["tls_max_cipher"] is None and h["tls_max_hello_retry"] is None, h

    # One version probe per address that got as far as TLS, none for the others.
    probed = {h["ip"] for h in s["hosts"] if h["tls_max_from"] is not None}
    unprobed = {h["ip"] for h in s["hosts"] if (h["tls_max_error"] or "").startswith("not probed")}
    assert probed and unprobed and not probed & unprobed, (probed, unprobed)
    assert probed | unprobed == {h["ip"] for h in s["hosts"]}
    assert s["run"]["version_probe"] is True
    assert s["run"]["counts"]["version_probes"] == len(probed), (s["run"]["counts"], len(probed))
    tally = {}
    for h in s["hosts"]:
        k = h["tls_max"] if h["tls_max"] is not None else "null"
        tally[k] = tally.get(k, 0) + 1
    assert s["summary"]["endpoints"]["by_tls_max"] == tally, (s["summary"]["endpoints"]["by_tls_max"], tally)


def test_tls13_only_server(ctx):
    """A TLS 1.3-only Postfix: this client's handshake fails with the server's alert, named; no
    session is recorded; the version probe still says what the server speaks."""
    s = vscan(ctx)
    h = [h for h in s["hosts"] if h["mx_host"] == "mx.tls13only.example"][0]
    assert h["status"] == "tls-failed", h
    assert h["error"] == "fatal alert from server: protocol_version(70)", h["error"]
    assert h["tls_alert"] == "protocol_version(70)", h
    assert h["tls"] is None, h
    assert h["tls_max"] == "TLSv1.3" and h["tls_max_cipher"].startswith("TLS_AES_"), h
    r = sh(check_args(ctx, "tls13only.example", "--ehlo", "scanner.mxsurvey.test"))
    assert "TLS session" not in r.stdout, r.stdout
    assert "fatal alert from server: protocol_version(70)" in r.stdout, r.stdout
    assert re.search(r"^TLS support   TLSv1\.3 \(TLS_AES_\w+, x25519\) \[version probe with SNI mx\.tls13only\.example\]$",
                     r.stdout, re.M), r.stdout


def test_no_version_probe(ctx):
    out = tempfile.mkdtemp(prefix="mxs-novp-")
    r = sh(scan_args(ctx, "--no-version-probe", "--out", out, os.path.join(ctx.root, "data/world/domains.txt")),
           timeout=180)
    assert r.returncode == 0, r.stderr
    hosts = read_jsonl(os.path.join(out, "hosts.jsonl"))
    assert hosts and all(h["tls_max"] is None and h["tls_max_from"] is None and h["tls_max_error"] is None
                         for h in hosts)
    with open(os.path.join(out, "run.json")) as f:
        run = json.load(f)
    assert run["version_probe"] is False and run["counts"]["version_probes"] == 0, run
    # Same endpoints, one connection fewer per address.
    s = vscan(ctx)
    assert {(h["mx_host"], h["ip"]) for h in hosts} <= {(h["mx_host"], h["ip"]) for h in s["hosts"]}


# ------------------------------------------------------------------ ClientHello order, EHLO on a real MTA

def openssl_leaf_sha256(ip, port, *extra):
    r = sh(["openssl", "s_client", "-starttls", "smtp", "-connect", "%s:%d" % (ip, port), *extra],
           timeout=20, input="")
    pem = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", r.stdout, re.S)
    assert pem, r.stdout + r.stderr
    fp = sh(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem.group(0), check=True)
    return fp.stdout.strip().split("=", 1)[1].replace(":", "").lower()


def test_dual_certificate_server_gives_what_openssl_gets(ctx):
    """A server holding an RSA and an ECDSA certificate hands each client the one its first
    acceptable suite asks for: mxsurvey records the leaf a default OpenSSL TLS 1.2 client gets
    (ECDSA), not the RSA one mbedTLS's own order would have fetched."""
    s = vscan(ctx)
    h = [h for h in s["hosts"] if h["mx_host"] == "mx.dualcert.example"][0]
    assert h["status"] == "ok", h
    want = openssl_leaf_sha256(h["ip"], h["port"], "-tls1_2", "-servername", h["mx_host"])
    rsa = openssl_leaf_sha256(h["ip"], h["port"], "-tls1_2", "-servername", h["mx_host"],
                              "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256", "-cipher", "aRSA")
    assert want != rsa, "the world's dual-certificate server serves one certificate"
    assert h["cert"]["sha256"] == want and h["cert"]["key_type"] == "EC", (h["cert"], want)
    assert h["tls"]["cipher"].startswith("TLS_ECDHE_ECDSA_WITH_AES_256_GCM"), h["tls"]


def test_ehlo_on_a_postfix_that_wants_fqdn(ctx):
    """Postfix with reject_non_fqdn_helo_hostname: on a machine called "vm" the scan still gets
    TLS (the default EHLO is then an address literal); a bare --ehlo is refused with 504, which
    shows the server really checks."""
    r = as_host(ctx, "vm", check_args(ctx, "fqdnhelo.example"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert any(re.fullmatch(r"EHLO \[127(\.\d{1,3}){3}\]", l) for l in ehlo_lines(r.stdout)), r.stdout
    assert "-- mx.fqdnhelo.example [127.20.0.3]:%d: ok" % ctx.world.smtp_port in r.stdout, r.stdout
    r = as_host(ctx, "vm", check_args(ctx, "fqdnhelo.example", "--ehlo", "vm"))
    assert r.returncode == 1, r.stdout
    assert re.search(r": smtp-error \(EHLO refused: 504 5\.5\.2 .*need fully-qualified hostname", r.stdout), r.stdout
