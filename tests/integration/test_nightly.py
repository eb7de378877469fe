"""scripts/nightly against the local world: two runs into one root with --keep 1 (the second,
on the same day, named <date>-HHMMSS), latest, rotation, the diff in the second run, the log;
a run while another holds the lock (exit 75); a failing scan, which leaves latest alone."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

from helpers import sh
from test_scan import ALLOW

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ nightly\[(\d+)\] (.*)$")
DAY = r"\d{4}-\d\d-\d\d"


def nightly(ctx, root, *extra, scan=None, timeout=300):
    ip, port = ctx.world.resolver
    if scan is None:
        scan = ["--resolver", "%s:%d" % (ip, port), "--port", str(ctx.world.smtp_port), *ALLOW,
                "--timeout", "2", "--retry-delay", "0.2", "--ca-file", os.path.join(ctx.certs, "ca.pem"),
                "--quiet"]
    args = [os.path.join(ctx.root, "scripts", "nightly"), "--list",
            os.path.join(ctx.root, "data", "world", "domains.txt"), "--root", root, "--build", ctx.build,
            *extra, "--", *scan]
    return sh(args, timeout=timeout)


def log_lines(root):
    with open(os.path.join(root, "nightly.log")) as f:
        text = f.read()
    lines = text.splitlines()
    for l in lines:
        assert LINE.match(l), "log line without a timestamp and pid: %r" % l
    return [LINE.match(l).group(2) for l in lines]


def test_nightly_two_runs_keep_one(ctx):
    root = tempfile.mkdtemp(prefix="mxs-nightly-")
    try:
        r = nightly(ctx, root, "--keep", "1")
        assert r.returncode == 0, "first run: exit %d: %s" % (r.returncode, r.stderr)
        assert r.stdout == r.stderr == "", (r.stdout, r.stderr)
        first = os.readlink(os.path.join(root, "latest"))
        assert re.fullmatch(DAY, first), first
        first_dir = os.path.join(root, first)
        for name in ("hosts.jsonl", "domains.jsonl", "run.json", "summary.json"):
            assert os.path.isfile(os.path.join(first_dir, name)), name
        assert not os.path.exists(os.path.join(first_dir, "diff.json"))

        r = nightly(ctx, root, "--keep", "1")
        assert r.returncode == 0, "second run: exit %d: %s" % (r.returncode, r.stderr)
        second = os.readlink(os.path.join(root, "latest"))
        assert second != first
        if second[:10] == first:  # the same UTC day (not a run across midnight)
            assert re.fullmatch(re.escape(first) + r"-\d{6}", second), second
        else:
            assert re.fullmatch(DAY, second), second
        second_dir = os.path.join(root, second)
        # --keep 1: the first run was removed after the second; nothing else was touched
        assert not os.path.exists(first_dir)
        assert sorted(os.listdir(root)) == sorted([second, "latest", "nightly.log", "nightly.lock"]), \
            os.listdir(root)

        # the second run holds the diff against the first
        with open(os.path.join(second_dir, "diff.json")) as f:
            d = json.load(f)
        assert d["old"]["dir"] == first_dir and d["new"]["dir"] == second_dir, (d["old"], d["new"])
        with open(os.path.join(second_dir, "domains.jsonl")) as f:
            n = len({json.loads(l)["domain"] for l in f})
        assert d["counts"]["old_domains"] == d["counts"]["new_domains"] == n, d["counts"]
        assert d["appeared"] == d["vanished"] == [], d  # the same list twice
        assert os.path.isfile(os.path.join(second_dir, "diff.csv"))

        # the log: every line stamped; two complete runs
        lines = log_lines(root)
        assert len(lines) > 10, lines
        assert lines.count("done: ok, run %s" % first) == 1, lines
        assert lines.count("done: ok, run %s" % second) == 1, lines
        assert "diff: no previous run to compare with" in lines
        assert any(l.startswith("diff: ") and ("changes since %s" % first) in l for l in lines), lines
        assert any(l.startswith("diff| domains: %d -> %d" % (n, n)) for l in lines), lines
        assert "latest -> %s" % second in lines
        assert "removed the old run %s (keeping 1)" % first in lines
        assert "scan: exit 0" in lines and "report: exit 0" in lines
    finally:
        shutil.rmtree(root)


def test_nightly_lock_busy(ctx):
    root = tempfile.mkdtemp(prefix="mxs-nightly-")
    lock = os.path.join(root, "nightly.lock")
    holder = subprocess.Popen(["flock", "-n", lock, "-c", "echo held; exec sleep 60"],
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "held", "flock did not take the lock"
        r = nightly(ctx, root, timeout=60)
        assert r.returncode == 75, "exit %d: %s" % (r.returncode, r.stderr)
        assert "another run holds the lock" in r.stderr, r.stderr
        # nothing was done: no run folder, no latest; the log says why
        assert sorted(os.listdir(root)) == ["nightly.lock", "nightly.log"], os.listdir(root)
        lines = log_lines(root)
        assert len(lines) == 1 and "another run holds the lock" in lines[0] and "exit 75" in lines[0], lines
    finally:
        os.killpg(holder.pid, signal.SIGTERM)  # flock and its sleep: the group started above
        holder.wait(timeout=10)
        holder.stdout.close()
        shutil.rmtree(root)


def test_nightly_scan_failure_keeps_latest(ctx):
    root = tempfile.mkdtemp(prefix="mxs-nightly-")
    try:
        os.mkdir(os.path.join(root, "2000-01-01"))
        with open(os.path.join(root, "2000-01-01", "run.json"), "w") as f:
            f.write("{}\n")
        os.symlink("2000-01-01", os.path.join(root, "latest"))
        r = nightly(ctx, root, "--keep", "1", scan=["--no-such-option"], timeout=60)
        assert r.returncode == 1, "exit %d: %s" % (r.returncode, r.stderr)
        assert "scan failed (exit 2" in r.stderr, r.stderr
        # latest is untouched, nothing rotated, no empty run folder left
        assert os.readlink(os.path.join(root, "latest")) == "2000-01-01"
        assert sorted(os.listdir(root)) == ["2000-01-01", "latest", "nightly.lock", "nightly.log"], \
            os.listdir(root)
        lines = log_lines(root)
        assert lines[-1] == "done: FAILED", lines
        assert any(l.startswith("ERROR: scan failed (exit 2") for l in lines), lines
        # the output folder is the script's to choose
        r = nightly(ctx, root, scan=["--out", root], timeout=60)
        assert r.returncode == 2 and "--out" in r.stderr, (r.returncode, r.stderr)
    finally:
        shutil.rmtree(root)


def test_nightly_failed_start_removes_folder(ctx):
    """A scan that does not start (exit 2) is no run: the script removes its folder and logs
    it. With the real scan (a folder given as --ca-file: it creates nothing), and with a stand-in
    that leaves a half-made folder behind (run.json saying it never finished), as a scan that
    validated less would: that folder must go too, or `trend ROOT/20*` would meet it."""
    root = tempfile.mkdtemp(prefix="mxs-nightly-")
    fake = tempfile.mkdtemp(prefix="mxs-fake-build-")
    try:
        ip, port = ctx.world.resolver
        r = nightly(ctx, root, scan=["--resolver", "%s:%d" % (ip, port), "--ca-file", "/etc", "--quiet"],
                    timeout=60)
        assert r.returncode == 1 and "scan failed (exit 2" in r.stderr, (r.returncode, r.stderr)
        lines = log_lines(root)
        assert any("scan| mxsurvey scan: CA file /etc is a directory; use --ca-path /etc" in l for l in lines), lines
        assert sorted(os.listdir(root)) == ["nightly.lock", "nightly.log"], os.listdir(root)
        removed = [l for l in lines if l.startswith("removed ") and l.endswith(": the scan did not start")]
        assert len(removed) == 1, lines

        with open(os.path.join(fake, "mxsurvey"), "w") as f:
            f.write('#!/bin/bash\n# a scan that leaves a half-made folder and exits 2\n'
                    'while [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done\n'
                    'mkdir -p "$out/chains" && echo \'{"finished": null}\' >"$out/run.json"\n'
                    'echo "mxsurvey scan: cannot load something" >&2; exit 2\n')
        os.chmod(os.path.join(fake, "mxsurvey"), 0o755)
        args = [os.path.join(ctx.root, "scripts", "nightly"), "--list",
                os.path.join(ctx.root, "data", "world", "domains.txt"), "--root", root, "--build", fake]
        r = sh(args, timeout=60)
        assert r.returncode == 1 and "scan failed (exit 2" in r.stderr, (r.returncode, r.stderr)
        assert sorted(os.listdir(root)) == ["nightly.lock", "nightly.log"], os.listdir(root)
        lines = log_lines(root)
        assert len([l for l in lines if l.endswith(": the scan did not start")]) == 2, lines
        assert lines[-1] == "done: FAILED", lines
    finally:
        shutil.rmtree(root)
        shutil.rmtree(fake)
