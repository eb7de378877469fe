"""The world's DNSSEC-signed part (tests/world/dnssec.py) is what the world file declares, and
classify/dane.c agrees with OpenSSL's DANE verifier on the chains its servers send.

Reference tools only for the world: drill (with the DO bit) for the validating resolver's
answers, openssl s_client -dane_tlsa_rrdata (OpenSSL's RFC 7671 implementation, the one
Postfix uses) for the TLSA records against the served chains. The expected verdict of every
TLSA host is written here, from the world file's comments, so that agreement of two wrong
verifiers cannot pass."""
import os
import subprocess
import tempfile

from helpers import drill, pem_blocks, sh
import dnssec  # tests/world/dnssec.py

# What a DANE sender concludes for each TLSA host of the world (RFC 7672): pass, fail (usable
# records, none matched), unusable (only PKIX usages, §3.1.3); insecure zones never get here.
EXPECTED = {
    "mx.ee.dnssec.example": "pass",        # 3 1 1 of its own key
    "mx.eebad.dnssec.example": "fail",     # 3 1 1 of another key
    "mx.ee301.dnssec.example": "pass",     # 3 0 1 of its own certificate
    "mx.ta.dnssec.example": "pass",        # 2 0 1 of the intermediate, name in the SAN
    "mx.taname.dnssec.example": "fail",    # 2 1 1 of the intermediate, name not in the cert
    "a.w.dnssec.example": "pass",          # 2 1 1, name under the cert's *.w wildcard
    "mx.pkix.dnssec.example": "unusable",  # usages 1 and 0 only
}


def _kind(ctx, name):
    z = dnssec.zone_of(ctx.world, name)
    return dict(ctx.world.dnssec_zones)[z] if z else None


def test_dnssec_world_declares_every_case(ctx):
    kinds = {k for _, k in ctx.world.dnssec_zones}
    assert kinds == {"signed", "insecure", "bogus"}, kinds
    hosts = {t.host for t in ctx.world.tlsa if _kind(ctx, t.host) == "signed"}
    assert hosts == set(EXPECTED), sorted(hosts ^ set(EXPECTED))


def test_dnssec_validating_resolver(ctx):
    """AD for the signed zone's data, SERVFAIL for the bogus zone, no AD for the insecure zone
    and for the rest of the world (local data)."""
    errors = []
    names = [(d.name, "MX") for d in ctx.world.domains.values() if _kind(ctx, d.name)]
    names += [("_%d._tcp.%s" % (ctx.world.smtp_port, t.host), "TLSA") for t in ctx.world.tlsa]
    names += [(h, "A") for h in ctx.world.host_addresses() if _kind(ctx, h)]
    names += [("exact.example", "MX")]
    for name, rtype in names:
        a = drill_do(ctx, name, rtype)
        kind = _kind(ctx, name)
        want = {"signed": ("NOERROR", True), "insecure": ("NOERROR", False),
                "bogus": ("SERVFAIL", False), None: ("NOERROR", False)}[kind]
        got = (a.rcode, "ad" in a.flags)
        if got != want:
            errors.append("%s %s (%s zone): rcode %s ad %s, expected %s ad %s" %
                          ((name, rtype, kind) + got + want))
    assert not errors, "\n  ".join(errors)


def drill_do(ctx, name, rtype):
    """drill with the DO bit (-D): a validating resolver sets AD only for a client that asks."""
    ip, port = ctx.world.resolver
    r = sh(["drill", "-D", "-p", str(port), "@" + ip, name, rtype], timeout=10)
    from helpers import DrillAnswer
    return DrillAnswer(r.stdout)


def test_dnssec_tlsa_records_as_declared(ctx):
    """Each TLSA record served equals the world file's, its data computed with openssl from the
    certificates the servers use (not by the harness's own hashing only: openssl's SPKI)."""
    errors = []
    for host in sorted({t.host for t in ctx.world.tlsa if _kind(ctx, t.host) != "bogus"}):
        got = sorted(tlsa_of(ctx, host))
        want = sorted("%d %d %d %s" % (t.usage, t.selector, t.mtype,
                                       dnssec.tlsa_data(t, ctx.certs))
                      for t in ctx.world.tlsa if t.host == host)
        if got != want:
            errors.append("%s: %s, expected %s" % (host, got, want))
    assert not errors, "\n  ".join(errors)


def tlsa_of(ctx, host):
    a = drill_do(ctx, "_%d._tcp.%s" % (ctx.world.smtp_port, host), "TLSA")
    return [" ".join(r.split()[:3]) + " " + "".join(r.split()[3:]).lower() for r in a.rdata("TLSA")]


def _endpoint_ip(ctx, host):
    return ctx.world.host_addresses()[host][0]


def openssl_dane(ctx, host, rrdata, d):
    """OpenSSL's DANE verdict for host's records: (verified, the chain it saw as PEM text)."""
    args = ["openssl", "s_client", "-starttls", "smtp",
            "-connect", "%s:%d" % (_endpoint_ip(ctx, host), ctx.world.smtp_port),
            "-servername", host, "-showcerts", "-dane_tlsa_domain", host,
            # DANE-EE ignores names (RFC 7672 §3.1.1); OpenSSL checks them unless told, as
            # Postfix tells it.
            "-dane_ee_no_namechecks", "-CAfile", os.path.join(ctx.certs, "ca.pem")]
    for r in rrdata:
        args += ["-dane_tlsa_rrdata", r]
    out = sh(args, timeout=20, input="")
    return "Verification: OK" in out.stdout, "\n".join(pem_blocks(out.stdout)), out.stdout


def test_dane_verdicts_agree_with_openssl(ctx):
    errors = []
    with tempfile.TemporaryDirectory() as d:
        for host, want in sorted(EXPECTED.items()):
            rrdata = tlsa_of(ctx, host)
            if not rrdata:
                errors.append("%s: no TLSA record served" % host)
                continue
            ok, chain, text = openssl_dane(ctx, host, rrdata, d)
            path = os.path.join(d, host + ".pem")
            with open(path, "w") as f:
                f.write(chain + "\n")
            r = sh([os.path.join(ctx.build, "drivers", "dane_driver"), path, host, *rrdata])
            ours = r.stdout.split()[0] if r.returncode == 0 and r.stdout else "error: " + r.stderr
            if ours != want:
                errors.append("%s: dane.c says %s, expected %s" % (host, ours, want))
            # OpenSSL has no "unusable": for PKIX usages it validates the chain against the
            # CA file (PKIX-TA/EE), which RFC 7672 §3.1.3 tells SMTP clients not to use; there
            # the two differ by design and only dane.c's verdict is checked.
            if want != "unusable" and ok != (want == "pass"):
                errors.append("%s: OpenSSL verified=%s, expected %s\n%s" %
                              (host, ok, want, text[-600:]))
    assert not errors, "\n  ".join(errors)
