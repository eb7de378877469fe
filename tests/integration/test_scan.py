"""mxsurvey scan and check against the local world: exact values for every declared endpoint and
domain, bad input, concurrency (silent servers do not serialise the scan), signals."""
import ipaddress
import json
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from helpers import cert_file_fingerprint, sh

EHLO = "scanner.mxsurvey.test"
# The world lives on loopback, which the default blocklist (docs/schema.md, "What is never
# probed") keeps the scanner from: every scan and check of it allows exactly these ranges.
ALLOW = ("--allow", "127.0.0.0/8", "--allow", "::1/128")
# The scanner's default caps (docs/schema.md, "Caps").
MAX_MX, MAX_ADDRS = 10, 4


def scan_args(ctx, *extra):
    ip, port = ctx.world.resolver
    return [ctx.mxsurvey, "scan", "--resolver", "%s:%d" % (ip, port), "--port", str(ctx.world.smtp_port),
            *ALLOW, "--ehlo", EHLO, "--timeout", "2", "--dns-timeout", "0.5", "--retry-delay", "0.2",
            "--ca-file", os.path.join(ctx.certs, "ca.pem"), "--mta-sts-port", str(ctx.world.web_server[1]),
            "--quiet", *extra]


def read_jsonl(path):
    with open(path) as f:
        text = f.read()
    assert text == "" or text.endswith("\n"), "%s: last line is not complete" % path
    # Split on line feeds only: str.splitlines() also splits on U+0085, U+2028 and the like,
    # which JSON strings may hold raw (an invalid input line of random octets does).
    return [json.loads(line) for line in text.split("\n")[:-1]]


_scan = {}


def world_scan(ctx):
    """One scan of the bundled domain list (with --ipv6, without --quiet: what it prints is
    kept too), shared by the tests that read it."""
    if "out" not in _scan:
        out = tempfile.mkdtemp(prefix="mxs-scan-")
        args = [a for a in scan_args(ctx, "--ipv6", "--out", out, os.path.join(ctx.root, "data/world/domains.txt"))
                if a != "--quiet"]
        r = sh(args, timeout=120)
        assert r.returncode == 0, "scan exit %d: %s" % (r.returncode, r.stderr)
        _scan["out"] = out
        _scan["stdout"], _scan["stderr"] = r.stdout, r.stderr
        _scan["hosts"] = read_jsonl(os.path.join(out, "hosts.jsonl"))
        _scan["domains"] = read_jsonl(os.path.join(out, "domains.jsonl"))
    return _scan


def expected_endpoint(ctx, ep):
    """What the scan must report for a declared endpoint, from the world file alone."""
    greeting = ep.opt("greeting", "220")
    e = {"ptr": ep.ptr, "banner_host": None, "ehlo_host": None, "tls": None, "temporary": False,
         "attempts": 1}
    if ep.server == "none":
        e["status"] = "connect-failed"
    elif ep.opt("silent") == "yes":
        e["status"] = "timeout"
    elif greeting != "220":
        e.update(status="smtp-error", smtp_code=int(greeting), banner_host=ep.banner)
        if greeting.startswith("4"):
            e.update(temporary=True, attempts=2)
    else:
        e.update(banner_host=ep.banner, ehlo_host=ep.ehlo)
        if not ep.offers_starttls:
            e["status"] = "no-starttls"
        elif ep.opt("starttls_reply", "220") != "220":
            code = ep.opt("starttls_reply")
            e.update(status="starttls-refused", smtp_code=int(code))
            if code.startswith("4"):
                e.update(temporary=True, attempts=2)
        elif ep.opt("close_after_starttls") == "yes":
            e["status"] = "tls-failed"
        elif ep.opt("alert_after_certificate") is not None:
            e["status"] = "tls-failed"  # full mode: the alert ends the handshake (test_certmode)
        elif ep.tls_range[0] > "1.2":
            e["status"] = "tls-failed"  # mbedTLS 2.28 speaks TLS 1.2 at most
        else:
            e["status"] = "ok"
            e["tls"] = "TLSv1.0" if ep.opt("tls_max") == "1.0" else "TLSv1.2"
    return e


def test_scan_endpoints_exact(ctx):
    from test_infer import WORLD_INFER_DOMAINS  # it imports this module
    s = world_scan(ctx)
    got = {}
    for h in s["hosts"]:
        key = (h["mx_host"], h["ip"])
        assert key not in got, "endpoint %s probed twice" % (key,)
        got[key] = h
    errors = []
    want_keys = set()
    reachable = set()
    for d in ctx.world.domains.values():
        if d.name in WORLD_INFER_DOMAINS or in_bogus_zone(ctx, d.name):
            continue  # not in the bundled list (test_infer uses them), or never resolved
        if isinstance(d.mx, list):
            reachable.update(h for _, h in d.mx)
        elif d.mx is None and not d.cname and not d.dns:
            reachable.add(d.name)
    for ep in ctx.world.endpoints:
        for host in ep.hosts:
            if host not in reachable:
                continue
            want_keys.add((host, ep.ip))
            h = got.get((host, ep.ip))
            if not h:
                errors.append("%s [%s]: not in hosts.jsonl" % (host, ep.ip))
                continue
            e = expected_endpoint(ctx, ep)
            for k in ("status", "ptr", "banner_host", "ehlo_host", "temporary", "attempts"):
                if h.get(k) != e[k]:
                    errors.append("%s [%s] %s: %r, expected %r (error: %s)" % (host, ep.ip, k, h.get(k), e[k], h.get("error")))
            if "smtp_code" in e and h.get("smtp_code") != e["smtp_code"]:
                errors.append("%s [%s] smtp_code: %r, expected %r" % (host, ep.ip, h.get("smtp_code"), e["smtp_code"]))
            if h["port"] != ctx.world.smtp_port:
                errors.append("%s [%s] port %r" % (host, ep.ip, h["port"]))
            if e["status"] != "ok" and not h.get("error"):
                errors.append("%s [%s]: status %s without an error text" % (host, ep.ip, h["status"]))
            if e["tls"]:
                if not h["tls"] or h["tls"]["version"] != e["tls"] or not h["tls"]["cipher"]:
                    errors.append("%s [%s] tls: %r, expected version %s" % (host, ep.ip, h["tls"], e["tls"]))
                errors += check_cert(ctx, ep, h)
            elif h["tls"] is not None:  # a failed handshake made no session either
                errors.append("%s [%s]: tls %r without a TLS session" % (host, ep.ip, h["tls"]))
    # Addresses no endpoint declares (filler_a): nothing listens there; only the first
    # --max-addrs of such a host are probed.
    for host, ip in _expected_endpoints(ctx):
        if ctx.world.endpoint_at(ip):
            continue
        want_keys.add((host, ip))
        h = got.get((host, ip))
        if not h:
            errors.append("%s [%s]: not in hosts.jsonl" % (host, ip))
        elif (h["status"], h["ptr"], h["attempts"]) != ("connect-failed", None, 1):
            errors.append("%s [%s]: %s ptr %r attempts %r, expected connect-failed, no PTR, 1 attempt" %
                          (host, ip, h["status"], h["ptr"], h["attempts"]))
    extra = set(got) - want_keys
    if extra:
        errors.append("endpoints not declared: %s" % sorted(extra))
    if errors:
        raise AssertionError("%d mismatches:\n  " % len(errors) + "\n  ".join(errors[:40]))


def check_cert(ctx, ep, h):
    errors = []
    c = h.get("cert") or {}
    where = "%s [%s] cert" % (h["mx_host"], h["ip"])
    # Of an endpoint's several certificates (one per key type) the server picks one by what the
    # client's hello offers: check the one served against its declaration.
    fps = {cert_file_fingerprint(os.path.join(ctx.certs, n + ".pem")): n for n in ep.certs}
    name = fps.get(c.get("sha256"), ep.cert)
    cert = ctx.world.certs[name]
    want = {
        "subject_cn": cert.cn,
        "san_dns": cert.san,
        "sha256": cert_file_fingerprint(os.path.join(ctx.certs, name + ".pem")),
        "key_type": "EC" if cert.key == "ec256" else "RSA",
        "key_bits": {"rsa2048": 2048, "rsa1024": 1024, "ec256": 256}[cert.key],
        "self_signed": cert.issuer == "self",
        "chain_len": 2 if cert.issuer in ("inter", "untrusted") else 1,
    }
    for k, v in want.items():
        if c.get(k) != v:
            errors.append("%s %s: %r, expected %r" % (where, k, c.get(k), v))
    issuer_cn = {"inter": "mxsurvey Test Intermediate", "root": "mxsurvey Test Root",
                 "untrusted": "mxsurvey Untrusted Root", "self": cert.cn}[cert.issuer]
    if not (c.get("issuer") or "").endswith("CN=" + issuer_cn):
        errors.append("%s issuer %r, expected ...CN=%s" % (where, c.get("issuer"), issuer_cn))
    for k in ("not_before", "not_after"):
        if not (c.get(k) or "").endswith("Z") or len(c.get(k) or "") != 20:
            errors.append("%s %s %r is not ISO 8601 UTC" % (where, k, c.get(k)))
    past, future = cert.valid[1] < 0, cert.valid[0] > 0
    want_reasons = (["expired"] if past else []) + (["not-yet-valid"] if future else []) + \
        {"inter": [], "root": [], "untrusted": ["unknown-ca"], "self": ["self-signed"]}[cert.issuer] + \
        (["weak-key"] if cert.key == "rsa1024" else [])
    trust = h.get("trust") or {}
    if trust.get("reasons") != want_reasons or trust.get("valid") != (not want_reasons):
        errors.append("%s trust %r, expected reasons %r" % (where, trust, want_reasons))
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if (c.get("not_after", "") < now) != past or (c.get("not_before", "") > now) != future:
        errors.append("%s validity %s..%s does not match valid=%s" % (where, c.get("not_before"), c.get("not_after"), cert.valid))
    chain = h.get("chain_file")
    if not chain:
        errors.append("%s: no chain_file" % where)
    else:
        with open(os.path.join(_scan["out"], chain)) as f:
            pems = f.read().count("BEGIN CERTIFICATE")
        if pems != want["chain_len"]:
            errors.append("%s: %s holds %d certificates, expected %d" % (where, chain, pems, want["chain_len"]))
    return errors


def capped_ips(ips, max_addrs=MAX_ADDRS, share=True):
    """(the addresses a scan keeps of a host's, how many it cuts), by docs/schema.md `mx[].ips`:
    the first of each family in numeric order; with --ipv6 (share) at most max_addrs in all,
    half each, IPv4 the larger half of an odd number, a family with fewer leaving the rest to
    the other; without it, up to max_addrs of each family."""
    v4 = sorted((ip for ip in ips if ":" not in ip), key=ipaddress.ip_address)
    v6 = sorted((ip for ip in ips if ":" in ip), key=ipaddress.ip_address)
    ka, k6 = len(v4), len(v6)
    if max_addrs and not share:
        ka, k6 = min(ka, max_addrs), min(k6, max_addrs)
    elif max_addrs and ka + k6 > max_addrs:
        half6 = min(k6, max_addrs // 2)
        ka = min(ka, max_addrs - half6)
        k6 = min(k6, max_addrs - ka)
    return v4[:ka] + v6[:k6], len(ips) - ka - k6


def expected_domain_cut(ctx, name, max_mx=MAX_MX, max_addrs=MAX_ADDRS):
    """(status, [(pref, host, sorted ips)], implicit_mx, truncated) for a name, from the world
    file, under the caps (ties of preference kept by host name)."""
    w = ctx.world
    addrs = w.host_addresses()
    if in_bogus_zone(ctx, name):  # the validating resolver answers SERVFAIL (DNSSEC bogus)
        return "dns-error", [], False, None
    d = w.domains.get(name)
    hops = 0
    while d and d.cname and hops < 8:
        d = w.domains.get(d.cname)
        hops += 1
    if d is None:
        return "nxdomain", [], False, None
    if d.dns:
        return "dns-error", [], False, None
    if d.mx == "null":
        return "null-mx", [], False, None
    if d.mx is None:
        if d.name in addrs:
            ips, cut = capped_ips(addrs[d.name], max_addrs)
            return "no-mx", [(0, name, sorted(ips))], True, ({"mx": 0, "addrs": cut} if cut else None)
        return "no-mx", [], False, None
    records = sorted(d.mx + d.filler_records())
    kept = records[:max_mx] if max_mx else records
    mx, addrs_cut = [], 0
    for p, h in kept:
        ips, cut = capped_ips(addrs.get(h, []), max_addrs)
        addrs_cut += cut
        mx.append((p, h, sorted(ips)))
    mx_cut = len(records) - len(kept)
    return "ok", mx, False, ({"mx": mx_cut, "addrs": addrs_cut} if mx_cut or addrs_cut else None)


def in_bogus_zone(ctx, name):
    """name lies in a DNSSEC zone of the world whose signatures are bogus (tests/world/dnssec.py)."""
    import dnssec  # tests/world/dnssec.py
    z = dnssec.zone_of(ctx.world, name)
    return bool(z) and dict(ctx.world.dnssec_zones)[z] == "bogus"


def expected_domain(ctx, name):
    """(status, [(pref, host, sorted ips)], implicit_mx) for a name, from the world file."""
    return expected_domain_cut(ctx, name)[:3]


def world_list_lines(ctx):
    """(line number, raw line) of every line of the bundled list that is not blank or a comment."""
    with open(os.path.join(ctx.root, "data/world/domains.txt"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    return [(i + 1, uncomment(l)) for i, l in enumerate(lines) if l.strip() and not l.strip().startswith("#")]


def uncomment(line):
    """The line without an inline comment (a '#' after whitespace) and surrounding blanks."""
    return re.split(r"\s#", line, maxsplit=1)[0].strip()


def _expected_endpoints(ctx):
    """(host, ip) of every endpoint the world scan must probe, from the world file."""
    out = set()
    for _, raw in world_list_lines(ctx):
        name = raw.lower().rstrip(".").replace("bücher", "xn--bcher-kva")
        for _, h, ips in expected_domain(ctx, name)[1]:
            out.update((h, ip) for ip in ips)
    return out


def test_scan_domains_exact(ctx):
    s = world_scan(ctx)
    by_line = {d["line"]: d for d in s["domains"]}
    errors = []
    with open(os.path.join(ctx.root, "data/world/domains.txt"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    want_lines = [i + 1 for i, l in enumerate(lines) if l.strip() and not l.strip().startswith("#")]
    if sorted(by_line) != want_lines:
        errors.append("records for lines %s, expected %s" % (sorted(by_line), want_lines))
    first = {}
    for n in want_lines:
        raw = uncomment(lines[n - 1])
        d = by_line.get(n)
        if not d:
            continue
        if raw.startswith(("bad_", "-", "a..", "this-label", "192.0.2.1", "[IPv6:")):
            if d["status"] != "invalid" or d["domain"] != raw or not d["error"]:
                errors.append("line %d %r: %s %r, expected invalid with a reason" % (n, raw, d["status"], d["error"]))
            continue
        name = raw.lower().rstrip(".").replace("bücher", "xn--bcher-kva")
        if d["domain"] != name:
            errors.append("line %d: domain %r, expected %r" % (n, d["domain"], name))
        if name in first:  # listed again: a duplicate record pointing at the first line
            if d["status"] != "duplicate" or d.get("duplicate_of") != first[name] or d["mx"]:
                errors.append("line %d %r: %s, expected duplicate of line %d" % (n, raw, d["status"], first[name]))
            continue
        first[name] = n
        status, mx, implicit, truncated = expected_domain_cut(ctx, name)
        got_mx = [(m["pref"], m["host"], sorted(m["ips"])) for m in d["mx"]]
        if d["status"] != status or got_mx != mx or d["implicit_mx"] != implicit:
            errors.append("%s: %s %s implicit=%s, expected %s %s implicit=%s (error %s)" %
                          (name, d["status"], got_mx, d["implicit_mx"], status, mx, implicit, d.get("error")))
        if d["truncated"] != truncated:
            errors.append("%s: truncated %r, expected %r" % (name, d["truncated"], truncated))
        if status == "dns-error" and not d.get("error"):
            errors.append("%s: dns-error without an error text" % name)
        want_eps = sorted((h, ip) for _, h, ips in mx for ip in ips)
        got_eps = sorted((e["mx_host"], e["ip"]) for e in d["endpoints"])
        if got_eps != want_eps:
            errors.append("%s: endpoints %s, expected %s" % (name, got_eps, want_eps))
    if errors:
        raise AssertionError("%d mismatches:\n  " % len(errors) + "\n  ".join(errors[:40]))


def test_scan_run_json(ctx):
    s = world_scan(ctx)
    with open(os.path.join(s["out"], "run.json")) as f:
        run = json.load(f)
    assert run["tool"] == "mxsurvey" and run["finished"] and run["interrupted"] is False, run
    assert run["counts"]["domains"] == len(s["domains"]), run["counts"]
    assert run["counts"]["endpoints"] == len(s["hosts"]), run["counts"]
    assert len(run["input_sha256"]) == 64


# ------------------------------------------------------------------ what scan and report print

# The printed label of each share of summary.json, and what it is a share of.
FIGURES = {"strict": ("strict names", "of domains with STARTTLS"),
           "multilabel_accepted": ("multi-label accepted", "of domains with STARTTLS"),
           "rfc9525": ("RFC 9525 (SAN only)", "of domains with STARTTLS"),
           "valid_chain": ("valid chain", "of domains with STARTTLS"),
           "starttls": ("STARTTLS", "of domains that accept mail")}
FIGURE_LINE = re.compile(r"^  (.+?) +(n/a|\d+\.\d%) +(\d+)/(\d+)  (of .+)$")


def check_printed_figures(text, folder, prog, files, chains=None):
    """The lines `prog` printed (stdout) against folder/summary.json: the count line, each
    share as a percentage with one decimal and numerator/denominator exactly as summary.json
    holds them, then every file written, each with the folder, and each existing."""
    with open(os.path.join(folder, "summary.json")) as f:
        summary = json.load(f)
    lines = text.splitlines()
    want_head = "%s: %d domains, %d endpoints" % (prog, summary["domains"]["total"], summary["endpoints"]["total"])
    assert lines[0] == want_head, (lines[0], want_head)
    got = {}
    for line in lines[1:6]:
        m = FIGURE_LINE.match(line)
        assert m, "not a figure line: %r" % line
        got[m.group(1)] = m.groups()[1:]
    assert len(got) == 5, lines[:6]
    for key, (label, of) in FIGURES.items():
        sh_ = summary["shares"][key]
        pct = "n/a" if sh_["share"] is None else "%.1f%%" % (100 * sh_["share"])
        assert got[label] == (pct, str(sh_["numerator"]), str(sh_["denominator"]), of), \
            "%s: printed %r, summary.json %r" % (label, got[label], sh_)
    # where the records went, by status (test_html's test_report_prints_lines checks them)
    k = 6
    while k < len(lines) and re.match(r"  (domains|endpoints) by status: ", lines[k]):
        k += 1
    assert lines[k] == "files in %s:" % folder, lines[k]
    listed = [l[2:] for l in lines[k + 1:k + 1 + len(files)]]
    assert listed == [os.path.join(folder, n) for n in files], listed
    for path in listed:
        assert os.path.isfile(path) and os.path.getsize(path) > 0, path
    rest = lines[k + 1 + len(files):]
    if chains is not None:
        n = len(os.listdir(os.path.join(folder, "chains")))
        assert rest[0] == "  %s/chains/ (%d files)" % (folder, n) and n == chains, (rest[:1], n, chains)
        rest = rest[1:]
    return rest


SCAN_FILES = ["hosts.jsonl", "domains.jsonl", "run.json", "summary.json", "hosts.csv", "domains.csv",
              "summary.csv", "providers.csv", "endpoints_by_domain.csv", "report.html"]


def test_scan_prints_figures(ctx):
    s = world_scan(ctx)
    out = s["out"]
    distinct = {h["chain_file"] for h in s["hosts"] if h.get("chain_file")}
    rest = check_printed_figures(s["stdout"], out, "mxsurvey scan", SCAN_FILES, chains=len(distinct))
    assert rest == ["mxsurvey scan: complete; results in %s" % out], rest
    # the world list names one domain twice: said once, as a warning
    assert s["stderr"] == "mxsurvey scan: warning: 1 duplicate line (a domain listed again): " \
                          "scanned once each, written with status duplicate\n", s["stderr"]


def test_scan_world_dns_failures_under_the_limit(ctx):
    """The world fails a few DNS queries on purpose (REFUSED, SERVFAIL, dropped): counted, and
    well under the default --max-dns-errors, so the scan passes."""
    s = world_scan(ctx)
    with open(os.path.join(s["out"], "run.json")) as f:
        run = json.load(f)
    c, d = run["counts"], run["dns_errors"]
    # refused.example (REFUSED), servfail.example (SERVFAIL), drop.example (no reply)
    assert c["dns_failed"] >= 3 and c["dns_no_reply"] >= 1, c
    assert c["dns_answered"] + c["dns_failed"] <= c["dns_queries"], c
    assert math.isclose(d["failed_share"], c["dns_failed"] / (c["dns_answered"] + c["dns_failed"]),
                        rel_tol=1e-12), (d, c)
    assert 0 < d["failed_share"] < 0.2 == d["limit"], d
    assert d["exceeded"] is False and d["no_answer"] is False and d["message"] is None, d


def test_scan_ca_path(ctx):
    """--ca-path: a folder holding the world's CA as a plain PEM file and under a hashed name
    (a link, as c_rehash makes) plus a file that is no certificate: the chain is valid, as with
    --ca-file; the option is in run.json."""
    with tempfile.TemporaryDirectory() as d:
        certs, out = os.path.join(d, "certs"), os.path.join(d, "out")
        os.mkdir(certs)
        shutil.copyfile(os.path.join(ctx.certs, "ca.pem"), os.path.join(certs, "world-ca.pem"))
        os.symlink("world-ca.pem", os.path.join(certs, "0a1b2c3d.0"))
        with open(os.path.join(certs, "README"), "w") as f:
            f.write("not a certificate\n")
        lst = os.path.join(d, "in.txt")
        with open(lst, "w") as f:
            f.write("exact.example\n")
        args = scan_args(ctx, "--out", out, lst)
        i = args.index("--ca-file")
        args[i:i + 2] = ["--ca-path", certs]
        r = sh(args, timeout=60)
        assert r.returncode == 0, r.stderr
        h = read_jsonl(os.path.join(out, "hosts.jsonl"))[0]
        assert h["trust"] == {"valid": True, "reasons": []}, h["trust"]
        with open(os.path.join(out, "run.json")) as f:
            assert json.load(f)["options"]["ca-path"] == certs
        # Without the folder (the system's anchors only): the world's CA is unknown.
        r = sh([a if a != certs else "/etc/ssl/certs" for a in args], timeout=60)
        assert r.returncode == 0, r.stderr
        h = read_jsonl(os.path.join(out, "hosts.jsonl"))[0]
        assert h["trust"]["valid"] is False and "unknown-ca" in h["trust"]["reasons"], h["trust"]


def test_scan_without_ipv6_skips_aaaa(ctx):
    with tempfile.TemporaryDirectory() as out:
        lst = os.path.join(out, "in.txt")
        with open(lst, "w") as f:
            f.write("v6.example\n")
        r = sh(scan_args(ctx, "--out", out, lst), timeout=60)
        assert r.returncode == 0, r.stderr
        hosts = read_jsonl(os.path.join(out, "hosts.jsonl"))
        dom = read_jsonl(os.path.join(out, "domains.jsonl"))[0]
        assert [h["ip"] for h in hosts] == ["127.10.0.38"], hosts
        assert sorted(dom["mx"][0]["ips"]) == ["127.10.0.38", "::1"], dom


# ------------------------------------------------------------------ bad input

def test_scan_bad_input(ctx):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        r = sh(scan_args(ctx, "--out", out, os.path.join(d, "missing.txt")))
        assert r.returncode == 2 and "cannot open" in r.stderr, (r.returncode, r.stderr)
        r = sh(scan_args(ctx, "--out", out, "--resolver", "not-an-ip", os.path.join(d, "x")))
        assert r.returncode == 2 and "--resolver not-an-ip" in r.stderr, (r.returncode, r.stderr)
        r = sh(scan_args(ctx, "--out", out, "--port", "99999", "x"))
        assert r.returncode == 2 and "--port" in r.stderr, r.stderr
        r = sh([ctx.mxsurvey, "scan", "--bogus", "x"])
        assert r.returncode == 2 and "unknown option" in r.stderr, r.stderr
        empty = os.path.join(d, "empty.txt")
        open(empty, "w").close()
        r = sh(scan_args(ctx, "--out", out, empty))
        assert r.returncode == 0, r.stderr
        assert r.stdout == r.stderr == "", (r.stdout, r.stderr)  # --quiet: nothing but errors
        assert read_jsonl(os.path.join(out, "domains.jsonl")) == []
        # Binary garbage and a 1 MB line: invalid records, no crash, nothing lost.
        junk = os.path.join(d, "junk.txt")
        with open(junk, "wb") as f:
            f.write(b"\x01" + os.urandom(4096).replace(b"\n", b"x") + b"\n")
            f.write(b"a" * (1 << 20) + b"\n")
            f.write(b"\x00\xff\xfe\n")
            f.write(b"exact.example\n")
        r = sh(scan_args(ctx, "--out", out, junk), timeout=60)
        assert r.returncode == 0, r.stderr
        recs = read_jsonl(os.path.join(out, "domains.jsonl"))
        assert [x["line"] for x in sorted(recs, key=lambda x: x["line"])] == [1, 2, 3, 4], recs
        st = {x["line"]: x["status"] for x in recs}
        assert st == {1: "invalid", 2: "invalid", 3: "invalid", 4: "ok"}, st
        assert len(next(x for x in recs if x["line"] == 2)["domain"]) <= 8192


def test_scan_stdin(ctx):
    with tempfile.TemporaryDirectory() as out:
        r = sh(scan_args(ctx, "--out", out, "-"), input="exact.example\nnullmx.example\n", timeout=60)
        assert r.returncode == 0, r.stderr
        st = sorted((x["domain"], x["status"]) for x in read_jsonl(os.path.join(out, "domains.jsonl")))
        assert st == [("exact.example", "ok"), ("nullmx.example", "null-mx")], st


# ------------------------------------------------------------------ signals

def test_scan_sigint_leaves_valid_files(ctx):
    with tempfile.TemporaryDirectory() as out:
        lst = os.path.join(out, "in.txt")
        with open(lst, "w") as f:
            f.write("silent.example\nexact.example\nwild.example\n")
        args = scan_args(ctx, "--out", out, lst)
        args[args.index("--timeout") + 1] = "30"
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        t0 = time.time()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=15)
        took = time.time() - t0
        assert p.returncode == 1, (p.returncode, err)
        assert took < 5, "stopping took %.1f s" % took
        assert "interrupted" in err, err
        hosts = read_jsonl(os.path.join(out, "hosts.jsonl"))
        doms = read_jsonl(os.path.join(out, "domains.jsonl"))
        by = {h["mx_host"]: h for h in hosts}
        # The silent server's probe was cut short: no verdict, so no record; its domain is
        # pending. The others finished.
        assert "mx.silent.example" not in by, by
        assert by["mx1.exact.example"]["status"] == "ok", by
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        assert run["interrupted"] is True and run["counts"]["pending"] == 1, run
        assert sorted(d["domain"] for d in doms) == ["exact.example", "wild.example"], doms
        with open(os.path.join(out, "pending.txt")) as f:
            assert f.read() == "silent.example\n"


# ------------------------------------------------------------------ check

def check(ctx, domain):
    ip, port = ctx.world.resolver
    return sh([ctx.mxsurvey, "check", "--resolver", "%s:%d" % (ip, port), "--port", str(ctx.world.smtp_port),
               *ALLOW, "--ehlo", EHLO, "--timeout", "2", "--retry-delay", "0.2",
               "--ca-file", os.path.join(ctx.certs, "ca.pem"), domain], timeout=60)


def test_check_ok(ctx):
    r = check(ctx, "exact.example")
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    for want in ("S: 220 mx1.exact.example ESMTP", "C: EHLO " + EHLO, "C: STARTTLS",
                 "S: 220 2.0.0 Ready to start TLS", "C: QUIT", "TLS session   TLSv1.2",
                 "subject CN   mx1.exact.example", "Domain exact.example: ok", "mx_host      mx1.exact.example",
                 "ptr          mx1.exact.example", "days left", "trust        valid"):
        assert want in r.stdout, "missing %r in:\n%s" % (want, r.stdout)


def test_check_no_tls(ctx):
    r = check(ctx, "nostarttls.example")
    assert r.returncode == 1, (r.returncode, r.stdout)
    assert "no-starttls" in r.stdout, r.stdout
    r = check(ctx, "nullmx.example")
    assert r.returncode == 1 and "null-mx" in r.stdout, r.stdout


def _run_counts(ctx, names):
    with tempfile.TemporaryDirectory() as out:
        lst = os.path.join(out, "in.txt")
        with open(lst, "w") as f:
            f.write("".join(n + "\n" for n in names))
        r = sh(scan_args(ctx, "--out", out, lst), timeout=60)
        assert r.returncode == 0, r.stderr
        with open(os.path.join(out, "run.json")) as f:
            return json.load(f)["counts"]


def test_scan_resolves_each_name_once(ctx):
    """Domains sharing an MX host add only their own MX queries: the host's A/AAAA and its
    address's PTR are asked once per run."""
    one = _run_counts(ctx, ["exact.example"])
    # exact.example: MX, A + AAAA of mx1.exact.example, PTR of 127.10.0.1; and the policy
    # lookups: TXT _mta-sts and _smtp._tls (dns_policy_queries), A + AAAA of its MTA-STS policy
    # host mta-sts.exact.example (no TLSA: mx1.exact.example's addresses are not signed).
    assert one["dns_queries"] == 4 + 2 + 2 and one["dns_policy_queries"] == 2, one
    # cname2.example (CNAME to exact.example: MX, then MX of the target) and shared.example's
    # first MX reuse mx1.exact.example; shared.example adds its MX and one new host (A, AAAA,
    # PTR of 127.10.0.3); exact.example listed again costs nothing (its MX answer is cached).
    # Each domain adds its two TXT queries (the MTA-STS and TLSRPT names are the domain's own,
    # CNAMEs apart: cname2.example's are its own names); exact.example's policy host is asked once.
    more = _run_counts(ctx, ["exact.example", "cname2.example", "shared.example", "exact.example"])
    assert more["dns_queries"] - more["dns_policy_queries"] == 4 + 2 + 1 + 3 + 2, more
    assert more["dns_policy_queries"] == 3 * 2, more
    assert more["dns_cache_hits"] >= 2, more
    # One connection per endpoint, plus one version probe per address.
    assert more["endpoints"] == 2 and more["version_probes"] == 2, more
    assert more["connections"] == 2 + 2, more


def test_scan_progress_on_a_terminal(ctx):
    """A progress line on stderr when it is a terminal (script(1) gives it one), none without."""
    args = [a for a in scan_args(ctx) if a != "--quiet"]
    with tempfile.TemporaryDirectory() as out:
        lst = os.path.join(out, "in.txt")
        with open(lst, "w") as f:
            f.write("exact.example\nslow.example\n")
        cmd = " ".join(args + ["--out", out, lst])
        r = sh(["script", "-qec", cmd, "/dev/null"], timeout=60)
        assert r.returncode == 0, r.stdout
        assert "domains 2/2" in r.stdout and "ETA" in r.stdout, r.stdout
        r = sh(args + ["--out", out, lst], timeout=60)
        assert "ETA" not in r.stderr, r.stderr


def test_check_refuses_an_invalid_domain(ctx):
    """A DOMAIN that is not a host name is a usage error (exit 2) with the reason, no dialogue."""
    for bad in ("not a domain!", "a..example", "x-.example", "# comment"):
        r = check(ctx, bad)
        assert r.returncode == 2, (bad, r.returncode, r.stdout, r.stderr)
        assert "is not a domain name" in r.stderr and r.stdout == "", (bad, r.stdout, r.stderr)
    r = check(ctx, "evil\x1b[31m.example")
    assert r.returncode == 2 and "\x1b" not in r.stderr and "\\x1b" in r.stderr, r.stderr


def test_check_shows_how_names_match(ctx):
    r = check(ctx, "customer.example")
    assert r.returncode == 0, r.stdout
    # The verdicts in the JSON's own words (match_result_str), never "none (multilabel)".
    for want in ("mx_host      customer.example.s6a1.psmtp.example  -> multilabel: *.psmtp.example would match "
                 "only if '*' stood for several labels",
                 "ptr          mx3.psmtp.example  -> wildcard, by *.psmtp.example",
                 "domain       customer.example  -> none: no presented name is equal",
                 "TLSRPT       certificate-host-mismatch", "pattern mx-multilabel"):
        assert want in r.stdout, "missing %r in:\n%s" % (want, r.stdout)
    assert "(multilabel)" not in r.stdout, r.stdout
    r = check(ctx, "exact.example")
    assert "mx_host      mx1.exact.example  -> exact, by mx1.exact.example" in r.stdout, r.stdout
    assert "TLSRPT       (would pass)" in r.stdout and "pattern mx-exact" in r.stdout, r.stdout
