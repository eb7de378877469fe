"""The issuing CA of each leaf (hosts.jsonl `issuer`, docs/schema.md) against openssl: the
world scan's chain files read by `openssl x509` give the issuer DN's O and CN; a verified
chain's `root` is the world's trust anchor (the root of build/world/certs/ca.pem, by its CN);
`self_signed` is openssl's own verdict (issuer == subject and `openssl verify` against the
certificate itself)."""
import os
import re
import tempfile

from helpers import sh
from test_scan import world_scan


def dn_attrs(text):
    """{attribute: last value} of an openssl `-nameopt RFC2253` DN (no escaped commas in the
    world's names)."""
    out = {}
    for part in reversed(text.split(",")):  # RFC 2253 lists the most specific first
        k, _, v = part.partition("=")
        out[k.strip()] = v.strip()
    return out


def leaf_pem(path):
    with open(path) as f:
        pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", f.read(), re.S)
    assert pems, path
    return pems[0]


def openssl_field(pem, what):
    r = sh(["openssl", "x509", "-noout", what, "-nameopt", "RFC2253"], input=pem, check=True)
    return r.stdout.strip().split("=", 1)[1]


def test_issuer_fields_match_openssl(ctx):
    s = world_scan(ctx)
    ca_subject = sh(["openssl", "x509", "-in", os.path.join(ctx.certs, "ca.pem"), "-noout",
                     "-subject", "-nameopt", "RFC2253"], check=True).stdout.strip().split("=", 1)[1]
    root_cn = dn_attrs(ca_subject)["CN"]
    seen = {"verified": 0, "self_signed": 0, "unverified": 0, "none": 0}
    for h in s["hosts"]:
        if not h["cert"] or h["cert"]["parse_error"]:
            assert h["issuer"] is None, (h["mx_host"], h["issuer"])
            seen["none"] += 1
            continue
        iss = h["issuer"]
        assert set(iss) == {"o", "cn", "root", "self_signed"}, iss
        pem = leaf_pem(os.path.join(s["out"], h["chain_file"]))
        want = dn_attrs(openssl_field(pem, "-issuer"))
        assert iss["o"] == want.get("O") and iss["cn"] == want.get("CN"), (h["mx_host"], iss, want)
        subject = openssl_field(pem, "-subject")
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
            f.write(pem)
            f.flush()
            own = sh(["openssl", "verify", "-no-CAfile", "-no-CApath", "-partial_chain",
                      "-CAfile", f.name, f.name]).returncode == 0
        assert iss["self_signed"] == (own and openssl_field(pem, "-issuer") == subject), (h["mx_host"], iss)
        assert iss["self_signed"] == h["cert"]["self_signed"]
        if h["trust"]["valid"]:
            assert iss["root"] == root_cn, (h["mx_host"], iss)
            seen["verified"] += 1
        else:
            assert iss["root"] is None, (h["mx_host"], iss)
            seen["unverified"] += 1
        seen["self_signed"] += iss["self_signed"]
    assert all(seen.values()), "the world has every kind of issuer: %s" % seen
