#!/bin/sh
# Probe stage against the fixture SMTP server: runs the build's probe driver
# (DIR/drivers/probe_driver from tests/integration/probe_driver.c; make / make asan build it),
# starts build/mxsurvey-fixture on 127.65.x.y:2525 with one listener per case, probes them and asserts the outcomes; the OK case
# is compared with openssl s_client. Cases the fixture cannot produce (malformed replies,
# resets, injection after STARTTLS, plaintext instead of TLS, TLS 1.3 only, IPv6 on ::1 with a
# kernel-chosen port) come from tests/integration/hostile_smtp.py on 127.65.3.x. Ends with "probe: N passed, N failed"; exit 0 if all passed.
#
#   tests/integration/probe.sh [--build DIR]      (DIR: build or build/asan; default build)
#   FIXTURE=/path/to/mxsurvey-fixture tests/integration/probe.sh   (another fixture binary)
set -eu
cd "$(dirname "$0")/../.."

BUILD=build
while [ $# -gt 0 ]; do
    case $1 in
    --build) BUILD=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR]" >&2; exit 2 ;;
    esac
done
FIXTURE=${FIXTURE:-$BUILD/mxsurvey-fixture}
[ -x "$FIXTURE" ] || FIXTURE=build/mxsurvey-fixture
if [ ! -x "$FIXTURE" ]; then
    echo "probe.sh: no fixture binary ($BUILD/mxsurvey-fixture); run make first" >&2
    exit 2
fi
DRIVER=$BUILD/drivers/probe_driver
[ -x "$DRIVER" ] || { echo "probe.sh: $DRIVER missing; run make (or make asan)" >&2; exit 2; }

tmp=$(mktemp -d)
fixture_pid=
hostile_pid=
cleanup() {
    for pid in $fixture_pid $hostile_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT INT TERM

# A sanitized driver (build/asan) fails on its first report, leaks included.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0

# ---- certificates: a CA, an RSA leaf with SANs, a self-signed EC leaf ----
(
    cd "$tmp"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
        -subj "/O=probe test/CN=Probe Test CA" -days 3650 -out ca.pem
    openssl req -new -newkey rsa:2048 -nodes -keyout leaf.key -subj "/CN=mx.probe.test" \
        -out leaf.csr
    printf 'subjectAltName=DNS:mx.probe.test,DNS:*.probe.test,DNS:mx.other.test\n' >ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile ext -out leaf.pem
    cat leaf.pem ca.pem >chain.pem
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key \
        -subj "/CN=ec.probe.test" -days 3650 -out ec.pem
    openssl req -x509 -newkey rsa:1024 -nodes -keyout old.key -subj "/CN=old.probe.test" \
        -days 3650 -sha1 -out old.pem
    # A chain over 16 KB: a leaf with 400 long SAN names (about 27 KB of DER) + the CA.
    i=0 sans="DNS:big.probe.test"
    while [ $i -lt 400 ]; do
        sans="$sans,DNS:name-$i.a-long-label-to-make-the-certificate-big.big.probe.test"
        i=$((i + 1))
    done
    printf 'subjectAltName=%s\n' "$sans" >bigext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile bigext -out big.pem
    cat big.pem ca.pem >bigchain.pem
) 2>/dev/null

# ---- the fixture: one listener per case ----
T=$tmp
tls="cert=$T/chain.pem key=$T/leaf.key"
{
    echo "listen 127.65.1.1 2525 $tls banner=mx.probe.test ehlo=ehlo.probe.test"
    echo "listen 127.65.1.2 2525 starttls=no banner=plain.probe.test"
    echo "listen 127.65.1.3 2525 $tls starttls_reply=454"
    echo "listen 127.65.1.4 2525 $tls starttls_reply=554"
    echo "listen 127.65.1.5 2525 greeting=554 banner=nope.probe.test"
    echo "listen 127.65.1.6 2525 greeting=421 banner=busy.probe.test"
    echo "listen 127.65.1.7 2525 $tls ehlo_code=550"
    echo "listen 127.65.1.8 2525 $tls close_after_starttls=yes"
    echo "listen 127.65.1.9 2525 $tls greeting_lines=4 delay_ms=250 banner=slow.probe.test"
    echo "listen 127.65.1.10 2525 $tls tls_min=1.0 tls_max=1.0"
    echo "listen 127.65.1.11 2525 $tls tls_min=1.1 tls_max=1.1"
    echo "listen 127.65.1.12 2525 cert=$T/ec.pem key=$T/ec.key"
    echo "listen 127.65.1.13 2525 $tls stall_after_starttls=yes"
    echo "listen 127.65.1.14 2525 silent=yes"
    echo "listen 127.65.1.15 2525 cert=$T/old.pem key=$T/old.key tls_max=1.0"
    i=1
    while [ $i -le 200 ]; do
        echo "listen 127.65.2.$i 2525 silent=yes"
        i=$((i + 1))
    done
} >"$tmp/fixture.conf"
"$FIXTURE" -c "$tmp/fixture.conf" -p "$tmp/fixture.pid" -l "$tmp/fixture.log" -q &
fixture_pid=$!
n=0
while [ ! -s "$tmp/fixture.pid" ]; do
    n=$((n + 1))
    if [ $n -gt 100 ] || ! kill -0 "$fixture_pid" 2>/dev/null; then
        echo "probe.sh: the fixture did not start" >&2
        exit 1
    fi
    sleep 0.05
done

python3 tests/integration/hostile_smtp.py "$tmp/leaf.pem" "$tmp/leaf.key" "$tmp/hostile.port" \
    "$tmp/bigchain.pem" "$tmp/leaf.key" 2>"$tmp/hostile.err" &
hostile_pid=$!
n=0
while [ ! -s "$tmp/hostile.port" ]; do
    n=$((n + 1))
    if [ $n -gt 100 ] || ! kill -0 "$hostile_pid" 2>/dev/null; then
        echo "probe.sh: hostile_smtp.py did not start" >&2
        cat "$tmp/hostile.err" >&2
        exit 1
    fi
    sleep 0.05
done
v6port=$(cat "$tmp/hostile.port")

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
    fail=$((fail + 1))
    echo "FAIL $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | cut -c1-2000 | sed 's/^/     /'
    return 0
}

# run NAME DRIVER-ARGS...: runs the driver, keeps its output in $tmp/NAME.jsonl.
run() {
    name=$1
    shift
    if "$DRIVER" "$@" >"$tmp/$name.jsonl" 2>"$tmp/$name.err"; then
        ok "driver run '$name': one callback per probe, no handle left, sanitizers quiet"
    else
        bad "driver run '$name' exited $?" "$(cat "$tmp/$name.err")"
    fi
}

# expect DESCRIPTION ENDPOINT CONDITION: the result for ENDPOINT satisfies CONDITION, a Python
# expression over the record r (tests/integration/jcheck.py).
jcheck() { python3 tests/integration/jcheck.py "$@"; }
expect() {
    if why=$(jcheck check "$tmp/$cur.jsonl" "$2" "$3"); then
        ok "$1"
    else
        bad "$1" "$why"
    fi
}

# ---- the usual outcomes, probed concurrently ----
E1=mx.probe.test,127.65.1.1,2525
cur=main
run main -t 5000 -q 1000 \
    $E1 plain.probe.test,127.65.1.2,2525 x,127.65.1.3,2525 x,127.65.1.4,2525 \
    x,127.65.1.5,2525 x,127.65.1.6,2525 x,127.65.1.7,2525 x,127.65.1.8,2525 \
    slow.probe.test,127.65.1.9,2525 old.probe.test,127.65.1.10,2525 x,127.65.1.11,2525 \
    ec.probe.test,127.65.1.12,2525 x,127.65.9.9,2525 x,not-an-ip,2525 x,127.65.1.1,0 \
    old.probe.test,127.65.1.15,2525

expect "ok: status, TLS 1.2, banner and EHLO host" $E1 \
    'r.status == "ok" and r.error is None and r.tls_version == "TLSv1.2" and r.smtp_code == 220
     and r.banner_host == "mx.probe.test" and r.ehlo_host == "ehlo.probe.test"'
expect "ok: leaf and CA in the chain, with their fields" $E1 \
    'len(r.chain) == 2 and r.chain[0].subject_cn == "mx.probe.test"
     and r.chain[0].san_dns == ["mx.probe.test", "*.probe.test", "mx.other.test"]
     and r.chain[0].issuer == "O=probe test, CN=Probe Test CA" and r.chain[0].key_type == "RSA"
     and r.chain[0].key_bits == 2048 and not r.chain[0].self_signed
     and r.chain[1].subject_cn == "Probe Test CA" and r.chain[1].key_type == "EC"
     and r.chain[1].self_signed and r.chain[1].sig_alg == "ECDSA-SHA256"'
expect "ok: QUIT sent over TLS and 221 received" $E1 \
    'r.transcript[-2:] == ["C: QUIT", "S: 221 2.0.0 Bye"]'

# The same endpoint through openssl s_client: the same chain (by SHA-256), the same version,
# and our IANA cipher name is the suite OpenSSL negotiates when offered only that suite.
openssl s_client -starttls smtp -connect 127.65.1.1:2525 -servername mx.probe.test \
    -showcerts </dev/null >"$tmp/sclient.txt" 2>/dev/null || true
awk -v dir="$tmp" '/-----BEGIN CERTIFICATE-----/ { n++; f = dir "/sc" n ".pem" }
     f { print > f } /-----END CERTIFICATE-----/ { f = "" }' "$tmp/sclient.txt"
want=""
for f in "$tmp"/sc*.pem; do
    [ -f "$f" ] || continue
    fp=$(openssl x509 -in "$f" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
    want="$want\"$fp\","
done
expect "ok: chain SHA-256s equal openssl s_client -showcerts" $E1 \
    "[c.sha256 for c in r.chain] == [${want%,}]"
sc_proto=$(sed -n 's/^ *Protocol *: *//p' "$tmp/sclient.txt" | head -1)
expect "ok: version equals s_client's ($sc_proto)" $E1 "r.tls_version == '$sc_proto'"
our_cipher=$(jcheck value "$tmp/main.jsonl" $E1 r.tls_cipher)
ossl_name=$(openssl ciphers -stdname 'ALL:@SECLEVEL=0' | awk -v c="$our_cipher" '$1 == c { print $3 }')
sc_cipher=
if [ -n "$ossl_name" ]; then
    sc_cipher=$(openssl s_client -starttls smtp -connect 127.65.1.1:2525 -tls1_2 \
        -cipher "$ossl_name" </dev/null 2>/dev/null | sed -n 's/.*Cipher is //p' | head -1)
fi
if [ -n "$ossl_name" ] && [ "$sc_cipher" = "$ossl_name" ]; then
    ok "ok: cipher $our_cipher is OpenSSL's $ossl_name, accepted by the server"
else
    bad "ok: cipher $our_cipher (OpenSSL name '$ossl_name', s_client got '$sc_cipher')"
fi
leaf_subject=$(openssl x509 -in "$tmp/sc1.pem" -noout -subject -nameopt RFC2253 2>/dev/null |
    sed 's/^subject=//')
expect "ok: leaf subject equals s_client's ($leaf_subject)" $E1 \
    "r.chain[0].subject == '$leaf_subject'"

expect "no-starttls" plain.probe.test,127.65.1.2,2525 \
    'r.status == "no-starttls" and not r.temporary and r.banner_host == "plain.probe.test"
     and r.chain == [] and r.transcript[-1] == "S: 221 2.0.0 Bye"'
expect "starttls-refused 454 is temporary" x,127.65.1.3,2525 \
    'r.status == "starttls-refused" and r.smtp_code == 454 and r.temporary'
expect "starttls-refused 554 is not temporary" x,127.65.1.4,2525 \
    'r.status == "starttls-refused" and r.smtp_code == 554 and not r.temporary'
expect "smtp-error on a 554 greeting (QUIT still sent)" x,127.65.1.5,2525 \
    'r.status == "smtp-error" and r.smtp_code == 554 and not r.temporary
     and r.banner_host == "nope.probe.test" and r.error.startswith("greeting refused")
     and "C: QUIT" in r.transcript'
expect "smtp-error on a 421 greeting is temporary" x,127.65.1.6,2525 \
    'r.status == "smtp-error" and r.smtp_code == 421 and r.temporary'
expect "smtp-error when EHLO is refused (no HELO fallback)" x,127.65.1.7,2525 \
    'r.status == "smtp-error" and r.smtp_code == 550 and r.error.startswith("EHLO refused")'
expect "tls-failed when the server closes after 220" x,127.65.1.8,2525 \
    'r.status == "tls-failed" and "closed" in r.error'
expect "multi-line greeting with delays: no early talk, then ok" slow.probe.test,127.65.1.9,2525 \
    'r.status == "ok" and r.elapsed_ms >= 900
     and len([l for l in r.transcript if l.startswith("S: 220") and "slow.probe.test" in l]) == 4
     and r.transcript.index("C: EHLO probe-driver.invalid")
         == r.transcript.index("S: 220 slow.probe.test ESMTP mxsurvey-fixture") + 1'
expect "TLS 1.0 only server" old.probe.test,127.65.1.10,2525 \
    'r.status == "ok" and r.tls_version == "TLSv1.0" and len(r.chain) == 2'
expect "TLS 1.1 only server" x,127.65.1.11,2525 \
    'r.status == "ok" and r.tls_version == "TLSv1.1"'
expect "self-signed EC P-256 leaf" ec.probe.test,127.65.1.12,2525 \
    'r.status == "ok" and len(r.chain) == 1 and r.chain[0].key_type == "EC"
     and r.chain[0].key_bits == 256 and r.chain[0].self_signed
     and r.chain[0].subject_cn == "ec.probe.test" and r.chain[0].san_dns == []'
expect "RSA 1024 / SHA-1 self-signed leaf over TLS 1.0 is recorded, not refused" \
    old.probe.test,127.65.1.15,2525 \
    'r.status == "ok" and r.tls_version == "TLSv1.0" and r.chain[0].key_bits == 1024
     and r.chain[0].sig_alg == "RSA-SHA1" and r.chain[0].self_signed'
expect "connect-failed on a closed port" x,127.65.9.9,2525 \
    'r.status == "connect-failed" and "refused" in r.error'
expect "connect-failed on a bad address" x,not-an-ip,2525 \
    'r.status == "connect-failed" and "invalid IP" in r.error'
expect "connect-failed on port 0" x,127.65.1.1,0 'r.status == "connect-failed"'
if grep -q "early talk" "$tmp/fixture.log"; then
    bad "the fixture saw early talk" "$(grep "early talk" "$tmp/fixture.log")"
else
    ok "the fixture saw no early talk"
fi

s_proto=$(openssl s_client -starttls smtp -connect 127.65.1.10:2525 -tls1 \
    -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>/dev/null | sed -n 's/^ *Protocol *: *//p' | head -1)
if [ "$s_proto" = "TLSv1" ]; then
    ok "TLS 1.0 endpoint: s_client agrees (TLSv1)"
else
    bad "TLS 1.0 endpoint: s_client says '$s_proto'"
fi

# ---- certificate-only mode ----
cur=cert
run cert -c -t 5000 $E1 x,127.65.1.10,2525
expect "stop_after_certificate: cert-seen with the chain, no session (no version, no cipher)" $E1 \
    'r.status == "cert-seen" and r.error is None and len(r.chain) == 2
     and r.chain[0].subject_cn == "mx.probe.test" and r.tls_version is None and r.tls_cipher is None
     and r.tls_alert == -1 and "C: QUIT" not in r.transcript
     and any("ServerHello TLSv1.2" in l for l in r.transcript)'
expect "stop_after_certificate on TLS 1.0" x,127.65.1.10,2525 \
    'r.status == "cert-seen" and len(r.chain) == 2 and r.tls_version is None
     and any("ServerHello TLSv1.0" in l for l in r.transcript)'

# ---- timeouts ----
cur=timeouts
run timeouts -t 1000 x,127.65.1.14,2525 x,127.65.1.13,2525
expect "timeout on a silent server names the phase" x,127.65.1.14,2525 \
    'r.status == "timeout" and r.error == "timeout in greeting" and 950 <= r.elapsed_ms < 2000'
expect "timeout when the server stalls the handshake" x,127.65.1.13,2525 \
    'r.status == "timeout" and r.error == "timeout in tls-handshake"'

# Greeting lines each within the timeout, the whole greeting not: the budget is per phase.
cur=slowloris
run slowloris -t 600 x,127.65.1.9,2525
expect "a greeting trickling in for longer than timeout_ms times out" x,127.65.1.9,2525 \
    'r.status == "timeout" and r.error == "timeout in greeting" and r.elapsed_ms < 1000'

cur=many
set --
i=1
while [ $i -le 200 ]; do
    set -- "$@" "x,127.65.2.$i,2525"
    i=$((i + 1))
done
start=$(date +%s%N)
run many -t 1000 "$@"
elapsed=$((($(date +%s%N) - start) / 1000000))
count=$(jcheck count "$tmp/many.jsonl" \
    'r.status == "timeout" and r.error == "timeout in greeting"')
if [ "$count" -eq 200 ] && [ "$elapsed" -lt 3000 ]; then
    ok "200 silent servers probed concurrently: 200 timeouts in $elapsed ms (timeout 1000 ms)"
else
    bad "200 silent servers: $count timeouts in $elapsed ms"
fi

cur=abort
run abort -t 10000 -A 300 x,127.65.1.14,2525 x,127.65.2.1,2525
expect "probe_abort: one callback, status timeout, aborted" x,127.65.1.14,2525 \
    'r.status == "timeout" and r.error == "aborted in greeting" and r.elapsed_ms < 2000'

# ---- misbehaving servers (hostile_smtp.py) ----
cur=hostile
run hostile -t 3000 -q 500 x,127.65.3.1,2525 x,127.65.3.2,2525 127.65.3.3,127.65.3.3,2525 \
    x,127.65.3.4,2525 x,127.65.3.5,2525 x,127.65.3.6,2525 x,127.65.3.7,2525 \
    x,127.65.3.8,2525 x,127.65.3.9,2525 x,127.65.3.10,2525 "V6.Probe.Test.,::1,$v6port" \
    big.probe.test,127.65.3.11,2525 x,127.65.3.12,2525 x,127.65.3.13,2525
expect "smtp-error on a greeting without a code" x,127.65.3.1,2525 \
    'r.status == "smtp-error" and r.error.startswith("malformed reply in greeting")'
expect "smtp-error when the server closes after EHLO" x,127.65.3.2,2525 \
    'r.status == "smtp-error" and r.error == "connection closed by server in ehlo"
     and r.banner_host == "hostile.test"'
expect "octets injected after STARTTLS's 220 are discarded, then ok" 127.65.3.3,127.65.3.3,2525 \
    'r.status == "ok" and "*: discarded 14 octets sent after 220 to STARTTLS" in r.transcript
     and not [l for l in r.transcript if "injected" in l]'
expect "octets injected after STARTTLS's 220: starttls_injection" 127.65.3.3,127.65.3.3,2525 \
    'r.tls_started and r.starttls_injection'
expect "no injection: starttls_injection false" "V6.Probe.Test.,::1,$v6port" \
    'r.tls_started and not r.starttls_injection'
expect "a chain over 16 KB: tls-failed on the client's limit, named, not the server's" big.probe.test,127.65.3.11,2525 \
    'r.status == "tls-failed" and r.tls_client_limit and r.error.startswith("client limit: ")
     and "Certificate" in r.error and "-0x7080" in r.error and r.tls_alert == -1'
expect "a failure of the server's own (plaintext for TLS) is no client limit" x,127.65.3.4,2525 \
    'r.status == "tls-failed" and not r.tls_client_limit'
expect "control characters, a NUL, invalid UTF-8 in the greeting: the word in the text notation" x,127.65.3.12,2525 \
    'r.banner_host == "evil\u001b[31m\u0007\\x00.test\u009b2J\u007f\\xff"
     and "S: 220 evil\u001b[31m\u0007\\x00.test\u009b2J\u007f\\xff ESMTP" in r.transcript'
expect "... and in the EHLO reply" x,127.65.3.13,2525 \
    'r.status == "no-starttls" and r.ehlo_host == "ehlo\u001b]0;pwned\u0007.test"'
expect "no SNI when the MX name is an IP literal" 127.65.3.3,127.65.3.3,2525 \
    'r.transcript[-1] == "S: 221 sni=none"'
expect "tls-failed with the mbedTLS error when the server answers in clear" x,127.65.3.4,2525 \
    'r.status == "tls-failed" and r.error.startswith("mbedTLS -0x7200: SSL - ")'
expect "a 1500-octet greeting line with a NUL: truncated, flagged, parsed on" x,127.65.3.5,2525 \
    'r.status == "no-starttls" and r.banner_host == "hostile.test"
     and "S: 220-hostile.test \\x00 first" in r.transcript
     and "S: 220-" + "x" * 996 in r.transcript
     and "*: reply line longer than 1000 octets truncated" in r.transcript'
expect "smtp-error on lines with different codes" x,127.65.3.6,2525 \
    'r.status == "smtp-error" and "different codes" in r.error'
expect "smtp-error on a reset during the greeting" x,127.65.3.7,2525 \
    'r.status == "smtp-error" and "reset" in r.error'
expect "tls-failed against a TLS 1.3-only server (it closes without an alert), no session" x,127.65.3.8,2525 \
    'r.status == "tls-failed" and "closed by server" in r.error and r.tls_alert == -1
     and r.tls_version is None and r.tls_cipher is None'
expect "a fatal alert from the server is named" x,127.65.3.10,2525 \
    'r.status == "tls-failed" and r.error == "fatal alert from server: internal_error(80)"
     and r.tls_alert == 80 and r.tls_version is None'
expect "no 221 to QUIT: still ok, after the bounded QUIT wait (500 ms)" x,127.65.3.9,2525 \
    'r.status == "ok" and r.transcript[-1] == "C: QUIT" and 450 <= r.elapsed_ms < 2000'
expect "IPv6 (::1): ok" "V6.Probe.Test.,::1,$v6port" \
    'r.status == "ok" and r.tls_version == "TLSv1.2" and r.chain[0].subject_cn == "mx.probe.test"'
expect "SNI is the MX name without its trailing dot" "V6.Probe.Test.,::1,$v6port" \
    'r.transcript[-1].lower() == "s: 221 sni=v6.probe.test"'

# ---- the version probe: our own ClientHello offering TLS 1.3..1.0, the first answer read ----
run version -V -t 3000 -q 500 -L $E1 old.probe.test,127.65.1.10,2525 x,127.65.3.8,2525 \
    x,127.65.3.4,2525 127.65.3.3,127.65.3.3,2525 x,127.65.1.2,2525 x,127.65.1.8,2525 \
    x,127.65.3.10,2525
cur=version
expect "version probe, mbedTLS server: a TLS 1.2 ServerHello, no group" $E1 \
    'r.status == "ok" and r.vp_kind == 1 and r.vp_version == 0x0303 and r.vp_group == 0
     and r.tls_version is None and r.chain == []
     and any(l.startswith("C: (ClientHello offering TLSv1.3 to TLSv1.0") for l in r.transcript)
     and any(l.startswith("S: (ServerHello: TLSv1.2, TLS_ECDHE_") for l in r.transcript)'
expect "version probe, TLS 1.0-only server: TLS 1.0" old.probe.test,127.65.1.10,2525 \
    'r.status == "ok" and r.vp_version == 0x0301'
expect "version probe, TLS 1.3-only server (Python ssl): TLS 1.3, x25519" x,127.65.3.8,2525 \
    'r.status == "ok" and r.vp_kind == 1 and r.vp_version == 0x0304 and r.vp_group == 0x1d
     and r.vp_cipher in (0x1301, 0x1302, 0x1303)'
expect "version probe, plaintext after 220: tls-failed, not TLS" x,127.65.3.4,2525 \
    'r.status == "tls-failed" and r.error.startswith("version probe: ") and r.vp_kind == 0'
expect "version probe: octets injected after 220 are discarded, then the ServerHello" 127.65.3.3,127.65.3.3,2525 \
    'r.status == "ok" and r.vp_version == 0x0303 and "*: discarded 14 octets sent after 220 to STARTTLS" in r.transcript
     and r.starttls_injection'
expect "version probe without injection: starttls_injection false" $E1 \
    'r.status == "ok" and r.tls_started and not r.starttls_injection'
expect "version probe, a fatal alert: tls-failed, named" x,127.65.3.10,2525 \
    'r.status == "tls-failed" and r.error == "fatal alert from server: internal_error(80)"
     and r.vp_kind == 3 and r.tls_alert == 80'
expect "version probe, no STARTTLS: no-starttls" x,127.65.1.2,2525 'r.status == "no-starttls" and r.vp_kind == 0'
expect "version probe, closed after 220: tls-failed" x,127.65.1.8,2525 \
    'r.status == "tls-failed" and "closed by server" in r.error'
expect "EHLO address literal when no name is given" $E1 \
    'any(l.startswith("C: EHLO [127.") and l.endswith("]") and " " not in l[8:] for l in r.transcript)'

echo "probe: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
