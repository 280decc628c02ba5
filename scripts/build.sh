#!/bin/sh
# Configure (once) and build the module, the core library and the tests.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
    ./configure -q "$@"
fi
make -j"$(nproc)" >/dev/null
