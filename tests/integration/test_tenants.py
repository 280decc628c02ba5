"""Several Azure tenants on one server (issue #4 part 3).

Two Azure-shaped IdP processes (contoso, fabrikam: own tenant ids and keys)
as <SequrSAMLTenant> sections, plus the server's default IdP (library-made
responses only) for /protected. Each tenant's location signs in through its
own IdP; IdP-initiated responses are routed by Issuer; a response is checked
with its Issuer's keys only, so tenant A's key cannot speak for tenant B, and
neither B's relay state nor a request sent to B can be used with A's answer.
"""
import os
import re
import subprocess
import unittest
import urllib.parse
import uuid

import harness
from harness import (APACHE, PYTHON, SP_ENTITY_ID, SRCDIR, USER, Apache, SamlTestCase, az,
                     curl, decode_authn_request, module_available, tempdir)

TENANT_ENV_CGI = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'REMOTE_USER=%s\\n' "$REMOTE_USER"
printf 'SEQUR_SAML_TENANT=%s\\n' "$SEQUR_SAML_TENANT"
printf 'SEQUR_SAML_IDP=%s\\n' "$SEQUR_SAML_IDP"
"""

LOCATIONS = """
ScriptAlias /contoso "{root}/cgi/tenant_env"
ScriptAlias /fabrikam "{root}/cgi/tenant_env"
ScriptAlias /plain "{root}/cgi/tenant_env"
<Location /plain>
    AuthType sequr-saml
    Require valid-user
</Location>
<Location /contoso>
    AuthType sequr-saml
    SequrSAMLTenantName contoso
    Require valid-user
</Location>
<Location /fabrikam>
    AuthType sequr-saml
    SequrSAMLTenantName fabrikam
    Require valid-user
</Location>
"""


def tenant_section(name, sso_url, issuer, cert, extra=""):
    return ("<SequrSAMLTenant %s>\n    SequrSAMLIdPSSOURL %s\n    SequrSAMLIdPEntityID %s\n"
            '    SequrSAMLIdPCertificateFile "%s"\n%s</SequrSAMLTenant>\n'
            % (name, sso_url, issuer, cert, extra))


class TenantIdP(harness.IdPProcess):
    """harness.IdPProcess with its own tenant id (the harness one always uses the default)."""

    def __init__(self, sp_acs, tenant):
        self.dir = tempdir("sequr-idp-")
        self.key, self.cert = az.make_keypair(self.dir, "idp")
        self.tenant = tenant
        self.issuer = az.entra_issuer(tenant)
        args = [PYTHON, os.path.join(SRCDIR, "tests", "idp", "azure_idp.py"),
                "--port", "0", "--tenant", tenant, "--key", self.key, "--cert", self.cert,
                "--sp-acs", sp_acs, "--sp-entity-id", SP_ENTITY_ID, "--sign", "assertion",
                "--name-id", "upn", "--public-host", "localhost"]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        harness._cleanups.append(self.stop)
        line = self.proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            raise AssertionError("azure_idp did not start: %r %s" % (line, self.proc.stderr.read()))
        self.port = int(m.group(1))
        self.base_url = "http://localhost:%d/%s" % (self.port, tenant)
        self.sso_url = self.base_url + "/saml2"


class Tenants(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        why = module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = Apache(servers=2)
        with open(os.path.join(cls.apache.root, "cgi", "tenant_env"), "w") as f:
            f.write(TENANT_ENV_CGI)
        os.chmod(os.path.join(cls.apache.root, "cgi", "tenant_env"), 0o755)
        cls.idp = harness.IdPProcess(cls.apache.acs_url)          # the default IdP
        cls.contoso = TenantIdP(cls.apache.acs_url, str(uuid.uuid4()))
        cls.fabrikam = TenantIdP(cls.apache.acs_url, str(uuid.uuid4()))
        cls.tenants = {"contoso": cls.contoso, "fabrikam": cls.fabrikam}
        cls.apache.extra = LOCATIONS.format(root=cls.apache.root)
        cls.apache.write_conf(cls.conf())
        cls.apache.start()
        cls.tmp = tempdir("sequr-test-")

    @classmethod
    def conf(cls, more=""):
        return (harness.saml_directives(cls.idp.sso_url, cls.idp.cert, cls.idp.issuer) + "\n" +
                "".join(tenant_section(n, t.sso_url, t.issuer, t.cert,
                                       "    SequrSAMLIdPSLOURL %s\n" % t.sso_url)
                        for n, t in sorted(cls.tenants.items())) + more)

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        for idp in (cls.idp, cls.contoso, cls.fabrikam):
            idp.stop()

    # ------------------------------------------------------------ helpers

    def tenant_response(self, idp, in_response_to=None, user=USER, key_of=None, **kw):
        """A response claiming idp's Issuer, signed by key_of's key (default: idp's own)."""
        signer = key_of or idp
        return az.make_response(user, self.apache.acs_url, SP_ENTITY_ID, in_response_to,
                                key=signer.key, cert=signer.cert, tenant=idp.tenant, **kw)

    def start_tenant_login(self, path, idp, jar):
        r = self.get(path, jar=jar)
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(idp.sso_url + "?"), r.location)
        q, xml = decode_authn_request(r.location)
        return re.search(rb'\bID="([^"]+)"', xml).group(1).decode(), q.get("RelayState")

    def through_idp(self, path, idp, user=USER):
        """SP-initiated through the IdP *process*: returns (ACS reply, jar)."""
        jar = self.jar()
        r = self.get(path, jar=jar)
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(idp.sso_url + "?"), r.location)
        page = curl(r.location, jar=jar)
        self.assertEqual(page.status, 200, page)
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
        fields = {k: harness.html.unescape(v) for k, v in fields.items()}
        fields["username"] = user
        login = curl(idp.base_url + "/login", data=fields, jar=jar)
        self.assertEqual(login.status, 200, login)
        self.assertEqual(login.form_action(), self.apache.acs_url)
        return curl(login.form_action(), data=login.form_fields(), jar=jar), jar

    def env(self, path, jar):
        r = self.get(path, jar=jar)
        self.assertEqual(r.status, 200, r)
        return self.whoami(r)

    # ------------------------------------------------------------ sign-in per tenant

    def test_sp_initiated_through_each_tenants_idp(self):
        for name, idp in sorted(self.tenants.items()):
            with self.subTest(tenant=name):
                acs, jar = self.through_idp("/%s/page?x=1" % name, idp)
                self.assertEqual(acs.status, 303, acs)
                self.assertTrue(acs.location.endswith("/%s/page?x=1" % name), acs.location)
                env = self.env("/%s/page" % name, jar)
                self.assertEqual(env["REMOTE_USER"], USER)
                self.assertEqual(env["SEQUR_SAML_TENANT"], name)
                self.assertEqual(env["SEQUR_SAML_IDP"], idp.issuer)

    def test_default_idp_still_signs_in_without_a_tenant_variable(self):
        r, jar = self.sign_in("/protected/page")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.whoami(self.get("/protected/page", jar=jar))["REMOTE_USER"], USER)
        # The default IdP's session is not a tenant's.
        self.assertEqual(self.get("/contoso/page", jar=jar).status, 302)

    def test_an_attribute_cannot_pose_as_the_tenant(self):
        attrs = az.default_attributes(self.contoso.tenant, USER) + [
            ("tenant", ["fabrikam"]), ("http://schemas.example.test/claims/tenant", ["fabrikam"])]
        for name, idp, path, want in (("contoso", self.contoso, "/contoso/a", "contoso"),
                                      ("default", self.idp, "/plain/a", "")):
            with self.subTest(idp=name):
                jar = self.jar()
                r = self.post_acs(self.tenant_response(idp, attributes=attrs), path, jar=jar)
                self.assertEqual(r.status, 303, r)
                self.assertEqual(self.env(path, jar)["SEQUR_SAML_TENANT"], want)

    def test_idp_initiated_routed_by_issuer(self):
        for name, idp in sorted(self.tenants.items()):
            with self.subTest(tenant=name):
                jar = self.jar()
                tile = curl(idp.base_url + "/initiate?" + urllib.parse.urlencode(
                    {"user": USER, "relay": "/%s/tile" % name}), jar=jar)
                self.assertEqual(tile.status, 200, tile)
                acs = curl(tile.form_action(), data=tile.form_fields(), jar=jar)
                self.assertEqual(acs.status, 303, acs)
                self.assertTrue(acs.location.endswith("/%s/tile" % name), acs.location)
                self.assertEqual(self.env("/%s/x" % name, jar)["SEQUR_SAML_TENANT"], name)

    def test_idp_initiated_with_its_own_relay_state(self):
        r = self.post_acs(self.tenant_response(self.contoso), "/?sequr_tenant=contoso",
                          jar=self.jar())
        self.assertEqual(r.status, 303, r)
        self.assertTrue(r.location.endswith("/?sequr_tenant=contoso"), r.location)

    # ------------------------------------------------------------ refusals

    def test_tenant_a_key_claiming_tenant_b_issuer_refused(self):
        mark = self.apache.log_mark()
        r = self.post_acs(self.tenant_response(self.fabrikam, key_of=self.contoso),
                          "/fabrikam/x", jar=self.jar())
        self.assert_refused(r, 403, "signature", mark)
        self.assertIn("tenant fabrikam", self.apache.log_since(mark, "tenant fabrikam"))

    def test_tenant_a_response_with_tenant_b_relay_state_refused(self):
        mark = self.apache.log_mark()
        r = self.post_acs(self.tenant_response(self.contoso), "/?sequr_tenant=fabrikam",
                          jar=self.jar())
        self.assert_refused(r, 403, "tenant", mark)
        log = self.apache.log_since(mark, "fabrikam")
        self.assertRegex(log, r"tenant.*fabrikam.*contoso")

    def test_default_idp_response_with_a_tenant_relay_state_refused(self):
        mark = self.apache.log_mark()
        r = self.post_acs(self.response(), "/?sequr_tenant=contoso", jar=self.jar())
        self.assert_refused(r, 403, "tenant", mark)

    def test_request_sent_to_contoso_answered_by_fabrikam_refused(self):
        jar = self.jar()
        rid, relay = self.start_tenant_login("/contoso/page", self.contoso, jar)
        mark = self.apache.log_mark()
        r = self.post_acs(self.tenant_response(self.fabrikam, rid), relay, jar=jar)
        self.assert_refused(r, 403, "tenant", mark)
        self.assertRegex(self.apache.log_since(mark, "contoso"),
                         r"sent to tenant contoso but answered by tenant fabrikam")

    def test_unknown_issuer_refused(self):
        stranger = TenantIdP(self.apache.acs_url, str(uuid.uuid4()))
        try:
            mark = self.apache.log_mark()
            r = self.post_acs(self.tenant_response(stranger), "/contoso/x", jar=self.jar())
            self.assert_refused(r, 403, "issuer", mark)
        finally:
            stranger.stop()

    def test_contoso_session_is_no_session_at_fabrikam(self):
        jar = self.jar()
        rid, relay = self.start_tenant_login("/contoso/page", self.contoso, jar)
        acs = self.post_acs(self.tenant_response(self.contoso, rid), relay, jar=jar)
        self.assertEqual(acs.status, 303, acs)
        mark = self.apache.log_mark()
        r = self.get("/fabrikam/page", jar=jar)
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(self.fabrikam.sso_url + "?"), r.location)
        self.assertIsNone(r.set_cookie(), r)
        self.assertRegex(self.apache.log_since(mark, "tenant contoso"),
                         r"session of .* is tenant contoso's; /fabrikam/page signs in with "
                         r"fabrikam")
        # Not destroyed: the contoso location still takes it.
        self.assertEqual(self.env("/contoso/page", jar)["SEQUR_SAML_TENANT"], "contoso")

    # ------------------------------------------------------------ logout

    def tenant_session(self, name, session_index, user=USER):
        idp, jar = self.tenants[name], self.jar()
        rid, relay = self.start_tenant_login("/%s/page" % name, idp, jar)
        acs = self.post_acs(self.tenant_response(idp, rid, user=user, assertion_id=session_index),
                            relay, jar=jar)
        self.assertEqual(acs.status, 303, acs)
        return jar

    def test_logout_goes_to_the_sessions_tenant(self):
        for name, idp in sorted(self.tenants.items()):
            with self.subTest(tenant=name):
                jar = self.tenant_session(name, "_slo-%s-%s" % (name, uuid.uuid4().hex))
                out = self.get("/saml/logout?ReturnTo=%2Fbye", jar=jar)
                self.assertEqual(out.status, 303, out)
                self.assertTrue(out.location.startswith(idp.sso_url + "?SAMLRequest="),
                                out.location)
                self.assertEqual(self.get("/%s/page" % name, jar=jar).status, 302)

    def idp_logout(self, idp, session_index, key_of=None):
        signer = key_of or idp
        return az.make_logout_request(USER, self.apache.url + "/saml/logout", tenant=idp.tenant,
                                      session_index=session_index, key=signer.key)

    def test_idp_logout_routed_by_issuer_ends_only_that_tenants_session(self):
        index = "_shared-" + uuid.uuid4().hex      # same user, same SessionIndex in both
        contoso = self.tenant_session("contoso", index)
        fabrikam = self.tenant_session("fabrikam", index)
        out = curl(self.idp_logout(self.fabrikam, index))
        self.assertEqual(out.status, 303, out)
        self.assertTrue(out.location.startswith(self.fabrikam.sso_url + "?SAMLResponse="),
                        out.location)
        self.assertEqual(self.get("/fabrikam/page", jar=fabrikam).status, 302)
        self.assertEqual(self.get("/contoso/page", jar=contoso).status, 200)

    def test_idp_logout_with_another_tenants_key_refused(self):
        index = "_forged-" + uuid.uuid4().hex
        fabrikam = self.tenant_session("fabrikam", index)
        mark = self.apache.log_mark()
        self.assert_refused(curl(self.idp_logout(self.fabrikam, index, key_of=self.contoso)),
                            403, "signature", mark)
        self.assertEqual(self.get("/fabrikam/page", jar=fabrikam).status, 200)

    def test_idp_logout_from_an_unknown_tenant_refused(self):
        mark = self.apache.log_mark()
        url = az.make_logout_request(USER, self.apache.url + "/saml/logout",
                                     tenant=str(uuid.uuid4()), session_index="_x",
                                     key=self.contoso.key)
        self.assert_refused(curl(url), 403, "issuer", mark)

    def test_unreadable_response_with_tenants_is_a_clean_refusal(self):
        import base64
        mark = self.apache.log_mark()
        r = self.post_acs(base64.b64encode(b"<samlp:Response").decode(), jar=self.jar())
        self.assertEqual(r.status, 400, r)
        self.assertIsNone(r.set_cookie())
        self.assertIn("sequr_saml", self.apache.log_since(mark, "sequr_saml"))


class TenantConfigtest(unittest.TestCase):
    """configtest names the directive, the file and the line."""

    @classmethod
    def setUpClass(cls):
        why = module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = Apache(servers=1)
        cls.dir = tempdir("sequr-tenant-keys-")
        cls.key, cls.cert = az.make_keypair(cls.dir, "a")
        cls.key2, cls.cert2 = az.make_keypair(cls.dir, "b")
        cls.default = harness.saml_directives("https://login.example/sso", cls.cert,
                                              "https://sts.windows.net/default/")

    def configtest(self, saml):
        return self.apache.configtest(self.apache.conf_text(self.default + "\n" + saml))

    def section(self, name, issuer, cert=None, extra=""):
        return tenant_section(name, "https://login.example/%s/saml2" % name, issuer,
                              cert or self.cert, extra)

    def test_good_configuration_passes(self):
        rc, out = self.configtest(self.section("a", "https://sts.windows.net/a/") +
                                  self.section("b.c-d_e", "https://sts.windows.net/b/",
                                               self.cert2))
        self.assertEqual(rc, 0, out)

    def test_duplicate_tenant_name(self):
        rc, out = self.configtest(self.section("a", "https://sts.windows.net/a/") +
                                  self.section("a", "https://sts.windows.net/b/"))
        self.assertNotEqual(rc, 0)
        self.assertRegex(out, r"line \d+ of .*test\.conf")
        self.assertIn("already has a tenant named a", out)

    def test_bad_tenant_name(self):
        rc, out = self.configtest(self.section("a/b", "https://sts.windows.net/a/"))
        self.assertNotEqual(rc, 0)
        self.assertIn("<SequrSAMLTenant a/b>: the name must be", out)

    def test_unknown_tenant_name_in_a_location(self):
        rc, out = self.configtest(self.section("a", "https://sts.windows.net/a/") +
                                  "<Location /x>\n    AuthType sequr-saml\n"
                                  "    SequrSAMLTenantName nosuch\n    Require valid-user\n"
                                  "</Location>\n")
        self.assertNotEqual(rc, 0)
        self.assertRegex(out, r"SequrSAMLTenantName nosuch on line \d+ of .*test\.conf: server "
                              r".* has no <SequrSAMLTenant nosuch>")

    def test_incomplete_tenant(self):
        rc, out = self.configtest("<SequrSAMLTenant a>\n    SequrSAMLIdPSSOURL "
                                  "https://login.example/a/saml2\n"
                                  "    SequrSAMLIdPEntityID https://sts.windows.net/a/\n"
                                  "</SequrSAMLTenant>\n")
        self.assertNotEqual(rc, 0)
        self.assertRegex(out, r"<SequrSAMLTenant a> \(.*test\.conf:\d+\), server .*: no IdP "
                              r"certificate")

    def test_directive_not_allowed_inside(self):
        rc, out = self.configtest(self.section("a", "https://sts.windows.net/a/",
                                               extra="    SequrSAMLClockSkew 60\n"))
        self.assertNotEqual(rc, 0)
        self.assertRegex(out, r"SequrSAMLClockSkew is not allowed inside <SequrSAMLTenant a> "
                              r"\(line \d+ of .*test\.conf\)")

    def test_two_tenants_with_one_entity_id(self):
        rc, out = self.configtest(self.section("a", "https://sts.windows.net/same/") +
                                  self.section("b", "https://sts.windows.net/same/"))
        self.assertNotEqual(rc, 0)
        self.assertIn("IdP entity ID https://sts.windows.net/same/ is already a's", out)

    def vhost(self, body):
        port = harness.free_port()
        return ("Listen 127.0.0.1:%d\n<VirtualHost 127.0.0.1:%d>\n    ServerName v.example\n%s"
                "</VirtualHost>\n" % (port, port, body))

    def location(self, tenant, path="/x"):
        return ("<Location %s>\n    AuthType sequr-saml\n    SequrSAMLTenantName %s\n"
                "    Require valid-user\n</Location>\n" % (path, tenant))

    def test_vhost_inherits_the_main_servers_tenants(self):
        rc, out = self.configtest(self.section("a", "https://sts.windows.net/a/") +
                                  self.vhost(self.location("a", "/v")))
        self.assertEqual(rc, 0, out)

    def test_vhost_tenant_is_not_the_main_servers(self):
        rc, out = self.configtest(self.vhost(self.section("b", "https://sts.windows.net/b/")) +
                                  self.location("b"))
        self.assertNotEqual(rc, 0)
        self.assertRegex(out, r"SequrSAMLTenantName b on line \d+ .*has no <SequrSAMLTenant b>")

    def test_tenant_section_not_allowed_in_a_location(self):
        rc, out = self.configtest("<Location /x>\n" + self.section("a", "https://sts.windows.net/a/")
                                  + "</Location>\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("<SequrSAMLTenant", out)

    def test_tenant_with_the_default_idps_entity_id(self):
        rc, out = self.configtest(self.section("a", "https://sts.windows.net/default/"))
        self.assertNotEqual(rc, 0)
        self.assertIn("is already (default IdP)'s", out)


if __name__ == "__main__":
    unittest.main()
