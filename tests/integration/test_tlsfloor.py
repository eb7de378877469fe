"""The bench's floor (tests/integration/tlsfloor_driver.c, BUILD/drivers/tlsfloor_driver): bare
STARTTLS + mbedTLS handshakes with the scanner's own TLS configuration. scripts/bench-tls
divides the scanner's CPU per handshake by its figure, so it must negotiate what the scanner
negotiates with the same server, finish every handshake it counts, and say when it could not.
Beside it, the bench's measure of what a second thread costs mbedTLS (eccthreads_driver)."""
import json
import os
import tempfile

from helpers import sh
from test_scan import read_jsonl, scan_args


def floor(ctx, *args):
    driver = os.path.join(ctx.build, "drivers", "tlsfloor_driver")
    assert os.access(driver, os.X_OK), "%s missing; run make" % driver
    r = sh([driver, *args], timeout=60, env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1"))
    assert r.returncode in (0, 1) and not r.stderr.strip(), (r.returncode, r.stderr[-1500:])
    return r.returncode, json.loads(r.stdout)


def test_tlsfloor_negotiates_what_the_scanner_does(ctx):
    port = str(ctx.world.smtp_port)
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "list.txt")
        with open(lst, "w") as f:
            f.write("exact.example\necdsa.example\n")
        r = sh(scan_args(ctx, "--out", os.path.join(d, "out"), lst), timeout=120)
        assert r.returncode == 0, r.stderr
        hosts = [h for h in read_jsonl(os.path.join(d, "out", "hosts.jsonl")) if h["tls"]]
    assert len(hosts) >= 2, hosts
    for h in hosts:
        rc, res = floor(ctx, "-n", "3", "-s", h["mx_host"], h["ip"], port)
        assert rc == 0 and res["handshakes"] == 3 and res["failed"] == 0, res
        assert res["version"] == h["tls"]["version"], (h["mx_host"], res, h["tls"])
        # mbedTLS names suites with dashes, the records with IANA's underscores
        assert res["ciphersuite"].replace("-", "_") == h["tls"]["cipher"], (h["mx_host"], res, h["tls"])
        assert res["cpu_ms_per_handshake"] > 0 and res["wall_ms_per_handshake"] > 0, res
        # -c: stops after the Certificate message: no session, nothing negotiated to report
        rc, res = floor(ctx, "-c", "-n", "2", "-s", h["mx_host"], h["ip"], port)
        assert rc == 0 and res["failed"] == 0 and res["version"] is None, res
        # -t: threads at once, each with its own configuration, sharing the handshakes
        rc, res = floor(ctx, "-t", "2", "-n", "5", "-s", h["mx_host"], h["ip"], port)
        assert rc == 0 and res["threads"] == 2 and res["handshakes"] == 5 and res["failed"] == 0, res
        assert res["version"] == h["tls"]["version"] and res["cpu_ms_per_handshake"] > 0, res


def test_tlsfloor_says_what_failed(ctx):
    """An address nobody listens on: every handshake fails, exit 1, the first error named."""
    rc, res = floor(ctx, "-n", "2", "127.0.0.1", "9")
    assert rc == 1 and res["failed"] == 2 and "connect 127.0.0.1:9" in res["error"], res
    rc, res = floor(ctx, "-t", "3", "-n", "7", "127.0.0.1", "9")
    assert rc == 1 and res["failed"] == 7 and res["threads"] == 3 and "connect 127.0.0.1:9" in res["error"], res
    driver = os.path.join(ctx.build, "drivers", "tlsfloor_driver")
    for bad in (["-t", "0"], ["-t", "65"], ["-n", "0"]):
        r = sh([driver, *bad, "127.0.0.1", "9"], timeout=30)
        assert r.returncode == 2 and "usage: tlsfloor_driver" in r.stderr, (bad, r.returncode, r.stderr)


def test_eccthreads_times_one_thread_two_threads_two_processes(ctx):
    """The bench's measure of what a second thread costs mbedTLS's curve arithmetic
    (tests/integration/eccthreads_driver.c): three figures, each a positive CPU time per X25519
    key generation; bad arguments are a usage error. No timing is asserted: the bench prints them."""
    driver = os.path.join(ctx.build, "drivers", "eccthreads_driver")
    assert os.access(driver, os.X_OK), "%s missing; run make" % driver
    r = sh([driver, "-n", "20", "-r", "2"], timeout=120, env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1"))
    assert r.returncode == 0 and not r.stderr.strip(), (r.returncode, r.stderr[-1500:])
    res = json.loads(r.stdout)
    assert res["op"] == "x25519-keygen" and res["n"] == 20 and res["rounds"] == 2, res
    for k in ("one_thread_us", "two_threads_us", "two_processes_us"):
        # mbedTLS's X25519 takes hundreds of microseconds here; 1 us or a minute is a broken clock
        assert 1 < res[k] < 60e6, (k, res)
    for bad in (["-r", "0"], ["-n", "0"], ["extra"]):
        r = sh([driver, *bad], timeout=30)
        assert r.returncode == 2 and "usage: eccthreads_driver" in r.stderr, (bad, r.returncode, r.stderr)
