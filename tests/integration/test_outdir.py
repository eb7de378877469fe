"""--out of scan, diff and trend (src/core/outdir.c): each makes its folder with all the missing
parents, and refuses (exit 2, a message naming the folder and what it holds, nothing written)
a folder that holds another kind of output: a scan folder (run.json), a diff folder
(diff.json), a trend folder (trend.csv). diff may write into NEW_DIR, its default, as
scripts/nightly does."""
import os
import shutil
import tempfile

from helpers import sh
from test_diff import copy_scan
from test_scan import scan_args, world_scan


def listing(d):
    return sorted(os.listdir(d))


def folders(ctx, tmp):
    """A diff folder, a trend folder and a scan folder (a copy of the world scan's records)."""
    scan = copy_scan(world_scan(ctx)["out"])
    diff_dir = os.path.join(tmp, "a-diff")
    os.mkdir(diff_dir)
    for n in ("diff.json", "diff.csv"):
        open(os.path.join(diff_dir, n), "w").close()
    trend_dir = os.path.join(tmp, "a-trend")
    os.mkdir(trend_dir)
    for n in ("trend.csv", "trend.svg"):
        open(os.path.join(trend_dir, n), "w").close()
    return scan, diff_dir, trend_dir



def refused(r, folder, holds, marker, kind):
    want = "%s holds %s output (%s), not %s output" % (folder, holds, marker, kind)
    assert r.returncode == 2 and want in r.stderr, (r.returncode, r.stdout, r.stderr)


def test_outdir_scan(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        scan, diff_dir, trend_dir = folders(ctx, tmp)
        try:
            lst = os.path.join(tmp, "list.txt")
            with open(lst, "w") as f:
                f.write("exact.example\n")
            for folder, holds, marker in ((diff_dir, "diff", "diff.json"), (trend_dir, "trend", "trend.csv")):
                before = listing(folder)
                r = sh(scan_args(ctx, "--out", folder, lst), timeout=60)
                refused(r, folder, holds, marker, "scan")
                assert listing(folder) == before, listing(folder)
            deep = os.path.join(tmp, "x", "y", "z")
            r = sh(scan_args(ctx, "--out", deep, lst), timeout=60)
            assert r.returncode == 0 and os.path.isfile(os.path.join(deep, "run.json")), r.stderr
        finally:
            shutil.rmtree(scan)


def test_outdir_diff(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        scan, diff_dir, trend_dir = folders(ctx, tmp)
        other = copy_scan(scan)
        try:
            cases = ((other, "scan", "run.json"), (trend_dir, "trend", "trend.csv"))
            for folder, holds, marker in cases:
                before = listing(folder)
                r = sh([ctx.mxsurvey, "diff", "--quiet", "--out", folder, scan, scan], timeout=60)
                refused(r, folder, holds, marker, "diff")
                assert listing(folder) == before, listing(folder)
            # made with its parents; a diff folder again; NEW_DIR itself
            deep = os.path.join(tmp, "d", "e", "f")
            for out in (deep, deep, diff_dir, scan):
                r = sh([ctx.mxsurvey, "diff", "--quiet", "--out", out, other, scan], timeout=60)
                assert r.returncode == 0, (out, r.returncode, r.stderr)
                assert os.path.getsize(os.path.join(out, "diff.json")) > 0, out
        finally:
            shutil.rmtree(scan)
            shutil.rmtree(other)


def test_outdir_trend(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        scan, diff_dir, trend_dir = folders(ctx, tmp)
        try:
            for folder, holds, marker in ((scan, "scan", "run.json"), (diff_dir, "diff", "diff.json")):
                before = listing(folder)
                r = sh([ctx.mxsurvey, "trend", "--quiet", "--out", folder, scan], timeout=60)
                refused(r, folder, holds, marker, "trend")
                assert listing(folder) == before, listing(folder)
            deep = os.path.join(tmp, "t", "u", "v")
            for out in (deep, trend_dir):
                r = sh([ctx.mxsurvey, "trend", "--quiet", "--out", out, scan], timeout=60)
                assert r.returncode == 0, (out, r.returncode, r.stderr)
                assert os.path.getsize(os.path.join(out, "trend.csv")) > 0, out
        finally:
            shutil.rmtree(scan)
