"""Over https the session cookie carries Secure and the __Host- prefix (mod_ssl, self-signed cert for
127.0.0.1, a second vhost with SSLEngine on)."""
import os
import subprocess

import harness
from harness import Apache, IdPProcess, SamlTestCase, az, curl

SSL_MODULE = os.path.join(harness.MODULES, "mod_ssl.so")


class SecureCookie(SamlTestCase):

    @classmethod
    def setUpClass(cls):
        why = harness.module_available() or (
            None if os.path.exists(SSL_MODULE) else "no mod_ssl")
        if why:
            raise harness.unittest.SkipTest(why)
        cls.tmp = harness.tempdir("sequr-tls-")
        crt, key = os.path.join(cls.tmp, "tls.crt"), os.path.join(cls.tmp, "tls.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                        "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", crt], check=True, capture_output=True)
        os.chmod(key, 0o644)
        cls.tls_port = harness.free_port()
        vhost = """
Listen 127.0.0.1:{p}
<VirtualHost 127.0.0.1:{p}>
    ServerName 127.0.0.1:{p}
    SSLEngine on
    SSLCertificateFile "{crt}"
    SSLCertificateKeyFile "{key}"
</VirtualHost>
""".format(p=cls.tls_port, crt=crt, key=key)
        cls.apache = Apache(extra=vhost,
                            extra_modules="LoadModule ssl_module %s\n"
                                          "LoadModule socache_shmcb_module %s/"
                                          "mod_socache_shmcb.so" % (SSL_MODULE, harness.MODULES))
        cls.https = "https://127.0.0.1:%d" % cls.tls_port
        cls.https_acs = cls.https + "/saml/acs"
        cls.idp = IdPProcess(cls.https_acs)
        cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                      cls.idp.issuer))
        cls.apache.start()
        if not harness.wait_for_port(cls.tls_port, cls.apache.proc):
            raise AssertionError("TLS port did not open")

    def test_secure_flag_over_https(self):
        jar = self.jar()
        r = curl(self.https + "/protected/tls", jar=jar, insecure=True)
        self.assertEqual(r.status, 302, r)
        q, xml = harness.decode_authn_request(r.location)
        self.assertIn(('AssertionConsumerServiceURL="%s"' % self.https_acs).encode(), xml)
        rid = harness.re.search(rb'\bID="([^"]+)"', xml).group(1).decode()
        resp = az.make_response(harness.USER, self.https_acs, harness.SP_ENTITY_ID, rid,
                                key=self.idp.key, cert=self.idp.cert, tenant=self.idp.tenant)
        acs = curl(self.https_acs, data={"SAMLResponse": resp, "RelayState": q["RelayState"]},
                   jar=jar, insecure=True)
        self.assertEqual(acs.status, 303, acs)
        attrs = [a.strip().lower() for a in acs.set_cookie().split(";")[1:]]
        self.assertIn("secure", attrs)
        self.assertIn("httponly", attrs)
        page = curl(self.https + "/protected/tls", jar=jar, insecure=True)
        self.assertEqual(self.whoami(page)["REMOTE_USER"], harness.USER)

    def test_plain_http_has_no_secure_flag(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/plain", jar=jar)
        acs = self.post_acs(self.response(rid), relay, jar=jar)
        self.assertEqual(acs.status, 303, acs)
        self.assertNotIn("secure", acs.set_cookie().lower())

    # On https the session cookie is __Host-: Secure, Path=/, no Domain, so no
    # related domain (nor an http page) can plant one; a cookie under the plain
    # name is no session there. The sign-in request cookie is __Secure-,
    # SameSite=None (Entra's POST is cross-site), for /saml/acs only.

    def sign_in_https(self, path):
        jar = self.jar()
        r = curl(self.https + path, jar=jar, insecure=True)
        self.assertEqual(r.status, 302, r)
        q, xml = harness.decode_authn_request(r.location)
        rid = harness.re.search(rb'\bID="([^"]+)"', xml).group(1).decode()
        resp = az.make_response(harness.USER, self.https_acs, harness.SP_ENTITY_ID, rid,
                                key=self.idp.key, cert=self.idp.cert, tenant=self.idp.tenant)
        acs = curl(self.https_acs, data={"SAMLResponse": resp, "RelayState": q["RelayState"]},
                   jar=jar, insecure=True)
        self.assertEqual(acs.status, 303, acs)
        return r, acs, jar

    def test_session_cookie_has_the_host_prefix(self):
        login, acs, jar = self.sign_in_https("/protected/host")
        req = [v for v in login.all("Set-Cookie") if "-req-" in v.split("=")[0]]
        self.assertEqual(len(req), 1, login)
        self.assertTrue(req[0].startswith("__Secure-" + harness.COOKIE + "-req-"), req)
        attrs = [a.strip().lower() for a in req[0].split(";")[1:]]
        for a in ("path=/saml/acs", "secure", "samesite=none", "httponly"):
            self.assertIn(a, attrs)
        sc = acs.set_cookie()
        self.assertTrue(sc.startswith("__Host-%s=" % harness.COOKIE), acs)
        attrs = [a.strip().lower() for a in sc.split(";")[1:]]
        self.assertIn("secure", attrs)
        self.assertIn("path=/", attrs)
        self.assertFalse([a for a in attrs if a.startswith("domain")], attrs)
        page = curl(self.https + "/protected/host", jar=jar, insecure=True)
        self.assertEqual(self.whoami(page)["REMOTE_USER"], harness.USER)
        # The same session id under the plain name (what a related domain can
        # plant) is no session on https.
        plain = curl(self.https + "/protected/host", insecure=True,
                     cookie="%s=%s" % (harness.COOKIE, acs.cookie_value()))
        self.assertEqual(plain.status, 302, plain)
        # Logout clears the prefixed cookie.
        out = curl(self.https + "/saml/logout?ReturnTo=/", jar=jar, insecure=True)
        self.assertTrue([v for v in out.all("Set-Cookie")
                         if v.startswith("__Host-%s=;" % harness.COOKIE)], out)


class SameSiteNone(SamlTestCase):
    """SequrSAMLCookieSameSite None in the https virtual host (an app embedded in
    Teams or SharePoint): both cookies come out Secure; SameSite=None through a
    real Apache with mod_ssl; the plain http server beside it keeps Lax."""

    @classmethod
    def setUpClass(cls):
        why = harness.module_available() or (
            None if os.path.exists(SSL_MODULE) else "no mod_ssl")
        if why:
            raise harness.unittest.SkipTest(why)
        cls.tmp = harness.tempdir("sequr-tls-")
        crt, key = os.path.join(cls.tmp, "tls.crt"), os.path.join(cls.tmp, "tls.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                        "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", crt], check=True, capture_output=True)
        os.chmod(key, 0o644)
        cls.tls_port = harness.free_port()
        vhost = """
Listen 127.0.0.1:{p}
<VirtualHost 127.0.0.1:{p}>
    ServerName 127.0.0.1:{p}
    SSLEngine on
    SSLCertificateFile "{crt}"
    SSLCertificateKeyFile "{key}"
    SequrSAMLCookieSameSite None
</VirtualHost>
""".format(p=cls.tls_port, crt=crt, key=key)
        cls.apache = Apache(extra=vhost,
                            extra_modules="LoadModule ssl_module %s\n"
                                          "LoadModule socache_shmcb_module %s/"
                                          "mod_socache_shmcb.so" % (SSL_MODULE, harness.MODULES))
        cls.https = "https://127.0.0.1:%d" % cls.tls_port
        cls.https_acs = cls.https + "/saml/acs"
        cls.idp = IdPProcess(cls.https_acs)
        cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                      cls.idp.issuer))
        cls.apache.start()
        if not harness.wait_for_port(cls.tls_port, cls.apache.proc):
            raise AssertionError("TLS port did not open")

    @staticmethod
    def attrs(set_cookie):
        return [a.strip().lower() for a in set_cookie.split(";")[1:]]

    def test_both_cookies_are_secure_and_samesite_none(self):
        jar = self.jar()
        login = curl(self.https + "/protected/embedded", jar=jar, insecure=True)
        self.assertEqual(login.status, 302, login)
        req = [v for v in login.all("Set-Cookie") if "-req-" in v.split("=")[0]]
        self.assertEqual(len(req), 1, login)
        self.assertTrue(req[0].startswith("__Secure-" + harness.COOKIE + "-req-"), req)
        for a in ("path=/saml/acs", "secure", "samesite=none", "httponly"):
            self.assertIn(a, self.attrs(req[0]))
        q, xml = harness.decode_authn_request(login.location)
        rid = harness.re.search(rb'\bID="([^"]+)"', xml).group(1).decode()
        resp = az.make_response(harness.USER, self.https_acs, harness.SP_ENTITY_ID, rid,
                                key=self.idp.key, cert=self.idp.cert, tenant=self.idp.tenant)
        acs = curl(self.https_acs, data={"SAMLResponse": resp, "RelayState": q["RelayState"]},
                   jar=jar, insecure=True)
        self.assertEqual(acs.status, 303, acs)
        sc = [v for v in acs.all("Set-Cookie") if v.startswith("__Host-%s=" % harness.COOKIE)]
        self.assertEqual(len(sc), 1, acs)
        self.assertEqual(sorted(self.attrs(sc[0])),
                         ["httponly", "path=/", "samesite=none", "secure"], sc)
        page = curl(self.https + "/protected/embedded", jar=jar, insecure=True)
        self.assertEqual(self.whoami(page)["REMOTE_USER"], harness.USER)
        out = curl(self.https + "/saml/logout?ReturnTo=/", jar=jar, insecure=True)
        cleared = [v for v in out.all("Set-Cookie")
                   if v.startswith("__Host-%s=;" % harness.COOKIE)]
        self.assertTrue(cleared, out)
        self.assertIn("samesite=none", self.attrs(cleared[0]))

    def test_plain_http_server_beside_it_keeps_lax(self):
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/plain", jar=jar)
        acs = self.post_acs(self.response(rid), relay, jar=jar)
        self.assertEqual(acs.status, 303, acs)
        self.assertEqual(sorted(self.attrs(acs.set_cookie())),
                         ["httponly", "path=/", "samesite=lax"], acs)
