#!/bin/sh
# Install what is missing, build, and run every test: the check unit tests of
# saml/ and the integration suite against a real Apache with the module.
set -u
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh || exit 1
sh scripts/build.sh || exit 1
make -j"$(nproc)" check >/tmp/sequr-make-check.$$ 2>&1
rc=$?
grep -E '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR):' /tmp/sequr-make-check.$$
if [ $rc -ne 0 ]; then
    for log in tests/unit/*.log tests/integration/*.log; do
        [ -f "$log" ] || continue
        grep -qE '^(FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null && { echo "=== $log"; tail -n 80 "$log"; }
    done
fi
pass=$(sed -n 's/^# PASS: *//p' /tmp/sequr-make-check.$$)
fail=$(sed -n 's/^# FAIL: *//p' /tmp/sequr-make-check.$$)
err=$(sed -n 's/^# ERROR: *//p' /tmp/sequr-make-check.$$)
rm -f /tmp/sequr-make-check.$$
echo "test programs: ${pass:-0} passed, $(( ${fail:-0} + ${err:-0} )) failed"
exit $rc
