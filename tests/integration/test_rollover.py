"""Signing-certificate rollover as an admin does it with Entra ID: add the new
certificate next to the old one, both sign people in; remove the old one,
configtest, `apachectl graceful`: the old key no longer verifies, the new one
does, and nobody signed in is logged out. Certificates that end within 30 days
are named in the error log at start-up (file, subject, date); an expired IdP
certificate is not used unless SequrSAMLAllowExpiredIdPCertificate says so.

Also covered elsewhere: two certificate files of different formats
(test_metadata.IdPCertificateFormats.test_two_files_rollover), one certificate
replaced by graceful with requests in flight (test_graceful), an expired
certificate next to a valid one (test_rejects.ExpiredIdPCertificate)."""
import datetime
import os
import re
import subprocess

import harness
from harness import SamlTestCase, az, saml_directives


def keypair_valid_for(directory, name, days, cn):
    """A self-signed RSA pair whose certificate ends in `days` days."""
    key = os.path.join(directory, name + ".key")
    crt = os.path.join(directory, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                    str(days), "-subj", "/CN=" + cn, "-keyout", key, "-out", crt],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o644)
    return key, crt


class TwoCertificatesThenOne(SamlTestCase):

    def test_rollover_with_graceful(self):
        new_key, new_cert = keypair_valid_for(self.tmp, "new", 365, "New Azure SSO Certificate")
        # Step 1: the new certificate is added beside the old one.
        self.apache.write_conf(saml_directives(self.idp.sso_url, [self.idp.cert, new_cert],
                                               self.idp.issuer))
        self.assertEqual(self.apache.configtest()[0], 0)
        self.apache.graceful()
        r, jar = self.sign_in("/protected/old-key")
        self.assertEqual(r.status, 303, r)
        r, _ = self.sign_in("/protected/new-key", key=new_key, cert=new_cert)
        self.assertEqual(r.status, 303, r)

        # Step 2: Entra made the new one active; the admin removes the old one.
        self.apache.write_conf(saml_directives(self.idp.sso_url, new_cert, self.idp.issuer))
        rc, out = self.apache.configtest()
        self.assertEqual(rc, 0, out)
        self.apache.graceful()
        self.assertEqual(self.get("/protected/old-key", jar=jar).status, 200,
                         "a session made with the old key was dropped by the reload")
        jar2 = self.jar()
        rid, relay, _ = self.start_login("/protected/after", jar=jar2)
        mark = self.apache.log_mark()
        old = self.post_acs(self.response(rid), relay, jar=jar2)
        self.assert_refused(old, 403, "signature", mark)
        r, _ = self.sign_in("/protected/after", key=new_key, cert=new_cert)
        self.assertEqual(r.status, 303, r)


class ExpiryWarnings(SamlTestCase):
    """A certificate ending in 10 days is named at start-up, IdP and SP alike; one
    ending in 90 days is not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = harness.tempdir("sequr-expiry-")
        cls.soon_key, cls.soon_cert = keypair_valid_for(d, "soon", 10, "Ending Soon IdP Cert")
        cls.later_key, cls.later_cert = keypair_valid_for(d, "later", 90, "Ending Later IdP Cert")
        cls.sp_key, cls.sp_cert = keypair_valid_for(d, "sp", 10, "Ending Soon SP Cert")
        cls.conf = saml_directives(
            cls.idp.sso_url, [cls.soon_cert, cls.later_cert], cls.idp.issuer,
            SPCertificateFile='"%s"' % cls.sp_cert, SPPrivateKeyFile='"%s"' % cls.sp_key)
        cls.apache.stop()
        cls.mark = cls.apache.log_mark()
        cls.apache.write_conf(cls.conf)
        cls.apache.start()
        cls.start_up_log = cls.apache.log_since(cls.mark, expect="Ending Soon SP Cert")

    def ending_day(self, days):
        return (datetime.datetime.now(datetime.timezone.utc)
                + datetime.timedelta(days=days)).strftime("%Y-%m-%d")

    def warning_for(self, text, cn):
        lines = [l for l in text.splitlines() if cn in l]
        self.assertEqual(len(lines), 1, "expected one line naming %s in:\n%s" % (cn, text))
        return lines[0]

    def test_start_up_warns_in_the_error_log(self):
        log = self.start_up_log
        idp = self.warning_for(log, "Ending Soon IdP Cert")
        self.assertRegex(idp, r"\[sequr_saml:warn\].*SEQ01605")
        self.assertIn(self.soon_cert, idp)
        self.assertIn("expires on " + self.ending_day(10), idp)
        sp = self.warning_for(log, "Ending Soon SP Cert")
        self.assertIn(self.sp_cert, sp)
        self.assertIn("expires on " + self.ending_day(10), sp)
        self.assertIn("Entra ID", sp)
        self.assertNotIn("Ending Later IdP Cert", log)

    def test_graceful_warns_again_and_configtest_shows_it(self):
        mark = self.apache.log_mark()
        self.apache.graceful()
        self.warning_for(self.apache.log_since(mark, expect="Ending Soon SP Cert"),
                         "Ending Soon IdP Cert")
        rc, out = self.apache.configtest()
        self.assertEqual(rc, 0, out)
        self.assertIn("expires on " + self.ending_day(10), self.warning_for(out, "Ending Soon SP"))

    def test_certificate_ending_soon_still_verifies(self):
        r, _ = self.sign_in("/protected/soon", key=self.soon_key, cert=self.soon_cert)
        self.assertEqual(r.status, 303, r)


class OnlyExpiredCertificate(SamlTestCase):
    """Every configured IdP certificate expired: configtest fails and says so;
    SequrSAMLAllowExpiredIdPCertificate On keeps it in use."""

    def test_refused_at_configtest_unless_allowed(self):
        old_key, old_cert = az.make_expired_keypair(self.tmp)
        conf = self.apache.conf_text(saml_directives(self.idp.sso_url, old_cert,
                                                     self.idp.issuer))
        rc, out = self.apache.configtest(conf)
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, r"SEQ01604.*expired on 2024-02-01")
        self.assertIn("every IdP certificate", out)

        allowed = saml_directives(self.idp.sso_url, old_cert, self.idp.issuer,
                                  AllowExpiredIdPCertificate="On")
        rc, out = self.apache.configtest(self.apache.conf_text(allowed))
        self.assertEqual(rc, 0, out)
        self.apache.write_conf(allowed)
        self.apache.graceful()
        r, _ = self.sign_in("/protected/expired", key=old_key, cert=old_cert)
        self.assertEqual(r.status, 303, r)
