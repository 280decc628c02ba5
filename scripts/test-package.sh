#!/bin/sh
# Test the Debian package on a clean Debian 12 (bookworm), never on this host:
#
#   sh scripts/test-package.sh        (as root)
#
# Measured on 2 cores shared with other builds: about 8 minutes when the
# package is (re)built first (the build 4 to 5 of them), 1.5 minutes with the
# package built and the chroot cached; the first run also bootstraps the
# chroot (about 4 minutes more).
#
# 1. builds libapache2-mod-sequr-saml_<version>_<arch>.deb with scripts/deb.sh
#    unless one newer than every tracked file (but this test's own) is already
#    there (SEQUR_DEB=FILE tests that file instead), and runs lintian on it and
#    on its .changes;
# 2. unpacks a debootstrap'd bookworm (minbase) into a temporary directory and
#    runs `apt-get install ./libapache2-mod-sequr-saml_*.deb` there, which pulls
#    apache2 and the libraries; checks the module (no .la), sequr_saml.load and
#    .conf, `a2query -m sequr_saml`, /var/lib/sequr-saml's owner,
#    `sequr-saml-admin --version` and the manual page;
# 3. makes a site of conf/example-site.conf (its VirtualHost on 127.0.0.1 and a
#    free port, the IdP's federation metadata where the example expects it,
#    a CGI at /protected that shows REMOTE_USER), starts the chroot's Apache
#    with apache2ctl, and signs in through tests/idp/azure_idp.py, which runs
#    on this host (the chroot shares its loopback) with curl
#    (tests/package/signin.py); then stops Apache;
# 4. `apt-get remove` disables the module and leaves an Apache that starts
#    without it; `apt-get purge` removes the configuration.
#
# The bare chroot is cached as a tarball in /var/cache/sequr-saml-test/ (delete
# it to bootstrap again) and so are the .debs apt fetches into it. The mirror is
# the one this host's apt uses (SEQUR_DEBIAN_MIRROR overrides it). Each chroot
# command runs in a mount namespace of its own (/proc, /sys, /dev there only);
# no service is started by the chroot's maintainer scripts (policy-rc.d), any
# process left in the chroot is killed and the chroot is removed at the end,
# whatever happens. Nothing is installed on this host except, when missing,
# the test dependencies (scripts/install-deps.sh test).
#
# One line per check, "ok: ..." or "FAILED: ...", and last
# "test-package: N passed, N failed"; exit status 1 on any failure.
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=scripts/chroot-lib.sh
. scripts/chroot-lib.sh
top=$(pwd)
[ "$(id -u)" = 0 ] || { echo "test-package: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
for tool in debootstrap lintian dpkg-buildpackage curl /usr/bin/python3; do
    command -v $tool >/dev/null || { sh scripts/install-deps.sh test; break; }
done
PY=/usr/bin/python3         # Debian's, with lxml and xmlsec (the IdP needs them)

started=$(date +%s)
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }
check() {           # check "what" command...: ok or FAILED with the output
    what=$1; shift
    if out=$("$@" 2>&1); then ok "$what"; else bad "$what"; printf '%s\n' "$out" | tail -n 20 | sed 's/^/    /'; fi
}
finish() {
    elapsed=$(( $(date +%s) - started ))
    echo "test-package: $((elapsed / 60)) min $((elapsed % 60)) s"
    echo "test-package: $passed passed, $failed failed"
}

# --------------------------------------------------------------------------- the package
ARCH=$(dpkg --print-architecture)
PKG=libapache2-mod-sequr-saml
VERSION=$(dpkg-parsechangelog -S Version)
UPSTREAM=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' configure.ac)
if [ -n "${SEQUR_DEB:-}" ]; then
    deb=$(cd "$(dirname "$SEQUR_DEB")" && pwd)/$(basename "$SEQUR_DEB")
else
    deb=$top/${PKG}_${VERSION}_$ARCH.deb
    newer=""
    if [ -f "$deb" ]; then
        newer=$(git ls-files 2>/dev/null | grep -v -e '^scripts/test-package[.]sh$' -e '^tests/package/' |
                while IFS= read -r f; do
                    if [ "$f" -nt "$deb" ]; then echo "$f"; break; fi
                done)
    fi
    if [ ! -f "$deb" ] || [ -n "$newer" ]; then
        [ -z "$newer" ] || echo "--- $newer is newer than $(basename "$deb")"
        echo "--- sh scripts/deb.sh"
        if ! sh scripts/deb.sh; then
            bad "scripts/deb.sh builds the package"; finish; exit 1
        fi
    fi
fi
[ -f "$deb" ] || { bad "no package $deb"; finish; exit 1; }
ok "package $(basename "$deb")"

changes=${deb%.deb}.changes
for f in "$deb" "$changes"; do
    [ -f "$f" ] || { bad "lintian: no $(basename "$f")"; continue; }
    out=$(lintian --tag-display-limit 0 "$f" 2>&1 | grep -v 'running with root privileges' || true)
    [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    lintian: /'
    if printf '%s\n' "$out" | grep -q '^E:'; then
        bad "lintian $(basename "$f"): errors"
    else
        ok "lintian $(basename "$f"): no errors ($(printf '%s\n' "$out" | grep -c '^W:' || true) warnings)"
    fi
done

# --------------------------------------------------------------------------- the chroot
CACHE=/var/cache/sequr-saml-test
TARBALL=$CACHE/debian12-bookworm-minbase-$ARCH.tar.gz
DEBS=$CACHE/debian12-bookworm-debs
mkdir -p "$CACHE" "$DEBS/partial"

# This host's Debian mirror and security mirror (deb822 or one-line sources).
uris=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
       2>/dev/null | sed -n -e 's/^URIs:[[:space:]]*//p' \
                            -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
       | tr ' ' '\n' | sed 's,/*$,,')
MIRROR=${SEQUR_DEBIAN_MIRROR:-$(printf '%s\n' "$uris" | grep -m 1 '/debian$' || echo http://deb.debian.org/debian)}
SECURITY=$(printf '%s\n' "$uris" | grep -m 1 '/debian-security$' || echo http://deb.debian.org/debian-security)

root=$(mktemp -d /var/tmp/sequr-pkgtest.XXXXXX)
work=$(mktemp -d /tmp/sequr-pkgtest-host.XXXXXX)
chmod 755 "$work"
boot=""
idp_pid=""

cleanup() {
    rc=$?
    trap - EXIT INT TERM
    if [ -n "$idp_pid" ]; then kill "$idp_pid" 2>/dev/null || true; wait "$idp_pid" 2>/dev/null || true; fi
    chroot_stop_processes "$root"
    chroot_remove "$root" test-package
    [ -z "$boot" ] || rm -rf --one-file-system "$boot" "$TARBALL.tmp.$$"
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# inroot CMD...: run CMD in the chroot, in a private mount namespace with
# /proc, /sys, /dev (bound from the host), a private /dev/pts and /dev/shm, and
# the cached .debs as apt's archive. A daemon started there keeps its namespace.
inroot() {
    unshare --mount --propagation private /bin/sh -eu -c '
        root=$1 debs=$2; shift 2
        mount -t proc proc "$root/proc"
        mount -t sysfs sysfs "$root/sys"
        mount --bind /dev "$root/dev"
        mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$root/dev/pts"
        mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
        mount --bind "$debs" "$root/var/cache/apt/archives"
        exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
    ' sh "$root" "$DEBS" "$@"
}

if [ ! -s "$TARBALL" ]; then
    echo "--- debootstrap bookworm from $MIRROR into $TARBALL (once)"
    boot=$(mktemp -d "$CACHE/boot-bookworm.XXXXXX")
    if ! nice -n 10 debootstrap --variant=minbase bookworm "$boot" "$MIRROR" >"$work/debootstrap.log" 2>&1; then
        tail -n 30 "$work/debootstrap.log"
        bad "debootstrap bookworm"; finish; exit 1
    fi
    rm -rf "$boot/var/cache/apt/archives/"*.deb "$boot/var/lib/apt/lists/"*_Packages
    tar -C "$boot" --numeric-owner -czf "$TARBALL.tmp.$$" .
    mv "$TARBALL.tmp.$$" "$TARBALL"
    rm -rf --one-file-system "$boot"; boot=""
fi
tar -C "$root" --numeric-owner -xpzf "$TARBALL"
chmod 755 "$root"          # mktemp's 0700 would keep www-data out of the chroot's /
cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
rm -f "$root/etc/apt/sources.list"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/hosts "$root/etc/hosts"
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$root/etc/apt/apt.conf.d/99keep-debs"
printf '#!/bin/sh\n# sequr-saml test-package: no service starts in this chroot\nexit 101\n' \
    >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp "$deb" "$root/tmp/"
chmod 644 "$root/tmp/$(basename "$deb")"

# --------------------------------------------------------------------------- install
echo "--- apt-get install ./$(basename "$deb") in a clean Debian 12 chroot"
APT="apt-get -y -q -o DPkg::Lock::Timeout=60"
if inroot $APT update >"$work/apt.log" 2>&1 &&
   inroot sh -c "cd /tmp && $APT install ./$(basename "$deb")" >>"$work/apt.log" 2>&1; then
    ok "apt-get install ./$(basename "$deb") (pulls $(grep -c '^Setting up' "$work/apt.log") packages, apache2 among them: $(inroot dpkg-query -W -f='${Version}' apache2 2>/dev/null))"
else
    tail -n 40 "$work/apt.log"
    bad "apt-get install ./$(basename "$deb")"; finish; exit 1
fi
if [ ! -x "$root/usr/sbin/apache2ctl" ] || [ ! -f "$root/usr/share/apache2/apache2-maintscript-helper" ]; then
    bad "apache2 (apache2ctl, apache2-maintscript-helper) installed with the package"; finish; exit 1
fi

mods=$root/usr/lib/apache2/modules
load=$root/etc/apache2/mods-available/sequr_saml.load
conf=$root/etc/apache2/mods-available/sequr_saml.conf
check "module /usr/lib/apache2/modules/mod_sequr_saml.so" test -f "$mods/mod_sequr_saml.so"
check "no .la in the package" sh -c "! dpkg-deb -c '$deb' | grep -q '[.]la\$'"
check "sequr_saml.load says '# Depends: authn_core authz_core'" \
    grep -qx '# Depends: authn_core authz_core' "$load"
check "sequr_saml.load loads /usr/lib/apache2/modules/mod_sequr_saml.so" \
    grep -qx 'LoadModule sequr_saml_module /usr/lib/apache2/modules/mod_sequr_saml.so' "$load"
check "sequr_saml.conf in mods-available" test -f "$conf"
q=$(inroot a2query -m sequr_saml 2>&1 || true)
case "$q" in
    *"enabled by maintainer script"*) ok "a2query -m sequr_saml: $q" ;;
    *) bad "a2query -m sequr_saml: $q" ;;
esac
check "mods-enabled/sequr_saml.load and .conf are links" \
    test -L "$root/etc/apache2/mods-enabled/sequr_saml.load" -a -L "$root/etc/apache2/mods-enabled/sequr_saml.conf"
owner=$(inroot stat -c '%U:%G %a' /var/lib/sequr-saml 2>&1 || true)
if [ "$owner" = "www-data:www-data 750" ]; then ok "/var/lib/sequr-saml: $owner"; else bad "/var/lib/sequr-saml: $owner"; fi
v=$(inroot /usr/sbin/sequr-saml-admin --version 2>&1 || true)
if [ "$v" = "sequr-saml-admin (mod_sequr_saml) $UPSTREAM" ]; then
    ok "/usr/sbin/sequr-saml-admin --version: $v"
else
    bad "/usr/sbin/sequr-saml-admin --version: '$v' (want $UPSTREAM)"
fi
check "manual page /usr/share/man/man8/sequr-saml-admin.8.gz" \
    sh -c "zcat '$root/usr/share/man/man8/sequr-saml-admin.8.gz' | grep -q '^[.]TH SEQUR.-SAML.-ADMIN 8 '"
m=$(inroot apache2ctl -M 2>&1 || true)
case "$m" in
    *sequr_saml_module*) ok "apache2ctl -M lists sequr_saml_module" ;;
    *) bad "apache2ctl -M: $m" ;;
esac

# --------------------------------------------------------------------------- a site, a sign-in
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
site=http://127.0.0.1:$port
entity=$(sed -n 's/^[[:space:]]*SequrSAMLSPEntityID[[:space:]]\{1,\}//p' conf/example-site.conf)
metadata=$(sed -n 's/^[[:space:]]*SequrSAMLIdPMetadataFile[[:space:]]\{1,\}//p' conf/example-site.conf)
user=alice.smith@contoso.example
case "$metadata" in /etc/apache2/*) ;; *) bad "conf/example-site.conf: no SequrSAMLIdPMetadataFile under /etc/apache2"; finish; exit 1 ;; esac

# The IdP runs on this host, with a throwaway key pair.
openssl req -x509 -newkey rsa:2048 -nodes -days 60 -subj "/CN=Microsoft Azure Federated SSO Certificate" \
    -keyout "$work/idp.key" -out "$work/idp.crt" >/dev/null 2>&1
$PY tests/idp/azure_idp.py --port 0 --key "$work/idp.key" --cert "$work/idp.crt" \
    --sp-acs "$site/saml/acs" --sp-entity-id "$entity" --public-host localhost \
    >"$work/idp.out" 2>"$work/idp.err" &
idp_pid=$!
idp=""
for _ in $(seq 100); do
    idp=$(sed -n 's,^listening on http://127[.]0[.]0[.]1:\([0-9]*\)/\([^/]*\)/saml2$,http://localhost:\1/\2,p' "$work/idp.out")
    [ -z "$idp" ] || break
    kill -0 "$idp_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -n "$idp" ]; then ok "local IdP (tests/idp/azure_idp.py) at $idp"; else bad "local IdP: $(cat "$work/idp.err")"; fi

# The site: conf/example-site.conf on 127.0.0.1:$port, the IdP's federation
# metadata where the example expects it, and a CGI at /protected that shows
# REMOTE_USER (ScriptAlias: /protected/page runs the script).
mkdir -p "$root$(dirname "$metadata")"
check "the IdP's federation metadata into the chroot's $metadata" \
    curl -s -S -f -o "$root$metadata" "$idp/federationmetadata/2007-06/federationmetadata.xml"
sed -e "s|<VirtualHost \*:443>|<VirtualHost 127.0.0.1:$port>|" \
    -e "s|^\([[:space:]]*\)ServerName .*|\1ServerName 127.0.0.1:$port|" \
    -e "s|^</VirtualHost>|    ScriptAlias /protected /usr/lib/cgi-bin/sequr-whoami\n</VirtualHost>|" \
    conf/example-site.conf >"$root/etc/apache2/sites-available/sequr-example.conf"
printf '%s\n' '#!/bin/sh' \
    "printf 'Content-Type: text/plain\\r\\n\\r\\n'" \
    "printf 'REMOTE_USER=%s\\n' \"\$REMOTE_USER\"" \
    "printf 'AUTH_TYPE=%s\\n' \"\$AUTH_TYPE\"" >"$root/usr/lib/cgi-bin/sequr-whoami"
chmod 755 "$root/usr/lib/cgi-bin/sequr-whoami"
echo "Listen 127.0.0.1:$port" >"$root/etc/apache2/ports.conf"
check "a2dissite 000-default, a2ensite sequr-example, a2enmod cgid" \
    inroot sh -c 'a2dissite -q 000-default && a2ensite -q sequr-example && a2enmod -q cgid'
check "sequr-saml-admin check --config /etc/apache2 (with apache2 -t)" \
    inroot /usr/sbin/sequr-saml-admin check --config /etc/apache2
check "apache2ctl start" inroot apache2ctl start
up=0
for _ in $(seq 100); do
    if curl -s -o /dev/null "$site/"; then up=1; break; fi
    sleep 0.1
done
[ "$up" = 1 ] || bad "Apache in the chroot answers on $site"
echo "--- sign in through the local IdP"
if $PY tests/package/signin.py --url "$site" --idp "$idp" --user "$user" >"$work/signin.out" 2>&1 &&
   [ "$(tail -n 1 "$work/signin.out")" = "REMOTE_USER=$user" ]; then
    sed 's/^/    /' "$work/signin.out"
    ok "sign-in through the local IdP on $site: REMOTE_USER=$user"
else
    sed 's/^/    /' "$work/signin.out"
    tail -n 20 "$root/var/log/apache2/error.log" 2>/dev/null | sed 's/^/    error.log: /'
    bad "sign-in through the local IdP on $site"
fi
check "apache2ctl stop" inroot apache2ctl stop
for _ in $(seq 100); do
    [ -n "$(chroot_processes "$root")" ] || break
    sleep 0.1
done
left=$(chroot_processes "$root")
if [ -z "$left" ]; then ok "Apache stopped, no process left in the chroot"; else bad "processes left in the chroot: $left"; fi
kill "$idp_pid" 2>/dev/null || true
wait "$idp_pid" 2>/dev/null || true
idp_pid=""

# --------------------------------------------------------------------------- removal
echo "--- apt-get remove, apt-get purge"
if inroot $APT remove "$PKG" >"$work/remove.log" 2>&1; then
    ok "apt-get remove $PKG"
else
    tail -n 20 "$work/remove.log"; bad "apt-get remove $PKG"
fi
q=$(inroot a2query -m sequr_saml 2>&1 || true)
case "$q" in
    *"enabled by"*) bad "a2query -m sequr_saml after remove: $q" ;;
    *) ok "a2query -m sequr_saml after remove: $q" ;;
esac
check "no mods-enabled/sequr_saml.* after remove" \
    test ! -e "$root/etc/apache2/mods-enabled/sequr_saml.load" -a ! -L "$root/etc/apache2/mods-enabled/sequr_saml.load" \
      -a ! -e "$root/etc/apache2/mods-enabled/sequr_saml.conf" -a ! -L "$root/etc/apache2/mods-enabled/sequr_saml.conf"
check "module and sequr-saml-admin gone after remove" \
    test ! -e "$mods/mod_sequr_saml.so" -a ! -e "$root/usr/sbin/sequr-saml-admin"
check "sequr_saml.load and .conf kept after remove (conffiles)" test -f "$load" -a -f "$conf"
check "Apache without the module (site disabled): apache2ctl configtest" \
    inroot sh -c 'a2dissite -q sequr-example && apache2ctl configtest'
if inroot $APT purge "$PKG" >"$work/purge.log" 2>&1; then
    ok "apt-get purge $PKG"
else
    tail -n 20 "$work/purge.log"; bad "apt-get purge $PKG"
fi
check "sequr_saml.load and .conf gone after purge" test ! -e "$load" -a ! -e "$conf"
st=$(inroot dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>&1 || true)
case "$st" in
    ii*|rc*) bad "dpkg status after purge: $st" ;;
    *) ok "dpkg knows $PKG no more after purge" ;;
esac

finish
[ "$failed" = 0 ]
