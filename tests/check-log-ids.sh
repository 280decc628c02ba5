#!/bin/sh
# make check: every log line has its own SEQLOGNO id (scripts/log-ids.py), and
# docs/LOG_IDS.md is the list the code makes (regenerate it with
# `scripts/log-ids.py --markdown > docs/LOG_IDS.md`).
src=${SEQUR_SRCDIR:-$(dirname "$0")/..}
passed=0 failed=0
if /usr/bin/python3 "$src/scripts/log-ids.py"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
if /usr/bin/python3 "$src/scripts/log-ids.py" --markdown | cmp -s - "$src/docs/LOG_IDS.md"; then
    passed=$((passed + 1))
else
    echo "docs/LOG_IDS.md differs from the code: scripts/log-ids.py --markdown > docs/LOG_IDS.md"
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
