"""A scan of the whole world under valgrind's memcheck, and report, diff, trend, check and match
on its folder: no memory error, no leak of any kind (tests/valgrind.sh; `make valgrind` runs the
same alone). valgrind cannot run an ASan binary, so this always uses the plain build."""
import os

from helpers import sh


def test_valgrind_world_scan(ctx):
    build = ctx.build if "asan" not in ctx.build else os.path.join(ctx.root, "build")
    r = sh([os.path.join(ctx.root, "tests", "valgrind.sh"), "--build", build, "--world-is-up"],
           timeout=600, env=ctx.env())
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    assert "valgrind: 6 passed, 0 failed" in r.stdout, r.stdout[-4000:]
