#!/bin/sh
# Install what is missing, build, and run the demo (see scripts/demo.py).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh demo
sh scripts/build.sh
exec /usr/bin/python3 scripts/demo.py "$@"
