"""The signed-in user and attributes as request headers for a proxied backend
(SequrSAMLRequestHeaders On, ProxyPass to a small echo server started by the
test), and client-sent headers named like ours never reaching it."""
import http.server
import json
import threading
import unittest

import harness
from harness import Apache, IdPProcess, SamlTestCase, USER, az

GROUPS = ["0f5bd4c3-1e0a-4d6b-9f2d-6a1d3b8c9e01", "7a3e1c52-8b4d-4f0e-a6c1-2d9b5e4f3a72"]


class Echo(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the request headers it received, as JSON pairs."""

    def do_GET(self):
        body = json.dumps(list(self.headers.items())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


LOCATIONS = """
<Location /app>
    AuthType sequr-saml
    Require valid-user
    SequrSAMLRequestHeaders On
    ProxyPass {echo}/app
</Location>
<Location /custom>
    AuthType sequr-saml
    Require valid-user
    SequrSAMLRequestHeaders On
    SequrSAMLRequestHeaderPrefix X-Sso-
    SequrSAMLEnvPrefix APP_
    ProxyPass {echo}/custom
</Location>
<Location /off>
    AuthType sequr-saml
    Require valid-user
    SequrSAMLEnvPrefix CORP_
    ProxyPass {echo}/off
</Location>
"""

PROXY_MODULES = ("LoadModule proxy_module {m}/mod_proxy.so\n"
                 "LoadModule proxy_http_module {m}/mod_proxy_http.so\n").format(m=harness.MODULES)


class RequestHeaders(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.echo = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        threading.Thread(target=cls.echo.serve_forever, daemon=True).start()
        harness._cleanups.append(cls.echo.shutdown)
        echo_url = "http://127.0.0.1:%d" % cls.echo.server_address[1]
        cls.apache = Apache(extra=LOCATIONS.format(echo=echo_url), extra_modules=PROXY_MODULES)
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

    def backend_headers(self, path, headers=(), **kw):
        r, jar = self.sign_in(path, **kw)
        self.assertEqual(r.status, 303, r)
        page = self.get(path, jar=jar, headers=headers)
        self.assertEqual(page.status, 200, page)
        seen = {}
        for k, v in json.loads(page.text):
            seen.setdefault(k.lower(), []).append(v)
        return seen

    def test_backend_sees_user_and_attributes(self):
        h = self.backend_headers("/app/x", groups=GROUPS)
        self.assertEqual(h.get("sequr-saml-remote-user"), [USER])
        self.assertEqual(h.get("sequr-saml-name-id"), [USER])
        self.assertEqual(h.get("sequr-saml-idp"), [az.entra_issuer(self.idp.tenant)])
        self.assertEqual(h.get("sequr-saml-groups"), [";".join(GROUPS)])
        self.assertEqual(h.get("sequr-saml-name"), [USER])
        # One header per attribute: no indexed or counted copies.
        self.assertEqual([k for k in h if k.startswith("sequr-saml-groups-")], [])

    def test_client_cannot_send_our_headers(self):
        forged = ("Sequr-SAML-Groups: admins", "Sequr_SAML_Remote_User: root",
                  "sequr-saml-extra: 1", "X-Remote-User: root", "Remote-User: root")
        h = self.backend_headers("/app/x", headers=forged, groups=GROUPS)
        self.assertEqual(h.get("sequr-saml-groups"), [";".join(GROUPS)])
        self.assertEqual(h.get("sequr-saml-remote-user"), [USER])
        self.assertNotIn("sequr-saml-extra", h)
        self.assertNotIn("sequr_saml_remote_user", h)
        self.assertNotIn("x-remote-user", h)
        self.assertNotIn("remote-user", h)
        self.assertNotIn("admins", json.dumps(h))

    def test_custom_prefixes_are_used_and_stripped(self):
        forged = ("X-Sso-Groups: admins", "App-Groups: admins", "APP_ROLE: admin",
                  "Sequr-SAML-Groups: admins")
        h = self.backend_headers("/custom/x", headers=forged, groups=GROUPS)
        self.assertEqual(h.get("x-sso-groups"), [";".join(GROUPS)])
        self.assertEqual(h.get("x-sso-remote-user"), [USER])
        for name in ("app-groups", "app_role", "sequr-saml-groups"):
            self.assertNotIn(name, h)
        self.assertNotIn("admins", json.dumps(h))

    def test_off_by_default_and_env_prefix_still_stripped(self):
        forged = ("Corp-Groups: admins", "Corp_Role: admin", "Sequr-SAML-Groups: admins")
        h = self.backend_headers("/off/x", headers=forged, groups=GROUPS)
        self.assertEqual([k for k in h if k.startswith(("sequr", "corp", "x-sso"))], [])
        self.assertNotIn("admins", json.dumps(h))

    def test_bad_prefix_is_a_configtest_error(self):
        for bad in ("X_Sso_", "-X", "X", "Sso:"):
            rc, out = self.apache.configtest(self.apache.conf_text(
                "SequrSAMLRequestHeaderPrefix %s\n" % bad))
            self.assertNotEqual(rc, 0, bad)
            self.assertIn("SequrSAMLRequestHeaderPrefix", out)


if __name__ == "__main__":
    unittest.main()
