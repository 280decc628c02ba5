#!/bin/sh
# The unit tests and fuzz-corpus replays built with AddressSanitizer and
# UndefinedBehaviorSanitizer, in a scratch copy of the tree (so the normal
# in-tree build is untouched). Any report fails the run.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
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
echo "sanitizers: clean (ASan+UBSan, leaks checked)"
