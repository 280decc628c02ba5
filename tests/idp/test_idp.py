#!/usr/bin/python3
"""Self-tests of the local Azure-shaped IdP: what it signs verifies with the
independent xmlsec1 CLI, its shapes match Entra's, its server follows Entra's
request rules. Run: /usr/bin/python3 tests/idp/test_idp.py"""
import base64
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import azure_idp as az                   # noqa: E402
from lxml import etree                   # noqa: E402
import xmlsec                            # noqa: E402

ACS = "http://127.0.0.1:8080/saml/acs"
SP = "https://sp.example.test/saml"
ID_ATTRS = ["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
            "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"]


def authn_request(rid=None, issuer=SP, acs=ACS, subject=False):
    rid = rid or "_" + uuid.uuid4().hex
    subj = ('<saml:Subject><saml:NameID>a@b</saml:NameID></saml:Subject>' if subject else '')
    xml = ('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="%s" Version="2.0" '
           'IssueInstant="%s" AssertionConsumerServiceURL="%s">'
           '<saml:Issuer>%s</saml:Issuer>%s<samlp:NameIDPolicy '
           'Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"/>'
           '</samlp:AuthnRequest>' % (rid, az.azure_time(az.utcnow()), acs, issuer, subj))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return rid, base64.b64encode(c.compress(xml.encode()) + c.flush()).decode()


class IdPTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sequr-idp-")
        cls.key, cls.cert = az.make_keypair(cls.dir, "idp")
        cls.key2, cls.cert2 = az.make_keypair(cls.dir, "idp2")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def xmlsec1_verify(self, xml, cert):
        path = os.path.join(self.dir, "doc.xml")
        with open(path, "wb") as f:
            f.write(xml)
        r = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", cert] + ID_ATTRS +
                           [path], capture_output=True, text=True)
        return r.returncode == 0

    def verify_each_signature(self, xml, cert):
        """xmlsec1 checks only the first Signature; check every one here."""
        root = etree.fromstring(xml)
        sigs = root.findall(".//{%s}Signature" % az.DS)
        for sig in sigs:
            xmlsec.tree.add_ids(root, ["ID"])
            ctx = xmlsec.SignatureContext()
            ctx.key = xmlsec.Key.from_file(cert, xmlsec.KeyFormat.CERT_PEM)
            ctx.verify(sig)              # raises on failure
        return [s.getparent().tag.split("}")[1] for s in sigs]


class ResponseShape(IdPTestBase):
    def response(self, **kw):
        b64 = az.make_response("alice@contoso.example", ACS, SP, kw.pop("irt", "_req1"),
                               key=self.key, cert=self.cert, **kw)
        return base64.b64decode(b64)

    def test_assertion_signature_verifies_with_xmlsec1(self):
        xml = self.response()
        self.assertTrue(self.xmlsec1_verify(xml, self.cert))
        self.assertFalse(self.xmlsec1_verify(xml, self.cert2))
        self.assertEqual(self.verify_each_signature(xml, self.cert), ["Assertion"])

    def test_response_only_and_both(self):
        self.assertEqual(self.verify_each_signature(self.response(sign="response"), self.cert),
                         ["Response"])
        self.assertEqual(self.verify_each_signature(self.response(sign="both"), self.cert),
                         ["Response", "Assertion"])

    def test_tampering_breaks_the_signature(self):
        xml = self.response().replace(b"alice@contoso.example", b"mallory@contoso.example")
        self.assertFalse(self.xmlsec1_verify(xml, self.cert))

    def test_azure_namespaces_and_layout(self):
        xml = self.response()
        self.assertTrue(xml.startswith(b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:'
                                       b'SAML:2.0:protocol" ID="_'))
        self.assertIn(b'<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">'
                      b'https://sts.windows.net/', xml)
        self.assertIn(b'<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_', xml)
        self.assertIn(b'</Issuer><Signature xmlns="http://www.w3.org/2000/09/xmldsig#">'
                      b'<SignedInfo>', xml)
        self.assertNotIn(b"\n", xml)
        root = etree.fromstring(xml)
        a = root.find("{%s}Assertion" % az.SAML)
        self.assertEqual([c.tag.split("}")[1] for c in a],
                         ["Issuer", "Signature", "Subject", "Conditions",
                          "AttributeStatement", "AuthnStatement"])
        self.assertRegex(root.get("IssueInstant"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")
        self.assertRegex(a.get("ID"), r"^_[0-9a-f]{8}-[0-9a-f]{4}-")
        self.assertEqual(a.find(".//{%s}AuthnStatement" % az.SAML).get("SessionIndex"),
                         a.get("ID"))
        scd = a.find(".//{%s}SubjectConfirmationData" % az.SAML)
        self.assertEqual(scd.get("InResponseTo"), "_req1")
        self.assertEqual(scd.get("Recipient"), ACS)

    def test_azure_time_offsets(self):
        root = etree.fromstring(self.response())
        a = root.find("{%s}Assertion" % az.SAML)

        def t(s):
            return datetime.datetime.strptime(s[:26], "%Y-%m-%dT%H:%M:%S.%f")
        cond = a.find("{%s}Conditions" % az.SAML)
        scd = a.find(".//{%s}SubjectConfirmationData" % az.SAML)
        issued = t(a.get("IssueInstant"))
        self.assertLess(abs((t(cond.get("NotBefore")) - issued).total_seconds()), 1)
        self.assertAlmostEqual((t(cond.get("NotOnOrAfter")) - issued).total_seconds(),
                               70 * 60, delta=1)
        self.assertAlmostEqual((t(scd.get("NotOnOrAfter")) - issued).total_seconds(),
                               5 * 60, delta=1)

    def test_claims(self):
        root = etree.fromstring(self.response(name_id="someone-else"))
        claims = {at.get("Name"): [v.text for v in at]
                  for at in root.iter("{%s}Attribute" % az.SAML)}
        self.assertEqual(claims[az.CLAIM_NAME], ["alice@contoso.example"])
        self.assertEqual(claims[az.CLAIM_TENANTID], [az.DEFAULT_TENANT])
        self.assertEqual(root.findtext(".//{%s}NameID" % az.SAML), "someone-else")

    def test_unsolicited_has_no_in_response_to(self):
        xml = self.response(irt=None)
        self.assertNotIn(b"InResponseTo", xml)

    def test_error_response(self):
        xml = base64.b64decode(az.make_error_response(ACS, "_req9", code="AADSTS75006"))
        root = etree.fromstring(xml)
        codes = [c.get("Value") for c in root.iter("{%s}StatusCode" % az.SAMLP)]
        self.assertEqual(codes, [az.STATUS_REQUESTER, az.STATUS_REQUEST_UNSUPPORTED])
        self.assertIn("AADSTS75006", root.findtext(".//{%s}StatusMessage" % az.SAMLP))
        self.assertIsNone(root.find("{%s}Assertion" % az.SAML))

    def test_sign_in_demands_shapes(self):
        # MFA in authnmethodsreferences, a chosen AuthnInstant and class.
        then = az.utcnow() - datetime.timedelta(minutes=10)
        root = etree.fromstring(self.response(mfa=True, authn_instant=then,
                                              authn_context_class_ref="urn:x:X509"))
        claims = {at.get("Name"): [v.text for v in at]
                  for at in root.iter("{%s}Attribute" % az.SAML)}
        self.assertEqual(claims[az.CLAIM_AMR], [az.AMR_PASSWORD, az.AMR_MFA])
        st = root.find(".//{%s}AuthnStatement" % az.SAML)
        self.assertEqual(st.get("AuthnInstant"), az.azure_time(then))
        self.assertEqual(st.findtext(".//{%s}AuthnContextClassRef" % az.SAML), "urn:x:X509")
        # NoPassive: Responder / NoPassive, no Assertion.
        root = etree.fromstring(base64.b64decode(az.make_no_passive_response(ACS, "_r")))
        codes = [c.get("Value") for c in root.iter("{%s}StatusCode" % az.SAMLP)]
        self.assertEqual(codes, [az.STATUS_RESPONDER, az.STATUS_NO_PASSIVE])
        self.assertIsNone(root.find("{%s}Assertion" % az.SAML))

    def test_expired_keypair(self):
        k, c = az.make_expired_keypair(self.dir)
        out = subprocess.run(["openssl", "x509", "-in", c, "-noout", "-enddate"],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn("2024", out)
        xml = base64.b64decode(az.make_response("a@b.c", ACS, SP, key=k, cert=c))
        self.assertEqual(self.verify_each_signature(xml, c), ["Assertion"])

    def test_ecdsa(self):
        k, c = az.make_keypair(self.dir, "ec", kind="ec")
        xml = base64.b64decode(az.make_response("a@b.c", ACS, SP, key=k, cert=c,
                                                sig_alg="ecdsa-sha256"))
        self.assertTrue(self.xmlsec1_verify(xml, c))


class Metadata(IdPTestBase):
    def test_bom_rollover_and_signature(self):
        md = az.make_metadata(az.DEFAULT_TENANT, "http://127.0.0.1:1/t/saml2",
                              [self.cert, self.cert2], key=self.key, cert=self.cert)
        self.assertTrue(md.startswith(b"\xef\xbb\xbf<?xml"))
        self.assertTrue(self.xmlsec1_verify(md[3:], self.cert))
        root = etree.fromstring(md[3:])
        self.assertEqual(root.get("entityID"), "https://sts.windows.net/%s/" % az.DEFAULT_TENANT)
        idp = root.find("{%s}IDPSSODescriptor" % az.MD)
        certs = [x.text for x in idp.iter("{%s}X509Certificate" % az.DS)]
        self.assertEqual(certs, [az.cert_base64(self.cert), az.cert_base64(self.cert2)])


class Server(IdPTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.idp = az.AzureIdP(cls.key, cls.cert, ACS, SP, users=["alice@contoso.example"])
        cls.idp.start()

    @classmethod
    def tearDownClass(cls):
        cls.idp.stop()
        super().tearDownClass()

    def get(self, url, data=None):
        try:
            with urllib.request.urlopen(url, data=data, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_sign_in_flow(self):
        rid, req = authn_request()
        q = urllib.parse.urlencode({"SAMLRequest": req, "RelayState": "h1"})
        code, page = self.get(self.idp.sso_url + "?" + q)
        self.assertEqual(code, 200)
        self.assertIn(b"User name", page)
        self.assertIn(b"Sign in", page)
        form = urllib.parse.urlencode({"username": "alice@contoso.example",
                                       "SAMLRequest": req, "RelayState": "h1"}).encode()
        code, page = self.get(self.idp.base_url + "/login", form)
        self.assertEqual(code, 200)
        self.assertIn(('action="%s"' % ACS).encode(), page)
        fields = dict(re.findall(rb'name="(\w+)" value="([^"]*)"', page))
        self.assertEqual(fields[b"RelayState"], b"h1")
        xml = base64.b64decode(fields[b"SAMLResponse"])
        self.assertIn(('InResponseTo="%s"' % rid).encode(), xml)
        self.assertTrue(self.xmlsec1_verify(xml, self.cert))

    def test_entra_refusals(self):
        cases = [(authn_request(subject=True)[1], b"AADSTS900236"),
                 (authn_request(rid="1abc")[1], b"AADSTS7500529"),
                 (authn_request(issuer="https://other.example/")[1], b"AADSTS700016"),
                 (authn_request(acs="http://127.0.0.1:8080/elsewhere")[1], b"AADSTS50011")]
        for req, code in cases:
            status, page = self.get(self.idp.sso_url + "?SAMLRequest=" +
                                    urllib.parse.quote(req))
            self.assertEqual(status, 400)
            self.assertIn(code, page)
        status, page = self.get(self.idp.sso_url)
        self.assertIn(b"AADSTS750054", page)

    def test_require_signed_requests_mode(self):
        """Entra's "Require verification certificates": a request signed with the
        uploaded SP certificate's key passes (and may log in); unsigned, another
        key, SHA-1 or an altered RelayState are refused, as is a login whose
        request was never verified."""
        self.idp.verification_certs = [self.cert2]      # the "SP" key pair: key2/cert2
        try:
            rid, req = authn_request()
            query = "SAMLRequest=%s&RelayState=h1" % urllib.parse.quote(req, safe="")
            good = az.sign_redirect_query(query, self.key2)
            status, _ = self.get(self.idp.sso_url + "?" + good)
            self.assertEqual(status, 200)
            form = urllib.parse.urlencode({"username": "alice@contoso.example",
                                           "SAMLRequest": req, "RelayState": "h1"}).encode()
            status, page = self.get(self.idp.base_url + "/login", form)
            self.assertEqual(status, 200, page)
            for bad, code in ((query, b"AADSTS76021"),
                              (az.sign_redirect_query(query, self.key), b"REQUEST-SIGNATURE"),
                              (az.sign_redirect_query(query, self.key2, "rsa-sha1"),
                               b"REQUEST-SIGNATURE"),
                              (good.replace("RelayState=h1", "RelayState=h2"),
                               b"REQUEST-SIGNATURE")):
                status, page = self.get(self.idp.sso_url + "?" + bad)
                self.assertEqual(status, 400, bad)
                self.assertIn(code, page)
            _, other = authn_request()
            form = urllib.parse.urlencode({"username": "alice@contoso.example",
                                           "SAMLRequest": other}).encode()
            status, page = self.get(self.idp.base_url + "/login", form)
            self.assertEqual(status, 400)
            self.assertIn(b"AADSTS76021", page)
        finally:
            self.idp.verification_certs = []

    def test_unknown_user_refused(self):
        status, page = self.get(self.idp.base_url + "/initiate?user=bob@contoso.example")
        self.assertEqual(status, 400)
        self.assertIn(b"AADSTS50034", page)

    def test_idp_initiated_and_metadata(self):
        status, page = self.get(self.idp.base_url +
                                "/initiate?user=alice@contoso.example&relay=/app/x")
        self.assertEqual(status, 200)
        fields = dict(re.findall(rb'name="(\w+)" value="([^"]*)"', page))
        self.assertEqual(fields[b"RelayState"], b"/app/x")
        self.assertNotIn(b"InResponseTo", base64.b64decode(fields[b"SAMLResponse"]))
        status, md = self.get(self.idp.metadata_url)
        self.assertEqual(status, 200)
        self.assertTrue(md.startswith(b"\xef\xbb\xbf"))
        self.assertIn(self.idp.sso_url.encode(), md)


class ErrorMode(IdPTestBase):
    def test_every_sign_in_gets_azure_error_response(self):
        idp = az.AzureIdP(self.key, self.cert, ACS, SP, error="AADSTS50105").start()
        try:
            with urllib.request.urlopen(idp.base_url + "/initiate?user=a@b.c", timeout=10) as r:
                page = r.read()
        finally:
            idp.stop()
        fields = dict(re.findall(rb'name="(\w+)" value="([^"]*)"', page))
        root = etree.fromstring(base64.b64decode(fields[b"SAMLResponse"]))
        self.assertEqual(root.find("{%s}Status/{%s}StatusCode" % (az.SAMLP, az.SAMLP))
                         .get("Value"), az.STATUS_REQUESTER)
        self.assertIn("AADSTS50105", root.findtext(".//{%s}StatusMessage" % az.SAMLP))


class Pysaml2(IdPTestBase):
    def idp(self, **kw):
        import pysaml2_idp
        return pysaml2_idp.Pysaml2IdP(os.path.join(self.dir, "pysaml2"), self.key, self.cert,
                                      pysaml2_idp.make_sp_metadata(SP, ACS),
                                      "https://pysaml2-idp.example.test/idp",
                                      "http://127.0.0.1:9/idp/sso", **kw)

    def test_answers_a_real_redirect_request(self):
        rid, req = authn_request()
        xml = base64.b64decode(self.idp().make_response(req, "alice@example.org"))
        root = etree.fromstring(xml)
        self.assertEqual(root.get("InResponseTo"), rid)
        self.assertEqual(root.get("Destination"), ACS)
        self.assertEqual(root.findtext(".//{%s}NameID" % az.SAML), "alice@example.org")
        self.assertEqual(root.findtext(".//{%s}Audience" % az.SAML), SP)
        self.assertEqual(self.verify_each_signature(xml, self.cert), ["Assertion"])

    def test_unsolicited_signed_response(self):
        xml = base64.b64decode(self.idp(sign_response=True).make_response(None, "bob@example.org"))
        root = etree.fromstring(xml)
        self.assertIsNone(root.get("InResponseTo"))
        self.assertEqual(root.get("Destination"), ACS)
        self.assertEqual(sorted(self.verify_each_signature(xml, self.cert)),
                         ["Assertion", "Response"])


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings=None)   # pysaml2 is noisy with DeprecationWarnings
