"""A farm: two Apache instances with the same configuration behind one
public name, sharing a memcached (then a Redis) started by the test. Any node
answers any request: sign in through A and the cookie works on B, a sign-in
started on A completes on B, a response accepted by A is refused when replayed
to B, logout on A ends the session on B, and sessions and the replay cache
survive graceful, -k restart and a full stop and start of both Apaches."""
import re
import signal
import unittest

import harness
from harness import SP_ENTITY_ID, USER, Apache, IdPProcess, az, curl, saml_directives
from cacheserver import CacheServer


class FarmBase(unittest.TestCase):
    kind = None

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.cache = CacheServer(cls.kind).start()
        cls.a, cls.b = Apache(servers=2), Apache(servers=2)
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
            ap.extra = "ServerName %s\nUseCanonicalName On" % cls.public
            ap.write_conf(saml_directives(cls.idp.sso_url, cls.idp.cert, cls.idp.issuer,
                                          Cache=cls.cache.spec,
                                          CookieKeyFile='"%s"' % cls.key_file))
            ap.start()
        cls.tmp = harness.tempdir("sequr-farm-")

    @classmethod
    def tearDownClass(cls):
        for ap in (cls.a, cls.b):
            ap.stop()
        cls.idp.stop()
        cls.cache.stop()

    def jar(self):
        return harness.tempfile.mktemp(prefix="jar-", dir=self.tmp)

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
            self.assertIn("session store: %s 127.0.0.1:%d" % (self.kind, self.cache.port),
                          ap.log())

    def test_bad_server_list_fails_configtest_naming_directive_and_line(self):
        for bad in ("%s:" % self.kind, "%s:127.0.0.1:1,,x:2" % self.kind,
                    "%s:127.0.0.1:notaport" % self.kind, "memcached:127.0.0.1:1"):
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


del FarmBase

if __name__ == "__main__":
    unittest.main()
