"""Measurement fidelity (issue 8): what mxsurvey says to servers and records must be what a
real sending MTA would see. The EHLO argument, the ClientHello's order, the TLS version a server
supports beyond our client's TLS 1.2 (the version probe), alerts, and failed handshakes."""
import json
import os
import re
import subprocess
import tempfile

from helpers import sh
from test_scan import read_jsonl, scan_args


def as_host(ctx, hostname, args, timeout=60):
    """Runs args in a UTS namespace of its own whose host name is `hostname` (root only, as the
    suite runs): the scanner's default EHLO comes from gethostname()."""
    return sh(["unshare", "-u", "sh", "-c", 'hostname "$0" && exec "$@"', hostname, *args],
              timeout=timeout)


def check_args(ctx, domain, *extra):
    ip, port = ctx.world.resolver
    return [ctx.mxsurvey, "check", "--resolver", "%s:%d" % (ip, port), "--port",
            str(ctx.world.smtp_port), "--timeout", "3", "--dns-timeout", "0.5",
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
    assert ehlo_lines(r.stdout) == ["EHLO scanner.mxsurvey.test"], r.stdout
    assert "warning" not in r.stderr, r.stderr

    r = as_host(ctx, "vm", check_args(ctx, "exact.example", "--ehlo", "given.mxsurvey.test"))
    assert ehlo_lines(r.stdout) == ["EHLO given.mxsurvey.test"], r.stdout
    assert "warning" not in r.stderr, r.stderr

    r = as_host(ctx, "vm", check_args(ctx, "exact.example", "--ehlo", "bare"))
    assert ehlo_lines(r.stdout) == ["EHLO bare"], r.stdout
    assert "--ehlo bare is neither a fully qualified domain name nor an address literal" in r.stderr, r.stderr


def test_ehlo_address_literal_ipv6(ctx):
    """Over IPv6 the literal is "[IPv6:...]" (RFC 5321 4.1.3)."""
    r = as_host(ctx, "vm", check_args(ctx, "v6.example", "--ipv6"))
    sent = ehlo_lines(r.stdout)
    assert "EHLO [IPv6:::1]" in sent, r.stdout
    assert any(re.fullmatch(r"EHLO \[127(\.\d{1,3}){3}\]", l) for l in sent), sent
