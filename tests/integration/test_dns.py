"""The DNS client and resolver on their own (tests/integration/dns_resolve.sh): the build's
resolve driver (BUILD/drivers/resolve_driver, made by make) against a private unbound, its
output compared with the expected results, including query counts that prove each name is
asked once."""
import os

from helpers import sh


def test_dns_resolve_stage(ctx):
    args = [os.path.join(ctx.root, "tests/integration/dns_resolve.sh"), "--build", ctx.build]
    r = sh(args, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "PASS: dns_resolve" in out, "exit %d:\n%s" % (r.returncode, out[-3000:])


def _syscalls(path):
    """strace -c's table: {syscall: calls}."""
    calls = {}
    for line in open(path):
        w = line.split()
        if len(w) >= 5 and w[0][0].isdigit() and not w[-1].startswith("-"):
            calls[w[-1]] = int(w[3])
    return calls


def test_dns_queries_and_replies_in_batches(ctx):
    """A burst of replies is read by recvmmsg, many datagrams a system call, not one recvmsg
    each, and the queries they let start leave by sendmmsg, many a call, not one sendmsg each:
    2,000 names (NXDOMAIN from the world's unbound), 256 in flight, under strace -c."""
    import tempfile
    d = tempfile.mkdtemp()
    try:
        names = os.path.join(d, "names.txt")
        with open(names, "w") as f:
            f.write("".join("n%d.batch.nxdomain.example\n" % i for i in range(2000)))
        trace = os.path.join(d, "strace.txt")
        r = sh(["strace", "-f", "-c", "-o", trace, "-e", "trace=recvmsg,recvmmsg,recvfrom,sendmsg,sendmmsg,sendto",
                os.path.join(ctx.build, "drivers/resolve_driver"), "--timeout", "2000",
                "--retries", "1", "--concurrency", "256", "--quiet", "--file", names,
                "%s:%s" % ctx.world.resolver], timeout=120,
               # LeakSanitizer cannot run under ptrace; test_dns_resolve_stage checks leaks
               env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
        assert r.returncode == 0, r.stdout + r.stderr
        assert "mx=2000 " in r.stdout and " timeouts=0" in r.stdout, r.stdout
        calls = _syscalls(trace)
        reads = calls.get("recvmsg", 0) + calls.get("recvmmsg", 0) + calls.get("recvfrom", 0)
        # one read per reply before; each recvmmsg takes what a burst left queued
        assert calls.get("recvmmsg", 0) > 0 and reads <= 1000, (calls, r.stdout)
        sends = calls.get("sendmsg", 0) + calls.get("sendmmsg", 0) + calls.get("sendto", 0)
        assert calls.get("sendmmsg", 0) > 0 and sends <= 1000, (calls, r.stdout)
    finally:
        import shutil
        shutil.rmtree(d)
