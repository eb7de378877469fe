"""The DNS client and resolver on their own (tests/integration/dns_resolve.sh): the build's
resolve driver (BUILD/drivers/resolve_driver, made by make) against a private unbound, its
output compared with the expected results, including query counts that prove each name is
asked once."""
import os
import re

from helpers import sh


def test_dns_resolve_stage(ctx):
    args = [os.path.join(ctx.root, "tests/integration/dns_resolve.sh"), "--build", ctx.build]
    r = sh(args, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "PASS: dns_resolve" in out, "exit %d:\n%s" % (r.returncode, out[-3000:])


def _syscalls(path):
    """strace's trace: {syscall: [return value of each call]}."""
    calls = {}
    for line in open(path):
        m = re.search(r"\b(\w+)\(.*\) += (-?\d+)", line)
        if m:
            calls.setdefault(m.group(1), []).append(int(m.group(2)))
    return calls


def test_dns_queries_and_replies_in_batches(ctx):
    """A burst of replies is read by recvmmsg, many datagrams a system call, not one recvmsg
    each, and the queries they let start leave by sendmmsg, many a call, not one sendmsg each:
    2,000 names (NXDOMAIN from the world's unbound), 256 in flight, under strace. How many
    datagrams a call carries depends on timing (a loaded machine spreads the replies out), so
    the test asks that no datagram went by sendmsg or recvmsg, and that some calls carried
    several."""
    import tempfile
    d = tempfile.mkdtemp()
    try:
        names = os.path.join(d, "names.txt")
        with open(names, "w") as f:
            f.write("".join("n%d.batch.nxdomain.example\n" % i for i in range(2000)))
        trace = os.path.join(d, "strace.txt")
        r = sh(["strace", "-f", "-o", trace, "-e", "trace=recvmsg,recvmmsg,recvfrom,sendmsg,sendmmsg,sendto",
                os.path.join(ctx.build, "drivers/resolve_driver"), "--timeout", "2000",
                "--retries", "1", "--concurrency", "256", "--quiet", "--file", names,
                "%s:%s" % ctx.world.resolver], timeout=120,
               # LeakSanitizer cannot run under ptrace; test_dns_resolve_stage checks leaks
               env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
        assert r.returncode == 0, r.stdout + r.stderr
        assert "mx=2000 " in r.stdout and " timeouts=0" in r.stdout, r.stdout
        calls = _syscalls(trace)
        summary = {k: (len(v), max(v)) for k, v in calls.items()}
        single = [k for k in ("recvmsg", "recvfrom", "sendmsg", "sendto") if k in calls]
        assert not single, summary
        # the first 256 queries leave together (32 a socket); replies queued together are read together
        assert sum(calls.get("sendmmsg", [])) == 2000 and max(calls["sendmmsg"]) >= 2, summary
        got = [n for n in calls.get("recvmmsg", []) if n > 0]
        assert sum(got) == 2000 and max(got) >= 2, summary
    finally:
        import shutil
        shutil.rmtree(d)
