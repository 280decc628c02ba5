"""SequrSAMLSignRequests and SP key rollover, through a real Apache.

With SequrSAMLSignRequests On the redirect to Microsoft Entra ID (Azure AD)
carries SigAlg (rsa-sha256) and Signature over SAMLRequest&RelayState&SigAlg as
sent (SAML bindings 3.4.4.1). Implementations nobody here wrote check it:
pysaml2's verify_redirect_signature (Debian's python3-pysaml2) and the openssl
command line. The local Azure-shaped IdP, in its "Require verification
certificates" mode, lets the browser sign in with it and refuses an unsigned
request and a wrongly signed one, as Entra does. Two SP key pairs (a rollover):
the first signs, both decrypt an encrypted assertion, both are in the SP
metadata. configtest refuses On without an SP key pair."""
import base64
import os
import re
import subprocess
import unittest
import urllib.parse

from lxml import etree

import harness
from harness import SamlTestCase, USER, az, curl

import azure_encrypt
from saml2.sigver import RSACrypto, read_cert_from_file, verify_redirect_signature

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def sp_keypair(name):
    d = harness.tempdir("sequr-sp-")
    key, cert = az.make_keypair(d, name, cn="%s.sequr.example.test" % name)
    harness.give_to_apache_user(d)
    return key, cert


def key_pairs(*pairs):
    """SequrSAMLSPPrivateKeyFile/SequrSAMLSPCertificateFile repeated, pair by pair."""
    lines = []
    for key, cert in pairs:
        lines += ['SequrSAMLSPPrivateKeyFile "%s"' % key, 'SequrSAMLSPCertificateFile "%s"' % cert]
    return "\n".join(lines)


def raw_query(location):
    return urllib.parse.urlsplit(location).query


def pysaml2_verifies(location, cert):
    """pysaml2's HTTP-Redirect signature check with the certificate at cert."""
    msg = {k: v[0] for k, v in urllib.parse.parse_qs(raw_query(location)).items()}
    return verify_redirect_signature(msg, RSACrypto(None), cert=read_cert_from_file(cert, "pem"))


def resign(location, key, sig_alg="rsa-sha256"):
    """The same request and RelayState, signed with another key."""
    unsigned = re.sub(r"&SigAlg=.*$", "", location)
    base, query = unsigned.split("?", 1)
    return base + "?" + az.sign_redirect_query(query, key, sig_alg)


class SignedRequests(SamlTestCase):
    """SignRequests On with two SP key pairs; the IdP requires requests signed
    by the first pair's certificate and encrypts for the second."""

    @classmethod
    def setUpClass(cls):
        cls.key1, cls.cert1 = sp_keypair("sp-current")
        cls.key2, cls.cert2 = sp_keypair("sp-next")
        cls.other_key, cls.other_cert = sp_keypair("sp-other")
        cls.extra = "SequrSAMLSignRequests On\n" + key_pairs((cls.key1, cls.cert1),
                                                             (cls.key2, cls.cert2))
        cls.idp_args = ("--require-signed-requests", cls.cert1, "--encrypt-for", cls.cert2)
        super().setUpClass()

    def redirect(self, path="/protected/signed?x=1", jar=None):
        r = self.get(path, jar=jar or self.jar())
        self.assertEqual(r.status, 302, r)
        return r.location

    def test_query_carries_sigalg_and_signature_in_order(self):
        query = raw_query(self.redirect())
        names = [p.split("=", 1)[0] for p in query.split("&")]
        self.assertEqual(names, ["SAMLRequest", "RelayState", "SigAlg", "Signature"])
        q = dict(urllib.parse.parse_qsl(query))
        self.assertEqual(q["SigAlg"], RSA_SHA256)
        self.assertGreater(len(base64.b64decode(q["Signature"])), 200)

    def test_pysaml2_verifies_with_the_first_pair_only(self):
        location = self.redirect()
        self.assertTrue(pysaml2_verifies(location, self.cert1))
        self.assertFalse(pysaml2_verifies(location, self.cert2))
        # One octet of the signed part changed: refused by pysaml2 too.
        tampered = re.sub(r"RelayState=(\w)", lambda m: "RelayState=" +
                          ("a" if m.group(1) != "a" else "b"), location, count=1)
        self.assertFalse(pysaml2_verifies(tampered, self.cert1))

    def test_openssl_command_line_verifies(self):
        query = raw_query(self.redirect())
        octets, signature = query.split("&Signature=")
        d = harness.tempdir("sequr-sig-")
        paths = {n: os.path.join(d, n) for n in ("octets", "sig", "pub.pem")}
        with open(paths["octets"], "wb") as f:
            f.write(octets.encode("ascii"))
        with open(paths["sig"], "wb") as f:
            f.write(base64.b64decode(urllib.parse.unquote(signature)))
        pub = subprocess.run(["openssl", "x509", "-in", self.cert1, "-noout", "-pubkey"],
                             capture_output=True, check=True).stdout
        with open(paths["pub.pem"], "wb") as f:
            f.write(pub)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", paths["pub.pem"],
                            "-signature", paths["sig"], paths["octets"]],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Verified OK", r.stdout)

    def sign_in_through_the_idp(self, path="/protected/signed?x=1"):
        jar = self.jar()
        page = curl(self.redirect(path, jar=jar), jar=jar)
        self.assertEqual(page.status, 200, page)
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
        fields = {k: harness.html.unescape(v) for k, v in fields.items()}
        fields["username"] = USER
        login = curl(self.idp.base_url + "/login", data=fields, jar=jar)
        self.assertEqual(login.status, 200, login)
        return login, jar

    def test_requiring_idp_signs_in_and_the_second_pair_decrypts(self):
        login, jar = self.sign_in_through_the_idp()
        posted = base64.b64decode(login.form_fields()["SAMLResponse"])
        self.assertIn(b"EncryptedAssertion", posted)     # encrypted for the second pair
        acs = curl(login.form_action(), data=login.form_fields(), jar=jar)
        self.assertEqual(acs.status, 303, acs)
        page = self.get("/protected/signed?x=1", jar=jar)
        self.assertEqual(page.status, 200, page)
        self.assertEqual(self.whoami(page)["REMOTE_USER"], USER)

    def test_first_pair_decrypts_too(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/first", jar=jar)
        resp = azure_encrypt.make_encrypted_response(
            USER, self.apache.acs_url, harness.SP_ENTITY_ID, rid, key=self.idp.key,
            cert=self.idp.cert, tenant=self.idp.tenant, encrypt_for=self.cert1)
        acs = self.post_acs(resp, relay, jar=jar)
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(self.whoami(self.get("/protected/first", jar=jar))["REMOTE_USER"], USER)

    def test_a_key_not_configured_cannot_decrypt(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/other", jar=jar)
        resp = azure_encrypt.make_encrypted_response(
            USER, self.apache.acs_url, harness.SP_ENTITY_ID, rid, key=self.idp.key,
            cert=self.idp.cert, tenant=self.idp.tenant, encrypt_for=self.other_cert)
        mark = self.apache.log_mark()
        self.assert_refused(self.post_acs(resp, relay, jar=jar), 403, "encryption", mark)

    def test_idp_refuses_the_request_unsigned(self):
        unsigned = re.sub(r"&SigAlg=.*$", "", self.redirect())
        r = curl(unsigned)
        self.assertEqual(r.status, 400, r)
        self.assertIn("AADSTS76021", r.text)

    def test_idp_refuses_the_request_wrongly_signed(self):
        location = self.redirect()
        for bad in (resign(location, self.other_key),             # a key Entra does not know
                    resign(location, self.key1, "rsa-sha1"),      # weak algorithm not allowed
                    re.sub(r"RelayState=\w", "RelayState=Z", location, count=1)):  # altered
            with self.subTest(bad=bad[-60:]):
                r = curl(bad)
                self.assertEqual(r.status, 400, r)
                self.assertIn("REQUEST-SIGNATURE", r.text)
        self.assertEqual(curl(location).status, 200)             # the genuine one still passes

    def test_idp_refuses_a_login_whose_request_was_never_verified(self):
        q = dict(urllib.parse.parse_qsl(raw_query(self.redirect())))
        r = curl(self.idp.base_url + "/login",
                 data={"SAMLRequest": q["SAMLRequest"], "RelayState": q["RelayState"],
                       "username": USER})
        self.assertEqual(r.status, 400, r)
        self.assertIn("AADSTS76021", r.text)

    def test_metadata_says_signed_and_publishes_both_pairs_in_order(self):
        r = self.get("/saml/metadata")
        self.assertEqual(r.status, 200, r)
        root = etree.fromstring(r.body)
        sp = root.find("{%s}SPSSODescriptor" % MD)
        self.assertEqual(sp.get("AuthnRequestsSigned"), "true")

        def certs(use):
            return ["".join(c.text.split()) for c in sp.findall(
                "{%s}KeyDescriptor[@use='%s']/{%s}KeyInfo/{%s}X509Data/{%s}X509Certificate"
                % (MD, use, DS, DS, DS))]
        expected = [read_cert_from_file(c, "pem") for c in (self.cert1, self.cert2)]
        self.assertEqual(certs("signing"), expected)
        self.assertEqual(certs("encryption"), expected)


class UnsignedByDefault(SamlTestCase):
    """An SP key pair without SequrSAMLSignRequests: nothing is signed, the
    metadata says so, and an IdP that requires signed requests refuses."""

    @classmethod
    def setUpClass(cls):
        cls.key1, cls.cert1 = sp_keypair("sp")
        cls.extra = key_pairs((cls.key1, cls.cert1))
        cls.idp_args = ("--require-signed-requests", cls.cert1)
        super().setUpClass()

    def test_redirect_unsigned_and_refused_by_a_requiring_idp(self):
        r = self.get("/protected/x", jar=self.jar())
        self.assertEqual(r.status, 302, r)
        self.assertNotIn("SigAlg=", r.location)
        self.assertNotIn("Signature=", r.location)
        page = curl(r.location)
        self.assertEqual(page.status, 400, page)
        self.assertIn("AADSTS76021", page.text)

    def test_metadata_says_not_signed(self):
        r = self.get("/saml/metadata")
        self.assertIn(b'AuthnRequestsSigned="false"', r.body)


class SignedWithAnUnknownKey(SamlTestCase):
    """The server signs with a pair whose certificate was never uploaded: the
    requiring IdP refuses its real requests."""

    @classmethod
    def setUpClass(cls):
        cls.key1, cls.cert1 = sp_keypair("sp")
        cls.key2, cls.cert2 = sp_keypair("sp-uploaded")
        cls.extra = "SequrSAMLSignRequests On\n" + key_pairs((cls.key1, cls.cert1))
        cls.idp_args = ("--require-signed-requests", cls.cert2)
        super().setUpClass()

    def test_refused(self):
        r = self.get("/protected/x", jar=self.jar())
        self.assertIn("SigAlg=", r.location)
        page = curl(r.location)
        self.assertEqual(page.status, 400, page)
        self.assertIn("REQUEST-SIGNATURE", page.text)


class ConfigRefusals(unittest.TestCase):
    """configtest: SignRequests On needs an RSA SP key pair; pairs repeat together."""

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = harness.Apache()
        cls.dir = harness.tempdir("sequr-conf-")
        cls.idp_key, cls.idp_cert = az.make_keypair(cls.dir, "idp")
        cls.key1, cls.cert1 = sp_keypair("sp")
        cls.key2, cls.cert2 = sp_keypair("sp-next")
        cls.ec_key, cls.ec_cert = az.make_keypair(cls.dir, "sp-ec", kind="ec")
        cls.base = harness.saml_directives(
            "https://login.microsoftonline.com/%s/saml2" % az.DEFAULT_TENANT, cls.idp_cert,
            az.entra_issuer(az.DEFAULT_TENANT))

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()

    def configtest(self, saml):
        return self.apache.configtest(self.apache.conf_text(self.base + "\n" + saml))

    def test_on_without_a_key_pair_refused_naming_directive_and_file(self):
        rc, out = self.configtest("SequrSAMLSignRequests On")
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, r"SEQ01691.*SequrSAMLSignRequests On \(line \d+ of .*test\.conf\)"
                              r".*no SequrSAMLSPPrivateKeyFile")

    def test_on_with_an_ec_key_refused(self):
        rc, out = self.configtest("SequrSAMLSignRequests On\n" +
                                  key_pairs((self.ec_key, self.ec_cert)))
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, r"SEQ01691.*not an RSA key")

    def test_on_with_a_key_pair_and_rollover_pairs_accepted(self):
        for saml in ("SequrSAMLSignRequests On\n" + key_pairs((self.key1, self.cert1)),
                     "SequrSAMLSignRequests On\n" + key_pairs((self.key1, self.cert1),
                                                              (self.key2, self.cert2)),
                     "SequrSAMLSignRequests Off"):
            with self.subTest(saml=saml):
                rc, out = self.configtest(saml)
                self.assertEqual(rc, 0, out)

    def test_unpaired_or_crossed_rollover_refused(self):
        rc, out = self.configtest(key_pairs((self.key1, self.cert1)) +
                                  '\nSequrSAMLSPCertificateFile "%s"' % self.cert2)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("SEQ01690", out)
        rc, out = self.configtest(key_pairs((self.key1, self.cert2), (self.key2, self.cert1)))
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, r"SEQ01607.*pair 1 of 2")


if __name__ == "__main__":
    unittest.main()
