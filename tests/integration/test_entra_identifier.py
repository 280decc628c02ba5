"""Microsoft Entra ID (Azure AD) and an app Identifier that is not a URI
(issue #12 part 7): Entra echoes a URI Identifier as the Audience unchanged
but writes "spn:<value>" for one that is not (an application id GUID). The
module keeps the Audience one exact comparison: configtest refuses a bare
GUID (or any non-URL) SequrSAMLSPEntityID and says why, and a response whose
Audience is the spn: form of our own entity ID is refused with a log line
that names Entra and the fix."""
import harness
from harness import SamlTestCase, SP_ENTITY_ID

GUID = "8d4b7f1e-52c3-4b8e-9a0f-1c2d3e4f5a6b"


class EntraIdentifier(SamlTestCase):

    def test_guid_entity_id_fails_configtest_with_the_reason(self):
        for value, bare in ((GUID, GUID), ("spn:" + GUID, GUID), ("my-app", "my-app")):
            with self.subTest(entity_id=value):
                rc, out = self.apache.configtest(self.apache.conf_text(
                    "SequrSAMLSPEntityID %s\n" % value))
                self.assertNotEqual(rc, 0, out)
                self.assertIn("SequrSAMLSPEntityID", out)
                self.assertIn("test.conf", out)
                self.assertIn("Microsoft Entra ID (Azure AD)", out)
                self.assertIn("'spn:%s'" % bare, out)
                self.assertIn("Identifier (Entity ID)", out)

    def test_url_entity_id_passes_configtest(self):
        rc, out = self.apache.configtest(self.apache.conf_text(
            harness.saml_directives(self.idp.sso_url, self.idp.cert, self.idp.issuer)))
        self.assertEqual(rc, 0, out)

    def test_spn_audience_refused_naming_entra_and_the_fix(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/spn", jar=jar)
        mark = self.apache.log_mark()
        r = self.post_acs(self.response(rid, audience="spn:" + SP_ENTITY_ID), relay, jar=jar)
        self.assert_refused(r, 403, "audience", mark)
        log = self.apache.log_since(mark, expect="writes spn:")
        self.assertIn('names "spn:%s"' % SP_ENTITY_ID, log)
        self.assertIn("Microsoft Entra ID (Azure AD) writes spn: when the app's Identifier is "
                      "not a URI", log)
        self.assertEqual(self.get("/protected/spn", jar=jar).status, 302, "no session")
