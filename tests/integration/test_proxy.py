"""Behind a TLS terminator: a second Apache (mod_ssl + mod_proxy_http) answers
https on the public port and proxies to Apache-with-the-module over plain
http. SequrSAMLPublicBaseURL names the public address, so the ACS URL sent to
the IdP, the Destination/Recipient the module expects, the metadata and the
cookie's Secure flag are what the browser and the IdP see."""
import os
import re
import subprocess
import unittest

import harness
from harness import Apache, IdPProcess, SamlTestCase, USER, az, curl

SSL_MODULE = os.path.join(harness.MODULES, "mod_ssl.so")

FRONT_CONF = """\
ServerRoot "{root}"
ServerName 127.0.0.1:{port}
Listen 127.0.0.1:{port}
PidFile "{root}/run/httpd.pid"
DefaultRuntimeDir "{root}/run"
ErrorLog "{root}/logs/error.log"
LogLevel info
{user}
LoadModule mpm_prefork_module {mods}/mod_mpm_prefork.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule proxy_module {mods}/mod_proxy.so
LoadModule proxy_http_module {mods}/mod_proxy_http.so
LoadModule socache_shmcb_module {mods}/mod_socache_shmcb.so
LoadModule ssl_module {mods}/mod_ssl.so
StartServers 2
MinSpareServers 2
MaxSpareServers 4
KeepAlive Off
Timeout 20
SSLEngine on
SSLCertificateFile "{crt}"
SSLCertificateKeyFile "{key}"
ProxyPass / {backend}/
ProxyPassReverse / {backend}/
"""


def make_tls_cert(directory):
    crt, key = os.path.join(directory, "tls.crt"), os.path.join(directory, "tls.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", crt], check=True, capture_output=True)
    os.chmod(key, 0o644)
    return crt, key


class BehindTlsTerminator(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        why = harness.module_available() or (
            None if os.path.exists(SSL_MODULE) else "no mod_ssl")
        if why:
            raise unittest.SkipTest(why)
        cls.tmp = harness.tempdir("sequr-proxy-")
        front_port = harness.free_port()
        cls.public = "https://127.0.0.1:%d" % front_port
        cls.public_acs = cls.public + "/saml/acs"

        cls.apache = Apache()
        cls.idp = IdPProcess(cls.public_acs)
        cls.apache.write_conf(harness.saml_directives(
            cls.idp.sso_url, cls.idp.cert, cls.idp.issuer, PublicBaseURL=cls.public + "/",
            TrustForwardedHeaders="127.0.0.1"))
        cls.apache.start()

        crt, key = make_tls_cert(cls.tmp)
        cls.front = Apache(port=front_port)
        with open(cls.front.conf_path, "w") as f:
            f.write(FRONT_CONF.format(root=cls.front.root, port=front_port, mods=harness.MODULES,
                                      user="User www-data\nGroup www-data" if harness.AS_ROOT
                                      else "", crt=crt, key=key, backend=cls.apache.url))
        cls.front.start()

    @classmethod
    def tearDownClass(cls):
        cls.front.stop()
        super().tearDownClass()

    def public_get(self, path, **kw):
        return curl(self.public + path, insecure=True, **kw)

    def test_full_sign_in_through_the_proxy(self):
        jar = self.jar()
        r = self.public_get("/protected/deep?a=1", jar=jar)
        self.assertEqual(r.status, 302, r)
        q, xml = harness.decode_authn_request(r.location)
        self.assertIn(('AssertionConsumerServiceURL="%s"' % self.public_acs).encode(), xml)
        # The IdP server checks the request's ACS URL against the one it was given.
        page = curl(r.location, jar=jar)
        self.assertEqual(page.status, 200, page)
        fields = page.form_fields()
        fields["username"] = USER
        login = curl(self.idp.base_url + "/login", data=fields, jar=jar)
        self.assertEqual(login.status, 200, login)
        self.assertEqual(login.form_action(), self.public_acs)
        acs = curl(login.form_action(), data=login.form_fields(), jar=jar, insecure=True)
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(acs.location.rsplit("127.0.0.1:%d" % self.front.port, 1)[-1],
                         "/protected/deep?a=1")
        attrs = [a.strip().lower() for a in acs.set_cookie().split(";")[1:]]
        self.assertIn("secure", attrs)
        self.assertIn("httponly", attrs)
        who = self.whoami(self.public_get("/protected/deep?a=1", jar=jar))
        self.assertEqual(who["REMOTE_USER"], USER)

    def test_response_addressed_to_the_internal_url_is_refused(self):
        jar = self.jar()
        r = self.public_get("/protected/x", jar=jar)
        q, xml = harness.decode_authn_request(r.location)
        rid = re.search(rb'\bID="([^"]+)"', xml).group(1).decode()
        internal = az.make_response(USER, self.apache.acs_url, harness.SP_ENTITY_ID, rid,
                                    key=self.idp.key, cert=self.idp.cert, tenant=self.idp.tenant)
        mark = self.apache.log_mark()
        acs = curl(self.public_acs, data={"SAMLResponse": internal,
                                          "RelayState": q["RelayState"]}, jar=jar, insecure=True)
        self.assert_refused(acs, 403, "destination", mark)
        self.assertIn(self.public_acs, self.apache.log_since(mark))

    def test_metadata_and_logout_use_the_public_url(self):
        md = self.public_get("/saml/metadata")
        self.assertEqual(md.status, 200, md)
        self.assertIn('Location="%s"' % self.public_acs, md.text)
        self.assertIn(self.public + "/saml/logout", md.text)
        self.assertNotIn(self.apache.url, md.text)
        out = self.public_get("/saml/logout")
        self.assertEqual(out.status, 303, out)
        self.assertIn("secure", out.set_cookie().lower())

    def test_internal_request_still_names_the_public_acs(self):
        # The directive is the module's view of itself, whichever way a request
        # arrives, and wins over what even a trusted proxy says.
        r = self.get("/protected/direct", headers=("X-Forwarded-Host: other.example",
                                                   "X-Forwarded-Proto: http"))
        self.assertEqual(r.status, 302, r)
        q, xml = harness.decode_authn_request(r.location)
        self.assertIn(('AssertionConsumerServiceURL="%s"' % self.public_acs).encode(), xml)


class ForwardedHeadersFromTrustedProxy(SamlTestCase):
    """No public base URL: the TLS front says https and its host through
    X-Forwarded-Proto (mod_headers) and X-Forwarded-Host (mod_proxy), and the
    module believes them because the peer is listed."""

    @classmethod
    def setUpClass(cls):
        why = harness.module_available() or (
            None if os.path.exists(SSL_MODULE) else "no mod_ssl")
        if why:
            raise unittest.SkipTest(why)
        cls.tmp = harness.tempdir("sequr-proxy-")
        front_port = harness.free_port()
        cls.public = "https://127.0.0.1:%d" % front_port
        cls.public_acs = cls.public + "/saml/acs"
        # A forwarded host must be one of this server's names (ServerName,
        # ServerAlias): the proxy copies its client's Host into it.
        cls.apache = Apache(extra="<VirtualHost 127.0.0.1:*>\n    ServerName 127.0.0.1\n"
                                  "    ServerAlias sso.example\n</VirtualHost>\n")
        cls.idp = IdPProcess(cls.public_acs)
        cls.apache.write_conf(harness.saml_directives(
            cls.idp.sso_url, cls.idp.cert, cls.idp.issuer,
            TrustForwardedHeaders="192.0.2.0/24 127.0.0.1"))
        cls.apache.start()
        crt, key = make_tls_cert(cls.tmp)
        cls.front = Apache(port=front_port)
        with open(cls.front.conf_path, "w") as f:
            f.write(FRONT_CONF.format(root=cls.front.root, port=front_port, mods=harness.MODULES,
                                      user="User www-data\nGroup www-data" if harness.AS_ROOT
                                      else "", crt=crt, key=key, backend=cls.apache.url))
            f.write("LoadModule headers_module %s/mod_headers.so\n"
                    "RequestHeader set X-Forwarded-Proto https\n" % harness.MODULES)
        cls.front.start()

    @classmethod
    def tearDownClass(cls):
        cls.front.stop()
        super().tearDownClass()

    def acs_named(self, reply):
        self.assertEqual(reply.status, 302, reply)
        _, xml = harness.decode_authn_request(reply.location)
        return re.search(rb'AssertionConsumerServiceURL="([^"]+)"', xml).group(1).decode()

    def test_sign_in_through_the_proxy(self):
        jar = self.jar()
        r = curl(self.public + "/protected/fwd", jar=jar, insecure=True)
        self.assertEqual(self.acs_named(r), self.public_acs)
        q, xml = harness.decode_authn_request(r.location)
        rid = re.search(rb'\bID="([^"]+)"', xml).group(1).decode()
        resp = az.make_response(USER, self.public_acs, harness.SP_ENTITY_ID, rid,
                                key=self.idp.key, cert=self.idp.cert, tenant=self.idp.tenant)
        acs = curl(self.public_acs, data={"SAMLResponse": resp, "RelayState": q["RelayState"]},
                   jar=jar, insecure=True)
        self.assertEqual(acs.status, 303, acs)
        self.assertIn("secure", [a.strip().lower() for a in acs.set_cookie().split(";")[1:]])
        who = self.whoami(curl(self.public + "/protected/fwd", jar=jar, insecure=True))
        self.assertEqual(who["REMOTE_USER"], USER)

    def test_a_clients_host_through_the_proxy_is_not_followed(self):
        # mod_proxy puts the client's Host into X-Forwarded-Host.
        r = curl(self.public + "/protected/evil", insecure=True,
                 headers=("Host: evil.example.com",))
        acs = self.acs_named(r)
        self.assertNotIn("evil", acs)
        self.assertNotIn("evil", r.location.lower())
        self.assertIn("not a name of this server",
                      self.apache.log_since(0, expect="SEQ01031"))

    def test_last_value_counts_and_bad_hosts_are_ignored(self):
        r = self.get("/protected/a", headers=("X-Forwarded-Host: evil.example, sso.example:8443",
                                              "X-Forwarded-Proto: http, HTTPS"))
        self.assertEqual(self.acs_named(r), "https://sso.example:8443/saml/acs")
        mark = self.apache.log_mark()
        r = self.get("/protected/b", headers=("X-Forwarded-Host: evil.example/x?",
                                              "X-Forwarded-Proto: https"))
        self.assertEqual(self.acs_named(r), self.apache.acs_url)
        self.assertIn("is not a host[:port]", self.apache.log_since(mark, expect="SEQ01003"))


class ForwardedHeadersFromUntrustedPeer(SamlTestCase):
    directives = {"TrustForwardedHeaders": "192.0.2.1 10.0.0.0/8"}

    def test_headers_of_an_unlisted_peer_are_ignored(self):
        r = self.get("/protected/x", headers=("X-Forwarded-Host: evil.example",
                                              "X-Forwarded-Proto: https"))
        self.assertEqual(r.status, 302, r)
        _, xml = harness.decode_authn_request(r.location)
        self.assertIn(('AssertionConsumerServiceURL="%s"' % self.apache.acs_url).encode(), xml)

    def test_bad_addresses_fail_configtest(self):
        for bad in ("any", "example.com", "10.0.0.0/99"):
            rc, out = self.apache.configtest(self.apache.conf_text(
                "SequrSAMLTrustForwardedHeaders %s\n" % bad))
            self.assertNotEqual(rc, 0, bad)
            self.assertIn("SequrSAMLTrustForwardedHeaders", out)


class PublicBaseUrlConfigtest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = Apache()
        d = harness.tempdir("sequr-conf-")
        cls.key, cls.cert = az.make_keypair(d, "idp")

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()

    def configtest(self, value):
        saml = harness.saml_directives("https://login.example/saml2", self.cert,
                                       az.entra_issuer(az.DEFAULT_TENANT), PublicBaseURL=value)
        return self.apache.configtest(self.apache.conf_text(saml))

    def test_good_values_pass(self):
        for value in ("https://sso.example.com", "https://sso.example.com:8443/",
                      "http://10.0.0.1:8080"):
            rc, out = self.configtest(value)
            self.assertEqual(rc, 0, "%s: %s" % (value, out))

    def test_bad_values_name_directive_and_line(self):
        for value in ("sso.example.com", "ftp://sso.example.com", "https://sso.example.com/app",
                      "https://sso.example.com/?x=1", "https://sso.example.com/#f",
                      "https://user@sso.example.com", "https://"):
            rc, out = self.configtest(value)
            self.assertNotEqual(rc, 0, "accepted %s" % value)
            self.assertIn("SequrSAMLPublicBaseURL", out)
            self.assertRegex(out, r"line \d+ of .*test\.conf", out)


if __name__ == "__main__":
    unittest.main()
