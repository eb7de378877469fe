#!/usr/bin/env python3
"""tests/fuzz/capture.py: remakes the seed corpora of the fuzz harnesses from the local world
(docs/testing.md). Run it inside a private network namespace with the world up:

    unshare -n bash -c 'ip link set lo up; scripts/world up && tests/fuzz/capture.py; scripts/world down'

It writes, under tests/fuzz/corpus/:
  smtp_reply/world-IP.bin  the raw octets a world endpoint sends: greeting, EHLO reply and the
                           reply to STARTTLS (when offered), as one stream
  answer/NAME-TYPE.bin     the world unbound's reply to one query, as it came off the wire
  cert/NAME.der            the world's leaf, intermediate and root certificates, DER
  jsonl/world-N.jsonl      records of a world scan: hosts.jsonl lines, "@@", domains.jsonl lines
  html/world-summary.json  that scan's summary.json
  names/world-N.txt        per endpoint record: MX host, domain, PTR, then the certificate's CN
                           and SAN dNSNames (fuzz_names' layout)
  input/world-N.txt        each line of data/world/domains.txt
Hand-made seeds (hostile text, crafted packets) sit beside them with other names and are kept.
Only 127.0.0.0/8 is contacted."""
import glob
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
BUILD = os.environ.get("MXS_BUILD", os.path.join(ROOT, "build"))
CERTS = os.path.join(ROOT, "build", "world", "certs")
RESOLVER = ("127.53.0.1", 5300)
SMTP_PORT = 2525


def put(sub, name, data):
    d = os.path.join(CORPUS, sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read_reply(sock):
    """Reads one complete SMTP reply; returns its octets."""
    buf = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return buf
        buf += chunk
        lines = buf.split(b"\n")
        for line in lines[:-1]:
            if len(line) < 4 or line[3:4] != b"-":
                return buf


def smtp(ip):
    out = b""
    try:
        s = socket.create_connection((ip, SMTP_PORT), timeout=3)
    except OSError:
        return None
    with s:
        try:
            g = read_reply(s)
            out += g
            if not g.startswith(b"2"):
                return out
            s.sendall(b"EHLO scanner.mxsurvey.test\r\n")
            e = read_reply(s)
            out += e
            if b"STARTTLS" in e.upper():
                s.sendall(b"STARTTLS\r\n")
                out += read_reply(s)
        except OSError:
            pass
    return out


def dns_query(name, qtype):
    qid = 0x1234
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.sendto(q, RESOLVER)
        return s.recv(65535)
    except OSError:
        return None
    finally:
        s.close()


def main():
    ips = ["127.10.0.%d" % i for i in range(1, 39)] + ["127.20.0.%d" % i for i in range(1, 5)]
    for ip in ips:
        data = smtp(ip)
        if data:
            put("smtp_reply", "world-%s.bin" % ip, data)

    types = {"A": 1, "MX": 15, "PTR": 12, "AAAA": 28, "CNAME": 5}
    queries = [("exact.example", "MX"), ("nullmx.example", "MX"), ("cname.example", "MX"),
               ("does-not-exist.example", "MX"), ("servfail.example", "MX"),
               ("refused.example", "MX"), ("nomx.example", "MX"), ("bigmx.example", "MX"),
               ("backup.example", "MX"), ("mx1.exact.example", "A"),
               ("mx.multi-ip.example", "A"), ("mx.v6.example", "AAAA"),
               ("customer.example.s6a1.psmtp.example", "A"), ("cname.example", "A"),
               ("1.0.10.127.in-addr.arpa", "PTR"), ("3.0.10.127.in-addr.arpa", "PTR"),
               ("xn--bcher-kva.example", "MX"), ("nomx-noaddr.example", "MX")]
    for name, t in queries:
        data = dns_query(name, types[t])
        if data:
            put("answer", "world-%s-%s.bin" % (name, t), data)

    for pem in sorted(p for p in glob.glob(os.path.join(CERTS, "*.pem")) if ".chain." not in p):
        base = os.path.basename(pem)[:-4]
        r = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "der"], capture_output=True)
        if r.returncode == 0 and r.stdout:
            put("cert", "world-%s.der" % base, r.stdout)

    out = tempfile.mkdtemp(prefix="mxs-capture-")
    subprocess.run([os.path.join(BUILD, "mxsurvey"), "scan", "--resolver", "%s:%d" % RESOLVER,
                    "--port", str(SMTP_PORT), "--ehlo", "scanner.mxsurvey.test", "--timeout", "2",
                    "--dns-timeout", "0.5", "--ca-file", os.path.join(CERTS, "ca.pem"), "--quiet",
                    "--ipv6", "--out", out, os.path.join(ROOT, "data/world/domains.txt")],
                   check=False)
    hosts = open(os.path.join(out, "hosts.jsonl"), "rb").read().splitlines(keepends=True)
    domains = open(os.path.join(out, "domains.jsonl"), "rb").read().splitlines(keepends=True)
    step = 8
    for i in range(0, max(len(hosts), len(domains)), step):
        put("jsonl", "world-%02d.jsonl" % (i // step),
            b"".join(hosts[i:i + step]) + b"@@\n" + b"".join(domains[i:i + step]))
    # Paths of this machine (the checkout, the temporary folder) are left out of the seed.
    summary = open(os.path.join(out, "summary.json"), "rb").read()
    summary = summary.replace((ROOT + "/").encode(), b"").replace(out.encode(), b"reports/world")
    put("html", "world-summary.json", summary)
    doms = {}
    for line in domains:
        d = json.loads(line)
        for mx in d.get("mx") or []:
            doms.setdefault(mx.get("host"), d.get("domain"))
    for n, line in enumerate(hosts):
        h = json.loads(line)
        cert = h.get("cert") or {}
        fields = [h.get("mx_host") or "", doms.get(h.get("mx_host")) or "", h.get("ptr") or "",
                  cert.get("subject_cn") or ""] + list(cert.get("san_dns") or [])
        put("names", "world-%02d.txt" % n, "\n".join(fields).encode())
    for n, line in enumerate(open(os.path.join(ROOT, "data/world/domains.txt"), "rb")):
        put("input", "world-%02d.txt" % n, line.rstrip(b"\n"))
    print("capture: corpora written under %s (scan in %s)" % (CORPUS, out))


if __name__ == "__main__":
    sys.exit(main())
