"""mxsurvey match on the 14 real certificates of x509-limbo (tests/vectors) and on bad input
(tests/integration/match_vectors.sh), and on the world's own certificates: the tool runs the
scan's rules, so its verdicts must equal the scan's."""
import json
import os

from helpers import sh
from test_scan import world_scan


def test_match_vectors(ctx):
    r = sh([os.path.join(ctx.root, "tests/integration/match_vectors.sh"), "--build", ctx.build], timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 0, "exit %d:\n%s" % (r.returncode, out[-3000:])


def test_match_agrees_with_scan(ctx):
    s = world_scan(ctx)
    checked = 0
    for h in s["hosts"]:
        if not h["cert"] or not h["chain_file"]:
            continue
        refs = [h["mx_host"], h["first_domain"]] + ([h["ptr"]] if h["ptr"] else [])
        r = sh([ctx.mxsurvey, "match", os.path.join(s["out"], h["chain_file"]), *refs])
        assert r.returncode == 0, r.stderr
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        head, verdicts = lines[0], {l["name"]: l["match"] for l in lines[1:]}
        assert head["presented"] == h["presented"] and head["wildcard"] == h["wildcard"], (head, h["mx_host"])
        assert verdicts[h["mx_host"]] == h["match"]["mx_host"], (h["mx_host"], verdicts)
        assert verdicts[h["first_domain"]] == h["match"]["domain"], (h["mx_host"], verdicts)
        checked += 1
    assert checked >= 25, checked


def test_vectors_in_repository(ctx):
    """The x509-limbo vectors are part of the checkout, with their source and licence, and no
    test or script looks for them (or anything else) beside the checkout."""
    d = os.path.join(ctx.root, "tests/vectors/x509-limbo-online")
    pems = [f for f in os.listdir(d) if f.startswith("limbo-online-") and f.endswith(".pem")]
    assert len(pems) == 14, sorted(pems)
    with open(os.path.join(d, "README.md")) as f:
        readme = f.read()
    assert "C2SP/x509-limbo" in readme and "Apache" in readme, readme
    with open(os.path.join(d, "LICENSE")) as f:
        assert "Apache License" in f.read(2000)
    outside = []
    for top in ("tests", "scripts", "Makefile"):
        # Text files only (not __pycache__); this file names the patterns, so it is left out.
        r = sh(["grep", "-rlIE", "--exclude-dir=__pycache__", "--exclude=" + os.path.basename(__file__),
                r"\.\./shared|/work/", os.path.join(ctx.root, top)])
        outside += r.stdout.split()
    assert not outside, "files reaching outside the checkout: %s" % outside
