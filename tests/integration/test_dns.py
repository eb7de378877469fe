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


def _drill_do(ctx, name, rtype, cd=False):
    """drill with the DO bit (-D; a validating resolver says AD only to a client that asks),
    and with cd the CD bit: the world's own account of a name, to hold the driver to."""
    from helpers import DrillAnswer
    ip, port = ctx.world.resolver
    args = ["drill", "-D", "-p", str(port)] + (["-o", "CD"] if cd else []) + ["@" + ip, name, rtype]
    r = sh(args, timeout=10)
    return DrillAnswer(r.stdout)


def _blocks(out):
    """The driver's output: {item: [its lines]}, the counters lines left out."""
    blocks, cur = {}, None
    for line in out.splitlines():
        if line.startswith("domain "):
            cur = blocks.setdefault(line.split()[1], [])
        if cur is not None and not line.startswith("phase "):
            cur.append(line.strip())
    return blocks


def test_dns_resolve_dnssec(ctx):
    """resolve_opts.dnssec against the world's validating resolver (data/world/world.conf's
    DNSSEC and MTA-STS parts): the DNSSEC state of the MX RRset and of each host's addresses,
    TLSA asked only for a host whose addresses are secure, the bogus MX found by the CD retry,
    the MTA-STS and TLSRPT TXT records; each expectation confirmed with drill first."""
    port = ctx.world.smtp_port
    want_ad = {  # (name, type): AD bit (None: SERVFAIL, but answered with CD)
        ("ee.dnssec.example", "MX"): True, ("mx.ee.dnssec.example", "A"): True,
        ("_%d._tcp.mx.ee.dnssec.example" % port, "TLSA"): True,
        ("mixed.dnssec.example", "MX"): True, ("mx.insecure.dnssec.example", "A"): False,
        ("insec.insecure.dnssec.example", "MX"): False,
        ("bogus.dnssec.example", "MX"): None,
        ("exact.example", "MX"): False, ("_mta-sts.exact.example", "TXT"): False,
    }
    for (name, rtype), ad in want_ad.items():
        a = _drill_do(ctx, name, rtype)
        if ad is None:
            assert a.rcode == "SERVFAIL", (name, a.text)
            cd = _drill_do(ctx, name, rtype, cd=True)
            assert cd.rcode == "NOERROR" and cd.rdata(rtype), (name, cd.text)
        else:
            assert a.rcode == "NOERROR" and ("ad" in a.flags) == ad, (name, rtype, a.text)
    tlsa = _drill_do(ctx, "_%d._tcp.mx.ee.dnssec.example" % port, "TLSA").rdata("TLSA")
    assert len(tlsa) == 1 and tlsa[0].startswith("3 1 1 "), tlsa
    tlsa_want = "tlsa " + " ".join(tlsa[0].split()[:3]) + " " + "".join(tlsa[0].split()[3:]).lower()
    sts = _drill_do(ctx, "_mta-sts.exact.example", "TXT").rdata("TXT")
    assert sts == ['"v=STSv1; id=20261201T000000;"'], sts
    partial = _drill_do(ctx, "_mta-sts.partial.example", "TXT").rdata("TXT")
    assert sorted(partial) == ['"v=STSv1; id=1;"', '"v=STSv1; id=2;"'], partial

    domains = ["ee.dnssec.example", "mixed.dnssec.example", "insec.insecure.dnssec.example",
               "bogus.dnssec.example", "exact.example", "partial.example"]
    r = sh([os.path.join(ctx.build, "drivers/resolve_driver"), "--dnssec", "--tlsa-port", str(port),
            "--timeout", "2000", "%s:%s" % ctx.world.resolver, *domains], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    b = _blocks(r.stdout)
    ee = b["ee.dnssec.example"]
    assert ee[:4] == ["domain ee.dnssec.example ok", "mx 10 mx.ee.dnssec.example 127.10.0.50",
                      "addresses: secure",
                      "tlsa: ok secure _%d._tcp.mx.ee.dnssec.example" % port], ee
    assert ee[4] == tlsa_want and "dnssec mx: secure" in ee, (ee, tlsa_want)
    mixed = b["mixed.dnssec.example"]
    assert "dnssec mx: secure" in mixed and mixed[2:4] == ["addresses: insecure", "tlsa: not-asked"], mixed
    insec = b["insec.insecure.dnssec.example"]
    assert "dnssec mx: insecure" in insec and "tlsa: not-asked" in insec, insec
    bogus = b["bogus.dnssec.example"]
    assert bogus[0] == "domain bogus.dnssec.example dns-error (MX query: SERVFAIL (DNSSEC bogus))", bogus
    assert "dnssec mx: bogus" in bogus, bogus
    exact = b["exact.example"]
    i = exact.index("sts: ok insecure _mta-sts.exact.example")
    assert exact[i + 1] == 'txt "v=STSv1; id=20261201T000000;"', exact
    i = exact.index("tlsrpt: ok insecure _smtp._tls.exact.example")
    assert exact[i + 1] == 'txt "v=TLSRPTv1; rua=mailto:tlsrpt@exact.example"', exact
    part = b["partial.example"]
    i = part.index("sts: ok insecure _mta-sts.partial.example")
    assert sorted(part[i + 1:i + 3]) == ['txt "v=STSv1; id=1;"', 'txt "v=STSv1; id=2;"'], part
    # TXT for each domain, TLSA for the one secure host, CD for the bogus MX and its two TXT
    assert "; txt=12 tlsa=1 cd=3" in r.stdout, r.stdout
