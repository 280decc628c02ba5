#!/bin/sh
# Install what is missing, build, and run every test: the check unit tests of
# saml/, the fuzz-corpus replays and the integration suite against a real
# Apache (`make check`); then the unit tests again under ASan+UBSan, and each
# libFuzzer harness for FUZZ_SECONDS (default 30). SEQUR_QUICK=1 stops after
# `make check`.
set -u
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh test || exit 1
sh scripts/build.sh || exit 1

out=$(mktemp)
make -j"$(nproc)" check >"$out" 2>&1
rc=$?
grep -E '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR):' "$out"
if [ $rc -ne 0 ]; then
    grep -E 'error|Error' "$out" | grep -v '^PASS' | head -n 20
    for trs in $(find tests -name '*.trs'); do
        if grep -qE ':test-result: (FAIL|ERROR)' "$trs"; then
            echo "=== ${trs%.trs}.log"
            tail -n 100 "${trs%.trs}.log"
        fi
    done
fi
rm -f "$out"
# Test cases of make check: check's "Checks: N, Failures: F, Errors: E" lines of
# the unit programs plus the integration runner's "N passed, N failed".
counts=$(cat $(find tests -name '*.log' ! -name 'test-suite.log') 2>/dev/null | awk '
    /^[0-9]+%: Checks: / { gsub(",", ""); n += $3; bad += $5 + $7 }
    /^[0-9]+ passed, [0-9]+ failed/ { n += $1 + $3; bad += $3 }
    END { print n - bad, bad }')
passed=${counts% *}
failed=${counts#* }
echo "make check: $passed passed, $failed failed"

if [ "${SEQUR_QUICK:-0}" != 1 ]; then
    echo "--- unit tests and corpus replays under AddressSanitizer + UndefinedBehaviorSanitizer"
    if sh scripts/test-sanitizers.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); rc=1; fi
    echo "--- fuzzing, ${FUZZ_SECONDS:-30} s per harness"
    if sh tests/fuzz/ci.sh >fuzz.log 2>&1; then
        passed=$((passed + 1))
    else
        tail -n 60 fuzz.log
        failed=$((failed + 1))
        rc=1
    fi
    grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs)' fuzz.log || true
fi
[ $rc -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "total: $passed passed, $failed failed"
exit $rc
