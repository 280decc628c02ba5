"""SequrSAMLUserStore dbd against a real Apache with mod_dbd and SQLite, the
store made and changed with sequr-saml-admin: only active Sequr users get in,
REMOTE_USER is the stored spelling, unknown and inactive users see the same
403 page, deactivation ends a session within the recheck interval, and a
database that cannot answer gives 503 and no session."""
import os
import re
import subprocess
import time
import unittest

import harness
from harness import MODULES, Apache, IdPProcess, SamlTestCase, module_available, \
    saml_directives, tempdir

ADMIN = os.path.join(harness.BUILDDIR, "sequr-saml-admin")
DBD_SQLITE = "/usr/lib/x86_64-linux-gnu/apr-util-1/apr_dbd_sqlite3-1.so"
LOAD_DBD = "LoadModule dbd_module %s/mod_dbd.so" % MODULES
CONTACT = "the Sequr desk <desk@contoso.example>"


def admin(db, *args):
    r = subprocess.run([ADMIN, "--db", db] + list(args), capture_output=True, text=True,
                       timeout=30)
    if r.returncode != 0:
        raise AssertionError("sequr-saml-admin %s: %s" % (" ".join(args), r.stderr))


def without_reference(text):
    return re.sub(r"<code>[0-9A-Za-z_-]+</code>", "<code>REF</code>", text)


class UserStoreCase(SamlTestCase):
    """Apache with mod_dbd on a fresh store; subclasses add users in populate()."""
    recheck = 1
    persist = "On"

    @classmethod
    def setUpClass(cls):
        why = module_available()
        if why:
            raise unittest.SkipTest(why)
        if not os.access(ADMIN, os.X_OK) or not os.path.exists(DBD_SQLITE):
            raise unittest.SkipTest("needs sequr-saml-admin and libaprutil1-dbd-sqlite3")
        cls.dbdir = tempdir("sequr-users-")
        cls.db = os.path.join(cls.dbdir, "users.db")
        admin(cls.db, "init")
        os.chmod(cls.db, 0o644)
        cls.populate()
        cls.apache = Apache(servers=cls.servers, extra_modules=LOAD_DBD,
                            extra='DBDriver sqlite3\nDBDParams "%s"\nDBDPersist %s\n'
                                  % (cls.db, cls.persist))
        cls.idp = IdPProcess(cls.apache.acs_url, sign=cls.sign)
        cls.apache.write_conf(saml_directives(
            cls.idp.sso_url, cls.idp.cert, cls.idp.issuer, UserStore="dbd",
            UserRecheckInterval=cls.recheck, UserStoreContact='"%s"' % CONTACT))
        cls.apache.start()
        cls.tmp = tempdir("sequr-test-")

    @classmethod
    def populate(cls):
        pass


class UserStore(UserStoreCase):
    @classmethod
    def populate(cls):
        for name in ("Britta.Simon@contoso.example", "dana@contoso.example"):
            admin(cls.db, "user", "add", name)
            admin(cls.db, "user", "activate", name)
        admin(cls.db, "user", "add", "ina.active@contoso.example")   # never activated

    def test_active_user_signs_in_as_stored(self):
        r, jar = self.sign_in("/protected/b", user="britta.simon@CONTOSO.example")
        self.assertEqual(r.status, 303, r)
        self.assertIsNotNone(r.set_cookie(), r)
        page = self.get("/protected/b", jar=jar)
        self.assertEqual(page.status, 200, page)
        self.assertEqual(self.whoami(page)["REMOTE_USER"], "Britta.Simon@contoso.example")

    def test_unknown_and_inactive_get_the_same_page(self):
        mark = self.apache.log_mark()
        unknown, _ = self.sign_in("/protected/u", user="mallory@contoso.example")
        self.assert_refused(unknown, 403, "user-unknown", mark)
        mark = self.apache.log_mark()
        inactive, _ = self.sign_in("/protected/u", user="INA.active@contoso.example")
        self.assert_refused(inactive, 403, "user-inactive", mark)
        self.assertEqual(without_reference(unknown.text), without_reference(inactive.text))
        self.assertIn("not activated in Sequr", unknown.text)
        self.assertIn("the Sequr desk &lt;desk@contoso.example&gt;", unknown.text)
        self.assertNotIn("mallory", unknown.text)

    def test_deactivation_ends_a_session_within_the_interval(self):
        r, jar = self.sign_in("/protected/d", user="Dana@contoso.example")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/d", jar=jar).status, 200)
        admin(self.db, "user", "deactivate", "dana@contoso.example")
        try:
            mark = self.apache.log_mark()
            time.sleep(1.5)
            refused = self.get("/protected/d", jar=jar)
            self.assertEqual(refused.status, 403, refused)
            self.assertIn("not activated in Sequr", refused.text)
            self.assertRegex(refused.header("Set-Cookie") or "", r"Max-Age=0")
            self.assertRegex(self.apache.log_since(mark, expect="user-inactive"),
                             r"sequr_saml.*user-inactive")
            # The session is gone: activating again needs a new sign-in.
            admin(self.db, "user", "activate", "dana@contoso.example")
            again = self.get("/protected/d", jar=jar)
            self.assertEqual(again.status, 302, again)
        finally:
            admin(self.db, "user", "activate", "dana@contoso.example")


class UnavailableStore(UserStoreCase):
    """A connection per request, so the file's state at that moment counts."""
    persist = "Off"
    recheck = 0

    @classmethod
    def populate(cls):
        admin(cls.db, "user", "add", "erin@contoso.example")
        admin(cls.db, "user", "activate", "erin@contoso.example")

    def test_unreadable_or_missing_database_is_503_without_session(self):
        r, jar = self.sign_in("/protected/e", user="erin@contoso.example")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/e", jar=jar).status, 200)
        saved = self.db + ".saved"
        os.chmod(self.db, 0o000)
        try:
            mark = self.apache.log_mark()
            refused, _ = self.sign_in("/protected/e", user="erin@contoso.example")
            self.assert_refused(refused, 503, "user-store", mark)
            # A signed-in user is not let through while the store cannot say.
            self.assertEqual(self.get("/protected/e", jar=jar).status, 503)
            os.chmod(self.db, 0o644)
            os.rename(self.db, saved)
            mark = self.apache.log_mark()
            refused, _ = self.sign_in("/protected/e", user="erin@contoso.example")
            self.assert_refused(refused, 503, "user-store", mark)
        finally:
            if os.path.exists(saved):
                os.rename(saved, self.db)
            os.chmod(self.db, 0o644)
        # The session survived the outage and works again.
        self.assertEqual(self.get("/protected/e", jar=jar).status, 200)


class Configtest(unittest.TestCase):
    def test_user_store_dbd_without_mod_dbd_fails_configtest(self):
        why = module_available()
        if why:
            raise unittest.SkipTest(why)
        apache = Apache()
        conf = apache.conf_text(saml_directives(
            "https://login.example/saml2", [], "https://sts.windows.net/t/",
            UserStore="dbd"))
        rc, out = apache.configtest(conf)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("SequrSAMLUserStore dbd", out)
        self.assertIn("mod_dbd", out)
        self.assertIn("test.conf", out)
        rc, out = apache.configtest(conf.replace("SequrSAMLUserStore dbd",
                                                 "SequrSAMLUserStore maybe"))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("must be dbd or none", out)
