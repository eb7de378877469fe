"""The world's DNSSEC-signed part: zones signed when the world comes up, served by NSD, and
validated by the world's unbound.

Declared in the world file (docs/world.md):
  set dnssec_server IP:PORT                 where NSD answers (default 127.53.0.3:5300)
  zone NAME signed|insecure|bogus           a zone of the signed tree; the first zone declared
                                            is its top, must be signed, and its DS is the
                                            resolver's trust anchor; every other zone lies
                                            under a declared zone (its parent)
  tlsa HOST USAGE SELECTOR MTYPE of=leaf:CERT|inter|root|hex:HEX
                                            a TLSA record at _PORT._tcp.HOST (PORT: smtp_port)
                                            over the world's certificate CERT (its leaf), the
                                            intermediate or the root, or literal data

Kinds: `signed` (keys made with ldns-keygen, records signed with ldns-signzone, a DS in the
parent), `insecure` (unsigned, delegated without a DS: provably insecure), `bogus` (a DS in
the parent but signatures that expired long ago: the validator answers SERVFAIL).
Records whose owner lies in the tree (A, MX, TXT, CNAME, TLSA) go into the zone file of the
deepest zone holding them, not into unbound's local data. Keys are made anew at every `up`
(nothing secret is committed); the zone files, keys and nsd.conf are under WORLD_DIR/dnssec/.

The resolver reaches every zone of the tree through a stub-zone at dnssec_server (NSD answers
for all of them; delegations cannot carry a port), and validates ("validator iterator") with
the top zone's DS as its only trust anchor: AD on secure answers, SERVFAIL for bogus ones, and
no AD for insecure ones and for everything outside the tree (unbound's local data).
"""
import hashlib
import os
import ssl
import subprocess

TTL = 300


def in_zone(name, zone):
    return name == zone or name.endswith("." + zone)


def zone_of(world, name):
    """The deepest declared DNSSEC zone holding name, or None."""
    best = None
    for z, _kind in world.dnssec_zones:
        if in_zone(name, z) and (best is None or len(z) > len(best)):
            best = z
    return best


def parent_of(world, zone):
    best = None
    for z, _kind in world.dnssec_zones:
        if z != zone and in_zone(zone, z) and (best is None or len(z) > len(best)):
            best = z
    return best


def _run(args, cwd=None):
    r = subprocess.run(args, capture_output=True, text=True, cwd=cwd)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args[:2]), (r.stderr or r.stdout).strip()))
    return r.stdout


def _der(pem_path, index=0):
    with open(pem_path) as f:
        text = f.read()
    pems = ["-----BEGIN CERTIFICATE-----" + p for p in text.split("-----BEGIN CERTIFICATE-----")[1:]]
    return ssl.PEM_cert_to_DER_cert(pems[index].split("-----END CERTIFICATE-----")[0] +
                                    "-----END CERTIFICATE-----\n")


def _spki(pem_path):
    """The SubjectPublicKeyInfo DER of a certificate, as openssl writes it."""
    pub = _run(["openssl", "x509", "-in", pem_path, "-noout", "-pubkey"])
    r = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub.encode(),
                       capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("openssl pkey failed: %s" % r.stderr.decode().strip())
    return r.stdout


def tlsa_data(t, certdir):
    """The association data of tlsa t (hex), from the certificates under certdir."""
    if t.of.startswith("hex:"):
        return t.of[4:]
    if t.of.startswith("leaf:"):
        pem = os.path.join(certdir, t.of[5:] + ".pem")
    else:
        pem = os.path.join(certdir, t.of + ".pem")
    data = _der(pem) if t.selector == 0 else _spki(pem)
    if t.mtype == 1:
        return hashlib.sha256(data).hexdigest()
    if t.mtype == 2:
        return hashlib.sha512(data).hexdigest()
    return data.hex()


def tlsa_rrs(world, certdir):
    return ["_%d._tcp.%s. %d IN TLSA %d %d %d %s" % (world.smtp_port, t.host, TTL, t.usage,
                                                     t.selector, t.mtype, tlsa_data(t, certdir))
            for t in world.tlsa]


def _keygen(d, zone, ksk):
    args = ["ldns-keygen", "-a", "ECDSAP256SHA256"] + (["-k"] if ksk else []) + [zone]
    base = _run(args, cwd=d).strip()
    for ext in (".ds",):
        p = os.path.join(d, base + ext)
        if os.path.exists(p):
            os.unlink(p)
    return base


def build(world, wd, rrs):
    """Writes the zone files of the tree under wd/dnssec/ (signed where they are signed) from the
    resource records rrs (text, one per record, owners fully qualified) that lie in the tree, and
    nsd.conf. Returns (the trust anchor's DS record, the nsd.conf path)."""
    d = os.path.join(wd, "dnssec")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    ns_ip, ns_port = world.dnssec_server
    by_zone = {z: [] for z, _ in world.dnssec_zones}
    for rr in rrs:
        by_zone[zone_of(world, rr.split()[0].rstrip("."))].append(rr)
    kinds = dict(world.dnssec_zones)
    ds = {}
    # Children first: a parent carries its signed children's DS records.
    for z, kind in sorted(world.dnssec_zones, key=lambda zk: -zk[0].count(".")):
        L = ["$ORIGIN %s." % z,
             "@ %d IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 %d" % (TTL, z, z, TTL),
             "@ %d IN NS ns.%s." % (TTL, z),
             "ns.%s. %d IN A %s" % (z, TTL, ns_ip)]
        for c, ckind in world.dnssec_zones:
            if parent_of(world, c) == z:
                L.append("%s. %d IN NS ns.%s." % (c, TTL, c))
                L.append("ns.%s. %d IN A %s" % (c, TTL, ns_ip))
                if ckind != "insecure":
                    L.append(ds[c])
        L += by_zone[z]
        zf = os.path.join(d, z + ".zone")
        with open(zf, "w") as f:
            f.write("\n".join(L) + "\n")
        if kind == "insecure":
            continue
        ksk = _keygen(d, z, True)
        zsk = _keygen(d, z, False)
        args = ["ldns-signzone", "-f", zf + ".signed"]
        if kind == "bogus":
            # Signatures that expired in 2020: the DS in the parent makes the zone secure, the
            # signatures cannot validate, so the validator answers SERVFAIL.
            args += ["-i", "20200101000000", "-e", "20200201000000"]
        _run(args + [zf, zsk, ksk], cwd=d)
        ds[z] = _run(["ldns-key2ds", "-n", "-2", ksk + ".key"], cwd=d).strip()
    conf = ["server:",
            "  ip-address: %s@%d" % (ns_ip, ns_port),
            "  port: %d" % ns_port,
            "  server-count: 1", "  hide-version: yes", "  verbosity: 1",
            '  username: ""', '  chroot: ""',
            '  zonesdir: "%s"' % d, '  database: ""',
            '  pidfile: "%s"' % os.path.join(d, "nsd.pid"),
            '  zonelistfile: "%s"' % os.path.join(d, "zone.list"),
            '  xfrdfile: "%s"' % os.path.join(d, "xfrd.state"),
            '  xfrdir: "%s"' % d,
            '  logfile: "%s"' % os.path.join(d, "nsd.log"),
            "remote-control:", "  control-enable: no"]
    for z, kind in world.dnssec_zones:
        conf += ["zone:", "  name: %s" % z,
                 "  zonefile: %s.zone%s" % (z, "" if kind == "insecure" else ".signed")]
    path = os.path.join(d, "nsd.conf")
    with open(path, "w") as f:
        f.write("\n".join(conf) + "\n")
    top = world.dnssec_zones[0][0]
    return ds[top], path


def unbound_lines(world, anchor):
    """What the resolver's configuration gains: validation, the anchor, the stubs (server: part,
    stub-zone: part)."""
    ns_ip, ns_port = world.dnssec_server
    top = world.dnssec_zones[0][0]
    server = ['  trust-anchor: "%s"' % anchor,
              # The tree lies under a static local zone of the world ("example"): transparent
              # lets its names through to the stubs.
              '  local-zone: "%s." transparent' % top,
              "  val-log-level: 2"]
    stubs = []
    for z, _kind in world.dnssec_zones:
        stubs += ["stub-zone:", '  name: "%s."' % z, "  stub-addr: %s@%d" % (ns_ip, ns_port)]
    return server, stubs
