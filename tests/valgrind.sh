#!/bin/bash
# tests/valgrind.sh [--build DIR] [--world-is-up]: a scan of the whole local world
# (data/world/domains.txt, with --ipv6 and the version probe) under valgrind's memcheck, then
# `check`, `report`, `diff`, `trend` and `match` on what it wrote: any memory error or any leak
# (definite, indirect or possible) fails. About 20 s on two cores, so `make test` runs it too
# (tests/integration/test_valgrind.py); `make valgrind` runs it alone. Ends with
# "valgrind: N passed, N failed".
#   --world-is-up  the world is already up (the integration runner); otherwise this script
#                  brings it up and down, so run it in a private network namespace:
#                  unshare -n bash -c 'ip link set lo up; make valgrind'
# Uses the plain build (valgrind cannot run an ASan binary): --build build/asan means build.
set -u
cd "$(dirname "$0")/.."
build=build up=0
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --world-is-up) up=1; shift ;;
    *) echo "usage: $0 [--build DIR] [--world-is-up]" >&2; exit 2 ;;
    esac
done
case $build in *asan*) build=build ;; esac
bin=$build/mxsurvey
command -v valgrind >/dev/null || { echo "valgrind: not installed (scripts/install-deps.sh)" >&2; exit 2; }
[ -x "$bin" ] || { echo "valgrind: $bin missing; run make" >&2; exit 2; }

tmp=$(mktemp -d)
started=0
cleanup() {
    [ "$started" = 1 ] && scripts/world down >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
if [ "$up" = 0 ]; then
    if ! scripts/world up >"$tmp/world.log" 2>&1; then
        cat "$tmp/world.log" >&2
        echo "valgrind: the world did not come up" >&2
        exit 2
    fi
    started=1
fi

list=data/world/domains.txt

pass=0 fail=0
# vg NAME EXPECTED_EXIT ARGS...: runs ARGS under memcheck; passes when the command exits as
# expected and memcheck reports no error and no leak.
vg() {
    local name=$1 want=$2 rc
    shift 2
    valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=97 \
        --track-origins=yes --log-file="$tmp/$name.vg" "$@" >"$tmp/$name.out" 2>&1
    rc=$?
    if [ "$rc" = "$want" ] && [ ! -s "$tmp/$name.vg" ]; then
        echo "ok   $name under valgrind: exit $rc, no error, no leak"
        pass=$((pass + 1))
    else
        echo "FAIL $name under valgrind: exit $rc (wanted $want)"
        head -60 "$tmp/$name.vg" "$tmp/$name.out" | sed 's/^/     /'
        fail=$((fail + 1))
    fi
}

# Timeouts generous for a program that runs 20 to 50 times slower under memcheck, on a machine
# that may be busy: a DNS reply read late must not turn the scan into timeouts (it then stops
# as a dead resolver and exercises little). The world's loopback ranges are special-purpose
# addresses, blocked by default.
allow=(--allow 127.0.0.0/8 --allow ::1/128)
scan_args=(scan --resolver 127.53.0.1:5300 --port 2525 "${allow[@]}" --ehlo scanner.mxsurvey.test --timeout 10
           --dns-timeout 5 --retry-delay 0.2 --ca-file build/world/certs/ca.pem --quiet --ipv6)
vg scan 0 "$bin" "${scan_args[@]}" --out "$tmp/a" "$list"
# memcheck only sees the code a scan ran: it must have reached TLS sessions, not a folder of
# blocked or failed endpoints.
if ! grep -q '"status": *"ok"' "$tmp/a/hosts.jsonl" 2>/dev/null; then
    echo "FAIL scan under valgrind: no endpoint of the world reached status ok"
    fail=$((fail + 1))
fi
vg check 0 "$bin" check --resolver 127.53.0.1:5300 --port 2525 "${allow[@]}" --ehlo scanner.mxsurvey.test \
    --timeout 10 --dns-timeout 5 --ca-file build/world/certs/ca.pem names.example
cp -r "$tmp/a" "$tmp/b"
vg report 0 "$bin" report "$tmp/a"
vg diff 0 "$bin" diff --quiet "$tmp/a" "$tmp/b"
vg trend 0 "$bin" trend --out "$tmp/t" "$tmp/a" "$tmp/b"
vg match 0 "$bin" match build/world/certs/banner.pem smtp.banner-name.example mx.example
echo "valgrind: $pass passed, $fail failed"
[ "$fail" = 0 ]
