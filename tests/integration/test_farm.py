"""A farm: two Apache instances with the same configuration behind one
public name, sharing a memcached (then a Redis) started by the test. Any node
answers any request: sign in through A and the cookie works on B, a sign-in
started on A completes on B, a response accepted by A is refused when replayed
to B, logout on A ends the session on B, and sessions and the replay cache
survive graceful, -k restart and a full stop and start of both Apaches.

The same farm runs on Redis as the clouds run it (rediss://, TLS only, an ACL
user whose password is in SequrSAMLCachePasswordFile); there a node with a
wrong password, no password or a CA that does not know the server's
certificate answers its first request needing the store with our 503 and a
log line naming the server and the reason, and configtest refuses a password
file others may read."""
import re
import signal
import socket
import time
import unittest

import harness
from harness import SP_ENTITY_ID, USER, Apache, IdPProcess, az, curl, saml_directives
from cacheserver import ACL_PASSWORD, ACL_USER, CacheServer, secret_file
from dbdcache import DbdCache, dbd_missing


class FarmBase(unittest.TestCase):
    kind = None

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.cache = cls.make_cache()
        cls.a, cls.b = (Apache(servers=2, extra_modules=getattr(cls.cache, "extra_modules", ""))
                        for _ in range(2))
        # The load balancer's address: what the IdP and the browser see. Both
        # nodes call themselves by it, so the ACS URL and the session scope agree.
        cls.public = cls.a.url
        cls.acs_url = cls.public + "/saml/acs"
        cls.idp = IdPProcess(cls.acs_url)
        # One secret for the sign-in request cookies on every node (docs/SCALING.md).
        cls.keys = harness.tempdir("sequr-farm-key-")
        cls.key_file = harness.os.path.join(cls.keys, "cookie.key")
        with open(cls.key_file, "wb") as f:
            f.write(harness.os.urandom(48))
        harness.os.chmod(cls.key_file, 0o600)
        for ap in (cls.a, cls.b):
            ap.extra = "ServerName %s\nUseCanonicalName On\n%s" % (
                cls.public, getattr(cls.cache, "extra", ""))
            ap.write_conf(saml_directives(cls.idp.sso_url, cls.idp.cert, cls.idp.issuer,
                                          CookieKeyFile='"%s"' % cls.key_file,
                                          **cls.cache.directives()))
            ap.start()
        cls.tmp = harness.tempdir("sequr-farm-")

    @classmethod
    def make_cache(cls):
        return CacheServer(cls.kind).start()

    @classmethod
    def tearDownClass(cls):
        for ap in (cls.a, cls.b):
            ap.stop()
        cls.idp.stop()
        cls.cache.stop()

    def jar(self):
        return harness.tempfile.mktemp(prefix="jar-", dir=self.tmp)

    def node(self, **cache):
        """A third node on the same store, with these cache settings."""
        ap = Apache(servers=1, extra_modules=getattr(self.cache, "extra_modules", ""))
        ap.extra = "ServerName %s\nUseCanonicalName On\n%s" % (
            self.public, getattr(self.cache, "extra", ""))
        ap.write_conf(saml_directives(self.idp.sso_url, self.idp.cert, self.idp.issuer,
                                      CookieKeyFile='"%s"' % self.key_file, **cache))
        ap.start()
        return ap

    def start_login(self, ap, path, jar):
        r = curl(ap.url + path, jar=jar)
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(self.idp.sso_url + "?"), r.location)
        q, xml = harness.decode_authn_request(r.location)
        self.assertIn(('AssertionConsumerServiceURL="%s"' % self.acs_url).encode(), xml)
        self.request_cookie = r.request_cookie()    # what that browser sends to the ACS
        return re.search(rb'\bID="([^"]+)"', xml).group(1).decode(), q.get("RelayState")

    def response(self, rid):
        return az.make_response(USER, self.acs_url, SP_ENTITY_ID, rid, key=self.idp.key,
                                cert=self.idp.cert, tenant=self.idp.tenant)

    def post_acs(self, ap, saml_response, relay, jar, cookie=None):
        return curl(ap.url + "/saml/acs", data={"SAMLResponse": saml_response,
                                                "RelayState": relay}, jar=jar, cookie=cookie)

    def sign_in(self, via, path="/protected/farm"):
        jar = self.jar()
        rid, relay = self.start_login(via, path, jar)
        r = self.post_acs(via, self.response(rid), relay, jar)
        self.assertEqual(r.status, 303, r)
        return jar

    def whoami(self, ap, path, jar):
        r = curl(ap.url + path, jar=jar)
        self.assertEqual(r.status, 200, r)
        return dict(re.findall(r"^(\w+)=(.*)$", r.text, re.M))

    def assert_replay_refused(self, ap, reply, mark):
        self.assertEqual(reply.status, 403, reply)
        self.assertIsNone(reply.set_cookie(), reply)
        self.assertRegex(ap.log_since(mark, expect="replay"), r"sequr_saml.*replay")

    # ---------------------------------------------------------------- the cases

    def test_nodes_use_the_shared_store(self):
        for ap in (self.a, self.b):
            self.assertIn("session store: %s 127.0.0.1:%d" % (self.cache.provider,
                                                                self.cache.port), ap.log())

    def test_bad_server_list_fails_configtest_naming_directive_and_line(self):
        scheme = self.cache.scheme
        for bad in (scheme, "%s127.0.0.1:1,,x:2" % scheme,
                    "%s127.0.0.1:notaport" % scheme, "memcached:127.0.0.1:1"):
            conf = self.a.conf_text(saml_directives(self.idp.sso_url, self.idp.cert,
                                                    self.idp.issuer, Cache=bad))
            line = conf.splitlines().index("SequrSAMLCache %s" % bad) + 1
            rc, out = self.a.configtest(conf)
            self.assertNotEqual(rc, 0, out)
            self.assertIn("SequrSAMLCache", out)
            self.assertRegex(out, r"line %d of .*test\.conf" % line)

    def test_cookie_from_a_works_on_b(self):
        jar = self.sign_in(self.a, "/protected/on-a")
        self.assertEqual(self.whoami(self.b, "/protected/on-b", jar)["REMOTE_USER"], USER)
        self.assertEqual(self.whoami(self.a, "/protected/on-a", jar)["REMOTE_USER"], USER)

    def test_sign_in_started_on_a_completes_on_b(self):
        jar = self.jar()
        rid, relay = self.start_login(self.a, "/protected/split", jar)
        r = self.post_acs(self.b, self.response(rid), relay, jar)
        self.assertEqual(r.status, 303, r)
        self.assertTrue(r.location.endswith("/protected/split"), r.location)
        self.assertEqual(self.whoami(self.a, "/protected/split", jar)["REMOTE_USER"], USER)

    def test_response_accepted_by_a_is_refused_by_b(self):
        jar = self.jar()
        rid, relay = self.start_login(self.a, "/protected/once", jar)
        used = self.response(rid)
        cookie = self.request_cookie
        self.assertEqual(self.post_acs(self.a, used, relay, jar).status, 303)
        mark = self.b.log_mark()
        self.assert_replay_refused(self.b, self.post_acs(self.b, used, relay, None, cookie), mark)

    def test_logout_on_a_ends_the_session_on_b(self):
        jar = self.sign_in(self.a, "/protected/bye")
        self.assertEqual(self.whoami(self.b, "/protected/bye", jar)["REMOTE_USER"], USER)
        r = curl(self.a.url + "/saml/logout", jar=jar)
        self.assertIn(r.status, (200, 302, 303), r)
        r = curl(self.b.url + "/protected/bye", jar=jar)
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(self.idp.sso_url), r.location)

    def test_graceful_and_restart_keep_sessions_and_replay_cache(self):
        jar = self.sign_in(self.a, "/protected/reloads")
        rid, relay = self.start_login(self.a, "/protected/reused", self.jar())
        used, cookie = self.response(rid), self.request_cookie
        self.assertEqual(self.post_acs(self.a, used, relay, None, cookie).status, 303)
        self.a.graceful()
        before = self.b.log().count("resuming normal operations")
        self.b.proc.send_signal(signal.SIGHUP)        # apachectl -k restart
        self.b.wait_for_log_count("resuming normal operations", before, 10)
        self.assertTrue(harness.wait_for_port(self.b.port, self.b.proc))
        for ap in (self.a, self.b):
            self.assertEqual(self.whoami(ap, "/protected/reloads", jar)["REMOTE_USER"], USER)
        mark = self.b.log_mark()
        self.assert_replay_refused(self.b, self.post_acs(self.b, used, relay, None, cookie), mark)

    def test_stop_and_start_of_every_node_keeps_sessions_and_replay_cache(self):
        jar = self.sign_in(self.a, "/protected/kept")
        rid, relay = self.start_login(self.b, "/protected/used", self.jar())
        used, cookie = self.response(rid), self.request_cookie
        self.assertEqual(self.post_acs(self.b, used, relay, None, cookie).status, 303)
        for ap in (self.a, self.b):
            ap.stop()
            self.assertEqual(ap.exit_status, 0)
        for ap in (self.a, self.b):
            ap.start()
        self.assertEqual(self.whoami(self.b, "/protected/kept", jar)["REMOTE_USER"], USER)
        self.assertEqual(self.whoami(self.a, "/protected/kept", jar)["REMOTE_USER"], USER)
        mark = self.a.log_mark()
        self.assert_replay_refused(self.a, self.post_acs(self.a, used, relay, None, cookie), mark)


class MemcachedFarm(FarmBase):
    kind = "memcache"


class RedisFarm(FarmBase):
    kind = "redis"

    def test_redis_url_is_a_synonym(self):
        jar = self.sign_in(self.a, "/protected/url")
        c = self.node(Cache="redis://127.0.0.1:%d" % self.cache.port)
        try:
            self.assertIn("session store: redis 127.0.0.1:%d (plain TCP, no AUTH)"
                          % self.cache.port, c.log())
            self.assertEqual(self.whoami(c, "/protected/url", jar)["REMOTE_USER"], USER)
        finally:
            c.stop()


OUR_PAGE = re.compile(r"Sign-in problem.*<code>[0-9A-Za-z_-]{6,}</code>", re.S)


class RedisTLSFarm(FarmBase):
    """rediss:// with an ACL user: everything above, and the refusals."""
    kind = "rediss"

    def test_nodes_speak_tls_as_the_acl_user(self):
        for ap in (self.a, self.b):
            self.assertRegex(ap.log(), r"session store: redis 127\.0\.0\.1:%d \(TLS, CAs of "
                             r".*ca\.pem, AUTH as %s\)" % (self.cache.port, ACL_USER))

    def test_password_is_in_no_configuration_output_nor_log(self):
        conf = self.a.conf_text(saml_directives(self.idp.sso_url, self.idp.cert,
                                                self.idp.issuer, **self.cache.directives()))
        rc, out = self.a.configtest(conf)
        self.assertEqual(rc, 0, out)
        for text in (out, conf, self.a.log(), self.b.log()):
            self.assertNotIn(ACL_PASSWORD, text)

    def test_store_refusals_are_our_503_naming_server_and_reason(self):
        jar = self.sign_in(self.a, "/protected/refusals")
        cases = {
            "wrong password": (dict(password_file=self.cache.wrong_password_file),
                               r"WRONGPASS"),
            "other CA": (dict(ca_file=self.cache.other_ca_file),
                         r"TLS handshake: server certificate refused"),
        }
        for name, (how, reason) in cases.items():
            with self.subTest(name):
                c = self.node(**self.cache.directives(**how))
                try:
                    mark = c.log_mark()
                    r = curl(c.url + "/protected/refusals", jar=jar)
                    self.assertEqual(r.status, 503, r)
                    self.assertRegex(r.text, OUR_PAGE)
                    self.assertIsNone(r.location, r)
                    log = c.log_since(mark, expect=reason)
                    line = [l for l in log.splitlines() if re.search(reason, l)]
                    self.assertEqual(len(line), 1, log)
                    self.assertRegex(line[0], r"refused with 503 \[check store\].*cache server "
                                     r"127\.0\.0\.1:%d: .*%s" % (self.cache.port, reason))
                finally:
                    c.stop()
        # The good nodes were never affected.
        self.assertEqual(self.whoami(self.b, "/protected/refusals", jar)["REMOTE_USER"], USER)

    def test_timeout_bounds_a_server_that_never_answers(self):
        """SequrSAMLCacheTimeout 200: a cache that accepts the connection and never
        speaks costs 200 ms, not the default second, and the log says so."""
        jar = self.sign_in(self.a, "/protected/hung")
        hung = socket.socket()
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)                     # the kernel accepts; nobody answers
        port = hung.getsockname()[1]
        c = self.node(**dict(self.cache.directives(), Cache="rediss://127.0.0.1:%d" % port,
                             CacheTimeout="200"))
        try:
            mark = c.log_mark()
            t0 = time.monotonic()
            r = curl(c.url + "/protected/hung", jar=jar)
            elapsed = time.monotonic() - t0
            self.assertEqual(r.status, 503, r)
            self.assertRegex(r.text, OUR_PAGE)
            self.assertLess(elapsed, 0.8, "the default 1000 ms, not 200 ms, was used")
            self.assertRegex(c.log_since(mark, expect="timed out"),
                             r"cache server 127\.0\.0\.1:%d: TLS handshake timed out" % port)
        finally:
            c.stop()
            hung.close()

    def test_no_password_is_noauth(self):
        jar = self.sign_in(self.b, "/protected/noauth")
        c = self.node(Cache=self.cache.spec, CacheCAFile='"%s"' % self.cache.ca_file)
        try:
            mark = c.log_mark()
            r = curl(c.url + "/protected/noauth", jar=jar)
            self.assertEqual(r.status, 503, r)
            self.assertRegex(r.text, OUR_PAGE)
            self.assertRegex(c.log_since(mark, expect="NOAUTH"),
                             r"cache server 127\.0\.0\.1:%d: .*NOAUTH.*"
                             r"SequrSAMLCachePasswordFile" % self.cache.port)
        finally:
            c.stop()

    def test_configtest_refuses_unusable_secret_and_tls_files(self):
        d = self.cache.dir
        readable = secret_file(d, "readable.password", "%s %s\n" % (ACL_USER, "x"), 0o644)
        empty = secret_file(d, "empty.password", "\n")
        cases = [
            (dict(self.cache.directives(), CachePasswordFile='"%s"' % readable),
             [readable, "SequrSAMLCachePasswordFile", "every user"]),
            (dict(self.cache.directives(), CachePasswordFile='"%s/missing"' % d),
             [d + "/missing", "SequrSAMLCachePasswordFile"]),
            (dict(self.cache.directives(), CachePasswordFile='"%s"' % empty),
             [empty, "first line"]),
            (dict(self.cache.directives(), CacheCAFile='"%s/missing-ca.pem"' % d),
             [d + "/missing-ca.pem", "CA"]),
            (dict(self.cache.directives(), CacheClientCertificateFile='"%s"' %
                  self.cache.server_cert), ["both"]),
            (dict(Cache="redis://127.0.0.1:%d" % self.cache.port,
                  CacheCAFile='"%s"' % self.cache.ca_file), ["rediss:// only"]),
            (dict(Cache="rediss://%s:x@127.0.0.1:%d" % (ACL_USER, self.cache.port)),
             ["no user or password in the URL"]),
        ]
        for directives, words in cases:
            with self.subTest(directives):
                conf = self.a.conf_text(saml_directives(self.idp.sso_url, self.idp.cert,
                                                        self.idp.issuer, **directives))
                rc, out = self.a.configtest(conf)
                self.assertNotEqual(rc, 0, out)
                self.assertIn("SequrSAMLCache", out)
                for w in words:
                    self.assertIn(w, out)


class DbdFarmBase(FarmBase):
    """SequrSAMLCache dbd: the same farm with sessions, pending requests and the
    replay cache in the table sequr_saml_cache, through mod_dbd."""

    @classmethod
    def make_cache(cls):
        why = dbd_missing(cls.kind)
        if why:
            raise unittest.SkipTest(why)
        return DbdCache(cls.kind).start()

    def test_nodes_use_the_shared_store(self):
        for ap in (self.a, self.b):
            self.assertIn("session store: dbd (table sequr_saml_cache through mod_dbd)",
                          ap.log())

    def test_bad_server_list_fails_configtest_naming_directive_and_line(self):
        for bad in ("dbd:pgsql", "dbd:", "dbdx"):
            conf = self.a.conf_text(saml_directives(self.idp.sso_url, self.idp.cert,
                                                    self.idp.issuer, Cache=bad))
            line = conf.splitlines().index("SequrSAMLCache %s" % bad) + 1
            rc, out = self.a.configtest(conf)
            self.assertNotEqual(rc, 0, out)
            self.assertIn("SequrSAMLCache", out)
            self.assertRegex(out, r"line %d of .*test\.conf" % line)

    def test_configtest_refuses_dbd_without_mod_dbd(self):
        bare = Apache(servers=1)           # mod_dbd not loaded
        conf = bare.conf_text(saml_directives(self.idp.sso_url, self.idp.cert, self.idp.issuer,
                                              Cache="dbd"))
        line = conf.splitlines().index("SequrSAMLCache dbd") + 1
        rc, out = bare.configtest(conf)
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, r"SequrSAMLCache dbd \(line %d of .*test\.conf\) needs mod_dbd"
                         % line)

    def test_table_holds_sealed_records_only(self):
        jar = self.sign_in(self.a, "/protected/sealed")
        self.assertEqual(self.whoami(self.b, "/protected/sealed", jar)["REMOTE_USER"], USER)
        rows = self.cache.rows()
        sessions = [v for k, v, e in rows if k.startswith("s:")]
        self.assertTrue(sessions, rows)
        for v in sessions:
            self.assertEqual(v[:2], b"E\x01", v[:16])          # saml/sealed_record.h
        for k, v, e in rows:
            self.assertNotIn(USER.encode(), v)
            self.assertNotIn(USER.split("@")[0].encode(), v)
        # Replay entries are there too, with their expiry.
        self.assertTrue([k for k, v, e in rows if k.startswith("r:")], rows)
        now_us = time.time() * 1e6
        self.assertTrue(all(e > now_us for k, v, e in rows if k.startswith("s:")), rows)


class PgFarm(DbdFarmBase):
    """Two nodes on one real PostgreSQL started here."""
    kind = "pgsql"

    def test_store_contract_on_postgresql(self):
        """tests/unit/test_store_dbd (the store.h contract and the purge) against
        this PostgreSQL."""
        prog = harness.os.path.join(harness.BUILDDIR, "tests", "unit", "test_store_dbd")
        if not harness.os.path.exists(prog):
            self.skipTest("build the unit tests first (make check-unit)")
        env = dict(harness.os.environ, SEQUR_TEST_PGSQL_PARAMS=self.cache.params)
        r = harness.subprocess.run([prog], env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("store_dbd (pgsql)", r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, r"100%: Checks: \d+, Failures: 0, Errors: 0")

    def test_database_down_is_our_503_then_recovers(self):
        jar = self.sign_in(self.a, "/protected/outage")
        self.cache.pg.stop()
        try:
            mark = self.b.log_mark()
            r = curl(self.b.url + "/protected/outage", jar=jar)
            self.assertEqual(r.status, 503, r)
            self.assertRegex(r.text, OUR_PAGE)
            self.assertRegex(self.b.log_since(mark, expect="session"),
                             r"sequr_saml.*session: .*(database|mod_dbd)")
        finally:
            self.cache.pg.start()
        deadline = time.time() + 20
        while True:
            r = curl(self.b.url + "/protected/outage", jar=jar)
            if r.status == 200 or time.time() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(r.status, 200, r)
        # Node A's pooled connections all went stale with the restart: each
        # reconnects on its first use, and no request sees it.
        for _ in range(8):
            self.assertEqual(curl(self.a.url + "/protected/outage", jar=jar).status, 200)


class SqliteFarm(DbdFarmBase):
    """Two Apaches on one machine sharing one SQLite file."""
    kind = "sqlite3"

    def test_readme_init_sql_puts_the_file_in_wal_mode(self):
        import sqlite3
        self.sign_in(self.b, "/protected/wal")
        with sqlite3.connect(self.cache.params, timeout=10) as db:
            self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "wal")


del FarmBase
del DbdFarmBase

if __name__ == "__main__":
    unittest.main()
