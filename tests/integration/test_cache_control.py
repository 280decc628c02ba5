"""Cache-Control on protected responses (SequrSAMLCacheControl).

A page the module lets a signed-in user see says `private, no-store` by
default, so no shared cache keeps it and Back after sign-out cannot show it;
a location's own value replaces the default and `none` removes it; a header
the application (or mod_headers, mod_expires) sets is left exactly as it is; pages outside
AuthType sequr-saml get nothing from us, signed in or not. Apache's own error
responses behind a protected location carry it too, and the module's own
answers (the redirect to the IdP, the ACS, logout, error pages) say no-store."""
import os

import harness
from harness import SamlTestCase

APP_SETS = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\nCache-Control: public, max-age=600\\r\\n\\r\\n'
printf 'REMOTE_USER=%s\\n' "$REMOTE_USER"
"""

EXTRA = """
LoadModule headers_module {mods}/mod_headers.so
LoadModule expires_module {mods}/mod_expires.so
ScriptAlias /app-sets "{app}/app-sets"
ScriptAlias /headers-set "{app}/plain"
Alias /docs "{app}/docs"
Alias /expiring "{app}/docs"
<Directory "{app}">
    Require all granted
</Directory>
<Location /app-sets>
    AuthType sequr-saml
    Require valid-user
</Location>
<Location /headers-set>
    AuthType sequr-saml
    Require valid-user
    Header always set Cache-Control "private, max-age=5"
</Location>
<Location /docs>
    AuthType sequr-saml
    Require valid-user
</Location>
<Location /expiring>
    AuthType sequr-saml
    Require valid-user
    ExpiresActive On
    ExpiresDefault "access plus 1 hour"
</Location>
<Location /protected/custom>
    SequrSAMLCacheControl "private, no-cache"
</Location>
<Location /protected/none>
    SequrSAMLCacheControl none
</Location>
<Location /protected/nobody>
    Require user someone.else@contoso.example
</Location>
"""

PLAIN = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'REMOTE_USER=%s\\n' "$REMOTE_USER"
"""


class CacheControl(SamlTestCase):
    @classmethod
    def setUpClass(cls):
        app = harness.tempdir("sequr-app-")
        os.makedirs(os.path.join(app, "docs"))
        os.chmod(os.path.join(app, "docs"), 0o755)
        with open(os.path.join(app, "docs", "page.html"), "w") as f:
            f.write("<html><body>protected static page</body></html>\n")
        for name, text in (("app-sets", APP_SETS), ("plain", PLAIN)):
            with open(os.path.join(app, name), "w") as f:
                f.write(text)
            os.chmod(os.path.join(app, name), 0o755)
        cls.extra = EXTRA.format(app=app, mods=harness.MODULES)
        super().setUpClass()
        cls.session = None

    def signed_in(self, path, **kw):
        """path fetched with the class's one signed-in session."""
        if CacheControl.session is None:
            r, jar = self.sign_in("/protected/first")
            self.assertEqual(r.status, 303, r)
            CacheControl.session = (r, jar)
        return self.get(path, jar=CacheControl.session[1], **kw)

    def cache_control(self, reply):
        return reply.all("Cache-Control")

    def test_default_on_a_protected_page(self):
        r = self.signed_in("/protected/page")
        self.assertEqual(r.status, 200, r)
        self.assertIn("REMOTE_USER=%s" % harness.USER, r.text)
        self.assertEqual(self.cache_control(r), ["private, no-store"], r)

    def test_default_on_a_protected_static_file(self):
        r = self.signed_in("/docs/page.html")
        self.assertEqual(r.status, 200, r)
        self.assertIn("protected static page", r.text)
        self.assertEqual(self.cache_control(r), ["private, no-store"], r)

    def test_location_value_replaces_the_default(self):
        r = self.signed_in("/protected/custom/page")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.cache_control(r), ["private, no-cache"], r)

    def test_none_sends_no_header(self):
        r = self.signed_in("/protected/none/page")
        self.assertEqual(r.status, 200, r)
        self.assertIn("REMOTE_USER=%s" % harness.USER, r.text)
        self.assertEqual(self.cache_control(r), [], r)

    def test_unprotected_page_gets_nothing_even_signed_in(self):
        for signed_in in (False, True):
            r = self.signed_in("/index.html") if signed_in else self.get("/index.html")
            self.assertEqual(r.status, 200, r)
            self.assertIn("landing page", r.text)
            self.assertEqual(self.cache_control(r), [], r)

    def test_application_header_is_left_as_it_is(self):
        r = self.signed_in("/app-sets/page")
        self.assertEqual(r.status, 200, r)
        self.assertIn("REMOTE_USER=%s" % harness.USER, r.text)
        self.assertEqual(self.cache_control(r), ["public, max-age=600"], r)

    def test_mod_headers_value_counts_as_the_applications(self):
        r = self.signed_in("/headers-set/page")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.cache_control(r), ["private, max-age=5"], r)

    def test_mod_expires_value_counts_as_the_applications(self):
        r = self.signed_in("/expiring/page.html")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.cache_control(r), ["max-age=3600"], r)

    def test_apache_error_responses_behind_a_protected_location(self):
        r = self.signed_in("/docs/missing.html")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(self.cache_control(r), ["private, no-store"], r)
        r = self.signed_in("/protected/nobody/page")
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.cache_control(r), ["private, no-store"], r)

    def test_module_answers_say_no_store(self):
        self.signed_in("/protected/page")
        acs = CacheControl.session[0]                       # the ACS's 303
        self.assertEqual(self.cache_control(acs), ["no-store"], acs)
        r = self.get("/protected/page")                     # no session: off to the IdP
        self.assertEqual(r.status, 302, r)
        self.assertEqual(self.cache_control(r), ["no-store"], r)
        r = self.post_acs("not base64 at all")             # our error page
        self.assertEqual(r.status, 400, r)
        self.assertEqual(self.cache_control(r), ["no-store"], r)
        r, jar = self.sign_in("/protected/leaving")
        r = self.get("/saml/logout?ReturnTo=/", jar=jar)     # logout's answer
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.cache_control(r), ["no-store"], r)

    def test_bad_values_fail_configtest(self):
        with open(self.apache.conf_path) as f:
            good = f.read()
        for bad in ('""', '"  "'):
            rc, out = self.apache.configtest(good + "SequrSAMLCacheControl %s\n" % bad)
            self.assertNotEqual(rc, 0, out)
            self.assertIn("SequrSAMLCacheControl", out)
        rc, out = self.apache.configtest(good + "SequrSAMLCacheControl None\n")
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    import unittest
    unittest.main()
