"""report, diff and trend on hand-edited or damaged JSONL (a copy of the world scan's folder
with one line damaged): a torn last line, a line of the wrong type, values too large for any
number type, a record without the fields a command needs, a NUL octet, invalid UTF-8, a 100 MB
line. Each command, strict: exit 2 with an error naming the file and line (or, for damage that
is not damage to that command, a normal exit that counts the record); with --lenient: the
line skipped with a warning in the same words, the rest read. Never a crash (no signal, no
sanitizer report), and the 100 MB line never held in memory whole."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from helpers import sh
from test_scan import read_jsonl, world_scan

BIG = 100 << 20


def copy_scan(src, summary=True):
    dst = tempfile.mkdtemp(prefix="mxs-damaged-")
    for name in ("hosts.jsonl", "domains.jsonl", "run.json") + (("summary.json",) if summary else ()):
        shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))
    return dst


def lines_of(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def write_lines(path, lines, last_newline=True):
    with open(path, "wb") as f:
        f.write(b"\n".join(lines) + (b"\n" if last_newline else b""))


# The damage kinds: name -> (function(lines) -> (bytes of the file, the damaged line's
# number), whether it is damage to report and trend (a JSONL error), whether it is to diff
# (which also needs each domain record's "domain" string)).
def torn(lines):
    return b"\n".join(lines[:-1] + [lines[-1][:len(lines[-1]) // 2]]), len(lines)


def replace3(new):
    def fn(lines):
        return b"\n".join(lines[:2] + [new] + lines[3:]) + b"\n", 3
    return fn


def big_line(lines):
    return None, 3  # line 3 replaced in damage(): 100 MB is not built in memory


KINDS = {
    "torn": (torn, True, True),
    "array": (replace3(b"[1, 2, 3]"), True, True),
    "wrong-types": (replace3(b'{"domain": 5, "status": ["x"], "pattern": {"a": 1}, "mx": "no", '
                             b'"primary": 7, "consistent": "yes"}'), False, True),
    "huge-int": (replace3(b'{"domain": "huge.example", "line": 123456789012345678901234567890}'), True, True),
    "huge-real": (replace3(b'{"domain": "huge.example", "line": 1e999}'), True, True),
    "missing-fields": (replace3(b"{}"), False, True),
    "nul": (replace3(b'{"domain": "nul\x00.example", "status": "ok"}'), True, True),
    "invalid-utf8": (replace3(b'{"domain": "bad\xff\xfe.example", "status": "ok"}'), True, True),
    "100MB-line": (big_line, True, True),
}


def damage(folder, kind):
    """Damages folder/domains.jsonl; returns the damaged line's number."""
    path = os.path.join(folder, "domains.jsonl")
    lines = lines_of(path)
    text, lineno = KINDS[kind][0](lines)
    if text is not None:
        with open(path, "wb") as f:
            f.write(text)
        return lineno
    with open(path, "wb") as f:
        f.write(b"\n".join(lines[:2]) + b"\n")
        f.write(b'{"domain": "big.example", "pad": "')
        chunk = b"x" * (1 << 20)
        for _ in range(BIG >> 20):
            f.write(chunk)
        f.write(b'"}\n' + b"\n".join(lines[3:]) + b"\n")
    return 3


def run_measured(args, timeout=120):
    """Runs args; returns (returncode, stdout, stderr, peak RSS in MiB) of that process alone."""
    code = ("import resource, subprocess, sys, json\n"
            "r = subprocess.run(sys.argv[1:], capture_output=True, text=True, errors='replace')\n"
            "print(json.dumps([r.returncode, r.stdout, r.stderr,"
            " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))\n")
    # On the sanitizer build, freed memory is held in ASan's quarantine (256 MB by default),
    # which would count every buffer ever freed: keep it small so the peak is the program's.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4"
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                       timeout=timeout, env=env)
    return json.loads(r.stdout)


def no_crash(rc, err, what):
    assert rc in (0, 1, 2), "%s: exit %s (a crash?): %s" % (what, rc, err[-2000:])
    for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "Segmentation"):
        assert bad not in err, "%s: %s" % (what, err[-3000:])


def command(ctx, cmd, folder, old, out):
    if cmd == "report":
        return [ctx.mxsurvey, "report", "--quiet", folder]
    if cmd == "trend":
        return [ctx.mxsurvey, "trend", "--quiet", "--out", out, folder]
    return [ctx.mxsurvey, "diff", "--quiet", "--out", out, old, folder]


def test_damaged_jsonl_every_kind_every_command(ctx):
    scan = world_scan(ctx)
    ndomains = len(scan["domains"])
    failures = []
    for kind, (_, jsonl_damage, diff_damage) in KINDS.items():
        for cmd in ("report", "diff", "trend"):
            is_damage = diff_damage if cmd == "diff" else jsonl_damage
            for lenient in (False, True):
                what = "%s, %s%s" % (kind, cmd, " --lenient" if lenient else "")
                folder = copy_scan(scan["out"], summary=(cmd == "diff"))
                out = tempfile.mkdtemp(prefix="mxs-damaged-out-")
                try:
                    line = damage(folder, kind)
                    args = command(ctx, cmd, folder, scan["out"], out)
                    if lenient:
                        args.insert(2, "--lenient")
                    rc, _, err, rss = run_measured(args)
                    no_crash(rc, err, what)
                    where = "%s/domains.jsonl:%d: " % (folder, line)
                    if not is_damage:
                        ok = rc == (1 if cmd == "diff" else 0) and "warning" not in err
                    elif not lenient:
                        ok = rc == 2 and ("mxsurvey %s: %s" % (cmd, where)) in err
                    else:
                        ok = (rc == (1 if cmd == "diff" else 0) and
                              ("mxsurvey %s: warning: %s" % (cmd, where)) in err and
                              "; line skipped" in err)
                    if ok and cmd == "report" and rc == 0:
                        with open(os.path.join(folder, "summary.json")) as f:
                            s = json.load(f)
                        want = ndomains - (1 if is_damage else 0)
                        ok = s["domains"]["total"] == want
                        if lenient and ok:
                            ok = s["meta"]["skipped_lines"] == {"hosts.jsonl": 0,
                                                                "domains.jsonl": 1 if is_damage else 0}
                        elif ok:
                            ok = "skipped_lines" not in s["meta"]
                    if ok and kind == "100MB-line":
                        ok = rss < 90
                    if not ok:
                        failures.append("%s: exit %d, peak %.0f MiB, stderr %r" % (what, rc, rss, err[-600:]))
                finally:
                    shutil.rmtree(folder)
                    shutil.rmtree(out)
    assert not failures, "%d wrong:\n  " % len(failures) + "\n  ".join(failures)


def test_damaged_hosts_jsonl(ctx):
    """The same rule for hosts.jsonl: a torn last line names hosts.jsonl and its line."""
    scan = world_scan(ctx)
    folder = copy_scan(scan["out"])
    try:
        path = os.path.join(folder, "hosts.jsonl")
        lines = lines_of(path)
        write_lines(path, lines[:-1] + [lines[-1][:40]], last_newline=False)
        r = sh([ctx.mxsurvey, "report", "--quiet", folder])
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert ("mxsurvey report: %s/hosts.jsonl:%d: malformed JSON" % (folder, len(lines))) in r.stderr, r.stderr
        assert "(the last line has no newline at the end: a cut write?)" in r.stderr, r.stderr
        r = sh([ctx.mxsurvey, "report", "--quiet", "--lenient", folder])
        assert r.returncode == 0, (r.returncode, r.stderr)
        with open(os.path.join(folder, "summary.json")) as f:
            s = json.load(f)
        assert s["endpoints"]["total"] == len(lines) - 1, s["endpoints"]
        assert s["meta"]["skipped_lines"] == {"hosts.jsonl": 1, "domains.jsonl": 0}, s["meta"]
        # The CSV was made from the same lines, with the warnings said once.
        assert r.stderr.count("line skipped") == 1, r.stderr
        assert len(read_jsonl_csv(os.path.join(folder, "hosts.csv"))) == len(lines) - 1
        with open(os.path.join(folder, "report.html")) as f:
            assert 'data-warning="skipped"' in f.read()
    finally:
        shutil.rmtree(folder)


def read_jsonl_csv(path):
    import csv
    with open(path, newline="") as f:
        return list(csv.DictReader(f))
