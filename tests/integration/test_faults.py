"""Faults an operator will meet.

1. The shared cache (memcached, Redis) dies while users sign in and browse:
   every answer is a normal one or a 503 with our page, never a reset or a
   500; nobody is signed in while the replay check cannot be made; children
   never crash; service comes back by itself when the cache does.
2. A certificate file becomes unreadable before `apachectl graceful`: the
   configtest that apachectl runs first fails naming the directive and the
   file, so the running server is not signalled and keeps serving (sessions
   and sign-ins) with the configuration it has."""
import http.client
import os
import queue
import re
import shutil
import threading
import time
import unittest
import urllib.parse

import harness
from harness import COOKIE, SP_ENTITY_ID, USER, Apache, IdPProcess, az, curl, saml_directives
from cacheserver import CacheServer

OUR_PAGE = re.compile(r"Sign-in problem.*<code>[0-9A-Za-z_-]{6,}</code>", re.S)


class Outcome:
    def __init__(self, kind, started, ended, status, body=b"", error=None, cookie=None):
        self.kind, self.started, self.ended = kind, started, ended
        self.status, self.body, self.error, self.cookie = status, body, error, cookie

    def __repr__(self):
        return "<%s %s at %.2f-%.2f %s %r>" % (self.kind, self.status, self.started, self.ended,
                                               self.error or "", self.body[:120])


class Load:
    """Threads that browse with a session and sign in (IdP-initiated, each with
    a fresh signed response from a producer thread) until stopped; every
    exchange is recorded."""

    def __init__(self, port, session_id, make_response, threads=4):
        self.port, self.session_id, self.make_response = port, session_id, make_response
        self.responses = queue.Queue(maxsize=40)
        self.lock = threading.Lock()
        self.outcomes, self.stopping = [], threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(threads)]
        self.threads.append(threading.Thread(target=self.produce, daemon=True))

    def produce(self):
        while not self.stopping.is_set():
            saml = self.make_response()
            while not self.stopping.is_set():
                try:
                    self.responses.put(saml, timeout=0.1)
                    break
                except queue.Full:
                    pass

    def exchange(self, kind, method, path, body=None, headers=None):
        t0 = time.time()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            out = Outcome(kind, t0, time.time(), r.status, data,
                          cookie=r.getheader("Set-Cookie"))
        except Exception as e:            # a reset or a timeout is a finding, not a crash here
            out = Outcome(kind, t0, time.time(), None, error=repr(e))
        finally:
            conn.close()
        with self.lock:
            self.outcomes.append(out)
        return out

    def run(self, i):
        n = i
        while not self.stopping.is_set():
            n += 1
            saml = None
            if n % 2:
                try:
                    saml = self.responses.get_nowait()
                except queue.Empty:
                    pass
            if saml is None:
                self.exchange("browse", "GET", "/protected/load",
                              headers={"Cookie": "%s=%s" % (COOKIE, self.session_id)})
            else:
                self.exchange("sign-in", "POST", "/saml/acs",
                              body=urllib.parse.urlencode({"SAMLResponse": saml}),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
            time.sleep(0.03)

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(30)


class CacheDiesUnderLoad(unittest.TestCase):
    kind = "memcache"

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.cache = CacheServer(cls.kind).start()
        cls.apache = Apache(servers=3)
        cls.idp = IdPProcess(cls.apache.acs_url)
        cls.apache.write_conf(saml_directives(cls.idp.sso_url, cls.idp.cert, cls.idp.issuer,
                                              **cls.cache.directives()))
        cls.apache.start()

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        cls.idp.stop()
        cls.cache.stop()

    def response(self):
        return az.make_response(USER, self.apache.acs_url, SP_ENTITY_ID, None,
                                key=self.idp.key, cert=self.idp.cert, tenant=self.idp.tenant)

    def sign_in(self):
        r = curl(self.apache.acs_url, data={"SAMLResponse": self.response()})
        return r

    def wait_until_signing_in_works(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.sign_in()
            if r.status == 303:
                return r
            self.assertEqual(r.status, 503, r)
            time.sleep(0.2)
        self.fail("no sign-in %.0f s after the cache came back" % timeout)

    def test_cache_killed_and_restarted_under_load(self):
        first = self.sign_in()
        self.assertEqual(first.status, 303, first)
        session_id = first.cookie_value()
        load = Load(self.apache.port, session_id, self.response)
        mark = self.apache.log_mark()
        load.start()
        try:
            time.sleep(1.5)
            killed = time.time()
            self.cache.stop()
            time.sleep(2.0)
            # Right now, with the cache down: a new sign-in and a signed-in user.
            self.assert_our_503(self.sign_in())
            self.assert_our_503(curl(self.apache.url + "/protected/now",
                                     cookie="%s=%s" % (COOKIE, session_id)))
            # Without a session a sign-in still starts: the pending request is in
            # the browser's cookie, nothing is written to the cache for it.
            self.assertEqual(curl(self.apache.url + "/protected/new").status, 302)
            restarted = time.time()
            self.cache.start()
            back = self.wait_until_signing_in_works(5)
            recovered = time.time()
            self.assertLess(recovered - restarted, 5)
            time.sleep(1.0)
        finally:
            load.stop()

        self.assertEqual(curl(self.apache.url + "/protected/after", jar=None,
                              cookie="%s=%s" % (COOKIE, back.cookie_value())).status, 200)
        outcomes = load.outcomes
        self.assertGreater(len(outcomes), 40, "the load generator hardly ran")
        for o in outcomes:
            self.assertIsNone(o.error, o)
            if o.kind == "browse":
                self.assertIn(o.status, (200, 302, 503), o)
            else:
                self.assertIn(o.status, (303, 503), o)
            if o.status == 503:
                self.assertRegex(o.body.decode("utf-8", "replace"), OUR_PAGE)
                self.assertIsNone(o.cookie, o)
        # Nobody was signed in while the replay check could not be made.
        outage = [o for o in outcomes if o.started > killed + 0.1 and o.ended < restarted]
        sign_ins = [o for o in outage if o.kind == "sign-in"]
        self.assertGreater(len(sign_ins), 3, "too few sign-ins during the outage")
        self.assertEqual([o for o in sign_ins if o.status != 503], [])
        self.assertEqual([o for o in outage if o.kind == "browse" and o.status == 200], [])
        # Before and after the outage the service worked.
        self.assertTrue(any(o.status == 303 and o.ended < killed for o in outcomes))
        self.assertTrue(any(o.status == 303 and o.started > recovered for o in outcomes),
                        "no sign-in under load after recovery")

        log = self.apache.log_since(mark)
        self.assertRegex(log, r"sign-in refused with 503 \[check store\] replay cache")
        self.assertRegex(log, r"session store unavailable while checking a session")
        self.assertNotRegex(log, r"exit signal|Segmentation|AH00052")

    def test_reload_and_restart_while_the_cache_is_down(self):
        """Apache never needs the cache to start: a graceful reload or a full
        start with the cache down succeeds, answers 503, and recovers."""
        self.cache.stop()
        try:
            self.apache.graceful()
            self.assert_our_503(self.sign_in())
            self.apache.stop()
            self.assertEqual(self.apache.exit_status, 0)
            self.apache.start()
            self.assert_our_503(self.sign_in())
        finally:
            self.cache.start()
        r = self.wait_until_signing_in_works(5)
        self.assertEqual(curl(self.apache.url + "/protected/back",
                              cookie="%s=%s" % (COOKIE, r.cookie_value())).status, 200)
        self.assertNotRegex(self.apache.log(), r"exit signal|Segmentation")

    def assert_our_503(self, reply):
        self.assertEqual(reply.status, 503, reply)
        self.assertRegex(reply.text, OUR_PAGE)
        self.assertIsNone(reply.set_cookie(), reply)


class RedisDiesUnderLoad(CacheDiesUnderLoad):
    kind = "redis"


class RedisTLSDiesUnderLoad(CacheDiesUnderLoad):
    """The same over TLS with an ACL user: pooled TLS connections to a killed
    server fail cleanly, new ones make their handshake and AUTH again."""
    kind = "rediss"


class UnreadableCertificateBeforeGraceful(unittest.TestCase):
    """What `apachectl graceful` does: configtest, and signal only when it passes
    (Apache's parent would exit if signalled with a broken configuration)."""

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = Apache(servers=2)
        cls.idp = IdPProcess(cls.apache.acs_url)
        cls.cert_dir = harness.tempdir("sequr-certs-")
        cls.cert = os.path.join(cls.cert_dir, "azure.cer")
        shutil.copy(cls.idp.cert, cls.cert)
        cls.apache.write_conf(saml_directives(cls.idp.sso_url, cls.cert, cls.idp.issuer))
        cls.apache.start()

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        cls.idp.stop()

    def apachectl_graceful(self):
        rc, out = self.apache.configtest()
        if rc == 0:
            self.apache.graceful()
        return rc, out

    def restore(self):
        if os.path.isdir(self.cert):
            os.rmdir(self.cert)
        elif os.path.exists(self.cert):
            os.unlink(self.cert)
        shutil.copy(self.idp.cert, self.cert)

    def sign_in(self, path):
        jar = harness.tempfile.mktemp(prefix="jar-", dir=self.cert_dir)
        r = curl(self.apache.url + path, jar=jar)
        self.assertEqual(r.status, 302, r)
        q, xml = harness.decode_authn_request(r.location)
        rid = re.search(rb'\bID="([^"]+)"', xml).group(1).decode()
        saml = az.make_response(USER, self.apache.acs_url, SP_ENTITY_ID, rid, key=self.idp.key,
                                cert=self.idp.cert, tenant=self.idp.tenant)
        r = curl(self.apache.acs_url, data={"SAMLResponse": saml,
                                            "RelayState": q.get("RelayState")}, jar=jar)
        self.assertEqual(r.status, 303, r)
        return jar

    def test_broken_certificate_file_keeps_the_running_configuration(self):
        jar = self.sign_in("/protected/before")
        pid = self.apache.proc.pid

        def gone():
            os.unlink(self.cert)

        def directory():
            os.unlink(self.cert)
            os.mkdir(self.cert)

        def garbage():
            with open(self.cert, "w") as f:
                f.write("this is not a certificate\n")

        for name, damage in (("removed", gone), ("directory", directory), ("garbage", garbage)):
            with self.subTest(damage=name):
                damage()
                try:
                    rc, out = self.apachectl_graceful()
                    self.assertNotEqual(rc, 0, out)
                    self.assertIn("SequrSAMLIdPCertificateFile", out)
                    self.assertIn(self.cert, out)
                    # Not signalled: the same parent, the old configuration.
                    self.assertIsNone(self.apache.proc.poll())
                    self.assertEqual(self.apache.proc.pid, pid)
                    page = curl(self.apache.url + "/protected/before", jar=jar)
                    self.assertEqual(page.status, 200, page)
                    self.sign_in("/protected/during-" + name)
                finally:
                    self.restore()

        rc, out = self.apachectl_graceful()
        self.assertEqual(rc, 0, out)
        self.assertEqual(curl(self.apache.url + "/protected/before", jar=jar).status, 200)
        self.sign_in("/protected/after")
        self.assertNotRegex(self.apache.log(), r"exit signal|Segmentation")


if __name__ == "__main__":
    unittest.main()
