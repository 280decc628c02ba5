"""What reaches the ACS over HTTP besides a clean form: duplicate fields, other
content types, odd RelayStates, several cookies; and the per-directory user
attribute."""

import harness
from harness import SamlTestCase, COOKIE, USER, az

NAME_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"


class AcsForms(SamlTestCase):

    def raw_post(self, body, content_type="application/x-www-form-urlencoded"):
        path = harness.tempfile.mktemp(dir=self.tmp)
        with open(path, "wb") as f:
            f.write(body)
        r = harness.subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-D", "-", "-w", "\n%{http_code}",
             "-H", "Content-Type: " + content_type, "--data-binary", "@" + path,
             self.apache.acs_url], capture_output=True, text=True, timeout=20)
        return int(r.stdout.strip().rsplit("\n", 1)[-1]), r.stdout

    def test_duplicate_saml_response_refused(self):
        enc = harness.urllib.parse.quote(self.response(), safe="")
        status, out = self.raw_post(("SAMLResponse=%s&SAMLResponse=%s" % (enc, enc)).encode())
        self.assertEqual(status, 400, out)
        self.assertNotIn("Set-Cookie", out)

    def test_missing_saml_response(self):
        status, out = self.raw_post(b"RelayState=%2Fprotected%2Fx")
        self.assertEqual(status, 400, out)

    def test_other_content_types_refused(self):
        body = ("SAMLResponse=" + harness.urllib.parse.quote(self.response(), safe="")).encode()
        for ctype in ("text/plain", "application/json", "multipart/form-data; boundary=x"):
            with self.subTest(content_type=ctype):
                status, out = self.raw_post(body, ctype)
                self.assertIn(status, (400, 415), out)
                self.assertNotIn("Set-Cookie", out)

    def test_solicited_response_needs_its_relay_state_handle(self):
        """The RelayState handle must be the one sent with the request (acs.h)."""
        for wrong in ("f" * 32, None, "/protected/elsewhere"):
            with self.subTest(relay_state=wrong):
                jar = self.jar()
                rid, relay, _ = self.start_login("/protected/h", jar=jar)
                r = self.post_acs(self.response(rid), wrong, jar=jar)
                self.assertEqual(r.status, 403, r)
                self.assertIsNone(r.set_cookie())

    def test_overlong_relay_state(self):
        r = self.post_acs(self.response(), "/protected/" + "x" * 5000, jar=self.jar())
        self.assertIn(r.status, (303, 400), r)
        if r.status == 303:
            self.assertLess(len(r.location), 1024)

    def test_base64_with_line_breaks_accepted(self):
        """Some IdPs wrap the base64 at 76 columns; the binding allows whitespace."""
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/wrap", jar=jar)
        flat = self.response(rid)
        wrapped = "\r\n".join(flat[i:i + 76] for i in range(0, len(flat), 76))
        r = self.post_acs(wrapped, relay, jar=jar)
        self.assertEqual(r.status, 303, r)

    def test_several_cookies_one_valid(self):
        """Two different session cookies are ambiguous (one may be planted, see
        test_session_cookie.py): neither is used, the browser signs in again and
        is told to drop them. The same value twice is one session."""
        r, _ = self.sign_in("/protected/multi")
        self.assertEqual(r.status, 303, r)
        good = r.cookie_value()
        for header in ("%s=%s; %s=%s" % (COOKIE, "B" * 43, COOKIE, good),
                       "%s=%s; %s=%s" % (COOKIE, good, COOKIE, "B" * 43)):
            with self.subTest(cookie=header[:30]):
                page = self.get("/protected/multi", cookie=header)
                self.assertEqual(page.status, 302, page)
                self.assertIn("%s=; Max-Age=0; Path=/; HttpOnly" % COOKIE, page.all("Set-Cookie"))
        page = self.get("/protected/multi", cookie="%s=%s; %s=%s" % (COOKIE, good, COOKIE, good))
        self.assertEqual(self.whoami(page)["REMOTE_USER"], USER)


class PerDirectoryUserAttribute(SamlTestCase):
    """One session; /protected uses the NameID, /protected/byname the name claim."""
    extra = ("<Location /protected/byname>\n    SequrSAMLUserAttribute %s\n</Location>"
             % NAME_CLAIM)

    def test_each_location_picks_its_attribute(self):
        r, jar = self.sign_in("/protected/x", name_id="0b7f-opaque-nameid")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.whoami(self.get("/protected/x", jar=jar))["REMOTE_USER"],
                         "0b7f-opaque-nameid")
        self.assertEqual(self.whoami(self.get("/protected/byname/y", jar=jar))["REMOTE_USER"],
                         USER)


class CommentInNameID(SamlTestCase):
    """An XML comment inside the NameID must not shorten the identity (the
    2018 Duo finding): the whole text is the user, or the response is refused."""

    def test_comment_does_not_truncate(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/cm", jar=jar)
        resp = az.build_response("x", self.apache.acs_url, harness.SP_ENTITY_ID, rid,
                                 tenant=self.idp.tenant, name_id="admin@contoso.example")
        nid = resp.find(".//{%s}NameID" % az.SAML)
        nid.text = "admin@contoso.example"
        comment = az.etree.Comment("x")
        comment.tail = ".evil.example"
        nid.append(comment)
        az.sign_response(resp, self.idp.key, self.idp.cert)
        r = self.post_acs(az.encode(az.serialize(resp)), relay, jar=jar)
        if r.status == 303:
            who = self.whoami(self.get("/protected/cm", jar=jar))["REMOTE_USER"]
            self.assertEqual(who, "admin@contoso.example.evil.example")
        else:
            self.assertEqual(r.status, 403, r)
