#!/bin/sh
# Integration test of dns.c + resolve.c against a private unbound on 127.54.0.1:5354.
#
# Starts unbound with local zones that hold every case (MX, implicit MX, null MX, CNAME chains
# and loops, an MX RRset too big for 512 octets so the answer is truncated and TCP takes over,
# targets without addresses, PTR with and without records, REFUSED, silently dropped queries,
# SERVFAIL), checks with drill that unbound serves what we expect, runs the build's resolve
# driver (DIR/drivers/resolve_driver from tests/integration/resolve_driver.c; make / make asan
# build it) and diffs its output with tests/integration/dns_resolve.expected.
#
# Network: everything stays on loopback. unbound answers from local data only: "." is
# refused, its root hints name a loopback address only, it may not query localhost, and it
# sends from 127.54.0.1, so it cannot reach anything even by mistake. The only PID killed is
# the unbound this script started.
#
# Usage: tests/integration/dns_resolve.sh [--build DIR] [--valgrind] [--keep]
#   DIR: build (default) or build/asan; --valgrind runs the driver under memcheck (plain build).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build
MODE=plain
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$(cd "$2" 2>/dev/null && pwd) || { echo "$0: no folder $2" >&2; exit 2; }
        shift ;;
    --valgrind) MODE=valgrind ;;
    --keep) KEEP=1 ;;
    *) echo "usage: $0 [--build DIR] [--valgrind] [--keep]" >&2; exit 2 ;;
    esac
    shift
done
DRIVER=$BUILD/drivers/resolve_driver
[ -x "$DRIVER" ] || { echo "$0: $DRIVER missing; run make (or make asan)" >&2; exit 2; }
IP=127.54.0.1
PORT=5354
TMP=$(mktemp -d /tmp/mxs-dns-it.XXXXXX)
UNBOUND_PID=

cleanup() {
    if [ -n "$UNBOUND_PID" ]; then
        kill "$UNBOUND_PID" 2>/dev/null || true
        wait "$UNBOUND_PID" 2>/dev/null || true
    fi
    if [ "$KEEP" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- unbound configuration -------------------------------------------------------------
cat >"$TMP/root.hints" <<HINTS
.                 3600000 NS a.root.invalid.
a.root.invalid.   3600000 A  127.54.0.9
HINTS

{
cat <<CONF
server:
    interface: $IP
    port: $PORT
    do-daemonize: no
    use-syslog: no
    logfile: ""
    verbosity: 1
    chroot: ""
    username: ""
    directory: "$TMP"
    pidfile: "$TMP/unbound.pid"
    root-hints: "$TMP/root.hints"
    do-not-query-localhost: yes
    outgoing-interface: $IP
    module-config: "iterator"
    do-ip6: no
    num-threads: 1
    so-reuseport: no
    access-control: 127.0.0.0/8 allow
    # No answers from any cache between runs of the driver: each run sees the same counts.
    msg-cache-size: 0
    rrset-cache-size: 0
    # SERVFAIL comes fast: nothing usable to ask for servfail.test.
    infra-host-ttl: 1

    local-zone: "." refuse
    local-zone: "servfail.test." transparent

    local-zone: "example." static
    local-data: "example. SOA ns.example. hostmaster.example. 1 3600 600 86400 60"

    # Two MX hosts, the first with A and AAAA.
    local-data: "plain.example. MX 20 mx2.plain.example."
    local-data: "plain.example. MX 10 mx1.plain.example."
    local-data: "mx1.plain.example. A 127.54.1.1"
    local-data: "mx1.plain.example. AAAA 2001:db8::1"
    local-data: "mx2.plain.example. A 127.54.1.2"

    # Three domains on one MX host (and one of them on mx1 too): one A query per host.
    local-data: "a.shared.example. MX 10 mx.shared.example."
    local-data: "b.shared.example. MX 10 mx.shared.example."
    local-data: "c.shared.example. MX 5 mx.shared.example."
    local-data: "c.shared.example. MX 10 mx1.plain.example."
    local-data: "mx.shared.example. A 127.54.1.3"

    # Mixed case and trailing dots in the data.
    local-data: "Mixed.Example. MX 10 MX1.Plain.EXAMPLE."

    # A CNAME chain to the MX RRset, and an MX target that is itself an alias.
    local-data: "alias.example. CNAME alias2.example."
    local-data: "alias2.example. CNAME real.example."
    local-data: "real.example. MX 10 mxalias.example."
    local-data: "mxalias.example. CNAME mx2.plain.example."

    # A CNAME loop.
    local-data: "loop1.example. CNAME loop2.example."
    local-data: "loop2.example. CNAME loop1.example."

    # RFC 7505 null MX.
    local-data: "nullmx.example. MX 0 ."

    # No MX: an implicit MX with an address; and a domain with neither MX nor address.
    local-data: "implicit.example. A 127.54.3.1"
    local-data: "nothing.example. TXT \"no mail here\""

    # MX targets without addresses: one that does not exist, one with no A record.
    local-data: "noaddr.example. MX 10 ghost.example."
    local-data: "noaddr.example. MX 20 txtonly.example."
    local-data: "txtonly.example. TXT \"no address\""

    # An MX target whose A query fails (SERVFAIL from the stub zone).
    local-data: "sfhost.example. MX 10 host.servfail.test."

    local-zone: "refused.example." always_refuse
    local-zone: "dropped.example." deny

    local-zone: "54.127.in-addr.arpa." static
    local-data-ptr: "127.54.1.1 mx1.plain.example."
    local-data-ptr: "127.54.1.3 MX.Shared.Example."
    # RFC 2317-style: the PTR lives behind a CNAME.
    local-data: "4.1.54.127.in-addr.arpa. CNAME 4.0-25.1.54.127.in-addr.arpa."
    local-data: "4.0-25.1.54.127.in-addr.arpa. PTR delegated.example."
    local-zone: "9.54.127.in-addr.arpa." always_refuse
CONF
# 40 MX records with long targets: well over 512 octets without EDNS, so TC is set.
i=1
while [ $i -le 40 ]; do
    n=$(printf %02d $i)
    echo "    local-data: \"big.example. MX $i mail-exchanger-number-$n.big-mx-set-for-truncation.example.\""
    echo "    local-data: \"mail-exchanger-number-$n.big-mx-set-for-truncation.example. A 127.54.2.$i\""
    i=$((i + 1))
done
cat <<CONF

stub-zone:
    name: "servfail.test."
    stub-addr: 127.54.0.1@5399
CONF
} >"$TMP/unbound.conf"

unbound-checkconf "$TMP/unbound.conf" >"$TMP/checkconf.log" 2>&1 ||
    { cat "$TMP/checkconf.log" >&2; fail "unbound-checkconf rejected the config"; }
# Something already answering there would be tested instead of our unbound.
if timeout 2 drill -Q @$IP -p $PORT plain.example MX >/dev/null 2>&1; then
    fail "$IP:$PORT already answers: another test run or server is using it"
fi
unbound -d -c "$TMP/unbound.conf" >"$TMP/unbound.log" 2>&1 &
UNBOUND_PID=$!

# Wait until it answers (at most ~5 s).
i=0
until drill -Q @$IP -p $PORT plain.example MX >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 50 ] || { cat "$TMP/unbound.log" >&2; fail "unbound did not come up"; }
    kill -0 "$UNBOUND_PID" 2>/dev/null || { cat "$TMP/unbound.log" >&2; fail "unbound died"; }
    sleep 0.1
done
kill -0 "$UNBOUND_PID" 2>/dev/null || { cat "$TMP/unbound.log" >&2; fail "unbound died"; }
echo "unbound up on $IP:$PORT (pid $UNBOUND_PID)"

# ---- what unbound serves (the expectations below rely on it) ---------------------------
D="drill @$IP -p $PORT"
check() { # check DESCRIPTION PATTERN DRILL-ARGS...
    desc=$1 pat=$2
    shift 2
    out=$(timeout 5 $D "$@" 2>&1) || true
    printf '%s\n' "$out" | grep -Eq "$pat" || { printf '%s\n' "$out" >&2; fail "drill $*: $desc"; }
}
S='[[:space:]]+'
check "two MX"                 "IN${S}MX${S}10 mx1\.plain\.example\."          plain.example MX
check "TC over UDP, no EDNS"   "flags: qr aa tc"                               -u big.example MX
check "TC over UDP, EDNS 1232" "flags: qr aa tc"                               -u -b 1232 big.example MX
check "40 MX over TCP"         "ANSWER: 40,"                                   -t big.example MX
check "CNAME only, no chase"   "ANSWER: 1,.*"                                  alias.example MX
check "CNAME only, no chase"   "IN${S}CNAME${S}alias2\.example\."              alias.example MX
check "MX target is an alias"  "IN${S}CNAME${S}mx2\.plain\.example\."          mxalias.example A
check "null MX"                "IN${S}MX${S}0 \.$"                             nullmx.example MX
check "no MX, NOERROR"         "rcode: NOERROR.*ANSWER: 0|ANSWER: 0,"          implicit.example MX
check "NXDOMAIN"               "rcode: NXDOMAIN"                               nope.example MX
check "REFUSED"                "rcode: REFUSED"                                refused.example MX
check "SERVFAIL"               "rcode: SERVFAIL"                               host.servfail.test A
check "SERVFAIL"               "rcode: SERVFAIL"                               servfail.test MX
check "PTR"                    "IN${S}PTR${S}mx1\.plain\.example\."            -x 127.54.1.1
check "PTR behind a CNAME"     "IN${S}CNAME${S}4\.0-25\.1\.54\.127"            -x 127.54.1.4
check "no PTR"                 "rcode: NXDOMAIN"                               -x 127.54.1.2
check "PTR refused"            "rcode: REFUSED"                                -x 127.54.9.1
if timeout 2 $D dropped.example MX >/dev/null 2>&1; then fail "dropped.example was answered"; fi
echo "drill: unbound serves the expected records"

RUN=
if [ "$MODE" = valgrind ]; then
    RUN="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=3"
fi

# ---- run it ----------------------------------------------------------------------------
SERVER="$IP:$PORT"
{
    echo "== run 1: UDP without EDNS, A and AAAA, 500 ms x 2 tries"
    # shellcheck disable=SC2086
    $RUN "$DRIVER" --aaaa --timeout 500 --retries 1 "$SERVER" \
        plain.example a.shared.example b.shared.example c.shared.example Mixed.Example \
        alias.example loop1.example nullmx.example implicit.example nothing.example \
        noaddr.example sfhost.example nope.example refused.example dropped.example \
        servfail.test big.example \
        ptr:127.54.1.1 ptr:127.54.1.2 ptr:127.54.1.4 ptr:127.54.1.1 ptr:127.54.9.1 ptr:::1 \
        ptr:not-an-ip \
        --then a.shared.example ptr:127.54.1.3 ptr:127.54.1.1
    echo "== run 2: EDNS0 (1232), A only"
    # shellcheck disable=SC2086
    $RUN "$DRIVER" --edns --timeout 500 --retries 1 "$SERVER" big.example implicit.example
} >"$TMP/actual" 2>"$TMP/stderr" || { cat "$TMP/actual" "$TMP/stderr" >&2; fail "driver exited non-zero"; }

if [ -s "$TMP/stderr" ]; then cat "$TMP/stderr" >&2; fail "driver wrote to stderr"; fi
diff -u "$ROOT/tests/integration/dns_resolve.expected" "$TMP/actual" >&2 ||
    fail "results differ from tests/integration/dns_resolve.expected (- expected, + actual)"
echo "PASS: dns_resolve ($DRIVER${RUN:+, valgrind})"
