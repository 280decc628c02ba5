"""memcached and redis-server started by the tests on 127.0.0.1 on a free
port, stopped (SIGKILL: like a crash) and started again on the same port."""
import os
import subprocess

import harness

BINARIES = {"memcache": "/usr/bin/memcached", "redis": "/usr/bin/redis-server"}


class CacheServer:
    def __init__(self, kind):
        self.kind = kind
        self.binary = BINARIES[kind]
        if not os.access(self.binary, os.X_OK):
            raise AssertionError("%s is missing: scripts/install-deps.sh installs it"
                                 % self.binary)
        self.port = harness.free_port()
        self.proc = None
        harness._cleanups.append(self.stop)

    @property
    def spec(self):
        """The SequrSAMLCache value for this server."""
        return "%s:127.0.0.1:%d" % (self.kind, self.port)

    def argv(self):
        if self.kind == "memcache":
            return [self.binary, "-l", "127.0.0.1", "-p", str(self.port), "-U", "0",
                    "-m", "64", "-u", "nobody"]
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no"]

    def start(self):
        self.proc = subprocess.Popen(self.argv(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        if not harness.wait_for_port(self.port, self.proc):
            raise AssertionError("%s did not start on port %d" % (self.binary, self.port))
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
