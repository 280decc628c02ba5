"""Interoperability with an independent IdP implementation (pysaml2): its
prefixes, IDs and signature layout differ from Azure's, and the module must
accept its responses unmodified."""
import os
import urllib.parse

import harness
from harness import Apache, SamlTestCase, az, decode_authn_request

IDP_ENTITY_ID = "https://pysaml2-idp.example.test/idp"
USER = "carol@example.org"


class Pysaml2Interop(SamlTestCase):
    sign_response = False

    @classmethod
    def setUpClass(cls):
        import pysaml2_idp
        why = harness.module_available()
        if why:
            raise harness.unittest.SkipTest(why)
        cls.tmp = harness.tempdir("sequr-p2-")
        cls.key, cls.cert = az.make_keypair(cls.tmp, "pysaml2", cn="pysaml2 interop IdP")
        cls.apache = Apache()
        cls.sso_url = "http://localhost:%d/idp/sso/redirect" % harness.free_port()
        cls.apache.write_conf(harness.saml_directives(cls.sso_url, cls.cert, IDP_ENTITY_ID))
        cls.apache.start()
        md = harness.curl(cls.apache.url + "/saml/metadata")
        assert md.status == 200, md
        cls.p2 = pysaml2_idp.Pysaml2IdP(os.path.join(cls.tmp, "work"), cls.key, cls.cert,
                                        md.body, IDP_ENTITY_ID, cls.sso_url,
                                        sign_response=cls.sign_response)

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()

    def test_sp_initiated(self):
        jar = self.jar()
        r = self.get("/protected/interop?q=1", jar=jar)
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(self.sso_url + "?"), r.location)
        q, _ = decode_authn_request(r.location)
        req = self.p2.parse_request(q["SAMLRequest"])   # pysaml2 accepts our request
        self.assertEqual(req.issuer.text, harness.SP_ENTITY_ID)
        resp = self.p2.make_response(q["SAMLRequest"], USER)
        acs = self.post_acs(resp, q.get("RelayState"), jar=jar)
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(urllib.parse.urlsplit(acs.location).path, "/protected/interop")
        page = self.get("/protected/interop?q=1", jar=jar)
        self.assertEqual(page.status, 200, page)
        self.assertEqual(self.whoami(page)["REMOTE_USER"], USER)

    def test_idp_initiated(self):
        jar = self.jar()
        resp = self.p2.make_response(None, USER, acs_url=self.apache.acs_url,
                                     sp_entity_id=harness.SP_ENTITY_ID)
        acs = self.post_acs(resp, "/protected/unsolicited", jar=jar)
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(urllib.parse.urlsplit(acs.location).path, "/protected/unsolicited")
        self.assertEqual(self.whoami(self.get("/protected/unsolicited", jar=jar))["REMOTE_USER"],
                         USER)


class Pysaml2InteropSignedResponse(Pysaml2Interop):
    sign_response = True
