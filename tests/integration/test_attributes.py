"""Attributes for the protected application: every attribute of the session
as an environment variable with Azure's claim URIs shortened to friendly
names, multi-valued ones joined, indexed and counted, under a configurable
prefix and separator; Entra's groups overage claim exported and logged."""
import datetime
import os
import re

import harness
import azure_idp as az
from harness import SamlTestCase, USER

ENVDUMP = "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nenv\n"
GROUPS = ["0f5bd4c3-1e0a-4d6b-9f2d-6a1d3b8c9e01", "7a3e1c52-8b4d-4f0e-a6c1-2d9b5e4f3a72",
          "c2d8f6a4-5e1b-4a9c-8d3f-7b6e0a1c2d93"]
GROUPS_LINK = "http://schemas.microsoft.com/claims/groups.link"


def envdump_conf(cgi_dir, script, locations):
    conf = ('ScriptAlias /envdump "%s"\n<Directory "%s">\n    Require all granted\n'
            '</Directory>\n' % (script, cgi_dir))
    for path, more in locations:
        conf += ('<Location %s>\n    AuthType sequr-saml\n    Require valid-user\n%s'
                 '</Location>\n' % (path, more))
    return conf


class AttributeEnvironment(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        cgi = harness.tempdir("sequr-envdump-")
        script = os.path.join(cgi, "envdump")
        with open(script, "w") as f:
            f.write(ENVDUMP)
        os.chmod(script, 0o755)
        cls.extra = envdump_conf(cgi, script, [
            ("/envdump", ""),
            ("/envdump/custom", "    SequrSAMLEnvPrefix APP_\n    SequrSAMLEnvSeparator \", \"\n"),
        ])
        super().setUpClass()

    def env(self, reply):
        self.assertEqual(reply.status, 200, reply)
        return dict(line.split("=", 1) for line in reply.text.splitlines() if "=" in line)

    def signed_in_env(self, path="/envdump/x", **kw):
        r, jar = self.sign_in(path, **kw)
        self.assertEqual(r.status, 303, r)
        return self.env(self.get(path, jar=jar))

    def test_azure_claims_have_friendly_names(self):
        env = self.signed_in_env(groups=GROUPS)
        self.assertEqual(env.get("SEQUR_SAML_NAME"), USER)
        self.assertEqual(env.get("SEQUR_SAML_EMAILADDRESS"), USER)
        self.assertEqual(env.get("SEQUR_SAML_GIVENNAME"), "Alice")
        self.assertEqual(env.get("SEQUR_SAML_SURNAME"), "Smith")
        self.assertEqual(env.get("SEQUR_SAML_DISPLAYNAME"), "Alice Smith")
        self.assertEqual(env.get("SEQUR_SAML_TENANTID"), self.idp.tenant)
        self.assertEqual(env.get("SEQUR_SAML_OBJECTIDENTIFIER"),
                         az.object_id(self.idp.tenant, USER))
        self.assertEqual(env.get("SEQUR_SAML_IDENTITYPROVIDER"), az.entra_issuer(self.idp.tenant))
        self.assertIn("SEQUR_SAML_AUTHNMETHODSREFERENCES", env)
        # No claim URI leaks into a variable name.
        self.assertEqual([k for k in env if "SCHEMAS" in k or "HTTP___" in k], [])
        # The fixed variables are still there and REMOTE_USER is the user.
        self.assertEqual(env.get("REMOTE_USER"), USER)
        self.assertEqual(env.get("SEQUR_SAML_NAME_ID"), USER)

    def test_groups_are_joined_indexed_and_counted(self):
        env = self.signed_in_env(groups=GROUPS)
        self.assertEqual(env.get("SEQUR_SAML_GROUPS"), ";".join(GROUPS))
        for i, g in enumerate(GROUPS):
            self.assertEqual(env.get("SEQUR_SAML_GROUPS_%d" % i), g)
        self.assertNotIn("SEQUR_SAML_GROUPS_3", env)
        self.assertEqual(env.get("SEQUR_SAML_GROUPS_N"), "3")
        self.assertEqual(env.get("SEQUR_SAML_NAME_N"), "1")
        self.assertEqual(env.get("SEQUR_SAML_NAME_0"), USER)

    def test_prefix_and_separator_per_location(self):
        env = self.signed_in_env("/envdump/custom/y", groups=GROUPS)
        self.assertEqual(env.get("APP_GROUPS"), ", ".join(GROUPS))
        self.assertEqual(env.get("APP_GROUPS_N"), "3")
        self.assertEqual(env.get("APP_NAME"), USER)
        self.assertNotIn("SEQUR_SAML_GROUPS", env)

    def test_groups_overage_is_exported_and_logged(self):
        link = ("https://graph.windows.net/%s/users/%s/getMemberObjects"
                % (self.idp.tenant, az.object_id(self.idp.tenant, USER)))
        attrs = az.default_attributes(self.idp.tenant, USER) + [(GROUPS_LINK, [link])]
        mark = self.apache.log_mark()
        env = self.signed_in_env(attributes=attrs)
        self.assertEqual(env.get("SEQUR_SAML_GROUPS_LINK"), link)
        self.assertEqual(env.get("SEQUR_SAML_GROUPS_LINK_N"), "1")
        self.assertNotIn("SEQUR_SAML_GROUPS", env)
        log = self.apache.log_since(mark, expect="groups.link")
        line = re.search(r"^.*\[sequr_saml:info\].*groups\.link.*$", log, re.M)
        self.assertIsNotNone(line, log)
        self.assertIn(USER, line.group(0))

    def test_values_with_control_characters_are_not_exported(self):
        attrs = az.default_attributes(self.idp.tenant, USER) + [
            ("http://example.org/claims/dept", ["Sales\r\nX-Injected: 1"]),
            ("http://example.org/claims/site", ["Paris"])]
        mark = self.apache.log_mark()
        env = self.signed_in_env(attributes=attrs)
        self.assertEqual(env.get("SEQUR_SAML_SITE"), "Paris")
        self.assertEqual([k for k in env if k.startswith("SEQUR_SAML_DEPT")], [])
        self.assertNotIn("X-Injected", "\n".join(env.values()))
        log = self.apache.log_since(mark, expect="claims/dept")
        self.assertRegex(log, r"\[sequr_saml:warn\].*claims/dept.*control characters")

    def test_attributes_named_like_the_modules_own_variables_are_not_exported(self):
        evil = ["http://evil.example/claims/name_id", "http://evil.example/claims/idp",
                "http://evil.example/claims/session_index", "http://evil.example/claims/tenant",
                "http://evil.example/claims/remote_user"]
        attrs = az.default_attributes(self.idp.tenant, USER) + [(n, ["evil"]) for n in evil]
        mark = self.apache.log_mark()
        env = self.signed_in_env(attributes=attrs)
        self.assertEqual(env.get("SEQUR_SAML_NAME_ID"), USER)
        self.assertEqual(env.get("SEQUR_SAML_IDP"), az.entra_issuer(self.idp.tenant))
        for name in ("NAME_ID", "IDP", "SESSION_INDEX", "TENANT", "REMOTE_USER"):
            self.assertNotIn("SEQUR_SAML_%s_0" % name, env)
            self.assertNotIn("SEQUR_SAML_%s_N" % name, env)
        self.assertNotIn("SEQUR_SAML_TENANT", env)        # the default IdP has none
        self.assertNotIn("SEQUR_SAML_REMOTE_USER", env)
        self.assertNotIn("evil", env.values())
        # Entra's own claims whose names only begin alike are still there.
        self.assertEqual(env.get("SEQUR_SAML_TENANTID"), self.idp.tenant)
        self.assertIn("SEQUR_SAML_IDENTITYPROVIDER", env)
        log = self.apache.log_since(mark, expect="claims/remote_user")
        for n in evil:
            self.assertRegex(log, r"\[sequr_saml:warn\].*%s.*reserved" % re.escape(n))

    def test_session_end_is_exported_in_utc(self):
        """SEQUR_SAML_SESSION_EXPIRES is the session's hard end: sign-in time +
        SequrSAMLSessionMaxAge (default 8 hours), or the assertion's
        SessionNotOnOrAfter when that is sooner."""
        def utc(text):
            self.assertRegex(text or "", r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc)
        before = az.utcnow().replace(microsecond=0)
        env = self.signed_in_env()
        after = az.utcnow()
        end = utc(env.get("SEQUR_SAML_SESSION_EXPIRES"))
        max_age = datetime.timedelta(seconds=28800)
        self.assertTrue(before + max_age <= end <= after + max_age, (before, end, after))

        sooner = (az.utcnow() + datetime.timedelta(minutes=50)).replace(microsecond=0)
        env = self.signed_in_env(session_not_on_or_after=sooner)
        self.assertEqual(utc(env.get("SEQUR_SAML_SESSION_EXPIRES")), sooner)

    def test_an_attribute_cannot_pose_as_the_session_end(self):
        attrs = az.default_attributes(self.idp.tenant, USER) + [
            ("http://evil.example/claims/session_expires", ["2099-01-01T00:00:00Z"])]
        env = self.signed_in_env(attributes=attrs)
        self.assertNotEqual(env.get("SEQUR_SAML_SESSION_EXPIRES"), "2099-01-01T00:00:00Z")
        self.assertNotIn("SEQUR_SAML_SESSION_EXPIRES_0", env)

    def test_bad_prefix_is_a_configtest_error(self):
        for bad in ("HTTP_X_", "1ABC", "A-B", '""'):
            rc, out = self.apache.configtest(self.apache.conf_text(
                "SequrSAMLEnvPrefix %s\n" % bad))
            self.assertNotEqual(rc, 0, bad)
            self.assertIn("SequrSAMLEnvPrefix", out)
