"""Sessions behind a public name (SequrSAMLPublicBaseURL): farm nodes with
their own ServerName and port but the same public base URL, sharing a
memcached, are one site. A session issued by node A works on node B; a node
behind another public URL, and a node without the directive, do not take it.
The public URL's scheme, host and port count, not how they are spelled."""
import re
import unittest

import harness
from harness import SP_ENTITY_ID, USER, Apache, IdPProcess, az, curl, saml_directives
from cacheserver import CacheServer

PUBLIC = "http://sso.example.test"


class PublicScope(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.cache = CacheServer("memcache").start()
        cls.acs_url = PUBLIC + "/saml/acs"
        cls.idp = IdPProcess(cls.acs_url)
        # node: (ServerName, SequrSAMLPublicBaseURL or None)
        nodes = {
            "a": ("node-a.internal", PUBLIC),
            "b": ("node-b.internal", PUBLIC),
            "same_origin": ("node-c.internal", "HTTP://SSO.Example.TEST:80/"),
            "other_public": ("node-d.internal", "http://other.example.test"),
            "no_public": ("node-e.internal", None),
        }
        cls.nodes = {}
        for name, (server_name, public) in nodes.items():
            ap = Apache(servers=1)
            ap.extra = "ServerName %s:%d" % (server_name, ap.port)
            more = {"Cache": cls.cache.spec}
            if public:
                more["PublicBaseURL"] = public
            ap.write_conf(saml_directives(cls.idp.sso_url, cls.idp.cert, cls.idp.issuer, **more))
            ap.start()
            cls.nodes[name] = ap
        cls.tmp = harness.tempdir("sequr-scope-")

    @classmethod
    def tearDownClass(cls):
        for ap in cls.nodes.values():
            ap.stop()
        cls.idp.stop()
        cls.cache.stop()

    def sign_in_on(self, ap, path):
        jar = harness.tempfile.mktemp(prefix="jar-", dir=self.tmp)
        r = curl(ap.url + path, jar=jar)
        self.assertEqual(r.status, 302, r)
        q, xml = harness.decode_authn_request(r.location)
        self.assertIn(('AssertionConsumerServiceURL="%s"' % self.acs_url).encode(), xml)
        rid = re.search(rb'\bID="([^"]+)"', xml).group(1).decode()
        response = az.make_response(USER, self.acs_url, SP_ENTITY_ID, rid, key=self.idp.key,
                                    cert=self.idp.cert, tenant=self.idp.tenant)
        r = curl(ap.url + "/saml/acs", data={"SAMLResponse": response,
                                             "RelayState": q.get("RelayState")}, jar=jar)
        self.assertEqual(r.status, 303, r)
        self.assertIsNotNone(r.set_cookie(), r)
        return jar

    def assert_signed_in(self, ap, jar):
        r = curl(ap.url + "/protected/here", jar=jar)
        self.assertEqual(r.status, 200, r)
        self.assertIn("REMOTE_USER=%s\n" % USER, r.text)

    def assert_sent_to_sign_in(self, ap, jar=None, cookie=None):
        mark = ap.log_mark()
        r = curl(ap.url + "/protected/here", jar=jar, cookie=cookie)
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(self.idp.sso_url + "?"), r.location)
        self.assertIn("session cookie present but no valid session",
                      ap.log_since(mark, expect="no valid session"))

    def test_session_from_a_works_on_b_and_back(self):
        jar = self.sign_in_on(self.nodes["a"], "/protected/from-a")
        self.assert_signed_in(self.nodes["b"], jar)
        jar = self.sign_in_on(self.nodes["b"], "/protected/from-b")
        self.assert_signed_in(self.nodes["a"], jar)

    def test_same_origin_spelled_differently_is_the_same_site(self):
        jar = self.sign_in_on(self.nodes["a"], "/protected/spelling")
        self.assert_signed_in(self.nodes["same_origin"], jar)

    def test_another_public_url_does_not_take_the_session(self):
        jar = self.sign_in_on(self.nodes["a"], "/protected/other")
        self.assert_sent_to_sign_in(self.nodes["other_public"], jar)
        self.assert_signed_in(self.nodes["a"], jar)   # left alone where it belongs

    def test_a_node_without_public_url_keeps_server_name_scope(self):
        jar = self.sign_in_on(self.nodes["a"], "/protected/local")
        self.assert_sent_to_sign_in(self.nodes["no_public"], jar)

    def test_logout_on_b_ends_the_session_issued_by_a(self):
        jar = self.sign_in_on(self.nodes["a"], "/protected/bye")
        with open(jar) as f:
            value = re.search(r"\t%s\t(\S+)$" % harness.COOKIE, f.read(), re.M).group(1)
        r = curl(self.nodes["b"].url + "/saml/logout", jar=jar)
        self.assertIn(r.status, (200, 302, 303), r)
        # The old cookie put back: the session itself is gone from the shared store.
        self.assert_sent_to_sign_in(self.nodes["a"], cookie="%s=%s" % (harness.COOKIE, value))


if __name__ == "__main__":
    unittest.main()
