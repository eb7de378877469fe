#!/bin/sh
# Regenerates the small test certificates of tests/unit/data/ (keys are thrown away).
# Dates, serials and keys change on every run: afterwards update the expected values in
# tests/unit/test_cert.c from the summary this script prints (openssl's view of each file).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A test CA (EC P-384, ECDSA-SHA384) that signs the non-self-signed leaves.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$tmp/ca.key" \
    -subj "/O=mxsurvey tests/CN=mxsurvey Test CA" -days 36500 -sha384 -out ca.pem 2>/dev/null

# Self-signed RSA 2048 with SANs.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/k" -subj "/CN=self.example" \
    -addext "subjectAltName=DNS:self.example,DNS:*.self.example,IP:127.0.0.1" \
    -days 36500 -sha256 -out selfsigned-rsa2048.pem 2>/dev/null

# EC P-256, self-signed, SAN only (empty subject CN is not allowed by req; use O only).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/k" \
    -subj "/O=EC Only" -addext "subjectAltName=DNS:ec.example" -days 36500 -sha256 \
    -out ec-p256.pem 2>/dev/null

# RSA 1024 with SHA-1, self-signed (old servers still present these).
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$tmp/k" -subj "/CN=old.example" \
    -days 36500 -sha1 -out rsa1024-sha1.pem 2>/dev/null

# CN only, no SAN extension at all, issued by the test CA.
openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/k" -subj "/CN=cnonly.example" \
    -out "$tmp/r.csr" 2>/dev/null
openssl x509 -req -in "$tmp/r.csr" -CA ca.pem -CAkey "$tmp/ca.key" -CAcreateserial \
    -CAserial "$tmp/ca.srl" -days 36500 -sha256 -out cn-only.pem 2>/dev/null

# Two CNs, and a dNSName with an embedded NUL ("good.example\0evil.example") beside a plain
# one, written as raw DER: SEQUENCE { [2] "good.example\0evil.example", [2] "plain.example" }.
nul_name=$(printf 'good.example' | od -An -tx1 | tr -s ' \n' ':' | sed 's/^://; s/:$//')
evil=$(printf 'evil.example' | od -An -tx1 | tr -s ' \n' ':' | sed 's/^://; s/:$//')
plain=$(printf 'plain.example' | od -An -tx1 | tr -s ' \n' ':' | sed 's/^://; s/:$//')
der="30:2a:82:19:$nul_name:00:$evil:82:0d:$plain"
printf 'subjectAltName=DER:%s\n' "$der" >"$tmp/ext"
openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/k" \
    -subj "/CN=first.example/CN=second.example" -out "$tmp/r.csr" 2>/dev/null
openssl x509 -req -in "$tmp/r.csr" -CA ca.pem -CAkey "$tmp/ca.key" -CAserial "$tmp/ca.srl" \
    -days 36500 -sha256 -extfile "$tmp/ext" -out nul-san.pem 2>/dev/null

# Issuer DN equal to the subject DN but signed by another key: not self-signed.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/twin.key" -subj "/CN=twin.example" \
    -days 36500 -out "$tmp/twin-ca.pem" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/k" -subj "/CN=twin.example" \
    -out "$tmp/r.csr" 2>/dev/null
openssl x509 -req -in "$tmp/r.csr" -CA "$tmp/twin-ca.pem" -CAkey "$tmp/twin.key" \
    -CAserial "$tmp/ca.srl" -days 36500 -sha256 -out twin-issuer.pem 2>/dev/null

for f in *.pem; do
    echo "== $f"
    openssl x509 -in "$f" -noout -subject -issuer -startdate -enddate -fingerprint -sha256 \
        -ext subjectAltName 2>/dev/null
    openssl x509 -in "$f" -noout -text | grep -E "Public Key Algorithm|Public-Key:|Signature Algorithm" | sort -u
done
