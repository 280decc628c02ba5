"""Client-sent headers named like the module's exports never reach the
application, also where authorization lets a request in without asking who
the user is (a `Require all granted` sub-location of a protected proxied
app, `<RequireAny>` with `Require ip` before `Require valid-user`), where
httpd never runs the module's authentication hook. Both a proxied backend
(an echo server) and a CGI are checked, dash and underscore spellings."""
import json
import os
import unittest

import harness
import test_request_headers as trh
from harness import Apache, IdPProcess, SamlTestCase, USER

ENVDUMP = "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nenv\n"

LOCATIONS = """
<Location /app>
    AuthType sequr-saml
    Require valid-user
    SequrSAMLRequestHeaders On
    ProxyPass {echo}/app
</Location>
<Location /app/public>
    Require all granted
</Location>
<Location /either>
    AuthType sequr-saml
    <RequireAny>
        Require ip 127.0.0.1
        Require valid-user
    </RequireAny>
    SequrSAMLRequestHeaders On
    SequrSAMLRequestHeaderPrefix X-Sso-
    ProxyPass {echo}/either
</Location>
ScriptAlias /cgienv "{cgi}/envdump"
ScriptAlias /cgiany "{cgi}/envdump"
<Directory "{cgi}">
    Require all granted
</Directory>
<Location /cgienv>
    AuthType sequr-saml
    Require valid-user
</Location>
<Location /cgienv/public>
    Require all granted
</Location>
<Location /unprotected>
    SequrSAMLRequestHeaders Off
    ProxyPass {echo}/unprotected
</Location>
<Location /missing>
    ErrorDocument 404 /app/public/error-page
</Location>
Alias /ssi "{cgi}/ssi"
<Directory "{cgi}/ssi">
    Options +Includes
</Directory>
AddType text/html .shtml
AddOutputFilter INCLUDES .shtml
<Location /cgiany>
    AuthType sequr-saml
    SequrSAMLEnvPrefix CORP_
    <RequireAny>
        Require ip 127.0.0.1
        Require valid-user
    </RequireAny>
</Location>
"""

AUTHZ_HOST = ("LoadModule authz_host_module {m}/mod_authz_host.so\n"
              "LoadModule include_module {m}/mod_include.so\n").format(m=harness.MODULES)

# Not ours: includes a location of the protected app that lets anyone in.
SSI_PAGE = '<!--#include virtual="/app/public/included" -->\n'


FORGED = ("Sequr-SAML-Remote-User: root", "Sequr_SAML_Groups: admins",
          "Sequr-SAML-Name-Id: root", "Sequr_SAML_Tenant: contoso",
          "Sequr-SAML-Session-Expires: 2099-01-01T00:00:00Z",
          "X-Remote-User: root", "Remote-User: root")


class SpoofedHeaders(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.echo = trh.http.server.ThreadingHTTPServer(("127.0.0.1", 0), trh.Echo)
        trh.threading.Thread(target=cls.echo.serve_forever, daemon=True).start()
        harness._cleanups.append(cls.echo.shutdown)
        cgi = harness.tempdir("sequr-envdump-")
        script = os.path.join(cgi, "envdump")
        with open(script, "w") as f:
            f.write(ENVDUMP)
        os.chmod(script, 0o755)
        os.makedirs(os.path.join(cgi, "ssi"))
        with open(os.path.join(cgi, "ssi", "page.shtml"), "w") as f:
            f.write(SSI_PAGE)
        os.chmod(os.path.join(cgi, "ssi"), 0o755)
        echo_url = "http://127.0.0.1:%d" % cls.echo.server_address[1]
        cls.apache = Apache(extra=LOCATIONS.format(echo=echo_url, cgi=cgi),
                            extra_modules=trh.PROXY_MODULES + AUTHZ_HOST)
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

    def backend(self, path, headers=FORGED, jar=None):
        page = self.get(path, headers=headers, jar=jar)
        self.assertEqual(page.status, 200, page)
        seen = {}
        for k, v in json.loads(page.text):
            seen.setdefault(k.lower(), []).append(v)
        return seen

    def cgi_env(self, path, headers=FORGED, jar=None):
        page = self.get(path, headers=headers, jar=jar)
        self.assertEqual(page.status, 200, page)
        return dict(line.split("=", 1) for line in page.text.splitlines() if "=" in line)

    def assert_nothing_forged(self, seen):
        names = [k.lower().replace("_", "-") for k in seen]
        for bad in ("sequr-saml-remote-user", "sequr-saml-groups", "sequr-saml-name-id",
                    "sequr-saml-tenant", "x-remote-user", "remote-user",
                    "http-x-remote-user", "http-sequr-saml-remote-user",
                    "http-sequr-saml-name-id", "http-remote-user",
                    "sequr-saml-session-expires", "http-sequr-saml-session-expires"):
            self.assertNotIn(bad, names, seen)
        values = [v for vs in seen.values() for v in (vs if isinstance(vs, list) else [vs])]
        for forged in ("root", "admins", "contoso", "2099-01-01T00:00:00Z"):
            self.assertNotIn(forged, values, seen)

    def test_proxy_public_sub_location(self):
        """Require all granted under a protected proxied app: no user is asked for."""
        self.assert_nothing_forged(self.backend("/app/public/x"))

    def test_proxy_require_any_ip(self):
        """Require ip grants before valid-user is looked at."""
        self.assert_nothing_forged(self.backend("/either/x"))

    def test_proxy_require_any_custom_prefix(self):
        seen = self.backend("/either/x", headers=("X-Sso-Remote-User: root",
                                                  "X_Sso_Groups: admins"))
        self.assert_nothing_forged(seen)
        self.assertEqual([k for k in seen if k.replace("_", "-").startswith("x-sso")], [])

    def test_internal_redirect_into_public_sub_location(self):
        """An ErrorDocument in a location where the module is not in effect
        redirects into /app/public: the redirect shares the headers and is
        cleaned under its own configuration."""
        page = self.get("/missing/nothing-here", headers=FORGED)
        # The body is the backend's; so is the status mod_proxy passes on.
        self.assertIn(b'"Host"', page.body, page)
        seen = {}
        for k, v in json.loads(page.text):
            seen.setdefault(k.lower(), []).append(v)
        self.assert_nothing_forged(seen)

    def test_subrequest_into_public_sub_location(self):
        """SSI on a page the module has nothing to do with includes /app/public."""
        page = self.get("/ssi/page.shtml", headers=FORGED)
        self.assertEqual(page.status, 200, page)
        seen = {}
        for k, v in json.loads(page.text):
            seen.setdefault(k.lower(), []).append(v)
        self.assertIn("host", seen)
        self.assert_nothing_forged(seen)

    def test_opt_in_location_without_authtype(self):
        """docs/PROXY.md: SequrSAMLRequestHeaders Off where the module is not
        otherwise in effect has the client's copies removed too."""
        self.assert_nothing_forged(self.backend("/unprotected/x"))

    def test_cgi_public_sub_location(self):
        self.assert_nothing_forged(self.cgi_env("/cgienv/public/x"))

    def test_cgi_require_any_ip(self):
        env = self.cgi_env("/cgiany/x", headers=FORGED + ("Corp-Groups: admins",))
        self.assert_nothing_forged(env)
        self.assertEqual([k for k in env if "CORP" in k], [])

    def test_removal_is_logged(self):
        mark = self.apache.log_mark()
        self.backend("/app/public/y")
        log = self.apache.log_since(mark, expect="SEQ01105")
        self.assertRegex(log, r"SEQ01105.*removed request header Sequr-SAML-Remote-User")

    def test_signed_in_user_still_gets_trusted_headers(self):
        r, jar = self.sign_in("/app/x")
        self.assertEqual(r.status, 303, r)
        seen = self.backend("/app/x", jar=jar)
        self.assertEqual(seen.get("sequr-saml-remote-user"), [USER])
        self.assertEqual(seen.get("sequr-saml-name-id"), [USER])
        self.assertNotIn('"root"', json.dumps(seen))
        env = self.cgi_env("/cgienv/x", jar=jar)
        self.assertEqual(env.get("REMOTE_USER"), USER)
        self.assertEqual(env.get("SEQUR_SAML_NAME_ID"), USER)
        self.assertNotIn("HTTP_X_REMOTE_USER", env)


if __name__ == "__main__":
    unittest.main()
