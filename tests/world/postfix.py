"""The world's private Postfix instance: one master process, one smtpd service per
`server=postfix` endpoint of the world file (owned by the world harness, tests/world/world.py).

Where things live:
  RUN/            the runtime folder (MXS_WORLD_RUN, default /run/mxsurvey-world/<key of the world
                  dir>): everything Postfix's own account must reach, outside the checkout, because
                  a checkout under a mode-700 folder (root's home) is closed to that account.
    etc/          main.cf and master.cf (generated here; nothing is read from /etc/postfix)
    spool/        queue_directory;  data/  data_directory (owned by postfix)
    tls/          copies of the endpoints' keys and chains (smtpd_tls_chain_files)
    .mxsurvey-world  the marker naming the world dir; `down` removes only a marked folder
  WORLD/postfix/postfix.log   Postfix's log (maillog_file), kept after `down`

Python standard library only.
"""
import hashlib
import os
import pwd
import re
import shutil
import subprocess

import certs

RUN_ROOT = "/run/mxsurvey-world"
MARK = ".mxsurvey-world"

# The services of Debian's master.cf.dist that a receiving-only instance uses, chroot off (the
# instance does not live under /var/spool/postfix). The smtpd services are added per endpoint.
# service type private unpriv chroot wakeup maxproc command
SERVICES = """\
pickup     unix  n - n 60    1 pickup
cleanup    unix  n - n -     0 cleanup
qmgr       unix  n - n 300   1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n -     - trivial-rewrite
bounce     unix  - - n -     0 bounce
defer      unix  - - n -     0 bounce
trace      unix  - - n -     0 bounce
verify     unix  - - n -     1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -     - proxymap
proxywrite unix  - - n -     1 proxymap
smtp       unix  - - n -     - smtp
relay      unix  - - n -     - smtp
showq      unix  n - n -     - showq
error      unix  - - n -     - error
retry      unix  - - n -     - error
discard    unix  - - n -     - discard
local      unix  - n n -     - local
virtual    unix  - n n -     - virtual
lmtp       unix  - - n -     - lmtp
anvil      unix  - - n -     1 anvil
scache     unix  - - n -     1 scache
postlog    unix-dgram n - n - 1 postlogd
"""

# world-file TLS version -> Postfix protocol name
PROTO = {"1.0": "TLSv1", "1.1": "TLSv1.1", "1.2": "TLSv1.2", "1.3": "TLSv1.3"}


class PostfixError(RuntimeError):
    pass


def endpoints(world):
    return [ep for ep in world.endpoints if ep.server == "postfix"]


def runtime_dir(wd):
    """The runtime folder of the world in `wd`: MXS_WORLD_RUN, or one under /run keyed by the
    world dir, so two checkouts (or two world dirs) never share one."""
    env = os.environ.get("MXS_WORLD_RUN")
    if env:
        return os.path.abspath(env)
    return os.path.join(RUN_ROOT, hashlib.sha256(os.path.abspath(wd).encode()).hexdigest()[:16])


def log_path(wd):
    return os.path.join(wd, "postfix", "postfix.log")


def _marked_by(run):
    try:
        with open(os.path.join(run, MARK)) as f:
            return f.read().strip()
    except OSError:
        return None


def runtime_prepare(run, wd):
    """Makes an empty runtime folder for `wd` (a stale one of ours is removed first); refuses a
    folder that exists and is not ours."""
    if os.path.lexists(run):
        if os.path.islink(run) or not os.path.isdir(run):
            raise PostfixError("runtime folder %s exists and is not a folder" % run)
        if _marked_by(run) is None and os.listdir(run):
            raise PostfixError("runtime folder %s exists, is not empty and is no world's "
                               "(no %s in it); remove it or set MXS_WORLD_RUN" % (run, MARK))
        shutil.rmtree(run)
    os.makedirs(os.path.dirname(run), mode=0o755, exist_ok=True)
    os.mkdir(run, 0o755)
    os.chmod(run, 0o755)  # whatever the umask: the postfix account must enter it
    with open(os.path.join(run, MARK), "w") as f:
        f.write(os.path.abspath(wd) + "\n")


def runtime_remove(run, wd):
    """Removes the runtime folder if it is the one `wd` made; True when it is gone."""
    if not os.path.lexists(run):
        return True
    if _marked_by(run) != os.path.abspath(wd):
        return False
    shutil.rmtree(run, ignore_errors=True)
    return not os.path.lexists(run)


def _protocols(ep):
    """smtpd_tls_protocols for the endpoint's tls_min/tls_max, or None (Postfix's default)."""
    spec = []
    if "tls_min" in ep.opts:
        spec.append(">=" + PROTO[ep.opts["tls_min"]])
    if "tls_max" in ep.opts:
        spec.append("<=" + PROTO[ep.opts["tls_max"]])
    return ",".join(spec) or None


def service_options(ep, tls_dir, world):
    """The `-o` overrides of one endpoint's smtpd service, in order: its names, its keys and
    chains, its TLS versions, then the world file's postfix.PARAMETER=VALUE settings."""
    chain = []
    for name in ep.certs:
        p = certs.paths(tls_dir, world.certs[name])
        chain += [p["key"], p["chain"]]  # each key directly before its chain (postconf(5))
    o = [("myhostname", ep.banner), ("smtpd_tls_chain_files", ",".join(chain))]
    proto = _protocols(ep)
    if proto:
        o += [("smtpd_tls_protocols", proto), ("smtpd_tls_mandatory_protocols", proto)]
    return o + sorted(ep.postfix.items())


def master_cf(world, tls_dir):
    out = ["# generated by tests/world/postfix.py from the world file; do not edit",
           "# service type private unpriv chroot wakeup maxproc command"]
    for ep in endpoints(world):
        addr = "[%s]" % ep.ip if ":" in ep.ip else ep.ip
        out.append("%s:%d inet n - n - - smtpd" % (addr, world.smtp_port))
        out += ["  -o %s=%s" % kv for kv in service_options(ep, tls_dir, world)]
    out += SERVICES.splitlines()
    return "\n".join(out) + "\n"


def main_cf(world, run, wd):
    eps = endpoints(world)
    fams = {":" in ep.ip for ep in eps}
    log = log_path(wd)
    return {
        "compatibility_level": "3.6",
        "queue_directory": os.path.join(run, "spool"),
        "data_directory": os.path.join(run, "data"),
        "mail_owner": "postfix",
        "setgid_group": "postdrop",
        # Each smtpd service sets its own myhostname (banner, EHLO); this one is for the rest.
        "myhostname": eps[0].banner,
        "mydomain": eps[0].banner.split(".", 1)[-1],
        "myorigin": "$myhostname",
        "mydestination": "",
        # Postfix only accepts interface addresses here (127.0.0.1 on lo); the listeners are
        # bound to the endpoint addresses by their master.cf service names instead.
        "inet_interfaces": "loopback-only",
        "inet_protocols": "all" if len(fams) > 1 else ("ipv6" if True in fams else "ipv4"),
        "smtpd_banner": "$myhostname ESMTP Postfix",
        "smtpd_tls_security_level": "may",
        "smtpd_tls_loglevel": "1",
        "smtpd_relay_restrictions": "reject",
        "smtpd_recipient_restrictions": "reject",
        "alias_maps": "",
        "alias_database": "",
        "local_recipient_maps": "",
        "biff": "no",
        "maillog_file": log,
        "maillog_file_prefixes": os.path.dirname(log),
        "import_environment": "MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C",
        "smtpd_client_connection_rate_limit": "0",
    }


def setup(world, wd, run):
    """Writes the instance for the world's Postfix endpoints into `run` (made anew); returns
    its config dir, or None when the world has no Postfix endpoint."""
    eps = endpoints(world)
    if not eps:
        return None
    logdir = os.path.dirname(log_path(wd))
    # maillog_file_prefixes is a list split at white space: such a path cannot be named in it.
    if any(c.isspace() for c in logdir):
        raise PostfixError("the world dir %s holds white space, which Postfix's maillog_file_prefixes "
                           "cannot express; use another MXS_WORLD_DIR" % wd)
    runtime_prepare(run, wd)
    etc, tls = os.path.join(run, "etc"), os.path.join(run, "tls")
    for d in (etc, tls, os.path.join(run, "spool"), os.path.join(run, "data"), logdir):
        os.makedirs(d, exist_ok=True)
    os.chown(os.path.join(run, "data"), _uid("postfix"), -1)
    # Copies, so no Postfix process ever needs to enter the world dir; keys stay root's only.
    src = os.path.join(wd, "certs")
    for ep in eps:
        for name in ep.certs:
            for kind, path in certs.paths(src, world.certs[name]).items():
                dst = os.path.join(tls, os.path.basename(path))
                shutil.copyfile(path, dst)
                os.chmod(dst, 0o600 if kind == "key" else 0o644)
    with open(os.path.join(etc, "main.cf"), "w") as f:
        f.write("# generated by tests/world/postfix.py; a private instance for the test world\n")
        for k, v in main_cf(world, run, wd).items():
            f.write("%s = %s\n" % (k, v))
    with open(os.path.join(etc, "master.cf"), "w") as f:
        f.write(master_cf(world, tls))
    return etc


def _uid(user):
    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        raise PostfixError("user %r does not exist: is postfix installed? (scripts/install-deps.sh)" % user)


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def start(etc, log):
    """`postfix start` for the instance in `etc`. On failure raises PostfixError with Postfix's
    own reason: the fatal/error lines it logged to `log` during this start (it says nothing on
    stdout or stderr unless they are a terminal), else what `postfix check` prints."""
    before = _size(log)
    r = subprocess.run(["postfix", "-c", etc, "start"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, start_new_session=True)
    if r.returncode == 0:
        return
    raise PostfixError("postfix start failed (exit %d): %s" % (r.returncode, failure_reason(etc, log, before, r)))


def failure_reason(etc, log, since, result):
    lines = []
    try:
        with open(log, "rb") as f:
            f.seek(since)
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        pass
    bad = [l for l in lines if any(w in l for w in ("fatal:", "error:", "panic:"))]
    # Drop postfix-script's closing "fatal: mail system startup failed" when a cause precedes it.
    causes = [l for l in bad if "mail system startup failed" not in l] or bad
    # "Dec 05 20:58:17 HOST postfix/master[20024]: fatal: ..." -> "postfix/master: fatal: ..."
    why = [re.sub(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ (\S+?)(\[\d+\])?:", r"\1:", l) for l in causes]
    out = "; ".join(why) or (result.stderr + result.stdout).strip()
    if not out:
        # Postfix writes to stderr only when it is a terminal: run its check under script(1).
        chk = subprocess.run(["script", "-qc", "postfix -c %s check" % etc, "/dev/null"],
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)
        out = chk.stdout.strip()
    if not out:
        out = "Postfix gave no reason on stdout, stderr or in %s (nor in `postfix check`)" % log
    if "Permission denied" in out:
        out += " (the postfix account must be able to enter every folder above %s)" % os.path.dirname(etc)
    return out


def client_config(folder):
    """A main.cf for Postfix's client tools (posttls-finger) in `folder`, written once and used
    through MAIL_CONFIG, so the tests never depend on /etc/postfix/main.cf (a Debian install with
    "No configuration" has none) and get the same settings everywhere."""
    path = os.path.join(folder, "main.cf")
    text = ("# generated by tests/world/postfix.py: the reference tools' own Postfix settings\n"
            # 3.6 defaults, among them sha256 fingerprints; stated anyway, the tests read them
            "compatibility_level = 3.6\n"
            "smtp_tls_fingerprint_digest = sha256\n"
            # The EHLO name posttls-finger sends: fully qualified, as RFC 5321 wants
            "myhostname = posttls-finger.mxsurvey.test\n"
            "mydomain = mxsurvey.test\n")
    try:
        with open(path) as f:
            if f.read() == text:
                return folder
    except OSError:
        pass
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".%d.tmp" % os.getpid()
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    return folder
