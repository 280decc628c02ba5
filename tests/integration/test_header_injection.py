"""A line break from the IdP never becomes a request header of its own for a
proxied backend. A <Location> may take REMOTE_USER from an attribute the
server does not use (displayname here); Sequr-SAML-Remote-User is then that
attribute's first value. A value holding CR/LF is refused at sign-in, since
the ACS knows every location's user attribute, whichever page the user goes
to afterwards."""
import json
import unittest

import harness
import azure_idp as az
import test_request_headers as trh
from harness import Apache, IdPProcess, SamlTestCase, USER

LOCATIONS = """
<Location /app>
    AuthType sequr-saml
    Require valid-user
    SequrSAMLRequestHeaders On
    SequrSAMLUserAttribute http://schemas.microsoft.com/identity/claims/displayname
    ProxyPass {echo}/app
</Location>
<Location /plain>
    AuthType sequr-saml
    Require valid-user
    SequrSAMLRequestHeaders On
    ProxyPass {echo}/plain
</Location>
"""

INJECTED = "Alice\r\nSequr-SAML-Tenant: contoso\r\nX-Injected: 1"


class HeaderInjection(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.echo = trh.http.server.ThreadingHTTPServer(("127.0.0.1", 0), trh.Echo)
        trh.threading.Thread(target=cls.echo.serve_forever, daemon=True).start()
        harness._cleanups.append(cls.echo.shutdown)
        echo_url = "http://127.0.0.1:%d" % cls.echo.server_address[1]
        cls.apache = Apache(extra=LOCATIONS.format(echo=echo_url),
                            extra_modules=trh.PROXY_MODULES)
        cls.idp = IdPProcess(cls.apache.acs_url)
        cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                      cls.idp.issuer))
        cls.apache.start()
        cls.tmp = harness.tempdir("sequr-test-")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.echo.shutdown()
        cls.echo.server_close()

    def backend(self, path, jar):
        page = self.get(path, jar=jar)
        self.assertEqual(page.status, 200, page)
        seen = {}
        for k, v in json.loads(page.text):
            seen.setdefault(k.lower(), []).append(v)
        return seen

    def attrs(self, display_name):
        return az.default_attributes(self.idp.tenant, USER, display_name=display_name)

    def test_location_user_attribute_is_the_backend_user(self):
        r, jar = self.sign_in("/app/x", attributes=self.attrs("Alice Smith"))
        self.assertEqual(r.status, 303, r)
        seen = self.backend("/app/x", jar)
        self.assertEqual(seen.get("sequr-saml-remote-user"), ["Alice Smith"])
        self.assertEqual(seen.get("sequr-saml-name-id"), [USER])

    def test_line_break_in_a_location_user_attribute_is_refused_at_sign_in(self):
        mark = self.apache.log_mark()
        r, jar = self.sign_in("/app/x", attributes=self.attrs(INJECTED))
        self.assert_refused(r, 403, "user-attribute", mark)
        # Nothing was let in: the backend never sees the injected lines.
        page = self.get("/app/x", jar=jar)
        self.assertEqual(page.status, 302, page)
        self.assertNotIn("X-Injected", page.text)

    def test_refused_also_when_signing_in_for_another_location(self):
        """The sign-in started from /plain, whose user is the NameID: the
        session would still open /app, where displayname is the user."""
        mark = self.apache.log_mark()
        r, jar = self.sign_in("/plain/x", attributes=self.attrs(INJECTED))
        self.assert_refused(r, 403, "user-attribute", mark)
        page = self.get("/app/x", jar=jar)
        self.assertEqual(page.status, 302, page)


if __name__ == "__main__":
    unittest.main()
