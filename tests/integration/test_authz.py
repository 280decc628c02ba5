"""Authorization on the session: `Require saml-attribute NAME VALUE...` (claim
URI or friendly name) and `Require sequr-user NAME...` as Apache authz
providers inside <RequireAll>/<RequireAny>. Without a session the browser is
sent to sign in; a signed-in user who does not match gets 403, never another
redirect to the IdP."""
import os
import shutil

import harness
from harness import SamlTestCase, USER

ADMINS = "0f5bd4c3-1e0a-4d6b-9f2d-6a1d3b8c9e01"
STAFF = "7a3e1c52-8b4d-4f0e-a6c1-2d9b5e4f3a72"
OTHER = "c2d8f6a4-5e1b-4a9c-8d3f-7b6e0a1c2d93"
BOB = "bob.jones@contoso.example"
GROUPS_URI = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"


def location(path, body):
    return "<Location %s>\n    AuthType sequr-saml\n%s</Location>\n" % (path, body)


class RequireProviders(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        cls.extra = "".join([
            location("/protected/admins", "    Require saml-attribute groups %s\n" % ADMINS),
            location("/protected/by-uri", "    Require saml-attribute %s %s %s\n"
                     % (GROUPS_URI, OTHER, STAFF)),
            location("/protected/alice", "    Require sequr-user nobody@contoso.example %s\n"
                     % USER.upper()),
            location("/protected/any", "    <RequireAny>\n"
                     "        Require saml-attribute groups %s\n"
                     "        Require sequr-user %s\n    </RequireAny>\n" % (ADMINS, BOB)),
            location("/protected/all", "    <RequireAll>\n"
                     "        Require saml-attribute groups %s\n"
                     "        Require saml-attribute GivenName Alice\n"
                     "        Require not sequr-user %s\n    </RequireAll>\n" % (STAFF, BOB)),
            location("/protected/errdoc401", "    Require saml-attribute groups %s\n"
                     "    ErrorDocument 401 /cgi-bin-401-page\n" % ADMINS),
            location("/protected/errdoc403", "    Require saml-attribute groups %s\n"
                     "    ErrorDocument 403 \"Ask the Sequr desk for the admins group.\"\n"
                     % ADMINS),
            location("/protected/errdoc403url", "    Require saml-attribute groups %s\n"
                     "    ErrorDocument 403 /index.html\n" % ADMINS),
        ])
        super().setUpClass()

    def signed_in(self, user=USER, groups=None):
        r, jar = self.sign_in("/protected/page", user=user, groups=groups)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/page", jar=jar).status, 200)
        return jar

    def assert_granted(self, path, jar, user=USER):
        r = self.get(path, jar=jar)
        self.assertEqual(r.status, 200, "%s: %r" % (path, r))
        self.assertEqual(self.whoami(r).get("REMOTE_USER"), user)

    def assert_forbidden(self, path, jar):
        r = self.get(path, jar=jar)
        self.assertEqual(r.status, 403, "%s: %r" % (path, r))
        self.assertIsNone(r.location, r)
        self.assertNotIn(self.idp.sso_url, r.text)
        self.assertIn("Forbidden", r.text)
        self.assertTrue(r.text.startswith("<!DOCTYPE html>"), r.text[:40])
        self.assertIsNone(r.header("WWW-Authenticate"), r)

    def test_group_member_gets_in(self):
        jar = self.signed_in(groups=[STAFF, ADMINS])
        self.assert_granted("/protected/admins/x", jar)

    def test_signed_in_non_member_gets_403_not_a_redirect(self):
        jar = self.signed_in(groups=[STAFF])
        self.assert_forbidden("/protected/admins/x", jar)
        jar = self.signed_in(groups=None)
        self.assert_forbidden("/protected/admins/x", jar)

    def test_error_document_401_does_not_pre_empt_the_403(self):
        # An admin's ErrorDocument 401 (for the API clients' 401) must not turn a
        # signed-in user's refusal back into a 401 answered by that document.
        jar = self.signed_in(groups=[STAFF])
        self.assert_forbidden("/protected/errdoc401/x", jar)

    def test_error_document_403_text_is_the_refusal_page(self):
        jar = self.signed_in(groups=[STAFF])
        r = self.get("/protected/errdoc403/x", jar=jar)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.text.strip(), "Ask the Sequr desk for the admins group.")
        self.assertIsNone(r.location, r)
        self.assertIsNone(r.header("WWW-Authenticate"), r)

    def test_error_document_403_url_is_served_with_403(self):
        jar = self.signed_in(groups=[STAFF])
        r = self.get("/protected/errdoc403url/x", jar=jar)
        self.assertEqual(r.status, 403, r)
        self.assertIn("landing page", r.text)      # htdocs/index.html
        self.assertIsNone(r.location, r)
        self.assertIsNone(r.header("WWW-Authenticate"), r)
        # a member still gets in at the same location
        jar = self.signed_in(groups=[ADMINS])
        self.assert_granted("/protected/errdoc403url/x", jar)

    def test_without_a_session_the_browser_is_sent_to_sign_in(self):
        for path in ("/protected/admins/x", "/protected/alice", "/protected/any",
                     "/protected/all"):
            r = self.get(path)
            self.assertEqual(r.status, 302, "%s: %r" % (path, r))
            self.assertTrue(r.location.startswith(self.idp.sso_url + "?"), r.location)

    def test_claim_uri_names_the_same_attribute(self):
        self.assert_granted("/protected/by-uri", self.signed_in(groups=[STAFF]))
        self.assert_forbidden("/protected/by-uri", self.signed_in(groups=[ADMINS]))

    def test_sequr_user(self):
        # Sequr user names compare without regard to ASCII case, like the store.
        self.assert_granted("/protected/alice", self.signed_in())
        self.assert_forbidden("/protected/alice", self.signed_in(user=BOB))

    def test_require_any(self):
        self.assert_granted("/protected/any", self.signed_in(groups=[ADMINS]))
        self.assert_granted("/protected/any", self.signed_in(user=BOB), user=BOB)
        self.assert_forbidden("/protected/any", self.signed_in(groups=[STAFF]))

    def test_require_all(self):
        self.assert_granted("/protected/all", self.signed_in(groups=[STAFF]))
        # Bob is staff too, but the negated sequr-user keeps him out.
        self.assert_forbidden("/protected/all", self.signed_in(user=BOB, groups=[STAFF]))
        self.assert_forbidden("/protected/all", self.signed_in(groups=[ADMINS]))

    def test_refusal_is_logged_without_an_authtype_complaint(self):
        jar = self.signed_in(groups=[STAFF])
        mark = self.apache.log_mark()
        self.assert_forbidden("/protected/admins/x", jar)
        log = self.apache.log_since(mark, expect="AH01631")
        self.assertIn("AH01631", log)          # authz_core names the user it refused
        self.assertIn(USER, log)
        self.assertNotIn("AH00571", log)       # "AuthType configured without module"

    def test_groups_overage_user_cannot_match_groups(self):
        link = ("http://schemas.microsoft.com/claims/groups.link",
                ["https://graph.windows.net/%s/users/x/getMemberObjects" % self.idp.tenant])
        attrs = harness.az.default_attributes(self.idp.tenant, USER) + [link]
        r, jar = self.sign_in("/protected/page", attributes=attrs)
        self.assertEqual(r.status, 303, r)
        mark = self.apache.log_mark()
        self.assert_forbidden("/protected/admins/x", jar)
        log = self.apache.log_since(mark, expect="SEQ02001")
        self.assertRegex(log, r"SEQ02001: .*%s.*no attribute groups" % USER)

    def test_require_lines_are_checked_at_configtest(self):
        for bad in ("Require saml-attribute groups", "Require saml-attribute",
                    "Require sequr-user"):
            rc, out = self.apache.configtest(
                self.apache.conf_text("") + location("/bad", "    %s\n" % bad))
            self.assertNotEqual(rc, 0, bad)
            self.assertIn(bad.split()[1], out)


class UnderValgrind(SamlTestCase):
    """Attribute export (groups, overage, refused values) and both providers
    granting, refusing and sending to sign in, with Apache under valgrind."""

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if not why and not shutil.which("valgrind"):
            why = "no valgrind"
        if not why and os.environ.get("SEQUR_SKIP_VALGRIND"):
            why = "SEQUR_SKIP_VALGRIND set"
        if why:
            raise harness.unittest.SkipTest(why)
        cls.tmp = harness.tempdir("sequr-vg-authz-")
        extra = (location("/protected/admins", "    Require saml-attribute groups %s\n" % ADMINS)
                 + location("/protected/any", "    <RequireAny>\n"
                            "        Require saml-attribute %s %s\n"
                            "        Require sequr-user %s\n    </RequireAny>\n"
                            % (GROUPS_URI, STAFF, BOB)))
        cls.apache = harness.Apache(servers=1, valgrind=True, extra=extra)
        cls.idp = harness.IdPProcess(cls.apache.acs_url)
        cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                      cls.idp.issuer, EnvSeparator="|"))
        cls.apache.start()

    def test_attribute_and_authz_paths_are_memory_clean(self):
        link = [("http://schemas.microsoft.com/claims/groups.link", ["https://graph/x"]),
                ("http://example.org/claims/dept", ["a\r\nb"])]
        attrs = harness.az.default_attributes(self.idp.tenant, USER, groups=[ADMINS, STAFF])
        r, jar = self.sign_in("/protected/page", attributes=attrs + link)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/admins", jar=jar).status, 200)
        self.assertEqual(self.get("/protected/any", jar=jar).status, 200)
        r, bob = self.sign_in("/protected/page", user=BOB)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/admins", jar=bob).status, 403)
        self.assertEqual(self.get("/protected/any", jar=bob).status, 200)
        self.assertEqual(self.get("/protected/admins").status, 302)
        self.apache.stop()
        errors = self.apache.valgrind_errors()
        self.assertEqual(errors, [], "\n\n".join(e[-6000:] for e in errors))
