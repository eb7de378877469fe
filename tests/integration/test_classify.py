"""Classification of the world scan, checked against an independent oracle written here from
the definitions (RFC 6125 / RFC 9525 and the issue's value sets), not from mxsurvey's code:
presented names, match against every reference, wildcard class, trust, TLSRPT, provider, and
each domain's pattern, primary endpoint, consistency and summary.json counts."""
import collections
import ipaddress
import json
import os
import re

from test_scan import expected_domain, uncomment, world_scan

LDH = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# The public suffixes the bundled world touches. An unlisted TLD ("example") is a public suffix
# under the PSL's default "*" rule.
PUBLIC = {"example", "com", "co.uk", "uk"}


def public_suffix(name):
    """A public suffix of the PSL, as far as the world goes: every single label (a TLD is a
    public suffix, listed or by the default rule), and PUBLIC."""
    n = host(name)
    return bool(n) and ("." not in n or n in PUBLIC)


def host(name):
    """Normalised host name or None: lowercase, one trailing dot dropped, LDH labels."""
    if name is None:
        return None
    n = name.lower()
    if n.endswith("."):
        n = n[:-1]
    try:
        ipaddress.ip_address(n)
        return None
    except ValueError:
        pass
    if not n or len(n) > 253 or not all(LDH.match(l) for l in n.split(".")):
        return None
    return n


def presented(cert):
    if cert.san:
        return list(cert.san), "san"
    return ([cert.cn], "cn") if cert.cn else ([], "san")


RANK = {"none": 1, "multilabel": 2, "wildcard": 3, "exact": 4}


def match_one(p, ref):
    if host(p) == ref and ref:
        return "exact"
    # RFC 6125 §6.4.3 / RFC 9525 §6.3: one whole leftmost label, never over a public suffix
    if p.startswith("*.") and "*" not in p[2:] and host(p[2:]) and not public_suffix(p[2:]):
        rest = host(p[2:])
        if ref.endswith("." + rest):
            left = ref[: -len(rest) - 1]
            return "wildcard" if "." not in left else "multilabel"
    return "none"


def match(names, reference):
    if reference is None:
        return None, None
    ref = host(reference)
    best, by = "none", None
    for p in names:
        m = match_one(p, ref) if ref else "none"
        if RANK[m] > RANK[best]:
            best, by = m, p
    return best, by


def wildcard_class(cert):
    names = list(cert.san) + ([cert.cn] if cert.cn else [])

    def one(n):
        n = n[:-1] if n.endswith(".") else n
        if n == "*":
            return 6
        if n.startswith("*.") and "*" not in n[2:] and public_suffix(n[2:]):
            return 5
        if n.count("*") > 1:
            return 4
        if "*" in n and "*" not in n.split(".")[0]:
            return 3
        if "*" in n.split(".")[0] and n.split(".")[0] != "*":
            return 2
        return 1 if n.startswith("*.") else 0
    classes = ["none", "leftmost", "partial-label", "non-leftmost", "multiple", "public-suffix", "bare"]
    return classes[max([one(n) for n in names] or [0])]


def provider(name):
    n = host(name)
    if not n:
        return None
    labels = n.split(".")
    for i in range(len(labels)):
        if ".".join(labels[i:]) in PUBLIC:
            return ".".join(labels[i - 1:]) if i > 0 else None
    return ".".join(labels[-2:]) if len(labels) >= 2 else None


def cert_provider_match(names, prov):
    if not prov:
        return False
    for n in names:
        labels = n.split(".")
        star = [i for i, l in enumerate(labels) if "*" in l]
        fixed = ".".join(labels[star[-1] + 1:]) if star else n
        f = host(fixed)
        if f and (f == prov or f.endswith("." + prov)):
            return True
    return False


def tlsrpt(status, reasons, mx_match):
    if status in ("no-starttls", "starttls-refused"):
        return "starttls-not-supported"
    if status == "tls-failed":
        return "validation-failure"
    if status != "ok":
        return None
    if "expired" in reasons:
        return "certificate-expired"
    if "self-signed" in reasons or "unknown-ca" in reasons:
        return "certificate-not-trusted"
    if reasons:
        return "validation-failure"
    return None if mx_match in ("exact", "wildcard") else "certificate-host-mismatch"


def endpoint_pattern(names, mx_host, domain, ptr, prov):
    m = match(names, mx_host)[0]
    if m in ("exact", "wildcard", "multilabel"):
        return "mx-" + m
    if match(names, domain)[0] in ("exact", "wildcard"):
        return "domain"
    if cert_provider_match(names, prov):
        return "provider"
    if ptr and match(names, ptr)[0] in ("exact", "wildcard"):
        return "ptr"
    return "unrelated"


def _endpoint_cert(ctx, h):
    ep = ctx.world.endpoint_at(h["ip"])
    return ep, (ctx.world.certs[ep.cert] if ep and ep.cert and h["cert"] else None)


def test_endpoint_classification(ctx):
    s = world_scan(ctx)
    errors = []
    # The first domain of the input that leads to each host.
    first = {}
    with open(os.path.join(ctx.root, "data/world/domains.txt"), encoding="utf-8") as f:
        for line in f:
            name = uncomment(line).lower().rstrip(".").replace("bücher", "xn--bcher-kva")
            if not name or name.startswith("#"):
                continue
            _, mx, _ = expected_domain(ctx, name)
            for _, h, _ in mx:
                first.setdefault(h, name)
    for h in s["hosts"]:
        ep, cert = _endpoint_cert(ctx, h)
        where = "%s [%s]" % (h["mx_host"], h["ip"])
        want = {"provider": provider(h["mx_host"])}
        if h["first_domain"] != first.get(h["mx_host"]):
            errors.append("%s first_domain %r, expected %r" % (where, h["first_domain"], first.get(h["mx_host"])))
        if cert:
            names, names_from = presented(cert)
            refs = {"domain": h["first_domain"], "mx_host": h["mx_host"], "ptr": h["ptr"],
                    "banner_host": h["banner_host"], "ehlo_host": h["ehlo_host"]}
            want.update(presented=names, names_from=names_from,
                        cn_in_san=bool(cert.cn) and host(cert.cn) in [host(n) for n in cert.san],
                        match={k: match(names, v)[0] for k, v in refs.items()},
                        matched_by={k: match(names, v)[1] for k, v in refs.items()},
                        wildcard=wildcard_class(cert),
                        cert_provider_match=cert_provider_match(names, want["provider"]))
            want["tlsrpt"] = tlsrpt(h["status"], h["trust"]["reasons"], want["match"]["mx_host"])
        else:
            want.update(presented=None, names_from=None, cn_in_san=None, match=None, matched_by=None,
                        wildcard=None, cert_provider_match=None, tlsrpt=tlsrpt(h["status"], [], None))
        for k, v in want.items():
            if h.get(k) != v:
                errors.append("%s %s: %r, expected %r" % (where, k, h.get(k), v))
    # The world's public-sfx certificate (*.example, *.co.uk, *.com) at mx.tldwild.example:
    # classified public-suffix, and under the strict rule it matches neither the MX host nor
    # the domain, not even as multilabel.
    psx = [h for h in s["hosts"] if h["wildcard"] == "public-suffix"]
    if not psx:
        errors.append("no endpoint with a public-suffix wildcard in the world scan")
    for h in psx:
        if set(h["match"].values()) - {"none", None}:
            errors.append("%s: a public-suffix wildcard matched: %r" % (h["mx_host"], h["match"]))
    assert not errors, "%d mismatches:\n  " % len(errors) + "\n  ".join(errors[:40])


TLS_PATTERNS = {"mx-exact", "mx-wildcard", "mx-multilabel", "domain", "provider", "ptr", "unrelated"}


def test_domain_patterns(ctx):
    s = world_scan(ctx)
    hosts = {(h["mx_host"], h["ip"]): h for h in s["hosts"]}
    errors = []
    for d in s["domains"]:
        if d["status"] == "duplicate":  # not scanned: its first line's record has the verdict
            continue
        where = d["domain"]
        eps = [hosts[(e["mx_host"], e["ip"])] for e in d["endpoints"]]
        pats = []
        for h in eps:
            if h["status"] == "ok":
                ep, cert = _endpoint_cert(ctx, h)
                names = presented(cert)[0]
                pats.append((h, endpoint_pattern(names, h["mx_host"], d["domain"], h["ptr"], provider(h["mx_host"]))))
        if d["status"] in ("null-mx", "nxdomain", "invalid"):
            want_pattern, primary = "no-mail", None
        elif pats:
            want_pattern, primary = pats[0][1], pats[0][0]
        elif any(h["status"] in ("no-starttls", "starttls-refused", "tls-failed", "smtp-error") for h in eps):
            want_pattern, primary = "no-tls", None
        else:
            want_pattern, primary = "unreachable", None
        want = {
            "pattern": want_pattern,
            "consistent": len({p for _, p in pats}) <= 1,
            "provider": provider(d["mx"][0]["host"]) if d["mx"] else None,
            "primary": {"mx_host": primary["mx_host"], "ip": primary["ip"]} if primary else None,
            "match_domain": match(presented(_endpoint_cert(ctx, primary)[1])[0], d["domain"])[0] if primary else None,
        }
        for k, v in want.items():
            if d.get(k) != v:
                errors.append("%s %s: %r, expected %r" % (where, k, d.get(k), v))
    # The world was built to show each pattern; make sure it does.
    seen = {d["pattern"] for d in s["domains"]}
    missing = (TLS_PATTERNS | {"no-tls", "unreachable", "no-mail"}) - seen
    if missing:
        errors.append("patterns never seen in the world scan: %s" % sorted(missing))
    if not any(d["consistent"] is False for d in s["domains"]):
        errors.append("no inconsistent domain in the world scan")
    assert not errors, "%d mismatches:\n  " % len(errors) + "\n  ".join(errors[:40])


def test_summary_counts(ctx):
    s = world_scan(ctx)
    with open(os.path.join(s["out"], "summary.json")) as f:
        summ = json.load(f)
    doms, hosts = s["domains"], s["hosts"]
    assert summ["domains"]["total"] == len(doms)
    assert summ["domains"]["by_status"] == dict(collections.Counter(d["status"] for d in doms))
    assert summ["domains"]["by_status"]["duplicate"] == 1
    doms = [d for d in doms if d["status"] != "duplicate"]  # counted once, by the first line
    assert summ["domains"]["by_pattern"] == dict(collections.Counter(d["pattern"] for d in doms))
    assert summ["endpoints"]["total"] == len(hosts)
    assert summ["endpoints"]["by_status"] == dict(collections.Counter(h["status"] for h in hosts))
    wc = collections.Counter("null" if h["wildcard"] is None else h["wildcard"] for h in hosts)
    assert summ["endpoints"]["by_wildcard"] == dict(wc), (summ["endpoints"]["by_wildcard"], wc)
    reasons = collections.Counter(r for h in hosts if h["trust"] for r in h["trust"]["reasons"])
    assert summ["endpoints"]["by_reason"] == dict(reasons)
    tls = [d for d in doms if d["pattern"] in TLS_PATTERNS]
    strict = sum(d["pattern"] in ("mx-exact", "mx-wildcard") for d in tls)
    multi = sum(d["pattern"] in ("mx-exact", "mx-wildcard", "mx-multilabel") for d in tls)
    hmap = {(h["mx_host"], h["ip"]): h for h in hosts}
    rfc9525 = sum(d["pattern"] in ("mx-exact", "mx-wildcard") and
                  hmap[(d["primary"]["mx_host"], d["primary"]["ip"])]["names_from"] != "cn" for d in tls)
    accept = [d for d in doms if d["pattern"] != "no-mail"]
    sh = summ["shares"]
    assert (sh["strict"]["numerator"], sh["strict"]["denominator"]) == (strict, len(tls)), sh["strict"]
    assert (sh["multilabel_accepted"]["numerator"], sh["multilabel_accepted"]["denominator"]) == (multi, len(tls))
    assert sh["rfc9525"]["numerator"] == rfc9525 and rfc9525 < strict, (sh["rfc9525"], rfc9525, strict)
    assert (sh["starttls"]["numerator"], sh["starttls"]["denominator"]) == (len(tls), len(accept)), sh["starttls"]
    assert abs(sh["strict"]["share"] - strict / len(tls)) < 1e-9
    # mxsurvey report regenerates the same summary from the JSONL files alone.
    import subprocess
    r = subprocess.run([ctx.mxsurvey, "report", "--quiet", s["out"]], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(s["out"], "summary.json")) as f:
        again = json.load(f)
    for k in ("domains", "endpoints", "shares", "providers"):
        assert again[k] == summ[k], k
