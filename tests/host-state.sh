#!/bin/sh
# Did an install leave the host as it found it? The README's commands install
# Debian packages whose maintainer scripts would start and enable services
# (apache2, memcached, redis-server, postgresql) and enable Apache modules
# (mod_auth_mellon); scripts/install-deps.sh must prevent or undo all of it.
#
#   sh tests/host-state.sh snapshot FILE     record the host's state
#   sh tests/host-state.sh compare FILE      compare the host with it; prints
#                                            "N passed, N failed", exit 1 on any
#
# The state: enabled service links (systemd *.wants, SysV S links), running
# service daemons (by name: a test suite running meanwhile counts too), Apache's enabled modules, configurations and sites, and
# whether a policy-rc.d is in place. Apache's enabled set may differ only when
# apache2 itself was installed in between, and then only by apache2's own
# defaults: every newly enabled module, configuration or site must be one that
# the apache2 packages ship, never another package's (auth_mellon's).
set -u

services() {
    { find /etc/systemd/system -path '*.wants/*' 2>/dev/null
      find /etc/rc0.d /etc/rc1.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d /etc/rc6.d /etc/rcS.d \
           -name 'S*' 2>/dev/null
    } | sort
}
# Daemons of this system only: in a chroot, /proc also shows the processes of
# the host around it (a test suite's own servers), whose root is another one.
daemons() {
    me=$(stat -L -c %d:%i /)
    for p in /proc/[0-9]*; do
        [ "$(stat -L -c %d:%i "$p/root" 2>/dev/null)" = "$me" ] || continue
        cat "$p/comm" 2>/dev/null
    done | grep -xE 'apache2|memcached|redis-server|postgres|chromium' | sort -u
}
apache_enabled() {
    for d in mods conf sites; do
        ls -d /etc/apache2/$d-enabled/* 2>/dev/null || true
    done | sort
}

case "${1:-}" in
snapshot)
    out=$2
    { echo "## services"; services
      echo "## daemons"; daemons
      echo "## apache"; apache_enabled
      echo "## apache2 installed"
      dpkg-query -W -f='${Status}\n' apache2 2>/dev/null | grep -q 'install ok installed' && echo yes
      echo "## policy"; [ ! -e /usr/sbin/policy-rc.d ] || md5sum /usr/sbin/policy-rc.d
    } >"$out"
    ;;
compare)
    before=$2
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    for part in services daemons apache; do
        sed -n "/^## $part\$/,/^## /p" "$before" | sed '1d;/^## /d' >"$tmp/$part"
    done
    passed=0 failed=0
    check() {            # what, and what differs (empty: nothing)
        if [ -z "$2" ]; then
            echo "ok: $1"; passed=$((passed + 1))
        else
            echo "FAIL: $1:" $2; failed=$((failed + 1))
        fi
    }
    check "no service enabled" "$(services | comm -13 "$tmp/services" -)"
    check "no service disabled" "$(services | comm -23 "$tmp/services" -)"
    check "no service daemon started" "$(daemons | comm -13 "$tmp/daemons" -)"
    check "no service daemon stopped" "$(daemons | comm -23 "$tmp/daemons" -)"
    added=$(apache_enabled | comm -13 "$tmp/apache" -)
    if sed -n '/^## apache2 installed$/,/^## /p' "$before" | grep -qx yes; then
        check "Apache's enabled modules, confs and sites unchanged" "$added"
    else
        # apache2 came with the install: only its own defaults may be there.
        foreign=""
        for link in $added; do
            target=$(readlink -f "$link")
            owner=$(dpkg -S "$target" 2>/dev/null | cut -d: -f1)
            case "$owner" in apache2|apache2-bin|apache2-data) ;; *) foreign="$foreign $link($owner)" ;; esac
        done
        check "nothing enabled in Apache but apache2's own defaults" "$foreign"
    fi
    check "Apache's enabled modules, confs and sites not removed" "$(apache_enabled | comm -23 "$tmp/apache" -)"
    now=""; [ -e /usr/sbin/policy-rc.d ] && now=$(md5sum /usr/sbin/policy-rc.d)
    was=$(sed -n '/^## policy$/,$p' "$before" | sed '1d')
    [ "$now" = "$was" ] && d="" || d="policy-rc.d was '$was', is '$now'"
    check "policy-rc.d as it was" "$d"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    ;;
*)
    echo "usage: $0 snapshot|compare FILE" >&2; exit 2 ;;
esac
