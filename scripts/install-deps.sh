#!/bin/sh
# Install, with Debian's packages, whatever of the build and test dependencies
# is missing. Safe to run again; asks apt only when something is missing.
set -eu
PKGS="build-essential autoconf automake libtool pkg-config
apache2 apache2-dev libaprutil1-dev libxml2-dev libxmlsec1-dev libxmlsec1-openssl libssl-dev zlib1g-dev
check xmlsec1 openssl curl python3 python3-lxml python3-xmlsec python3-pysaml2 clang libclang-rt-14-dev
libaprutil1-dbd-sqlite3 sqlite3 valgrind git wrk libapache2-mod-auth-mellon memcached redis-server
chromium chromium-driver python3-selenium python3-cryptography
postgresql libaprutil1-dbd-pgsql"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
