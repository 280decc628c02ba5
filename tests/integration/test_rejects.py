"""Bad responses get a 4xx page, no session, and a log line naming the check.
(The full attack corpus lives with the unit and fuzz tests; these prove the
Apache path wires every refusal through.)"""
import base64
import datetime
import os

import harness
from harness import SamlTestCase, az

NOW = lambda: datetime.datetime.now(datetime.timezone.utc)   # noqa: E731
HOUR = datetime.timedelta(hours=1)


class Rejects(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_key, cls.other_cert = az.make_keypair(os.path.join(cls.tmp, "other"), "other")

    def refused(self, saml_response, status, check, solicited=True):
        jar = self.jar()
        relay = None
        if solicited is True:
            rid, relay, _ = self.start_login("/protected/bad", jar=jar)
            saml_response = saml_response(rid) if callable(saml_response) else saml_response
        mark = self.apache.log_mark()
        r = self.post_acs(saml_response, relay, jar=jar)
        self.assert_refused(r, status, check, mark)
        self.assertIn("<html", r.text.lower(), "a short human-readable page")
        self.assertEqual(self.get("/protected/bad", jar=jar).status, 302, "no session")
        return r

    def test_wrong_audience(self):
        self.refused(lambda rid: self.response(rid, audience="https://other-app.example/"),
                     403, "audience")

    def test_spn_audience_variant(self):
        self.refused(lambda rid: self.response(rid, audience="spn:" + harness.SP_ENTITY_ID),
                     403, "audience")

    def test_wrong_destination(self):
        self.refused(lambda rid: self.response(
            rid, destination="http://127.0.0.1:%d/saml/acs/" % self.apache.port),
            403, "destination")

    def test_wrong_recipient(self):
        self.refused(lambda rid: self.response(rid, recipient="https://elsewhere.example/acs"),
                     403, "recipient")

    def test_wrong_issuer(self):
        self.refused(lambda rid: self.response(
            rid, issuer="https://login.microsoftonline.com/%s/" % self.idp.tenant),
            403, "issuer")
        self.refused(lambda rid: self.response(rid, issuer=self.idp.issuer.rstrip("/")),
                     403, "issuer")

    def test_expired(self):
        past = NOW() - 2 * HOUR
        self.refused(lambda rid: self.response(rid, issue_instant=past), 403, "not-on-or-after")

    def test_not_yet_valid(self):
        self.refused(lambda rid: self.response(rid, not_before=NOW() + HOUR,
                                               not_on_or_after=NOW() + 2 * HOUR),
                     403, "not-before")

    def test_signed_by_another_key(self):
        self.refused(lambda rid: self.response(rid, key=self.other_key, cert=self.other_cert),
                     403, "signature")

    def test_unsigned(self):
        self.refused(lambda rid: self.response(rid, sign=None), 403, "signature")

    def test_azure_error_status(self):
        self.refused(lambda rid: az.make_error_response(self.apache.acs_url, rid,
                                                        tenant=self.idp.tenant,
                                                        code="AADSTS50105"),
                     403, "status")

    def test_tampered_after_signing(self):
        def tampered(rid):
            xml = base64.b64decode(self.response(rid)).replace(
                harness.USER.encode(), b"admin@contoso.example")
            return base64.b64encode(xml).decode()
        self.refused(tampered, 403, "signature")

    def test_not_base64(self):
        self.refused("%%%not*base64%%%", 400, "", solicited=False)

    def test_not_xml(self):
        self.refused(base64.b64encode(b"<nope").decode(), 400, "", solicited=False)

    def test_doctype_refused(self):
        xml = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]>'
               + base64.b64decode(self.response()))
        r = self.post_acs(base64.b64encode(xml).decode(), None, jar=self.jar())
        self.assertIn(r.status, (400, 403), r)
        self.assertIsNone(r.set_cookie())

    def test_too_large(self):
        mark = self.apache.log_mark()
        r = self.post_acs("A" * (4 << 20), None, jar=self.jar())
        self.assertEqual(r.status, 413, r)
        self.assertIsNone(r.set_cookie())
        self.assertIn("sequr_saml", self.apache.log_since(mark, expect="sequr_saml"))

    def test_get_on_acs_is_not_a_sign_in(self):
        r = self.get("/saml/acs?SAMLResponse=" + self.response())
        self.assertGreaterEqual(r.status, 400, r)
        self.assertIsNone(r.set_cookie())


class AzureErrorThroughTheBrowser(SamlTestCase):
    """The IdP server answers the sign-in with Azure's error response; the browser
    posts it to the ACS like any other."""
    idp_args = ("--error", "AADSTS50105")

    def test_error_response_refused_without_loop(self):
        jar = self.jar()
        r = self.get("/protected/err", jar=jar)
        self.assertEqual(r.status, 302, r)
        fields = harness.curl(r.location, jar=jar).form_fields()
        fields["username"] = harness.USER
        login = harness.curl(self.idp.base_url + "/login", data=fields, jar=jar)
        self.assertIn("SAMLResponse", login.form_fields())
        mark = self.apache.log_mark()
        acs = harness.curl(login.form_action(), data=login.form_fields(), jar=jar)
        self.assert_refused(acs, 403, "status", mark)
        self.assertIsNone(acs.location, "no redirect back into another sign-in loop")


class ExpiredIdPCertificate(SamlTestCase):
    """Field notes 3.3: "expired configured cert (Entra docs tell apps to validate
    expiry)". Configured: an expired certificate next to a valid one (a rollover
    left half done). The valid key signs people in; the expired one does not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.old_key, cls.old_cert = az.make_expired_keypair(cls.tmp)
        cls.apache.stop()
        cls.apache.write_conf(harness.saml_directives(
            cls.idp.sso_url, [cls.old_cert, cls.idp.cert], cls.idp.issuer))
        cls.apache.start()

    def test_valid_certificate_still_works(self):
        r, _ = self.sign_in("/protected/valid")
        self.assertEqual(r.status, 303, r)

    def test_expired_certificate_refused(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/expired", jar=jar)
        mark = self.apache.log_mark()
        r = self.post_acs(self.response(rid, key=self.old_key, cert=self.old_cert), relay,
                          jar=jar)
        self.assert_refused(r, 403, "", mark)
        self.assertRegex(self.apache.log_since(mark), r"(?i)sequr_saml.*(expired|not ?after)")
