"""--mode cert|full through real scans of the world. The world's mx.certabort.example is a fixture
endpoint that sends a fatal internal_error(80) right behind its Certificate message, as a real
OpenSMTPD on Debian 12 does (test_world.test_tls_alert_after_certificate checks that with
openssl s_client). In cert mode every endpoint whose certificate came is `cert-seen` (the probe
stops there by design, so the aborting server and a normal one look the same, and neither is
`ok`); in full mode the aborting server is a handshake failure with its certificate still
captured. The rule is docs/schema.md's (hosts.jsonl `status`)."""
import json
import os
import tempfile

from helpers import sh
from test_scan import ALLOW

DOMAINS = ["certabort.example", "exact.example", "expired.example", "untrusted.example",
           "nostarttls.example"]


def _args(ctx, *extra):
    ip, port = ctx.world.resolver
    return ["--resolver", "%s:%d" % (ip, port), "--port", str(ctx.world.smtp_port), *ALLOW,
            "--ehlo", "scanner.mxsurvey.test", "--timeout", "3", "--dns-timeout", "0.5",
            "--retries", "0", "--ca-file", os.path.join(ctx.certs, "ca.pem"), *extra]


def _scan(ctx, out, *extra, domains=DOMAINS):
    lst = os.path.join(out, "in.txt")
    with open(lst, "w") as f:
        f.write("".join(d + "\n" for d in domains))
    d = os.path.join(out, "o")
    r = sh([ctx.mxsurvey, "scan", *_args(ctx, "--quiet", *extra), "--out", d, lst], timeout=120)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(d, "hosts.jsonl")) as f:
        hosts = {h["mx_host"]: h for h in map(json.loads, f)}
    with open(os.path.join(d, "domains.jsonl")) as f:
        domains = {x["domain"]: x for x in map(json.loads, f)}
    with open(os.path.join(d, "run.json")) as f:
        run = json.load(f)
    with open(os.path.join(d, "summary.json")) as f:
        summary = json.load(f)
    return hosts, domains, run, summary


def test_cert_mode_aborting_server_is_cert_seen(ctx):
    with tempfile.TemporaryDirectory() as out:
        hosts, domains, run, summary = _scan(ctx, out, "--mode", "cert")
        assert run["mode"] == "cert" and run["options"]["mode"] == "cert", run
        ab = hosts["mx.certabort.example"]
        # The certificate came; the probe stopped there: no session, no alert read, no error.
        assert ab["status"] == "cert-seen", ab
        assert ab["tls"] is None and ab["tls_alert"] is None and ab["error"] is None, ab
        assert ab["cert"]["subject_cn"] == "mx.certabort.example" and ab["cert"]["chain_len"] == 2, ab
        # names and trust are classified as for a session
        assert ab["match"]["mx_host"] == "exact" and ab["presented"] == ["mx.certabort.example"], ab
        assert ab["trust"] == {"valid": True, "reasons": []}, ab
        assert ab["tlsrpt"] is None, ab
        # a normal server is cert-seen too: the handshake is not completed, by design
        ex = hosts["mx1.exact.example"]
        assert ex["status"] == "cert-seen" and ex["tls"] is None and ex["match"]["mx_host"] == "exact", ex
        # the certificate's own failures are still TLSRPT failures
        assert hosts["mx.expired.example"]["status"] == "cert-seen"
        assert hosts["mx.expired.example"]["tlsrpt"] == "certificate-expired", hosts["mx.expired.example"]
        assert hosts["mx.untrusted.example"]["tlsrpt"] == "certificate-not-trusted"
        assert hosts["mx.nostarttls.example"]["status"] == "no-starttls"
        # a cert-seen endpoint is a domain's primary: its pattern comes from its names
        assert domains["certabort.example"]["pattern"] == "mx-exact", domains["certabort.example"]
        assert domains["certabort.example"]["primary"]["mx_host"] == "mx.certabort.example"
        assert domains["nostarttls.example"]["pattern"] == "no-tls"
        # summary.json counts cert-seen apart from ok, and says which mode made the figures
        e = summary["endpoints"]
        assert e["by_status"].get("cert-seen") == 4 and "ok" not in e["by_status"], e["by_status"]
        assert e["by_tls_version"] == {"null": 5}, e["by_tls_version"]
        assert summary["meta"]["mode"] == "cert", summary["meta"]
        # the version probe runs in cert mode as in full mode
        assert ab["tls_max"] == "TLSv1.2", ab


def test_full_mode_aborting_server_is_a_handshake_failure(ctx):
    with tempfile.TemporaryDirectory() as out:
        hosts, domains, run, summary = _scan(ctx, out)  # full is the default
        assert run["mode"] == "full" and "mode" not in run["options"], run
        ab = hosts["mx.certabort.example"]
        assert ab["status"] == "tls-failed" and ab["tls"] is None, ab
        assert ab["tls_alert"] == "internal_error(80)", ab
        assert ab["error"] == "fatal alert from server: internal_error(80)", ab
        # the certificate that came before the alert is still captured and judged
        assert ab["cert"]["subject_cn"] == "mx.certabort.example", ab
        assert ab["match"]["mx_host"] == "exact" and ab["trust"]["valid"] is True, ab
        assert ab["tlsrpt"] == "validation-failure", ab
        assert domains["certabort.example"]["pattern"] == "no-tls", domains["certabort.example"]
        ex = hosts["mx1.exact.example"]
        assert ex["status"] == "ok" and ex["tls"]["version"] == "TLSv1.2", ex
        assert "cert-seen" not in summary["endpoints"]["by_status"], summary["endpoints"]["by_status"]
        assert summary["meta"]["mode"] == "full", summary["meta"]


def test_cert_only_is_mode_cert(ctx):
    """The deprecated --cert-only still works, as --mode cert; a contradiction is a usage error."""
    with tempfile.TemporaryDirectory() as out:
        hosts, _, run, _ = _scan(ctx, out, "--cert-only", domains=["certabort.example"])
        assert hosts["mx.certabort.example"]["status"] == "cert-seen", hosts
        assert run["mode"] == "cert" and run["options"].get("cert-only") is True, run
        lst = os.path.join(out, "in.txt")
        for extra, want in ((["--cert-only", "--mode", "full"], "contradicts --mode full"),
                            (["--mode", "half"], "--mode half: expected cert or full")):
            d = os.path.join(out, "bad")
            r = sh([ctx.mxsurvey, "scan", *_args(ctx, "--quiet", *extra), "--out", d, lst], timeout=30)
            assert r.returncode == 2 and want in r.stderr, (extra, r.returncode, r.stderr)
            assert not os.path.exists(d), "a scan that cannot start creates nothing"
    r = sh([ctx.mxsurvey, "scan", "--help"])
    assert "--mode cert|full" in r.stdout and "--cert-only" in r.stdout and "deprecated" in r.stdout


def test_check_mode_cert(ctx):
    """check: exit 0 when a certificate came in cert mode, 1 for the same server in full mode."""
    r = sh([ctx.mxsurvey, "check", *_args(ctx, "--mode", "cert"), "certabort.example"], timeout=60)
    assert r.returncode == 0 and ": cert-seen" in r.stdout, (r.returncode, r.stdout, r.stderr)
    assert "certificate received (2 in chain" in r.stdout, r.stdout
    r = sh([ctx.mxsurvey, "check", *_args(ctx), "certabort.example"], timeout=60)
    assert r.returncode == 1 and "internal_error(80)" in r.stdout, (r.returncode, r.stdout)
