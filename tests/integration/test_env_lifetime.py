"""The variables a request gets live as long as that request: an SSI page
that includes (a subrequest) a location with another SequrSAMLEnvPrefix
still shows its own variables, intact, after the include. The module keeps a
per-connection memo of a session's variables; a subrequest for another
prefix replaced it while the page's environment still pointed into it (read
after free: `(none)` or garbage). Run under ASan by the sanitizer run."""
import os
import re
import unittest

import harness
from harness import Apache, IdPProcess, SamlTestCase, USER

INCLUDE_MODULE = "LoadModule include_module %s/mod_include.so\n" % harness.MODULES

GROUPS = ["0f5bd4c3-1e0a-4d6b-9f2d-6a1d3b8c9e01", "7a3e1c52-8b4d-4f0e-a6c1-2d9b5e4f3a72",
          "c2d8f6a4-5e1b-4a9c-8d3f-7b6e0a1c2d93"]

PAGE = """<html><body>
before=[<!--#echo var="SEQUR_SAML_NAME" -->]
groups-before=[<!--#echo var="SEQUR_SAML_GROUPS" -->]
<!--#include virtual="/other/inc.html" -->
<!--#include virtual="/third/inc.html" -->
after=[<!--#echo var="SEQUR_SAML_NAME" -->]
groups-after=[<!--#echo var="SEQUR_SAML_GROUPS" -->]
g1-after=[<!--#echo var="SEQUR_SAML_GROUPS_1" -->]
<pre>
<!--#printenv -->
</pre>
</body></html>
"""

INCLUDED = "<p>included</p>\n"


class EnvAcrossSubrequests(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        cls.docs = harness.tempdir("sequr-ssi-")
        for d in ("ssi", "other", "third"):
            os.makedirs(os.path.join(cls.docs, d))
            os.chmod(os.path.join(cls.docs, d), 0o755)
        with open(os.path.join(cls.docs, "ssi", "page.shtml"), "w") as f:
            f.write(PAGE)
        for d in ("other", "third"):
            with open(os.path.join(cls.docs, d, "inc.html"), "w") as f:
                f.write(INCLUDED)
        cls.extra = """
Alias /ssi "{d}/ssi"
Alias /other "{d}/other"
Alias /third "{d}/third"
<Directory "{d}">
    Require all granted
    Options +Includes
</Directory>
AddType text/html .shtml
AddOutputFilter INCLUDES .shtml
<Location /ssi>
    AuthType sequr-saml
    Require valid-user
</Location>
<Location /other>
    AuthType sequr-saml
    Require valid-user
    SequrSAMLEnvPrefix OTHER_
</Location>
<Location /third>
    AuthType sequr-saml
    Require valid-user
    SequrSAMLEnvPrefix THIRD_
    SequrSAMLEnvSeparator ", "
</Location>
""".format(d=cls.docs)
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = Apache(extra=cls.extra, extra_modules=INCLUDE_MODULE)
        cls.idp = IdPProcess(cls.apache.acs_url)
        cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                      cls.idp.issuer))
        cls.apache.start()
        cls.tmp = harness.tempdir("sequr-test-")

    def test_page_variables_survive_an_include_with_another_prefix(self):
        r, jar = self.sign_in("/ssi/page.shtml", groups=GROUPS)
        self.assertEqual(r.status, 303, r)
        for _ in range(3):      # keep-alive or not, every time
            page = self.get("/ssi/page.shtml", jar=jar)
            self.assertEqual(page.status, 200, page)
            text = page.text
            self.assertEqual(text.count("<p>included</p>"), 2, text)
            self.assertIn("before=[%s]" % USER, text)
            self.assertIn("after=[%s]" % USER, text)
            self.assertIn("groups-before=[%s]" % ";".join(GROUPS), text)
            self.assertIn("groups-after=[%s]" % ";".join(GROUPS), text)
            self.assertIn("g1-after=[%s]" % GROUPS[1], text)
            env = dict(re.findall(r"^([A-Z_0-9]+)=(.*)$", text, re.M))
            self.assertEqual(env.get("SEQUR_SAML_NAME"), USER, text)
            self.assertEqual(env.get("SEQUR_SAML_NAME_ID"), USER, text)
            self.assertEqual(env.get("SEQUR_SAML_GROUPS_N"), "3", text)
            for i, g in enumerate(GROUPS):
                self.assertEqual(env.get("SEQUR_SAML_GROUPS_%d" % i), g, text)
            # Nothing but printable text in the page's environment.
            pre = text.split("<pre>", 1)[1]
            self.assertIsNone(re.search(r"[\x00-\x08\x0b-\x1f\x7f]", pre), repr(pre))
