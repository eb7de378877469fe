"""The world's MTA-STS and TLSRPT part (tests/world/web.py): the web server and the TXT records
are what the world file declares (curl and drill, reference tools), and the scanner's HTTPS
fetcher (src/probe/https.c) with the policy reader (src/classify/mtasts.c) reaches the verdict a
sender should (RFC 8461 §3.3: no redirects, a size cap, a valid certificate for the policy
host), run through build/drivers/mtasts_driver."""
import json
import os

from helpers import drill, sh

# policy host -> what a sender gets: (fetch status, policy error, mode, mx patterns)
EXPECTED = {
    "mta-sts.exact.example": ("ok", None, "enforce", ["mx1.exact.example"]),
    "mta-sts.customer.example": ("ok", None, "enforce", ["*.psmtp.example"]),
    "mta-sts.wild.example": ("ok", None, "testing", ["*.wild.example"]),
    "mta-sts.sibling.example": ("ok", None, "none", []),
    "mta-sts.ecdsa.example": ("http-status", None, None, None),
    "mta-sts.expired.example": ("bad-certificate", None, None, None),
    "mta-sts.untrusted.example": ("bad-certificate", None, None, None),
    "mta-sts.tls10.example": ("redirect", None, None, None),
    "mta-sts.weak.example": ("too-large", None, None, None),
    "mta-sts.multi.example": ("ok", "syntax", None, None),
    "mta-sts.stsid.example": ("ok", None, "enforce", ["mx1.exact.example"]),  # test_enforce changes it
}


def fetch(ctx, host, ip=None, port=None, timeout_ms=5000):
    wip, wport = ctx.world.web_server
    r = sh([os.path.join(ctx.build, "drivers", "mtasts_driver"), "-c",
            os.path.join(ctx.certs, "ca.pem"), "-t", str(timeout_ms), host, ip or wip,
            str(port or wport)], timeout=30)
    assert r.returncode == 0, "mtasts_driver %s: exit %d: %s" % (host, r.returncode, r.stderr)
    return json.loads(r.stdout)


def curl(ctx, host):
    """curl's view of the policy URL: (exit code, HTTP code, body)."""
    ip, port = ctx.world.web_server
    r = sh(["curl", "-sS", "--max-redirs", "0", "--max-filesize", "65536", "-w", "\n%{http_code}",
            "--cacert", os.path.join(ctx.certs, "ca.pem"), "--resolve",
            "%s:%d:%s" % (host, port, ip), "https://%s:%d/.well-known/mta-sts.txt" % (host, port)],
           timeout=30)
    body, _, code = r.stdout.rpartition("\n")
    return r.returncode, int(code or 0), body


def test_mtasts_world_declares_every_case(ctx):
    assert set(ctx.world.webs) == set(EXPECTED), sorted(set(ctx.world.webs) ^ set(EXPECTED))


def test_mtasts_txt_records_as_declared(ctx):
    errors = []
    owners = sorted({o for o, _ in ctx.world.txts})
    for owner in owners:
        want = sorted(t for o, t in ctx.world.txts if o == owner)
        a = drill(ctx, owner, "TXT")
        got = sorted(r.strip('"') for r in a.rdata("TXT"))
        if a.rcode != "NOERROR" or got != want:
            errors.append("%s TXT: %s %s, expected %s" % (owner, a.rcode, got, want))
    for host in ctx.world.webs:
        a = drill(ctx, host, "A")
        if a.rdata("A") != [ctx.world.web_server[0]]:
            errors.append("%s A: %s, expected the web server's address" % (host, a.rdata("A")))
    assert not errors, "\n  ".join(errors)


def test_mtasts_web_server_is_what_the_world_says(ctx):
    """curl, the reference client: a served body equals its file, 404 and the redirect come as
    declared, the expired and untrusted certificates fail verification (curl exit 60), and the
    oversized policy is over the cap (exit 63)."""
    errors = []
    for host, web in sorted(ctx.world.webs.items()):
        rc, code, body = curl(ctx, host)
        if web.body:
            # (sh reads curl's output as text: CRLF arrives as LF, so read the file the same way)
            with open(os.path.join(ctx.root, "data", "world", "mta-sts", web.body)) as f:
                want = f.read()
        bad_cert = web.cert in ("sts-expired", "sts-untrusted")
        if bad_cert:
            ok = rc == 60
        elif web.size:
            ok = rc == 63
        elif web.status != 200:
            ok = rc == 0 and code == web.status
        else:
            ok = rc == 0 and code == 200 and body == want
        if not ok:
            errors.append("%s: curl exit %d, HTTP %d, %d octets" % (host, rc, code, len(body)))
    assert not errors, "\n  ".join(errors)


def test_mtasts_fetch_and_read(ctx):
    errors = []
    for host, (status, perr, mode, mx) in sorted(EXPECTED.items()):
        got = fetch(ctx, host)
        have = (got["fetch"], got.get("policy_error") if got["fetch"] == "ok" else None,
                got.get("mode"), got.get("mx"))
        if have != (status, perr, mode, mx):
            errors.append("%s: %s, expected %s" % (host, have, (status, perr, mode, mx)))
        rc, code, _ = curl(ctx, host)
        # the two clients agree on what came back
        if status in ("ok", "http-status", "redirect") and got["http_code"] != code:
            errors.append("%s: HTTP %s, curl saw %s" % (host, got["http_code"], code))
    got = fetch(ctx, "mta-sts.multi.example")
    if got.get("line") != 3:
        errors.append("mta-sts.multi.example: the syntax error on line %s, expected 3" % got.get("line"))
    assert not errors, "\n  ".join(errors)


def test_mtasts_fetch_failures(ctx):
    """A name the server has no certificate for, a silent address (the timeout), a refusing one."""
    silent = ctx.world.host_addresses()["mx.silent.example"][0]
    closed = ctx.world.host_addresses()["mx.closed.example"][0]
    got = fetch(ctx, "mta-sts.nothere.example")
    assert got["fetch"] == "bad-certificate", got
    got = fetch(ctx, "mta-sts.silent.example", silent, ctx.world.smtp_port, timeout_ms=1000)
    assert got["fetch"] == "timeout", got
    got = fetch(ctx, "mta-sts.closed.example", closed, ctx.world.smtp_port)
    assert got["fetch"] == "connect-failed", got


def test_mtasts_fetches_at_once_and_cancelled(ctx):
    """Twenty fetches on one loop all end, each once; closing the client with fetches in flight
    (to a silent address) cancels them without a callback, and the loop ends (nothing left
    open: uv_loop_close succeeds, the driver exits 0; the ASan build checks for leaks)."""
    wip, wport = ctx.world.web_server
    drv = os.path.join(ctx.build, "drivers", "mtasts_driver")
    ca = os.path.join(ctx.certs, "ca.pem")
    r = sh([drv, "-c", ca, "-n", "20", "mta-sts.exact.example", wip, str(wport)], timeout=60)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert len(lines) == 20 and all(l["fetch"] == "ok" for l in lines), lines[:3]
    silent = ctx.world.host_addresses()["mx.silent.example"][0]
    r = sh([drv, "-c", ca, "-t", "20000", "-k", "300", "-n", "5", "mta-sts.silent.example",
            silent, str(ctx.world.smtp_port)], timeout=30)
    assert r.returncode == 0, r.stderr
    assert [json.loads(l) for l in r.stdout.splitlines()] == [{"cancelled": 5}], r.stdout
