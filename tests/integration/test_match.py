"""mxsurvey match on the 14 real certificates of x509-limbo (tests/vectors) and on bad input
(tests/integration/match_vectors.sh), on the world's own certificates (the tool runs the scan's
rules, so its verdicts must equal the scan's), on wildcards over public suffixes and inet_aton
forms, and on certificate names hostile to any output (tests/unit/data/hostile-names.pem)."""
import json
import os
import subprocess
import tempfile

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


def _match(ctx, *args):
    """(head, [verdict lines]) of `mxsurvey match ARGS` (bytes allowed); its output never holds
    a raw control character a terminal would act on (C0, DEL, C1 as UTF-8)."""
    r = subprocess.run([ctx.mxsurvey, "match", *args], capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode("utf-8")
    assert not [c for c in text if c != "\n" and (ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f)], text
    lines = [json.loads(l) for l in r.stdout.decode("utf-8").splitlines()]
    return lines[0], lines[1:]


def test_match_public_suffix_and_numeric_names(ctx):
    """A wildcard directly over a public suffix (ICANN, private section, default rule) never
    matches strictly, though the certificate's class is public-suffix and a lax matcher (no
    PSL) takes it; only what inet_pton reads is an IP address."""
    with tempfile.TemporaryDirectory(prefix="mxs-match-") as d:
        cert = os.path.join(d, "c.pem")
        sans = ["*.com", "*.co.uk", "*.github.io", "*.example", "*.x.example", "0xC0A80101",
                "192.168.1.1", "127.1"]
        sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", os.path.join(d, "k"), "-subj", "/CN=psl.test", "-days", "2",
            "-addext", "subjectAltName=" + ",".join("DNS:" + n for n in sans), "-out", cert],
           check=True)
        want = {  # name: (strict, matched_by, lax)
            "a.com": ("none", None, True), "a.b.com": ("none", None, True),
            "a.co.uk": ("none", None, True), "a.github.io": ("none", None, True),
            "a.example": ("none", None, True), "a.x.example": ("wildcard", "*.x.example", True),
            "a.b.x.example": ("multilabel", "*.x.example", True),
            "0xC0A80101": ("exact", "0xC0A80101", True), "0xc0a80101.": ("exact", "0xC0A80101", True),
            "127.1": ("exact", "127.1", True),
            "192.168.1.1": ("none", None, False), "[192.168.1.1]": ("none", None, False),
        }
        head, verdicts = _match(ctx, "--lax", cert, *want)
        assert head["presented"] == sans and head["wildcard"] == "public-suffix", head
        got = {v["name"]: (v["match"], v["matched_by"], v["lax"]) for v in verdicts}
        assert got == want, {k: (got.get(k), w) for k, w in want.items() if got.get(k) != w}


def test_match_hostile_names(ctx):
    """The names are the certificate's own characters in the text notation (docs/schema.md):
    only the plain one matches, the CN equals one SAN in octets (cn_in_san), and a NAME that is
    not UTF-8 is echoed in the same notation."""
    pem = os.path.join(ctx.root, "tests/unit/data/hostile-names.pem")
    head, verdicts = _match(ctx, pem, "ok.example", "a b.example", "x\\x41.example",
                            b"bad\xff\xc0\xaf.example", "esc\x1b[31m.example")
    assert head["presented"] == [
        "a b.example", "back\\slash.example", "x\\x5cx41.example", "nul\\x00.example",
        "esc\x1b[31m.example", "csi\x9b.example", "bad\\xff\\xc0\\xaf.example",
        "b\u00fccher.example", "ok.example"], head
    assert head["names_from"] == "san" and head["cn_in_san"] is True and head["wildcard"] == "none"
    got = [(v["name"], v["match"], v["matched_by"]) for v in verdicts]
    assert got == [("ok.example", "exact", "ok.example"), ("a b.example", "none", None),
                   ("x\\x5cx41.example", "none", None), ("bad\\xff\\xc0\\xaf.example", "none", None),
                   ("esc\x1b[31m.example", "none", None)], got
