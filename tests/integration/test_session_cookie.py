"""The session cookie against cookies planted beside it (issue 10, item 7).

A related-domain attacker (or a page on a deeper path) can plant a cookie of
our name holding their own session: with two session cookies the module used
the first valid one, keeping a victim in the attacker's account even after the
victim signed in. Now two different session cookies count as no session: the
request goes to sign in, the browser is told to drop every copy it may hold
(each parent domain, each path prefix), and the fresh sign-in's cookie is then
the only one left. The https side (the __Host- prefix) is in test_https.py."""
from harness import COOKIE, USER, SamlTestCase

MALLORY = "mallory@contoso.example"


class PlantedSessionCookies(SamlTestCase):

    def session(self, user, path="/protected/c"):
        r, _ = self.sign_in(path, user=user)
        self.assertEqual(r.status, 303, r)
        return r.cookie_value()

    def test_two_session_cookies_count_as_none(self):
        victim, attacker = self.session(USER), self.session(MALLORY)
        for header in ("%s=%s; %s=%s" % (COOKIE, attacker, COOKIE, victim),
                       "%s=%s; %s=%s" % (COOKIE, victim, COOKIE, attacker)):
            with self.subTest(order=header[:40]):
                mark = self.apache.log_mark()
                r = self.get("/protected/c/page", cookie=header)
                self.assertEqual(r.status, 302, "one of two session cookies was used: %r" % r)
                self.assertTrue(r.location.startswith(self.idp.sso_url + "?"), r.location)
                self.assertRegex(self.apache.log_since(mark, expect="cookie-ambiguous"),
                                 r"sequr_saml.*\[check cookie-ambiguous\]")
                cleared = [v for v in r.all("Set-Cookie") if v.startswith(COOKIE + "=;")]
                paths = {a.strip()[5:] for v in cleared for a in v.split(";")
                         if a.strip().lower().startswith("path=")}
                self.assertTrue({"/", "/protected", "/protected/", "/protected/c",
                                 "/protected/c/"} <= paths, cleared)
                self.assertTrue(all("max-age=0" in v.lower() for v in cleared), cleared)
        # Each alone is still its own session.
        self.assertEqual(self.whoami(self.get("/protected/c", cookie="%s=%s" % (COOKIE, victim)))
                         ["REMOTE_USER"], USER)

    def test_fresh_sign_in_wins_over_a_planted_cookie(self):
        """The victim's browser (a curl jar) holds their own session and the
        attacker's planted on /protected; they end up in their own account."""
        attacker = self.session(MALLORY)
        jar = self.jar()
        self.sign_in("/protected/own", jar=jar)
        with open(jar, "a") as f:       # planted for a deeper path, sent first
            f.write("127.0.0.1\tFALSE\t/protected\tFALSE\t0\t%s\t%s\n" % (COOKIE, attacker))
        r = self.get("/protected/own", jar=jar)
        self.assertEqual(r.status, 302, "in someone's account with two cookies: %r" % r)
        # The browser is told to drop the planted one where it sits (curl's jar
        # does not apply Max-Age=0 deletions; a browser does, so do it for curl).
        self.assertIn("%s=; Max-Age=0; Path=/protected; HttpOnly" % COOKIE, r.all("Set-Cookie"))
        dropped = {v.split("Path=")[1].split(";")[0] for v in r.all("Set-Cookie")
                   if v.startswith(COOKIE + "=; Max-Age=0") and "Domain=" not in v}
        self.assertTrue({"/", "/protected"} <= dropped, dropped)
        with open(jar) as f:
            kept = [l for l in f if not (l.split("\t")[5:6] == [COOKIE] and
                                         l.split("\t")[2] in dropped)]
        with open(jar, "w") as f:
            f.writelines(kept)
        with open(jar) as f:
            self.assertNotIn(attacker, f.read())
        rid, relay, _ = self.start_login("/protected/own", jar=jar)
        self.assertEqual(self.post_acs(self.response(rid), relay, jar=jar).status, 303)
        self.assertEqual(self.whoami(self.get("/protected/own", jar=jar))["REMOTE_USER"], USER)

    def test_cookie_set_before_sign_in_never_becomes_the_session(self):
        """Session fixation: whatever the browser brings to the ACS (an id the
        attacker made up, or the attacker's own live session), the ACS issues a
        fresh id, and the planted one stays what it was."""
        attacker = self.session(MALLORY)
        for planted in ("B" * 43, attacker):
            with self.subTest(planted=planted[:8]):
                jar = self.jar()
                rid, relay, _ = self.start_login("/protected/fix", jar=jar)
                with open(jar, "a") as f:
                    f.write("127.0.0.1\tFALSE\t/\tFALSE\t0\t%s\t%s\n" % (COOKIE, planted))
                r = self.post_acs(self.response(rid), relay, jar=jar)
                self.assertEqual(r.status, 303, r)
                fresh = r.cookie_value()
                self.assertIsNotNone(fresh)
                self.assertNotEqual(fresh, planted)
                self.assertEqual(self.whoami(self.get("/protected/fix", jar=jar))["REMOTE_USER"],
                                 USER)
                before = self.get("/protected/fix", cookie="%s=%s" % (COOKIE, planted))
                if planted == attacker:
                    self.assertEqual(self.whoami(before)["REMOTE_USER"], MALLORY)
                else:
                    self.assertEqual(before.status, 302)
