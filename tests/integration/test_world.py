"""The local world is what the world file declares: checked with reference tools only
(drill for DNS, posttls-finger and openssl s_client for SMTP and TLS), never with mxsurvey."""
import os
import re
import socket
import subprocess

from helpers import (after_down, cert_file_fingerprint, cert_names, drill, fingerprint,
                     pem_blocks, posttls_finger, s_client, sh, tool_env, verify_chain)
import dnssec  # tests/world/dnssec.py
import postfix  # tests/world/postfix.py
import worldfile


def _fails(errors):
    if errors:
        raise AssertionError("%d mismatches:\n  " % len(errors) + "\n  ".join(errors[:40]))


def _bogus(ctx, name):
    """1 when name lies in a bogus zone of the DNSSEC tree: the validating resolver answers
    SERVFAIL for it (test_dnssec.py checks that part)."""
    z = dnssec.zone_of(ctx.world, name)
    return z is not None and dict(ctx.world.dnssec_zones)[z] == "bogus"


def _openssl_cert(ctx, ep):
    """The certificate an OpenSSL client (s_client, posttls-finger) gets by default: of several,
    the ECDSA one, since OpenSSL's hello lists ECDSA signature algorithms and suites first."""
    ec = [c for c in ep.certs if ctx.world.certs[c].key == "ec256"]
    return ec[0] if ec else ep.cert


# ------------------------------------------------------------------ DNS

def test_dns_domains(ctx):
    errors = []
    for d in ctx.world.domains.values():
        if d.dns == "drop":
            try:
                a = drill(ctx, d.name, "MX", timeout=3)
                errors.append("%s: expected no answer (dropped), got rcode %s" % (d.name, a.rcode))
            except subprocess.TimeoutExpired:
                pass
            continue
        a = drill(ctx, d.name, "MX")
        want_rcode = {"refuse": "REFUSED", "servfail": "SERVFAIL"}.get(d.dns, "NOERROR")
        if _bogus(ctx, d.name):
            want_rcode = "SERVFAIL"
            if a.rcode != want_rcode:
                errors.append("%s MX (bogus zone): rcode %s, expected SERVFAIL" % (d.name, a.rcode))
            continue
        if a.rcode != want_rcode:
            errors.append("%s MX: rcode %s, expected %s" % (d.name, a.rcode, want_rcode))
            continue
        if d.dns:
            continue
        if d.cname:
            if a.rdata("CNAME") != [d.cname + "."]:
                errors.append("%s: CNAME %s, expected %s" % (d.name, a.rdata("CNAME"), d.cname))
            continue
        if d.filler_mx:
            if "tc" not in a.flags:
                errors.append("%s: UDP answer without EDNS is not truncated (flags %s)" % (d.name, a.flags))
            a = drill(ctx, d.name, "MX", tcp=True)
        got = sorted((int(r.split()[0]), r.split()[1].rstrip(".").lower() or ".") for r in a.rdata("MX"))
        if d.mx == "null":
            want = [(0, ".")]
        else:
            want = sorted((d.mx or []) + d.filler_records())
        if got != want:
            errors.append("%s MX: got %s, expected %s" % (d.name, got, want))
    _fails(errors)


def test_dns_addresses(ctx):
    errors = []
    for host, ips in ctx.world.host_addresses().items():
        for rtype, fam in (("A", 4), ("AAAA", 6)):
            want = sorted(ip for ip in ips if (":" in ip) == (fam == 6))
            a = drill(ctx, host, rtype)
            if "tc" in a.flags:  # filler_a: more records than a UDP answer holds
                a = drill(ctx, host, rtype, tcp=True)
            got = sorted(a.rdata(rtype))
            if _bogus(ctx, host):
                if a.rcode != "SERVFAIL":
                    errors.append("%s %s (bogus zone): %s, expected SERVFAIL" % (host, rtype, a.rcode))
                continue
            if a.rcode != "NOERROR" or got != want:
                errors.append("%s %s: %s %s, expected %s" % (host, rtype, a.rcode, got, want))
    # MX targets the world leaves without addresses really have none.
    for d in ctx.world.domains.values():
        for _, host in (d.mx if isinstance(d.mx, list) else []):
            if host not in ctx.world.host_addresses():
                a = drill(ctx, host, "A")
                if a.rcode != "NXDOMAIN":
                    errors.append("%s: expected NXDOMAIN for an MX target without address, got %s" % (host, a.rcode))
    _fails(errors)


def test_dns_ptr(ctx):
    errors = []
    for ep in ctx.world.endpoints:
        a = drill(ctx, ep.ip, reverse=True)
        if ep.ptr:
            if a.rdata("PTR") != [ep.ptr + "."]:
                errors.append("%s PTR: %s %s, expected %s" % (ep.ip, a.rcode, a.rdata("PTR"), ep.ptr))
        elif a.rcode != "NXDOMAIN":
            errors.append("%s PTR: expected NXDOMAIN (no PTR declared), got %s %s" % (ep.ip, a.rcode, a.rdata("PTR")))
    _fails(errors)


def test_dns_unknown_names_and_no_recursion(ctx):
    a = drill(ctx, "undeclared-domain.example", "MX")
    assert a.rcode == "NXDOMAIN", "undeclared name: rcode %s" % a.rcode
    # Outside the world's zones the resolver refuses: it never recurses to the real Internet.
    for name in ("example.com", "www.debian.org"):
        a = drill(ctx, name, "MX")
        assert a.rcode == "REFUSED", "%s: rcode %s, expected REFUSED" % (name, a.rcode)


# ------------------------------------------------------------------ SMTP dialogue (posttls-finger)

def _tls_endpoints(ctx):
    return [ep for ep in ctx.world.endpoints
            if ep.server != "none" and ep.opt("silent") != "yes" and ep.offers_starttls
            and ep.opt("greeting", "220") == "220" and ep.opt("starttls_reply", "220") == "220"
            and ep.opt("close_after_starttls") != "yes" and ep.opt("alert_after_certificate") is None]


def test_smtp_dialogue(ctx):
    """Every endpoint's greeting, EHLO reply, STARTTLS offer and answer, per posttls-finger."""
    errors = []
    for ep in ctx.world.endpoints:
        where = "%s (%s)" % (ep.ip, ep.hosts[0] if ep.hosts else "-")
        if ep.opt("silent") == "yes":
            continue  # test_smtp_silent
        out, server, client = posttls_finger(ctx, ep.ip)
        if ep.server == "none":
            if "Connection refused" not in out:
                errors.append("%s: expected connection refused, got: %s" % (where, out.strip()[-200:]))
            continue
        greeting_code = ep.opt("greeting", "220")
        if not server:
            errors.append("%s: no server reply seen: %s" % (where, out.strip()[-200:]))
            continue
        n_greet = int(ep.opt("greeting_lines", "1")) if greeting_code == "220" else 1
        greet = server[:n_greet]
        last = greet[-1]
        if not last.startswith("%s %s " % (greeting_code, ep.banner)):
            errors.append("%s: greeting %r, expected '%s %s ...'" % (where, last, greeting_code, ep.banner))
            continue
        if any(not g.startswith(greeting_code + "-") for g in greet[:-1]):
            errors.append("%s: greeting continuation lines %r" % (where, greet))
        if greeting_code != "220":
            if client and client[0].startswith("EHLO") and greeting_code.startswith("4"):
                errors.append("%s: client went on after a %s greeting" % (where, greeting_code))
            continue
        ehlo = server[n_greet:]
        if not ehlo or not ehlo[0][:4] in ("250-", "250 ") or ehlo[0][4:].split()[:1] != [ep.ehlo]:
            errors.append("%s: EHLO reply starts %r, expected 250-%s" % (where, ehlo[:1], ep.ehlo))
        offered = any(l[4:].upper() == "STARTTLS" for l in ehlo if l.startswith("250"))
        if offered != ep.offers_starttls:
            errors.append("%s: STARTTLS offered=%s, expected %s" % (where, offered, ep.offers_starttls))
        if not offered:
            continue
        after = server[server.index(ehlo[0]) + 1:]
        tls_reply = [l for l in after if not l.startswith("250")]
        code = ep.opt("starttls_reply", "220")
        if not tls_reply or not tls_reply[0].startswith(code + " "):
            errors.append("%s: STARTTLS answered %r, expected %s" % (where, tls_reply[:1], code))
            continue
        established = "TLS connection established" in out
        want_tls = (code == "220" and ep.opt("close_after_starttls") != "yes"
                    and ep.opt("alert_after_certificate") is None)
        if established != want_tls:
            errors.append("%s: TLS established=%s, expected %s" % (where, established, want_tls))
        if established:
            # sha256 fingerprints: the tools' own main.cf asks for them (helpers.tool_env)
            m = re.search(r"fingerprint=([0-9A-F:]+)", out)
            cert = _openssl_cert(ctx, ep)
            want_fp = cert_file_fingerprint(os.path.join(ctx.certs, cert + ".pem"))
            got_fp = m.group(1).replace(":", "").lower() if m else None
            if got_fp != want_fp:
                errors.append("%s: leaf fingerprint %s, expected %s (%s)" % (where, got_fp, want_fp, cert))
    _fails(errors)


def test_smtp_silent(ctx):
    """A silent endpoint accepts the connection and never greets."""
    for ep in ctx.world.endpoints:
        if ep.opt("silent") != "yes":
            continue
        with socket.create_connection((ep.ip, ctx.world.smtp_port), timeout=5) as s:
            s.settimeout(2.0)
            try:
                data = s.recv(100)
                raise AssertionError("%s: silent endpoint sent %r" % (ep.ip, data))
            except socket.timeout:
                pass
        # And a reference client sees no greeting either.
        try:
            out, server, _ = posttls_finger(ctx, ep.ip, timeout=3)
            raise AssertionError("%s: posttls-finger finished: %s" % (ep.ip, out[-200:]))
        except subprocess.TimeoutExpired:
            pass


def _postfix_endpoints(ctx):
    eps = [ep for ep in ctx.world.endpoints if ep.server == "postfix"]
    assert eps, "the world declares no Postfix endpoint"
    return eps


def test_postfix_is_real(ctx):
    """Every real-MTA endpoint is Postfix, greets with its own name and completes a verified
    STARTTLS session."""
    errors = []
    for ep in _postfix_endpoints(ctx):
        out, server, _ = posttls_finger(ctx, ep.ip, extra=("-l", "secure", "-F", os.path.join(ctx.certs, "ca.pem")),
                                        names=(ep.hosts[0],))
        if not server or server[0] != "220 %s ESMTP Postfix" % ep.banner:
            errors.append("%s: greeting %r" % (ep.ip, server[:1]))
        if "matched peername: %s" % ep.hosts[0] not in out or "Verified TLS connection established" not in out:
            errors.append("%s: no verified session for %s: %s" % (ep.ip, ep.hosts[0], out[-300:]))
    _fails(errors)


def test_postfix_dual_certificate(ctx):
    """An endpoint declaring an RSA and an ECDSA certificate really serves both: a TLS 1.2 hello
    like OpenSSL's gets the ECDSA leaf, one allowing only RSA signatures the RSA leaf."""
    duals = [ep for ep in _postfix_endpoints(ctx) if len(ep.certs) > 1]
    assert duals, "the world declares no endpoint with several certificates"
    errors = []
    for ep in duals:
        by_key = {ctx.world.certs[c].key: c for c in ep.certs}
        for extra, want in ((("-tls1_2",), by_key["ec256"]),
                            (("-tls1_2", "-sigalgs", "RSA+SHA256"), by_key["rsa2048"])):
            rc, out, err = s_client(ctx, ep.ip, ep.hosts[0], extra=extra)
            pems = pem_blocks(out)
            got = fingerprint(pems[0]) if rc == 0 and pems else None
            if got != cert_file_fingerprint(os.path.join(ctx.certs, want + ".pem")):
                errors.append("%s %s: leaf %s is not %s (rc %s, %s)" % (ep.ip, " ".join(extra), got, want, rc,
                                                                       (err.strip() or out.strip())[-150:]))
            bits = re.search(r"Server public key is (\d+) bit", out)
            want_bits = "256" if want == by_key["ec256"] else "2048"
            if not bits or bits.group(1) != want_bits:
                errors.append("%s %s: server key %s bits, expected %s" % (ep.ip, " ".join(extra),
                                                                          bits and bits.group(1), want_bits))
    _fails(errors)


def _ehlo_reply(ip, port, name, timeout=5):
    """A raw SMTP dialogue: the greeting, then EHLO `name`; returns the reply's lines."""
    with socket.create_connection((ip, port), timeout=timeout) as s:
        f = s.makefile("rwb")
        lines = [f.readline()]
        while lines[-1][3:4] == b"-":
            lines.append(f.readline())
        assert lines[-1].startswith(b"220 "), "greeting %r" % lines
        f.write(b"EHLO " + name.encode() + b"\r\n")
        f.flush()
        reply = [f.readline()]
        while reply[-1][3:4] == b"-":
            reply.append(f.readline())
        f.write(b"QUIT\r\n")
        f.flush()
        return [l.decode("ascii", "replace").rstrip("\r\n") for l in reply]


def test_postfix_fqdn_helo(ctx):
    """A Postfix endpoint with reject_non_fqdn_helo_hostname (and smtpd_delay_reject=no)
    rejects a bare EHLO name at EHLO time and accepts an FQDN and an address literal."""
    eps = [ep for ep in _postfix_endpoints(ctx)
           if "reject_non_fqdn_helo_hostname" in ep.postfix.get("smtpd_helo_restrictions", "")]
    assert eps, "the world declares no endpoint that rejects a non-FQDN EHLO"
    errors = []
    for ep in eps:
        for name, want in (("vm", "504 5.5.2 <vm>: Helo command rejected: need fully-qualified hostname"),
                           ("mx.test.example", "250"), ("[127.0.0.1]", "250")):
            reply = _ehlo_reply(ep.ip, ctx.world.smtp_port, name)
            if not reply[0].startswith(want):
                errors.append("%s: EHLO %s: %r, expected %r" % (ep.ip, name, reply, want))
        # The same through a reference client sending EHLO vm.
        out, server, client = posttls_finger(ctx, ep.ip, extra=("-o", "myhostname=vm"))
        if "EHLO vm" not in client or not any(l.startswith("504 5.5.2 ") for l in server):
            errors.append("%s: posttls-finger with EHLO vm: %s" % (ep.ip, out[-300:]))
    _fails(errors)


# ------------------------------------------------------------------ TLS (openssl s_client)

def test_tls_chains(ctx):
    """Each TLS endpoint serves its declared leaf (names, fingerprint) and chain, and the chain
    verifies against the test root exactly when the world says it should."""
    errors = []
    ca = os.path.join(ctx.certs, "ca.pem")
    for ep in _tls_endpoints(ctx):
        name = _openssl_cert(ctx, ep)
        where = "%s (%s)" % (ep.ip, name)
        cert = ctx.world.certs[name]
        rc, out, err = s_client(ctx, ep.ip, ep.hosts[0])
        pems = pem_blocks(out)
        if rc != 0 or not pems:
            errors.append("%s: s_client rc=%s: %s" % (where, rc, err.strip()[-200:]))
            continue
        want_len = 1 + (cert.issuer in ("inter", "untrusted"))
        if len(pems) != want_len:
            errors.append("%s: chain of %d, expected %d" % (where, len(pems), want_len))
        if fingerprint(pems[0]) != cert_file_fingerprint(os.path.join(ctx.certs, name + ".pem")):
            errors.append("%s: served leaf is not the generated certificate" % where)
        cn, sans = cert_names(pems[0])
        if cn != cert.cn or sans != cert.san:
            errors.append("%s: names CN=%s SAN=%s, expected CN=%s SAN=%s" % (where, cn, sans, cert.cn, cert.san))
        ok, why = verify_chain(ca, pems)
        past, future = cert.valid[1] < 0, cert.valid[0] > 0
        want_ok = cert.issuer in ("inter", "root") and not past and not future
        if ok != want_ok:
            errors.append("%s: chain verifies=%s, expected %s: %s" % (where, ok, want_ok, why.strip()[-150:]))
        if past and "expired" not in why:
            errors.append("%s: expected 'certificate has expired', got %s" % (where, why.strip()[-150:]))
        if future and "not yet valid" not in why:
            errors.append("%s: expected 'certificate is not yet valid', got %s" % (where, why.strip()[-150:]))
        if cert.issuer == "untrusted" and "unable to get" not in why and "self-signed" not in why:
            errors.append("%s: expected an unknown-issuer failure, got %s" % (where, why.strip()[-150:]))
    _fails(errors)


def _protocol(out):
    m = re.search(r"^\s*Protocol\s*:\s*(\S+)", out, re.M) or re.search(r"New, (TLSv[\d.]+),", out)
    return m.group(1) if m else None


def _tls_name(ver):
    return "TLSv1" if ver == "1.0" else "TLSv" + ver


def test_tls_versions_and_keys(ctx):
    """Each endpoint completes a handshake at exactly the TLS versions of its range (the fixture
    up to 1.2, Postfix up to 1.3, narrowed by tls_min/tls_max), answers a version below its range
    with a protocol_version alert, and negotiates its highest version when the client allows all."""
    errors = []
    for ep in _tls_endpoints(ctx):
        where = "%s (%s)" % (ep.ip, ep.hosts[0])
        lo, hi = ep.tls_range
        for ver, flag in (("1.0", "-tls1"), ("1.1", "-tls1_1"), ("1.2", "-tls1_2"), ("1.3", "-tls1_3")):
            rc, out, err = s_client(ctx, ep.ip, ep.hosts[0], extra=(flag,))
            want = lo <= ver <= hi
            got = rc == 0 and (_protocol(out) == _tls_name(ver))
            if got != want:
                errors.append("%s: TLS %s handshake=%s, expected %s (%s)" % (where, ver, got, want, _protocol(out)))
            # OpenSSL servers refuse a version below their minimum with alert 70 (RFC 8446 6.2).
            if ep.server == "postfix" and ver < lo and "alert protocol version" not in err:
                errors.append("%s: TLS %s: expected a protocol_version alert, got %s" % (where, ver, err.strip()[-150:]))
        rc, out, err = s_client(ctx, ep.ip, ep.hosts[0])
        if rc != 0 or _protocol(out) != _tls_name(hi):
            errors.append("%s: default handshake negotiated %s, expected %s" % (where, _protocol(out), _tls_name(hi)))
        if ep.ip == ctx.world.endpoints[0].ip or ep.cert in ("ecdsa", "weak") or len(ep.certs) > 1:
            bits = re.search(r"Server public key is (\d+) bit", out)
            want_bits = {"rsa2048": "2048", "rsa1024": "1024", "ec256": "256"}[ctx.world.certs[_openssl_cert(ctx, ep)].key]
            if not bits or bits.group(1) != want_bits:
                errors.append("%s: server key %s bits, expected %s" % (where, bits and bits.group(1), want_bits))
    _fails(errors)


def test_tls_abrupt_close(ctx):
    for ep in ctx.world.endpoints:
        if ep.opt("close_after_starttls") == "yes":
            rc, out, err = s_client(ctx, ep.ip, ep.hosts[0])
            assert rc != 0 and not pem_blocks(out), "%s: handshake should fail, rc=%s" % (ep.ip, rc)


def test_tls_alert_after_certificate(ctx):
    """An alert_after_certificate endpoint does what OpenSMTPD on Debian 12 does, as openssl
    s_client sees it: the server's Certificate (its declared leaf and chain) comes, then the fatal
    alert, and no session is made."""
    eps = [ep for ep in ctx.world.endpoints if ep.opt("alert_after_certificate") is not None]
    assert eps, "the world has no alert_after_certificate endpoint"
    for ep in eps:
        name = _openssl_cert(ctx, ep)
        rc, out, err = s_client(ctx, ep.ip, ep.hosts[0], extra=("-tls1_2",))
        pems = pem_blocks(out)
        assert rc != 0, "%s: the handshake should fail: %s" % (ep.ip, out[-300:])
        assert pems and fingerprint(pems[0]) == cert_file_fingerprint(
            os.path.join(ctx.certs, name + ".pem")), "%s: no certificate before the alert: %s" % (ep.ip, out[-300:])
        assert len(pems) == 2, "%s: chain of %d" % (ep.ip, len(pems))
        if ep.opt("alert_after_certificate") == "80":
            assert "alert internal error" in err, "%s: %s" % (ep.ip, err[-300:])
        assert "New, (NONE), Cipher is (NONE)" in out, "%s: a session was made: %s" % (ep.ip, out[-300:])


# ------------------------------------------------------------------ the world file

def test_worldfile_endpoint_keys(ctx):
    """What each server can be asked for: several certificates, TLS 1.3 and postfix.* settings
    only on Postfix, one certificate per key algorithm; tls_min/tls_max become smtpd settings."""
    head = "cert a cn=a.example\ncert b cn=b.example key=ec256\ncert c cn=c.example\n"
    bad = {
        "endpoint 127.0.0.9 host=a.example cert=a,b": "need server=postfix",
        "endpoint 127.0.0.9 host=a.example cert=a tls_max=1.3": "speaks TLS 1.2 at most",
        "endpoint 127.0.0.9 host=a.example cert=a postfix.smtpd_helo_required=yes": "server=postfix only",
        "endpoint 127.0.0.9 host=a.example server=postfix cert=a,c": "one key algorithm",
        "endpoint 127.0.0.9 host=a.example server=postfix cert=a,a": "twice",
        "endpoint 127.0.0.9 host=a.example server=postfix cert=a banner=x.example": "on a Postfix endpoint only",
        "endpoint 127.0.0.9 host=a.example server=postfix cert=a postfix.Bad-Name=1": "postfix.PARAMETER=VALUE",
        "endpoint 127.0.0.9 host=a.example server=postfix cert=a tls_min=1.3 tls_max=1.2": "above tls_max",
    }
    for line, why in bad.items():
        try:
            worldfile.parse(head + line + "\n")
            raise AssertionError("accepted: %s" % line)
        except worldfile.WorldError as e:
            assert why in str(e), (line, str(e))
    w = worldfile.parse(head + "endpoint 127.0.0.9 host=a.example server=postfix cert=b,a tls_min=1.1 "
                        "tls_max=1.2 postfix.smtpd_helo_required=yes\n"
                        "endpoint 127.0.0.10 host=c.example server=postfix cert=c\n")
    ep = w.endpoint_at("127.0.0.9")
    assert ep.cert == "b" and ep.certs == ["b", "a"] and ep.tls_range == ("1.1", "1.2"), vars(ep)
    assert w.endpoint_at("127.0.0.10").tls_range == ("1.0", "1.3")
    cf = postfix.master_cf(w, "/T")
    assert "127.0.0.9:2525 inet n - n - - smtpd\n  -o myhostname=a.example\n" \
           "  -o smtpd_tls_chain_files=/T/leaf-ec256.key,/T/b.chain.pem,/T/leaf-rsa2048.key,/T/a.chain.pem\n" \
           "  -o smtpd_tls_protocols=>=TLSv1.1,<=TLSv1.2\n  -o smtpd_tls_mandatory_protocols=>=TLSv1.1,<=TLSv1.2\n" \
           "  -o smtpd_helo_required=yes\n127.0.0.10:2525 inet" in cf, cf
    assert "smtpd_tls_protocols" not in cf.split("127.0.0.10:2525")[1], cf


# ------------------------------------------------------------------ a world elsewhere

PF_WORLD = """set resolver 127.53.0.1:5300
set smtp_port 2525
set zones example
cert pf cn=mx.pf.example
endpoint 127.20.0.1 host=mx.pf.example server=postfix cert=pf
domain pf.example mx=10:mx.pf.example
"""


def _netns_world(ctx, tmp, script, **env):
    """Runs `script` (bash) in a private network namespace of its own, with a one-Postfix world
    (PF_WORLD) in TMP/world, so it collides with nothing the suite runs."""
    wf = os.path.join(tmp, "world.conf")
    with open(wf, "w") as f:
        f.write(PF_WORLD)
    e = ctx.env(MXS_WORLD_FILE=wf, MXS_WORLD_DIR=os.path.join(tmp, "world"), **env)
    e["MAIL_CONFIG"] = tool_env(ctx)["MAIL_CONFIG"]
    return subprocess.run(["unshare", "-n", "bash", "-c", "ip link set lo up\n" + script],
                          capture_output=True, text=True, timeout=120, env=e, cwd=ctx.root,
                          stdin=subprocess.DEVNULL)


def test_world_under_a_closed_folder(ctx):
    """A checkout under a mode-700 folder (root's home on a fresh machine) runs the world: the
    Postfix state its own account must reach lives in a runtime folder outside, made by `up` and
    removed by `down`."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="mxs-700-") as tmp:
        os.chmod(tmp, 0o700)
        run = postfix.runtime_dir(os.path.join(tmp, "world"))
        r = _netns_world(ctx, tmp, """
scripts/world up || exit 10
stat -c '%U %n' "$RUN/data"
posttls-finger -l secure -F "$MXS_WORLD_DIR/certs/ca.pem" '[127.20.0.1]:2525' mx.pf.example 2>&1
scripts/world down || exit 11
""", RUN=run)
        out = r.stdout + r.stderr
        assert r.returncode == 0, "exit %d:\n%s" % (r.returncode, out[-2000:])
        assert "postfix %s/data" % run in out, "no runtime folder owned by postfix: %s" % out[-2000:]
        assert "< 220 mx.pf.example ESMTP Postfix" in out, out[-2000:]
        assert "Verified TLS connection established" in out, out[-2000:]
        assert not os.path.exists(run), "down left %s" % run
        with open(os.path.join(tmp, "world", "postfix", "postfix.log")) as f:
            assert "connection established from" in f.read(), "Postfix's log is not in the world dir"


def test_world_postfix_failure_says_why(ctx):
    """When Postfix fails to start, `up` says why in Postfix's own words (it logs to its log
    file, never to a pipe): here its runtime folder lies where its account cannot enter."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="mxs-fail-") as tmp:
        os.chmod(tmp, 0o700)
        run = os.path.join(tmp, "run")
        r = _netns_world(ctx, tmp, "scripts/world up; echo \"exit $?\"; ls \"$MXS_WORLD_DIR\"",
                         MXS_WORLD_RUN=run)
        assert "exit 1" in r.stdout, r.stdout + r.stderr
        assert "world: postfix start failed (exit 1): postfix/master: fatal: open lock file " \
               "%s/data/master.lock: cannot open file: Permission denied" % run in r.stderr, r.stderr
        assert "pids" not in r.stdout.split(), "a failed up left a pids file: %s" % r.stdout
        assert not os.path.exists(run), "a failed up left %s" % run


# ------------------------------------------------------------------ lifecycle

_recorded = {}


def _descendants(pids):
    """PIDs of the given processes and all their descendants (from /proc)."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = set(), list(pids)
    while todo:
        p = todo.pop()
        if p not in out:
            out.add(p)
            todo += children.get(p, [])
    return out


def test_world_status_and_refusal(ctx):
    r = ctx.world_cmd("status")
    assert r.returncode == 0, "status exit %d: %s" % (r.returncode, r.stdout + r.stderr)
    n = len(ctx.world.listeners())
    assert "%d/%d listeners" % (n, n) in r.stdout, r.stdout
    # A second world on the same addresses refuses clearly and starts nothing.
    import tempfile
    with tempfile.TemporaryDirectory() as other:
        r = ctx.world_cmd("up", MXS_WORLD_DIR=other)
        assert r.returncode == 1, "second up exit %d" % r.returncode
        assert "address in use" in r.stderr and "127.53.0.1:5300" in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(other, "pids")), "second up recorded pids"
    # Remember every process the world runs now, children included, for the after-down check.
    with open(os.path.join(ctx.world_dir, "pids")) as f:
        pids = [int(line.split()[1]) for line in f]
    _recorded["pids"] = _descendants(pids)
    assert len(_recorded["pids"]) >= len(pids)


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # zombies are gone
    except OSError:
        return False


@after_down
def test_world_down_leaves_nothing(ctx):
    assert _recorded.get("pids"), "no PIDs were recorded while the world was up"
    left = [p for p in _recorded["pids"] if _alive(p)]
    assert not left, "processes left after world down: %s" % left
    assert not os.path.exists(os.path.join(ctx.world_dir, "pids")), "pids file left behind"
    run = postfix.runtime_dir(ctx.world_dir)
    assert not os.path.exists(run), "Postfix's runtime folder left behind: %s" % run
    listening = []
    for ip, port, _ in ctx.world.listeners():
        fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
        with socket.socket(fam, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex((ip, port)) == 0:
                listening.append("%s:%d" % (ip, port))
    assert not listening, "still listening: %s" % listening
    rip, rport = ctx.world.resolver
    r = sh(["ss", "-Hlnu", "src", "%s:%d" % (rip, rport)])
    assert r.stdout.strip() == "", "resolver socket left: %s" % r.stdout


@after_down
def test_fixture_log_clean(ctx):
    """The fixture server (sanitizer build under make test-asan) reported nothing at exit."""
    with open(os.path.join(ctx.world_dir, "fixture.log"), errors="replace") as f:
        log = f.read()
    for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "internal error"):
        assert bad not in log, "fixture.log reports %s:\n%s" % (bad, log[-1500:])
