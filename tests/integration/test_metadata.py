"""SP metadata endpoint, IdP configuration from Azure's federation metadata, and
the certificate file formats Azure hands out."""
import base64
import os

from lxml import etree

import harness
from harness import Apache, IdPProcess, SamlTestCase, USER, az, curl, saml_directives

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


class SPMetadata(SamlTestCase):

    def fetch(self):
        r = self.get("/saml/metadata")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("Content-Type").startswith("application/samlmetadata+xml"),
                        r.header("Content-Type"))
        return r.body, etree.fromstring(r.body)

    def test_metadata_describes_the_sp(self):
        _, root = self.fetch()
        self.assertEqual(root.tag, "{%s}EntityDescriptor" % MD)
        self.assertEqual(root.get("entityID"), harness.SP_ENTITY_ID)
        acs = root.findall("{%s}SPSSODescriptor/{%s}AssertionConsumerService" % (MD, MD))
        self.assertEqual([(a.get("Binding"), a.get("Location")) for a in acs],
                         [(POST, self.apache.acs_url)])

    def test_pysaml2_mdstore_loads_it(self):
        import pysaml2_idp
        body, _ = self.fetch()
        idp = pysaml2_idp.Pysaml2IdP(os.path.join(self.tmp, "p2"), self.idp.key, self.idp.cert,
                                     body, "https://pysaml2.example.test/idp",
                                     "http://127.0.0.1:9/sso")
        acs = idp.server.metadata.assertion_consumer_service(harness.SP_ENTITY_ID, POST)
        self.assertEqual([a["location"] for a in acs], [self.apache.acs_url])


class SPMetadataWithCert(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        d = harness.tempdir("sequr-sp-")
        cls.sp_key, cls.sp_cert = az.make_keypair(d, "sp", cn="sequr.example.test")
        cls.directives = {"SPCertificateFile": cls.sp_cert, "SPPrivateKeyFile": cls.sp_key}
        super().setUpClass()

    def test_sp_certificate_published(self):
        r = self.get("/saml/metadata")
        self.assertEqual(r.status, 200, r)
        root = etree.fromstring(r.body)
        certs = ["".join(c.text.split()) for c in root.iter("{%s}X509Certificate" % DS)]
        self.assertIn(az.cert_base64(self.sp_cert), certs)
        self.assertNotIn(b"PRIVATE", r.body)


class IdPFromFederationMetadata(SamlTestCase):
    """SequrSAMLIdPMetadataFile with Azure's file as downloaded: BOM, two signing
    certs (rollover). Either key's signature is accepted; a third key's is not."""

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise harness.unittest.SkipTest(why)
        cls.tmp = harness.tempdir("sequr-test-")
        cls.key2, cls.cert2 = az.make_keypair(cls.tmp, "next", cn="Next Azure SSO Certificate")
        cls.apache = Apache()
        cls.idp = IdPProcess(cls.apache.acs_url, extra_args=["--extra-cert", cls.cert2])
        md = curl(cls.idp.base_url + "/federationmetadata/2007-06/federationmetadata.xml")
        assert md.body.startswith(b"\xef\xbb\xbf"), "IdP metadata should carry a BOM"
        path = os.path.join(cls.tmp, "federationmetadata.xml")
        with open(path, "wb") as f:
            f.write(md.body)
        cls.apache.write_conf("SequrSAMLSPEntityID %s\nSequrSAMLIdPMetadataFile %s"
                              % (harness.SP_ENTITY_ID, path))
        cls.apache.start()

    def test_sso_url_from_metadata(self):
        rid, relay, r = self.start_login("/protected/md")
        self.assertTrue(r.location.startswith(self.idp.sso_url), r.location)

    def test_either_signing_key_accepted(self):
        for key, cert in ((self.idp.key, self.idp.cert), (self.key2, self.cert2)):
            with self.subTest(cert=os.path.basename(cert)):
                r, jar = self.sign_in("/protected/md", key=key, cert=cert)
                self.assertEqual(r.status, 303, r)
                self.assertEqual(self.whoami(self.get("/protected/md", jar=jar))["REMOTE_USER"],
                                 USER)

    def test_unlisted_key_refused(self):
        k3, c3 = az.make_keypair(self.tmp, "third")
        rid, relay, _ = self.start_login("/protected/md3", jar=self.jar())
        mark = self.apache.log_mark()
        r = self.post_acs(self.response(rid, key=k3, cert=c3), relay)
        self.assert_refused(r, 403, "signature", mark)


class CertificateFormats(SamlTestCase):
    """PEM, bare Base64 DER (Azure's "Certificate (Base64)"), DER ("Raw"): one
    Apache, restarted with each file in turn."""

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise harness.unittest.SkipTest(why)
        cls.tmp = harness.tempdir("sequr-fmt-")
        cls.apache = Apache()
        cls.idp = IdPProcess(cls.apache.acs_url)

    def test_each_format(self):
        b64 = az.cert_base64(self.idp.cert)
        with open(self.idp.cert, "rb") as f:
            pem = f.read()
        files = {"pem": pem,
                 "pem-crlf": pem.replace(b"\n", b"\r\n"),
                 "base64.cer": b64.encode() + b"\n",
                 "base64-wrapped.cer": b"\r\n".join(
                     b64.encode()[i:i + 64] for i in range(0, len(b64), 64)) + b"\r\n",
                 "der.cer": base64.b64decode(b64)}
        for name, content in files.items():
            with self.subTest(format=name):
                path = os.path.join(self.tmp, "idp-" + name)
                with open(path, "wb") as f:
                    f.write(content)
                self.apache.write_conf(saml_directives(self.idp.sso_url, path, self.idp.issuer))
                self.apache.start()
                try:
                    r, jar = self.sign_in()
                    self.assertEqual(r.status, 303, r)
                    self.assertEqual(self.get("/protected/page", jar=jar).status, 200)
                finally:
                    self.apache.stop()

    def test_two_files_rollover(self):
        k2, c2 = az.make_keypair(self.tmp, "second")
        der = os.path.join(self.tmp, "second.der")
        with open(der, "wb") as f:
            f.write(az.cert_der(c2))
        self.apache.write_conf(saml_directives(self.idp.sso_url, [self.idp.cert, der],
                                               self.idp.issuer))
        self.apache.start()
        try:
            for key, cert in ((self.idp.key, self.idp.cert), (k2, c2)):
                r, _ = self.sign_in(key=key, cert=cert)
                self.assertEqual(r.status, 303, r)
        finally:
            self.apache.stop()
