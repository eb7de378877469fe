"""`make install` and `make uninstall` with PREFIX and DESTDIR, as a Debian package build runs
them: exactly the expected files, an installed binary and mxsurvey-nightly that run (the script
finding the binary beside it), the man page rendered by man -l, report.html naming the
installed schema, and nothing left after uninstall. The build goes to a private BUILD folder
seeded with the plain build's objects (only html.o, which holds the PREFIX, is remade), so
the build under test is never touched."""
import glob
import os
import shutil
import tempfile

from helpers import sh


def files_under(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


def make(ctx, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    r = sh(["make", "--no-print-directory", "-C", ctx.root, *args], timeout=600, env=env)
    assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-2000:])
    return r


def test_install_and_uninstall(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        build = os.path.join(tmp, "build")
        plain = os.path.join(ctx.root, "build", "obj")
        if os.path.isdir(plain):
            shutil.copytree(plain, os.path.join(build, "obj"), symlinks=True)
        dest = os.path.join(tmp, "root")
        make(ctx, "install", "BUILD=" + build, "PREFIX=/usr", "DESTDIR=" + dest)

        docs = {"usr/share/doc/mxsurvey/" + os.path.basename(p)
                for p in glob.glob(os.path.join(ctx.root, "docs", "*.md"))}
        want = {"usr/bin/mxsurvey", "usr/bin/mxsurvey-nightly", "usr/share/man/man1/mxsurvey.1",
                "usr/share/doc/mxsurvey/README.md"} | docs
        assert "usr/share/doc/mxsurvey/schema.md" in want
        assert files_under(dest) == want, sorted(files_under(dest) ^ want)
        bindir = os.path.join(dest, "usr/bin")
        for name in ("mxsurvey", "mxsurvey-nightly"):
            assert os.access(os.path.join(bindir, name), os.X_OK), name

        r = sh([os.path.join(bindir, "mxsurvey"), "--version"])
        assert r.returncode == 0 and r.stdout.startswith("mxsurvey "), (r.returncode, r.stdout)
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
        r = sh(["man", "--warnings", "-l", os.path.join(dest, "usr/share/man/man1/mxsurvey.1")], env=env)
        assert r.returncode == 0 and r.stderr == "" and "mxsurvey-nightly" in r.stdout, (r.returncode, r.stderr)

        # mxsurvey-nightly: its help, and a run (a list of comments only: no DNS query) that
        # uses the mxsurvey beside it, not build/ nor PATH; its report names the installed schema
        nightly = os.path.join(bindir, "mxsurvey-nightly")
        r = sh([nightly, "--help"])
        assert r.returncode == 0 and "--list FILE" in r.stdout, (r.returncode, r.stderr)
        lst = os.path.join(tmp, "list.txt")
        with open(lst, "w") as f:
            f.write("# nothing to scan\n")
        runs = os.path.join(tmp, "runs")
        path_env = dict(os.environ, PATH="/usr/bin:/bin")
        r = sh([nightly, "--list", lst, "--root", runs, "--", "--resolver", "127.0.0.1:9"], env=path_env,
               timeout=120, cwd=tmp)
        with open(os.path.join(runs, "nightly.log")) as f:
            log = f.read()
        assert "mxsurvey %s/mxsurvey," % bindir in log, log
        assert r.returncode == 0, (r.returncode, r.stderr, log)
        with open(os.path.join(runs, "latest", "report.html")) as f:
            html = f.read()
        assert "<code>/usr/share/doc/mxsurvey/schema.md</code> (installed)" in html, html[-600:]

        make(ctx, "uninstall", "BUILD=" + build, "PREFIX=/usr", "DESTDIR=" + dest)
        assert files_under(dest) == set(), sorted(files_under(dest))
        assert not os.path.exists(os.path.join(dest, "usr/share/doc/mxsurvey"))
