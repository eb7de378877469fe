"""The CSV reports of a scan folder (docs/schema.md, "CSV reports"): the world scan's
hosts.csv, domains.csv, summary.csv and providers.csv read back with Python's csv module and
checked cell by cell against hosts.jsonl, domains.jsonl and summary.json; the headers against
the columns documented in docs/schema.md; `mxsurvey report` remaking the same files; and a
hand-written folder of hostile text (formulas, commas, quotes, newlines, certificate names with
control characters) neutralised, escaped and quoted in the CSV while the JSONL keeps it
exactly."""
import csv
import io
import json
import os
import re
import shutil
import tempfile

from helpers import sh
from test_scan import world_scan

CSV_FILES = ("hosts.csv", "domains.csv", "summary.csv", "providers.csv")
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")
PATTERNS = ("mx-exact", "mx-wildcard", "mx-multilabel", "domain", "provider", "ptr", "unrelated",
            "no-tls", "unreachable", "no-mail")


# ------------------------------------------------------------------ the documented contract

def documented(ctx, name):
    """[(column, [JSON paths of its 'from' column])] of docs/schema.md's section "## name"."""
    out, inside = [], False
    with open(os.path.join(ctx.root, "docs/schema.md"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                inside = line.strip() == "## " + name
                continue
            if inside and line.startswith("| `"):
                cells = line.split("|")
                col = re.findall(r"`([^`]+)`", cells[1])[0]
                out.append((col, re.findall(r"`([^`]+)`", cells[2])))
    assert out, "docs/schema.md has no table for %s" % name
    return out


# ------------------------------------------------------------------ what a cell must hold

def visible(s):
    """csvw.h: every control character (C0, DEL, C1) as \\xHH per UTF-8 octet."""
    return "".join("".join("\\x%02x" % b for b in c.encode("utf-8"))
                   if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f else c for c in s)


def neutral(s):
    """A text cell: control characters escaped, then a spreadsheet formula gets a leading '."""
    s = visible(s)
    return "'" + s if s and s[0] in FORMULA_FIRST else s


def scalar_text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return format(v, ".15g")
    if isinstance(v, (int, str)):
        return str(v)
    return json.dumps(v, separators=(",", ":"))


def list_cell(items):
    """A list cell: items joined by ';', an item's own ';' written \\x3b, then a text cell."""
    return neutral(";".join(scalar_text(i).replace(";", "\\x3b") for i in items))


def cell(v):
    """The cell of a JSON value (out_csv.h)."""
    if isinstance(v, list):
        return list_cell(v)
    if isinstance(v, str):
        return neutral(v)
    return scalar_text(v)


def get(rec, path):
    """The value at a dotted path (tls.version); None when a part is missing or null."""
    for key in path.split("."):
        if not isinstance(rec, dict):
            return None
        rec = rec.get(key)
    return rec


def read_csv(path):
    """(header, rows as dicts) of a CSV file, after checking the RFC 4180 line ends."""
    with open(path, "rb") as f:
        raw = f.read()
    assert raw.endswith(b"\r\n"), "%s: last row does not end with CRLF" % path
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not any("\n" in c or "\r" in c for r in rows for c in r):
        assert raw.count(b"\r\n") == len(rows) and raw.count(b"\n") == len(rows), \
            "%s: a line does not end with CRLF" % path
    header = rows[0]
    for i, r in enumerate(rows[1:], 2):
        assert len(r) == len(header), "%s:%d: %d cells, header has %d" % (path, i, len(r), len(header))
    return header, [dict(zip(header, r)) for r in rows[1:]]


def check_header(ctx, out, name):
    header, rows = read_csv(os.path.join(out, name))
    doc = [c for c, _ in documented(ctx, name)]
    assert header == doc, "%s header %s != docs/schema.md %s" % (name, header, doc)
    return rows


# ------------------------------------------------------------------ the world scan's files

def test_csv_files_written_by_the_scan(ctx):
    s = world_scan(ctx)
    for name in CSV_FILES:
        assert os.path.isfile(os.path.join(s["out"], name)), "the scan wrote no %s" % name
    assert not [f for f in os.listdir(s["out"]) if f.startswith(".")], "temporary files left"


def test_csv_hosts(ctx):
    s = world_scan(ctx)
    rows = check_header(ctx, s["out"], "hosts.csv")
    assert len(rows) == len(s["hosts"]), "%d rows for %d records" % (len(rows), len(s["hosts"]))
    cols = documented(ctx, "hosts.csv")
    for i, (row, rec) in enumerate(zip(rows, s["hosts"]), 2):
        for col, paths in cols:
            assert len(paths) == 1, "hosts.csv %s: one JSON field expected" % col
            want = cell(get(rec, paths[0]))
            assert row[col] == want, "hosts.csv:%d %s = %r, hosts.jsonl %s gives %r" % (
                i, col, row[col], paths[0], want)
    by_key = {(r["mx_host"], r["ip"]): r for r in rows}
    ok = [h for h in s["hosts"] if h["status"] == "ok"]
    assert ok, "the world has TLS endpoints"
    for h in ok:
        r = by_key[(h["mx_host"], h["ip"])]
        assert r["cert_sha256"] == h["cert"]["sha256"]
        assert r["match_mx_host"] == h["match"]["mx_host"]
        assert r["trust_reasons"] == ";".join(h["trust"]["reasons"])
        assert r["trust_valid"] == ("true" if h["trust"]["valid"] else "false")
        assert r["tls_version"] == h["tls"]["version"]
        assert r["cert_san_dns"] == list_cell(h["cert"]["san_dns"])
    for h in s["hosts"]:
        if h["status"] != "ok":
            r = by_key[(h["mx_host"], h["ip"])]
            assert r["tls_version"] == ""
            if h["cert"] is None:  # a handshake that failed after the certificate keeps it
                assert r["cert_sha256"] == r["trust_valid"] == ""
            assert r["port"] == str(h["port"])


def test_csv_domains(ctx):
    s = world_scan(ctx)
    rows = check_header(ctx, s["out"], "domains.csv")
    assert len(rows) == len(s["domains"]), "%d rows for %d records" % (len(rows), len(s["domains"]))
    special = {
        "mx": lambda d: list_cell("%s:%s" % (m["pref"], m["host"]) for m in d["mx"]),
        "mx_ips": lambda d: list_cell(ip for m in d["mx"] for ip in m["ips"]),
        "mx_errors": lambda d: list_cell("%s=%s" % (m["host"], m["error"]) for m in d["mx"] if m["error"]),
        "endpoints": lambda d: list_cell("%s@%s" % (e["mx_host"], e["ip"]) for e in d["endpoints"]),
        "endpoint_statuses": lambda d: list_cell(e["status"] for e in d["endpoints"]),
    }
    cols = documented(ctx, "domains.csv")
    for i, (row, rec) in enumerate(zip(rows, s["domains"]), 2):
        for col, paths in cols:
            want = special[col](rec) if col in special else cell(get(rec, paths[0]))
            assert row[col] == want, "domains.csv:%d %s = %r, domains.jsonl gives %r" % (
                i, col, row[col], want)
        assert row["status"] == rec["status"] and row["pattern"] == (rec["pattern"] or "")
        assert row["line"] == str(rec["line"])
    # Every endpoint item joins hosts.csv.
    hosts = {(r["mx_host"], r["ip"]) for r in read_csv(os.path.join(s["out"], "hosts.csv"))[1]}
    for row in rows:
        for item in filter(None, row["endpoints"].split(";")):
            host, ip = item.split("@", 1)
            assert (host, ip) in hosts, "domains.csv endpoint %s not in hosts.csv" % item
    # The world's invalid line starting with '-' is neutralised; its JSON is not.
    odd = [d for d in s["domains"] if d["domain"][:1] in FORMULA_FIRST]
    assert odd, "the world has an input line starting with a formula character"
    for d in odd:
        assert any(r["domain"] == "'" + d["domain"] for r in rows)


def summary_leaves(v, path=""):
    """The (metric, value) pairs summary.csv must hold, in its order."""
    out = []
    if isinstance(v, dict):
        for k in sorted(v):
            if (path == "" and k == "providers") or (path == "meta" and k == "options"):
                continue
            p = path + "." + k if path else k
            if v[k] is None and k == "share":
                out.append((p, None))
            else:
                out += summary_leaves(v[k], p)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        out.append((path, v))
    return out


def test_csv_summary(ctx):
    s = world_scan(ctx)
    rows = check_header(ctx, s["out"], "summary.csv")
    with open(os.path.join(s["out"], "summary.json")) as f:
        summary = json.load(f)
    want = summary_leaves(summary)
    got = [(r["metric"], r["value"]) for r in rows]
    assert [m for m, _ in got] == [m for m, _ in want], "summary.csv metrics differ from summary.json"
    for (metric, text), (_, value) in zip(got, want):
        if value is None:
            assert text == "", metric
        elif isinstance(value, int):
            assert text == str(value), "%s: %s != %s" % (metric, text, value)
        else:
            assert abs(float(text) - value) < 1e-12 and text == format(value, ".15g"), metric
    values = dict(got)
    assert values["domains.total"] == str(len(s["domains"]))
    assert values["endpoints.total"] == str(len(s["hosts"]))
    assert values["domains.by_pattern.mx-exact"] == str(summary["domains"]["by_pattern"]["mx-exact"])
    assert "shares.strict.share" in values and "meta.counts.endpoints" in values
    assert not any(m.startswith("providers") or m.startswith("meta.options") for m in values)


def test_csv_providers(ctx):
    s = world_scan(ctx)
    rows = check_header(ctx, s["out"], "providers.csv")
    with open(os.path.join(s["out"], "summary.json")) as f:
        providers = json.load(f)["providers"]
    assert len(rows) == len(providers) > 0
    for row, p in zip(rows, providers):
        assert row["provider"] == neutral(p["provider"])
        assert row["domains"] == str(p["domains"]) and row["endpoints"] == str(p["endpoints"])
        for pat in PATTERNS:
            col = "pattern_" + pat.replace("-", "_")
            assert row[col] == str(p["by_pattern"].get(pat, 0)), "%s %s" % (p["provider"], col)
        other = sum(n for k, n in p["by_pattern"].items() if k not in PATTERNS)
        assert row["pattern_other"] == str(other)
        total = sum(int(row["pattern_" + k.replace("-", "_")]) for k in PATTERNS) + other
        assert total == p["domains"], "%s: the pattern columns add up to %d" % (p["provider"], total)


def test_csv_report_remakes_the_same_files(ctx):
    s = world_scan(ctx)
    with tempfile.TemporaryDirectory(prefix="mxs-csv-") as d:
        copy = os.path.join(d, "scan")
        shutil.copytree(s["out"], copy)
        for name in CSV_FILES:
            os.unlink(os.path.join(copy, name))
        r = sh([ctx.mxsurvey, "report", "--quiet", copy])
        assert r.returncode == 0, "report exit %d: %s" % (r.returncode, r.stderr)
        for name in CSV_FILES:
            with open(os.path.join(s["out"], name), "rb") as a, open(os.path.join(copy, name), "rb") as b:
                assert a.read() == b.read(), "%s remade by report differs from the scan's" % name


# ------------------------------------------------------------------ hostile text

HOSTILE_HOST = {
    "mx_host": "mx.evil.example", "ip": "192.0.2.66", "port": 25, "ptr": None,
    "ptr_status": "nxdomain", "first_domain": "evil.example", "status": "ok", "error": None,
    "smtp_code": 220, "temporary": False, "attempts": 1,
    "banner_host": '=HYPERLINK("http://x")',
    "ehlo_host": 'comma, "quote"\nand newline',
    "tls": {"version": "TLSv1.2", "cipher": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    "cert": {"subject_cn": "-2+3", "san_dns": ["@SUM(A1)", "x;y", "b\u00fccher.example",
                                                # names as hosts.jsonl writes them (text.h)
                                                "a b.example", "esc\u001b[31m.example",
                                                "csi\u009b.example", "nul\\x00.example",
                                                "x\\x5cx41.example", "bad\\xff\\xc0.example"],
             "subject": "O=Evil, Inc., CN=-2+3", "issuer": " CN=spaced ", "not_before": "2026-01-01T00:00:00Z",
             "not_after": "2027-01-01T00:00:00Z", "sha256": "ee" * 32, "key_type": "RSA",
             "key_bits": 2048, "sig_alg": "RSA-SHA256", "self_signed": True, "chain_len": 1,
             "parse_error": None},
    "chain_sha256": ["ee" * 32], "chain_file": None, "presented": ["@SUM(A1)", "x;y"],
    "names_from": "san", "cn_in_san": False,
    "match": {"domain": "none", "mx_host": "none", "ptr": None, "banner_host": "none", "ehlo_host": "none"},
    "matched_by": {"domain": None, "mx_host": None, "ptr": None, "banner_host": None, "ehlo_host": None},
    "wildcard": "none", "trust": {"valid": False, "reasons": ["self-signed"]},
    "tlsrpt": "certificate-not-trusted", "provider": "+evil.example", "cert_provider_match": False,
}

HOSTILE_DOMAIN = {
    "line": 1, "domain": "evil.example", "status": "ok", "error": None,
    "mx": [{"host": "mx.evil.example", "pref": 10, "ips": ["192.0.2.66"], "error": None}],
    "implicit_mx": False,
    "endpoints": [{"mx_host": "mx.evil.example", "ip": "192.0.2.66", "status": "ok"}],
    "pattern": "unrelated", "provider": "+evil.example", "consistent": True, "match_domain": "none",
    "primary": {"mx_host": "mx.evil.example", "ip": "192.0.2.66"},
}


def test_csv_hostile_text(ctx):
    with tempfile.TemporaryDirectory(prefix="mxs-csv-hostile-") as d:
        hosts_text = json.dumps(HOSTILE_HOST, ensure_ascii=False) + "\n"
        with open(os.path.join(d, "hosts.jsonl"), "w", encoding="utf-8") as f:
            f.write(hosts_text)
        with open(os.path.join(d, "domains.jsonl"), "w", encoding="utf-8") as f:
            f.write(json.dumps(HOSTILE_DOMAIN) + "\n")
        r = sh([ctx.mxsurvey, "report", "--quiet", d])
        assert r.returncode == 0, "report exit %d: %s" % (r.returncode, r.stderr)

        with open(os.path.join(d, "hosts.jsonl"), encoding="utf-8") as f:
            assert f.read() == hosts_text, "report changed hosts.jsonl"
        with open(os.path.join(d, "hosts.csv"), "rb") as f:
            raw = f.read()
        # The formula is prefixed inside the quotes its own quotes require.
        assert b',"\'=HYPERLINK(""http://x"")",' in raw, raw
        assert b',"comma, ""quote""\\x0aand newline",' in raw, raw  # no raw LF in a cell

        header, rows = read_csv(os.path.join(d, "hosts.csv"))
        assert len(rows) == 1
        row = rows[0]
        assert row["banner_host"] == "'=HYPERLINK(\"http://x\")"
        assert row["ehlo_host"] == 'comma, "quote"\\x0aand newline'
        assert row["cert_subject_cn"] == "'-2+3"
        assert row["cert_subject"] == "O=Evil, Inc., CN=-2+3"
        assert row["cert_issuer"] == " CN=spaced "
        assert row["cert_san_dns"] == ("'@SUM(A1);x\\x3by;b\u00fccher.example;a b.example;"
                                       "esc\\x1b[31m.example;csi\\xc2\\x9b.example;nul\\x00.example;"
                                       "x\\x5cx41.example;bad\\xff\\xc0.example")
        for bad in (b"\x1b", b"\x00", b"\xc2\x9b", b"\x7f"):
            assert bad not in raw, "a raw control character in hosts.csv: %r" % bad
        assert row["presented"] == "'@SUM(A1);x\\x3by"
        assert row["provider"] == "'+evil.example"
        assert row["port"] == "25" and row["cert_key_bits"] == "2048"
        assert row["ptr"] == "" and row["chain_file"] == ""
        assert row["trust_valid"] == "false" and row["cert_self_signed"] == "true"
        for col, paths in documented(ctx, "hosts.csv"):
            assert row[col] == cell(get(HOSTILE_HOST, paths[0])), col

        _, drows = read_csv(os.path.join(d, "domains.csv"))
        assert drows[0]["provider"] == "'+evil.example"
        assert drows[0]["endpoints"] == "mx.evil.example@192.0.2.66"
        _, prows = read_csv(os.path.join(d, "providers.csv"))
        assert [(p["provider"], p["domains"], p["pattern_unrelated"]) for p in prows] == \
            [("'+evil.example", "1", "1")]
        _, srows = read_csv(os.path.join(d, "summary.csv"))
        assert ("endpoints.by_key_type.RSA 2048", "1") in [(x["metric"], x["value"]) for x in srows]


# ------------------------------------------------------------------ one way of naming columns

def test_csv_columns_named_one_way(ctx):
    """Every CSV mxsurvey writes (the scan's, diff.csv, trend.csv) names its columns one way,
    snake_case (docs/schema.md, "Changes to this contract": trend.csv's `pattern.mx-exact`
    became `pattern_mx_exact`, as providers.csv has it), and trend.csv's pattern columns are
    providers.csv's, in the same order."""
    s = world_scan(ctx)
    with tempfile.TemporaryDirectory(prefix="mxs-csv-names-") as d:
        r = sh([ctx.mxsurvey, "trend", "--out", os.path.join(d, "trend"), s["out"]])
        assert r.returncode == 0, "trend exit %d: %s" % (r.returncode, r.stderr)
        r = sh([ctx.mxsurvey, "diff", "--quiet", "--out", os.path.join(d, "diff"), s["out"], s["out"]])
        assert r.returncode == 0, "diff exit %d: %s" % (r.returncode, r.stderr)
        files = [os.path.join(s["out"], n) for n in os.listdir(s["out"]) if n.endswith(".csv")]
        files += [os.path.join(d, "trend", "trend.csv"), os.path.join(d, "diff", "diff.csv")]
        assert len(files) >= 7, files
        headers = {}
        for path in files:
            header, _ = read_csv(path)
            headers[os.path.basename(path)] = header
            bad = [c for c in header if not re.fullmatch(r"[a-z][a-z0-9_]*", c)]
            assert not bad, "%s: columns not snake_case: %s" % (path, bad)
        trend_patterns = [c for c in headers["trend.csv"] if c.startswith("pattern_")]
        provider_patterns = [c for c in headers["providers.csv"]
                             if c.startswith("pattern_") and c != "pattern_other"]
        assert trend_patterns == provider_patterns, (trend_patterns, provider_patterns)


# ------------------------------------------------------------------ the long table

def test_csv_endpoints_by_domain_joins_back(ctx):
    """endpoints_by_domain.csv loads with Python's csv module and joins back to domains.jsonl
    row for row (each record's rows are its `endpoints`, in order; a record without one has
    one row with empty endpoint columns) and to hosts.jsonl (the endpoint columns are its
    record's); `mxsurvey report` remakes the same bytes."""
    s = world_scan(ctx)
    path = os.path.join(s["out"], "endpoints_by_domain.csv")
    rows = check_header(ctx, s["out"], "endpoints_by_domain.csv")
    hosts = {(h["mx_host"], h["ip"]): h for h in s["hosts"]}
    with open(os.path.join(ctx.root, "docs/schema.md"), encoding="utf-8") as f:
        section = f.read().split("## endpoints_by_domain.csv\n", 1)[1].split("\n## ", 1)[0]
    host_cols = dict(re.findall(r"^\| `([a-z_0-9]+)` \| hosts\.jsonl `([^`]+)` \|", section, re.M))
    assert len(host_cols) >= 15, host_cols
    i = 0
    for d in s["domains"]:
        eps = d["endpoints"] or [None]
        for rank, ep in enumerate(eps, 1):
            row = rows[i]
            i += 1
            where = "endpoints_by_domain.csv:%d" % (i + 1)
            assert row["line"] == str(d["line"]) and row["domain"] == neutral(d["domain"]), where
            assert row["domain_status"] == d["status"] and row["pattern"] == (d["pattern"] or ""), where
            assert row["duplicate_of"] == str(d.get("duplicate_of", "")), where
            if ep is None:
                endpoint_cols = [c for c in row if list(row).index(c) >= list(row).index("endpoint_rank")]
                assert all(row[c] == "" for c in endpoint_cols), (where, row)
                continue
            assert row["endpoint_rank"] == str(rank) and row["mx_host"] == ep["mx_host"], where
            assert row["ip"] == ep["ip"] and row["endpoint_status"] == ep["status"], where
            prefs = [m["pref"] for m in d["mx"] if m["host"] == ep["mx_host"]]
            assert row["mx_pref"] == str(prefs[0]), where
            primary = d["primary"] == {"mx_host": ep["mx_host"], "ip": ep["ip"]}
            assert row["is_primary"] == ("true" if primary else "false"), where
            h = hosts[(ep["mx_host"], ep["ip"])]
            for col, field in host_cols.items():
                assert row[col] == cell(get(h, field)), (where, col, row[col], get(h, field))
    assert i == len(rows), "%d rows, the records give %d" % (len(rows), i)
    assert any(d["endpoints"] == [] for d in s["domains"]) and any(len(d["endpoints"]) > 1 for d in s["domains"])
    with tempfile.TemporaryDirectory(prefix="mxs-csv-tidy-") as d:
        copy = os.path.join(d, "scan")
        shutil.copytree(s["out"], copy)
        os.unlink(os.path.join(copy, "endpoints_by_domain.csv"))
        r = sh([ctx.mxsurvey, "report", "--quiet", copy])
        assert r.returncode == 0, "report exit %d: %s" % (r.returncode, r.stderr)
        with open(path, "rb") as a, open(os.path.join(copy, "endpoints_by_domain.csv"), "rb") as b:
            assert a.read() == b.read(), "report's endpoints_by_domain.csv differs from the scan's"
