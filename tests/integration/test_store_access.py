"""The file store holds every session and the replay cache: nobody but root
and Apache's User may read or write it. A store file found in place used to be
adopted with its owner and mode (a 0666 file stayed readable by anyone); now
start-up (and configtest) refuses a store file, or a directory, that others
may reach, naming SequrSAMLCache and the file; a file the module makes is 0600
and belongs to the User the children run as."""
import os
import pwd
import stat
import subprocess
import unittest

import harness
from harness import Apache, az, saml_directives


class StoreFileAccess(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.keys = harness.tempdir("sequr-store-keys-")
        _, cls.cert = az.make_keypair(cls.keys, "idp")

    def setUp(self):
        self.apache = Apache(servers=1)
        self.addCleanup(self.apache.stop)
        self.dir = harness.tempdir("sequr-store-")       # root's (or ours), 0755
        self.path = os.path.join(self.dir, "sessions.store")

    def conf(self, path=None):
        return saml_directives("https://login.microsoftonline.com/%s/saml2" % az.DEFAULT_TENANT,
                               self.cert, az.entra_issuer(az.DEFAULT_TENANT),
                               Cache="file:" + (path or self.path))

    def assert_refused(self, what):
        """configtest and a real start both fail, naming the directive, the
        file and what is wrong."""
        self.apache.write_conf(self.conf())
        rc, out = self.apache.configtest()
        self.assertNotEqual(rc, 0, out)
        for text in ("SequrSAMLCache", self.path, what):
            self.assertIn(text, out)
        r = subprocess.run([harness.APACHE, "-d", self.apache.root, "-f", self.apache.conf_path,
                            "-DFOREGROUND"], capture_output=True, text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        said = r.stdout + r.stderr + self.apache.log()
        for text in ("SequrSAMLCache", self.path, what):
            self.assertIn(text, said)

    def make_file(self, mode, content=b"\0" * 4096):
        with open(self.path, "wb") as f:
            f.write(content)
        os.chmod(self.path, mode)

    def test_world_readable_file_is_refused(self):
        self.make_file(0o666)
        self.assert_refused("mode 0666")
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o666)   # left as found

    def test_group_readable_file_is_refused(self):
        self.make_file(0o640)
        self.assert_refused("mode 0640")

    @unittest.skipUnless(harness.AS_ROOT, "needs root to give the file away")
    def test_file_of_another_user_is_refused(self):
        self.make_file(0o600)
        nobody = pwd.getpwnam("nobody")
        os.chown(self.path, nobody.pw_uid, nobody.pw_gid)
        self.assert_refused("owned by uid %d" % nobody.pw_uid)

    def test_symlink_is_refused(self):
        target = os.path.join(self.dir, "elsewhere")
        self.make_file(0o600)
        os.rename(self.path, target)
        os.symlink(target, self.path)
        self.assert_refused("not a regular file")

    def test_directory_others_may_write_is_refused(self):
        for mode in (0o777, 0o1777, 0o775):
            os.chmod(self.dir, mode)
            self.assert_refused("mode %04o" % mode)
            self.assertFalse(os.path.exists(self.path))      # nothing made there

    def test_fresh_file_is_private_and_the_users(self):
        self.apache.write_conf(self.conf())
        self.apache.start()
        st = os.stat(self.path)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        want = pwd.getpwnam("www-data").pw_uid if harness.AS_ROOT else os.geteuid()
        self.assertEqual(st.st_uid, want)
        # What it made it takes again at the next start.
        self.apache.stop()
        self.apache.start()
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)

    def test_default_store_in_the_runtime_dir(self):
        # The harness's runtime dir is 0755 and the User's: the default store
        # is made there, private.
        self.apache.write_conf(saml_directives(
            "https://login.microsoftonline.com/%s/saml2" % az.DEFAULT_TENANT, self.cert,
            az.entra_issuer(az.DEFAULT_TENANT)))
        self.apache.start()
        path = os.path.join(self.apache.root, "run", "sequr_saml.store")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)


if __name__ == "__main__":
    unittest.main()
