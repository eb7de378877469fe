"""The README's examples against the local world, run as written (only the binary, the world
dir and the output folder substituted): a reader who copies them gets real figures."""
import json
import os
import re
import shlex
import tempfile

from helpers import sh


def _readme_commands(ctx, prefix):
    """The README's shell lines starting with `prefix` (continuation lines joined), as argv."""
    with open(os.path.join(ctx.root, "README.md"), encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    return [shlex.split(l.split("#", 1)[0]) for l in text.splitlines() if l.startswith(prefix)]


def _localise(ctx, argv):
    """build/mxsurvey -> the build under test; build/world -> the suite's world dir."""
    out = []
    for a in argv:
        if a == "build/mxsurvey":
            a = ctx.mxsurvey
        a = re.sub(r"^build/world/", ctx.world_dir.rstrip("/") + "/", a)
        out.append(a)
    return out


def test_readme_scan_example(ctx):
    cmds = [c for c in _readme_commands(ctx, "build/mxsurvey scan --resolver") if "--out" in c]
    assert len(cmds) == 1, cmds
    argv = _localise(ctx, cmds[0])
    assert "--ca-file" in argv, "the example scans the world without its CA: %s" % argv
    with tempfile.TemporaryDirectory() as out:
        argv[argv.index("--out") + 1] = out
        r = sh(argv, cwd=ctx.root, timeout=180)
        assert r.returncode == 0, (r.returncode, r.stderr[-1000:])
        with open(os.path.join(out, "summary.json")) as f:
            share = json.load(f)["shares"]["valid_chain"]
    # Most of the world's primary MX chains are valid under its own CA.
    assert share["numerator"] > share["denominator"] / 2, share


def test_readme_check_example(ctx):
    cmds = _readme_commands(ctx, "build/mxsurvey check --resolver")
    assert len(cmds) == 1, cmds
    r = sh(_localise(ctx, cmds[0]), cwd=ctx.root, timeout=60)
    assert r.returncode == 0, (r.returncode, r.stdout[-1500:])
    assert re.search(r"^\s*trust\s+valid\b", r.stdout, re.M), r.stdout[-1500:]
