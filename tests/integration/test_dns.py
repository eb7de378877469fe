"""The DNS client and resolver on their own (tests/integration/dns_resolve.sh): the build's
resolve driver (BUILD/drivers/resolve_driver, made by make) against a private unbound, its
output compared with the expected results, including query counts that prove each name is
asked once."""
import os

from helpers import sh


def test_dns_resolve_stage(ctx):
    args = [os.path.join(ctx.root, "tests/integration/dns_resolve.sh"), "--build", ctx.build]
    r = sh(args, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "PASS: dns_resolve" in out, "exit %d:\n%s" % (r.returncode, out[-3000:])
