"""`scan -`: standard input is copied to a file in $TMPDIR before the scan starts. A copy
that cannot be made whole (TMPDIR full, a read error) is fatal, exit 2, says why, and leaves
nothing (no spool file, no output folder): a list cut by a full /tmp is never scanned, so its
cut last line is never read as a domain. SIGINT while a slow producer is still writing:
exit 1, the spool file removed, nothing created."""
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import time

from helpers import sh
from test_scan import read_jsonl, scan_args


def test_stdin_full_tmpdir_is_fatal(ctx):
    with tempfile.TemporaryDirectory() as d:
        tmp, out = os.path.join(d, "tmp"), os.path.join(d, "out")
        os.mkdir(tmp)
        lst = os.path.join(d, "big.txt")
        with open(lst, "w") as f:  # 40,000 names, about 600 KB: more than the 64 KB tmpfs
            f.write("".join("n%d.nx.test\n" % i for i in range(40000)))
        args = scan_args(ctx, "--out", out, "-")
        script = ('mount -t tmpfs -o size=64k mxs-tmp "$1" || exit 99; shift; '
                  'cat "$1" | TMPDIR="$2" "${@:3}"; rc=$?; ls -A "$2" > "$2.left"; exit $rc')
        r = sh(["unshare", "-m", "--propagation", "private", "bash", "-c", script, "x", tmp, lst,
                tmp, *args], timeout=60)
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "mxsurvey scan: cannot copy standard input to %s/mxsurvey-stdin-" % tmp in r.stderr, r.stderr
        assert "No space left on device (TMPDIR chooses the folder)" in r.stderr, r.stderr
        with open(tmp + ".left") as f:
            assert f.read() == "", "the spool file was left behind"
        assert not os.path.exists(out), "a scan of a cut list started"


def test_stdin_read_error_is_fatal(ctx):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        fd = os.open(d, os.O_RDONLY)  # a folder as standard input: read(2) says EISDIR
        try:
            r = subprocess.run(scan_args(ctx, "--out", out, "-"), stdin=fd, capture_output=True,
                               text=True, timeout=30, env=dict(os.environ, TMPDIR=d))
        finally:
            os.close(fd)
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "mxsurvey scan: cannot read standard input: Is a directory" in r.stderr, r.stderr
        assert sorted(os.listdir(d)) == [], os.listdir(d)


def test_stdin_sigint_while_spooling(ctx):
    with tempfile.TemporaryDirectory() as d:
        tmp, out = os.path.join(d, "tmp"), os.path.join(d, "out")
        os.mkdir(tmp)
        p = subprocess.Popen(scan_args(ctx, "--out", out, "-"), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=dict(os.environ, TMPDIR=tmp))
        p.stdin.write(b"exact.example\nwild.exa")  # a producer in the middle of a line
        p.stdin.flush()
        for _ in range(100):  # the copy has begun
            if os.listdir(tmp):
                break
            time.sleep(0.02)
        assert os.listdir(tmp), "no spool file"
        time.sleep(0.2)
        t0 = time.time()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
        err = err.decode()
        assert p.returncode == 1, (p.returncode, err)
        assert time.time() - t0 < 5
        assert err.strip().splitlines()[-1] == \
            "mxsurvey scan: interrupted while reading standard input: nothing scanned", err
        assert os.listdir(tmp) == [], os.listdir(tmp)
        assert not os.path.exists(out)


def test_stdin_whole_list_scanned(ctx):
    """The copy itself: a list from a pipe is scanned as a file is, its SHA-256 recorded."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        text = b"exact.example\n# c\nwild.example\n"
        r = subprocess.run(scan_args(ctx, "--out", out, "-"), input=text, capture_output=True,
                           timeout=60, env=dict(os.environ, TMPDIR=d))
        assert r.returncode == 0, r.stderr
        doms = read_jsonl(os.path.join(out, "domains.jsonl"))
        assert sorted((x["line"], x["domain"]) for x in doms) == [(1, "exact.example"), (3, "wild.example")]
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        assert run["input"] == "-" and run["input_sha256"] == hashlib.sha256(text).hexdigest(), run
        assert [n for n in os.listdir(d) if n.startswith("mxsurvey-stdin")] == []


def test_stdin_resume(ctx):
    """`-` is a list like any other: a scan of a file given as standard input is stopped, its
    pending.txt lists what is missing, and --resume with the same list through a pipe (copied
    first) finishes it: the SHA-256 is of what was scanned either way."""
    with tempfile.TemporaryDirectory() as d:
        lst = os.path.join(d, "list.txt")
        text = b"exact.example\nsilent.example\nwild.example\n"
        with open(lst, "wb") as f:
            f.write(text)
        out = os.path.join(d, "out")
        args = scan_args(ctx, "--out", out, "-")
        args[args.index("--timeout") + 1] = "5"  # silent.example is still in flight at the stop
        with open(lst, "rb") as f:
            p = subprocess.Popen(args, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(1.0)
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=30)
        assert p.returncode == 1, (p.returncode, err)
        with open(os.path.join(out, "pending.txt"), "rb") as f:
            assert f.read() == b"silent.example\n"
        with open(os.path.join(out, "run.json")) as f:
            assert json.load(f)["input_sha256"] == hashlib.sha256(text).hexdigest()
        args = scan_args(ctx, "--resume", out, "-")
        args[args.index("--timeout") + 1] = "5"
        r = subprocess.run(args, input=text, capture_output=True, timeout=60, env=dict(os.environ, TMPDIR=d))
        assert r.returncode == 0, r.stderr
        doms = read_jsonl(os.path.join(out, "domains.jsonl"))
        assert sorted(x["line"] for x in doms) == [1, 2, 3]
        r = subprocess.run(args, input=b"exact.example\n", capture_output=True, timeout=60)
        assert r.returncode == 2 and b"standard input is not the list that scan read" in r.stderr, r.stderr
