#!/bin/sh
# The unit tests and fuzz-corpus replays built with AddressSanitizer and
# UndefinedBehaviorSanitizer, in a scratch copy of the tree (so the normal
# in-tree build is untouched); then the whole integration suite once more with
# that ASan-built module loaded into a real Apache. Any report fails the run.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh test
dir=$(mktemp -d /tmp/sequr-asan.XXXXXX)
trap 'rm -rf "$dir"' EXIT
git ls-files -z | xargs -0 tar cf - | tar xf - -C "$dir"
cd "$dir"
autoreconf -fi >/dev/null 2>&1
./configure -q --enable-sanitizers CC=gcc
make -j"$(nproc)" >/dev/null
# use_sigaltstack=0: GCC 12's ASan misreports its own sigaltstack teardown at thread
# exit (stack-use-after-scope in __interceptor_sigaltstack) under glibc 2.36.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:use_sigaltstack=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions="$dir/tests/lsan.supp"
if ! make -j"$(nproc)" check-unit >make.log 2>&1; then
    grep -E '^(PASS|FAIL|ERROR):' make.log
    for trs in $(find tests -name '*.trs'); do
        grep -qE ':test-result: (FAIL|ERROR)' "$trs" && { echo "=== ${trs%.trs}.log"; tail -n 60 "${trs%.trs}.log"; }
    done
    echo "sanitizers: FAILED"
    exit 1
fi
grep -E '^(PASS|FAIL|ERROR):' make.log
echo "sanitizers: unit tests clean (ASan+UBSan, leaks checked)"

# Apache itself is not instrumented: the runtime is preloaded so the module's
# checks work in every child. Leaks are left to valgrind and bench/ (Apache
# frees by pool at exit); every other report lands in reports/.
cat >apache-asan <<WRAP
#!/bin/sh
LD_PRELOAD=$(gcc -print-file-name=libasan.so) exec /usr/sbin/apache2 "\$@"
WRAP
chmod +x apache-asan
# Apache's children run as www-data when we are root: they must reach the reports.
chmod 755 "$dir"
mkdir -m 1777 reports
export ASAN_OPTIONS=detect_leaks=0:use_sigaltstack=0:log_path=$dir/reports/asan
export UBSAN_OPTIONS=print_stacktrace=1:log_path=$dir/reports/ubsan
irc=0
# APACHE_HTTPD: `sequr-saml-admin check` runs `apache2 -t` with the ASan module too.
APACHE_HTTPD=$dir/apache-asan SEQUR_SKIP_FILES=test_load,test_reload_under_load,test_browser \
SEQUR_BUILDDIR=$dir SEQUR_SRCDIR=$dir SEQUR_APACHE=$dir/apache-asan SEQUR_SKIP_VALGRIND=1 \
    /usr/bin/python3 tests/integration/run >integration.log 2>&1 || irc=$?
tail -n 1 integration.log
if [ $irc -ne 0 ] || [ -n "$(ls reports)" ]; then
    grep -E '^(FAIL|ERROR):' integration.log | head -n 20
    for f in reports/*; do [ -f "$f" ] && { echo "=== $f"; head -n 40 "$f"; }; done
    echo "sanitizers: integration suite with the ASan-built module FAILED"
    exit 1
fi
echo "sanitizers: integration suite with the ASan-built module clean"
