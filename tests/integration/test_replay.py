"""Replay cache and sessions: one use per assertion and per request, shared by
every Apache process, surviving a graceful restart; a fresh id at every sign-in."""
import re
from concurrent.futures import ThreadPoolExecutor

from harness import SamlTestCase, COOKIE, jar_request_cookies


class Replay(SamlTestCase):

    def test_same_response_twice(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/r1", jar=jar)
        # The ACS clears the request cookie it used (curl 8 drops it, curl 7.88
        # keeps sending it): the replay comes with a copy, as an attacker's would,
        # so that it meets the replay cache rather than the cookie check.
        request_cookie = "; ".join(jar_request_cookies(jar))
        resp = self.response(rid)
        first = self.post_acs(resp, relay, jar=jar)
        self.assertEqual(first.status, 303, first)
        mark = self.apache.log_mark()
        again = self.post_acs(resp, relay, jar=self.jar(), cookie=request_cookie)
        self.assert_refused(again, 403, "replay", mark)

    def test_unknown_in_response_to(self):
        jar = self.jar()
        _, relay, _ = self.start_login("/protected/r2", jar=jar)
        mark = self.apache.log_mark()
        r = self.post_acs(self.response("_" + "ab" * 16), relay, jar=jar)
        # No request of ours: this browser holds no sign-in cookie for it.
        self.assert_refused(r, 403, "request-cookie", mark)

    def test_request_answered_twice(self):
        """A second, different assertion for a request already answered."""
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/r3", jar=jar)
        request_cookie = "; ".join(jar_request_cookies(jar))
        self.assertEqual(self.post_acs(self.response(rid), relay, jar=jar).status, 303)
        mark = self.apache.log_mark()
        r = self.post_acs(self.response(rid), relay, jar=self.jar(), cookie=request_cookie)
        self.assertEqual(r.status, 403, r)
        self.assertIsNone(r.set_cookie())
        self.assertRegex(self.apache.log_since(mark, expect="sequr_saml"),
                         r"sequr_saml.*(in-response-to|replay)")


class SharedAcrossProcesses(SamlTestCase):
    servers = 4
    extra = 'LogFormat "%P %>s %r" pids\nCustomLog "logs/pids.log" pids'

    def pids_since(self, mark):
        with open(self.apache.root + "/logs/pids.log") as f:
            return f.read()[mark:]

    def pids_mark(self):
        try:
            with open(self.apache.root + "/logs/pids.log") as f:
                return len(f.read())
        except FileNotFoundError:
            return 0

    def test_session_and_replay_cache_are_shared(self):
        r, jar = self.sign_in("/protected/s")
        self.assertEqual(r.status, 303, r)
        cookie = "%s=%s" % (COOKIE, r.cookie_value())
        mark = self.pids_mark()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda i: self.get("/protected/s?i=%d" % i,
                                                        cookie=cookie).status, range(20)))
        self.assertEqual(statuses, [200] * 20)
        pids = set(re.findall(r"^(\d+) 200 GET /protected/s\?i=", self.pids_since(mark), re.M))
        self.assertGreaterEqual(len(pids), 2, "all requests hit one child; test proves nothing")

        # A used response, posted again and again, never works in any child.
        jar2 = self.jar()
        rid, relay, _ = self.start_login("/protected/s2", jar=jar2)
        resp = self.response(rid)
        self.assertEqual(self.post_acs(resp, relay, jar=jar2).status, 303)
        with ThreadPoolExecutor(5) as pool:
            again = list(pool.map(lambda i: self.post_acs(resp, relay, jar=jar2), range(10)))
        self.assertEqual([a.status for a in again], [403] * 10)
        self.assertTrue(all(a.set_cookie() is None for a in again))

    def test_concurrent_replay_race_has_one_winner(self):
        """The same fresh response posted 10 times at once: the check-and-record of
        the assertion ID must be atomic across processes."""
        for round_ in range(3):
            rid, relay, login = self.start_login("/protected/race%d" % round_, jar=self.jar())
            resp, cookie = self.response(rid), login.request_cookie()
            with ThreadPoolExecutor(10) as pool:
                replies = list(pool.map(lambda i: self.post_acs(resp, relay, cookie=cookie),
                                        range(10)))
            statuses = sorted(r.status for r in replies)
            self.assertEqual(statuses, [303] + [403] * 9, statuses)

    def test_parallel_sign_ins_get_distinct_sessions(self):
        def one(i):
            r, jar = self.sign_in("/protected/p%d" % i, user="user%d@contoso.example" % i)
            page = self.get("/protected/p%d" % i, jar=jar)
            return r.status, r.cookie_value(), page.status, self.whoami(page).get("REMOTE_USER")
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(one, range(24)))
        self.assertEqual([x[0] for x in results], [303] * 24)
        self.assertEqual(len({x[1] for x in results}), 24)
        self.assertEqual([x[2] for x in results], [200] * 24)
        self.assertEqual([x[3] for x in results], ["user%d@contoso.example" % i for i in range(24)])

    def test_state_survives_graceful_restart(self):
        r, jar = self.sign_in("/protected/g")
        self.assertEqual(r.status, 303, r)
        used_jar = self.jar()
        rid, relay, _ = self.start_login("/protected/g2", jar=used_jar)
        used = self.response(rid)
        self.assertEqual(self.post_acs(used, relay, jar=used_jar).status, 303)
        pending_jar = self.jar()
        pending_rid, pending_relay, _ = self.start_login("/protected/g3", jar=pending_jar)

        self.apache.graceful()

        self.assertEqual(self.get("/protected/g", jar=jar).status, 200,
                         "signed-in user logged out by a graceful restart")
        self.assertEqual(self.post_acs(used, relay, jar=used_jar).status, 403,
                         "replay cache wiped by a graceful restart")
        r = self.post_acs(self.response(pending_rid), pending_relay, jar=pending_jar)
        self.assertEqual(r.status, 303, "sign-in in flight dropped by a graceful restart")


class FreshSessionId(SamlTestCase):

    def test_preset_cookie_not_adopted(self):
        planted = "A" * 43
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/f", jar=jar)
        r = self.post_acs(self.response(rid), relay, jar=jar, cookie="%s=%s" % (COOKIE, planted))
        self.assertEqual(r.status, 303, r)
        self.assertIsNotNone(r.cookie_value())
        self.assertNotEqual(r.cookie_value(), planted)
        self.assertEqual(self.get("/protected/f", cookie="%s=%s" % (COOKIE, planted)).status, 302)
        self.assertEqual(self.get("/protected/f", cookie="%s=%s" % (COOKIE, r.cookie_value()))
                         .status, 200)

    def test_new_id_at_every_sign_in(self):
        """Signing in again while signed in (here from the My Apps tile) replaces the id."""
        first, jar = self.sign_in("/protected/f2")
        second = self.post_acs(self.response(), "/protected/f2", jar=jar)
        self.assertEqual((first.status, second.status), (303, 303))
        self.assertNotEqual(first.cookie_value(), second.cookie_value())
        self.assertEqual(self.get("/protected/f2", cookie="%s=%s" % (COOKIE, second.cookie_value()))
                         .status, 200)

    def test_forged_cookie_gives_no_access(self):
        for value in ("", "x", "A" * 43, "../../etc/passwd", "A" * 4000):
            with self.subTest(value=value[:20]):
                r = self.get("/protected/z", cookie="%s=%s" % (COOKIE, value))
                self.assertEqual(r.status, 302, r)
