"""memcached and redis-server started by the tests on 127.0.0.1 on a free
port, stopped (SIGKILL: like a crash) and started again on the same port.

"rediss" is Redis as the clouds run it: TLS only, with a CA and a server
certificate made here with openssl at start, the default user off and an ACL
user allowed only the commands the module sends; the module is given the CA
(SequrSAMLCacheCAFile) and the user's password file (SequrSAMLCachePasswordFile)."""
import os
import subprocess

import harness

BINARIES = {"memcache": "/usr/bin/memcached", "redis": "/usr/bin/redis-server",
            "rediss": "/usr/bin/redis-server"}

ACL_USER = "sequr-farm"
ACL_PASSWORD = "farm-s3cret with spaces"
ACL_RULES = ["~*", "+get", "+set", "+getdel", "+del", "+exists"]


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_ca(d, name, cn):
    key, cert = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", cert, "-subj", "/CN=" + cn, "-days", "2")
    return key, cert


def make_server_cert(d, ca_key, ca_cert, san):
    key, csr, cert = (os.path.join(d, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(d, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\nextendedKeyUsage=serverAuth\n" % san)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=redis.test")
    openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext)
    return key, cert


def secret_file(d, name, text, mode=0o600):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


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
        if kind == "rediss":
            self.make_tls_files()

    def make_tls_files(self):
        d = self.dir = harness.tempdir("sequr-rediss-")
        self.ca_key, self.ca_file = make_ca(d, "ca", "Sequr farm test CA")
        self.other_ca_file = make_ca(d, "other-ca", "Some other CA")[1]
        self.server_key, self.server_cert = make_server_cert(d, self.ca_key, self.ca_file,
                                                             "IP:127.0.0.1,DNS:localhost")
        self.password_file = secret_file(d, "redis.password",
                                         "%s %s\n" % (ACL_USER, ACL_PASSWORD))
        self.wrong_password_file = secret_file(d, "wrong.password", "%s nope\n" % ACL_USER)

    @property
    def provider(self):
        """The provider's name in the module's log ("session store: NAME ...")."""
        return "redis" if self.kind == "rediss" else self.kind

    @property
    def scheme(self):
        """What a SequrSAMLCache value for this kind starts with."""
        return "rediss://" if self.kind == "rediss" else self.kind + ":"

    @property
    def spec(self):
        """The SequrSAMLCache value for this server."""
        return "%s127.0.0.1:%d" % (self.scheme, self.port)

    def directives(self, password_file=None, ca_file=None):
        """The cache's directives for saml_directives (name without SequrSAML)."""
        d = {"Cache": self.spec}
        if self.kind == "rediss":
            d["CachePasswordFile"] = '"%s"' % (password_file or self.password_file)
            d["CacheCAFile"] = '"%s"' % (ca_file or self.ca_file)
        return d

    def argv(self):
        if self.kind == "memcache":
            return [self.binary, "-l", "127.0.0.1", "-p", str(self.port), "-U", "0",
                    "-m", "64", "-u", "nobody"]
        if self.kind == "rediss":
            return [self.binary, "--port", "0", "--tls-port", str(self.port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--tls-cert-file", self.server_cert, "--tls-key-file", self.server_key,
                    "--tls-ca-cert-file", self.ca_file, "--tls-auth-clients", "optional",
                    "--user", "default", "off",
                    "--user", ACL_USER, "on", ">" + ACL_PASSWORD] + ACL_RULES
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
