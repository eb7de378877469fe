"""The world's web server: nginx (from Debian) serving the MTA-STS policy hosts over HTTPS.

Declared in the world file (docs/world.md):
  set web_server IP:PORT     where nginx listens (default 127.40.0.1:4443); every `web` host's
                             A record points at IP
  set tool_web IP:PORT       a second listener for every `web` host (on web_server's IP; the
                             bundled world: port 443, for mta-sts-query, which takes no port)
  web HOST cert=CERT [body=FILE] [status=CODE] [location=URL] [size=N]
                             an HTTPS virtual host (by SNI) with the world's certificate CERT;
                             GET /.well-known/mta-sts.txt answers data/world/mta-sts/FILE
                             (text/plain), or a generated policy of N octets (size=, an
                             oversized one), or status CODE (404, or a 3xx to location=)
  txt NAME TEXT...           a TXT record (the rest of the line, spaces kept): the
                             _mta-sts.DOMAIN and _smtp._tls.DOMAIN records

Everything nginx needs is written under WORLD_DIR/web/ at `up` (nginx.conf, the served files,
logs, temporary folders); its workers run as root like the master, so that they read the
world's folder wherever the checkout is (on a fresh machine: under /root, mode 700).
"""
import os
import shutil

POLICY_PATH = "/.well-known/mta-sts.txt"


def _oversized(n):
    """A syntactically valid policy padded with an extension field to n octets (or a little
    more)."""
    head = "version: STSv1\nmode: enforce\nmx: mx1.exact.example\nmax_age: 86400\n"
    pad = []
    size = len(head)
    i = 0
    while size < n:
        line = "x%d: %s\n" % (i, "a" * 60)
        pad.append(line)
        size += len(line)
        i += 1
    return head + "".join(pad)


def build(world, wd, root):
    """Writes nginx.conf and the served files under wd/web/; returns the nginx.conf path."""
    d = os.path.join(wd, "web")
    shutil.rmtree(d, ignore_errors=True)
    files = os.path.join(d, "files")
    os.makedirs(files)
    for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(d, "tmp", t))
    certdir = os.path.join(wd, "certs")
    ip, port = world.web_server
    L = ["user root;", "worker_processes 1;", "daemon off;",
         "pid %s;" % os.path.join(d, "nginx.pid"),
         "error_log %s info;" % os.path.join(d, "error.log"),
         "events { worker_connections 256; }",
         "http {",
         "  access_log %s;" % os.path.join(d, "access.log"),
         "  default_type text/plain;",
         "  types { }",
         "  server_tokens off;"]
    for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        L.append("  %s_temp_path %s;" % (t, os.path.join(d, "tmp", t)))
    first = True
    for host, web in sorted(world.webs.items()):
        cert = world.certs[web.cert]
        L += ["  server {",
              "    listen %s:%d ssl%s;" % (ip, port, " default_server" if first else "")]
        if world.tool_web:
            # the same host on the standard port, for tools that fetch https://HOST/ by name
            # (mta-sts-query: tests/integration/reference.py)
            L.append("    listen %s:%d ssl%s;" % (world.tool_web + (" default_server" if first else "",)))
        L += ["    server_name %s;" % host,
              "    ssl_certificate %s;" % os.path.join(certdir, cert.name + ".chain.pem"),
              "    ssl_certificate_key %s;" % os.path.join(certdir, "leaf-%s.key" % cert.key)]
        first = False
        if web.status in (301, 302, 303, 307, 308):
            L.append("    location = %s { return %d %s; }" % (POLICY_PATH, web.status, web.location))
        elif web.status != 200:
            L.append("    location = %s { return %d; }" % (POLICY_PATH, web.status))
        else:
            path = os.path.join(files, host + ".txt")
            if web.size:
                with open(path, "w") as f:
                    f.write(_oversized(web.size))
            else:
                shutil.copyfile(os.path.join(root, "data", "world", "mta-sts", web.body), path)
            L.append("    location = %s { default_type text/plain; alias %s; }" % (POLICY_PATH, path))
        L += ["    location / { return 404; }", "  }"]
    L.append("}")
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("\n".join(L) + "\n")
    return conf
