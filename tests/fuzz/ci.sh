#!/bin/sh
# CI's fuzzing step: build the libFuzzer harnesses and run each one for
# FUZZ_SECONDS (default 30); non-zero on any crash, leak, timeout or
# sanitizer report. Run from anywhere after scripts/build.sh.
set -eu
cd "$(dirname "$0")/../.."
make fuzz
make fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
