"""`apache2 -t` refuses broken configurations, naming the directive and the file."""
import os
import unittest

import harness
from harness import Apache, SP_ENTITY_ID, az


class ConfigTestBase(unittest.TestCase):
    """An Apache to run `apache2 -t` on, an IdP key pair, and the assertions."""

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = Apache()
        cls.dir = harness.tempdir("sequr-conf-")
        cls.key, cls.cert = az.make_keypair(cls.dir, "idp")
        cls.sso = "https://login.microsoftonline.com/%s/saml2" % az.DEFAULT_TENANT
        cls.issuer = az.entra_issuer(az.DEFAULT_TENANT)

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()

    def write(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(content)
        return path

    def configtest(self, saml):
        return self.apache.configtest(self.apache.conf_text(saml))

    def assert_refused(self, saml, directive, path):
        rc, out = self.configtest(saml)
        self.assertNotEqual(rc, 0, "configtest accepted:\n%s\n%s" % (saml, out))
        self.assertIn(directive, out)
        self.assertIn(path, out)

    def idp(self, cert=None, sso=None):
        return ("SequrSAMLSPEntityID %s\nSequrSAMLIdPSSOURL %s\n"
                "SequrSAMLIdPCertificateFile %s\nSequrSAMLIdPEntityID %s"
                % (SP_ENTITY_ID, sso or self.sso, cert or self.cert, self.issuer))


class ConfigTest(ConfigTestBase):

    def test_good_configuration_passes(self):
        rc, out = self.configtest(self.idp())
        self.assertEqual(rc, 0, out)
        self.assertIn("Syntax OK", out)

    def test_missing_certificate_file(self):
        path = os.path.join(self.dir, "no-such.pem")
        self.assert_refused(self.idp(cert=path), "SequrSAMLIdPCertificateFile", path)

    def test_unreadable_certificate_file(self):
        if harness.AS_ROOT:     # root reads any file: a directory cannot be read as one
            path = os.path.join(self.dir, "a-directory.pem")
            os.makedirs(path, exist_ok=True)
        else:
            path = self.write("unreadable.pem", open(self.cert, "rb").read())
            os.chmod(path, 0)
        self.assert_refused(self.idp(cert=path), "SequrSAMLIdPCertificateFile", path)

    def test_not_a_certificate(self):
        for name, content in (("notes.txt", b"hello, this is not a certificate\n"),
                              ("key-instead.pem", open(self.key, "rb").read()),
                              ("empty.cer", b"")):
            with self.subTest(file=name):
                path = self.write(name, content)
                self.assert_refused(self.idp(cert=path), "SequrSAMLIdPCertificateFile", path)

    def test_metadata_without_signing_key(self):
        md = az.make_metadata(az.DEFAULT_TENANT, self.sso, [])
        path = self.write("nokeys.xml", md)
        self.assert_refused("SequrSAMLSPEntityID %s\nSequrSAMLIdPMetadataFile %s"
                            % (SP_ENTITY_ID, path), "SequrSAMLIdPMetadataFile", path)

    def test_metadata_not_xml(self):
        path = self.write("broken.xml", b"\xef\xbb\xbf<EntityDescriptor")
        self.assert_refused("SequrSAMLSPEntityID %s\nSequrSAMLIdPMetadataFile %s"
                            % (SP_ENTITY_ID, path), "SequrSAMLIdPMetadataFile", path)

    def test_protected_location_without_sp_entity_id(self):
        saml = "\n".join(l for l in self.idp().splitlines() if "SPEntityID" not in l)
        self.assert_refused(saml, "SequrSAMLSPEntityID", self.apache.root)

    def test_protected_location_without_idp(self):
        self.assert_refused("SequrSAMLSPEntityID %s" % SP_ENTITY_ID, "SequrSAMLIdP",
                            self.apache.root)

    def test_malformed_url(self):
        for bad in ("not a url", "login.microsoftonline.com/x/saml2", "ftp://x/saml2"):
            with self.subTest(url=bad):
                self.assert_refused(self.idp(sso='"%s"' % bad), "SequrSAMLIdPSSOURL",
                                    self.apache.root)
        rc, out = self.configtest(self.idp().replace(SP_ENTITY_ID, '"http://"'))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("SequrSAMLSPEntityID", out)


class CookieSameSite(ConfigTestBase):
    """SequrSAMLCookieSameSite: None only where browsers come over https (it
    needs Secure), Strict never (Entra's answer is a cross-site POST)."""

    def conf_file(self):
        return os.path.join(self.apache.root, "conf", "test.conf")

    def vhost(self, server_name, inside):
        port = harness.free_port()
        return ("Listen 127.0.0.1:%d\n<VirtualHost 127.0.0.1:%d>\n    ServerName %s\n"
                "    %s\n</VirtualHost>" % (port, port, server_name, inside))

    def test_lax_and_none_over_https_pass(self):
        for saml in ("SequrSAMLCookieSameSite Lax",
                     "SequrSAMLCookieSameSite None\n"
                     "SequrSAMLPublicBaseURL https://sso.example.com",
                     self.vhost("https://app.example.com", "SequrSAMLCookieSameSite None")):
            with self.subTest(saml=saml):
                rc, out = self.configtest(self.idp() + "\n" + saml)
                self.assertEqual(rc, 0, out)
                self.assertIn("Syntax OK", out)

    def test_none_on_plain_http_is_refused(self):
        rc, out = self.configtest(self.idp() + "\nSequrSAMLCookieSameSite None")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("SequrSAMLCookieSameSite None (line ", out)
        self.assertIn(self.conf_file(), out)
        self.assertIn("server 127.0.0.1 is plain http", out)
        self.assertIn("set SequrSAMLPublicBaseURL to the https URL browsers use", out)

    def test_none_with_an_http_public_url_is_refused(self):
        rc, out = self.configtest(self.idp() + "\nSequrSAMLCookieSameSite None\n"
                                  "SequrSAMLPublicBaseURL http://sso.example.com")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("SequrSAMLCookieSameSite None (line ", out)
        self.assertIn("SequrSAMLPublicBaseURL is http://sso.example.com", out)

    def test_none_in_an_http_virtual_host_is_refused_naming_it(self):
        rc, out = self.configtest(self.idp() + "\n" +
                                  self.vhost("app.example.com", "SequrSAMLCookieSameSite None"))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("server app.example.com is plain http", out)
        self.assertIn(self.conf_file(), out)

    def test_strict_is_refused_with_the_reason(self):
        self.assert_refused(self.idp() + "\nSequrSAMLCookieSameSite Strict",
                            "SequrSAMLCookieSameSite Strict", self.conf_file())
        rc, out = self.configtest(self.idp() + "\nSequrSAMLCookieSameSite Strict")
        self.assertIn("cross-site POST", out)

    def test_other_words_are_refused(self):
        self.assert_refused(self.idp() + "\nSequrSAMLCookieSameSite Lenient",
                            "must be Lax, None or Strict", self.conf_file())


class UserAttributeList(ConfigTestBase):
    """SequrSAMLUserAttribute takes 1 to 8 names, also inside <SequrSAMLTenant>."""

    def tenant(self, inside):
        return ("<SequrSAMLTenant guests>\n    SequrSAMLIdPSSOURL %s\n    SequrSAMLIdPEntityID "
                "https://sts.windows.net/0f9e8d7c-6b5a-4948-8372-615049382716/\n"
                "    SequrSAMLIdPCertificateFile %s\n    %s\n</SequrSAMLTenant>"
                % (self.sso, self.cert, inside))

    def test_fallbacks_and_a_tenants_own_list_pass(self):
        rc, out = self.configtest(self.idp() + "\nSequrSAMLUserAttribute urn:a urn:b urn:c\n" +
                                  self.tenant("SequrSAMLUserAttribute urn:oid urn:name"))
        self.assertEqual(rc, 0, out)

    def test_more_than_eight_names_are_refused(self):
        self.assert_refused(self.idp() + "\nSequrSAMLUserAttribute " +
                            " ".join("urn:n%d" % i for i in range(9)),
                            "SequrSAMLUserAttribute: at most 8 attribute names",
                            os.path.join(self.apache.root, "conf", "test.conf"))

    def test_no_name_is_refused(self):
        rc, out = self.configtest(self.idp() + "\nSequrSAMLUserAttribute")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("SequrSAMLUserAttribute", out)
