#!/bin/sh
# Build and test on Debian 13 (trixie) from a Debian 12 host: a debootstrap'd
# trixie chroot gets what scripts/install-deps.sh installs (run inside it, and
# checked by tests/host-state.sh to leave the fresh system's services and Apache
# modules as they were), a
# copy of the tracked tree, and runs `SEQUR_QUICK=1 scripts/test.sh` there: the
# build (gcc 14, OpenSSL 3.5, httpd 2.4.6x) and `make check`, unit programs and
# the whole integration suite (memcached, Redis, PostgreSQL, Chromium included).
#
#   sh scripts/test-debian13.sh          (as root; 11 minutes on 2 quiet cores with
#                                         the caches, 40-50 on busy ones)
#   SEQUR_DEBIAN13_ONLY="test_replay ..." sh scripts/test-debian13.sh
#                                        (build and those integration tests only)
#
# The bare chroot is cached as a tarball in /var/cache/sequr-saml-test/ (delete
# it to bootstrap again) and so are the .debs apt fetches for it, so reruns
# skip most downloads. The mirror is the one this host's apt uses. The chroot
# lives in its own mount namespace (/proc, /sys, /dev/pts, /dev/shm are
# mounted there only), shares the host's loopback network (the tests take free
# ports), and is removed at the end whatever happens; no service of the chroot
# is started (install-deps.sh's policy-rc.d) and any process left in it is
# killed. Prints the suite's result and last "debian13: N passed, N failed";
# exits non-zero on any failure.
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=scripts/chroot-lib.sh
. scripts/chroot-lib.sh
[ "$(id -u)" = 0 ] || { echo "test-debian13: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
command -v debootstrap >/dev/null || sh scripts/install-deps.sh test

CACHE=/var/cache/sequr-saml-test
ARCH=$(dpkg --print-architecture)
TARBALL=$CACHE/debian13-trixie-minbase-$ARCH.tar.gz
DEBS=$CACHE/debian13-trixie-debs
mkdir -p "$CACHE" "$DEBS/partial"

# The host's own Debian mirror (and security mirror), from its apt sources,
# deb822 or one-line; SEQUR_DEBIAN_MIRROR overrides the first.
uris=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
       2>/dev/null | sed -n -e 's/^URIs:[[:space:]]*//p' \
                            -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
       | tr ' ' '\n' | sed 's,/*$,,')
MIRROR=${SEQUR_DEBIAN_MIRROR:-$(printf '%s\n' "$uris" | grep -m 1 '/debian$' || true)}
SECURITY=$(printf '%s\n' "$uris" | grep -m 1 '/debian-security$' || true)
[ -n "$MIRROR" ] || { echo "test-debian13: no Debian mirror in /etc/apt/sources.list*" >&2; exit 1; }

started=$(date +%s)
root=$(mktemp -d /var/tmp/sequr-debian13.XXXXXX)
boot=""
log=$root.log

cleanup() {
    rc=$?
    trap - EXIT INT TERM
    chroot_stop_processes "$root"
    chroot_remove "$root" test-debian13
    [ -z "$boot" ] || rm -rf --one-file-system "$boot" "$TARBALL.tmp"
    rm -f "$log"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -s "$TARBALL" ]; then
    echo "--- debootstrap trixie from $MIRROR into $TARBALL"
    boot=$(mktemp -d "$CACHE/boot.XXXXXX")
    if ! nice -n 10 debootstrap --variant=minbase trixie "$boot" "$MIRROR" >"$log" 2>&1; then
        tail -n 30 "$log"; tail -n 30 "$boot/debootstrap/debootstrap.log" 2>/dev/null || true
        echo "test-debian13: debootstrap failed"; echo "debian13: 0 passed, 1 failed"; exit 1
    fi
    rm -rf "$boot/var/cache/apt/archives/"*.deb "$boot/var/lib/apt/lists/"*_Packages
    tar -C "$boot" --numeric-owner -czf "$TARBALL.tmp" .
    mv "$TARBALL.tmp" "$TARBALL"
    rm -rf --one-file-system "$boot"; boot=""
fi
tar -C "$root" --numeric-owner -xpzf "$TARBALL"

{
    echo "Types: deb"
    echo "URIs: $MIRROR"
    echo "Suites: trixie trixie-updates"
    echo "Components: main"
    echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
    if [ -n "$SECURITY" ]; then
        echo
        echo "Types: deb"
        echo "URIs: $SECURITY"
        echo "Suites: trixie-security"
        echo "Components: main"
        echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
    fi
} >"$root/etc/apt/sources.list.d/debian.sources"
rm -f "$root/etc/apt/sources.list"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/hosts "$root/etc/hosts"
# The downloaded .debs survive the chroot, for the next run.
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$root/etc/apt/apt.conf.d/99keep-debs"
rm -f "$root/etc/apt/apt.conf.d/docker-clean"

mkdir -p "$root/src"
git ls-files -z | xargs -0 tar cf - | tar xf - -C "$root/src"

# What runs inside: install-deps.sh (it must work on trixie too), the versions
# that matter, then test.sh's build and `make check`.
cat >"$root/run-tests.sh" <<'EOF_RUN'
set -eu
cd /src
# A fresh Debian: install-deps.sh must leave its services and Apache as found.
sh tests/host-state.sh snapshot /tmp/host-before
sh scripts/install-deps.sh test
host_rc=0
hs=$(sh tests/host-state.sh compare /tmp/host-before) || host_rc=1
echo "$hs" | sed 's/^/host-state: /'
. /etc/os-release
echo "$PRETTY_NAME: $(gcc --version | head -n 1); $(openssl version); $(/usr/sbin/apache2 -v | head -n 1);"\
     "xmlsec1 $(xmlsec1 --version); libxml2 $(dpkg-query -W -f='${Version}' libxml2);"\
     "$(python3 --version); $(chromium --version 2>/dev/null || echo no chromium)"
rc=0
if [ -n "${ONLY:-}" ]; then
    # a few integration files only (SEQUR_DEBIAN13_ONLY), verbose
    sh scripts/build.sh && SEQUR_BUILDDIR=/src SEQUR_SRCDIR=/src tests/integration/run $ONLY \
        >tests/integration/run.log 2>&1 || rc=$?
    grep -E '(FAIL|ERROR)$' tests/integration/run.log | head -n 20 || true
    sed -n '/^=\{20,\}/,/^Ran /p' tests/integration/run.log | head -n 300
    n=$(grep -E '^[0-9]+ passed, [0-9]+ failed' tests/integration/run.log | tail -n 1)
    echo "make check: ${n:-0 passed, 1 failed}"
    exit $rc
fi
SEQUR_QUICK=1 sh scripts/test.sh || rc=$?
# A runner that was killed leaves no .trs, so test.sh shows nothing of it.
if [ $rc -ne 0 ] && [ -f tests/integration/run.log ]; then
    echo "=== tests/integration/run.log: failures and last lines"
    grep -E '(FAIL|ERROR)$' tests/integration/run.log | head -n 20 || true
    tail -n 30 tests/integration/run.log
fi
[ $host_rc -eq 0 ] || rc=1
exit $rc
EOF_RUN

echo "--- Debian 13 chroot: install-deps.sh test, build, make check"
rc=0
unshare --mount --propagation private sh -eu -c '
    root=$1
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --bind /dev "$root/dev"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$root/dev/pts"
    mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
    mount --bind "$2" "$root/var/cache/apt/archives"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM=dumb TMPDIR=/tmp ONLY="$3" nice -n 10 sh /run-tests.sh
' sh "$root" "$DEBS" "${SEQUR_DEBIAN13_ONLY:-}" >"$log" 2>&1 || rc=$?

# The build's warnings, then the suite's result as test.sh printed it.
grep -E 'warning:' "$log" | sort -u | head -n 40 || true
grep -v -E '^(Selecting|Preparing|Unpacking|Setting up|Processing|Created symlink|\(Reading)' "$log" | tail -n 150
grep -E '^host-state: ' "$log" || true
elapsed=$(( $(date +%s) - started ))
echo "test-debian13: $((elapsed / 60)) min $((elapsed % 60)) s"
last=$(grep -E '^make check: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
if [ -z "$last" ]; then
    echo "test-debian13: no result from make check (exit $rc)"
    echo "debian13: 0 passed, 1 failed"
    exit 1
fi
passed=$(echo "$last" | awk '{ print $3 }')
failed=$(echo "$last" | awk '{ print $5 }')
# install-deps.sh left the fresh system's services and Apache as it found them
host=$(grep -E '^host-state: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
if [ -n "$host" ]; then
    passed=$((passed + $(echo "$host" | awk '{ print $2 }')))
    failed=$((failed + $(echo "$host" | awk '{ print $4 }')))
else
    failed=$((failed + 1))
fi
[ "$rc" = 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "debian13: $passed passed, $failed failed"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
