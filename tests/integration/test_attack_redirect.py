"""Open redirect through the RelayState of an IdP-initiated (unsolicited)
response and through the logout ReturnTo: mellon CVE-2019-3877 (backslash),
CVE-2019-13038 ("http:host"), CVE-2021-3639 ("///host"), and the usual
browser-normalisation tricks (tabs and newlines stripped, percent-encoding
decoded once or twice). Only local paths are ever followed: every payload
below must land on the landing path "/", while a genuine local path is
followed as given (the controls)."""
import urllib.parse

from attacks import AttackCase, raw_request, encode

EVIL = "evil.example"
PAYLOADS = [
    "https://%s/" % EVIL, "http://%s" % EVIL, "HTTPS://%s" % EVIL, "ftp://%s/" % EVIL,
    "//%s" % EVIL, "///%s" % EVIL, "////%s" % EVIL, "/\\%s" % EVIL, "\\\\%s" % EVIL,
    "\\/%s" % EVIL, "/\\/%s" % EVIL,
    "%%2F%%2F%s" % EVIL, "/%%2F%s" % EVIL, "/%%2f%%2f%s" % EVIL, "%%252F%%252F%s" % EVIL,
    "/%%252F%s" % EVIL, "/%%5C%s" % EVIL, "/%%255C%s" % EVIL, "https:%%5c%%5c%s/" % EVIL,
    "http:%s" % EVIL, "https:%s" % EVIL, "http:/%s" % EVIL, "http:\\\\%s" % EVIL,
    "/%%09/%s" % EVIL, "/\t/%s" % EVIL, "%%09//%s" % EVIL, "/%%0d%%0a/%s" % EVIL,
    "\r\n//%s" % EVIL, "/\r\nLocation: https://%s/" % EVIL, " //%s" % EVIL,
    "javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>", "data:text/html;base64,PHNjcmlwdD4=",
    "%s/path" % EVIL, "?next=//%s" % EVIL, "#//%s" % EVIL, "",
]


class OpenRedirect(AttackCase):

    def assert_lands_home(self, reply, payload):
        self.assertEqual(reply.status, 303, reply)
        self.assertIn(reply.location, ("/", self.apache.url + "/"),
                      "payload %r was followed: Location %r" % (payload, reply.location))

    def test_relay_state_of_unsolicited_response(self):
        for payload in PAYLOADS:
            with self.subTest(relay_state=payload):
                r = self.post(encode(self.signed()), payload, self.jar())
                self.assert_lands_home(r, payload)
                self.assertIsNotNone(r.set_cookie(), "the sign-in itself is genuine")

    def test_local_relay_state_is_followed(self):
        for path in ("/protected/ok?x=1", "/a%20b", "/deep/link/%2e%2e/x"):
            with self.subTest(relay_state=path):
                r = self.post(encode(self.signed()), path, self.jar())
                self.assertEqual(r.status, 303, r)
                self.assertIn(r.location, (path, self.apache.url + path))

    def test_logout_return_to_encoded(self):
        for payload in PAYLOADS:
            with self.subTest(return_to=payload):
                r = self.get("/saml/logout?ReturnTo=" + urllib.parse.quote(payload, safe=""))
                self.assert_lands_home(r, payload)

    def test_logout_return_to_raw(self):
        """Sent exactly as typed (no extra encoding), for payloads an HTTP client
        can put on the request line."""
        for payload in PAYLOADS:
            if any(c in payload for c in " \t\r\n#") or not payload:
                continue
            with self.subTest(return_to=payload):
                r = raw_request(self.apache.port, "GET", "/saml/logout?ReturnTo=" +
                                payload.replace("\\", "%5C"))
                self.assert_lands_home(r, payload)

    def test_logout_with_a_session_and_a_foreign_return_to(self):
        r, jar = self.sign_in("/protected/bye")
        self.assertEqual(r.status, 303, r)
        out = self.get("/saml/logout?ReturnTo=" + urllib.parse.quote("//" + EVIL), jar=jar)
        self.assert_lands_home(out, "//" + EVIL)
        self.assertEqual(self.get("/protected/bye", jar=jar).status, 302, "still signed in")

    def test_local_return_to_is_followed(self):
        r = self.get("/saml/logout?ReturnTo=" + urllib.parse.quote("/protected/bye?x=1"))
        self.assertEqual(r.status, 303, r)
        self.assertIn(r.location, ("/protected/bye?x=1", self.apache.url + "/protected/bye?x=1"))
