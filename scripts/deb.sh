#!/bin/sh
# Build the Debian package libapache2-mod-sequr-saml from this tree:
#
#   sh scripts/deb.sh && apt-get install ./libapache2-mod-sequr-saml_*.deb
#
# runs `dpkg-buildpackage -us -uc -b` (debian/: dh with dh_apache2, as the
# mod_auth_mellon and mod_auth_openidc packages do) on a copy of the tree in a
# temporary directory, so neither this tree's own build (scripts/build.sh) nor
# the parent directory is touched, and leaves
#   libapache2-mod-sequr-saml_<version>_<arch>.deb           the package
#   libapache2-mod-sequr-saml-dbgsym_<version>_<arch>.deb    its debug symbols
#   libapache2-mod-sequr-saml_<version>_<arch>.changes, .buildinfo
# in this tree's top directory (SEQUR_DEB_OUT=DIR puts them elsewhere),
# replacing those of an earlier run. The copy is of the files git tracks plus
# new files that are not ignored (every file, outside a git checkout).
#
# The unit tests and corpus replays run in the build with SEQUR_DEB_CHECK=1
# (a few minutes more); by default the build is DEB_BUILD_OPTIONS=nocheck,
# since scripts/test.sh is the project's test run. As root, missing build
# dependencies are installed first (scripts/install-deps.sh deb).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
out=${SEQUR_DEB_OUT:-$top}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ "${SEQUR_DEB_CHECK:-0}" = 1 ]; then
    profiles=""
    opts="${DEB_BUILD_OPTIONS:-}"
else
    profiles="-Pnocheck"
    opts="nocheck ${DEB_BUILD_OPTIONS:-}"
fi
case " $opts " in *" parallel="*) ;; *) opts="$opts parallel=$(nproc)" ;; esac
DEB_BUILD_OPTIONS=$(echo $opts)
export DEB_BUILD_OPTIONS

# shellcheck disable=SC2086
if ! dpkg-checkbuilddeps $profiles debian/control 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        sh scripts/install-deps.sh deb
    fi
    # shellcheck disable=SC2086
    dpkg-checkbuilddeps $profiles debian/control || {
        echo "deb.sh: install the build dependencies above (as root: sh scripts/install-deps.sh deb)" >&2
        exit 1
    }
fi

pkg=$(dpkg-parsechangelog -S Source)
version=$(dpkg-parsechangelog -S Version)
upstream=${version%-*}
work=$(mktemp -d "${TMPDIR:-/tmp}/sequr-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
src="$work/$pkg-$upstream"
mkdir "$src"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard | while IFS= read -r f; do
        [ -e "$f" ] && printf '%s\n' "$f"
    done | tar -cf - -T - | tar -xf - -C "$src"
else
    tar --exclude=./.git -cf - . | tar -xf - -C "$src"
    # a tree configured in place must not leave its Makefile to the copy
    if [ -f "$src/Makefile" ]; then (cd "$src" && make -s distclean >/dev/null 2>&1) || true; fi
fi

echo "deb.sh: dpkg-buildpackage -us -uc -b $profiles (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS) in $src"
# shellcheck disable=SC2086
if ! (cd "$src" && dpkg-buildpackage -us -uc -b $profiles) >"$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log"
    echo "deb.sh: dpkg-buildpackage failed (the last lines of its log are above)" >&2
    exit 1
fi
# The compiler's warnings, if any (dpkg-shlibdeps' "probably a plugin" about
# the httpd symbols of the module and libtool's --finish advice are expected).
grep -E 'warning:' "$work/build.log" | grep -v -e "it's probably a plugin" \
    -e 'dpkg-shlibdeps: warning: [0-9]* other similar warnings' -e 'libtool --finish' | sort -u || true

rm -f "$out/${pkg}_"*.deb "$out/${pkg}-dbgsym_"*.deb "$out/${pkg}_"*.changes "$out/${pkg}_"*.buildinfo
for f in "$work/${pkg}_"*.deb "$work/${pkg}-dbgsym_"*.deb "$work/${pkg}_"*.changes "$work/${pkg}_"*.buildinfo; do
    [ -e "$f" ] || continue
    mv "$f" "$out/"
    echo "deb.sh: $out/$(basename "$f")"
done
ls "$out/${pkg}_"*.deb >/dev/null
