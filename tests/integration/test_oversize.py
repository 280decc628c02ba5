"""Oversized or odd input is the client's (or the IdP's) problem, never ours:
a 4xx page with a log line naming the check, or acceptance, but never a 5xx.
A validly signed assertion whose session would not fit in the session store
(a very long user name, one 64 KB attribute value) used to be answered 503
"store unavailable", as if the store were down."""
import os
import re
import unittest

import harness
from harness import SamlTestCase, USER, az

BIG_CLAIM = "http://schemas.example.test/claims/big"


class OversizedSession(SamlTestCase):
    # Large enough that the response itself is accepted: what is tested is
    # the session the assertion would make, not the POST size cap.
    directives = {"MaxResponseSize": "1048576"}

    def assert_client_error(self, reply, mark):
        self.assertTrue(400 <= reply.status < 500, reply)
        self.assertIsNone(reply.set_cookie(), reply)
        log = self.apache.log_since(mark, expect=r"sequr_saml.*session-size")
        self.assertRegex(log, r"sequr_saml:warn.*\[check session-size\]")
        self.assertNotRegex(log, r"sequr_saml:error")
        self.assertIn("no-store", reply.header("Cache-Control") or "")
        return log

    def test_64k_attribute_value_is_refused_with_4xx(self):
        attrs = az.default_attributes(self.idp.tenant, USER) + [(BIG_CLAIM, ["x" * 65536])]
        mark = self.apache.log_mark()
        r, _ = self.sign_in("/protected/big", attributes=attrs)
        self.assertEqual(r.status, 413, r)
        log = self.assert_client_error(r, mark)
        # The admin learns which claim is to blame.
        self.assertIn(BIG_CLAIM, log)

    def test_very_long_user_name_is_refused_with_4xx(self):
        for n in (3000, 20000):
            mark = self.apache.log_mark()
            r, _ = self.sign_in("/protected/long", user="a" * n + "@contoso.example")
            self.assertEqual(r.status, 413, r)
            self.assert_client_error(r, mark)

    def test_what_fits_still_signs_in(self):
        attrs = az.default_attributes(self.idp.tenant, USER) + [(BIG_CLAIM, ["x" * 8000])]
        r, jar = self.sign_in("/protected/fits", attributes=attrs)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/fits", jar=jar).status, 200)


class LongNameAtTheUserStore(SamlTestCase):
    """The user store is asked about a name far longer than any Sequr user
    name: unknown (403), not a database failure."""

    @classmethod
    def setUpClass(cls):
        import test_user_store as us
        if not os.access(us.ADMIN, os.X_OK) or not os.path.exists(us.DBD_SQLITE):
            raise unittest.SkipTest("needs sequr-saml-admin and libaprutil1-dbd-sqlite3")
        d = harness.tempdir("sequr-users-")
        db = os.path.join(d, "users.db")
        us.admin(db, "init")
        os.chmod(db, 0o644)
        cls.extra_modules = us.LOAD_DBD
        cls.extra = 'DBDriver sqlite3\nDBDParams "%s"\n' % db
        cls.directives = {"UserStore": "dbd", "MaxResponseSize": "1048576"}
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = harness.Apache(servers=1, extra=cls.extra, extra_modules=cls.extra_modules)
        cls.idp = harness.IdPProcess(cls.apache.acs_url)
        cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                      cls.idp.issuer, **cls.directives))
        cls.apache.start()
        cls.tmp = harness.tempdir("sequr-test-")

    def test_long_name_is_unknown(self):
        for n in (300, 3000, 20000):
            mark = self.apache.log_mark()
            r, _ = self.sign_in("/protected/long", user="b" * n + "@contoso.example")
            self.assertEqual(r.status, 403, r)
            self.assertIsNone(r.set_cookie(), r)
            self.assertRegex(self.apache.log_since(mark, expect="user-unknown"),
                             r"sequr_saml.*user-unknown")


if __name__ == "__main__":
    unittest.main()
