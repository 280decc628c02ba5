"""A sign-in is bound to the browser that started it (issue 10, items 5 and 6).

The pending AuthnRequest is kept by that browser, sealed in a cookie sent only
to PATH/acs; the ACS refuses a solicited response that comes without it (login
CSRF: a response obtained by someone else, posted by a victim's browser), and
an anonymous request to a protected page writes nothing to the shared store,
so a flood of them can neither stop sign-ins nor push sessions out."""
import http.client
import threading
import time

from harness import COOKIE, USER, SamlTestCase

MALLORY = "mallory@contoso.example"


def request_cookies(reply):
    """The sign-in request cookies a reply sets: [(name, value, attributes)]."""
    out = []
    for v in reply.all("Set-Cookie"):
        name, _, rest = v.partition("=")
        if "-req-" in name:
            value, _, attrs = rest.partition(";")
            out.append((name, value, [a.strip().lower() for a in attrs.split(";") if a.strip()]))
    return out


class SignInBoundToBrowser(SamlTestCase):

    def test_request_cookie_limited_to_the_acs(self):
        jar = self.jar()
        rid, _, r = self.start_login("/protected/b0", jar=jar)
        cookies = request_cookies(r)
        self.assertEqual(len(cookies), 1, r)
        name, value, attrs = cookies[0]
        self.assertEqual(name, "%s-req-%s" % (COOKIE, rid.lstrip("_")))
        self.assertIn("path=/saml/acs", attrs)
        self.assertIn("httponly", attrs)
        self.assertIn("max-age=600", attrs)
        # plain http: no Secure, and no SameSite=None (browsers refuse it without Secure)
        self.assertNotIn("secure", attrs)
        self.assertFalse([a for a in attrs if a.startswith("samesite")], attrs)
        self.assertNotIn("protected", value, "sealed: nothing readable")
        self.assertFalse([a for a in attrs if a.startswith("domain")], attrs)

    def test_response_without_the_cookie_is_refused(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/b1", jar=jar)
        resp = self.response(rid)
        mark = self.apache.log_mark()
        refused = self.post_acs(resp, relay, browser=False)
        self.assert_refused(refused, 403, "request-cookie", mark)
        self.assertIn("not started in this browser", refused.text)
        # The refusal used up nothing: the browser that started it signs in.
        ok = self.post_acs(resp, relay, jar=jar)
        self.assertEqual(ok.status, 303, ok)
        self.assertEqual(ok.location, "/protected/b1")
        cleared = request_cookies(ok)
        self.assertEqual(len(cleared), 1, ok)
        self.assertEqual(cleared[0][1], "")
        self.assertIn("max-age=0", cleared[0][2])
        self.assertEqual(self.whoami(self.get("/protected/b1", jar=jar))["REMOTE_USER"], USER)

    def test_another_browsers_cookie_is_refused(self):
        """The attacker's own sign-in, answered for the attacker, posted by the
        victim's browser (which has a sign-in of its own in flight)."""
        attacker, victim = self.jar(), self.jar()
        rid_a, relay_a, ra = self.start_login("/protected/a", jar=attacker)
        rid_v, relay_v, rv = self.start_login("/protected/v", jar=victim)
        evil = self.response(rid_a, user=MALLORY)
        mark = self.apache.log_mark()
        self.assert_refused(self.post_acs(evil, relay_a, jar=victim), 403, "request-cookie", mark)
        # The victim's cookie value under the name of the attacker's request.
        name_a = request_cookies(ra)[0][0]
        value_v = request_cookies(rv)[0][1]
        mark = self.apache.log_mark()
        self.assert_refused(self.post_acs(evil, relay_a, cookie="%s=%s" % (name_a, value_v)),
                            403, "request-cookie", mark)
        self.assertIsNone(self.get("/protected/v", jar=victim).set_cookie())
        self.assertEqual(self.get("/protected/v", jar=victim).status, 302,
                         "the victim is not signed in as the attacker")
        # With its own cookie, the victim's own sign-in goes through.
        ok = self.post_acs(self.response(rid_v), relay_v, jar=victim)
        self.assertEqual(ok.status, 303, ok)
        self.assertEqual(self.whoami(self.get("/protected/v", jar=victim))["REMOTE_USER"], USER)

    def test_tampered_cookie_is_refused(self):
        jar = self.jar()
        rid, relay, r = self.start_login("/protected/b2", jar=jar)
        name, value, _ = request_cookies(r)[0]
        bad = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
        mark = self.apache.log_mark()
        self.assert_refused(self.post_acs(self.response(rid), relay, cookie="%s=%s" % (name, bad)),
                            403, "request-cookie", mark)

    def test_idp_initiated_needs_no_cookie(self):
        """SequrSAMLAllowUnsolicited On (default): no sign-in started here."""
        r = self.post_acs(self.response(None), "/protected/tile", browser=False)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.location, "/protected/tile")


class UnsolicitedOff(SamlTestCase):
    """SequrSAMLAllowUnsolicited Off closes the login CSRF that IdP-initiated
    sign-in cannot avoid: only sign-ins started in this browser complete."""
    directives = {"AllowUnsolicited": "Off"}

    def test_only_bound_sign_ins(self):
        mark = self.apache.log_mark()
        self.assert_refused(self.post_acs(self.response(None, user=MALLORY), "/protected/x",
                                          browser=False), 403, "unsolicited", mark)
        r, jar = self.sign_in("/protected/x")
        self.assertEqual(r.status, 303, r)


class AnonymousFlood(SamlTestCase):
    """Several thousand anonymous GETs against the smallest store (1 024
    entries): sign-ins keep working throughout and no session is lost."""
    directives = {"CacheEntries": 1024}
    FLOOD = 3000
    WORKERS = 4

    def flood(self, count, statuses, stop):
        conn = http.client.HTTPConnection("127.0.0.1", self.apache.port, timeout=15)
        for i in range(count):
            if stop.is_set():
                break
            try:
                conn.request("GET", "/protected/flood/%d" % i, headers={"Accept": "text/html"})
                resp = conn.getresponse()
                resp.read()
                statuses.append(resp.status)
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.apache.port, timeout=15)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.apache.port, timeout=15)
                statuses.append(-1)
        conn.close()

    def test_sign_ins_survive_an_anonymous_flood(self):
        sessions = []
        for i in range(20):
            r, jar = self.sign_in("/protected/before", user="user%d@contoso.example" % i)
            self.assertEqual(r.status, 303, r)
            sessions.append(("user%d@contoso.example" % i, r.cookie_value()))

        statuses, stop = [], threading.Event()
        threads = [threading.Thread(target=self.flood, args=(self.FLOOD // self.WORKERS,
                                                             statuses, stop))
                   for _ in range(self.WORKERS)]
        for t in threads:
            t.start()
        during = []
        try:
            while any(t.is_alive() for t in threads):
                r, _ = self.sign_in("/protected/during")
                during.append((len(statuses), r.status))
                time.sleep(0.2)
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertGreaterEqual(len(statuses), self.FLOOD * 0.95, "the flood did not run")
        self.assertEqual(set(statuses), {302}, "every anonymous GET goes to the IdP")
        self.assertTrue(during, "no sign-in ran during the flood")
        self.assertEqual([s for _, s in during if s != 303], [], during)
        r, _ = self.sign_in("/protected/after")
        self.assertEqual(r.status, 303, r)
        for user, cookie in sessions:
            page = self.get("/protected/before", cookie="%s=%s" % (COOKIE, cookie))
            self.assertEqual(page.status, 200, "session of %s lost" % user)
            self.assertEqual(self.whoami(page)["REMOTE_USER"], user)


if __name__ == "__main__":
    import unittest
    unittest.main()
