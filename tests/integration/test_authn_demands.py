"""Per-location sign-in demands (#12 part 3) through a real Apache:
SequrSAMLForceAuthn with SequrSAMLAuthnMaxAge, SequrSAMLIsPassive,
SequrSAMLAuthnContextClassRef and `Require saml-mfa` with its step-up.

Two kinds of IdP answer: library-made responses (tests choose the
AuthnInstant, the class, the methods claim: an IdP that ignores the request),
and the Azure-shaped IdP server with IdP sessions (--sso-sessions: it reuses
its sign-in unless ForceAuthn, answers IsPassive silently or with NoPassive,
adds multipleauthn when the user ticks MFA)."""
import datetime
import re
import urllib.parse

import harness
from harness import SamlTestCase, USER, curl, decode_authn_request

X509 = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509"
PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
KERBEROS = "urn:oasis:names:tc:SAML:2.0:ac:classes:Kerberos"


def ago(seconds):
    return datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds)


def location(path, body):
    return "<Location %s>\n    AuthType sequr-saml\n%s</Location>\n" % (path, body)


def local(url):
    return urllib.parse.urlsplit(url)._replace(scheme="", netloc="").geturl()


class DemandCase(SamlTestCase):
    idp_args = ("--sso-sessions", "--sso-session-backdate", "600")

    def request_xml(self, reply):
        self.assertEqual(reply.status, 302, reply)
        self.assertTrue(reply.location.startswith(self.idp.sso_url + "?"), reply.location)
        return decode_authn_request(reply.location)[1].decode()

    def through_idp(self, reply, jar, mfa=False, expect_page=True):
        """Follow a redirect to the IdP server as a browser: its sign-in page
        (typing the user name, ticking MFA) or its immediate answer; then
        the auto-post to the ACS. Returns the ACS reply."""
        page = curl(reply.location, jar=jar)
        self.assertEqual(page.status, 200, page)
        if expect_page:
            self.assertIn("User name", page.text)
            fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"',
                                     page.text))
            fields = {k: harness.html.unescape(v) for k, v in fields.items()}
            fields["username"] = USER
            if mfa:
                fields["mfa"] = "1"
            page = curl(self.idp.base_url + "/login", data=fields, jar=jar)
            self.assertEqual(page.status, 200, page)
        else:
            self.assertNotIn("User name", page.text)
        self.assertEqual(page.form_action(), self.apache.acs_url)
        return curl(page.form_action(), data=page.form_fields(), jar=jar)

    def cookie_in(self, jar):
        with open(jar) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 7 and parts[5] == harness.COOKIE:
                    return parts[6]
        return None

    def library_sign_in(self, path="/protected/page", **kw):
        r, jar = self.sign_in(path, **kw)
        self.assertEqual(r.status, 303, r)
        return jar


class ForceAuthn(DemandCase):
    extra = location("/protected/admin", "    SequrSAMLForceAuthn On\n"
                     "    SequrSAMLAuthnMaxAge 60\n    Require valid-user\n")

    def test_default_request_forces_nothing(self):
        xml = self.request_xml(self.get("/protected/page", jar=self.jar()))
        self.assertNotIn("ForceAuthn", xml)
        self.assertNotIn("IsPassive", xml)

    def test_old_session_signs_in_again_and_keeps_the_deep_link(self):
        # Entra reused its session: the AuthnInstant is ten minutes old.
        jar = self.library_sign_in(authn_instant=ago(600))
        self.assertEqual(self.get("/protected/page", jar=jar).status, 200)
        old_cookie = self.cookie_in(jar)
        mark = self.apache.log_mark()
        r = self.get("/protected/admin/report?id=7&v=a", jar=jar)
        xml = self.request_xml(r)
        self.assertIn('ForceAuthn="true"', xml)
        self.apache.log_since(mark, expect=r"\[check authn-age\]")
        rid = re.search(r'\bID="([^"]+)"', xml).group(1)
        relay = decode_authn_request(r.location)[0].get("RelayState")
        acs = self.post_acs(self.response(rid, authn_instant=ago(2)), relay, jar=jar)
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(local(acs.location), "/protected/admin/report?id=7&v=a")
        page = self.get("/protected/admin/report?id=7&v=a", jar=jar)
        self.assertEqual(page.status, 200, page)
        self.assertEqual(self.whoami(page)["QUERY_STRING"], "id=7&v=a")
        # The fresh sign-in replaced the session: the old one is ended.
        self.assertNotEqual(self.cookie_in(jar), old_cookie)
        again = self.get("/protected/page", cookie="%s=%s" % (harness.COOKIE, old_cookie))
        self.assertEqual(again.status, 302, again)

    def test_fresh_session_enters(self):
        jar = self.library_sign_in(authn_instant=ago(5))
        self.assertEqual(self.get("/protected/admin/x", jar=jar).status, 200)

    def test_answer_with_an_old_authn_instant_is_refused(self):
        # An IdP that ignores ForceAuthn and answers from its session.
        rid, relay, r = self.start_login("/protected/admin/x")
        self.assertIn('ForceAuthn="true"', decode_authn_request(r.location)[1].decode())
        mark = self.apache.log_mark()
        acs = self.post_acs(self.response(rid, authn_instant=ago(3600)), relay)
        self.assert_refused(acs, 403, "authn-instant", mark)
        self.assertIn("fresh sign-in", acs.text)
        # Within max age plus the clock skew (180 s): accepted.
        rid, relay, _ = self.start_login("/protected/admin/x")
        acs = self.post_acs(self.response(rid, authn_instant=ago(200)), relay)
        self.assertEqual(acs.status, 303, acs)

    def test_through_the_idp_session(self):
        jar = self.jar()
        # First sign-in at the admin page: the IdP asks (ForceAuthn).
        acs = self.through_idp(self.get("/protected/admin/a", jar=jar), jar)
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(self.get("/protected/admin/a", jar=jar).status, 200)
        # Signed out here only; the IdP session (ten minutes old) remains.
        self.assertEqual(self.get("/saml/logout?ReturnTo=%2F", jar=jar).status, 303)
        r = self.get("/protected/page", jar=jar)
        acs = self.through_idp(r, jar, expect_page=False)      # reused: no page
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(self.get("/protected/page", jar=jar).status, 200)
        # That session is too old for the admin pages: the IdP asks again.
        r = self.get("/protected/admin/b?z=1", jar=jar)
        self.assertIn('ForceAuthn="true"', self.request_xml(r))
        acs = self.through_idp(r, jar, expect_page=True)
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(local(acs.location), "/protected/admin/b?z=1")
        self.assertEqual(self.get("/protected/admin/b?z=1", jar=jar).status, 200)

    def test_api_client_gets_401_not_a_redirect(self):
        jar = self.library_sign_in(authn_instant=ago(600))
        r = self.get("/protected/admin/x", jar=jar, headers=["Accept: application/json"])
        self.assertEqual(r.status, 401, r)


class IsPassive(DemandCase):
    extra = location("/protected/silent", "    SequrSAMLIsPassive On\n    Require valid-user\n")

    def test_passive_request_and_no_passive_answer(self):
        jar = self.jar()
        r = self.get("/protected/silent/x", jar=jar)
        self.assertIn('IsPassive="true"', self.request_xml(r))
        mark = self.apache.log_mark()
        acs = self.through_idp(r, jar, expect_page=False)
        self.assert_refused(acs, 403, "no-passive", mark)
        self.assertIn("not signed in at Microsoft Entra ID", acs.text)

    def test_passive_sign_in_from_the_idp_session(self):
        jar = self.jar()
        self.assertEqual(self.through_idp(self.get("/protected/page", jar=jar), jar).status, 303)
        self.assertEqual(self.get("/saml/logout?ReturnTo=%2F", jar=jar).status, 303)
        acs = self.through_idp(self.get("/protected/silent/y", jar=jar), jar, expect_page=False)
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(local(acs.location), "/protected/silent/y")
        self.assertEqual(self.get("/protected/silent/y", jar=jar).status, 200)


class ClassRef(DemandCase):
    extra = location("/protected/strong", "    SequrSAMLAuthnContextClassRef %s %s\n"
                     "    Require valid-user\n" % (X509, PASSWORD))

    def test_none_by_default(self):
        xml = self.request_xml(self.get("/protected/page", jar=self.jar()))
        self.assertNotIn("RequestedAuthnContext", xml)

    def test_exact_and_checked(self):
        rid, relay, r = self.start_login("/protected/strong/x")
        xml = decode_authn_request(r.location)[1].decode()
        self.assertIn('<samlp:RequestedAuthnContext Comparison="exact">'
                      '<saml:AuthnContextClassRef>%s</saml:AuthnContextClassRef>'
                      '<saml:AuthnContextClassRef>%s</saml:AuthnContextClassRef>'
                      '</samlp:RequestedAuthnContext>' % (X509, PASSWORD), xml)
        mark = self.apache.log_mark()
        acs = self.post_acs(self.response(rid, authn_context_class_ref=KERBEROS), relay)
        self.assert_refused(acs, 403, "authn-context", mark)
        rid, relay, _ = self.start_login("/protected/strong/x")
        acs = self.post_acs(self.response(rid, authn_context_class_ref=PASSWORD), relay)
        self.assertEqual(acs.status, 303, acs)

    def test_default_location_takes_any_class(self):
        rid, relay, _ = self.start_login("/protected/page")
        acs = self.post_acs(self.response(rid, authn_context_class_ref=KERBEROS), relay)
        self.assertEqual(acs.status, 303, acs)


class RequireMfa(DemandCase):
    extra = location("/protected/mfa", "    Require saml-mfa\n")

    def test_mfa_session_enters(self):
        jar = self.library_sign_in(mfa=True)
        page = self.get("/protected/mfa/x", jar=jar)
        self.assertEqual(page.status, 200, page)
        self.assertEqual(self.whoami(page)["REMOTE_USER"], USER)

    def test_password_session_steps_up_then_enters(self):
        jar = self.library_sign_in()
        mark = self.apache.log_mark()
        r = self.get("/protected/mfa/x?y=1", jar=jar)
        xml = self.request_xml(r)
        self.assertIn('ForceAuthn="true"', xml)
        self.apache.log_since(mark, expect=r"\[check mfa\]")
        rid = re.search(r'\bID="([^"]+)"', xml).group(1)
        relay = decode_authn_request(r.location)[0].get("RelayState")
        old_cookie = self.cookie_in(jar)
        acs = self.post_acs(self.response(rid, mfa=True), relay, jar=jar)
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(local(acs.location), "/protected/mfa/x?y=1")
        page = self.get("/protected/mfa/x?y=1", jar=jar)
        self.assertEqual(page.status, 200, page)
        # The password-only session is ended, not only replaced in this jar.
        again = self.get("/protected/page", cookie="%s=%s" % (harness.COOKIE, old_cookie))
        self.assertEqual(again.status, 302, again)

    def test_second_answer_without_mfa_is_403_not_a_loop(self):
        jar = self.library_sign_in()
        r = self.get("/protected/mfa/x", jar=jar)
        xml = self.request_xml(r)
        rid = re.search(r'\bID="([^"]+)"', xml).group(1)
        relay = decode_authn_request(r.location)[0].get("RelayState")
        mark = self.apache.log_mark()
        acs = self.post_acs(self.response(rid), relay, jar=jar)
        self.assert_refused(acs, 403, "mfa", mark)
        self.assertIn("multi-factor authentication", acs.text)
        self.assertIsNone(acs.location)

    def test_through_the_idp(self):
        jar = self.jar()
        acs = self.through_idp(self.get("/protected/mfa/p?q=2", jar=jar), jar)
        self.assertEqual(acs.status, 303, acs)
        r = self.get("/protected/mfa/p?q=2", jar=jar)          # password only: step up
        self.assertIn('ForceAuthn="true"', self.request_xml(r))
        acs = self.through_idp(r, jar, mfa=True)                # the IdP asks again
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(local(acs.location), "/protected/mfa/p?q=2")
        self.assertEqual(self.get("/protected/mfa/p?q=2", jar=jar).status, 200)

    def test_through_the_idp_without_mfa_again(self):
        jar = self.jar()
        self.assertEqual(self.through_idp(self.get("/protected/mfa/z", jar=jar), jar).status, 303)
        r = self.get("/protected/mfa/z", jar=jar)
        acs = self.through_idp(r, jar, mfa=False)
        self.assertEqual(acs.status, 403, acs)

    def test_api_client_gets_403(self):
        jar = self.library_sign_in()
        r = self.get("/protected/mfa/x", jar=jar, headers=["Accept: application/json"])
        self.assertEqual(r.status, 403, r)
        self.assertIsNone(r.location)

    def test_no_session_signs_in_first(self):
        r = self.get("/protected/mfa/x", jar=self.jar())
        self.assertNotIn("ForceAuthn", self.request_xml(r))


class Configtest(SamlTestCase):

    def conf_with(self, body):
        text = self.apache.conf_text(harness.saml_directives(
            self.idp.sso_url, self.idp.cert, self.idp.issuer) + "\n" +
            location("/x", body + "    Require valid-user\n"))
        return self.apache.configtest(text)

    def test_good_settings(self):
        rc, out = self.conf_with("    SequrSAMLForceAuthn On\n    SequrSAMLAuthnMaxAge 600\n"
                                 "    SequrSAMLIsPassive On\n"
                                 "    SequrSAMLAuthnContextClassRef %s\n" % X509)
        self.assertEqual(rc, 0, out)

    def test_bad_settings_named(self):
        for body, name in (("    SequrSAMLAuthnMaxAge 5\n", "SequrSAMLAuthnMaxAge"),
                           ("    SequrSAMLAuthnContextClassRef password\n",
                            "SequrSAMLAuthnContextClassRef"),
                           ("    Require saml-mfa extra\n", "saml-mfa")):
            rc, out = self.conf_with(body)
            self.assertNotEqual(rc, 0, body)
            self.assertIn(name, out)
            self.assertIn("test.conf", out)
