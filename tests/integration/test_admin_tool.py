"""sequr-saml-admin, the real binary: the user commands on a SQLite store in
a temp dir, init's SP key pair, import-metadata on Azure-shaped metadata,
relay-state (and that the module follows the value it prints), check on good
and broken configs; --help everywhere, the documented exit codes (0 done,
1 usage, 2 refused: unknown/present user, files exist, metadata refused,
problems found; 3 system: database, unreadable or unwritable file)."""
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import unittest
import urllib.parse

import harness
from harness import BUILDDIR, SP_ENTITY_ID, Apache, IdPProcess, SamlTestCase, az, \
    module_available, tempdir

ADMIN = os.path.join(BUILDDIR, "sequr-saml-admin")


def admin(*args, cwd=None):
    r = subprocess.run([ADMIN] + list(args), capture_output=True, text=True, timeout=30,
                       cwd=cwd)
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

    def test_version(self):
        # The version is configure.ac's AC_INIT one (the Debian package's upstream version).
        with open(os.path.join(harness.SRCDIR, "configure.ac")) as f:
            version = re.search(r"AC_INIT\(\[[^]]*\], *\[([^]]*)\]", f.read()).group(1)
        for args in (["--version"], ["--db", self.db, "user", "list", "--version"]):
            rc, out, err = admin(*args)
            self.assertEqual((rc, out, err), (0, "sequr-saml-admin (mod_sequr_saml) %s\n" % version, ""),
                             args)
        self.assertFalse(os.path.exists(self.db), "--version must not create the store")

    def test_any_dbd_driver_through_dbd_and_params(self):
        # --dbd sqlite3 --params FILE is the same store as --db FILE.
        self.run_ok("init")
        rc, out, err = admin("--dbd", "sqlite3", "--params", self.db, "user", "add", "x@c.example")
        self.assertEqual(rc, 0, err)
        self.assertEqual([u[0] for u in self.users()], ["x@c.example"])
        rc, out, err = admin("--dbd", "nosuchdb", "--params", "x", "user", "list")
        self.assertEqual(rc, 3, err)
        self.assertIn("no nosuchdb driver", err)
        rc, out, err = admin("--dbd", "sqlite3", "user", "list")
        self.assertEqual(rc, 1, err)
        self.assertIn("--dbd and --params go together", err)


def openssl(*args, data=None):
    return subprocess.run(["openssl"] + list(args), input=data, capture_output=True,
                          check=True, timeout=30).stdout


class SPKeyPair(unittest.TestCase):
    def setUp(self):
        if not os.access(ADMIN, os.X_OK):
            raise unittest.SkipTest("sequr-saml-admin not built: %s" % ADMIN)
        self.dir = tempdir("sequr-admin-keys-")
        self.key = os.path.join(self.dir, "sp.key")
        self.cert = os.path.join(self.dir, "sp.crt")

    def test_init_makes_a_matching_pair_and_refuses_to_overwrite(self):
        db = os.path.join(self.dir, "users.db")
        rc, out, err = admin("--db", db, "init", "--sp-key", self.key, "--sp-cert", self.cert,
                             "--sp-subject", "sequr.contoso.example", "--days", "400")
        self.assertEqual(rc, 0, err)
        self.assertTrue(os.path.exists(db))
        self.assertEqual(stat.S_IMODE(os.stat(self.key).st_mode), 0o600)
        self.assertIn("SequrSAMLSPPrivateKeyFile %s" % self.key, out)
        self.assertIn("SequrSAMLSPCertificateFile %s" % self.cert, out)
        text = openssl("x509", "-in", self.cert, "-noout", "-text").decode()
        # OpenSSL 3.0 prints "CN = x", 3.5 (Debian 13) "CN=x"
        self.assertRegex(text, r"Subject: CN ?= ?sequr\.contoso\.example\n")
        self.assertIn("Public-Key: (3072 bit)", text)
        self.assertIn("CA:FALSE", text)
        days = openssl("x509", "-in", self.cert, "-noout", "-checkend", str(399 * 86400))
        self.assertIn(b"will not expire", days)
        self.assertEqual(openssl("pkey", "-in", self.key, "-pubout"),
                         openssl("x509", "-in", self.cert, "-noout", "-pubkey"))
        # The module loads the pair the same way check does.
        before = open(self.key, "rb").read(), open(self.cert, "rb").read()
        rc, out, err = admin("init", "--sp-key", self.key, "--sp-cert", self.cert)
        self.assertEqual(rc, 2, err)
        self.assertIn("exists; --force", err)
        self.assertEqual((open(self.key, "rb").read(), open(self.cert, "rb").read()), before)
        rc, out, err = admin("init", "--sp-key", self.key, "--sp-cert", self.cert, "--force")
        self.assertEqual(rc, 0, err)
        self.assertNotEqual(open(self.key, "rb").read(), before[0])
        self.assertEqual(stat.S_IMODE(os.stat(self.key).st_mode), 0o600)
        self.assertIn("CN=sequr-saml-sp", out)                 # the default subject

    def test_init_next_key_writes_the_next_pair_beside_the_current_one(self):
        rc, out, err = admin("init", "--sp-key", self.key, "--sp-cert", self.cert)
        self.assertEqual(rc, 0, err)
        before = open(self.key, "rb").read(), open(self.cert, "rb").read()
        rc, out, err = admin("init", "--next-key", "--sp-key", self.key, "--sp-cert", self.cert)
        self.assertEqual(rc, 0, err)
        next_key = os.path.join(self.dir, "sp-next.key")
        next_cert = os.path.join(self.dir, "sp-next.crt")
        self.assertEqual(sorted(os.listdir(self.dir)),
                         ["sp-next.crt", "sp-next.key", "sp.crt", "sp.key"])
        self.assertEqual((open(self.key, "rb").read(), open(self.cert, "rb").read()), before)
        self.assertEqual(stat.S_IMODE(os.stat(next_key).st_mode), 0o600)
        self.assertEqual(openssl("pkey", "-in", next_key, "-pubout"),
                         openssl("x509", "-in", next_cert, "-noout", "-pubkey"))
        self.assertNotEqual(openssl("x509", "-in", next_cert, "-noout", "-pubkey"),
                            openssl("x509", "-in", self.cert, "-noout", "-pubkey"))
        # Both pairs, the current one first, then the Entra steps.
        self.assertIn("SequrSAMLSPPrivateKeyFile %s\n    SequrSAMLSPCertificateFile %s\n"
                      "    SequrSAMLSPPrivateKeyFile %s\n    SequrSAMLSPCertificateFile %s\n"
                      % (self.key, self.cert, next_key, next_cert), out)
        self.assertIn("Verification certificates: upload %s" % next_cert, out)
        # Once there, the next pair is not replaced without --force.
        rc, out, err = admin("init", "--next-key", "--sp-key", self.key, "--sp-cert", self.cert)
        self.assertEqual(rc, 2, err)
        self.assertIn("sp-next.key exists; --force", err)
        # Without a current pair there is nothing to roll over from.
        rc, out, err = admin("init", "--next-key", "--sp-key", os.path.join(self.dir, "x.key"),
                             "--sp-cert", os.path.join(self.dir, "x.crt"))
        self.assertEqual(rc, 2, err)
        self.assertIn("is not there", err)
        rc, out, err = admin("init", "--next-key")
        self.assertEqual(rc, 1, err)
        self.assertIn("--next-key needs --sp-key", err)

    def test_keys_alone_and_unwritable_places(self):
        rc, out, err = admin("init", "--sp-key", "sp.key", "--sp-cert", "sp.crt", cwd=self.dir)
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(os.listdir(self.dir)), ["sp.crt", "sp.key"])   # no store
        self.assertIn("SequrSAMLSPPrivateKeyFile %s\n" % self.key, out)        # made absolute
        rc, out, err = admin("init", "--sp-key", "/nonexistent-dir/sp.key", "--sp-cert",
                             os.path.join(self.dir, "other.crt"))
        self.assertEqual(rc, 3, err)
        self.assertIn("/nonexistent-dir/sp.key", err)
        self.assertEqual(sorted(os.listdir(self.dir)), ["sp.crt", "sp.key"])   # nothing left
        # Half a pair is never written: the key waits for its certificate.
        rc, out, err = admin("init", "--sp-key", os.path.join(self.dir, "new.key"),
                             "--sp-cert", "/nonexistent-dir/new.crt")
        self.assertEqual(rc, 3, err)
        self.assertEqual(sorted(os.listdir(self.dir)), ["sp.crt", "sp.key"])
        for args in (["init", "--sp-key", self.key], ["init", "--days", "5"],
                     ["init", "--sp-key", "a", "--sp-cert", "b", "--days", "0"]):
            rc, out, err = admin(*args)
            self.assertEqual(rc, 1, (args, err))
            self.assertIn("Usage: sequr-saml-admin", err)


def long_lived_pair(directory, name, cn, days=400):
    key, crt = os.path.join(directory, name + ".key"), os.path.join(directory, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                    str(days), "-subj", "/CN=" + cn, "-keyout", key, "-out", crt],
                   check=True, capture_output=True, timeout=60)
    return key, crt


def pem_body(path):
    return "".join(open(path).read().split("-----")[2].split())


class ImportMetadata(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(ADMIN, os.X_OK):
            raise unittest.SkipTest("sequr-saml-admin not built: %s" % ADMIN)
        cls.dir = tempdir("sequr-admin-md-")
        cls.tenant = az.DEFAULT_TENANT
        cls.sso = "https://login.microsoftonline.com/%s/saml2" % cls.tenant
        _, cls.current = long_lived_pair(cls.dir, "current", "Microsoft Azure Federated SSO "
                                         "Certificate")
        _, cls.soon = az.make_keypair(cls.dir, "soon", cn="Next Azure SSO Certificate")
        _, cls.expired = az.make_expired_keypair(cls.dir)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_prints_the_facts_writes_the_certs_and_the_directives(self):
        md = self.write("fm.xml", az.make_metadata(self.tenant, self.sso,
                                                   [self.current, self.soon]))
        self.assertTrue(open(md, "rb").read().startswith(b"\xef\xbb\xbf"))
        out_dir = os.path.join(self.dir, "certs")
        rc, out, err = admin("import-metadata", md, "--out-dir", out_dir)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"Entity ID: +%s" % re.escape(az.entra_issuer(self.tenant)))
        self.assertRegex(out, r"Sign-on URL: +%s\n" % re.escape(self.sso))
        self.assertRegex(out, r"Logout URL: +%s\n" % re.escape(self.sso))
        self.assertIn("Signing certificates: 2", out)
        self.assertIn("subject:    CN=Microsoft Azure Federated SSO Certificate", out)
        self.assertIn("subject:    CN=Next Azure SSO Certificate", out)
        serial = openssl("x509", "-in", self.current, "-noout", "-serial").decode()
        self.assertIn(serial.strip().split("=")[1].lstrip("0"), out)
        # The 2-day certificate is flagged, the 400-day one is not.
        warnings = [l for l in out.splitlines() if "WARNING" in l]
        self.assertEqual(len(warnings), 1, out)
        self.assertRegex(warnings[0], r"expires in [01] day")
        written = [os.path.join(out_dir, "idp-signing-%d.pem" % i) for i in (1, 2)]
        self.assertEqual([pem_body(p) for p in written],
                         [pem_body(self.current), pem_body(self.soon)])
        for p in written:
            self.assertIn("    SequrSAMLIdPCertificateFile %s\n" % p, out)
        self.assertIn("    SequrSAMLIdPMetadataFile %s\n" % md, out)
        self.assertIn("    SequrSAMLIdPEntityID %s\n" % az.entra_issuer(self.tenant), out)
        self.assertIn("    SequrSAMLIdPSSOURL %s\n" % self.sso, out)
        self.assertIn("    SequrSAMLIdPSLOURL %s\n" % self.sso, out)

    def test_refused_metadata_exit_2_unreadable_exit_3(self):
        sp = (b'<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">'
              b'<SPSSODescriptor protocolSupportEnumeration="p"/></EntityDescriptor>')
        no_sso = az.make_metadata(self.tenant, self.sso, [self.current]).replace(
            b"SingleSignOnService", b"ArtifactResolutionService")
        cases = {"garbage.xml": b"\xef\xbb\xbfnot xml at all <",
                 "sp.xml": sp, "no-sso.xml": no_sso,
                 "doctype.xml": b'<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>',
                 "huge.xml": b"<a>" + b" " * (1024 * 1024 + 10) + b"</a>"}
        for name, data in cases.items():
            rc, out, err = admin("import-metadata", self.write(name, data))
            self.assertEqual(rc, 2, (name, out, err))
            self.assertIn("metadata refused", err, name)
        rc, out, err = admin("import-metadata", self.write("old.xml", az.make_metadata(
            self.tenant, self.sso, [self.expired])))
        self.assertEqual(rc, 2, err)
        self.assertIn("EXPIRED", out)
        self.assertIn("every signing certificate", err)
        rc, out, err = admin("import-metadata", os.path.join(self.dir, "missing.xml"))
        self.assertEqual(rc, 3, err)
        self.assertIn("No such file", err)
        md = self.write("ok.xml", az.make_metadata(self.tenant, self.sso, [self.current]))
        rc, out, err = admin("import-metadata", md, "--out-dir", "/proc/no-such-dir")
        self.assertEqual(rc, 3, err)


class RelayStateCommand(unittest.TestCase):
    def setUp(self):
        if not os.access(ADMIN, os.X_OK):
            raise unittest.SkipTest("sequr-saml-admin not built: %s" % ADMIN)

    def test_values_and_refusals(self):
        self.assertEqual(admin("relay-state", "contoso"), (0, "/?sequr_tenant=contoso\n", ""))
        rc, out, err = admin("relay-state", "Contoso-EU_2", "--path", "/app/home?x=1")
        self.assertEqual((rc, out), (0, "/app/home?x=1&sequr_tenant=Contoso-EU_2\n"), err)
        for args in (["relay-state", "a b"], ["relay-state", "x" * 65],
                     ["relay-state", "acme", "--path", "//evil.example/"],
                     ["relay-state", "acme", "--path", "https://evil.example/"],
                     ["relay-state", "acme", "--path", "/" + "a" * 70]):
            rc, out, err = admin(*args)
            self.assertEqual(rc, 1, (args, out, err))
            self.assertEqual(out, "")


class WithApache(SamlTestCase):
    """An Apache configured from import-metadata's output: the module follows
    relay-state's value after an IdP-initiated sign-in, and check finds no
    problem in that config but the 2-day IdP certificate."""

    @classmethod
    def setUpClass(cls):
        why = module_available()
        if why or not os.access(ADMIN, os.X_OK):
            raise unittest.SkipTest(why or "sequr-saml-admin not built")
        cls.apache = Apache(servers=1)
        cls.idp = IdPProcess(cls.apache.acs_url, sign=cls.sign)
        cls.dir = tempdir("sequr-admin-site-")
        md = os.path.join(cls.dir, "fm.xml")
        with open(md, "wb") as f:
            f.write(az.make_metadata(cls.idp.tenant, cls.idp.sso_url, [cls.idp.cert]))
        rc, out, err = admin("import-metadata", md, "--out-dir", os.path.join(cls.dir, "idp"))
        if rc != 0:
            raise AssertionError(err)
        values = out.split("or the values themselves:\n")[1]
        cls.key, cls.cert = os.path.join(cls.dir, "sp.key"), os.path.join(cls.dir, "sp.crt")
        rc, out, err = admin("init", "--sp-key", cls.key, "--sp-cert", cls.cert)
        if rc != 0:
            raise AssertionError(err)
        cls.apache.write_conf("SequrSAMLSPEntityID %s\n%s\n%s" % (
            SP_ENTITY_ID, values, "\n".join(l.strip() for l in out.splitlines()
                                              if l.startswith("    SequrSAML"))))
        cls.apache.start()
        cls.tmp = tempdir("sequr-test-")

    def test_idp_initiated_sign_in_lands_on_the_relay_state(self):
        rc, value, err = admin("relay-state", "contoso", "--path", "/protected/home")
        self.assertEqual(rc, 0, err)
        value = value.strip()
        jar = self.jar()
        r = self.post_acs(self.response(None), relay_state=value, jar=jar)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(urllib.parse.urlsplit(r.location)._replace(scheme="", netloc="")
                         .geturl(), value)
        page = self.get(value, jar=jar)
        self.assertEqual(page.status, 200, page)
        self.assertEqual(self.whoami(page)["QUERY_STRING"], "sequr_tenant=contoso")

    def test_check_finds_no_problem_and_warns_of_the_short_lived_cert(self):
        rc, out, err = admin("check", "--config", self.apache.conf_path)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("0 problem(s), 1 warning(s)", out)
        self.assertRegex(out, r"%s:\d+: warning: IdP certificate .*idp-signing-1.pem .*expires in"
                         % re.escape(self.apache.conf_path))
        self.assertIn("Syntax OK", out)                       # apache2 -t ran too


class Check(unittest.TestCase):
    """check on configs Apache reads itself (`apache2 -t -D SEQUR_SAML_DUMP`):
    each test's lines are in site.conf, included by a small httpd.conf that
    loads the module, with ServerRoot the test's directory."""

    def setUp(self):
        why = module_available()
        if why or not os.access(ADMIN, os.X_OK):
            raise unittest.SkipTest(why or "sequr-saml-admin not built: %s" % ADMIN)
        self.dir = tempdir("sequr-admin-check-")

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def site(self, lines, main_lines=(), sequr=True):
        """site.conf holding lines (line 1 is lines[0]) and the httpd.conf that
        includes it; returns site.conf's path."""
        self.write("httpd.conf", "\n".join([
            "ServerName 127.0.0.1",
            "Listen 127.0.0.1:%d" % harness.free_port(),
            "PidFile %s/httpd.pid" % self.dir,
            "ErrorLog %s/error.log" % self.dir,
            "LoadModule mpm_prefork_module %s/mod_mpm_prefork.so" % harness.MODULES,
            "LoadModule authn_core_module %s/mod_authn_core.so" % harness.MODULES,
            "LoadModule authz_core_module %s/mod_authz_core.so" % harness.MODULES,
            "LoadModule dbd_module %s/mod_dbd.so" % harness.MODULES]
            + (["LoadModule sequr_saml_module %s" % harness.module_copy(),
                "SequrSAMLCacheEntries 8192"] if sequr else [])
            + list(main_lines) + ["Include site.conf", ""]))
        return self.write("site.conf", "\n".join(lines) + "\n")

    def check(self, *extra):
        rc, out, err = admin("check", "--config", os.path.join(self.dir, "httpd.conf"),
                             "--server-root", self.dir, *extra)
        self.assertEqual(err, "", out)
        return rc, out

    def assert_reported(self, out, conf, line, *words):
        for l in out.splitlines():
            if l.startswith("%s:%d: " % (conf, line)) and all(w in l for w in words):
                return
        self.fail("no line %d with %s in:\n%s" % (line, words, out))

    def idp(self, cert):
        return ["SequrSAMLSPEntityID https://sp.example/",
                "SequrSAMLIdPSSOURL https://login.example/saml2",
                "SequrSAMLIdPEntityID https://sts.windows.net/t/",
                "SequrSAMLIdPCertificateFile %s" % cert]

    def test_conditional_sections_count_as_apache_reads_them(self):
        """The old tool read every line, <IfDefine>/<IfModule> or not: it called
        this config broken (a missing certificate, a key that does not match)
        where Apache starts, and missed the expired certificate Apache uses."""
        _, idp = long_lived_pair(self.dir, "idp", "idp")
        key, crt = long_lived_pair(self.dir, "sp", "sp")
        other, _ = long_lived_pair(self.dir, "other", "other")
        _, old = az.make_expired_keypair(self.dir)
        conf = self.site(self.idp(idp) + [
            "SequrSAMLSPCertificateFile sp.crt",                  # 5
            "SequrSAMLSPPrivateKeyFile sp.key",                   # 6
            "<IfDefine NEVER>",                                   # 7
            "    SequrSAMLIdPCertificateFile missing.pem",        # 8
            "</IfDefine>",                                        # 9
            "<IfModule !mod_sequr_saml.c>",                       # 10
            "    SequrSAMLSPPrivateKeyFile other.key",            # 11
            "</IfModule>",                                        # 12
            "<IfModule mod_sequr_saml.c>",                        # 13
            "    <IfDefine !NEVER>",                              # 14
            "        SequrSAMLIdPCertificateFile %s" % old,       # 15
            "    </IfDefine>",                                    # 16
            "</IfModule>",                                        # 17
            "<Location />", "AuthType sequr-saml", "</Location>"])
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assert_reported(out, conf, 15, "warning", "IdP certificate", old, "EXPIRED")
        self.assertNotIn("missing.pem", out)
        self.assertIn("0 problem(s), 1 warning(s); 1 server(s)", out)
        self.assertIn("Syntax OK", out)

    def test_good_config_with_includes_defines_and_vhosts(self):
        _, idp = long_lived_pair(self.dir, "idp", "idp")
        _, soon = long_lived_pair(self.dir, "soon", "soon", days=10)
        key, _ = long_lived_pair(self.dir, "sp", "sp")
        os.chmod(key, 0o644)
        self.write("conf.d/sp.conf", "SequrSAMLSPCertificateFile sp.crt\n"
                                     "SequrSAMLSPPrivateKeyFile \"sp.key\"\n")
        conf = self.site([
            "# a comment",                                        # 1
            "Define IDP idp.crt",                                 # 2
            "SequrSAMLSPEntityID https://sp.example/",            # 3
            "SequrSAMLIdPSSOURL https://login.example/saml2",     # 4
            "SequrSAMLIdPEntityID https://sts.windows.net/t/",    # 5
            "SequrSAMLIdPCertificateFile ${IDP}",                 # 6
            "IncludeOptional conf.d/*.conf",                      # 7
            "IncludeOptional nothing-here/*.conf",                # 8
            "<VirtualHost *:80>",                                 # 9
            "  SequrSAMLIdPSSOURL https://login.example/v/saml2",  # 10
            "  SequrSAMLIdPEntityID https://sts.windows.net/v/",  # 11
            "  SequrSAMLIdPCertificateFile \\",                  # 12
            "      soon.crt",                                     # 13
            "  <Location />",                                     # 14
            "    AuthType sequr-saml",                            # 15
            "  </Location>",                                      # 16
            "</VirtualHost>",                                     # 17
            "<VirtualHost *:8080>",                               # 18
            "  <Location />",                                     # 19
            "    AuthType sequr-saml",                            # 20
            "  </Location>",                                      # 21
            "</VirtualHost>"])
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        # The vhost's own IdP (its line joined from two: Apache names the last),
        # the key of the main server it inherits, judged once.
        self.assert_reported(out, conf, 13, "warning", "IdP certificate",
                             os.path.join(self.dir, "soon.crt"), "expires in 9 day(s)")
        self.assert_reported(out, os.path.join(self.dir, "conf.d", "sp.conf"), 2, "warning",
                             "SP private key %s is readable by others (mode 0644)" % key)
        self.assertIn("0 problem(s), 2 warning(s); 3 server(s)", out)

    def test_key_files_readable_by_others(self):
        key = self.write("cookie.key", "k" * 48)
        os.chmod(key, 0o640)
        conf = self.site(["SequrSAMLCookieKeyFile cookie.key"])
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assert_reported(out, conf, 1, "warning", "SequrSAMLCookieKeyFile %s is readable "
                             "by others (mode 0640)" % key)
        os.chmod(key, 0o600)
        rc, out = self.check()
        self.assertIn("0 problem(s), 0 warning(s)", out)

    def test_every_rollover_key_file_is_checked(self):
        """Two SP key pairs: the first key's mode is judged too, on its own line (the
        dump used to name the last SequrSAMLSPPrivateKeyFile only)."""
        _, idp = long_lived_pair(self.dir, "idp", "idp")
        key1, _ = long_lived_pair(self.dir, "sp", "sp")
        key2, _ = long_lived_pair(self.dir, "sp-next", "sp-next")
        os.chmod(key1, 0o644)
        os.chmod(key2, 0o600)
        conf = self.site([
            "SequrSAMLSPEntityID https://sp.example/",            # 1
            "SequrSAMLIdPSSOURL https://login.example/saml2",     # 2
            "SequrSAMLIdPEntityID https://sts.windows.net/t/",    # 3
            "SequrSAMLIdPCertificateFile idp.crt",                # 4
            "SequrSAMLSPPrivateKeyFile sp.key",                   # 5
            "SequrSAMLSPCertificateFile sp.crt",                  # 6
            "SequrSAMLSPPrivateKeyFile sp-next.key",              # 7
            "SequrSAMLSPCertificateFile sp-next.crt",             # 8
            "SequrSAMLSignRequests On",                           # 9
            "<Location />", "AuthType sequr-saml", "</Location>"])
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assert_reported(out, conf, 5, "warning",
                             "SP private key %s is readable by others (mode 0644)" % key1)
        self.assertNotIn("%s is readable" % key2, out)
        self.assertIn("0 problem(s), 1 warning(s)", out)

    def test_apache_refusals_with_file_and_line(self):
        """Apache stops at the first line it refuses: one problem, where it says."""
        _, idp = long_lived_pair(self.dir, "idp", "idp")
        cases = [
            (["SequrSAMLIdPCertificateFile missing.pem"], 1, ["missing.pem", "No such file"]),
            (["Include nothing-here/*.conf"], 1, ["nothing-here"]),
            (["<VirtualHost *:80>", "  SequrSAMLIdPMetadataFile \\", "      idp.crt",
              "</VirtualHost>"], 3, ["SequrSAMLIdPMetadataFile"]),   # a joined line: its last
            (["<SequrSAMLTenant contoso>", "    SequrSAMLClockSkew 10", "</SequrSAMLTenant>"],
             2, ["SequrSAMLClockSkew"]),
        ]
        for lines, line, words in cases:
            conf = self.site(self.idp(idp) + lines)
            rc, out = self.check()
            self.assertEqual(rc, 2, out)
            self.assert_reported(out, conf, 4 + line, "problem", *words)
            self.assertIn("1 problem(s), 0 warning(s)", out)

    def test_module_refusals_are_problems(self):
        """What the module refuses at start-up, in its own words."""
        _, idp = long_lived_pair(self.dir, "idp", "idp")
        _, other = long_lived_pair(self.dir, "other", "other")
        key, _ = long_lived_pair(self.dir, "sp", "sp")
        cases = [
            (["SequrSAMLSPCertificateFile other.crt", "SequrSAMLSPPrivateKeyFile sp.key"],
             "does not belong"),
            (["SequrSAMLSPPrivateKeyFile sp.key"], "go together"),
            (["<Location /x>", "AuthType sequr-saml", "SequrSAMLTenantName nobody",
              "</Location>"], "nobody"),
            (["<VirtualHost *:80>", "SequrSAMLIdPSSOURL https://login.example/v/saml2",
              "<Location />", "AuthType sequr-saml", "</Location>", "</VirtualHost>"],
             "AuthType sequr-saml"),
        ]
        for lines, words in cases:
            self.site(self.idp(idp) + lines)
            rc, out = self.check()
            self.assertEqual(rc, 2, out)
            self.assertIn(words, out)
            self.assertIn("problem: %s -t refuses" % harness.APACHE, out)
            self.assertIn("1 problem(s)", out)

    def test_only_expired_idp_certificates(self):
        _, old = az.make_expired_keypair(self.dir)
        lines = self.idp(old) + ["<Location />", "AuthType sequr-saml", "</Location>"]
        conf = self.site(lines)
        rc, out = self.check()
        self.assertEqual(rc, 2, out)
        self.assertIn("site.conf:4: warning: IdP certificate %s" % old, out)
        self.assertIn("every IdP certificate", out)              # the module's refusal
        # The admin's override counts wherever it stands.
        self.site(lines + ["SequrSAMLAllowExpiredIdPCertificate On"])
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assertIn("0 problem(s), 1 warning(s)", out)
        self.assertIn("%s:4: warning: IdP certificate %s" % (conf, old), out)

    def test_tenant_sections(self):
        """Each <SequrSAMLTenant> is an IdP of its own; its certificates are its own."""
        _, cont = long_lived_pair(self.dir, "contoso", "contoso")
        _, old = az.make_expired_keypair(self.dir)
        fab_md = os.path.join(self.dir, "fabrikam.xml")
        with open(fab_md, "wb") as f:
            f.write(az.make_metadata("fab-tenant", "https://login.example/fab/saml2", [cont]))
        good = [
            "SequrSAMLSPEntityID https://sp.example/",                       # 1
            "<SequrSAMLTenant contoso>",                                     # 2
            "    SequrSAMLIdPSSOURL https://login.example/c/saml2",          # 3
            "    SequrSAMLIdPEntityID https://sts.windows.net/c/",           # 4
            "    SequrSAMLIdPCertificateFile %s" % cont,                     # 5
            "    SequrSAMLIdPCertificateFile %s" % old,                      # 6
            "    SequrSAMLIdPSLOURL https://login.example/c/saml2",          # 7
            "</SequrSAMLTenant>",                                            # 8
            "<SequrSAMLTenant fabrikam>",                                    # 9
            "    SequrSAMLIdPMetadataFile %s" % fab_md,                      # 10
            "</SequrSAMLTenant>",                                            # 11
            "<Location /c>",                                                 # 12
            "    AuthType sequr-saml",                                       # 13
            "    SequrSAMLTenantName contoso",                               # 14
            "</Location>",                                                   # 15
            "<VirtualHost *:80>",                                            # 16
            "  <Location />",                                                # 17
            "    <IfModule mod_sequr_saml.c>",                               # 18
            "      AuthType sequr-saml",                                     # 19
            "    </IfModule>",                                               # 20
            "    SequrSAMLTenantName fabrikam",                              # 21
            "  </Location>",                                                 # 22
            "</VirtualHost>"]
        conf = self.site(good)
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assertIn("site.conf:6: warning: tenant contoso IdP certificate %s" % old, out)
        self.assertIn("0 problem(s), 1 warning(s)", out)
        # A duplicate name, a tenant without an IdP: Apache refuses.
        for extra, words in ((["<SequrSAMLTenant contoso>", "</SequrSAMLTenant>"], "contoso"),
                             (["<SequrSAMLTenant empty>", "</SequrSAMLTenant>"], "empty")):
            self.site(good + extra)
            rc, out = self.check()
            self.assertEqual(rc, 2, out)
            self.assertIn(words, "\n".join(l for l in out.splitlines() if "problem" in l
                                           or l.startswith("    ")))

    def test_usage_and_unreadable_config(self):
        rc, out, err = admin("check", "--config", os.path.join(self.dir, "none.conf"))
        self.assertEqual(rc, 3, err)
        rc, out, err = admin("check")
        self.assertEqual(rc, 1, err)
        rc, out, err = admin("check", "--help")
        self.assertEqual(rc, 0, err)
        self.assertIn("Exit status", out)
        self.site([])
        # --no-apache is obsolete: Apache reads the config all the same.
        rc, out, err = admin("check", "--config", self.dir, "--no-apache")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("--no-apache is obsolete", err)
        self.assertIn("Syntax OK", out)
        rc, out, err = admin("check", "--config", self.dir, "--apache",
                             os.path.join(self.dir, "no-httpd"))
        self.assertEqual(rc, 3, err)
        self.assertIn("cannot run", err)
        # A missing store is reported with the command that makes one.
        conf = self.site(["DBDriver sqlite3", "DBDParams users.db", "SequrSAMLUserStore dbd"])
        rc, out = self.check()
        self.assertEqual(rc, 2, out)
        self.assertIn("site.conf:2: problem: DBDParams users.db is a relative path", out)
        db = os.path.join(self.dir, "users.db")
        self.site(["DBDriver sqlite3", "DBDParams %s" % db, "SequrSAMLUserStore dbd"])
        rc, out = self.check()
        self.assertEqual(rc, 2, out)
        self.assertIn("%s:2: problem: no user store at %s (create it with "
                      "sequr-saml-admin --db %s init)" % (conf, db, db), out)
        sqlite3.connect(db).execute("CREATE TABLE other (x)").connection.close()
        rc, out = self.check()
        self.assertEqual(rc, 2, out)
        self.assert_reported(out, conf, 2, "problem", "user store", "sequr_users")
        os.unlink(db)
        admin("--db", db, "init")
        # A directory: its httpd.conf, with the directory as ServerRoot.
        rc, out, err = admin("check", "--config", self.dir)
        self.assertEqual(rc, 0, out)
        self.assertIn("0 problem(s), 0 warning(s)", out)
        # A site's file alone is not a configuration Apache can read.
        rc, out, err = admin("check", "--config", conf)
        self.assertEqual(rc, 2, out)
        self.assertIn("hint: %s is not a whole Apache configuration" % conf, out)
        # A config that does not load the module has nothing to check.
        self.site([], sequr=False)
        rc, out = self.check()
        self.assertEqual(rc, 2, out)
        self.assertIn("loads no mod_sequr_saml", out)

    def test_store_apache_user_cannot_read_is_a_warning(self):
        if not harness.AS_ROOT:
            raise unittest.SkipTest("needs root to own a file www-data cannot read")
        db = os.path.join(self.dir, "users.db")
        admin("--db", db, "init")
        conf = self.site(["DBDriver sqlite3", "DBDParams %s" % db, "SequrSAMLUserStore dbd"],
                         main_lines=["User www-data", "Group www-data"])
        os.chmod(db, 0o644)
        rc, out = self.check()
        self.assertIn("0 problem(s), 0 warning(s)", out)
        os.chmod(db, 0o600)
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assertIn("%s:2: warning: the user store %s (mode 0600) cannot be read by "
                      "Apache's user www-data" % (conf, db), out)


if __name__ == "__main__":
    unittest.main()
