"""IdP-initiated (unsolicited) sign-in, as from the My Apps tile with a Relay State."""
import urllib.parse

from harness import SamlTestCase, USER, curl


class IdPInitiated(SamlTestCase):

    def local_target(self, reply):
        """Location of a 303 as a path on this site (refusing any other site)."""
        self.assertEqual(reply.status, 303, reply)
        u = urllib.parse.urlsplit(reply.location)
        if u.netloc:
            self.assertEqual("%s://%s" % (u.scheme, u.netloc), self.apache.url, reply.location)
        self.assertTrue(u.path.startswith("/") and not u.path.startswith("//"), reply.location)
        return u.path + ("?" + u.query if u.query else "")

    def test_my_apps_tile_lands_on_relay_state(self):
        jar = self.jar()
        tile = curl(self.idp.base_url + "/initiate?" + urllib.parse.urlencode(
            {"user": USER, "relay": "/protected/landing?z=9"}))
        self.assertEqual(tile.status, 200, tile)
        fields = tile.form_fields()
        self.assertEqual(fields["RelayState"], "/protected/landing?z=9")
        r = curl(tile.form_action(), data=fields, jar=jar)
        self.assertEqual(self.local_target(r), "/protected/landing?z=9")
        page = self.get("/protected/landing?z=9", jar=jar)
        self.assertEqual(page.status, 200, page)
        self.assertEqual(self.whoami(page)["REMOTE_USER"], USER)

    def test_foreign_relay_states_land_on_landing_path(self):
        for relay in ("https://evil.example/", "//evil.example", "/\\evil.example",
                      "javascript:alert(1)", "http://127.0.0.1:1/x", "\r\nLocation: /x"):
            with self.subTest(relay=relay):
                r = self.post_acs(self.response(), relay, jar=self.jar())
                self.assertEqual(self.local_target(r), "/")
                self.assertIsNotNone(r.set_cookie(), "a valid sign-in still signs in")

    def test_no_relay_state_lands_on_landing_path(self):
        r = self.post_acs(self.response(), None, jar=self.jar())
        self.assertEqual(self.local_target(r), "/")

    def test_unsolicited_response_is_not_a_solicited_one(self):
        """An unsolicited response must not carry an InResponseTo we never issued."""
        mark = self.apache.log_mark()
        r = self.post_acs(self.response("_0123456789abcdef0123456789abcdef"), "/protected/x")
        # Never issued: this browser holds no sign-in cookie for it.
        self.assert_refused(r, 403, "request-cookie", mark)


class CustomLandingPath(SamlTestCase):
    directives = {"LandingPath": "/protected/home"}

    def test_landing_path(self):
        r = self.post_acs(self.response(), "https://evil.example/", jar=self.jar())
        self.assertEqual(r.status, 303, r)
        self.assertEqual(urllib.parse.urlsplit(r.location).path, "/protected/home")


class UnsolicitedDisabled(SamlTestCase):
    directives = {"AllowUnsolicited": "Off"}

    def test_idp_initiated_refused(self):
        mark = self.apache.log_mark()
        r = self.post_acs(self.response(), "/protected/x", jar=self.jar())
        self.assertEqual(r.status, 403, r)
        self.assertIsNone(r.set_cookie())
        self.assertIn("sequr_saml", self.apache.log_since(mark, expect="sequr_saml"))

    def test_sp_initiated_still_works(self):
        r, jar = self.sign_in("/protected/sp")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/sp", jar=jar).status, 200)
