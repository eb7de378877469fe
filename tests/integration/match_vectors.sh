#!/bin/sh
# `mxsurvey match` on the 14 real leaf certificates of x509-limbo (tests/vectors/
# x509-limbo-online/, in the repository): each file's expected peer name (the file name after
# "limbo-online-", minus ".pem") must match exact or wildcard, under the strict rules the scan
# uses; and the command must exit 2, with a message, on a missing file, on garbage (random
# bytes, an empty file, a PEM block holding no certificate) and on missing arguments. No
# network, no world.
# Ends with "match_vectors: N passed, N failed"; exit 0 if all passed.
#
#   tests/integration/match_vectors.sh [--build DIR]   (DIR: build or build/asan; default build)
set -eu
cd "$(dirname "$0")/../.."

BUILD=build
while [ $# -gt 0 ]; do
    case $1 in
    --build) BUILD=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR]" >&2; exit 2 ;;
    esac
done
BIN=$BUILD/mxsurvey
[ -x "$BIN" ] || { echo "match_vectors.sh: no $BIN; run make first" >&2; exit 2; }

# The vectors are part of the repository (their README names source and licence).
DIR=tests/vectors/x509-limbo-online
[ -d "$DIR" ] || { echo "match_vectors.sh: no $DIR in this checkout" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# check_output FILE NAME: line 1 is the certificate object, line 2 the verdict for NAME, which
# must be exact or wildcard with matched_by one of the presented names.
check_output() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
name = sys.argv[2]
assert len(lines) == 2, f"{len(lines)} lines"
head, verdict = json.loads(lines[0]), json.loads(lines[1])
assert set(head) == {"presented", "names_from", "cn_in_san", "wildcard"}, head.keys()
assert head["names_from"] in ("san", "cn"), head["names_from"]
assert isinstance(head["cn_in_san"], bool)
assert head["wildcard"] in ("none", "leftmost", "partial-label", "non-leftmost", "multiple",
                            "public-suffix", "bare"), head["wildcard"]
assert head["presented"], "nothing presented"
assert verdict["name"] == name, verdict
assert verdict["match"] in ("exact", "wildcard"), verdict
assert verdict["matched_by"] in head["presented"], verdict
EOF
}

n=0
for f in "$DIR"/limbo-online-*.pem; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    name=$(basename "$f" .pem)
    name=${name#limbo-online-}
    if "$BIN" match "$f" "$name" >"$tmp/out" 2>"$tmp/err" && check_output "$tmp/out" "$name" 2>>"$tmp/err"; then
        ok "$name: $(sed -n 2p "$tmp/out")"
    else
        fail "$name"
        cat "$tmp/out" "$tmp/err" | head -20
    fi
done
if [ "$n" -eq 14 ]; then ok "14 vectors found"; else fail "found $n vectors in $DIR, expected 14"; fi

# Under the strict rules: one label only, never the bare parent; and the same name through the
# uppercase, trailing-dot and U-label forms a greeting may carry.
expect_match() { # FILE NAME WANT
    got=$("$BIN" match "$DIR/$1" "$2" | sed -n 2p | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["match"])')
    if [ "$got" = "$3" ]; then ok "$1 $2 -> $got"; else fail "$1 $2 -> $got, expected $3"; fi
}
expect_match limbo-online-docs.python.org.pem DOCS.Python.ORG. wildcard
expect_match limbo-online-docs.python.org.pem a.b.python.org multilabel
expect_match limbo-online-docs.python.org.pem python.org.evil.example none
expect_match limbo-online-docs.python.org.pem '[151.101.0.223]' none
expect_match limbo-online-stackoverflow.com.pem stackoverflow.com exact
expect_match limbo-online-apple.com.pem www.apple.com none
# A wildcard directly over a public suffix never matches, private-section suffixes included:
# s3.amazonaws.com is one (the certificate's class is public-suffix); a wildcard one label
# below a suffix still matches.
expect_match limbo-online-s3.amazonaws.com.pem bucket.s3.amazonaws.com none
expect_match limbo-online-s3.amazonaws.com.pem bucket.s3-accesspoint.us-east-1.amazonaws.com wildcard
expect_match limbo-online-google.com.pem a.google.com wildcard

# Exit 2 with a message.
expect_usage() { # DESCRIPTION ARGS...
    what=$1
    shift
    set +e
    "$BIN" match "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    set -e
    if [ "$rc" -eq 2 ] && [ -s "$tmp/err" ] && [ ! -s "$tmp/out" ]; then
        ok "$what: exit 2: $(head -1 "$tmp/err")"
    else
        fail "$what: exit $rc"
        cat "$tmp/out" "$tmp/err" | head -5
    fi
}
head -c 2048 /dev/urandom >"$tmp/garbage.pem"
: >"$tmp/empty.pem"
printf -- '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n' >"$tmp/notcert.pem"
printf -- '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n' >"$tmp/badpem.pem"
expect_usage "missing file" "$tmp/does-not-exist.pem" example.com
expect_usage "garbage" "$tmp/garbage.pem" example.com
expect_usage "empty file" "$tmp/empty.pem" example.com
expect_usage "PEM block that is no certificate" "$tmp/notcert.pem" example.com
expect_usage "broken base64" "$tmp/badpem.pem" example.com
expect_usage "a folder" "$tmp" example.com
expect_usage "no NAME" "$DIR/limbo-online-apple.com.pem"
expect_usage "no arguments"
expect_usage "unknown option" --no-such-option "$DIR/limbo-online-apple.com.pem" apple.com

# DER works as well as PEM (the first certificate of the PEM file).
if command -v openssl >/dev/null 2>&1; then
    openssl x509 -in "$DIR/limbo-online-apple.com.pem" -outform DER -out "$tmp/apple.der"
    if "$BIN" match "$tmp/apple.der" apple.com | sed -n 2p | grep -q '"match":"exact"'; then
        ok "DER input"
    else
        fail "DER input"
    fi
fi

echo "match_vectors: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
