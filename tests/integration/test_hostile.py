"""Hostile servers and input through a real scan of the world: response injection after
STARTTLS's 220 (the world's mx.inject.example, fixture option inject_after_starttls), and
attacker text (an input line with NUL, ESC and invalid UTF-8) kept reversibly in JSON and never
raw in the CSV files. The probe-level cases (a chain over 16 KB, hostile greeting and EHLO words)
are in tests/integration/probe.sh with hostile_smtp.py."""
import csv
import json
import os
import re
import tempfile

from helpers import sh
from test_scan import ALLOW


def _scan(ctx, out, lines):
    lst = os.path.join(out, "in.txt")
    with open(lst, "wb") as f:
        f.write(b"".join(l + b"\n" for l in lines))
    ip, port = ctx.world.resolver
    r = sh([ctx.mxsurvey, "scan", "--resolver", "%s:%d" % (ip, port), "--port",
            str(ctx.world.smtp_port), *ALLOW, "--ehlo", "scanner.mxsurvey.test", "--timeout", "2",
            "--dns-timeout", "0.5", "--retry-delay", "0.2", "--retries", "0", "--ca-file",
            os.path.join(ctx.certs, "ca.pem"), "--quiet", "--out", os.path.join(out, "o"), lst],
           timeout=120)
    assert r.returncode == 0, r.stderr
    d = os.path.join(out, "o")
    with open(os.path.join(d, "hosts.jsonl")) as f:
        hosts = {h["mx_host"]: h for h in map(json.loads, f)}
    with open(os.path.join(d, "domains.jsonl")) as f:
        domains = [json.loads(l) for l in f]
    with open(os.path.join(d, "summary.json")) as f:
        summary = json.load(f)
    return d, hosts, domains, summary


def test_starttls_injection_recorded_and_counted(ctx):
    with tempfile.TemporaryDirectory() as out:
        d, hosts, _, summary = _scan(ctx, out, [b"inject.example", b"exact.example",
                                                b"tls454.example", b"nostarttls.example"])
        inj = hosts["mx.inject.example"]
        # The injected line was discarded (TLS went on), and the record says so.
        assert inj["status"] == "ok" and inj["starttls_injection"] is True, inj
        assert inj["tls"]["version"] == "TLSv1.2" and inj["tls_client_limit"] is False, inj
        assert hosts["mx1.exact.example"]["starttls_injection"] is False
        assert hosts["mx.tls454.example"]["starttls_injection"] is None  # no 220: nothing to inject
        assert hosts["mx.nostarttls.example"]["starttls_injection"] is None
        e = summary["endpoints"]
        assert e["by_starttls_injection"] == {"true": 1, "false": 1, "null": 2}, e
        assert e["by_tls_client_limit"] == {"true": 0, "false": 4}, e
        # the check command reads the same session
        ip, port = ctx.world.resolver
        r = sh([ctx.mxsurvey, "check", "--resolver", "%s:%d" % (ip, port), "--port",
                str(ctx.world.smtp_port), *ALLOW, "--ehlo", "scanner.mxsurvey.test", "--timeout", "2",
                "--ca-file", os.path.join(ctx.certs, "ca.pem"), "inject.example"], timeout=60)
        assert "discarded 20 octets sent after 220 to STARTTLS" in r.stdout, r.stdout


def test_attacker_text_in_input_line(ctx):
    """An input line with a NUL, ESC[31m, a C1 CSI and invalid UTF-8: domains.jsonl keeps its
    octets in the text notation (a NUL was '?' before), the CSV shows them escaped."""
    raw = b"a\x00b\x1b[31m\xc2\x9b\xff.example"
    with tempfile.TemporaryDirectory() as out:
        d, _, domains, _ = _scan(ctx, out, [raw])
        assert len(domains) == 1 and domains[0]["status"] == "invalid", domains
        text = domains[0]["domain"]
        assert text == "a\\x00b\x1b[31m\x9b\\xff.example", repr(text)
        back = re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]),
                      text.encode())
        assert back == raw
        for name in ("domains.csv", "hosts.csv", "summary.csv", "providers.csv"):
            data = open(os.path.join(d, name), "rb").read()
            bad = [c for c in data if (c < 0x20 and c not in (0x0d, 0x0a)) or c == 0x7f]
            assert not bad and b"\xc2\x9b" not in data, (name, data[:300])
        with open(os.path.join(d, "domains.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows[0]["domain"] == "a\\x00b\\x1b[31m\\xc2\\x9b\\xff.example", rows[0]
