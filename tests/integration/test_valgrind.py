"""The module's request paths under valgrind in a real Apache: sign-in, page,
refusals, metadata, logout, IdP-initiated, a graceful reload. No invalid
reads/writes, no use of uninitialised memory (leaks are not checked: Apache
frees by pool at exit). Set SEQUR_SKIP_VALGRIND=1 to skip (it adds ~30 s)."""
import base64
import os
import shutil

import harness
from harness import Apache, IdPProcess, SamlTestCase


class UnderValgrind(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if not why and not shutil.which("valgrind"):
            why = "no valgrind"
        if not why and os.environ.get("SEQUR_SKIP_VALGRIND"):
            why = "SEQUR_SKIP_VALGRIND set"
        if why:
            raise harness.unittest.SkipTest(why)
        cls.tmp = harness.tempdir("sequr-vg-")
        cls.apache = Apache(servers=1, valgrind=True)
        cls.idp = IdPProcess(cls.apache.acs_url)
        # Configuration through the parsers too: Azure metadata (BOM, two certs), SP keys.
        k2, c2 = harness.az.make_keypair(cls.tmp, "next")
        md = os.path.join(cls.tmp, "federationmetadata.xml")
        with open(md, "wb") as f:
            f.write(harness.az.make_metadata(cls.idp.tenant, cls.idp.sso_url,
                                             [cls.idp.cert, c2], cls.idp.key, cls.idp.cert))
        sp_key, sp_cert = harness.az.make_keypair(cls.tmp, "sp")
        cls.apache.write_conf("SequrSAMLSPEntityID %s\nSequrSAMLIdPMetadataFile %s\n"
                              "SequrSAMLSPCertificateFile %s\nSequrSAMLSPPrivateKeyFile %s"
                              % (harness.SP_ENTITY_ID, md, sp_cert, sp_key))
        cls.apache.start()

    def test_request_paths_are_memory_clean(self):
        r, jar = self.sign_in("/protected/vg?a=1")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/vg?a=1", jar=jar).status, 200)
        rid, relay, login = self.start_login("/protected/bad", jar=self.jar())
        cookie = login.request_cookie()     # the browser that started it posts every answer
        for bad, status in ((self.response(rid, audience="https://other.example/"), 403),
                            (self.response(rid, sign=None), 403),
                            (self.response(rid), 303),
                            (self.response(rid), 403),
                            ("%%%", 400),
                            (base64.b64encode(b"<a><b>").decode(), 400),
                            (harness.az.make_error_response(self.apache.acs_url, rid), 403)):
            self.assertEqual(self.post_acs(bad, relay, cookie=cookie).status, status)
        self.assertEqual(self.post_acs(self.response(), "/protected/u", jar=self.jar()).status,
                         303)
        self.assertEqual(self.get("/saml/metadata").status, 200)
        # URLs from the configuration whatever the Host; a session too large is 413.
        self.assertEqual(self.get("/protected/h", headers=["Host: evil.example.com"]).status, 302)
        big = harness.az.default_attributes(self.idp.tenant, harness.USER) + [
            ("http://schemas.example.test/claims/big", ["x" * 65536])]
        self.assertEqual(self.sign_in("/protected/big", attributes=big)[0].status, 413)
        self.assertEqual(self.get("/protected/api", headers=["Accept: application/json"]).status,
                         401)
        self.assertEqual(self.get("/saml/logout", jar=jar).status, 303)
        self.apache.graceful(timeout=60)
        r, _ = self.sign_in("/protected/after")
        self.assertEqual(r.status, 303, r)
        self.apache.stop()
        errors = self.apache.valgrind_errors()    # parent (config, reload, exit) and children
        self.assertEqual(errors, [], "\n\n".join(e[-6000:] for e in errors))
