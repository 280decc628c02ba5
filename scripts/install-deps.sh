#!/bin/sh
# Install, with Debian's packages, whatever the demo or the tests need and is
# missing, and leave the host's services and its Apache as they were.
#
#   sh scripts/install-deps.sh [demo|test|deb]      (default: test)
#
# deb is what scripts/deb.sh needs to build the Debian package; test includes
# it, and lintian and debootstrap for scripts/test-package.sh.
#
# Debian's maintainer scripts start and enable the services of the packages they
# install (apache2, memcached, redis-server, postgresql) and enable Apache
# modules (mod_auth_mellon's postinst runs a2enmod). The tests start their own
# servers on free ports, so none of that is wanted: during the install a
# policy-rc.d refuses every start, and afterwards every service link and every
# Apache module, configuration or site that the install enabled is disabled
# again. apache2's own first-install defaults are kept when it is installed
# here (they are the package's, not ours), but nothing is added to them.
# Safe to run again; asks apt only when something is missing, and waits for
# another apt or dpkg to finish instead of failing.
set -eu

BUILD="build-essential autoconf automake libtool pkg-config
apache2 apache2-dev libaprutil1-dev libxml2-dev libxmlsec1-dev libxmlsec1-openssl libssl-dev zlib1g-dev
check xmlsec1 openssl curl python3 python3-lxml python3-xmlsec python3-cryptography
libaprutil1-dbd-sqlite3 sqlite3
libcurl4-openssl-dev"
TESTS="python3-pysaml2 clang valgrind git wrk libapache2-mod-auth-mellon
memcached redis-server chromium chromium-driver python3-selenium postgresql libaprutil1-dbd-pgsql
lintian debootstrap
python3-prometheus-client"
DEB="build-essential autoconf automake libtool pkg-config
apache2-dev libaprutil1-dev libxml2-dev libxmlsec1-dev libssl-dev zlib1g-dev
debhelper dpkg-dev fakeroot
libcurl4-openssl-dev"

case "${1:-test}" in
    demo) PKGS="$BUILD" ;;
    test) PKGS="$BUILD $TESTS $DEB" ;;
    deb) PKGS="$DEB" ;;
    *) echo "usage: $0 [demo|test|deb]" >&2; exit 2 ;;
esac

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' && return 0
    # or an installed package provides the name: Debian 13's 64-bit time_t
    # renames (libxmlsec1t64-openssl for libxmlsec1-openssl) keep the old one
    dpkg-query -W -f='${Status}|${Provides}\n' 2>/dev/null | sed -n 's/^install ok installed|//p' |
        tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qx -- "$1"
}

# The fuzzers need libFuzzer and the sanitizer runtimes of the very clang that
# `clang` brings, in libclang-rt-N-dev: N is 14 on Debian 12, 19 on Debian 13.
# N is read from clang's dependency on clang-N (installed, else apt's lists).
clang_rt() {
    if installed clang; then
        deps=$(dpkg-query -W -f='${Depends}' clang)
    else
        deps=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: //p')
    fi
    n=$(printf '%s\n' "$deps" | grep -o 'clang-[0-9][0-9]*' | head -n 1)
    [ -z "$n" ] || echo "libclang-rt-${n#clang-}-dev"
}

want() {
    missing=""
    for p in $PKGS; do
        installed "$p" || missing="$missing $p"
    done
    if [ "${1:-test}" = test ]; then
        rt=$(clang_rt)
        if [ -n "$rt" ]; then
            installed "$rt" || missing="$missing $rt"
        elif [ "${2:-}" = updated ]; then
            echo "apt knows no clang: cannot tell which libclang-rt-N-dev" >&2; exit 1
        else
            missing="$missing clang"     # unknown before apt-get update
        fi
    fi
}
want "${1:-test}"
[ -n "$missing" ] || exit 0
export DEBIAN_FRONTEND=noninteractive
# apt waits this long for another apt/dpkg (unattended-upgrades) to let go.
APT="apt-get -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends"

# What is enabled now: service links (systemd and SysV), and Apache's enabled
# modules, configurations and sites.
services() {
    { find /etc/systemd/system -path '*.wants/*' 2>/dev/null
      find /etc/rc0.d /etc/rc1.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d /etc/rc6.d /etc/rcS.d \
           -name 'S*' 2>/dev/null
    } | sort
}
apache_enabled() {
    for d in mods conf sites; do
        ls -d /etc/apache2/$d-enabled/* 2>/dev/null || true
    done | sort
}

# A policy-rc.d that refuses every start, for the install only; a host that
# has its own (containers ship one) keeps it untouched.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# sequr-saml install-deps: no service starts during this install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
fi
cleanup() { [ "$own_policy" = 0 ] || rm -f "$policy"; }
trap cleanup EXIT INT TERM

# apt-get update also takes a lock; try again while another apt holds it.
tries=0
until apt-get -qq update; do
    tries=$((tries + 1))
    [ $tries -lt 60 ] || { echo "apt-get update kept failing" >&2; exit 1; }
    sleep 10
done
want "${1:-test}" updated
[ -n "$missing" ] || exit 0

echo "installing:$missing"
services_before=$(mktemp)
apache_before=$(mktemp)
services >"$services_before"
# apache2 alone first, so that its own defaults are the reference for Apache.
# (the word apache2 exactly: "apache2-dev" alone must not install apache2)
case "$missing " in
    *" apache2 "*) $APT install apache2 >/dev/null ;;
esac
apache_enabled >"$apache_before"
# shellcheck disable=SC2086
$APT install $missing >/dev/null

# Take back whatever the install enabled.
{ services | comm -13 "$services_before" -
  apache_enabled | comm -13 "$apache_before" -
} | while read -r link; do
    case "$link" in
        /etc/apache2/mods-enabled/*)
            m=$(basename "$link"); m=${m%.*}
            a2dismod -q -f "$m" >/dev/null 2>&1 || rm -f "$link" ;;
        /etc/apache2/conf-enabled/*)
            c=$(basename "$link" .conf); a2disconf -q "$c" >/dev/null 2>&1 || rm -f "$link" ;;
        /etc/apache2/sites-enabled/*)
            s=$(basename "$link" .conf); a2dissite -q "$s" >/dev/null 2>&1 || rm -f "$link" ;;
        /etc/systemd/system/*)
            unit=$(basename "$link")
            if [ -d /run/systemd/system ]; then
                systemctl disable -q "$unit" 2>/dev/null || rm -f "$link"
            else
                deb-systemd-helper disable "$unit" >/dev/null 2>&1 || rm -f "$link"
            fi ;;
        /etc/rc*)
            name=$(basename "$link" | sed 's/^S[0-9]*//')
            update-rc.d -f "$name" disable >/dev/null 2>&1 || rm -f "$link" ;;
    esac
done
rm -f "$services_before" "$apache_before"
