"""At LogLevel sequr_saml:debug the whole validation path of a sign-in is in
the error log, check by check with the values compared (SEQ01002 lines), and
nothing secret is: not the session cookie, not the SAMLResponse, not a key."""
import re

import harness
from harness import SamlTestCase, SP_ENTITY_ID, USER, az

# The order the module applies them in; "issuer" twice (Response, Assertion),
# "in-response-to" once inside the assertion and once against our pending requests.
SIGN_IN_PATH = ["signature", "status", "destination", "issuer", "issuer", "recipient",
                "subject-confirmation", "in-response-to", "conditions", "audience",
                "authn-statement", "user", "replay", "in-response-to", "user-mapping",
                "session"]
TRACE = re.compile(r"SEQ01002: check ([a-z-]+) passed: (.*)$", re.M)


def pem_body_lines(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("-----")]


class DebugTrace(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        keys = harness.tempdir("sequr-spkey-")
        cls.sp_key, cls.sp_cert = az.make_keypair(keys, "sp")
        cls.directives = {"SPCertificateFile": '"%s"' % cls.sp_cert,
                          "SPPrivateKeyFile": '"%s"' % cls.sp_key}
        super().setUpClass()

    def traced_sign_in(self, **kw):
        mark = self.apache.log_mark()
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/traced", jar=jar)
        saml_response = self.response(rid, **kw)
        r = self.post_acs(saml_response, relay, jar=jar)
        log = self.apache.log_since(mark, expect=r"SEQ0100[12]: .*(session|refused)")
        return r, saml_response, rid, log

    def test_each_check_is_logged_in_order(self):
        r, _, rid, log = self.traced_sign_in()
        self.assertEqual(r.status, 303, r)
        checks = [c for c, _ in TRACE.findall(log)]
        self.assertEqual(checks, SIGN_IN_PATH, log)
        said = dict(TRACE.findall(log))
        sig = said["signature"]
        self.assertRegex(sig, r'Assertion signature verified .*Reference URI "#_[^"]+"')
        self.assertIn("rsa-sha256", sig)
        self.assertIn("xmlenc#sha256", sig)
        self.assertIn(self.idp.issuer, said["issuer"])
        self.assertIn(self.apache.acs_url, said["destination"])
        self.assertIn(self.apache.acs_url, said["recipient"])
        self.assertIn(SP_ENTITY_ID, said["audience"])
        self.assertRegex(said["conditions"], r"NotOnOrAfter \d{4}-.*now \d{4}-.*skew 180 s")
        self.assertIn(rid, said["in-response-to"])
        self.assertIn(USER, said["user-mapping"])
        self.assertIn("cache until", dict(TRACE.findall(log))["replay"])

    def test_failure_shows_checks_passed_before_it(self):
        r, _, _, log = self.traced_sign_in(audience="https://other.example/")
        self.assertEqual(r.status, 403, r)
        checks = [c for c, _ in TRACE.findall(log)]
        self.assertEqual(checks, SIGN_IN_PATH[:SIGN_IN_PATH.index("audience")], log)
        self.assertRegex(log, r"\[check audience\]")

    def test_no_secret_is_logged(self):
        r, saml_response, _, _ = self.traced_sign_in()
        self.assertEqual(r.status, 303, r)
        cookie = r.cookie_value()
        self.assertTrue(cookie)
        log = self.apache.log()
        self.assertIn("SEQ01002", log)
        self.assertNotIn(cookie, log)
        compact = saml_response.replace("\n", "")
        for i in range(0, len(compact) - 40, 40):
            self.assertNotIn(compact[i:i + 40], log)
        for line in pem_body_lines(self.sp_key) + pem_body_lines(self.idp.key):
            self.assertNotIn(line, log)


class NoTraceAtInfo(SamlTestCase):
    extra = "LogLevel info sequr_saml:info\n"

    def test_info_level_has_no_trace(self):
        r, _ = self.sign_in()
        self.assertEqual(r.status, 303, r)
        log = self.apache.log_since(0, expect="SEQ01301")
        self.assertIn("SEQ01301", log)      # the info line of the sign-in is there
        self.assertNotIn("SEQ01002", log)
