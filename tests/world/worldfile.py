"""The world file: parser and model, shared by the world harness and the tests.

A world file (data/world/world.conf, format in docs/world.md) declares certificates, SMTP
endpoints and DNS domains. The harness turns it into running servers; the tests read the same
model to know what each reference tool must see. Python standard library only.
"""
import ipaddress
import re

SERVERS = ("fixture", "postfix", "nginx", "none")
ISSUERS = ("inter", "root", "untrusted", "self")
KEYS = ("rsa2048", "rsa1024", "ec256")
TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
# The fixture server is mbedTLS 2.28: TLS 1.2 at most. Postfix (OpenSSL 3) also speaks TLS 1.3.
# nginx's mail proxy (tests/world/nginxmail.py) is OpenSSL 3 too.
TLS_MAX = {"fixture": "1.2", "postfix": "1.3", "nginx": "1.3"}
# Endpoint keys handed to the fixture server as they are (docs/fixture.md).
FIXTURE_KEYS = ("banner", "ehlo", "starttls", "starttls_reply", "greeting", "greeting_lines",
                "silent", "delay_ms", "tls_min", "tls_max", "close_after_starttls",
                "inject_after_starttls", "alert_after_certificate")
# Behaviour keys a Postfix endpoint understands (world.py turns them into smtpd settings);
# anything else goes through `postfix.PARAMETER=VALUE`, a master.cf `-o` override.
POSTFIX_KEYS = ("tls_min", "tls_max")
# What nginx's mail proxy can be told (nginxmail.py): its server_name is greeting and EHLO name.
NGINX_KEYS = ("banner", "starttls", "tls_min", "tls_max")
_POSTFIX_PARAM_RE = re.compile(r"^[a-z][a-z0-9_]*$")
DNS_MODES = ("refuse", "drop", "servfail")
# The DNSSEC tree (tests/world/dnssec.py): how a zone is served.
ZONE_KINDS = ("signed", "insecure", "bogus")

# filler_a=N addresses: 127.31.0.1 upwards (a /16 of loopback where nothing listens).
FILLER_A_BASE = "127.31.0.1"
FILLER_A_MAX = 65000

_NAME_RE = re.compile(r"^[A-Za-z0-9*_.-]+$")
_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class WorldError(Exception):
    pass


class Cert:
    def __init__(self, name):
        self.name = name
        self.issuer = "inter"
        self.cn = None
        self.san = None          # list of names; [] means no SAN extension
        self.key = "rsa2048"
        self.valid = (-30, 365)  # days relative to now

    def names(self):
        """Presented DNS names as the world declares them (SAN, else the CN)."""
        return list(self.san) if self.san else ([self.cn] if self.cn else [])


class Endpoint:
    def __init__(self, ip):
        self.ip = ip
        self.hosts = []
        self.ptr = None
        self.server = "fixture"
        self.certs = []     # certificate names; several only on Postfix (one per key type)
        self.opts = {}      # behaviour keys (FIXTURE_KEYS, or POSTFIX_KEYS on Postfix)
        self.postfix = {}   # Postfix endpoints: smtpd parameter -> value (master.cf -o)
        self.sni = []       # fixture: (SNI name, certificate name) served instead of cert

    @property
    def cert(self):
        """The first certificate named (the only one, except on a Postfix endpoint)."""
        return self.certs[0] if self.certs else None

    @property
    def family(self):
        return ipaddress.ip_address(self.ip).version

    @property
    def banner(self):
        return self.opts.get("banner") or (self.hosts[0] if self.hosts else "localhost")

    @property
    def ehlo(self):
        return self.opts.get("ehlo") or self.banner

    def opt(self, key, default=None):
        return self.opts.get(key, default)

    @property
    def offers_starttls(self):
        return self.opt("starttls", "yes") == "yes"

    @property
    def tls_range(self):
        """(lowest, highest) TLS version the endpoint accepts, as "1.0".."1.3"."""
        return self.opt("tls_min", "1.0"), self.opt("tls_max", TLS_MAX.get(self.server, "1.2"))


class Domain:
    def __init__(self, name):
        self.name = name
        self.mx = None          # list of (pref, host); None = no MX RRset; "null" = RFC 7505
        self.cname = None
        self.dns = None         # refuse | drop | servfail
        self.a = []
        self.txt = None
        self.filler_mx = 0      # extra unresolvable MX targets to overflow a 512-octet UDP answer
        self.filler_pref = None  # their preference: None = 100, 101, ...; else all this one
        self.filler_a = 0       # extra A records, FILLER_A_BASE upwards, nothing listening

    def filler_hosts(self):
        return ["mx%02d.a-rather-long-label-to-fill-a-udp-answer.%s" % (i, self.name)
                for i in range(self.filler_mx)]

    def filler_records(self):
        """(preference, host) of the filler MX records."""
        return [(100 + i if self.filler_pref is None else self.filler_pref, h)
                for i, h in enumerate(self.filler_hosts())]

    def filler_addresses(self):
        """The filler A records' addresses, in numeric order."""
        if not self.filler_a:
            return []
        base = ipaddress.ip_address(FILLER_A_BASE)
        return [str(base + i) for i in range(self.filler_a)]


class Tlsa:
    def __init__(self, host, usage, selector, mtype, of):
        self.host, self.usage, self.selector, self.mtype, self.of = host, usage, selector, mtype, of


class Web:
    """An HTTPS host of the world's web server (tests/world/web.py)."""
    def __init__(self, host):
        self.host = host
        self.cert = None
        self.body = None        # a file of data/world/mta-sts/ served at the policy path
        self.status = 200
        self.location = None    # a redirect's target
        self.size = 0           # a generated policy of this many octets (an oversized one)


class World:
    def __init__(self):
        self.settings = {"resolver": "127.53.0.1:5300", "smtp_port": "2525", "zones": "example",
                         "dnssec_server": "127.53.0.3:5300", "web_server": "127.40.0.1:4443",
                         # the same servers on the standard ports, for reference tools that
                         # take no port (docs/world.md): none unless set
                         "tool_resolver": "", "tool_web": ""}
        self.certs = {}
        self.endpoints = []
        self.domains = {}
        self.dnssec_zones = []  # (name, kind) in declaration order; the first is the top
        self.tlsa = []
        self.webs = {}          # host -> Web
        self.txts = []          # (owner, text): TXT records given whole (spaces kept)

    # -- settings
    @property
    def resolver(self):
        ip, _, port = self.settings["resolver"].rpartition(":")
        return ip, int(port)

    @property
    def dnssec_server(self):
        ip, _, port = self.settings["dnssec_server"].rpartition(":")
        return ip, int(port)

    @property
    def web_server(self):
        ip, _, port = self.settings["web_server"].rpartition(":")
        return ip, int(port)

    @property
    def tool_resolver(self):
        """(ip, port) of the resolver's second listener, or None."""
        return _addr(self.settings["tool_resolver"])

    @property
    def tool_web(self):
        """(ip, port) of the web server's second listener, or None."""
        return _addr(self.settings["tool_web"])

    @property
    def smtp_port(self):
        return int(self.settings["smtp_port"])

    @property
    def zones(self):
        return [z.strip().lower().rstrip(".") for z in self.settings["zones"].split(",") if z.strip()]

    # -- derived views
    def host_addresses(self):
        """host name -> list of addresses, in declaration order."""
        out = {}
        for ep in self.endpoints:
            for h in ep.hosts:
                out.setdefault(h, []).append(ep.ip)
        for d in self.domains.values():
            for ip in d.a + d.filler_addresses():
                out.setdefault(d.name, []).append(ip)
        for h in self.webs:
            out.setdefault(h, []).append(self.web_server[0])
        return out

    def endpoint_at(self, ip):
        for ep in self.endpoints:
            if ep.ip == ip:
                return ep
        return None

    def listeners(self):
        """(ip, port, endpoint) for every address where some server must listen."""
        return [(ep.ip, self.smtp_port, ep) for ep in self.endpoints if ep.server != "none"]


def _kv(tokens, lineno):
    out = {}
    for t in tokens:
        if "=" not in t:
            raise WorldError("line %d: expected key=value, got %r" % (lineno, t))
        k, v = t.split("=", 1)
        if k in out:
            raise WorldError("line %d: key %r given twice" % (lineno, k))
        out[k] = v
    return out


def _check_host(name, lineno, what):
    if not _HOST_RE.match(name):
        raise WorldError("line %d: %s %r is not a valid lowercase host name" % (lineno, what, name))


def _check_ip(ip, lineno):
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        raise WorldError("line %d: %r is not an IP address" % (lineno, ip))
    # The network rule: the world lives on loopback only.
    if not addr.is_loopback:
        raise WorldError("line %d: %s is not a loopback address (the world lives on 127.0.0.0/8 and ::1)" % (lineno, ip))


def parse(text, path="world file"):
    w = World()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        tok = line.split()
        kind = tok[0]
        try:
            if kind == "set":
                if len(tok) != 3 or tok[1] not in w.settings:
                    raise WorldError("line %d: expected 'set %s VALUE'" % (lineno, "|".join(w.settings)))
                w.settings[tok[1]] = tok[2]
            elif kind == "cert":
                _parse_cert(w, tok, lineno)
            elif kind == "endpoint":
                _parse_endpoint(w, tok, lineno)
            elif kind == "domain":
                _parse_domain(w, tok, lineno)
            elif kind == "zone":
                _parse_zone(w, tok, lineno)
            elif kind == "web":
                _parse_web(w, tok, lineno)
            elif kind == "txt":
                if len(tok) < 3:
                    raise WorldError("line %d: expected 'txt NAME TEXT...'" % lineno)
                _check_txt_owner(tok[1], lineno)
                text = line.split(None, 2)[2]
                if '"' in text or "\\" in text:
                    raise WorldError("line %d: a txt record holds no quote or backslash" % lineno)
                w.txts.append((tok[1], text))
            elif kind == "tlsa":
                _parse_tlsa(w, tok, lineno)
            else:
                raise WorldError("line %d: unknown statement %r" % (lineno, kind))
        except WorldError as e:
            raise WorldError("%s: %s" % (path, e))
    _validate(w, path)
    return w


def _parse_cert(w, tok, lineno):
    if len(tok) < 2:
        raise WorldError("line %d: cert needs a name" % lineno)
    c = Cert(tok[1])
    if c.name in ("root", "inter", "untrusted", "ca") or c.name.startswith("leaf-"):
        # certs.py keeps the CAs and the leaf keys under these names in the same folder.
        raise WorldError("line %d: cert name %r is taken by the world's CA files" % (lineno, c.name))
    if c.name in w.certs:
        raise WorldError("line %d: cert %r declared twice" % (lineno, c.name))
    kv = _kv(tok[2:], lineno)
    for k, v in kv.items():
        if k == "issuer":
            if v not in ISSUERS:
                raise WorldError("line %d: issuer must be one of %s" % (lineno, ", ".join(ISSUERS)))
            c.issuer = v
        elif k == "cn":
            c.cn = None if v == "none" else v
        elif k == "san":
            c.san = [] if v == "none" else v.split(",")
        elif k == "key":
            if v not in KEYS:
                raise WorldError("line %d: key must be one of %s" % (lineno, ", ".join(KEYS)))
            c.key = v
        elif k == "valid":
            m = re.match(r"^(-?\d+):(-?\d+)$", v)
            if not m or int(m.group(1)) >= int(m.group(2)):
                raise WorldError("line %d: valid=FROM:TO needs FROM < TO (days)" % lineno)
            c.valid = (int(m.group(1)), int(m.group(2)))
        else:
            raise WorldError("line %d: unknown cert key %r" % (lineno, k))
    if c.san is None:
        c.san = [c.cn] if c.cn else []
    for n in c.san + ([c.cn] if c.cn else []):
        if not _NAME_RE.match(n):
            raise WorldError("line %d: certificate name %r has characters the harness cannot pass to openssl" % (lineno, n))
    if not c.cn and not c.san:
        raise WorldError("line %d: cert %r has neither cn nor san" % (lineno, c.name))
    w.certs[c.name] = c


def _parse_endpoint(w, tok, lineno):
    if len(tok) < 2:
        raise WorldError("line %d: endpoint needs an IP" % lineno)
    ep = Endpoint(tok[1])
    _check_ip(ep.ip, lineno)
    if w.endpoint_at(ep.ip):
        raise WorldError("line %d: endpoint %s declared twice" % (lineno, ep.ip))
    for k, v in _kv(tok[2:], lineno).items():
        if k == "host":
            ep.hosts = v.split(",")
            for h in ep.hosts:
                _check_host(h, lineno, "host")
        elif k == "ptr":
            _check_host(v, lineno, "ptr")
            ep.ptr = v
        elif k == "server":
            if v not in SERVERS:
                raise WorldError("line %d: server must be one of %s" % (lineno, ", ".join(SERVERS)))
            ep.server = v
        elif k == "cert":
            ep.certs = v.split(",")
        elif k == "sni":
            for item in v.split(","):
                name, _, cert = item.partition(":")
                if not name or not cert:
                    raise WorldError("line %d: sni entries are NAME:CERT" % lineno)
                _check_host(name, lineno, "sni name")
                ep.sni.append((name, cert))
        elif k.startswith("postfix."):
            param = k[len("postfix."):]
            if not _POSTFIX_PARAM_RE.match(param) or not v:
                raise WorldError("line %d: %r: expected postfix.PARAMETER=VALUE (a Postfix "
                                 "parameter name, a value without spaces)" % (lineno, "%s=%s" % (k, v)))
            ep.postfix[param] = v
        elif k in FIXTURE_KEYS:
            ep.opts[k] = v
        else:
            raise WorldError("line %d: unknown endpoint key %r" % (lineno, k))
    _check_endpoint(ep, lineno)
    w.endpoints.append(ep)


def _check_endpoint(ep, lineno):
    """What each server can do: the fixture serves one certificate and TLS up to 1.2; Postfix
    serves one certificate per key type, TLS up to 1.3, and only POSTFIX_KEYS and postfix.*."""
    for k in ("tls_min", "tls_max"):
        if k in ep.opts and ep.opts[k] not in TLS_VERSIONS:
            raise WorldError("line %d: %s must be one of %s" % (lineno, k, ", ".join(TLS_VERSIONS)))
        if ep.opts.get(k, "1.0") > TLS_MAX.get(ep.server, "1.2"):
            raise WorldError("line %d: %s=%s: the %s server speaks TLS %s at most" %
                             (lineno, k, ep.opts[k], ep.server, TLS_MAX.get(ep.server, "1.2")))
    lo, hi = ep.tls_range
    if lo > hi:
        raise WorldError("line %d: tls_min %s is above tls_max %s" % (lineno, lo, hi))
    needs_cert = ep.server != "none" and ep.offers_starttls and ep.opt("silent") != "yes"
    if needs_cert and not ep.cert:
        raise WorldError("line %d: endpoint %s offers STARTTLS but names no cert" % (lineno, ep.ip))
    if ep.sni and (ep.server != "fixture" or not ep.cert):
        raise WorldError("line %d: sni= needs the fixture server and a cert= (the default)" % lineno)
    if ep.server == "postfix":
        other = sorted(set(ep.opts) - set(POSTFIX_KEYS))
        if other:
            raise WorldError("line %d: %s: on a Postfix endpoint only %s and postfix.PARAMETER=VALUE "
                             "apply" % (lineno, ", ".join(other), ", ".join(POSTFIX_KEYS)))
    elif ep.server == "nginx" and set(ep.opts) - set(NGINX_KEYS):
        raise WorldError("line %d: %s: on an nginx endpoint only %s apply" %
                         (lineno, ", ".join(sorted(set(ep.opts) - set(NGINX_KEYS))), ", ".join(NGINX_KEYS)))
    if ep.server != "postfix":
        if ep.postfix:
            raise WorldError("line %d: postfix.* keys apply to server=postfix only" % lineno)
        if len(ep.certs) > 1:
            raise WorldError("line %d: several certificates (cert=%s) need server=postfix" %
                             (lineno, ",".join(ep.certs)))
    if len(set(ep.certs)) != len(ep.certs):
        raise WorldError("line %d: cert=%s names a certificate twice" % (lineno, ",".join(ep.certs)))


def _parse_domain(w, tok, lineno):
    if len(tok) < 2:
        raise WorldError("line %d: domain needs a name" % lineno)
    d = Domain(tok[1])
    _check_host(d.name, lineno, "domain")
    if d.name in w.domains:
        raise WorldError("line %d: domain %r declared twice" % (lineno, d.name))
    for k, v in _kv(tok[2:], lineno).items():
        if k == "mx":
            if v == "null":
                d.mx = "null"
            else:
                d.mx = []
                for item in v.split(","):
                    m = re.match(r"^(\d+):(.+)$", item)
                    if not m or int(m.group(1)) > 65535:
                        raise WorldError("line %d: mx entries are PREF:HOST" % lineno)
                    _check_host(m.group(2), lineno, "MX host")
                    d.mx.append((int(m.group(1)), m.group(2)))
        elif k == "cname":
            _check_host(v, lineno, "cname target")
            d.cname = v
        elif k == "dns":
            if v not in DNS_MODES:
                raise WorldError("line %d: dns must be one of %s" % (lineno, ", ".join(DNS_MODES)))
            d.dns = v
        elif k == "a":
            d.a = v.split(",")
            for ip in d.a:
                _check_ip(ip, lineno)
        elif k == "txt":
            d.txt = v
        elif k in ("filler_mx", "filler_pref", "filler_a"):
            if not re.match(r"^\d{1,5}$", v) or int(v) > (65535 if k == "filler_pref" else FILLER_A_MAX):
                raise WorldError("line %d: %s=N needs a number (0-%d)" %
                                 (lineno, k, 65535 if k == "filler_pref" else FILLER_A_MAX))
            setattr(d, k, int(v))
        else:
            raise WorldError("line %d: unknown domain key %r" % (lineno, k))
    if d.filler_pref is not None and not d.filler_mx:
        raise WorldError("line %d: filler_pref needs filler_mx" % lineno)
    if d.cname and (d.mx or d.a or d.filler_a or d.txt):
        raise WorldError("line %d: a CNAME owner cannot have other records" % lineno)
    w.domains[d.name] = d


def _parse_zone(w, tok, lineno):
    if len(tok) != 3 or tok[2] not in ZONE_KINDS:
        raise WorldError("line %d: expected 'zone NAME %s'" % (lineno, "|".join(ZONE_KINDS)))
    _check_host(tok[1], lineno, "zone")
    if any(z == tok[1] for z, _ in w.dnssec_zones):
        raise WorldError("line %d: zone %r declared twice" % (lineno, tok[1]))
    if not w.dnssec_zones and tok[2] != "signed":
        raise WorldError("line %d: the first zone is the top of the signed tree: it must be signed" % lineno)
    if w.dnssec_zones and not tok[1].endswith("." + w.dnssec_zones[0][0]):
        raise WorldError("line %d: zone %r lies outside the tree's top %r" % (lineno, tok[1], w.dnssec_zones[0][0]))
    w.dnssec_zones.append((tok[1], tok[2]))


def _check_txt_owner(name, lineno):
    # Owners such as _mta-sts.DOMAIN and _smtp._tls.DOMAIN: underscore labels allowed.
    if not re.match(r"^(_?[a-z0-9-]+\.)*[a-z0-9-]+$", name):
        raise WorldError("line %d: txt owner %r is not a lowercase name" % (lineno, name))


def _parse_web(w, tok, lineno):
    if len(tok) < 2:
        raise WorldError("line %d: web needs a host name" % lineno)
    web = Web(tok[1])
    _check_host(web.host, lineno, "web host")
    if web.host in w.webs:
        raise WorldError("line %d: web %r declared twice" % (lineno, web.host))
    for k, v in _kv(tok[2:], lineno).items():
        if k == "cert":
            web.cert = v
        elif k == "body":
            if not re.match(r"^[a-z0-9._-]+$", v):
                raise WorldError("line %d: body= is a file name of data/world/mta-sts/" % lineno)
            web.body = v
        elif k == "status":
            if not re.match(r"^[1-5]\d\d$", v):
                raise WorldError("line %d: status= is an HTTP status code" % lineno)
            web.status = int(v)
        elif k == "location":
            web.location = v
        elif k == "size":
            if not re.match(r"^\d{1,7}$", v):
                raise WorldError("line %d: size= is a number of octets" % lineno)
            web.size = int(v)
        else:
            raise WorldError("line %d: unknown web key %r" % (lineno, k))
    if not web.cert:
        raise WorldError("line %d: web %s needs cert= (it serves HTTPS)" % (lineno, web.host))
    if (web.location is None) != (web.status not in (301, 302, 303, 307, 308)):
        raise WorldError("line %d: location= goes with a redirect status (3xx), and only there" % lineno)
    w.webs[web.host] = web


def _parse_tlsa(w, tok, lineno):
    if len(tok) != 6 or not all(re.match(r"^\d{1,3}$", t) and int(t) < 256 for t in tok[2:5]) \
            or not tok[5].startswith("of="):
        raise WorldError("line %d: expected 'tlsa HOST USAGE SELECTOR MTYPE of=leaf:CERT|inter|root|hex:HEX'" % lineno)
    _check_host(tok[1], lineno, "tlsa host")
    of = tok[5][3:]
    if not (of in ("inter", "root") or re.match(r"^leaf:[A-Za-z0-9_.-]+$", of) or
            re.match(r"^hex:([0-9a-f]{2})+$", of)):
        raise WorldError("line %d: of= is leaf:CERT, inter, root or hex:HEX (lowercase, whole octets)" % lineno)
    w.tlsa.append(Tlsa(tok[1], int(tok[2]), int(tok[3]), int(tok[4]), of))


def _addr(value):
    if not value:
        return None
    ip, _, port = value.rpartition(":")
    return ip, int(port)


def _validate(w, path):
    for key in ("tool_resolver", "tool_web"):
        v = w.settings[key]
        if v and not (v.rpartition(":")[2].isdigit() and v.rpartition(":")[0]):
            raise WorldError("%s: set %s IP:PORT, not %r" % (path, key, v))
    if w.tool_web and w.tool_web[0] != w.web_server[0]:
        # the policy hosts' A records point at web_server's address: a tool connecting by name
        # reaches the second listener only on that address
        raise WorldError("%s: tool_web must be on web_server's address %s" % (path, w.web_server[0]))
    for web in w.webs.values():
        if web.cert not in w.certs:
            raise WorldError("%s: web %s names unknown cert %r" % (path, web.host, web.cert))
    for t in w.tlsa:
        if t.of.startswith("leaf:") and t.of[5:] not in w.certs:
            raise WorldError("%s: tlsa %s names unknown cert %r" % (path, t.host, t.of[5:]))
    for ep in w.endpoints:
        for c in ep.certs + [c for _, c in ep.sni]:
            if c not in w.certs:
                raise WorldError("%s: endpoint %s names unknown cert %r" % (path, ep.ip, c))
        keys = [w.certs[c].key for c in ep.certs]
        # Postfix (OpenSSL) holds one certificate per key algorithm; two RSA ones would silently
        # leave one unused.
        algs = ["ec" if k.startswith("ec") else "rsa" for k in keys]
        if len(set(algs)) != len(algs):
            raise WorldError("%s: endpoint %s: cert=%s has two certificates of one key algorithm "
                             "(Postfix serves one per algorithm)" % (path, ep.ip, ",".join(ep.certs)))
    zones = w.zones
    addrs = w.host_addresses()
    for name in list(addrs) + list(w.domains) + [z for z, _ in w.dnssec_zones] + \
            [t.host for t in w.tlsa] + [o for o, _ in w.txts]:
        if not any(name == z or name.endswith("." + z) for z in zones):
            raise WorldError("%s: %s lies outside the world's zones (%s)" % (path, name, ", ".join(zones)))


def load(path):
    with open(path, encoding="utf-8") as f:
        return parse(f.read(), path)
