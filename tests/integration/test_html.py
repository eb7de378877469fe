"""report.html and mxsurvey trend on the world scan: the page is self-contained and its headline
figures are summary.json's; it draws in headless Chromium (a decoded screenshot that is not
blank); hostile provider names and input paths come out escaped; the acceptance policies side
by side and the providers' names, policies and shapes are summary.json's (and summary.csv's),
the providers' bars share one axis, hostile presented names come out escaped; trend over two
copies of the scan orders the runs by start time and carries each run's shares."""
import csv
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser

from helpers import sh
from test_scan import check_printed_figures, world_scan

CHROMIUM = "/usr/bin/chromium"
SHARES = ("starttls", "strict", "multilabel_accepted", "valid_chain", "rfc9525")
HOSTILE = "<script>alert(1)</script>"


class Page(HTMLParser):
    """Every start tag with its attributes, the text, and the inline <svg> sources."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.in_style, self.styles = [], [], False, []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        (self.styles if self.in_style else self.text).append(data)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def parse(html):
    p = Page()
    p.feed(html)
    p.close()
    return p


def check_self_contained(html):
    """No script and nothing fetched: no element that loads anything, no URL in an attribute
    or in the style sheet (a URL may only appear as text), every inline SVG well-formed."""
    assert not re.search(r"<\s*script", html, re.I), "report.html holds a <script"
    page = parse(html)
    loaders = {"script", "link", "img", "iframe", "frame", "object", "embed", "audio", "video",
               "source", "track", "base", "image", "use", "form", "meta"}
    for tag, attrs in page.tags:
        if tag in loaders - {"meta"}:
            raise AssertionError("report.html has a <%s> element" % tag)
        for k, v in attrs.items():
            v = v or ""
            assert not re.search(r"https?://", v, re.I), "<%s %s=%r> refers to a URL" % (tag, k, v)
            assert not k.startswith("on"), "<%s> has an event handler %s" % (tag, k)
            if tag == "meta":
                assert k != "http-equiv" or v.lower() != "refresh", "<meta http-equiv=refresh>"
    css = "".join(page.styles)
    assert not re.search(r"url\(|@import|https?://", css, re.I), "the style sheet fetches something"
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) >= 5, "expected at least 5 inline charts, found %d" % len(svgs)
    for s in svgs:
        ET.fromstring(s)  # raises on malformed XML
    return page


def metrics(page):
    """{data-metric: attributes} of the headline elements."""
    out = {}
    for _, attrs in page.tags:
        if "data-metric" in attrs:
            m = attrs["data-metric"]
            assert m not in out, "data-metric=%s twice" % m
            out[m] = attrs
    return out


def test_report_html_headline_matches_summary(ctx):
    out = world_scan(ctx)["out"]
    path = os.path.join(out, "report.html")
    assert os.path.isfile(path), "the scan wrote no report.html"
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    page = check_self_contained(read(path))
    got = metrics(page)
    assert int(got["domains"]["data-value"]) == summary["domains"]["total"]
    assert int(got["endpoints"]["data-value"]) == summary["endpoints"]["total"]
    for key in SHARES:
        want = summary["shares"][key]
        attrs = got.get(key)
        assert attrs, "no data-metric=%s" % key
        if want["share"] is None:
            assert attrs["data-value"] == "null", "%s: %s, expected null" % (key, attrs["data-value"])
        else:
            assert float(attrs["data-value"]) == want["share"], \
                "%s: data-value %s, summary.json %r" % (key, attrs["data-value"], want["share"])
        assert int(attrs["data-numerator"]) == want["numerator"], key
        assert int(attrs["data-denominator"]) == want["denominator"], key
    text = " ".join(page.text)
    # Run metadata and the explanation of every pattern are on the page.
    assert summary["meta"]["input_sha256"] in text
    assert summary["meta"]["started"] in text
    for p in ("mx-exact", "mx-wildcard", "mx-multilabel", "domain", "provider", "ptr", "unrelated",
              "no-tls", "unreachable", "no-mail"):
        assert re.search(r"\b%s\b" % re.escape(p), text), "pattern %s not explained" % p
    for prov in summary["providers"][:5]:
        assert prov["provider"] in text


# ------------------------------------------------------------------ headless Chromium

def png_pixels(path):
    """(width, height, rows of bytes, bytes per pixel) of an 8-bit RGB/RGBA/grey PNG, decoded
    with zlib and struct."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = ihdr
    assert depth == 8 and interlace == 0, "unsupported PNG (depth %d, interlace %d)" % (depth, interlace)
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if ftype == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif ftype == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif ftype == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 255
        elif ftype == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b, c = prev[x], prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows, bpp


def screenshot(html_path, png_path, width=1280, height=2000):
    """Renders a local file with headless Chromium, isolated: a new empty profile, no
    background or component networking, every host name resolving to nothing."""
    profile = tempfile.mkdtemp(prefix="mxs-chromium-")
    try:
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--host-resolver-rules=MAP * ~NOTFOUND",
                "--hide-scrollbars", "--window-size=%d,%d" % (width, height),
                "--screenshot=" + png_path, "file://" + os.path.abspath(html_path)]
        r = subprocess.run(args, capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL, errors="replace")
        assert r.returncode == 0 and os.path.isfile(png_path), \
            "chromium exit %d: %s" % (r.returncode, r.stderr[-2000:])
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_report_html_renders_in_chromium(ctx):
    if not os.path.exists(CHROMIUM):
        print("skip: chromium not installed")
        return
    out = world_scan(ctx)["out"]
    with tempfile.TemporaryDirectory() as d:
        png = os.path.join(d, "report.png")
        screenshot(os.path.join(out, "report.html"), png)
        w, h, rows, bpp = png_pixels(png)
    assert (w, h) == (1280, 2000), "screenshot is %dx%d" % (w, h)
    colours, non_white, green = set(), 0, 0
    for row in rows:
        for x in range(0, len(row), bpp):
            px = row[x:x + min(bpp, 3)]
            colours.add(px)
            if px != b"\xff\xff\xff"[:len(px)]:
                non_white += 1
            if px == b"\x00\x9e\x73":  # the mx-exact bar of the pattern chart
                green += 1
    share = non_white / (w * h)
    assert share > 0.03, "only %.1f%% of the page is not white" % (100 * share)
    assert len(colours) > 100, "only %d distinct colours: the page looks blank" % len(colours)
    assert green > 500, "the pattern chart's mx-exact bar is not drawn (%d pixels)" % green


# ------------------------------------------------------------------ hostile text

def copy_scan(src, dst):
    shutil.copytree(src, dst)
    for root, dirs, files in os.walk(dst):
        for n in dirs + files:
            os.chmod(os.path.join(root, n), 0o755 if n in dirs else 0o644)
    os.chmod(dst, 0o755)


def rewrite_jsonl(path, fn):
    with open(path) as f:
        recs = [json.loads(l) for l in f if l.strip()]
    for r in recs:
        fn(r)
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in recs)


def test_report_html_escapes_hostile_text(ctx):
    out = world_scan(ctx)["out"]
    with tempfile.TemporaryDirectory() as d:
        scan = os.path.join(d, "scan")
        copy_scan(out, scan)
        state = {"provider": 0, "pattern": 0}

        def poison(rec):
            if rec.get("provider") and not state["provider"]:
                rec["provider"] = HOSTILE
                state["provider"] = 1
            elif rec.get("pattern") == "unrelated" and not state["pattern"]:
                rec["pattern"] = '"><img src=x onerror=alert(2)>'
                state["pattern"] = 1
        rewrite_jsonl(os.path.join(scan, "domains.jsonl"), poison)
        assert state == {"provider": 1, "pattern": 1}
        with open(os.path.join(scan, "run.json")) as f:
            run = json.load(f)
        run["input"] = "</title><script>alert(3)</script>"
        run["options"]["ehlo"] = "<b onmouseover=alert(4)>x</b>"
        with open(os.path.join(scan, "run.json"), "w") as f:
            json.dump(run, f)

        r = sh([ctx.mxsurvey, "report", "--quiet", scan])
        assert r.returncode == 0, "report exit %d: %s" % (r.returncode, r.stderr)
        html = read(os.path.join(scan, "report.html"))
        with open(os.path.join(scan, "summary.json")) as f:
            assert HOSTILE in [p["provider"] for p in json.load(f)["providers"]]
    page = check_self_contained(html)
    assert "<img" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, "the provider name is not shown escaped"
    assert "&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in html
    text = "".join(page.text)
    for s in (HOSTILE, '"><img src=x onerror=alert(2)>', "</title><script>alert(3)</script>",
              "<b onmouseover=alert(4)>x</b>"):
        assert s in text, "%r is not on the page as text" % s


# ------------------------------------------------------------------ trend

def documented_trend_columns(ctx):
    cols, inside = [], False
    for line in read(os.path.join(ctx.root, "docs/schema.md")).splitlines():
        if line.startswith("## "):
            inside = line.startswith("## trend.csv")
        elif inside and line.startswith("| `"):
            cols.append(re.match(r"\| `([^`]+)`", line).group(1))
    return cols


def set_started(scan, started, summary=True):
    for name in ("run.json", "summary.json") if summary else ("run.json",):
        path = os.path.join(scan, name)
        with open(path) as f:
            doc = json.load(f)
        (doc["meta"] if name == "summary.json" else doc)["started"] = started
        with open(path, "w") as f:
            json.dump(doc, f, indent=2)


def test_trend_two_runs(ctx):
    out = world_scan(ctx)["out"]
    with tempfile.TemporaryDirectory() as d:
        late, early, res = os.path.join(d, "late"), os.path.join(d, "early"), os.path.join(d, "out")
        copy_scan(out, late)
        copy_scan(out, early)
        set_started(late, "2031-06-01T00:00:00Z")
        # The early copy loses its summary.json: trend makes it again from the JSONL files,
        # taking the start from run.json. A different strict share tells the rows apart.
        set_started(early, "2031-01-01T00:00:00Z", summary=False)
        os.unlink(os.path.join(early, "summary.json"))
        with open(os.path.join(late, "summary.json")) as f:
            s_late = json.load(f)
        s_late["shares"]["strict"]["share"] = 0.125
        with open(os.path.join(late, "summary.json"), "w") as f:
            json.dump(s_late, f)

        r = sh([ctx.mxsurvey, "trend", "--out", res, late, early])
        assert r.returncode == 0, "trend exit %d: %s" % (r.returncode, r.stderr)
        assert os.path.isfile(os.path.join(early, "summary.json")), "summary.json was not made again"
        with open(os.path.join(early, "summary.json")) as f:
            s_early = json.load(f)
        assert s_early["meta"]["started"] == "2031-01-01T00:00:00Z"

        with open(os.path.join(res, "trend.csv"), newline="") as f:
            text = f.read()
        rows = list(csv.reader(text.splitlines()))
        assert text.endswith("\r\n"), "rows do not end with CRLF"
        assert rows[0] == documented_trend_columns(ctx), "header %r differs from docs/schema.md" % rows[0]
        # one column per pattern summary.json can count (its documented by_pattern list)
        by_pattern = re.search(r"\| `domains\.by_pattern` \| map \| `pattern` → count \(([^)]*)\)",
                               read(os.path.join(ctx.root, "docs/schema.md"))).group(1)
        # (named as every CSV names its columns: pattern_mx_exact, docs/schema.md)
        assert [c for c in rows[0] if c.startswith("pattern_")] == \
            ["pattern_" + p.replace("-", "_") for p in re.findall(r"`([^`]+)`", by_pattern)], rows[0]
        body = [dict(zip(rows[0], row)) for row in rows[1:]]
        assert [b["dir"] for b in body] == [early, late], "rows not in start order: %r" % body
        for b, s in zip(body, (s_early, s_late)):
            assert b["started"] == s["meta"]["started"]
            assert int(b["domains"]) == s["domains"]["total"]
            for key in SHARES:
                want = s["shares"][key]["share"]
                assert (b[key] == "" if want is None else float(b[key]) == want), \
                    "%s %s: csv %r, summary %r" % (b["dir"], key, b[key], want)
            for p, n in s["domains"]["by_pattern"].items():
                assert int(b["pattern_" + p.replace("-", "_")]) == n, p
        assert float(body[1]["strict"]) == 0.125

        root = ET.parse(os.path.join(res, "trend.svg")).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
        texts = "".join(root.itertext())
        assert "2031-01-01 00:00" in texts and "2031-06-01 00:00" in texts

        # A missing folder, or none, is a usage error; nothing is half-written.
        r = sh([ctx.mxsurvey, "trend", "--out", res, early, os.path.join(d, "missing")])
        assert r.returncode == 2 and "missing" in r.stderr, (r.returncode, r.stderr)
        r = sh([ctx.mxsurvey, "trend", "--out", res])
        assert r.returncode == 2, r.returncode
        assert sorted(os.listdir(res)) == ["trend.csv", "trend.svg"]


# ------------------------------------------------------------------ what report prints; unfinished scans

REPORT_FILES = ["summary.json", "hosts.csv", "domains.csv", "summary.csv", "providers.csv", "endpoints_by_domain.csv",
                "report.html"]


def test_report_prints_figures(ctx):
    """`mxsurvey report` prints what the scan prints (one function): the headline shares with
    their numerators and denominators, as summary.json holds them, and every file it wrote."""
    out = world_scan(ctx)["out"]
    with tempfile.TemporaryDirectory() as d:
        scan = os.path.join(d, "scan")
        copy_scan(out, scan)
        for name in REPORT_FILES:
            os.unlink(os.path.join(scan, name))
        r = sh([ctx.mxsurvey, "report", scan])
        assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)
        rest = check_printed_figures(r.stdout, scan, "mxsurvey report", REPORT_FILES)
        assert rest == [], rest
        r = sh([ctx.mxsurvey, "report", "--quiet", scan])
        assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), r


def test_unfinished_scan_refused_or_skipped(ctx):
    """A folder whose run.json says "finished": null (a scan still running, or killed): report
    refuses it and makes nothing of it; trend skips it with a warning and makes the trend of
    the others (`trend ROOT/20*` on a night whose scan died); only unfinished ones: exit 2."""
    out = world_scan(ctx)["out"]
    with tempfile.TemporaryDirectory() as d:
        done, part, res = os.path.join(d, "done"), os.path.join(d, "part"), os.path.join(d, "res")
        copy_scan(out, done)
        copy_scan(out, part)
        with open(os.path.join(part, "run.json")) as f:
            run = json.load(f)
        run["finished"] = None
        with open(os.path.join(part, "run.json"), "w") as f:
            json.dump(run, f)
        for name in REPORT_FILES:
            os.unlink(os.path.join(part, name))
        r = sh([ctx.mxsurvey, "report", part])
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "mxsurvey report: %s is an unfinished scan" % part in r.stderr, r.stderr
        assert not any(os.path.exists(os.path.join(part, n)) for n in REPORT_FILES), os.listdir(part)

        r = sh([ctx.mxsurvey, "trend", "--out", res, part, done])
        assert r.returncode == 0, (r.returncode, r.stderr)
        assert "mxsurvey trend: warning: skipped: %s is an unfinished scan" % part in r.stderr, r.stderr
        with open(os.path.join(res, "trend.csv"), newline="") as f:
            rows = list(csv.reader(f))
        assert [row[1] for row in rows[1:]] == [done], rows
        assert not os.path.exists(os.path.join(part, "summary.json"))
        r = sh([ctx.mxsurvey, "trend", "--out", res, part])
        assert r.returncode == 2 and "no finished scan among the 1 folder given" in r.stderr, r.stderr


# ------------------------------------------------------------------ issuers, where the lines went

def rows_by_attr(page, attr):
    return [a for t, a in page.tags if attr in a]


def lines_box(html, name):
    """(attributes of <div data-lines=NAME>, {data-key: data-value} of its table rows)."""
    m = re.search(r'<div class="lines" data-lines="%s"[^>]*>.*?</div>' % re.escape(name), html, re.S)
    assert m, "no %s box on the page" % name
    box = parse(m.group(0))
    attrs = box.tags[0][1]
    rows = {a["data-key"]: int(a["data-value"]) for t, a in box.tags if t == "tr" and "data-key" in a}
    return attrs, rows


def test_report_html_issuers_and_lines_match_summary(ctx):
    """report.html's issuer table and "Where the lines went" (domain and endpoint statuses, key
    types, TLSRPT types, duplicates) hold summary.json's figures, each box its denominator; the
    pattern charts' shares use the cards' denominators."""
    out = world_scan(ctx)["out"]
    html = read(os.path.join(out, "report.html"))
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    page = check_self_contained(html)
    iss = s["issuers"]
    assert iss["top"] and iss["self_signed"]["endpoints"] and iss["endpoints"], iss
    rows = rows_by_attr(page, "data-issuer")
    want = [("top", r) for r in iss["top"]] + [(k, iss[k]) for k in ("self_signed", "unknown", "others")]
    assert len(rows) == len(want), (len(rows), len(want))
    for a, (kind, r) in zip(rows, want):
        assert a["data-issuer"] == kind
        assert int(a["data-endpoints"]) == r["endpoints"] and int(a["data-domains"]) == r["domains"], (a, r)
        assert int(a["data-strict-numerator"]) == r["strict"]["numerator"]
        assert int(a["data-strict-denominator"]) == r["strict"]["denominator"]
    table = [a for t, a in page.tags if t == "table" and a.get("class") == "issuers"][0]
    assert int(table["data-endpoints"]) == iss["endpoints"] and int(table["data-domains"]) == iss["domains"]
    text = " ".join(page.text)
    for r in iss["top"]:
        assert r["cn"] in text and r["o"] in text, r
    # The rows add up to the totals (docs/schema.md).
    all_rows = iss["top"] + [iss[k] for k in ("self_signed", "unknown", "others")]
    assert sum(r["endpoints"] for r in all_rows) == iss["endpoints"]
    assert sum(r["domains"] for r in all_rows) == iss["domains"]

    d, e = s["domains"], s["endpoints"]
    attrs, got = lines_box(html, "domain-status")
    assert int(attrs["data-denominator"]) == d["total"] and got == d["by_status"], (attrs, got)
    attrs, got = lines_box(html, "endpoint-status")
    assert int(attrs["data-denominator"]) == e["total"] and got == e["by_status"]
    keys = {k: v for k, v in e["by_key_type"].items() if k != "null"}
    attrs, got = lines_box(html, "key-types")
    assert int(attrs["data-denominator"]) == e["total"] - e["by_key_type"].get("null", 0) == sum(keys.values())
    assert got == keys
    attrs, got = lines_box(html, "tlsrpt")
    assert int(attrs["data-denominator"]) == e["total"] and got == e["by_tlsrpt"]
    dup = [a for t, a in page.tags if a.get("data-lines") == "duplicates"][0]
    assert int(dup["data-value"]) == d["by_status"].get("duplicate", 0) > 0
    assert int(dup["data-denominator"]) == d["total"]
    # The pattern charts: the TLS patterns over the strict card's denominator, the rest over
    # the domains counted once; the world's numbers differ, so a wrong one shows.
    charts = {a["data-chart"]: int(a["data-denominator"]) for t, a in page.tags if "data-chart" in a}
    assert charts["patterns-tls"] == s["shares"]["strict"]["denominator"]
    assert charts["patterns-other"] == sum(d["by_pattern"].values()) == d["total"] - d["by_status"]["duplicate"]
    assert charts["patterns-tls"] != d["total"]


def test_report_html_escapes_hostile_issuer(ctx):
    """An issuer's O and CN are the certificate's own text: escaped on the page."""
    out = world_scan(ctx)["out"]
    hostile_o, hostile_cn = '"><img src=x onerror=alert(5)>', "</td><script>alert(6)</script>"
    with tempfile.TemporaryDirectory() as d:
        scan = os.path.join(d, "scan")
        copy_scan(out, scan)

        def poison(rec):
            if rec.get("issuer") and not rec["issuer"]["self_signed"]:
                rec["issuer"]["o"], rec["issuer"]["cn"] = hostile_o, hostile_cn
        rewrite_jsonl(os.path.join(scan, "hosts.jsonl"), poison)
        r = sh([ctx.mxsurvey, "report", "--quiet", scan])
        assert r.returncode == 0, "report exit %d: %s" % (r.returncode, r.stderr)
        html = read(os.path.join(scan, "report.html"))
        with open(os.path.join(scan, "summary.json")) as f:
            top = json.load(f)["issuers"]["top"]
    assert top[0]["o"] == hostile_o and top[0]["cn"] == hostile_cn, top[0]
    page = check_self_contained(html)
    assert "<img" not in html and "<script" not in html
    text = "".join(page.text)
    assert hostile_o in text and hostile_cn in text


# ------------------------------------------------------------------ policies and providers' names

POLICIES = ("strict", "rfc9525", "multilabel", "domain", "mx-or-domain", "ptr", "any-name", "chain-only")


def share_attr(v):
    return "null" if v is None else v


def rows_by(page, attr):
    """{value of attr: attributes} of the elements carrying attr (each value once)."""
    out = {}
    for _, attrs in page.tags:
        if attr in attrs:
            assert attrs[attr] not in out, "%s=%r twice" % (attr, attrs[attr])
            out[attrs[attr]] = attrs
    return out


def test_report_html_policies_match_summary(ctx):
    """The policies side by side: one row per policy, every figure summary.json's; the world
    has domains that strict rejects and another policy accepts, and the other way round."""
    out = world_scan(ctx)["out"]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    pol = summary["policies"]
    assert list(pol) == sorted(POLICIES), sorted(pol)
    page = check_self_contained(read(os.path.join(out, "report.html")))
    rows = rows_by(page, "data-policy")
    assert sorted(rows) == sorted(POLICIES), sorted(rows)
    text = " ".join(page.text)
    for name in POLICIES:
        want, got = pol[name], rows[name]
        if want["share"] is None:
            assert got["data-value"] == "null", name
        else:
            assert float(got["data-value"]) == want["share"], (name, got["data-value"], want["share"])
        assert int(got["data-numerator"]) == want["n"], name
        assert int(got["data-denominator"]) == want["N"], name
        assert int(got["data-newly-accepted"]) == want["newly_accepted"], name
        assert int(got["data-newly-rejected"]) == want["newly_rejected"], name
        assert want["n"] == pol["strict"]["n"] + want["newly_accepted"] - want["newly_rejected"], name
        for k in ("examples_newly_accepted", "examples_newly_rejected"):
            ex = want[k]
            assert ex == sorted(ex) and len(ex) == min(5, want[k[9:]]), (name, k, ex)
            for d in ex:
                assert d in text, (name, k, d)
    # The headline shares and the policies that are the same rule agree.
    for p, sh in (("strict", "strict"), ("multilabel", "multilabel_accepted"), ("rfc9525", "rfc9525"),
                  ("chain-only", "valid_chain")):
        assert (pol[p]["n"], pol[p]["N"]) == (summary["shares"][sh]["numerator"],
                                              summary["shares"][sh]["denominator"]), p
    assert pol["strict"]["N"] > 0
    assert any(pol[p]["newly_accepted"] for p in POLICIES), "no policy accepts more than strict"
    assert any(pol[p]["newly_rejected"] for p in POLICIES), "no policy rejects what strict accepts"
    # summary.csv carries the same figures.
    with open(os.path.join(out, "summary.csv"), newline="") as f:
        metrics_csv = {r["metric"]: r["value"] for r in csv.DictReader(f)}
    for name in POLICIES:
        for k in ("n", "N", "newly_accepted", "newly_rejected"):
            assert int(metrics_csv["policies.%s.%s" % (name, k)]) == pol[name][k], (name, k)
        v = metrics_csv["policies.%s.share" % name]
        assert (v == "" if pol[name]["share"] is None else float(v) == pol[name]["share"]), name


def provider_chart_widths(html):
    """{row label: drawn length} of the providers' stacked chart: the widths of each row's
    segments added up (the frame, fill none, aside)."""
    svg = [s for s in re.findall(r"<svg\b.*?</svg>", html, re.S)
           if 'aria-label="Largest providers by pattern mix"' in s]
    assert len(svg) == 1, "no providers chart"
    root = ET.fromstring(svg[0])
    out = {}
    for row in root.findall("g"):
        title = row.find("g/title")
        if title is None:
            continue
        label = title.text.split(" \u2014 ")[0]
        out[label] = sum(float(r.get("width")) for r in row.iter("rect") if r.get("fill") != "none")
    return out


def test_report_html_providers_names_and_axis(ctx):
    """Every provider's policy shares and MX host shape on the page are summary.json's, its
    presented names shown; the providers' bars share one axis (a bar's length is its domains,
    so a 1-domain provider is drawn shorter than a larger one)."""
    out = world_scan(ctx)["out"]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    html = read(os.path.join(out, "report.html"))
    page = check_self_contained(html)
    rows = rows_by(page, "data-provider")
    provs = summary["providers"]
    assert len(rows) == len(provs) > 1
    for p in provs:
        got = rows[p["provider"]]
        for name in ("strict", "multilabel", "rfc9525"):
            want = p["policies"][name]["share"]
            assert got["data-" + name] == ("null" if want is None else got["data-" + name])
            if want is not None:
                assert float(got["data-" + name]) == want, (p["provider"], name)
        assert got["data-shape"] == (p["mx_shape"]["shape"] if p["mx_shape"] else ""), p["provider"]
    text = " ".join(page.text)
    for p in provs:
        for n in p["presented_top"]:
            assert n["name"] in text, n["name"]
    # the world's shared-MX provider: customer names in its MX hosts, one wildcard certificate
    shapes = [p["mx_shape"]["shape"] for p in provs if p["mx_shape"]]
    assert any(s.startswith("{domain}.") for s in shapes), shapes
    # one axis: lengths proportional to the domains of each drawn row
    widths = provider_chart_widths(html)
    drawn = [p for p in provs if p["provider"] in widths]
    assert len(drawn) >= 2
    big = max(drawn, key=lambda p: p["domains"])
    assert any(p["domains"] < big["domains"] for p in drawn), "every provider drawn has as many domains"
    for p in drawn:
        want = widths[big["provider"]] * p["domains"] / big["domains"]
        assert abs(widths[p["provider"]] - want) < 1.0, (p["provider"], widths[p["provider"]], want)


def test_report_html_hostile_presented_names_escaped(ctx):
    """Presented names, provider names and shapes come from certificates and DNS: hostile ones
    are shown as text in the providers' table, never as markup."""
    out = world_scan(ctx)["out"]
    with tempfile.TemporaryDirectory() as d:
        scan = os.path.join(d, "scan")
        copy_scan(out, scan)
        evil = ['<img src=x onerror=alert(5)>', '"><svg onload=alert(6)>', "&amp;<b>x</b>"]
        state = {"n": 0}

        def poison(rec):
            if rec.get("presented") and rec.get("provider") and state["n"] < len(evil):
                rec["presented"] = [evil[state["n"]]] + rec["presented"]
                state["n"] += 1
        rewrite_jsonl(os.path.join(scan, "hosts.jsonl"), poison)
        assert state["n"] == len(evil)
        r = sh([ctx.mxsurvey, "report", "--quiet", scan])
        assert r.returncode == 0, "report exit %d: %s" % (r.returncode, r.stderr)
        html = read(os.path.join(scan, "report.html"))
        with open(os.path.join(scan, "summary.json")) as f:
            names = {n["name"] for p in json.load(f)["providers"] for n in p["presented_top"]}
    assert set(evil) <= names, names
    page = check_self_contained(html)
    assert "<img" not in html and "<svg onload" not in html and "<b>x" not in html
    text = "".join(page.text)
    for s in evil:
        assert s in text, "%r is not on the page as text" % s
def test_report_prints_lines(ctx):
    """The end-of-scan text says where every record went: domain and endpoint records by
    status, each with its total, the duplicates apart, as summary.json counts them."""
    s = world_scan(ctx)
    with open(os.path.join(s["out"], "summary.json")) as f:
        summary = json.load(f)
    for out in (s["stdout"], sh([ctx.mxsurvey, "report", s["out"]], check=True).stdout):
        got = {}
        for line in out.splitlines():
            m = re.match(r"  (domains|endpoints) by status: (\d+) \((.*)\)$", line)
            if m:
                got[m.group(1)] = (int(m.group(2)), m.group(3))
        assert set(got) == {"domains", "endpoints"}, out
        for what, skip in (("domains", "duplicate"), ("endpoints", None)):
            total, items = got[what]
            assert total == summary[what]["total"], (what, total)
            listed, _, dup = items.partition("; ")
            counts = {k: int(v) for k, v in (i.rsplit(" ", 1) for i in listed.split(", "))}
            want = dict(summary[what]["by_status"])
            if skip:
                assert dup == "%s %d: counted once" % (skip, want.pop(skip)), dup
            assert counts == want, (what, counts, want)
            assert sum(counts.values()) + (summary[what]["by_status"].get(skip, 0) if skip else 0) == total
