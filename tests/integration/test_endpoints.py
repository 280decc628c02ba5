"""Logout, API clients without a session, and the directives that move the
endpoints, rename the cookie, ask for another NameID format or allow SHA-1."""
import re
import urllib.parse

from lxml import etree

import harness
from harness import SamlTestCase, COOKIE, decode_authn_request


def path_of(location):
    u = urllib.parse.urlsplit(location)
    return u.path + ("?" + u.query if u.query else "")


class Logout(SamlTestCase):

    def test_logout_ends_the_session_on_the_server(self):
        used_jar = self.jar()
        rid, relay, _ = self.start_login("/protected/lo", jar=used_jar)
        resp = self.response(rid)
        r = self.post_acs(resp, relay, jar=used_jar)
        self.assertEqual(r.status, 303, r)
        value = r.cookie_value()
        out = self.get("/saml/logout?ReturnTo=%2Fbye%3Fx%3D1", cookie="%s=%s" % (COOKIE, value))
        self.assertEqual(out.status, 303, out)
        self.assertEqual(path_of(out.location), "/bye?x=1")
        cleared = out.set_cookie()
        self.assertIsNotNone(cleared, out)
        self.assertRegex(cleared, r"^%s=(;|$|\"\")|Max-Age=0|[Ee]xpires=Thu, 01 Jan 1970" % COOKIE)
        # The old id is dead on the server, not only forgotten by the browser.
        self.assertEqual(self.get("/protected/lo", cookie="%s=%s" % (COOKIE, value)).status, 302)
        # And the assertion that created it cannot sign in again.
        self.assertEqual(self.post_acs(resp, relay, jar=self.jar()).status, 403)

    def test_logout_return_to_must_be_local(self):
        for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
            with self.subTest(return_to=bad):
                out = self.get("/saml/logout?ReturnTo=" + urllib.parse.quote(bad, safe=""))
                self.assertEqual(out.status, 303, out)
                self.assertEqual(path_of(out.location), "/")

    def test_logout_is_get_only(self):
        self.assertEqual(self.get("/saml/logout", data={"x": "1"}).status, 405)


class ApiClients(SamlTestCase):
    """DESIGN: API-style requests get 401 instead of a redirect to the IdP."""

    def test_api_requests_get_401(self):
        cases = {"POST": dict(data={"a": "b"}),
                 "XHR": dict(headers=["X-Requested-With: XMLHttpRequest"]),
                 "fetch": dict(headers=["Sec-Fetch-Mode: cors"]),
                 "JSON": dict(headers=["Accept: application/json"])}
        for name, kw in cases.items():
            with self.subTest(client=name):
                r = self.get("/protected/api", **kw)
                self.assertEqual(r.status, 401, r)
                self.assertIsNone(r.location)

    def test_browser_navigation_redirects(self):
        r = self.get("/protected/api", headers=["Accept: text/html,application/xhtml+xml,*/*;q=0.8",
                                                "Sec-Fetch-Mode: navigate"])
        self.assertEqual(r.status, 302, r)


class UnauthenticatedActionPerLocation(SamlTestCase):
    """SequrSAMLUnauthenticatedAction chooses per location: an API area always
    answers 401 (with WWW-Authenticate), a browser area always redirects GETs."""
    extra = """
<Location /protected/api-only>
    SequrSAMLUnauthenticatedAction 401
</Location>
<Location /protected/always-redirect>
    SequrSAMLUnauthenticatedAction redirect
</Location>
"""

    def test_401_location_never_redirects(self):
        r = self.get("/protected/api-only/x", headers=["Accept: text/html", "Sec-Fetch-Mode: navigate"])
        self.assertEqual(r.status, 401, r)
        self.assertIsNone(r.location)
        self.assertIn("SAML", r.header("WWW-Authenticate") or "")

    def test_redirect_location_redirects_api_style_gets(self):
        r = self.get("/protected/always-redirect/x", headers=["Accept: application/json"])
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(self.idp.sso_url), r.location)

    def test_redirect_location_still_refuses_to_redirect_posts(self):
        r = self.get("/protected/always-redirect/x", data={"a": "b"})
        self.assertEqual(r.status, 401, r)

    def test_auto_elsewhere(self):
        self.assertEqual(self.get("/protected/y", headers=["Accept: application/json"]).status, 401)
        self.assertEqual(self.get("/protected/y").status, 302)

    def test_bad_value_fails_configtest(self):
        rc, out = self.apache.configtest(self.apache.conf_text(
            "SequrSAMLSPEntityID https://sp.example/\n<Location /x>\n"
            "SequrSAMLUnauthenticatedAction sometimes\n</Location>"))
        self.assertNotEqual(rc, 0)
        self.assertIn("SequrSAMLUnauthenticatedAction", out)
        self.assertIn("test.conf", out)


class MovedEndpointsAndCookie(SamlTestCase):
    directives = {"EndpointPath": "/sso", "CookieName": "app_session",
                  "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acs = cls.apache.url + "/sso/acs"

    def test_request_names_moved_acs_and_format(self):
        r = self.get("/protected/e")
        self.assertEqual(r.status, 302, r)
        _, xml = decode_authn_request(r.location)
        root = etree.fromstring(xml)
        self.assertEqual(root.get("AssertionConsumerServiceURL"), self.acs)
        self.assertEqual(root.find("{urn:oasis:names:tc:SAML:2.0:protocol}NameIDPolicy")
                         .get("Format"), self.directives["NameIDFormat"])
        self.assertEqual(self.get("/sso/metadata").status, 200)

    def test_sign_in_sets_named_cookie(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/e", jar=jar)
        resp = harness.az.make_response(harness.USER, self.acs, harness.SP_ENTITY_ID, rid,
                                        key=self.idp.key, cert=self.idp.cert,
                                        tenant=self.idp.tenant)
        r = self.get("/sso/acs", data={"SAMLResponse": resp, "RelayState": relay}, jar=jar)
        self.assertEqual(r.status, 303, r)
        self.assertIsNone(r.set_cookie(COOKIE))
        self.assertRegex(r.set_cookie("app_session") or "", r"^app_session=[A-Za-z0-9_-]{43};")
        self.assertEqual(self.get("/protected/e", jar=jar).status, 200)
        # The default path is not an ACS any more.
        old = self.get("/saml/acs", data={"SAMLResponse": resp})
        self.assertIsNone(old.set_cookie("app_session"))


class Sha1Allowed(SamlTestCase):
    directives = {"AllowSHA1": "On"}

    def test_sha1_signature_accepted_when_allowed(self):
        r, jar = self.sign_in("/protected/sha1", sig_alg="rsa-sha1", digest_alg="sha1")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/sha1", jar=jar).status, 200)


class Sha1RefusedByDefault(SamlTestCase):
    def test_sha1_signature_refused(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/sha1", jar=jar)
        mark = self.apache.log_mark()
        r = self.post_acs(self.response(rid, sig_alg="rsa-sha1", digest_alg="sha1"), relay,
                          jar=jar)
        self.assertEqual(r.status, 403, r)
        self.assertRegex(self.apache.log_since(mark, expect="sequr_saml"),
                         re.compile(r"sequr_saml.*(sha1|SHA-1|algorithm)", re.I))


class ExplicitCacheFile(SamlTestCase):
    """SequrSAMLCache file:PATH puts sessions and the replay cache in that file."""

    @classmethod
    def setUpClass(cls):
        d = harness.tempdir("sequr-cache-")
        harness.give_to_apache_user(d)
        cls.store = harness.os.path.join(d, "sessions.store")
        cls.directives = {"Cache": "file:" + cls.store}
        super().setUpClass()

    def test_store_lives_at_the_configured_path(self):
        r, jar = self.sign_in("/protected/cache")
        self.assertEqual(r.status, 303, r)
        self.assertTrue(harness.os.path.exists(self.store))
        self.assertFalse(harness.os.path.exists(
            harness.os.path.join(self.apache.root, "run", "sequr_saml.store")))
        self.assertEqual(self.get("/protected/cache", jar=jar).status, 200)
