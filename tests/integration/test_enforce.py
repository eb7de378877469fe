"""What a policy-enforcing sender would do (issue 13), checked end to end on the world against
the reference implementations (tests/integration/reference.py): Postfix's posttls-finger for
DANE (RFC 7672) and the "secure" level, Debian's postfix-mta-sts-resolver for MTA-STS
(RFC 8461), and no reference for TLSRPT (RFC 8460: none in Debian 12; the RFC's words only).

The EXPECTED tables are written from the world file's comments and the RFCs, never from a
tool's output: agreement of two wrong implementations cannot pass. Where a reference tool
departs from an RFC, the test says so with the section, and the expectation stays the RFC's.

The reference-only tests (test_enforce_ref_*) need only the world and the tools. The scanner
tests (test_enforce_scan_*) run `mxsurvey scan` with policy lookups (on by default) and
`--mta-sts-port` (the world serves the policy hosts on web_server's port) and compare
hosts.jsonl `dane`, domains.jsonl `dnssec`, `mta_sts`, `tlsrpt`, `policy` and summary.json
`enforcement` with both (docs/schema.md, "Policies a sender enforces").
"""
import json
import os
import tempfile

import reference as ref
from helpers import sh
from test_scan import read_jsonl, scan_args

D = ".dnssec.example"

# ------------------------------------------------------------------ expectations

# DANE (RFC 7672) per domain of the signed tree: (dnssec.mx, {MX host: dane.verdict},
# policy.name, policy.delivers). Verdicts: pass / fail (usable records, none matched, §3.1;
# DANE-TA's name check, §3.2.2) / unusable (only PKIX usages, §3.1.3) / none (no secure TLSA;
# the host's addresses insecure, §2.2.2). A host under "dane" accepts on pass, and on
# unusable once STARTTLS completes (§3.1.3: mandatory unauthenticated TLS).
EXPECTED_DANE = {
    "ee" + D: ("secure", {"mx.ee" + D: "pass"}, "dane-required", True),         # 3 1 1, own key
    "eebad" + D: ("secure", {"mx.eebad" + D: "fail"}, "dane-required", False),  # another key
    "ee301" + D: ("secure", {"mx.ee301" + D: "pass"}, "dane-required", True),   # 3 0 1
    "ta" + D: ("secure", {"mx.ta" + D: "pass"}, "dane-required", True),         # 2 0 1, name in SAN
    "taname" + D: ("secure", {"mx.taname" + D: "fail"}, "dane-required", False),  # name not in cert
    "taw" + D: ("secure", {"a.w" + D: "pass"}, "dane-required", True),          # under *.w
    "pkix" + D: ("secure", {"mx.pkix" + D: "unusable"}, "dane-required", True),  # usages 0, 1
    # a secure MX RRset, its host in the insecure zone: no TLSA asked (§2.2.2)
    "mixed" + D: ("secure", {"mx.insecure" + D: "none"}, "opportunistic", True),
    "insec.insecure" + D: ("insecure", {"mx.insecure" + D: "none"}, "opportunistic", True),
    # the MX lookup itself is bogus: SERVFAIL, no mail route (domain status dns-error),
    # policy null (§2.2: a sender defers)
    "bogus" + D: ("bogus", {}, None, None),
}

# What dnssec.hosts[].tlsa says for each DANE host (null: not asked, addresses not secure).
EXPECTED_TLSA = {"mx.ee" + D: "records", "mx.eebad" + D: "records", "mx.ee301" + D: "records",
                 "mx.ta" + D: "records", "mx.taname" + D: "records", "a.w" + D: "records",
                 "mx.pkix" + D: "records", "mx.insecure" + D: None}

# MTA-STS (RFC 8461) per domain: (mta_sts.status, mode, {MX host: hosts[].check}, outcome,
# policy.name, policy.delivers). A status other than ok leaves no policy (§3.1, §3.3): the
# sender is opportunistic and delivers to a host that greets. Checks (§4.1, §4.2): a pattern
# covers the host (a wildcard one label only), then STARTTLS, a valid chain, the certificate
# naming the MX host. Testing mode never refuses delivery (§5).
EXPECTED_STS = {
    "exact.example": ("ok", "enforce", {"mx1.exact.example": "pass"}, "pass", "mta-sts-enforce", True),
    # the Postini case: *.psmtp.example does not cover customer.example.s6a1.psmtp.example
    "customer.example": ("ok", "enforce", {"customer.example.s6a1.psmtp.example": "not-covered"},
                         "not-covered", "mta-sts-enforce", False),
    "wild.example": ("ok", "testing", {"mx.wild.example": "pass"}, "pass", "mta-sts-testing", True),
    # mode none: no check (§5: as if no policy), the sender is opportunistic
    "sibling.example": ("ok", "none", {}, None, "opportunistic", True),
    "ecdsa.example": ("http-status", None, {}, None, "opportunistic", True),       # 404
    "expired.example": ("bad-certificate", None, {}, None, "opportunistic", True),  # §3.3
    "untrusted.example": ("bad-certificate", None, {}, None, "opportunistic", True),
    "tls10.example": ("redirect", None, {}, None, "opportunistic", True),  # §3.3: not followed
    "weak.example": ("too-large", None, {}, None, "opportunistic", True),  # over 64 KiB
    "multi.example": ("syntax", None, {}, None, "opportunistic", True),    # "mx mx.a..." (§3.2)
    "partial.example": ("txt-multiple", None, {}, None, "opportunistic", True),  # two records, §3.1
    "bare.example": ("txt-no-id", None, {}, None, "opportunistic", True),  # no id=, §3.1
}
# the policies' mx patterns, from data/world/mta-sts/
EXPECTED_MX = {"exact.example": ["mx1.exact.example"], "customer.example": ["*.psmtp.example"],
               "wild.example": ["*.wild.example"], "sibling.example": []}

# TLSRPT (RFC 8460 §3) per domain: (status, mailto, https, bad); every other domain scanned
# here has no _smtp._tls record: "none".
EXPECTED_TLSRPT = {
    "exact.example": ("ok", 1, 0, 0),
    "wild.example": ("ok", 1, 1, 0),         # https and mailto, "," with spaces between (§3)
    "customer.example": ("bad-uri", 0, 0, 1),  # ftp: is neither mailto: nor https: (§3)
    "sibling.example": ("no-rua", 0, 0, 0),   # rua is required (§3)
}

# ------------------------------------------------------------------ the world has the cases


def test_enforce_world_declares_every_case(ctx):
    """Every TLSA host and every MTA-STS TXT owner of the world has a row here (a new case
    needs its expectation)."""
    tlsa_hosts = {t.host for t in ctx.world.tlsa}
    rows = {h for _, hosts, _, _ in EXPECTED_DANE.values() for h in hosts} | {"mx.bogus" + D}
    assert tlsa_hosts <= rows, sorted(tlsa_hosts - rows)
    sts = {o[len("_mta-sts."):] for o, _ in ctx.world.txts if o.startswith("_mta-sts.")}
    assert sts == set(EXPECTED_STS) | {"stsid.example"}, sorted(sts ^ set(EXPECTED_STS))
    rpt = {o[len("_smtp._tls."):] for o, _ in ctx.world.txts if o.startswith("_smtp._tls.")}
    assert rpt == set(EXPECTED_TLSRPT), sorted(rpt ^ set(EXPECTED_TLSRPT))


# ------------------------------------------------------------------ reference tools alone

_ref = {}


def ref_dane(ctx):
    """posttls-finger -l dane's verdicts for every DANE domain (once per run)."""
    if "dane" not in _ref:
        _ref["dane"] = {d: ref.posttls_dane(ctx, d) for d in EXPECTED_DANE}
    return _ref["dane"]


def test_enforce_ref_posttls_dane(ctx):
    """Postfix agrees with RFC 7672 on every DANE case of the world. Its words: see
    reference.posttls_dane. For `unusable` and `none` it goes on at level "secure" with the
    next-hop's names (posttls-finger(1)); that is not DANE's verdict and is not compared
    (smtp(8) at level dane uses mandatory unauthenticated TLS there, as RFC 7672 §2.2 says)."""
    errors = []
    for domain, (mx_state, hosts, _, _) in sorted(EXPECTED_DANE.items()):
        got, err = ref_dane(ctx)[domain]
        if got != hosts:
            errors.append("%s: posttls-finger says %s, expected %s" % (domain, got, hosts))
        if mx_state == "bogus" and not err:
            errors.append("%s: posttls-finger found no lookup failure" % domain)
    assert not errors, "\n  ".join(errors)


def ref_query(ctx):
    if "query" not in _ref:
        _ref["query"] = {d: ref.mta_sts_query(ctx, d) for d in EXPECTED_STS}
    return _ref["query"]


def test_enforce_ref_mta_sts_query(ctx):
    """postfix-mta-sts-resolver's mta-sts-query agrees with RFC 8461 on every MTA-STS case:
    its result's class (reference.QUERY_CLASSES) holds the expected status, and a policy read
    has the expected mode and patterns.
    Explained differences, where the outcome (no policy) agrees but the tool's reason is
    another: multi.example's `mx mx.a.multi.example` (no colon) is not a policy field
    (RFC 8461 §3.2's ABNF: a syntax error); the tool reads it as an unknown key, ignored, and
    then refuses the enforce policy for having no mx (its resolver.py); so `policy-invalid`.
    The tool cannot tell 404, a redirect and an oversized body apart (one BadSTSPolicy, one
    empty warning: `bad-response`), nor no TXT, two TXT and a TXT without id (`none`)."""
    errors = []
    for domain, (status, mode, _, _, _, _) in sorted(EXPECTED_STS.items()):
        got = ref_query(ctx)[domain]
        if status not in ref.QUERY_CLASSES.get(got["kind"], ()):
            errors.append("%s: mta-sts-query %s (%s), expected %s" %
                          (domain, got["kind"], got["warning"], status))
        if status == "ok" and (got["mode"], got["mx"]) != (mode, EXPECTED_MX[domain]):
            errors.append("%s: mta-sts-query mode %s mx %s, expected %s %s" %
                          (domain, got["mode"], got["mx"], mode, EXPECTED_MX[domain]))
    assert not errors, "\n  ".join(errors)


def ref_postfix_sts(ctx):
    """{domain: (the daemon's policy, {host: Postfix's verdict under it})}, for the domains
    with a policy, as Postfix with postfix-mta-sts-resolver in smtp_tls_policy_maps would
    deliver."""
    if "sts" not in _ref:
        out = {}
        with ref.StsDaemon(ctx) as daemon:
            for domain in sorted(EXPECTED_STS):
                pol = daemon.policy(domain)
                match = ref.policy_match(pol)
                out[domain] = (pol, ref.posttls_secure(ctx, domain, match) if match else None)
        _ref["sts"] = out
    return _ref["sts"]


def test_enforce_ref_postfix_mta_sts(ctx):
    """Postfix's delivery under the policy mta-sts-daemon hands it (socketmap, as
    smtp_tls_policy_maps asks): `secure match=PATTERNS` for enforce, NOTFOUND for testing
    (strict_testing off: RFC 8461 §5, a testing policy never blocks), none and no policy.
    The daemon's patterns drop the `*` (`*.psmtp.example` → `.psmtp.example`), which in
    Postfix's match syntax covers subdomains at any depth: RFC 8461 §4.1 allows one label.
    Nor does Postfix check that a pattern covers the MX host (§4.1), only that the
    certificate matches a pattern. On customer.example (the Postini case) it refuses delivery
    all the same: the certificate `*.psmtp.example` does not match `.psmtp.example` (Postfix
    does not expand a certificate's wildcard against a parent-domain match), so `untrusted`
    on the name (name-mismatch) where the RFC says not-covered: the outcome (no delivery)
    agrees. With a certificate naming customer.example.s6a1.psmtp.example itself Postfix
    would deliver where the RFC forbids it; the world has no such endpoint."""
    errors = []
    for domain, (status, mode, hosts, _, name, delivers) in sorted(EXPECTED_STS.items()):
        pol, verdicts = ref_postfix_sts(ctx)[domain]
        enforced = status == "ok" and mode == "enforce"
        if enforced != (pol is not None):
            errors.append("%s: daemon policy %r, expected %s" %
                          (domain, pol, "one" if enforced else "NOTFOUND"))
            continue
        if not enforced:
            continue
        want = {h: ("pass" if c == "pass" else "refused") for h, c in hosts.items()}
        got = {h: ("pass" if v == "pass" else "refused") for h, v in verdicts.items()}
        if got != want:
            errors.append("%s: Postfix under %r: %s, expected %s" % (domain, pol, verdicts, hosts))
        if any(v == "pass" for v in verdicts.values()) != delivers:
            errors.append("%s: Postfix delivers %s, expected %s" % (domain, not delivers, delivers))
    pol, _ = ref_postfix_sts(ctx)["customer.example"]
    if pol and "match=.psmtp.example" not in pol:
        errors.append("customer.example: the daemon's policy %r (expected match=.psmtp.example)" % pol)
    assert not errors, "\n  ".join(errors)


def ref_secure(ctx):
    """posttls-finger -l secure with the MX host's own name (RFC 8461 §4.2's check) for the
    domains with a policy in enforce or testing mode."""
    if "secure" not in _ref:
        _ref["secure"] = {d: ref.posttls_secure(ctx, d, ["hostname"])
                          for d, e in EXPECTED_STS.items() if e[1] in ("enforce", "testing")}
    return _ref["secure"]


def test_enforce_ref_posttls_secure(ctx):
    """posttls-finger -l secure, the certificate matched against the MX host's name, agrees
    with the expected MTA-STS check of each covered host (§4.2: valid chain, the MX host's
    name); a host not covered (§4.1) is refused before any certificate is looked at, so only
    the certificate's own verdict is compared there: the Postini host's `*.psmtp.example`
    does not name the two-label host either (RFC 6125 §6.4.3: one label)."""
    errors = []
    for domain, verdicts in sorted(ref_secure(ctx).items()):
        for host, check in EXPECTED_STS[domain][2].items():
            want = "name-mismatch" if check == "not-covered" else check
            if verdicts.get(host) != want:
                errors.append("%s %s: posttls-finger -l secure %s, expected %s" %
                              (domain, host, verdicts.get(host), want))
    assert not errors, "\n  ".join(errors)


# ------------------------------------------------------------------ the scanner

_scan = {}


def policy_args(ctx, *extra):
    """scan_args (test_scan.py: the world's resolver, --allow, --port, --ca-file) with the
    policy fetch on the world's web server port."""
    return scan_args(ctx, "--mta-sts-port", str(ctx.world.web_server[1]), *extra)


def run_scan(ctx, domains, out):
    lst = os.path.join(out + ".list")
    with open(lst, "w") as f:
        f.write("".join(d + "\n" for d in domains))
    r = sh(policy_args(ctx, "--out", out, lst), timeout=180)
    assert r.returncode == 0, "scan exit %d: %s" % (r.returncode, r.stderr[-800:])
    return (read_jsonl(os.path.join(out, "hosts.jsonl")),
            {d["domain"]: d for d in read_jsonl(os.path.join(out, "domains.jsonl"))})


def policy_scan(ctx):
    """One scan of every DANE and MTA-STS domain, shared by the scanner tests."""
    if "out" not in _scan:
        out = os.path.join(tempfile.mkdtemp(prefix="mxs-enforce-"), "scan")
        _scan["hosts"], _scan["domains"] = run_scan(ctx, sorted(EXPECTED_DANE) + sorted(EXPECTED_STS), out)
        _scan["out"] = out
    return _scan


def _endpoints_of(hosts, mx_host):
    return [h for h in hosts if h.get("mx_host") == mx_host]


def test_enforce_scan_dane(ctx):
    """hosts.jsonl `dane` per endpoint and domains.jsonl `dnssec` per DANE domain equal the
    expectations and posttls-finger's verdicts."""
    s = policy_scan(ctx)
    errors = []
    for domain, (mx_state, hosts, _, _) in sorted(EXPECTED_DANE.items()):
        rec = s["domains"].get(domain)
        if rec is None:
            errors.append("%s: no domain record" % domain)
            continue
        got_mx = (rec.get("dnssec") or {}).get("mx")
        if got_mx != mx_state:
            errors.append("%s: dnssec.mx %s, expected %s" % (domain, got_mx, mx_state))
        refd, _ = ref_dane(ctx)[domain]
        for host, verdict in hosts.items():
            eps = _endpoints_of(s["hosts"], host)
            if not eps:
                errors.append("%s: no endpoint of %s" % (domain, host))
            for h in eps:
                dane = h.get("dane") or {}
                if dane.get("verdict") != verdict or refd.get(host) != verdict:
                    errors.append("%s %s[%s]: dane.verdict %s, posttls-finger %s, expected %s" %
                                  (domain, host, h.get("ip"), dane.get("verdict"), refd.get(host), verdict))
                if dane.get("applies") != (verdict != "none"):
                    errors.append("%s %s: dane.applies %s" % (domain, host, dane.get("applies")))
            dh = [x for x in (rec.get("dnssec") or {}).get("hosts") or [] if x.get("host") == host]
            if not dh or dh[0].get("tlsa") != EXPECTED_TLSA[host]:
                errors.append("%s: dnssec.hosts for %s %s, expected tlsa %s" %
                              (domain, host, dh, EXPECTED_TLSA[host]))
    assert not errors, "\n  ".join(errors)


def test_enforce_scan_dane_records(ctx):
    """The TLSA details of a passing DANE-EE endpoint: the record that matched, its depth, the
    RRset's name and state (docs/schema.md, hosts.jsonl `dane`)."""
    s = policy_scan(ctx)
    [h] = _endpoints_of(s["hosts"], "mx.ee" + D)
    dane = h["dane"]
    tlsa = dane["tlsa"]
    assert tlsa["name"] == "_%d._tcp.mx.ee%s" % (ctx.world.smtp_port, D), tlsa
    assert (tlsa["status"], tlsa["dnssec"], dane["addresses"]) == ("ok", "secure", "secure"), dane
    rec = tlsa["records"][dane["matched"]]
    assert (rec["usage"], rec["selector"], rec["matching_type"], rec["usable"]) == (3, 1, 1, "usable"), rec
    assert dane["matched_depth"] == 0, dane
    [p] = _endpoints_of(s["hosts"], "mx.pkix" + D)
    usable = sorted(r["usable"] for r in p["dane"]["tlsa"]["records"])
    assert usable == ["pkix-usage", "pkix-usage"], p["dane"]
    assert p["dane"]["matched"] is None, p["dane"]


def test_enforce_scan_policy(ctx):
    """domains.jsonl `policy` for every domain: the name and whether a sender delivers, as
    expected and, for DANE, as Postfix's verdict implies."""
    s = policy_scan(ctx)
    errors = []
    rows = {d: (e[2], e[3]) for d, e in EXPECTED_DANE.items()}
    rows.update({d: (e[4], e[5]) for d, e in EXPECTED_STS.items()})
    for domain, (name, delivers) in sorted(rows.items()):
        pol = (s["domains"].get(domain) or {}).get("policy")
        got = (pol.get("name"), pol.get("delivers")) if pol else (None, None)
        if got != (name, delivers):
            errors.append("%s: policy %s, expected %s" % (domain, got, (name, delivers)))
    assert not errors, "\n  ".join(errors)


def test_enforce_scan_mta_sts(ctx):
    """domains.jsonl `mta_sts`: status, mode, patterns, per-host check and outcome as expected,
    the status in the class mta-sts-query reached, and for enforce mode the delivery Postfix
    makes under postfix-mta-sts-resolver's policy."""
    s = policy_scan(ctx)
    errors = []
    for domain, (status, mode, hosts, outcome, _, _) in sorted(EXPECTED_STS.items()):
        sts = (s["domains"].get(domain) or {}).get("mta_sts") or {}
        got = (sts.get("status"), sts.get("mode"), sts.get("outcome"))
        if got != (status, mode, outcome):
            errors.append("%s: mta_sts status/mode/outcome %s, expected %s" %
                          (domain, got, (status, mode, outcome)))
        checks = {h.get("host"): h.get("check") for h in sts.get("hosts") or [] if h.get("check")}
        if checks != hosts:
            errors.append("%s: mta_sts.hosts checks %s, expected %s" % (domain, checks, hosts))
        if status == "ok" and sts.get("mx") != EXPECTED_MX[domain]:
            errors.append("%s: mta_sts.mx %s, expected %s" % (domain, sts.get("mx"), EXPECTED_MX[domain]))
        kind = ref_query(ctx)[domain]["kind"]
        if sts.get("status") not in ref.QUERY_CLASSES.get(kind, ()):
            errors.append("%s: mta_sts.status %s, mta-sts-query %s" % (domain, sts.get("status"), kind))
        pol, verdicts = ref_postfix_sts(ctx)[domain]
        if verdicts is not None:
            for host, check in checks.items():
                if (check == "pass") != (verdicts.get(host) == "pass"):
                    errors.append("%s %s: check %s, Postfix under %r: %s" %
                                  (domain, host, check, pol, verdicts.get(host)))
    assert not errors, "\n  ".join(errors)


def test_enforce_scan_postini(ctx):
    """The Postini case, alone: customer.example's MX host is two labels under psmtp.example;
    `mx: *.psmtp.example` covers one (RFC 8461 §4.1), so the host is not covered, the
    enforce policy's outcome is not-covered and a sender does not deliver."""
    d = policy_scan(ctx)["domains"]["customer.example"]
    sts = d["mta_sts"]
    assert sts["hosts"] == [{"host": "customer.example.s6a1.psmtp.example", "pattern": None,
                             "check": "not-covered"}], sts["hosts"]
    assert (sts["outcome"], d["policy"]["name"], d["policy"]["delivers"]) == \
        ("not-covered", "mta-sts-enforce", False), (sts, d["policy"])
    assert d["pattern"] == "mx-multilabel", d["pattern"]


def test_enforce_scan_tlsrpt(ctx):
    """domains.jsonl `tlsrpt`: valid (exact, wild), malformed (customer: an ftp: URI;
    sibling: no rua), and none elsewhere, with the URIs counted by scheme."""
    s = policy_scan(ctx)
    errors = []
    for domain in sorted(EXPECTED_DANE) + sorted(EXPECTED_STS):
        rec = s["domains"].get(domain) or {}
        want = EXPECTED_TLSRPT.get(domain, ("none", 0, 0, 0))
        if domain == "bogus" + D:
            continue  # no answer for anything under the bogus zone: dns-error, not compared
        t = rec.get("tlsrpt") or {}
        got = (t.get("status"), t.get("mailto"), t.get("https"), t.get("bad"))
        if got != want:
            errors.append("%s: tlsrpt %s, expected %s" % (domain, got, want))
    assert not errors, "\n  ".join(errors)


def _count(recs, fn):
    out = {}
    for r in recs:
        k = fn(r)
        out[k] = out.get(k, 0) + 1
    return out


def test_enforce_scan_summary(ctx):
    """summary.json `enforcement` counts what the records say (docs/schema.md): the domains
    with a policy, by dnssec.mx, mta_sts.status and mode, tlsrpt.status and policy name; the
    endpoints by dane.verdict."""
    s = policy_scan(ctx)
    with open(os.path.join(s["out"], "summary.json")) as f:
        enf = json.load(f)["enforcement"]
    doms = [d for d in s["domains"].values() if d.get("policy")]
    assert enf["domains"] == len(doms), (enf["domains"], len(doms))
    mx = _count(doms, lambda d: (d.get("dnssec") or {}).get("mx") or "unknown")
    assert {k: v for k, v in enf["dnssec_mx"].items() if v} == mx, (enf["dnssec_mx"], mx)
    dane = _count([h for h in s["hosts"] if h.get("dane")], lambda h: h["dane"]["verdict"])
    assert {k: v for k, v in enf["dane"]["endpoints"].items() if v} == dane, (enf["dane"], dane)
    sts = _count(doms, lambda d: (d.get("mta_sts") or {}).get("status"))
    assert {k: v for k, v in enf["mta_sts"]["status"].items() if v} == sts, (enf["mta_sts"], sts)
    assert enf["mta_sts"]["present"] == sts.get("ok", 0), enf["mta_sts"]
    modes = _count([d for d in doms if d["mta_sts"]["status"] == "ok"], lambda d: d["mta_sts"]["mode"])
    assert {k: v for k, v in enf["mta_sts"]["mode"].items() if v} == modes, (enf["mta_sts"]["mode"], modes)
    assert enf["mta_sts"]["mx_not_covered"] == sum(
        any(h.get("check") == "not-covered" for h in d["mta_sts"].get("hosts") or []) for d in doms)
    rpt = _count(doms, lambda d: (d.get("tlsrpt") or {}).get("status"))
    assert {k: v for k, v in enf["tlsrpt"]["status"].items() if v} == rpt, (enf["tlsrpt"], rpt)
    for name in ("dane-required", "mta-sts-enforce", "mta-sts-testing", "opportunistic"):
        mine = [d for d in doms if d["policy"]["name"] == name]
        got = enf["policy"][name]
        assert (got["domains"], got["delivers"]) == (len(mine), sum(d["policy"]["delivers"] for d in mine)), \
            (name, got)


# ------------------------------------------------------------------ the TXT id changes

STSID = "stsid.example"
STSID_OLD = ("2026a", "enforce-exact.txt")  # as the world file declares it
STSID_NEW = ("2026b", "version: STSv1\nmode: testing\nmx: mx1.exact.example\nmax_age: 3600\n")


def set_stsid(ctx, txt_id, body):
    """Changes stsid.example's policy while the world runs: its TXT record through
    unbound-control (the world's local data) and the body nginx serves (read at each request,
    so no reload)."""
    conf = os.path.join(ctx.world_dir, "unbound.conf")
    owner = "_mta-sts." + STSID
    r = sh(["unbound-control", "-c", conf, "local_data_remove", owner], timeout=10)
    assert r.returncode == 0, "unbound-control: %s %s" % (r.stdout, r.stderr)
    r = sh(["unbound-control", "-c", conf, "local_data",
            '%s. 300 IN TXT "v=STSv1; id=%s;"' % (owner, txt_id)], timeout=10)
    assert r.returncode == 0, "unbound-control: %s %s" % (r.stdout, r.stderr)
    with open(os.path.join(ctx.world_dir, "web", "files", "mta-sts.%s.txt" % STSID), "w") as f:
        f.write(body)


def restore_stsid(ctx):
    with open(os.path.join(ctx.root, "data", "world", "mta-sts", STSID_OLD[1])) as f:
        set_stsid(ctx, STSID_OLD[0], f.read())


def test_enforce_ref_sts_id_change(ctx):
    """RFC 8461 §3.1: a sender that cached a policy fetches again only when the TXT id
    changes. mta-sts-query with the id it knows: `not-changed` while the id stays, the new
    policy (its new mode) once the world's id and body change."""
    try:
        got = ref.mta_sts_query(ctx, STSID, known_id=STSID_OLD[0])
        assert got["kind"] == "not-changed", got
        got = ref.mta_sts_query(ctx, STSID)
        assert (got["kind"], got["id"], got["mode"]) == ("ok", STSID_OLD[0], "enforce"), got
        set_stsid(ctx, *STSID_NEW)
        got = ref.mta_sts_query(ctx, STSID, known_id=STSID_OLD[0])
        assert (got["kind"], got["id"], got["mode"], got["max_age"]) == \
            ("ok", STSID_NEW[0], "testing", 3600), got
    finally:
        restore_stsid(ctx)


_idscan = {}


def id_change_scans(ctx):
    """Two scans of stsid.example, the TXT id and the policy changed between them."""
    if "old" not in _idscan:
        base = tempfile.mkdtemp(prefix="mxs-stsid-")
        try:
            old, new = os.path.join(base, "old"), os.path.join(base, "new")
            _, d_old = run_scan(ctx, [STSID], old)
            set_stsid(ctx, *STSID_NEW)
            _, d_new = run_scan(ctx, [STSID], new)
        finally:
            restore_stsid(ctx)
        _idscan.update(old=old, new=new, d_old=d_old[STSID], d_new=d_new[STSID])
    return _idscan


def test_enforce_scan_sts_id_change(ctx):
    """The records of the two scans show the change a researcher follows: the id, the mode,
    max_age and the policy a sender applies (enforce → testing)."""
    s = id_change_scans(ctx)
    a, b = s["d_old"], s["d_new"]
    got = [(d["mta_sts"]["status"], d["mta_sts"]["id"], d["mta_sts"]["mode"], d["mta_sts"]["max_age"],
            d["policy"]["name"]) for d in (a, b)]
    assert got == [("ok", "2026a", "enforce", 86400, "mta-sts-enforce"),
                   ("ok", "2026b", "testing", 3600, "mta-sts-testing")], got


def test_enforce_diff_sts_id_change(ctx):
    """`mxsurvey diff OLD NEW` reports stsid.example's MTA-STS change (TXT id 2026a -> 2026b,
    mode enforce -> testing, so the domain's policy too) under the kind `policy`
    (docs/schema.md, "diff.json"): one line per run with the policy, the MTA-STS status, mode,
    id and outcome, and the MX RRset's DNSSEC state."""
    s = id_change_scans(ctx)
    out = tempfile.mkdtemp(prefix="mxs-stsid-diff-")
    r = sh([ctx.mxsurvey, "diff", "--quiet", "--out", out, s["old"], s["new"]], timeout=60)
    assert r.returncode == 1, "diff exit %d (1: changes): %s" % (r.returncode, r.stderr)
    with open(os.path.join(out, "diff.json")) as f:
        d = json.load(f)
    mine = [c for c in d["changed"] if c.get("domain") == STSID]
    assert mine, "diff reports no change of %s: %s" % (STSID, d["changed"])
    old, new = mine[0]["changes"].get("policy", (None, None))
    assert old and "mta-sts ok, mode enforce, id 2026a" in old and "policy mta-sts-enforce" in old, old
    assert new and "mta-sts ok, mode testing, id 2026b" in new and "policy mta-sts-testing" in new, new
    assert d["counts"]["policy"] >= 1, d["counts"]


def test_enforce_scan_no_policy(ctx):
    """--no-policy: no DO bit, no TXT or TLSA lookup, no policy fetch (nginx logs no request),
    and every new field is JSON null: hosts.jsonl `dane`; domains.jsonl `dnssec`, `mta_sts`,
    `tlsrpt`, `policy`; summary.json `enforcement`."""
    log = os.path.join(ctx.world_dir, "web", "access.log")
    before = os.path.getsize(log) if os.path.exists(log) else 0
    out = os.path.join(tempfile.mkdtemp(prefix="mxs-nopolicy-"), "scan")
    lst = out + ".list"
    with open(lst, "w") as f:
        f.write("ee%s\nexact.example\ncustomer.example\n" % D)
    r = sh(policy_args(ctx, "--no-policy", "--out", out, lst), timeout=120)
    assert r.returncode == 0, "scan exit %d: %s" % (r.returncode, r.stderr[-800:])
    hosts = read_jsonl(os.path.join(out, "hosts.jsonl"))
    domains = read_jsonl(os.path.join(out, "domains.jsonl"))
    assert len(hosts) == 3 and len(domains) == 3, (hosts, domains)
    assert all("dane" in h and h["dane"] is None for h in hosts), [h.get("dane") for h in hosts]
    for d in domains:
        got = {k: d.get(k, "absent") for k in ("dnssec", "mta_sts", "tlsrpt", "policy")}
        assert set(got.values()) == {None}, (d["domain"], got)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    assert "enforcement" in summary and summary["enforcement"] is None, summary.get("enforcement")
    after = os.path.getsize(log) if os.path.exists(log) else 0
    assert after == before, "the web server was asked %d octets' worth of requests" % (after - before)
