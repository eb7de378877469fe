#!/usr/bin/env python3
"""A plain-text report of the running world as reference tools see it (used by the demo until
the scanner exists): per domain its MX hosts, and per endpoint the greeting, STARTTLS and the
certificate's names, read with drill and posttls-finger."""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worldfile  # noqa: E402
from helpers import drill, posttls_finger  # noqa: E402


class Ctx:
    world = worldfile.load(os.environ.get("MXS_WORLD_FILE", os.path.join(ROOT, "data/world/world.conf")))
    world_dir = os.path.abspath(os.environ.get("MXS_WORLD_DIR", os.path.join(ROOT, "build/world")))


def endpoint_line(ctx, ep):
    if ep.opt("silent") == "yes":
        return "silent (accepts, never greets)"
    out, server, _ = posttls_finger(ctx, ep.ip, timeout=10)
    if "Connection refused" in out:
        return "connection refused"
    if not server:
        return "no reply"
    greet = server[0]
    if not greet.startswith("220"):
        return "greeting: " + greet
    tls = re.search(r"TLS connection established to .*?: (TLSv\S+) with cipher (\S+)", out)
    cn = re.search(r"subject_CN=([^,]+), issuer_CN=([^,]+)", out)
    starttls = any(l.endswith("STARTTLS") for l in server if l.startswith("250"))
    if not starttls:
        return "greeting ok, no STARTTLS offered"
    if not tls:
        refusal = [l for l in server if not l.startswith(("220", "250"))]
        return "STARTTLS offered, no TLS session" + (": " + refusal[0] if refusal else "")
    return "%s %s, cert CN=%s issued by %s" % (tls.group(1), tls.group(2), cn.group(1), cn.group(2))


def main():
    ctx = Ctx()
    w = ctx.world
    print("World: %d domains, %d endpoints, resolver %s:%d, SMTP port %d" %
          (len(w.domains), len(w.endpoints), *w.resolver, w.smtp_port))
    print()
    print("%-26s %s" % ("domain", "MX (from drill)"))
    for d in w.domains.values():
        a = drill(ctx, d.name, "MX", timeout=3) if d.dns != "drop" else None
        if a is not None and "tc" in a.flags:
            a = drill(ctx, d.name, "MX", tcp=True)
        if a is None:
            mx = "(no answer: queries dropped)"
        elif a.rcode != "NOERROR":
            mx = a.rcode
        else:
            mx = ", ".join(sorted(a.rdata("MX"), key=lambda r: int(r.split()[0]))[:4]) or \
                ("CNAME " + ", ".join(a.rdata("CNAME")) if a.rdata("CNAME") else "(no MX)")
        print("%-26s %s" % (d.name, mx))
    print()
    print("%-16s %-38s %s" % ("endpoint", "host", "as posttls-finger sees it"))
    for ep in w.endpoints:
        print("%-16s %-38s %s" % (ep.ip, ",".join(ep.hosts)[:38], endpoint_line(ctx, ep)))


if __name__ == "__main__":
    main()
