#!/bin/sh
# Installs what mxsurvey's build, tests and demo need, from Debian 12's packages.
# Idempotent: when everything is present it only checks (well under a second).
# chromium is for the tests only: they render report.html headless to check it draws; so is
# strace: a test watches every connect() of a scan aimed at special-purpose addresses; and
# valgrind: a scan of the world under memcheck (tests/valgrind.sh); dnsperf and adns-tools
# (adnshost) are the references scripts/bench-dns measures the resolve stage against; mandoc
# and man-db: the manual page docs/mxsurvey.1 is linted by both (a Debian 12 container has no
# man at all); postfix-mta-sts-resolver is the reference MTA-STS client of test_enforce.py
# (its daemon is started by the tests alone, never as a service: see policy-rc.d below), and
# util-linux and mount give them unshare and mount --bind; slurm-wlm and munge are the one-node
# Slurm of tests/integration/test_slurm.py (started by the test from a temporary folder, as root,
# never as services: the postinst's munge key and /etc/slurm go unused), and python3-yaml
# parses docs/cluster.md's Kubernetes manifests there.
# Needs root to install. Service start-ups are suppressed during the install (policy-rc.d),
# so no system unbound or Postfix instance starts; the world starts its own private ones.
#
#   scripts/install-deps.sh          what build, tests and demo need
#   scripts/install-deps.sh --fuzz   the same plus clang and its runtime libraries (libFuzzer,
#                                    ASan, UBSan: libclang-rt-dev) for `make fuzz`; only when
#                                    asked, so `make test` never pays for a compiler it does not use
set -eu

PKGS="gcc make pkg-config libc6-dev
libuv1-dev libmbedtls-dev libldns-dev libjansson-dev libpsl-dev libidn2-dev libcurl4-openssl-dev publicsuffix
ldnsutils unbound nsd nginx-light libnginx-mod-mail curl postfix postfix-mta-sts-resolver openssl ca-certificates python3
iproute2 procps bsdutils util-linux mount time
valgrind dnsperf adns-tools mandoc man-db
chromium strace
slurm-wlm munge python3-yaml"

for arg in "$@"; do
    case $arg in
    --fuzz) PKGS="$PKGS clang libclang-rt-dev" ;;
    *) echo "usage: $0 [--fuzz]" >&2; exit 2 ;;
    esac
done

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: these Debian packages are missing and installing them needs root:$missing" >&2
    echo "install-deps: run as root: sudo scripts/install-deps.sh" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Postfix: no system configuration, so the package starts no system MTA.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections

policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    made_policy=1
fi
# An if, not `[ ] && rm`: as the trap's last command a false test would become the exit status.
cleanup() { if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
echo "install-deps: done"
