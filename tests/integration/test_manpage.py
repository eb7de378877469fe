"""The manual page docs/mxsurvey.1: clean for mandoc's linter and man-db's groff warnings,
and complete against the code: every command `mxsurvey --help` lists, every option every
command's --help (and scripts/nightly's) prints, and every exit code the README and
docs/nightly.md document are in it, so the page cannot fall behind."""
import os
import re

from helpers import sh

PAGE = "docs/mxsurvey.1"
OPTION = re.compile(r"^\s+(?:-([A-Za-z]), )?--([a-z0-9-]+)", re.M)


def page_source(ctx):
    with open(os.path.join(ctx.root, PAGE), encoding="utf-8") as f:
        return f.read()


def page_text(ctx):
    """The page's source with roff's escaped minus as a plain one: `\\-\\-port` -> `--port`."""
    return page_source(ctx).replace("\\-", "-")


def section(text, name):
    """The source of one .SH section (up to the next .SH)."""
    m = re.search(r"^\.SH %s\n(.*?)(?=^\.SH |\Z)" % re.escape(name), text, re.S | re.M)
    assert m, "no section %s in %s" % (name, PAGE)
    return m.group(1)


def test_manpage_mandoc_lint(ctx):
    """mandoc -T lint: no message at all (style included)."""
    r = sh(["mandoc", "-T", "lint", "-W", "style", os.path.join(ctx.root, PAGE)])
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", (r.returncode, r.stdout, r.stderr)


def test_manpage_man_warnings(ctx):
    """man-db renders it (groff with every warning on) without a warning."""
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    r = sh(["man", "--warnings", "-l", os.path.join(ctx.root, PAGE)], env=env)
    assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)
    assert "MXSURVEY(1)" in r.stdout and "EXIT STATUS" in r.stdout, r.stdout[:500]


def help_of(ctx, *cmd):
    r = sh([*cmd, "--help"])
    assert r.returncode == 0, (cmd, r.returncode, r.stderr)
    return r.stdout


def test_manpage_names_every_command_and_option(ctx):
    text = page_text(ctx)
    commands = section(text, "COMMANDS")
    top = help_of(ctx, ctx.mxsurvey)
    names = re.findall(r"^  ([a-z]+) ", top.split("Commands:\n", 1)[1].split("\n\n", 1)[0], re.M)
    assert {"scan", "check", "report", "diff", "trend", "match"} <= set(names), names
    helps = {"mxsurvey": top, "mxsurvey-nightly": help_of(ctx, os.path.join(ctx.root, "scripts/nightly"))}
    for name in names:
        assert re.search(r"^\.B %s$" % name, commands, re.M), "command %s not under COMMANDS" % name
        assert "mxsurvey %s" % name in section(text, "SYNOPSIS").replace("\n.B ", " ").replace(".B ", ""), name
        helps["mxsurvey " + name] = help_of(ctx, ctx.mxsurvey, name)
    options = section(text, "OPTIONS")
    missing = []
    for cmd, out in helps.items():
        found = OPTION.findall(out)
        # check takes scan's options, and says so instead of listing them
        assert found or "Takes the options of `mxsurvey scan`" in out, "no option parsed from %s --help" % cmd
        for short, long_ in found:
            if "--" + long_ not in options:
                missing.append("%s --%s" % (cmd, long_))
            if short and not re.search(r"-%s\b.*--%s" % (short, long_), options):
                missing.append("%s -%s (for --%s)" % (cmd, short, long_))
    assert not missing, "options in --help but not in %s's OPTIONS: %s" % (PAGE, missing)


def test_manpage_documents_every_exit_code(ctx):
    """Every exit code the README and docs/nightly.md name has an entry under EXIT STATUS."""
    codes = set()
    for doc in ("README.md", "docs/nightly.md"):
        with open(os.path.join(ctx.root, doc), encoding="utf-8") as f:
            text = f.read()
        codes |= set(re.findall(r"\b[Ee]xit(?:s| with exit| codes?:?)? (\d+)", text))
        codes |= set(re.findall(r"^\| (\d+) \|", text, re.M))  # nightly.md's table
    assert {"0", "1", "2", "75"} <= codes, codes
    status = section(page_text(ctx), "EXIT STATUS")
    listed = set(re.findall(r"^\.TP\n\.B (\d+)$", status, re.M))
    assert codes <= listed, "exit codes documented but not in EXIT STATUS: %s" % sorted(codes - listed)


def test_manpage_has_the_sections_of_a_page(ctx):
    text = page_source(ctx)
    for name in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXIT STATUS", "FILES",
                 "ENVIRONMENT", "EXAMPLES", "SEE ALSO"):
        assert re.search(r"^\.SH %s$" % name, text, re.M), "no .SH %s" % name
    files = section(page_text(ctx), "FILES")
    for f in ("hosts.jsonl", "domains.jsonl", "run.json", "summary.json", "report.html", "pending.txt",
              "diff.json", "diff.csv", "trend.csv", "trend.svg", "hosts.csv", "providers.csv"):
        assert f in files, "output file %s not under FILES" % f
