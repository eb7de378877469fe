"""The probe stage on its own (tests/integration/probe.sh): a driver built from the probe
objects against the fixture and a hostile server, compared with openssl s_client."""
import os

from helpers import sh


def test_probe_stage(ctx):
    r = sh([os.path.join(ctx.root, "tests/integration/probe.sh"), "--build", ctx.build], timeout=300)
    tail = (r.stdout + r.stderr)[-3000:]
    assert r.returncode == 0, "probe.sh exit %d:\n%s" % (r.returncode, tail)
    assert " 0 failed" in r.stdout, tail
