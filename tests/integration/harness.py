"""Drive a real Apache with the freshly built module, a local Azure-shaped IdP,
and curl, the way a browser would.

Everything a test starts is registered for cleanup (atexit and tearDownClass):
Apache children, IdP processes, temporary directories.
"""
import atexit
import base64
import html
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("SEQUR_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
BUILDDIR = os.environ.get("SEQUR_BUILDDIR") or SRCDIR
sys.path.insert(0, os.path.join(SRCDIR, "tests", "idp"))

import azure_idp as az   # noqa: E402

APACHE = os.environ.get("SEQUR_APACHE", "/usr/sbin/apache2")
MODULES = "/usr/lib/apache2/modules"
MODULE_SO = os.path.join(BUILDDIR, ".libs", "mod_sequr_saml.so")
PYTHON = "/usr/bin/python3"
AS_ROOT = os.geteuid() == 0
SP_ENTITY_ID = "https://sequr.example.test/saml"
COOKIE = "sequr_saml_session"
USER = "alice.smith@contoso.example"

_cleanups = []


def _cleanup_all():
    while _cleanups:
        try:
            _cleanups.pop()()
        except Exception:
            pass


atexit.register(_cleanup_all)


_handed_out = set()


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    """A port nothing listens on, below the kernel's ephemeral range.

    A port the kernel picked for us (bind to 0) comes from the range it also
    gives to outgoing connections: by the time a server binds it, a client
    socket of this or a parallel test may hold it, and the server dies with
    "Address already in use" (seen once in CI). Ports below the range are
    never picked by the kernel; the ones handed out here are not reused.
    """
    import random
    low, _ = _ephemeral_range()
    top = min(low, 65536) - 1
    bottom = 20000 if top > 21000 else 1024
    for _ in range(200):
        port = random.randint(bottom, top)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    with socket.socket() as s:         # a crowded host: fall back to the kernel
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc=None, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def tempdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)          # Apache's children run as www-data when we are root
    if not os.environ.get("SEQUR_KEEP"):       # SEQUR_KEEP=1 keeps logs for a post-mortem
        _cleanups.append(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


def give_to_apache_user(path):
    if AS_ROOT:
        shutil.chown(path, "www-data", "www-data")


_module_copy = []


def module_copy():
    """A private copy of the built module, taken once per run: a `make` running in
    the same tree during the suite must not swap the file under our Apaches."""
    if not _module_copy:
        d = tempdir("sequr-module-")
        path = os.path.join(d, "mod_sequr_saml.so")
        shutil.copy2(MODULE_SO, path)
        _module_copy.append(path)
    return _module_copy[0]


def module_available():
    """None when Apache and the built module are there, else why not."""
    if not os.access(APACHE, os.X_OK):
        return "no %s" % APACHE
    if not os.path.exists(MODULE_SO):
        return "module not built: %s" % MODULE_SO
    return None


# --------------------------------------------------------------------------- curl

class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def location(self):
        return self.header("Location")

    def set_cookie(self, name=COOKIE):
        """The Set-Cookie of cookie name; for the session cookie also under the
        __Host- prefix it carries on https (preferred)."""
        names = ("__Host-" + name, name) if name == COOKIE else (name,)
        for n in names:
            for v in self.all("Set-Cookie"):
                if v.startswith(n + "="):
                    return v
        return None

    def request_cookie(self):
        """"name=value" of the sign-in request cookie this reply sets (what the
        browser sends back to PATH/acs), or None."""
        for v in self.all("Set-Cookie"):
            pair = v.split(";", 1)[0]
            if "-req-" in pair.split("=", 1)[0] and not pair.endswith("="):
                return pair
        return None

    def cookie_value(self, name=COOKIE):
        sc = self.set_cookie(name)
        return sc.split(";", 1)[0].split("=", 1)[1] if sc else None

    def form_fields(self):
        return {k: html.unescape(v) for k, v in
                re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', self.text)}

    def form_action(self):
        m = re.search(r'<form method="POST" name="hiddenform" action="([^"]*)"', self.text)
        return html.unescape(m.group(1)) if m else None

    def __repr__(self):
        return "<Reply %s %s %r>" % (self.status, self.headers, self.body[:300])


def curl(url, data=None, jar=None, cookie=None, headers=(), method=None, insecure=False,
         timeout=15):
    """One HTTP exchange with curl, no redirects followed. data: dict (sent
    form-urlencoded, values url-encoded by curl) or None. jar: a cookie-jar path
    kept like a browser's. cookie: an explicit "name=value" Cookie header."""
    work = tempfile.mkdtemp(prefix="curl-")
    try:
        hfile, bfile = os.path.join(work, "h"), os.path.join(work, "b")
        cmd = ["curl", "-s", "-S", "-D", hfile, "-o", bfile, "--max-time", str(timeout),
               "-w", "%{http_code}"]
        if jar:
            cmd += ["-b", jar, "-c", jar]
        if cookie:
            cmd += ["-H", "Cookie: " + cookie]
        if insecure:
            cmd += ["-k"]
        for h in headers:
            cmd += ["-H", h]
        if method:
            cmd += ["-X", method]
        if data is not None:
            for i, (k, v) in enumerate(data.items()):
                f = os.path.join(work, "d%d" % i)
                with open(f, "w") as fh:
                    fh.write(v)
                cmd += ["--data-urlencode", "%s@%s" % (k, f)]
        cmd.append(url)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 5)
        if r.returncode != 0:
            raise AssertionError("curl %s failed: %s" % (url, r.stderr.strip()))
        with open(hfile, "rb") as f:
            raw = f.read().decode("latin-1")
        with open(bfile, "rb") if os.path.exists(bfile) else open(os.devnull, "rb") as f:
            body = f.read()
        block = raw.strip().split("\r\n\r\n")[-1]      # last response (after 100-continue)
        lines = block.split("\r\n")
        hdrs = [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:] if ":" in l]
        return Reply(int(r.stdout.strip() or 0), hdrs, body)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def jar_request_cookies(jar):
    """"name=value" of every sign-in request cookie in a curl jar."""
    try:
        with open(jar) as f:
            rows = [l.rstrip("\n").split("\t") for l in f]
    except FileNotFoundError:
        return []
    return ["%s=%s" % (r[5], r[6]) for r in rows if len(r) == 7 and "-req-" in r[5]]


def decode_authn_request(location):
    """(query dict, AuthnRequest XML bytes) from a redirect to the IdP."""
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    xml = zlib.decompress(base64.b64decode(q["SAMLRequest"][0]), -15)
    return {k: v[0] for k, v in q.items()}, xml


# --------------------------------------------------------------------------- Apache

BASE_CONF = """\
ServerRoot "{root}"
ServerName 127.0.0.1:{port}
Listen 127.0.0.1:{port}
{listen_extra}
PidFile "{root}/run/httpd.pid"
DefaultRuntimeDir "{root}/run"
ErrorLog "{root}/logs/error.log"
LogLevel info sequr_saml:debug
LogFormat "%h %u \\"%r\\" %>s %b" short
CustomLog "{root}/logs/access.log" short
{user}
LoadModule mpm_prefork_module {mods}/mod_mpm_prefork.so
LoadModule authn_core_module {mods}/mod_authn_core.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule authz_user_module {mods}/mod_authz_user.so
LoadModule mime_module {mods}/mod_mime.so
LoadModule dir_module {mods}/mod_dir.so
LoadModule alias_module {mods}/mod_alias.so
LoadModule cgi_module {mods}/mod_cgi.so
{extra_modules}
LoadModule sequr_saml_module {module}
TypesConfig /etc/mime.types
StartServers {servers}
MinSpareServers {servers}
MaxSpareServers {max_spare}
MaxRequestWorkers 20
MaxConnectionsPerChild 0
KeepAlive Off
Timeout 20
DocumentRoot "{root}/htdocs"
<Directory "{root}/htdocs">
    Require all granted
</Directory>
ScriptAlias /protected "{root}/cgi/whoami"
<Directory "{root}/cgi">
    Require all granted
</Directory>
<Location /protected>
    AuthType sequr-saml
    Require valid-user
</Location>
# A small file store: the default 1 GiB sparse file is slow to delete after
# every test server; a test's own SequrSAMLCacheEntries below wins.
SequrSAMLCacheEntries 8192
{saml}
"""

WHOAMI = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'REMOTE_USER=%s\\n' "$REMOTE_USER"
printf 'AUTH_TYPE=%s\\n' "$AUTH_TYPE"
printf 'PATH_INFO=%s\\n' "$PATH_INFO"
printf 'QUERY_STRING=%s\\n' "$QUERY_STRING"
"""


def saml_directives(idp_sso_url, idp_cert, idp_entity_id, **more):
    """The SequrSAML* block for a server: the IdP by URL/cert/entity id plus more
    directives given as keyword arguments (name without the SequrSAML prefix)."""
    lines = ["SequrSAMLSPEntityID %s" % SP_ENTITY_ID]
    if idp_sso_url:
        lines.append("SequrSAMLIdPSSOURL %s" % idp_sso_url)
    for c in ([idp_cert] if isinstance(idp_cert, str) else idp_cert or []):
        lines.append('SequrSAMLIdPCertificateFile "%s"' % c)
    if idp_entity_id:
        lines.append("SequrSAMLIdPEntityID %s" % idp_entity_id)
    for k, v in more.items():
        lines.append("SequrSAML%s %s" % (k, v))
    return "\n".join(lines)


class Apache:
    """One Apache instance in its own ServerRoot under a temp dir."""

    def __init__(self, saml_conf="", servers=2, port=None, extra="", extra_modules="",
                 valgrind=False):
        self.valgrind = valgrind
        self.root = tempdir("sequr-httpd-")
        for d in ("run", "logs", "htdocs", "cgi", "conf"):
            os.makedirs(os.path.join(self.root, d))
            os.chmod(os.path.join(self.root, d), 0o755)
        give_to_apache_user(os.path.join(self.root, "run"))
        with open(os.path.join(self.root, "htdocs", "index.html"), "w") as f:
            f.write("<html><body>landing page</body></html>\n")
        whoami = os.path.join(self.root, "cgi", "whoami")
        with open(whoami, "w") as f:
            f.write(WHOAMI)
        os.chmod(whoami, 0o755)
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.acs_url = self.url + "/saml/acs"
        self.servers = servers
        self.extra, self.extra_modules = extra, extra_modules
        self.conf_path = os.path.join(self.root, "conf", "httpd.conf")
        self.error_log = os.path.join(self.root, "logs", "error.log")
        self.proc = None
        self.exit_status = None
        self.write_conf(saml_conf)
        _cleanups.append(self.stop)

    def conf_text(self, saml_conf, listen_extra=""):
        return BASE_CONF.format(
            root=self.root, port=self.port, mods=MODULES, module=module_copy(),
            user="User www-data\nGroup www-data" if AS_ROOT else "",
            servers=self.servers, max_spare=max(self.servers, 2) + 2,
            listen_extra=listen_extra, extra_modules=self.extra_modules,
            saml=saml_conf + "\n" + self.extra)

    def write_conf(self, saml_conf):
        with open(self.conf_path, "w") as f:
            f.write(self.conf_text(saml_conf))

    def configtest(self, conf_text=None):
        """(rc, output) of `apache2 -t` on this config or on conf_text."""
        path = self.conf_path
        if conf_text is not None:
            path = os.path.join(self.root, "conf", "test.conf")
            with open(path, "w") as f:
                f.write(conf_text)
        r = subprocess.run([APACHE, "-d", self.root, "-f", path, "-t"],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout + r.stderr

    def start(self):
        rc, out = self.configtest()
        if rc != 0:
            raise AssertionError("apache configtest failed:\n" + out)
        self.stderr_path = os.path.join(self.root, "logs", "stderr.log")
        ready_before = self.log().count("resuming normal operations")
        cmd = [APACHE, "-d", self.root, "-f", self.conf_path, "-DFOREGROUND"]
        if self.valgrind:      # children are forked, so they run under valgrind too
            vgdir = os.path.join(self.root, "valgrind")
            os.makedirs(vgdir, exist_ok=True)
            give_to_apache_user(vgdir)         # children (www-data) write their own reports
            cmd = ["valgrind", "--log-file=%s/valgrind.%%p.log" % vgdir,
                   "--leak-check=no", "--num-callers=30", "--error-limit=no"] + cmd
        with open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err,
                                         start_new_session=True)
        if not wait_for_port(self.port, self.proc, timeout=90 if self.valgrind else 10):
            with open(self.stderr_path, errors="replace") as f:
                err = f.read()
            self.stop()
            raise AssertionError("apache did not start: %s\n%s" % (err, self.log()))
        # The port opens before the signal handlers exist: a SIGUSR1 sent now
        # would kill the parent. Ready means the "resuming" line is logged.
        try:
            self.wait_for_log_count("resuming normal operations", ready_before,
                                    90 if self.valgrind else 10)
        except AssertionError as e:
            with open(self.stderr_path, errors="replace") as f:
                raise AssertionError("%s\nstderr: %s" % (e, f.read()[-2000:])) from None
        return self

    def wait_for_log_count(self, text, before, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.log().count(text) > before:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError("apache never logged %r:\n%s" % (text, self.log()[-2000:]))

    def stop(self):
        """SIGTERM and wait; self.exit_status keeps the parent's exit status."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60 if self.valgrind else 10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)   # its own group: only our children
                self.proc.wait()
        if self.proc:
            self.exit_status = self.proc.returncode
        self.proc = None

    def graceful(self, timeout=10):
        """SIGUSR1, then wait until the new generation is serving."""
        before = self.log().count("resuming normal operations")
        self.proc.send_signal(signal.SIGUSR1)
        self.wait_for_log_count("resuming normal operations", before, timeout)
        return wait_for_port(self.port, self.proc)

    def valgrind_errors(self, children_only=False):
        """The valgrind reports (one per process) that found errors; children_only
        leaves out the parent's (its start-up and shutdown are tested elsewhere)."""
        bad = []
        logs = os.path.join(self.root, "valgrind")
        for name in sorted(os.listdir(logs)):
            if name.startswith("valgrind."):
                with open(os.path.join(logs, name), errors="replace") as f:
                    text = f.read()
                m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
                if children_only and "Parent PID: %d\n" % os.getpid() in text:
                    continue
                if m and int(m.group(1)) > 0:
                    bad.append(text)
        return bad

    def log(self):
        try:
            with open(self.error_log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_mark(self):
        return len(self.log())

    def log_since(self, mark, expect=None, timeout=2.0):
        """Error-log text written after mark; waits (bounded) for expect to appear."""
        deadline = time.time() + timeout
        while True:
            text = self.log()[mark:]
            if expect is None or re.search(expect, text) or time.time() > deadline:
                return text
            time.sleep(0.05)


# --------------------------------------------------------------------------- IdP process

class IdPProcess:
    """tests/idp/azure_idp.py run as a server, as the suite's "login.microsoftonline.com".
    The SSO URL uses host "localhost" so the IdP is another site than the SP."""

    def __init__(self, sp_acs, sign="assertion", users=None, name_id="upn", extra_args=()):
        self.dir = tempdir("sequr-idp-")
        self.key, self.cert = az.make_keypair(self.dir, "idp")
        self.tenant = az.DEFAULT_TENANT
        self.issuer = az.entra_issuer(self.tenant)
        args = [PYTHON, os.path.join(SRCDIR, "tests", "idp", "azure_idp.py"),
                "--port", "0", "--tenant", self.tenant, "--key", self.key, "--cert", self.cert,
                "--sp-acs", sp_acs, "--sp-entity-id", SP_ENTITY_ID, "--sign", sign,
                "--name-id", name_id, "--public-host", "localhost"] + list(extra_args)
        if users:
            args += ["--users", ",".join(users)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        _cleanups.append(self.stop)
        line = self.proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            raise AssertionError("azure_idp did not start: %r %s" % (line, self.proc.stderr.read()))
        self.port = int(m.group(1))
        self.base_url = "http://localhost:%d/%s" % (self.port, self.tenant)
        self.sso_url = self.base_url + "/saml2"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for s in (self.proc.stdout, self.proc.stderr):
            s and s.close()


# --------------------------------------------------------------------------- test base

class SamlTestCase(unittest.TestCase):
    """A class-wide Apache + Azure IdP. Subclasses set `directives` (dict of
    SequrSAML* settings without the prefix), `servers`, `sign`, `extra`."""
    directives = {}
    servers = 2
    sign = "assertion"
    extra = ""
    idp_name_id = "upn"
    idp_args = ()

    @classmethod
    def setUpClass(cls):
        why = module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = Apache(servers=cls.servers, extra=cls.extra)
        cls.idp = IdPProcess(cls.apache.acs_url, sign=cls.sign, name_id=cls.idp_name_id,
                             extra_args=cls.idp_args)
        cls.apache.write_conf(saml_directives(cls.idp.sso_url, cls.idp.cert, cls.idp.issuer,
                                              **cls.directives))
        cls.apache.start()
        cls.tmp = tempdir("sequr-test-")

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        cls.idp.stop()

    def jar(self):
        return tempfile.mktemp(prefix="jar-", dir=self.tmp)

    def get(self, path, **kw):
        return curl(self.apache.url + path, **kw)

    def start_login(self, path="/protected/page", jar=None):
        """GET a protected path without a session: returns (request id, RelayState, reply).
        The request's cookie (which the ACS wants from the browser that started
        it) is kept in jar; without one, in a jar of its own that post_acs
        then uses for a response to this request, as the browser would."""
        own = jar is None
        jar = jar or self.jar()
        r = self.get(path, jar=jar)
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(self.idp.sso_url + "?"), r.location)
        q, xml = decode_authn_request(r.location)
        rid = re.search(rb'\bID="([^"]+)"', xml).group(1).decode()
        if own:
            SamlTestCase._login_jars[rid] = jar
        return rid, q.get("RelayState"), r

    _login_jars = {}

    def browser_of(self, saml_response):
        """The jar of the start_login (without a jar) whose request
        saml_response answers, or None."""
        try:
            xml = base64.b64decode(saml_response)
        except (ValueError, TypeError):
            return None
        m = re.search(rb'InResponseTo="([^"]+)"', xml)
        return SamlTestCase._login_jars.get(m.group(1).decode()) if m else None

    def response(self, in_response_to=None, user=USER, **kw):
        """An Azure-shaped SAMLResponse signed by the configured IdP key."""
        kw.setdefault("key", self.idp.key)
        kw.setdefault("cert", self.idp.cert)
        kw.setdefault("tenant", self.idp.tenant)
        kw.setdefault("sign", self.sign)
        audience = kw.pop("audience", SP_ENTITY_ID)
        return az.make_response(user, self.apache.acs_url, audience, in_response_to, **kw)

    def post_acs(self, saml_response, relay_state=None, jar=None, cookie=None, browser=True):
        """POST to the ACS. Without jar or cookie, from the browser that started
        the request the response answers (see start_login), unless browser is
        False: then from a browser that holds no cookie at all."""
        if jar is None and browser:
            jar = self.browser_of(saml_response)
        if jar and cookie:
            # curl sends no jar cookie beside an explicit Cookie header: add the
            # sign-in request cookies the jar holds, as the browser would.
            cookie = "; ".join([cookie] + jar_request_cookies(jar))
        data = {"SAMLResponse": saml_response}
        if relay_state is not None:
            data["RelayState"] = relay_state
        return self.get("/saml/acs", data=data, jar=jar, cookie=cookie)

    def sign_in(self, path="/protected/page", user=USER, jar=None, **kw):
        """SP-initiated sign-in with a library-made response; returns the ACS reply."""
        jar = jar or self.jar()
        rid, relay, _ = self.start_login(path, jar=jar)
        r = self.post_acs(self.response(rid, user=user, **kw), relay, jar=jar)
        return r, jar

    def whoami(self, reply):
        return dict(re.findall(r"^(\w+)=(.*)$", reply.text, re.M))

    def assert_refused(self, reply, status, check, mark):
        """status, no cookie, a log line naming check, and a page whose reference
        (correlation id) is on that log line but which tells the browser nothing
        else about why."""
        self.assertEqual(reply.status, status, reply)
        self.assertIsNone(reply.set_cookie(), reply)
        log = self.apache.log_since(mark, expect=r"sequr_saml.*%s" % re.escape(check))
        self.assertRegex(log, r"sequr_saml.*%s" % re.escape(check))
        self.assertIn("no-store", reply.header("Cache-Control") or "", reply)
        ref = re.search(r"<code>([0-9A-Za-z_-]{6,})</code>", reply.text)
        self.assertIsNotNone(ref, "no reference on the error page: %r" % reply.text)
        self.assertRegex(log, r"sequr_saml.*%s.*%s" % (re.escape(check), ref.group(1)))
        if check:
            self.assertNotIn(check, reply.text.lower().replace("sign-in", ""))
