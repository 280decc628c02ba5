"""sequr-saml-admin, the real binary, on a SQLite store in a temp dir: every
command, --help everywhere, the documented exit codes (0 done, 1 usage,
2 unknown or already present, 3 database error)."""
import os
import sqlite3
import subprocess
import unittest

from harness import BUILDDIR, tempdir

ADMIN = os.path.join(BUILDDIR, "sequr-saml-admin")


def admin(*args):
    r = subprocess.run([ADMIN] + list(args), capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


class AdminTool(unittest.TestCase):
    def setUp(self):
        if not os.access(ADMIN, os.X_OK):
            raise unittest.SkipTest("sequr-saml-admin not built: %s" % ADMIN)
        self.db = os.path.join(tempdir("sequr-admin-"), "users.db")

    def run_ok(self, *args):
        rc, out, err = admin("--db", self.db, *args)
        self.assertEqual(rc, 0, (args, out, err))
        return out

    def users(self):
        lines = self.run_ok("user", "list").splitlines()
        return [tuple(line.split("\t")) for line in lines]

    def test_init_creates_the_documented_schema(self):
        self.assertFalse(os.path.exists(self.db))
        self.run_ok("init")
        con = sqlite3.connect(self.db)
        cols = {r[1]: (r[2], r[3], r[5]) for r in con.execute("PRAGMA table_info(sequr_users)")}
        con.close()
        self.assertEqual(cols["username"], ("TEXT", 0, 1))
        self.assertEqual(cols["username_folded"], ("TEXT", 1, 0))
        self.assertEqual(cols["active"], ("INTEGER", 1, 0))
        self.assertEqual(set(cols), {"username", "username_folded", "active", "created_at",
                                     "updated_at"})
        # A second init keeps the users.
        self.run_ok("user", "add", "kept@contoso.example")
        self.run_ok("init")
        self.assertEqual([u[0] for u in self.users()], ["kept@contoso.example"])

    def test_user_life_cycle(self):
        self.run_ok("init")
        self.run_ok("user", "add", "Britta.Simon@contoso.example")
        self.assertEqual(self.users()[0][:2], ("Britta.Simon@contoso.example", "inactive"))
        self.run_ok("user", "activate", "britta.simon@CONTOSO.example")
        self.assertEqual(self.users()[0][:2], ("Britta.Simon@contoso.example", "active"))
        con = sqlite3.connect(self.db)
        row = con.execute("SELECT username_folded, active FROM sequr_users").fetchone()
        con.close()
        self.assertEqual(row, ("britta.simon@contoso.example", 1))
        self.run_ok("user", "deactivate", "BRITTA.SIMON@contoso.example")
        self.assertEqual(self.users()[0][1], "inactive")
        self.run_ok("user", "remove", "Britta.Simon@contoso.example")
        self.assertEqual(self.users(), [])

    def test_not_found_and_conflict_exit_2(self):
        self.run_ok("init")
        self.run_ok("user", "add", "bob@contoso.example")
        rc, out, err = admin("--db", self.db, "user", "add", "BOB@contoso.example")
        self.assertEqual(rc, 2, err)
        self.assertIn("already exists", err)
        for verb in ("activate", "deactivate", "remove"):
            rc, out, err = admin("--db", self.db, "user", verb, "nobody@contoso.example")
            self.assertEqual(rc, 2, (verb, err))
            self.assertIn("nobody@contoso.example", err)

    def test_usage_errors_exit_1(self):
        for args in ([], ["user", "list"], ["--db", self.db], ["--db", self.db, "frob"],
                     ["--db", self.db, "user"], ["--db", self.db, "user", "add"],
                     ["--db", self.db, "user", "add", "a", "b"],
                     ["--db", self.db, "user", "promote", "a"], ["--db", self.db, "init", "x"],
                     ["--bogus", "init"]):
            rc, out, err = admin(*args)
            self.assertEqual(rc, 1, (args, out, err))
            self.assertIn("Usage:", err, args)
        self.run_ok("init")
        rc, out, err = admin("--db", self.db, "user", "add", "bad\nname")
        self.assertEqual(rc, 1, err)

    def test_database_errors_exit_3(self):
        # No store yet: only init creates one.
        rc, out, err = admin("--db", self.db, "user", "list")
        self.assertEqual(rc, 3, err)
        self.assertIn("init", err)
        self.assertFalse(os.path.exists(self.db))
        # A file that is not a user store.
        with open(self.db, "w") as f:
            f.write("this is not SQLite\n" * 100)
        rc, out, err = admin("--db", self.db, "user", "add", "a@contoso.example")
        self.assertEqual(rc, 3, err)
        os.unlink(self.db)
        sqlite3.connect(self.db).close()        # an empty database: no table
        rc, out, err = admin("--db", self.db, "user", "activate", "a@contoso.example")
        self.assertEqual(rc, 3, err)
        self.assertIn("sequr_users", err)
        rc, out, err = admin("--db", "/nonexistent-dir/x/users.db", "init")
        self.assertEqual(rc, 3, err)

    def test_help_everywhere(self):
        for args in (["--help"], ["-h"], ["init", "--help"], ["user", "--help"],
                     ["user", "add", "--help"], ["--db", self.db, "user", "list", "--help"]):
            rc, out, err = admin(*args)
            self.assertEqual(rc, 0, (args, err))
            self.assertIn("Usage: sequr-saml-admin", out, args)
        self.assertIn("Exit status", admin("--help")[1])
        self.assertFalse(os.path.exists(self.db), "--help must not create the store")


if __name__ == "__main__":
    unittest.main()
