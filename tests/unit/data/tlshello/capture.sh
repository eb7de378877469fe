#!/bin/sh
# Records the real server answers tests/unit/test_tlshello.c reads (and tests/fuzz/ seeds
# from): build/drivers/tlshello_driver (tests/integration/tlshello_driver.c, built by make)
# sends the version probe's ClientHello to openssl s_server (OpenSSL 3.0, Debian 12) and to the
# project's mbedTLS 2.28 fixture server (build/mxsurvey-fixture, STARTTLS first), and writes
# every octet the server sent back (the ServerHello and the rest of its first flight) to
# NAME.bin. The certificates are throwaway self-signed ones made here. Run from the repository
# root after `make`, inside a private network namespace (it listens on 127.0.0.1:14433 and
# 127.0.0.1-3:2525):
#     unshare -n sh -c 'ip link set lo up; tests/unit/data/tlshello/capture.sh'
# The expected verdict of each file is stated in tests/unit/test_tlshello.c.
set -eu
cd "$(dirname "$0")/../../../.."
OUT=tests/unit/data/tlshello
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
driver=build/drivers/tlshello_driver
[ -x "$driver" ] || { echo "$0: $driver missing; run make" >&2; exit 2; }
(
    cd "$tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -subj /CN=rsa.tlshello.test \
        -days 3650 -out rsa.pem
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key \
        -subj /CN=ec.tlshello.test -days 3650 -out ec.pem
) 2>/dev/null

# s NAME SNI S_SERVER-ARGS...: one s_server for one connection, its answer into NAME.bin.
s() {
    name=$1 sni=$2
    shift 2
    # its own log file: the redirection happens in the child, so a shared one could still
    # show the previous server's ACCEPT
    openssl s_server -accept 127.0.0.1:14433 -naccept 1 -www "$@" >"$tmp/$name.srv" 2>&1 &
    pid=$!
    i=0
    until grep -q ACCEPT "$tmp/$name.srv" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 100 ] || { cat "$tmp/$name.srv" >&2; exit 1; }
        sleep 0.05
    done
    "$driver" ${sni:+-n "$sni"} -w "$OUT/$name.bin" 127.0.0.1 14433
    kill $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
}
R="-cert $tmp/rsa.pem -key $tmp/rsa.key"
E="-cert $tmp/ec.pem -key $tmp/ec.key"
s openssl-tls13 mx.tlshello.test $R -tls1_3
s openssl-tls13-chacha "" $R -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
s openssl-hrr-p256 "" $R -tls1_3 -groups P-256
s openssl-tls12 mx.tlshello.test $R -no_tls1_3
s openssl-tls12-ecdsa "" $E -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
s openssl-tls11 "" $R -tls1_1 -cipher DEFAULT:@SECLEVEL=0
s openssl-tls10 "" $R -tls1 -cipher DEFAULT:@SECLEVEL=0
s openssl-alert-handshake-failure "" $R -tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256
# SNI mismatch on a TLS 1.2 server: a warning unrecognized_name, then the ServerHello;
# with -servername_fatal a fatal unrecognized_name instead.
s openssl-warning-then-tls12 other.tlshello.test $R -no_tls1_3 -servername mx.tlshello.test \
    -cert2 "$tmp/ec.pem" -key2 "$tmp/ec.key"
s openssl-alert-unrecognized-name other.tlshello.test $R -no_tls1_3 \
    -servername mx.tlshello.test -cert2 "$tmp/ec.pem" -key2 "$tmp/ec.key" -servername_fatal

# What a default OpenSSL 3 client sends (the model of our offer): the first record of
# `openssl s_client`, read by a listener that closes right after it.
python3 - "$OUT/openssl-client-hello.bin" <<'PY' &
import socket, sys
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 14434)); ls.listen(1); open(sys.argv[1] + ".ready", "w").close()
c, _ = ls.accept(); data = b""
while len(data) < 5 or len(data) < 5 + int.from_bytes(data[3:5], "big"):
    chunk = c.recv(4096)
    if not chunk: break
    data += chunk
open(sys.argv[1], "wb").write(data[:5 + int.from_bytes(data[3:5], "big")]); c.close()
PY
lpid=$!
until [ -f "$OUT/openssl-client-hello.bin.ready" ]; do sleep 0.05; done
rm -f "$OUT/openssl-client-hello.bin.ready"
openssl s_client -connect 127.0.0.1:14434 -servername mx.tlshello.test </dev/null >/dev/null 2>&1 || true
wait $lpid

# mbedTLS 2.28 behind STARTTLS: the fixture server, one listener per case.
cat >"$tmp/fixture.conf" <<CONF
listen 127.0.0.1 2525 cert=$tmp/rsa.pem key=$tmp/rsa.key
listen 127.0.0.2 2525 cert=$tmp/ec.pem key=$tmp/ec.key
listen 127.0.0.3 2525 cert=$tmp/rsa.pem key=$tmp/rsa.key tls_max=1.0
CONF
build/mxsurvey-fixture -q -c "$tmp/fixture.conf" -p "$tmp/fixture.pid" &
fpid=$!
i=0
until [ -f "$tmp/fixture.pid" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || exit 1
    sleep 0.05
done
"$driver" -s -n mx.tlshello.test -w "$OUT/mbedtls-tls12-rsa.bin" 127.0.0.1 2525
"$driver" -s -w "$OUT/mbedtls-tls12-ecdsa.bin" 127.0.0.2 2525
"$driver" -s -w "$OUT/mbedtls-tls10.bin" 127.0.0.3 2525
kill $fpid
wait $fpid || true
