"""Session lifetime: SequrSAMLSessionMaxAge, the assertion's SessionNotOnOrAfter,
SequrSAMLSessionIdleTimeout. Short values, bounded sleeps."""
import datetime
import time

from harness import SamlTestCase


class MaxAge(SamlTestCase):
    directives = {"SessionMaxAge": 2, "SessionIdleTimeout": 0}

    def test_session_ends_after_max_age(self):
        r, jar = self.sign_in("/protected/m")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/m", jar=jar).status, 200)
        time.sleep(3)
        again = self.get("/protected/m", jar=jar)
        self.assertEqual(again.status, 302, again)
        self.assertTrue(again.location.startswith(self.idp.sso_url), again.location)


class SessionNotOnOrAfter(SamlTestCase):
    # A 1 s skew so the assertion's own limit is what ends the session.
    directives = {"ClockSkew": 1}

    def test_session_ends_at_session_not_on_or_after(self):
        end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
        r, jar = self.sign_in("/protected/snoa", session_not_on_or_after=end)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/snoa", jar=jar).status, 200)
        time.sleep(3.5)
        self.assertEqual(self.get("/protected/snoa", jar=jar).status, 302)


class IdleTimeout(SamlTestCase):
    directives = {"SessionIdleTimeout": 2}

    def test_activity_keeps_session_and_idleness_ends_it(self):
        r, jar = self.sign_in("/protected/i")
        self.assertEqual(r.status, 303, r)
        for _ in range(3):              # 3.6 s in total, never 2 s idle
            time.sleep(1.2)
            self.assertEqual(self.get("/protected/i", jar=jar).status, 200)
        time.sleep(3)
        self.assertEqual(self.get("/protected/i", jar=jar).status, 302)


class ClockSkewDirective(SamlTestCase):
    """SequrSAMLClockSkew 10: times 5 s on the wrong side pass, 20 s do not."""
    directives = {"ClockSkew": 10}

    def attempt(self, **times):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/skew", jar=jar)
        return self.post_acs(self.response(rid, **times), relay, jar=jar).status

    def test_expiry_within_and_beyond_skew(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        s = datetime.timedelta(seconds=1)
        self.assertEqual(self.attempt(issue_instant=now - 60 * s, not_before=now - 60 * s,
                                      not_on_or_after=now - 5 * s,
                                      sc_not_on_or_after=now - 5 * s), 303)
        self.assertEqual(self.attempt(issue_instant=now - 60 * s, not_before=now - 60 * s,
                                      not_on_or_after=now - 20 * s,
                                      sc_not_on_or_after=now + 60 * s), 403)
        self.assertEqual(self.attempt(sc_not_on_or_after=now - 20 * s), 403)

    def test_not_before_within_and_beyond_skew(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        s = datetime.timedelta(seconds=1)
        self.assertEqual(self.attempt(not_before=now + 5 * s), 303)
        self.assertEqual(self.attempt(not_before=now + 20 * s), 403)
