"""Entra ID token encryption: with SequrSAMLSPCertificateFile/SequrSAMLSPPrivateKeyFile
the ACS decrypts the EncryptedAssertion (AES-256-CBC or GCM, RSA-OAEP) and holds
the decrypted Assertion to every rule, its own signature included; without the
SP key, or when it cannot decrypt, the response is refused with a log line that
says why. The SP metadata offers the certificate for encryption."""
import base64
import os
import re

from lxml import etree

import harness
from harness import SamlTestCase, USER, az, curl

import azure_encrypt

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"


def sp_keypair():
    d = harness.tempdir("sequr-sp-")
    key, cert = az.make_keypair(d, "sp", cn="sequr.example.test")
    harness.give_to_apache_user(d)
    return key, cert


class WithSPKey(SamlTestCase):
    idp_args = ()

    @classmethod
    def setUpClass(cls):
        cls.sp_key, cls.sp_cert = sp_keypair()
        cls.other_key, cls.other_cert = sp_keypair()
        cls.directives = {"SPCertificateFile": '"%s"' % cls.sp_cert,
                          "SPPrivateKeyFile": '"%s"' % cls.sp_key}
        cls.idp_args = ("--encrypt-for", cls.sp_cert)
        super().setUpClass()

    def encrypted(self, rid, user=USER, encrypt_for=None, **kw):
        kw.setdefault("key", self.idp.key)
        kw.setdefault("cert", self.idp.cert)
        kw.setdefault("tenant", self.idp.tenant)
        return azure_encrypt.make_encrypted_response(
            user, self.apache.acs_url, harness.SP_ENTITY_ID, rid,
            encrypt_for=encrypt_for or self.sp_cert, **kw)

    def sign_in_with(self, make):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/enc", jar=jar)
        return self.post_acs(make(rid), relay, jar=jar), jar

    def test_browser_flow_through_the_encrypting_idp(self):
        jar = self.jar()
        r = self.get("/protected/enc?x=1", jar=jar)
        self.assertEqual(r.status, 302, r)
        page = curl(r.location, jar=jar)
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
        fields = {k: harness.html.unescape(v) for k, v in fields.items()}
        fields["username"] = USER
        login = curl(self.idp.base_url + "/login", data=fields, jar=jar)
        self.assertEqual(login.status, 200, login)
        posted = base64.b64decode(login.form_fields()["SAMLResponse"])
        self.assertIn(b"EncryptedAssertion", posted)
        self.assertIn(b"xmlenc#aes256-cbc", posted)
        self.assertIn(b"xmlenc#rsa-oaep-mgf1p", posted)
        self.assertNotIn(USER.encode(), posted)          # the identity travels encrypted
        acs = curl(login.form_action(), data=login.form_fields(), jar=jar)
        self.assertEqual(acs.status, 303, acs)
        page = self.get("/protected/enc?x=1", jar=jar)
        self.assertEqual(page.status, 200, page)
        self.assertEqual(self.whoami(page)["REMOTE_USER"], USER)

    def test_gcm_and_response_signature_accepted(self):
        for kw in ({"content": "aes256-gcm"}, {"sign": "response"}, {"sign": "both"}):
            with self.subTest(**kw):
                acs, jar = self.sign_in_with(lambda rid: self.encrypted(rid, **kw))
                self.assertEqual(acs.status, 303, acs)
                self.assertEqual(self.whoami(self.get("/protected/enc", jar=jar))["REMOTE_USER"],
                                 USER)

    def test_encrypted_for_another_certificate_refused(self):
        mark = self.apache.log_mark()
        acs, _ = self.sign_in_with(lambda rid: self.encrypted(rid, encrypt_for=self.other_cert))
        self.assert_refused(acs, 403, "encryption", mark)
        self.assertIn("does not decrypt with the SP key", self.apache.log_since(mark))

    def test_rsa_1_5_refused(self):
        mark = self.apache.log_mark()
        acs, _ = self.sign_in_with(lambda rid: self.encrypted(rid, key_transport="rsa-1_5"))
        self.assert_refused(acs, 403, "encryption", mark)
        self.assertIn("Bleichenbacher", self.apache.log_since(mark))

    def test_unsigned_decrypted_assertion_refused(self):
        mark = self.apache.log_mark()
        acs, _ = self.sign_in_with(lambda rid: self.encrypted(rid, sign=None))
        self.assert_refused(acs, 403, "encryption", mark)
        self.assertIn("signature-missing", self.apache.log_since(mark))

    def test_assertion_signed_by_another_key_refused(self):
        d = harness.tempdir("sequr-evil-")
        key, cert = az.make_keypair(d, "evil")
        mark = self.apache.log_mark()
        acs, _ = self.sign_in_with(lambda rid: self.encrypted(rid, key=key, cert=cert))
        self.assert_refused(acs, 403, "encryption", mark)

    def test_encrypted_beside_plain_assertion_refused(self):
        def both(rid):
            plain = etree.fromstring(base64.b64decode(self.response(rid, user="mallory@contoso.example")))
            enc = etree.fromstring(base64.b64decode(self.encrypted(rid)))
            plain.append(enc.find("{%s}EncryptedAssertion" % az.SAML))
            return base64.b64encode(az.serialize(plain)).decode()
        mark = self.apache.log_mark()
        acs, _ = self.sign_in_with(both)
        self.assert_refused(acs, 403, "encrypted-assertion", mark)

    def test_metadata_offers_the_certificate_for_encryption(self):
        r = self.get("/saml/metadata")
        self.assertEqual(r.status, 200, r)
        root = etree.fromstring(r.body)
        kds = root.findall("{%s}SPSSODescriptor/{%s}KeyDescriptor" % (MD, MD))
        enc = [k for k in kds if k.get("use") == "encryption"]
        self.assertEqual(len(enc), 1, r.text)
        cert = enc[0].findtext("{%s}KeyInfo/{%s}X509Data/{%s}X509Certificate" % (DS, DS, DS))
        self.assertEqual(cert, base64.b64encode(az.cert_der(self.sp_cert)).decode())
        methods = [m.get("Algorithm") for m in enc[0].findall("{%s}EncryptionMethod" % MD)]
        self.assertIn("http://www.w3.org/2001/04/xmlenc#aes256-cbc", methods)
        self.assertIn("http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", methods)
        self.assertFalse([m for m in methods if "rsa-1_5" in m], methods)


    def test_configtest_refuses_a_key_of_another_certificate(self):
        conf = self.apache.conf_text(harness.saml_directives(
            self.idp.sso_url, self.idp.cert, self.idp.issuer,
            SPCertificateFile='"%s"' % self.other_cert, SPPrivateKeyFile='"%s"' % self.sp_key))
        rc, out = self.apache.configtest(conf)
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, r"SEQ01607.*does not belong to the SequrSAMLSPCertificateFile")


class WithoutSPKey(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        cls.sp_key, cls.sp_cert = sp_keypair()
        cls.idp_args = ("--encrypt-for", cls.sp_cert)
        super().setUpClass()

    def test_encrypted_assertion_refused_with_advice(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/enc", jar=jar)
        mark = self.apache.log_mark()
        resp = azure_encrypt.make_encrypted_response(
            USER, self.apache.acs_url, harness.SP_ENTITY_ID, rid, key=self.idp.key,
            cert=self.idp.cert, tenant=self.idp.tenant, encrypt_for=self.sp_cert)
        acs = self.post_acs(resp, relay, jar=jar)
        self.assert_refused(acs, 403, "encrypted-assertion", mark)
        self.assertIn("no SP private key is configured", self.apache.log_since(mark))

    def test_metadata_has_no_encryption_key(self):
        r = self.get("/saml/metadata")
        self.assertEqual(r.status, 200, r)
        self.assertNotIn(b'use="encryption"', r.body)
