#!/bin/sh
# Install what is missing, build, and run every test: the check unit tests of
# saml/ and the integration suite against a real Apache with the module.
set -u
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh || exit 1
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
# One closing line over every test case: check's "Checks: N, Failures: F, Errors: E"
# lines of the unit programs plus the integration runner's "N passed, N failed".
cat $(find tests -name '*.log' ! -name 'test-suite.log') 2>/dev/null | awk '
    /^[0-9]+%: Checks: / { gsub(",", ""); checks += $3; bad += $5 + $7 }
    /^[0-9]+ passed, [0-9]+ failed/ { checks += $1 + $3; bad += $3 }
    END { printf "all tests: %d passed, %d failed\n", checks - bad, bad }'
exit $rc
