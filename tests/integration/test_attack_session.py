"""Identity spoofing by the client and attacks on the session cookie:
request headers that mimic what the module exports, forged / truncated /
tampered / oversized / numerous cookies (mod_auth_openidc CVE-2023-28625,
Shibboleth CVE-2021-31826), a cookie carried to another virtual host
(mellon CVE-2017-6807), and session fixation."""
import os
import random
import string

import harness
from attacks import AttackCase, encode
from harness import COOKIE, USER

MALLORY = "mallory@contoso.example"
ENVDUMP = "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nenv\n"


class HeaderSpoofing(AttackCase):
    """A CGI of our own prints its whole environment, so anything the client
    smuggled in as a header would show up as HTTP_*."""

    @classmethod
    def setUpClass(cls):
        cgi = harness.tempdir("sequr-envdump-")
        path = os.path.join(cgi, "envdump")
        with open(path, "w") as f:
            f.write(ENVDUMP)
        os.chmod(path, 0o755)
        cls.extra = ('ScriptAlias /envdump "%s"\n<Directory "%s">\n    Require all granted\n'
                     '</Directory>\n<Location /envdump>\n    AuthType sequr-saml\n'
                     '    Require valid-user\n</Location>\n' % (path, cgi))
        super().setUpClass()

    SPOOFS = [
        "Sequr-SAML-Name-ID: admin@contoso.example",
        "Sequr-SAML-IdP: https://sts.windows.net/evil/",
        "SEQUR-SAML-SESSION-INDEX: _forged",
        "sequr-saml-user: admin@contoso.example",
        "Sequr_SAML_Name_ID: admin@contoso.example",
        "Remote-User: admin@contoso.example",
        "remote-user: admin@contoso.example",
        "X-Remote-User: admin@contoso.example",
        "X_Remote_User: admin@contoso.example",
        "Remote_User: admin@contoso.example",
    ]

    def env(self, reply):
        self.assertEqual(reply.status, 200, reply)
        return dict(line.split("=", 1) for line in reply.text.splitlines() if "=" in line)

    def test_spoofed_identity_headers_are_removed(self):
        r, jar = self.sign_in("/envdump/x")
        self.assertEqual(r.status, 303, r)
        env = self.env(self.get("/envdump/x", jar=jar,
                                headers=self.SPOOFS + ["X-Innocent-Header: kept"]))
        # The dump shows client headers at all: an innocent one is there.
        self.assertEqual(env.get("HTTP_X_INNOCENT_HEADER"), "kept", env)
        smuggled = sorted(k for k in env if k.startswith("HTTP_SEQUR_SAML") or
                          k in ("HTTP_REMOTE_USER", "HTTP_X_REMOTE_USER"))
        self.assertEqual(smuggled, [], "client headers reached the application")
        self.assertNotIn("admin@contoso.example", "\n".join(env.values()))
        self.assertEqual(env.get("REMOTE_USER"), USER)
        self.assertEqual(env.get("AUTH_TYPE"), "sequr-saml")
        self.assertEqual(env.get("SEQUR_SAML_NAME_ID"), USER)
        self.assertEqual(env.get("SEQUR_SAML_IDP"), self.idp.issuer)

    def test_spoofed_headers_do_not_sign_anyone_in(self):
        r = self.get("/envdump/y", headers=self.SPOOFS)
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(self.idp.sso_url), r.location)


class CookieTampering(AttackCase):

    def signed_in_cookie(self, path="/protected/c", user=USER):
        r, jar = self.sign_in(path, user=user)
        self.assertEqual(r.status, 303, r)
        value = r.cookie_value()
        self.assertEqual(self.get(path, cookie="%s=%s" % (COOKIE, value)).status, 200)
        return value

    def assert_no_access(self, cookie_header, path="/protected/c"):
        r = self.get(path, headers=["Cookie: " + cookie_header])
        self.assertEqual(r.status, 302, "cookie %r gave %r" % (cookie_header[:80], r))
        self.assertTrue(r.location.startswith(self.idp.sso_url), r.location)

    def test_tampered_cookies(self):
        good = self.signed_in_cookie()
        alphabet = string.ascii_letters + string.digits + "-_"
        mid = len(good) // 2
        flipped = good[:mid] + ("A" if good[mid] != "A" else "B") + good[mid + 1:]
        rng = random.Random(7)
        forged = {
            "one character flipped": flipped,
            "last character cut": good[:-1],
            "first character cut": good[1:],
            "one character added": good + "A",
            "upper-cased": good.upper() if good.upper() != good else good.lower(),
            "43 random characters": "".join(rng.choice(alphabet) for _ in range(43)),
            "8000 characters": good * (8000 // len(good)),
            "with padding": good + "=",
            "url-encoded": good[:5] + "%" + "%02X" % ord(good[5]) + good[6:],
            "quoted": '"%s"' % good,
            "with a NUL-ish escape": good[:10] + "%00" + good[10:],
        }
        for name, value in forged.items():
            with self.subTest(name):
                self.assert_no_access("%s=%s" % (COOKIE, value))

    def test_cookie_name_variants_are_not_ours(self):
        good = self.signed_in_cookie("/protected/n")
        for name in (COOKIE.upper(), COOKIE + "x", " " + COOKIE + "x", "x" + COOKIE):
            with self.subTest(name=name):
                self.assert_no_access("%s=%s" % (name, good), "/protected/n")

    def test_many_cookies(self):
        good = self.signed_in_cookie("/protected/many")
        junk = "; ".join("c%d=%s" % (i, "v" * 20) for i in range(200))
        with self.subTest("valid cookie after 200 others still works"):
            r = self.get("/protected/many", headers=["Cookie: %s; %s=%s" % (junk, COOKIE, good)])
            self.assertEqual(r.status, 200, r)
        with self.subTest("tampered cookie among 200 others"):
            self.assert_no_access("%s; %s=%s" % (junk, COOKIE, good[:-1] + "Z"), "/protected/many")
        with self.subTest("our name 100 times with forged values"):
            self.assert_no_access("; ".join("%s=%s" % (COOKIE, "A" * 43) for _ in range(100)),
                                  "/protected/many")

    def test_odd_cookie_headers_never_crash(self):
        for header in ("=", ";;;;", COOKIE, COOKIE + "=", "=" + "A" * 43, COOKIE + "==" * 30,
                       "%s=%s;%s=%s" % (COOKIE, "", COOKIE, "A" * 43),
                       "a=b=c=d; ; =;", "%s=\xe9\xe9\xe9" % COOKIE):
            with self.subTest(cookie=header[:30]):
                r = self.get("/protected/odd", headers=["Cookie: " + header])
                self.assertEqual(r.status, 302, r)

    def test_fixation_a_planted_cookie_is_never_adopted(self):
        """mallory plants her own valid session cookie in alice's browser; alice
        signs in. alice gets a new id; mallory's cookie still belongs to mallory."""
        planted = self.signed_in_cookie("/protected/fix", user=MALLORY)
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/fix", jar=jar)
        r = self.post_acs(encode(self.signed(rid)), relay, jar=jar,
                          cookie="%s=%s" % (COOKIE, planted))
        self.assertEqual(r.status, 303, r)
        fresh = r.cookie_value()
        self.assertIsNotNone(fresh)
        self.assertNotEqual(fresh, planted)
        self.assertIn("HttpOnly", r.set_cookie())
        as_planted = self.get("/protected/fix", cookie="%s=%s" % (COOKIE, planted))
        self.assertEqual(self.whoami(as_planted).get("REMOTE_USER"), MALLORY,
                         "the planted cookie now carries alice's sign-in")
        as_fresh = self.get("/protected/fix", cookie="%s=%s" % (COOKIE, fresh))
        self.assertEqual(self.whoami(as_fresh).get("REMOTE_USER"), USER)

    def test_fixation_an_unknown_planted_id_is_never_adopted(self):
        planted = "A" * 43
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/fix2", jar=jar)
        r = self.post_acs(encode(self.signed(rid)), relay, jar=jar,
                          cookie="%s=%s" % (COOKIE, planted))
        self.assertEqual(r.status, 303, r)
        self.assertNotEqual(r.cookie_value(), planted)
        self.assert_no_access("%s=%s" % (COOKIE, planted), "/protected/fix2")


class CookieFromAnotherVirtualHost(AttackCase):
    """Two name-based virtual hosts on one port share one module
    configuration and one store; a session made on A is still not valid on B."""
    extra = ("<VirtualHost 127.0.0.1:*>\n    ServerName a.example.test\n</VirtualHost>\n"
             "<VirtualHost 127.0.0.1:*>\n    ServerName b.example.test\n</VirtualHost>\n")

    def host(self, name):
        return "Host: %s:%d" % (name, self.apache.port)

    def sign_in_on(self, name):
        acs = "http://%s:%d/saml/acs" % (name, self.apache.port)
        b64 = encode(self.signed(None, destination=acs, recipient=acs))
        r = harness.curl(self.apache.acs_url, data={"SAMLResponse": b64, "RelayState": "/protected/v"},
                         headers=[self.host(name)])
        self.assertEqual(r.status, 303, r)
        self.assertIsNotNone(r.cookie_value(), r)
        return r.cookie_value()

    def visit(self, name, cookie):
        return self.get("/protected/v", headers=[self.host(name), "Cookie: %s=%s" % (COOKIE, cookie)])

    def test_cookie_from_a_is_not_accepted_on_b(self):
        on_a = self.sign_in_on("a.example.test")
        mine = self.visit("a.example.test", on_a)
        self.assertEqual(mine.status, 200, mine)
        self.assertEqual(self.whoami(mine).get("REMOTE_USER"), USER)
        theirs = self.visit("b.example.test", on_a)
        self.assertEqual(theirs.status, 302, "A's session was accepted on B: %r" % theirs)

    def test_cookie_from_b_is_not_accepted_on_a(self):
        on_b = self.sign_in_on("b.example.test")
        self.assertEqual(self.visit("b.example.test", on_b).status, 200)
        self.assertEqual(self.visit("a.example.test", on_b).status, 302)
