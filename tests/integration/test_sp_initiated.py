"""SP-initiated sign-in through the Azure-shaped IdP server, driven by curl as a
browser would: deep link -> IdP sign-in page -> auto-post form -> ACS -> page."""
import re
import urllib.parse

from lxml import etree

import harness
from harness import SamlTestCase, USER, curl, decode_authn_request

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"


class BrowserFlow:
    """The whole flow through the IdP *server* (not the library), for each signing option."""

    def browser_sign_in(self, path, user=USER):
        jar = self.jar()
        r = self.get(path, jar=jar)
        self.assertEqual(r.status, 302, r)
        page = curl(r.location, jar=jar)
        self.assertEqual(page.status, 200, page)
        self.assertIn("User name", page.text)
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
        fields = {k: harness.html.unescape(v) for k, v in fields.items()}
        fields["username"] = user
        login = curl(self.idp.base_url + "/login", data=fields, jar=jar)
        self.assertEqual(login.status, 200, login)
        action = login.form_action()
        self.assertEqual(action, self.apache.acs_url)
        acs = curl(action, data=login.form_fields(), jar=jar)
        return acs, jar

    def test_deep_link_round_trip(self):
        acs, jar = self.browser_sign_in("/protected/page?x=1&y=2")
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(urllib.parse.urlsplit(acs.location)._replace(scheme="", netloc="")
                         .geturl(), "/protected/page?x=1&y=2")
        page = self.get("/protected/page?x=1&y=2", jar=jar)
        self.assertEqual(page.status, 200, page)
        who = self.whoami(page)
        self.assertEqual(who["REMOTE_USER"], USER)
        self.assertEqual(who["QUERY_STRING"], "x=1&y=2")


class AssertionSigned(BrowserFlow, SamlTestCase):
    sign = "assertion"

    def test_authn_request_is_what_entra_accepts(self):
        r = self.get("/protected/page?x=1&y=2")
        self.assertEqual(r.status, 302, r)
        q, xml = decode_authn_request(r.location)
        root = etree.fromstring(xml)
        self.assertEqual(root.tag, "{%s}AuthnRequest" % SAMLP)
        self.assertRegex(root.get("ID"), r"^_[0-9a-fA-F]{16,}$")
        self.assertEqual(root.get("Version"), "2.0")
        self.assertRegex(root.get("IssueInstant"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertEqual(root.get("Destination"), self.idp.sso_url)
        self.assertEqual(root.get("AssertionConsumerServiceURL"), self.apache.acs_url)
        self.assertEqual(root.findtext("{%s}Issuer" % SAML), harness.SP_ENTITY_ID)
        policy = root.find("{%s}NameIDPolicy" % SAMLP)
        self.assertIsNotNone(policy)
        self.assertEqual(policy.get("Format"),
                         "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        self.assertIsNone(root.find("{%s}Subject" % SAML))
        relay = q.get("RelayState")
        self.assertTrue(relay, "RelayState missing")
        self.assertNotIn("/", relay, "RelayState should be an opaque handle, not a URL")
        self.assertNotIn("protected", relay)
        self.assertLessEqual(len(relay), 80, "SAML bindings limit RelayState to 80 bytes")

    def test_cookie_attributes(self):
        acs, _ = self.browser_sign_in("/protected/c")
        self.assertEqual(acs.status, 303, acs)
        sc = acs.set_cookie()
        self.assertIsNotNone(sc, acs)
        attrs = [a.strip().lower() for a in sc.split(";")[1:]]
        self.assertIn("httponly", attrs)
        self.assertIn("samesite=lax", attrs)
        self.assertIn("path=/", attrs)
        self.assertNotIn("secure", attrs, "no Secure flag over plain http")
        value = acs.cookie_value()
        self.assertRegex(value, r"^[A-Za-z0-9_-]{43}$")
        self.assertNotIn("alice", value.lower())

    def test_unauthenticated_protected_request_sets_no_session(self):
        r = self.get("/protected/x")
        self.assertEqual(r.status, 302)
        self.assertIsNone(r.set_cookie())
        self.assertEqual(self.get("/index.html").status, 200)


class ResponseSigned(BrowserFlow, SamlTestCase):
    sign = "response"


class BothSigned(BrowserFlow, SamlTestCase):
    sign = "both"


class UserFromNameClaim(BrowserFlow, SamlTestCase):
    """NameID = the object id (an Entra option); the user name is the `name` claim."""
    idp_name_id = "objectid"
    directives = {"UserAttribute": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"}

    def test_deep_link_round_trip(self):
        acs, jar = self.browser_sign_in("/protected/who")
        self.assertEqual(acs.status, 303, acs)
        who = self.whoami(self.get("/protected/who", jar=jar))
        self.assertEqual(who["REMOTE_USER"], USER)

    def test_name_id_is_not_used(self):
        r, jar = self.sign_in("/protected/n", user="bob@contoso.example", name_id="opaque-id-123")
        self.assertEqual(r.status, 303, r)
        who = self.whoami(self.get("/protected/n", jar=jar))
        self.assertEqual(who["REMOTE_USER"], "bob@contoso.example")

    def test_missing_claim_is_refused(self):
        mark = self.apache.log_mark()
        rid, relay, _ = self.start_login("/protected/m")
        attrs = [(k, v) for k, v in harness.az.default_attributes(self.idp.tenant, USER)
                 if k != harness.az.CLAIM_NAME]
        r = self.post_acs(self.response(rid, attributes=attrs), relay)
        self.assertGreaterEqual(r.status, 400, r)
        self.assertLess(r.status, 500, r)
        self.assertIsNone(r.set_cookie())
        self.assertIn("sequr_saml", self.apache.log_since(mark, expect="sequr_saml"))
