"""No serial tail at the end of a scan (issue 11, item 6): the summary and hosts.csv /
domains.csv are made as the records are (the outputs `summary` and `csv`), so the end of a run
reads no record back; and what the scan writes is what `mxsurvey report DIR` then makes from
the folder's files, byte for byte (summary.json and report.html but for the time they were
made), after a whole scan, after an interrupted one, and after kills and resumptions.

- A world scan under strace opens neither hosts.jsonl nor domains.jsonl for reading; its
  summary.json, hosts.csv, domains.csv, summary.csv, providers.csv and report.html equal what
  `report` makes in a copy of the folder.
- A scan killed (SIGKILL) with a cut last line added by hand, resumed and stopped (SIGINT),
  then resumed to the end: after the SIGINT and at the end the same files equal `report`'s,
  hosts.csv and domains.csv have a row per record, and no temporary file is left."""
import difflib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from helpers import sh
from test_scan import read_jsonl, scan_args

REPORTS = ("summary.json", "hosts.csv", "domains.csv", "summary.csv", "providers.csv", "report.html")


def world_list(ctx):
    return os.path.join(ctx.root, "data/world/domains.txt")


def generated(d):
    with open(os.path.join(d, "summary.json"), "rb") as f:
        m = re.search(rb'"generated": "([^"]*)"', f.read())
    assert m, d
    return m.group(1)


def report_files(d):
    """The report files of folder d, with the time summary.json was made (meta.generated,
    shown in report.html's "made ... by") taken out: only there (run.json's `finished` may
    be the same second)."""
    gen = generated(d)
    where = {"summary.json": (b'"generated": "%s"', b'"generated": ""'),
             "report.html": (b"made %s by", b"made by")}
    out = {}
    for name in REPORTS:
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        if name in where:
            old, new = where[name]
            assert data.count(old % gen) == 1, (name, gen)
            data = data.replace(old % gen, new)
        out[name] = data
    return out


def check_same_as_report(ctx, out):
    """The reports in out equal what `mxsurvey report` makes in a copy of out."""
    copy = out + "-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(out, copy)
    try:
        for name in REPORTS:
            os.unlink(os.path.join(copy, name))
        r = sh([ctx.mxsurvey, "report", "--quiet", copy], timeout=60)
        assert r.returncode == 0, r.stderr
        scan, report = report_files(out), report_files(copy)
        for name in REPORTS:
            if scan[name] != report[name]:
                diff = difflib.unified_diff(scan[name].decode(errors="replace").splitlines(),
                                            report[name].decode(errors="replace").splitlines(),
                                            "scan", "report", lineterm="", n=1)
                raise AssertionError("%s: the scan's differs from report's:\n%s" % (
                    name, "\n".join(list(diff)[:40])))
    finally:
        shutil.rmtree(copy)
    # a row per record, and no temporary file of any output left
    for csv, jsonl in (("hosts.csv", "hosts.jsonl"), ("domains.csv", "domains.jsonl")):
        with open(os.path.join(out, csv), "rb") as f:
            rows = f.read().count(b"\r\n")
        assert rows == 1 + len(read_jsonl(os.path.join(out, jsonl))), csv
    left = [n for n in os.listdir(out) if n.startswith(".")]
    assert not left, left


def test_scan_end_reads_no_record_back(ctx):
    if not shutil.which("strace"):
        raise AssertionError("strace is missing: scripts/install-deps.sh installs it")
    d = tempfile.mkdtemp(prefix="mxs-tail-")
    try:
        out, trace = os.path.join(d, "out"), os.path.join(d, "trace.txt")
        # LeakSanitizer cannot work under ptrace (a sanitizer build); the other tests look
        # for leaks.
        env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
        r = sh(["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", trace,
                *scan_args(ctx, "--ipv6", "--out", out, world_list(ctx))], timeout=180, env=env)
        assert r.returncode == 0, r.stderr
        with open(trace) as f:
            opens = [l for l in f if re.search(r'/(hosts|domains)\.jsonl"', l)]
        assert opens, "strace saw no open of the JSONL files"
        reads = [l for l in opens if "O_WRONLY" not in l and "O_RDWR" not in l]
        assert not reads, "the scan read its records back:\n" + "".join(reads)
        check_same_as_report(ctx, out)
    finally:
        shutil.rmtree(d)


def test_reports_equal_report_dir_after_kills_and_resume(ctx):
    lst = world_list(ctx)
    d = tempfile.mkdtemp(prefix="mxs-tail-")
    try:
        t0 = time.time()
        r = sh(scan_args(ctx, "--ipv6", "--out", os.path.join(d, "ref"), lst), timeout=120)
        length = time.time() - t0
        assert r.returncode == 0, r.stderr
        check_same_as_report(ctx, os.path.join(d, "ref"))

        # 1. Killed part way (the first moment that leaves records and no end), with a cut
        # line added to hosts.jsonl, as a write cut short leaves it.
        out = os.path.join(d, "out")
        for frac in (0.5, 0.3, 0.15, 0.08):
            shutil.rmtree(out, ignore_errors=True)
            p = subprocess.Popen(scan_args(ctx, "--ipv6", "--out", out, lst),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(length * frac)
            p.send_signal(signal.SIGKILL)
            p.communicate(timeout=60)
            hosts = os.path.join(out, "hosts.jsonl")
            if p.returncode == -signal.SIGKILL and os.path.exists(hosts) and os.path.getsize(hosts):
                with open(os.path.join(out, "run.json")) as f:
                    if json.load(f)["finished"] is None:
                        break
        else:
            raise AssertionError("no kill came part way through the scan")
        with open(os.path.join(out, "hosts.jsonl"), "ab") as f:
            f.write(b'{"mx_host":"cut.example","ip":"127.0.0.9","stat')

        # 2. Resumed, stopped by SIGINT: the reports cover the records written, as report's.
        p = subprocess.Popen(scan_args(ctx, "--ipv6", "--resume", out, lst),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(length * 0.2)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        assert p.returncode in (0, 1), (p.returncode, err[-500:])
        check_same_as_report(ctx, out)

        # 3. Resumed to the end: the same again.
        r = sh(scan_args(ctx, "--ipv6", "--resume", out, lst), timeout=120)
        assert r.returncode == 0, r.stderr
        check_same_as_report(ctx, out)
        # a row per input line, as the uninterrupted run (whose verdicts the world's timing
        # may change: test_resume compares the records)
        with open(os.path.join(out, "domains.csv"), "rb") as a, \
                open(os.path.join(d, "ref", "domains.csv"), "rb") as b:
            assert a.read().count(b"\r\n") == b.read().count(b"\r\n")
    finally:
        shutil.rmtree(d)
