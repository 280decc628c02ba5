"""What applications need (issue #14 part 5), through a real Apache:

- SequrSAMLUnauthenticatedAction pass: a public page lets an anonymous
  request through (no redirect, no 401, no REMOTE_USER, forged identity
  headers still removed) and gives a signed-in browser its user and attributes
  (CGI environment, and request headers for a proxied backend);
- PATH/login?ReturnTo=...: a sign-in started by a link, back to a local path
  or a URL of this site; another site's URL refused with 400;
- PATH/session with SequrSAMLSessionInfo On: the browser's own session as
  JSON, no-store, 401 without a session, refused to another site's page;
  404 when the directive is off."""
import json
import os
import re
import time
import unittest
import urllib.parse

import harness
import test_request_headers as trh
from harness import Apache, IdPProcess, SamlTestCase, USER, az

ENVDUMP = "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nenv\n"

LOCATIONS = """
<Location /public>
    AuthType sequr-saml
    SequrSAMLUnauthenticatedAction pass
    Require all granted
    SequrSAMLRequestHeaders On
    ProxyPass {echo}/public
</Location>
ScriptAlias /pubcgi "{cgi}/envdump"
<Directory "{cgi}">
    Require all granted
</Directory>
<Location /pubcgi>
    AuthType sequr-saml
    SequrSAMLUnauthenticatedAction pass
    Require all granted
</Location>
<Location /contoso>
    AuthType sequr-saml
    SequrSAMLTenantName contoso
    SequrSAMLUnauthenticatedAction pass
    Require all granted
</Location>
ScriptAlias /passuser "{cgi}/envdump"
<Location /passuser>
    AuthType sequr-saml
    SequrSAMLUnauthenticatedAction pass
    Require valid-user
</Location>
"""

FORGED = ("Sequr-SAML-Remote-User: root", "Sequr_SAML_Groups: admins",
          "Sequr-SAML-Name-Id: root", "X-Remote-User: root", "Remote-User: root")

API = ("Accept: application/json", "X-Requested-With: XMLHttpRequest",
       "Sec-Fetch-Mode: cors")

# A second tenant, only to see which IdP PATH/login sends the browser to.
CONTOSO_SSO = "http://localhost:9/contoso-tenant/saml2"
CONTOSO = """<SequrSAMLTenant contoso>
    SequrSAMLIdPSSOURL %s
    SequrSAMLIdPEntityID https://sts.windows.net/00000000-0000-4000-8000-00000000c0c0/
    SequrSAMLIdPCertificateFile "%s"
</SequrSAMLTenant>
"""

NAME_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"


def write_envdump():
    cgi = harness.tempdir("sequr-apps-cgi-")
    script = os.path.join(cgi, "envdump")
    with open(script, "w") as f:
        f.write(ENVDUMP)
    os.chmod(script, 0o755)
    return cgi


class AppsTestCase(SamlTestCase):
    """Apache with the locations above and SequrSAMLSessionInfo as session_info."""
    session_info = "On"

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.echo = trh.http.server.ThreadingHTTPServer(("127.0.0.1", 0), trh.Echo)
        trh.threading.Thread(target=cls.echo.serve_forever, daemon=True).start()
        harness._cleanups.append(cls.echo.shutdown)
        echo_url = "http://127.0.0.1:%d" % cls.echo.server_address[1]
        cls.apache = Apache(extra=LOCATIONS.format(echo=echo_url, cgi=write_envdump()),
                            extra_modules=trh.PROXY_MODULES)
        cls.idp = IdPProcess(cls.apache.acs_url)
        cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                      cls.idp.issuer,
                                                      SessionInfo=cls.session_info)
                                + "\n" + CONTOSO % (CONTOSO_SSO, cls.idp.cert))
        cls.apache.start()
        cls.tmp = harness.tempdir("sequr-test-")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.echo.shutdown()
        cls.echo.server_close()


class PassMode(AppsTestCase):

    def env(self, path, jar=None, headers=FORGED):
        page = self.get(path, jar=jar, headers=headers)
        self.assertEqual(page.status, 200, page)
        return page, dict(l.split("=", 1) for l in page.text.splitlines() if "=" in l)

    def backend(self, path, jar=None, headers=FORGED):
        page = self.get(path, jar=jar, headers=headers)
        self.assertEqual(page.status, 200, page)
        seen = {}
        for k, v in json.loads(page.text):
            seen.setdefault(k.lower(), []).append(v)
        return page, seen

    def assert_anonymous_env(self, env):
        self.assertNotIn("REMOTE_USER", env)
        self.assertEqual([k for k in env if k.startswith("SEQUR_SAML")], [], env)
        for k in ("HTTP_SEQUR_SAML_REMOTE_USER", "HTTP_SEQUR_SAML_GROUPS", "HTTP_X_REMOTE_USER",
                  "HTTP_REMOTE_USER", "HTTP_SEQUR_SAML_NAME_ID"):
            self.assertNotIn(k, env)
        self.assertNotIn("root", env.values())

    def test_anonymous_cgi_goes_through(self):
        mark = self.apache.log_mark()
        page, env = self.env("/pubcgi/x?a=1")
        self.assertIsNone(page.location, page)
        self.assertIsNone(page.set_cookie(), page)
        self.assertEqual(env.get("QUERY_STRING"), "a=1")
        self.assert_anonymous_env(env)
        # Same URL, another answer once signed in: no shared cache may mix them.
        self.assertIn("Cookie", page.header("Vary") or "", page)
        self.assertNotIn("no-store", page.header("Cache-Control") or "")
        self.assertRegex(self.apache.log_since(mark, expect="SEQ01105"),
                         r"SEQ01105.*removed request header Sequr-SAML-Remote-User")

    def test_anonymous_api_client_gets_no_401(self):
        page, env = self.env("/pubcgi/api", headers=FORGED + API)
        self.assertIsNone(page.header("WWW-Authenticate"), page)
        self.assert_anonymous_env(env)

    def test_anonymous_proxied_backend_gets_no_identity_headers(self):
        page, seen = self.backend("/public/x")
        names = [k.replace("_", "-") for k in seen]
        for bad in ("sequr-saml-remote-user", "sequr-saml-groups", "sequr-saml-name-id",
                    "x-remote-user", "remote-user"):
            self.assertNotIn(bad, names, seen)
        self.assertNotIn("root", json.dumps(seen))

    def test_dead_cookie_is_anonymous(self):
        page = self.get("/pubcgi/x", cookie="sequr_saml_session=" + "A" * 43)
        self.assertEqual(page.status, 200, page)
        self.assertNotIn("REMOTE_USER=", page.text)

    def test_signed_in_browser_gets_its_user(self):
        r, jar = self.sign_in("/protected/page")
        self.assertEqual(r.status, 303, r)
        page, env = self.env("/pubcgi/x", jar=jar)
        self.assertEqual(env.get("REMOTE_USER"), USER)
        self.assertEqual(env.get("AUTH_TYPE"), "sequr-saml")
        self.assertEqual(env.get("SEQUR_SAML_NAME_ID"), USER)
        self.assertEqual(env.get("SEQUR_SAML_NAME"), USER)
        self.assertNotIn("HTTP_SEQUR_SAML_REMOTE_USER", env)
        self.assertIn("no-store", page.header("Cache-Control") or "", page)
        page, seen = self.backend("/public/y", jar=jar)
        self.assertEqual(seen.get("sequr-saml-remote-user"), [USER])
        self.assertEqual(seen.get("sequr-saml-name-id"), [USER])
        self.assertNotIn("root", json.dumps(seen))

    def test_valid_user_with_pass_asks_for_a_user(self):
        """Require valid-user needs a user: without a session, pass acts as
        auto (browsers go to sign in, API clients get 401)."""
        page = self.get("/passuser/x")
        self.assertEqual(page.status, 302, page)
        self.assertTrue(page.location.startswith(self.idp.sso_url + "?"), page.location)
        page = self.get("/passuser/x", headers=API)
        self.assertEqual(page.status, 401, page)
        r, jar = self.sign_in("/passuser/x")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.location, "/passuser/x")
        page, env = self.env("/passuser/x", jar=jar)
        self.assertEqual(env.get("REMOTE_USER"), USER)


class LoginEndpoint(AppsTestCase):

    def login(self, return_to=None, jar=None):
        q = "" if return_to is None else "?ReturnTo=" + urllib.parse.quote(return_to, safe="")
        jar = jar or self.jar()
        r = self.get("/saml/login" + q, jar=jar)
        return r, jar

    def complete(self, r, jar):
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(self.idp.sso_url + "?"), r.location)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        q, xml = harness.decode_authn_request(r.location)
        rid = re.search(rb'\bID="([^"]+)"', xml).group(1).decode()
        done = self.post_acs(self.response(rid), q.get("RelayState"), jar=jar)
        self.assertEqual(done.status, 303, done)
        return done

    def test_login_to_a_local_path(self):
        r, jar = self.login("/pubcgi/page?tab=2&x=%2F")
        done = self.complete(r, jar)
        self.assertEqual(done.location, "/pubcgi/page?tab=2&x=%2F")
        page = self.get(done.location, jar=jar)
        self.assertIn("REMOTE_USER=" + USER, page.text)

    def test_login_to_a_full_url_of_this_site(self):
        r, jar = self.login(self.apache.url + "/public/x?y=1")
        self.assertEqual(self.complete(r, jar).location, "/public/x?y=1")

    def test_login_without_return_to_lands_on_the_landing_path(self):
        r, jar = self.login()
        self.assertEqual(self.complete(r, jar).location, "/")

    def test_login_to_another_site_is_refused(self):
        for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example",
                    "http://127.0.0.2:%d/x" % self.apache.port, "javascript:alert(1)",
                    "/%2F%2Fevil.example"):
            mark = self.apache.log_mark()
            r, _ = self.login(bad)
            self.assertIsNone(r.location, (bad, r))
            self.assert_refused(r, 400, "return-to", mark)
            self.assertIn("not valid", r.text)
            log = self.apache.log_since(mark, expect="return-to")
            self.assertEqual(len(re.findall(r"sequr_saml.*return-to", log)), 1, log)
            self.assertIn("login ReturnTo", log)

    def test_login_signs_in_with_the_tenant_of_return_to(self):
        r, _ = self.login("/contoso/page")
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(CONTOSO_SSO + "?"), r.location)
        r, _ = self.login("/pubcgi/page")
        self.assertTrue(r.location.startswith(self.idp.sso_url + "?"), r.location)

    def test_login_is_get_only(self):
        r = self.get("/saml/login?ReturnTo=/x", data={"a": "b"})
        self.assertEqual(r.status, 405, r)
        self.assertNotIn("POST", r.header("Allow") or "")


class SessionEndpoint(AppsTestCase):

    def session(self, jar=None, headers=(), cookie=None):
        return self.get("/saml/session", jar=jar, headers=headers, cookie=cookie)

    def assert_json_answer(self, r, status):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("Content-Type"), "application/json; charset=utf-8")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertEqual([k for k, _ in r.headers if k.lower().startswith("access-control-")], [],
                         r.headers)
        return json.loads(r.text)

    def test_no_session_is_401_json(self):
        body = self.assert_json_answer(self.session(), 401)
        self.assertEqual(body, {"error": "no-session"})
        body = self.assert_json_answer(self.session(cookie="sequr_saml_session=" + "B" * 43), 401)
        self.assertEqual(body, {"error": "no-session"})

    def test_signed_in_session(self):
        attrs = az.default_attributes(self.idp.tenant, USER)
        attrs = [(n, v) for n, v in attrs if n != NAME_CLAIM]
        odd = 'Ren\u00e9 "R\u00f8" <b>\\ \u20ac \U0001F600'
        attrs.append((NAME_CLAIM, [odd]))
        attrs.append(("urn:example:roles", ["a", "b"]))
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/page", jar=jar)
        before = time.time()
        r = self.post_acs(self.response(rid, attributes=attrs), relay, jar=jar)
        self.assertEqual(r.status, 303, r)
        reply = self.session(jar=jar, headers=("Sec-Fetch-Site: same-origin",
                                               "Origin: " + self.apache.url))
        body = self.assert_json_answer(reply, 200)
        self.assertNotIn(b"<", reply.body)
        self.assertEqual(body["user"], USER)
        self.assertIsNone(body["tenant"])
        self.assertEqual(body["idp"], self.idp.issuer)
        self.assertEqual(body["name_id"], USER)
        self.assertEqual(body["attributes"][NAME_CLAIM], [odd])
        self.assertEqual(body["attributes"]["urn:example:roles"], ["a", "b"])
        self.assertEqual(body["idle_timeout"], 3600)
        end = time.mktime(time.strptime(body["expires"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
        self.assertAlmostEqual(end - before, 28800, delta=30)
        idle = time.mktime(time.strptime(body["idle_expires"], "%Y-%m-%dT%H:%M:%SZ")) \
            - time.timezone
        self.assertAlmostEqual(idle - before, 3600, delta=30)
        # Opened by the user (address bar): Sec-Fetch-Site none.
        self.assert_json_answer(self.session(jar=jar, headers=("Sec-Fetch-Site: none",)), 200)

    def test_other_sites_pages_are_refused(self):
        r, jar = self.sign_in("/protected/page")
        self.assertEqual(r.status, 303, r)
        for headers in (("Sec-Fetch-Site: cross-site", "Origin: https://evil.example"),
                        ("Sec-Fetch-Site: same-site",),
                        ("Origin: https://evil.example",),
                        ("Origin: null",),
                        ("Origin: http://127.0.0.1:%d" % (self.apache.port + 1),),
                        ("Sec-Fetch-Site: same-origin", "Origin: http://localhost:%d"
                         % self.apache.port)):
            mark = self.apache.log_mark()
            body = self.assert_json_answer(self.session(jar=jar, headers=headers), 403)
            self.assertEqual(body, {"error": "cross-origin"}, headers)
            log = self.apache.log_since(mark, expect="SEQ02201")
            self.assertEqual(len(re.findall(r"SEQ02201.*\[check cross-origin\]", log)), 1,
                             (headers, log))

    def test_get_only(self):
        r = self.get("/saml/session", data={"a": "b"})
        self.assertEqual(r.status, 405, r)
        self.assertNotIn("POST", r.header("Allow") or "")


class SessionEndpointOff(AppsTestCase):
    session_info = "Off"

    def test_not_served_without_the_directive(self):
        r, jar = self.sign_in("/protected/page")
        self.assertEqual(r.status, 303, r)
        r = self.get("/saml/session", jar=jar)
        self.assertEqual(r.status, 404, r)
        self.assertNotIn(USER, r.text)


if __name__ == "__main__":
    unittest.main()
