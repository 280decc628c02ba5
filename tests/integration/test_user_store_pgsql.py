"""SequrSAMLUserStore dbd on PostgreSQL (DBDriver pgsql), the farm setup: a
real PostgreSQL server started here on 127.0.0.1 (initdb into a temp dir, run
as the postgres user when we are root, trust authentication, its socket in
that dir), the schema and users made with `sequr-saml-admin --dbd pgsql`, and
the same cases as the SQLite store: active users get in under the stored
spelling, unknown and inactive users see the same 403 page, deactivation ends
a session within the recheck interval, and a stopped database means 503 and
no session (and the session works again when the database is back)."""
import glob
import os
import re
import shutil
import subprocess
import time
import unittest

import harness
from harness import MODULES, AS_ROOT, Apache, IdPProcess, SamlTestCase, free_port, \
    module_available, saml_directives, tempdir

ADMIN = os.path.join(harness.BUILDDIR, "sequr-saml-admin")


def pg_bin():
    """Debian's server binaries live under the major version: 15 on Debian 12, 17 on
    Debian 13. The newest one installed, or SEQUR_PG_BIN."""
    if os.environ.get("SEQUR_PG_BIN"):
        return os.environ["SEQUR_PG_BIN"]
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin")
             if os.path.basename(os.path.dirname(d)).isdigit()
             and os.path.exists(os.path.join(d, "initdb"))]
    found.sort(key=lambda d: int(os.path.basename(os.path.dirname(d))))
    return found[-1] if found else "/usr/lib/postgresql/15/bin"


PG_BIN = pg_bin()
DBD_PGSQL = "/usr/lib/x86_64-linux-gnu/apr-util-1/apr_dbd_pgsql-1.so"
LOAD_DBD = "LoadModule dbd_module %s/mod_dbd.so" % MODULES
CONTACT = "the Sequr desk <desk@contoso.example>"


def as_db_owner(cmd):
    """initdb and postgres refuse to run as root: run them as 'postgres'."""
    return (["runuser", "-u", "postgres", "--"] + cmd) if AS_ROOT else cmd


class PostgreSQL:
    """One throwaway cluster: 127.0.0.1:port, database and role 'sequr'."""

    def __init__(self):
        self.dir = tempdir("sequr-pg-")
        if AS_ROOT:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        subprocess.run(as_db_owner([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-A",
                                    "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        harness._cleanups.append(self.stop)
        self.start()
        self.psql("CREATE ROLE sequr LOGIN")
        self.psql("CREATE DATABASE sequr OWNER sequr")
        self.params = "host=127.0.0.1 port=%d dbname=sequr user=sequr" % self.port

    def pg_ctl(self, *args):
        return subprocess.run(as_db_owner([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data,
                                           "-w", "-t", "30"] + list(args)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)

    def start(self):
        opts = "-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off" % (self.port, self.dir)
        r = self.pg_ctl("-o", opts, "-l", os.path.join(self.dir, "log"), "start")
        if r.returncode != 0:
            raise AssertionError("PostgreSQL did not start: %s" % r.stderr)

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self.pg_ctl("-m", "immediate", "stop")

    def psql(self, sql):
        subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                        "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       check=True, capture_output=True, timeout=30)


def admin(params, *args, expect=0):
    r = subprocess.run([ADMIN, "--dbd", "pgsql", "--params", params] + list(args),
                       capture_output=True, text=True, timeout=30)
    if r.returncode != expect:
        raise AssertionError("sequr-saml-admin %s: exit %d, %s" % (" ".join(args), r.returncode,
                                                                   r.stderr))
    return r


def without_reference(text):
    return re.sub(r"<code>[0-9A-Za-z_-]+</code>", "<code>REF</code>", text)


def postgres_missing():
    for path in (ADMIN, DBD_PGSQL, os.path.join(PG_BIN, "initdb"), shutil.which("psql") or "/-"):
        if not os.path.exists(path):
            return "needs %s (postgresql, libaprutil1-dbd-pgsql)" % path
    return module_available()


class PgUserStore(SamlTestCase):
    recheck = 1

    @classmethod
    def setUpClass(cls):
        why = postgres_missing()
        if why:
            raise unittest.SkipTest(why)
        cls.pg = PostgreSQL()
        p = cls.pg.params
        admin(p, "init")
        for name in ("Britta.Simon@contoso.example", "dana@contoso.example",
                     "erin@contoso.example"):
            admin(p, "user", "add", name)
            admin(p, "user", "activate", name)
        admin(p, "user", "add", "ina.active@contoso.example")     # never activated
        cls.apache = Apache(servers=cls.servers, extra_modules=LOAD_DBD,
                            extra='DBDriver pgsql\nDBDParams "%s"\nDBDPersist On\n' % p)
        cls.idp = IdPProcess(cls.apache.acs_url, sign=cls.sign)
        cls.apache.write_conf(saml_directives(
            cls.idp.sso_url, cls.idp.cert, cls.idp.issuer, UserStore="dbd",
            UserRecheckInterval=cls.recheck, UserStoreContact='"%s"' % CONTACT))
        cls.apache.start()
        cls.tmp = tempdir("sequr-test-")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.pg.stop()

    def test_1_admin_tool_wrote_the_documented_rows(self):
        r = admin(self.pg.params, "user", "list")
        rows = [line.split("\t")[:2] for line in r.stdout.splitlines()]
        self.assertIn(["Britta.Simon@contoso.example", "active"], rows)
        self.assertIn(["ina.active@contoso.example", "inactive"], rows)
        self.assertIn("already exists",
                      admin(self.pg.params, "user", "add", "DANA@contoso.example", expect=2).stderr)
        self.assertIn("no user named",
                      admin(self.pg.params, "user", "remove", "nobody@x", expect=2).stderr)
        again = admin(self.pg.params, "init")   # again: keeps the users, says nothing odd
        self.assertEqual(again.stderr, "")
        self.assertEqual(admin(self.pg.params, "user", "list").stdout, r.stdout)

    def test_check_reaches_the_store_named_by_the_config(self):
        r = subprocess.run([ADMIN, "check", "--config", self.apache.conf_path, "--no-apache"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn(self.pg.params, r.stdout)

    def test_active_user_signs_in_as_stored(self):
        r, jar = self.sign_in("/protected/b", user="britta.simon@CONTOSO.example")
        self.assertEqual(r.status, 303, r)
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
        self.assertNotIn("mallory", unknown.text)

    def test_deactivation_ends_a_session_within_the_interval(self):
        r, jar = self.sign_in("/protected/d", user="Dana@contoso.example")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/d", jar=jar).status, 200)
        admin(self.pg.params, "user", "deactivate", "dana@contoso.example")
        try:
            mark = self.apache.log_mark()
            time.sleep(1.5)
            refused = self.get("/protected/d", jar=jar)
            self.assertEqual(refused.status, 403, refused)
            self.assertRegex(refused.header("Set-Cookie") or "", r"Max-Age=0")
            self.assertRegex(self.apache.log_since(mark, expect="user-inactive"),
                             r"sequr_saml.*user-inactive")
        finally:
            admin(self.pg.params, "user", "activate", "dana@contoso.example")

    def test_z_stopped_database_is_503_without_session(self):
        r, jar = self.sign_in("/protected/e", user="erin@contoso.example")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/e", jar=jar).status, 200)
        self.pg.stop()
        try:
            time.sleep(1.1)                     # the signed-in user's check is due again
            mark = self.apache.log_mark()
            refused, _ = self.sign_in("/protected/e", user="erin@contoso.example")
            self.assert_refused(refused, 503, "user-store", mark)
            self.assertEqual(self.get("/protected/e", jar=jar).status, 503)
            # The tool says the same: a database error, exit 3; check finds the problem.
            self.assertIn("cannot open", admin(self.pg.params, "user", "list", expect=3).stderr)
            r = subprocess.run([ADMIN, "check", "--config", self.apache.conf_path,
                                "--no-apache"], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stdout)
            self.assertRegex(r.stdout, r"httpd.conf:\d+: problem: cannot open the pgsql user store")
        finally:
            self.pg.start()
        # The pooled connections are re-opened by the driver and the lookup
        # statement prepared again on them; the session survived the outage.
        deadline = time.time() + 10
        status = None
        while time.time() < deadline and status != 200:
            status = self.get("/protected/e", jar=jar).status
            time.sleep(0.2)
        self.assertEqual(status, 200)
        # New sign-ins too, on every pooled connection (each re-prepares the lookup).
        for _ in range(4):
            r, _ = self.sign_in("/protected/e", user="ERIN@contoso.example")
            self.assertEqual(r.status, 303, r)


if __name__ == "__main__":
    unittest.main()
