#!/bin/sh
# Regenerates the small test certificates of tests/unit/data/ (keys are thrown away).
# Dates, serials and keys change on every run: afterwards update the expected values in
# tests/unit/test_cert.c from the summary this script prints (openssl's view of each file).
#
#   gen-certs.sh                     every file
#   gen-certs.sh hostile-names.pem   only that one (self-signed: the others keep their pins)
#   gen-certs.sh dane                only the dane-*.pem chain (test_dane.c computes its
#                                    TLSA data from the files, so nothing to update)
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The DER of one SAN dNSName ([2] IA5String) whose octets are printf FORMAT's output (so
# '\000', '\033', '\302\233' give any octet), as colon-separated hex.
dns_der() {
    hex=$(printf "$1" | od -An -tx1 | tr -s ' \n' ':' | sed 's/^://; s/:$//')
    printf '82:%02x:%s' "$(printf "$1" | wc -c)" "$hex"
}

# Self-signed, every name hostile to some output: SAN dNSNames holding a space, a backslash,
# the literal text \x41, a NUL, ESC[31m, U+009B (C1 CSI, as UTF-8), invalid UTF-8 (0xff and
# the overlong C0 AF), a valid U-label, and one plain name; a CN equal (case aside) to the
# literal-\x41 name in octets; a subject with UTF-8, an ESC and RFC 1779 specials.
hostile_names() {
    items=""
    for f in 'a b.example' 'back\\slash.example' 'x\\x41.example' 'nul\000.example' \
        'esc\033[31m.example' 'csi\302\233.example' 'bad\377\300\257.example' \
        'b\303\274cher.example' 'ok.example'; do
        items="$items${items:+:}$(dns_der "$f")"
    done
    n=$(printf '%s\n' "$items" | tr ':' '\n' | wc -l)
    if [ "$n" -lt 128 ]; then seq="30:$(printf %02x "$n")"; else seq="30:81:$(printf %02x "$n")"; fi
    printf 'subjectAltName=DER:%s:%s\n' "$seq" "$items" >"$tmp/hostile-ext"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/k" -utf8 \
        -subj "/O=Caf$(printf '\303\251'), Inc./OU=a$(printf '\033')b\\\\x41/CN=X\\\\X41.EXAMPLE" \
        -days 36500 -sha256 -addext "$(cat "$tmp/hostile-ext")" -out hostile-names.pem 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; exit 1; }
}

# The DANE chain (test_dane.c): a root, an intermediate it signs, a leaf for mx.dane.example
# and *.w.dane.example the intermediate signs, the same leaf already expired (notAfter a day
# before it was made), and a leaf for the same names signed by a stranger CA that claims the
# intermediate's subject (its signature cannot verify under the intermediate's key).
dane_chain() {
    ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$tmp/ca-ext"
    printf 'subjectAltName=DNS:mx.dane.example,DNS:*.w.dane.example\n' >"$tmp/leaf-ext"
    openssl req -x509 $ec -keyout "$tmp/root.key" -subj "/O=mxsurvey tests/CN=DANE Root" \
        -days 36500 -addext basicConstraints=critical,CA:TRUE -out dane-root.pem 2>/dev/null
    openssl req $ec -keyout "$tmp/int.key" -subj "/O=mxsurvey tests/CN=DANE Intermediate" \
        -out "$tmp/int.csr" 2>/dev/null
    openssl x509 -req -in "$tmp/int.csr" -CA dane-root.pem -CAkey "$tmp/root.key" -days 36500 \
        -extfile "$tmp/ca-ext" -out dane-int.pem 2>/dev/null
    openssl req $ec -keyout "$tmp/leaf.key" -subj "/CN=mx.dane.example" -out "$tmp/leaf.csr" 2>/dev/null
    openssl x509 -req -in "$tmp/leaf.csr" -CA dane-int.pem -CAkey "$tmp/int.key" -days 36500 \
        -extfile "$tmp/leaf-ext" -out dane-leaf.pem 2>/dev/null
    openssl x509 -req -in "$tmp/leaf.csr" -CA dane-int.pem -CAkey "$tmp/int.key" -days -1 \
        -extfile "$tmp/leaf-ext" -out dane-leaf-expired.pem 2>/dev/null
    openssl req -x509 $ec -keyout "$tmp/stranger.key" \
        -subj "/O=mxsurvey tests/CN=DANE Intermediate" -days 36500 \
        -addext basicConstraints=critical,CA:TRUE -out "$tmp/stranger.pem" 2>/dev/null
    openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/stranger.pem" -CAkey "$tmp/stranger.key" \
        -days 36500 -extfile "$tmp/leaf-ext" -out dane-leaf-stranger.pem 2>/dev/null
    # The TLSA association data as openssl computes it (the reference test_dane.c checks
    # against): one line per file and selector: NAME SELECTOR SHA256 SHA512 (hex).
    for f in dane-root dane-int dane-leaf; do
        openssl x509 -in $f.pem -outform DER -out "$tmp/cert.der"
        openssl x509 -in $f.pem -noout -pubkey | openssl pkey -pubin -outform DER -out "$tmp/spki.der"
        for sel in 0 1; do
            if [ $sel = 0 ]; then d="$tmp/cert.der"; else d="$tmp/spki.der"; fi
            printf '%s %s %s %s\n' $f $sel "$(openssl dgst -sha256 -r "$d" | cut -d' ' -f1)" \
                "$(openssl dgst -sha512 -r "$d" | cut -d' ' -f1)"
        done
    done >dane-tlsa.txt
}

summary() {
    for f in "$@"; do
        echo "== $f"
        openssl x509 -in "$f" -noout -subject -issuer -startdate -enddate -fingerprint -sha256 \
            -ext subjectAltName 2>/dev/null
        openssl x509 -in "$f" -noout -text | grep -E "Public Key Algorithm|Public-Key:|Signature Algorithm" | sort -u
    done
}

case ${1:-all} in
all) ;;
hostile-names.pem) hostile_names; summary hostile-names.pem; exit 0 ;;
dane) dane_chain; summary dane-*.pem; exit 0 ;;
*) echo "usage: $0 [hostile-names.pem | dane]" >&2; exit 2 ;;
esac

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

hostile_names
dane_chain

summary *.pem
