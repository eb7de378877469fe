#!/usr/bin/env python3
"""Integration-test runner: brings the local world up, runs every `test_*` function of every
tests/integration/test_*.py module against it, brings the world down, then runs the tests marked
@after_down (which check that nothing was left behind). Ends with "integration: N passed, N failed".

Each test gets a Ctx (world model, paths, helpers). A test fails by raising (assert).
Usage: run.py [--build DIR] [-k SUBSTRING]
"""
import argparse
import glob
import importlib.util
import os
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "world"))
sys.path.insert(0, HERE)
import worldfile  # noqa: E402


class Ctx:
    def __init__(self, build):
        self.root = ROOT
        self.build = os.path.abspath(os.path.join(ROOT, build))
        self.world_file = os.environ.get("MXS_WORLD_FILE", os.path.join(ROOT, "data/world/world.conf"))
        self.world_dir = os.environ.get("MXS_WORLD_DIR", os.path.join(ROOT, "build/world"))
        self.world = worldfile.load(self.world_file)
        self.certs = os.path.join(self.world_dir, "certs")
        self.mxsurvey = os.path.join(self.build, "mxsurvey")

    def env(self, **extra):
        e = dict(os.environ)
        e.update(MXS_BUILD=self.build, MXS_WORLD_FILE=self.world_file, MXS_WORLD_DIR=self.world_dir)
        e.update(extra)
        return e

    def world_cmd(self, *args, timeout=120, **extra):
        return subprocess.run([os.path.join(ROOT, "scripts", "world"), *args], capture_output=True,
                              text=True, timeout=timeout, env=self.env(**extra),
                              stdin=subprocess.DEVNULL)


def load_tests(pattern):
    tests = []
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for attr in sorted(dir(mod)):
            fn = getattr(mod, attr)
            if attr.startswith("test_") and callable(fn):
                full = "%s.%s" % (name, attr)
                if pattern and pattern not in full:
                    continue
                tests.append((full, fn))
    return tests


def run_one(name, fn, ctx, results):
    t0 = time.time()
    try:
        fn(ctx)
        results.append((name, True))
        print("ok   %s (%.1fs)" % (name, time.time() - t0), flush=True)
    except Exception as e:  # a test fails by raising anything
        results.append((name, False))
        msg = str(e) or e.__class__.__name__
        print("FAIL %s (%.1fs): %s" % (name, time.time() - t0, msg), flush=True)
        if not isinstance(e, AssertionError):
            traceback.print_exc(file=sys.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("-k", dest="pattern", default="")
    args = ap.parse_args()
    ctx = Ctx(args.build)
    tests = load_tests(args.pattern)
    before = [t for t in tests if not getattr(t[1], "after_down", False)]
    after = [t for t in tests if getattr(t[1], "after_down", False)]
    results = []

    r = ctx.world_cmd("up")
    print((r.stdout + r.stderr).strip(), flush=True)
    if r.returncode != 0:
        print("FAIL world up: exit %d" % r.returncode)
        results.append(("world_up", False))
        ctx.world_cmd("down")
    else:
        try:
            for name, fn in before:
                run_one(name, fn, ctx, results)
        finally:
            r = ctx.world_cmd("down")
            print((r.stdout + r.stderr).strip(), flush=True)
            results.append(("world_down", r.returncode == 0))
        for name, fn in after:
            run_one(name, fn, ctx, results)

    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print("integration: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
