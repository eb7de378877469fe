#!/bin/sh
# Prints, from openssl's view of each x509-limbo online certificate, the C table rows that
# tests/unit/test_cert.c checks cert_info_from_der() against:
#   {file, last subject CN, SAN dNSName count, first SAN, last SAN, key type, key bits,
#    signature algorithm, notBefore, notAfter, sha256}
# Usage: tests/unit/data/limbo-expected.sh [VECTOR_DIR]   (default: tests/vectors/x509-limbo-online)
set -eu
dir=${1:-$(dirname "$0")/../../vectors/x509-limbo-online}
for f in "$dir"/*.pem; do
    name=$(basename "$f")
    text=$(openssl x509 -in "$f" -noout -text)
    # RFC 2253 order is reversed, so the first CN printed is the last one in the certificate.
    cn=$(openssl x509 -in "$f" -noout -subject -nameopt RFC2253 | sed 's/^subject=//' |
        tr ',' '\n' | sed -n 's/^CN=//p' | head -1)
    sans=$(openssl x509 -in "$f" -noout -ext subjectAltName | tail -n +2 | tr ',' '\n' |
        sed -n 's/^ *DNS://p')
    nsan=$(printf '%s\n' "$sans" | grep -c . || true)
    first=$(printf '%s\n' "$sans" | head -1)
    last=$(printf '%s\n' "$sans" | tail -1)
    case $(printf '%s\n' "$text" | sed -n 's/.*Public Key Algorithm: //p' | head -1) in
    rsaEncryption) kt=RSA ;;
    id-ecPublicKey) kt=EC ;;
    *) kt=UNKNOWN ;;
    esac
    bits=$(printf '%s\n' "$text" | sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p' | head -1)
    case $(printf '%s\n' "$text" | sed -n 's/.*Signature Algorithm: //p' | head -1) in
    sha256WithRSAEncryption) sig=RSA-SHA256 ;;
    sha384WithRSAEncryption) sig=RSA-SHA384 ;;
    ecdsa-with-SHA256) sig=ECDSA-SHA256 ;;
    ecdsa-with-SHA384) sig=ECDSA-SHA384 ;;
    *) sig=UNKNOWN ;;
    esac
    nb=$(openssl x509 -in "$f" -noout -dateopt iso_8601 -startdate | sed 's/^notBefore=//; s/ /T/')
    na=$(openssl x509 -in "$f" -noout -dateopt iso_8601 -enddate | sed 's/^notAfter=//; s/ /T/')
    fp=$(openssl x509 -in "$f" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
        tr 'A-F' 'a-f')
    printf '    {"%s", "%s", %s, "%s", "%s", "%s", %s, "%s",\n     "%s", "%s",\n     "%s"},\n' \
        "$name" "$cn" "$nsan" "$first" "$last" "$kt" "$bits" "$sig" "$nb" "$na" "$fp"
done
