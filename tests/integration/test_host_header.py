"""The URLs the module emits come from its configuration, never from the
request: with `UseCanonicalName Off` (Apache's and Debian's default) and no
SequrSAMLPublicBaseURL, a client naming evil.example.com in its Host header or
in an absolute-form request target must not see that name in the
AuthnRequest's AssertionConsumerServiceURL, in a Location, or in the SP
metadata; and the ACS and logout endpoints check Destination against the
configured URL, not against one the client chose."""
import re
import socket

import harness
from harness import SamlTestCase, SP_ENTITY_ID, USER, az, curl, decode_authn_request

EVIL = "evil.example.com"


def raw_request(port, head):
    """Send head (request line and headers, CRLF-separated, no body) as is;
    returns (status, headers dict in lower case, body bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(head.encode("latin-1") + b"\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


class HostHeaderIgnored(SamlTestCase):
    # Stated, though it is the default: this is the case that used to leak.
    extra = "UseCanonicalName Off"

    def assert_acs_is_ours(self, location):
        self.assertNotIn("evil", location.lower())
        _, xml = decode_authn_request(location)
        self.assertIn(('AssertionConsumerServiceURL="%s"' % self.apache.acs_url).encode(), xml)
        self.assertNotIn(b"evil", xml.lower())

    def test_host_header_not_in_the_authn_request(self):
        for host in (EVIL, EVIL + ":6666", "%s:%d" % (EVIL, self.apache.port)):
            r = self.get("/protected/host", headers=("Host: " + host,))
            self.assertEqual(r.status, 302, r)
            self.assert_acs_is_ours(r.location)

    def test_absolute_form_target_not_in_the_authn_request(self):
        status, headers, _ = raw_request(
            self.apache.port, "GET http://%s/protected/abs HTTP/1.1\r\nHost: %s\r\n"
            "Accept: text/html\r\nConnection: close" % (EVIL, EVIL))
        self.assertEqual(status, 302, headers)
        self.assert_acs_is_ours(headers["location"])

    def test_metadata_names_the_configured_server(self):
        for extra in (("Host: " + EVIL,), ("Host: %s:%d" % (EVIL, self.apache.port),)):
            r = self.get("/saml/metadata", headers=extra)
            self.assertEqual(r.status, 200, r)
            self.assertNotIn(b"evil", r.body.lower())
            self.assertIn(('Location="%s"' % self.apache.acs_url).encode(), r.body)
            self.assertIn(('Location="%s/saml/logout"' % self.apache.url).encode(), r.body)
        status, headers, body = raw_request(
            self.apache.port, "GET http://%s/saml/metadata HTTP/1.1\r\nHost: %s\r\n"
            "Connection: close" % (EVIL, EVIL))
        self.assertEqual(status, 200, headers)
        self.assertNotIn(b"evil", body.lower())
        self.assertIn(('Location="%s"' % self.apache.acs_url).encode(), body)

    def test_acs_checks_destination_against_the_configured_url(self):
        # A response addressed to the name the client gave is not ours...
        jar = self.jar()
        rid, relay, _ = self.start_login("/protected/dest", jar=jar)
        evil_acs = "http://%s:%d/saml/acs" % (EVIL, self.apache.port)
        forged = az.make_response(USER, evil_acs, SP_ENTITY_ID, rid, key=self.idp.key,
                                  cert=self.idp.cert, tenant=self.idp.tenant)
        mark = self.apache.log_mark()
        r = curl(self.apache.url + "/saml/acs", data={"SAMLResponse": forged, "RelayState": relay},
                 jar=jar, headers=("Host: %s:%d" % (EVIL, self.apache.port),))
        self.assertEqual(r.status, 403, r)
        self.assertIsNone(r.set_cookie(), r)
        self.assertRegex(self.apache.log_since(mark, expect="Destination"),
                         r"sequr_saml.*Destination")
        # ...one addressed to our configured ACS is, whatever Host it came with,
        # and the browser goes on to a local path, not to the Host's name.
        rid, relay, login = self.start_login("/protected/dest", jar=jar)
        # curl matches jar cookies against the Host it is given: send the
        # sign-in request cookie (which the ACS wants from this browser) as is.
        r = curl(self.apache.url + "/saml/acs",
                 data={"SAMLResponse": self.response(rid), "RelayState": relay},
                 headers=("Host: " + EVIL, "Cookie: " + login.request_cookie()))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.location, "/protected/dest")

    def test_logout_redirect_names_no_client_host(self):
        r, jar = self.sign_in("/protected/out")
        self.assertEqual(r.status, 303, r)
        r = curl(self.apache.url + "/saml/logout?ReturnTo=/", jar=jar, headers=("Host: " + EVIL,))
        self.assertIn(r.status, (302, 303), r)
        self.assertNotIn("evil", (r.location or "").lower())


class HostHeaderWithServerAlias(SamlTestCase):
    """A name-based virtual host reached under its alias still calls itself by
    its ServerName; a Host naming none of the virtual hosts lands on the
    default one (Apache's rule) and gets that one's configured URLs."""

    @classmethod
    def setUpClass(cls):
        cls.extra = ("<VirtualHost 127.0.0.1:*>\n    ServerName sp.example.test\n"
                     "    ServerAlias alias.example.test\n</VirtualHost>\n")
        super().setUpClass()

    def test_alias_gets_the_server_name(self):
        r = self.get("/protected/alias", headers=("Host: alias.example.test:%d" % self.apache.port,))
        self.assertEqual(r.status, 302, r)
        _, xml = decode_authn_request(r.location)
        self.assertIn(('AssertionConsumerServiceURL="http://sp.example.test:%d/saml/acs"'
                       % self.apache.port).encode(), xml)

    def test_unknown_host_gets_the_default_servers_name(self):
        r = self.get("/protected/unknown", headers=("Host: " + EVIL,))
        self.assertEqual(r.status, 302, r)
        self.assertNotIn("evil", r.location.lower())
        _, xml = decode_authn_request(r.location)
        acs = re.search(rb'AssertionConsumerServiceURL="([^"]+)"', xml).group(1).decode()
        self.assertNotIn("evil", acs)
        self.assertTrue(acs.endswith(":%d/saml/acs" % self.apache.port), acs)


class ForwardedHostMustBeOurs(SamlTestCase):
    """A trusted proxy's X-Forwarded-Host is usually the Host its client sent
    (mod_proxy copies it): it may choose among this server's names
    (ServerName, ServerAlias), never name another site."""
    extra = ("<VirtualHost 127.0.0.1:*>\n    ServerName 127.0.0.1\n"
             "    ServerAlias sso.example.test *.apps.example.test\n</VirtualHost>\n")
    directives = {"TrustForwardedHeaders": "127.0.0.1"}

    def acs_for(self, *headers):
        r = self.get("/protected/fwd", headers=headers)
        self.assertEqual(r.status, 302, r)
        self.assertNotIn("evil", r.location.lower())
        _, xml = decode_authn_request(r.location)
        return re.search(rb'AssertionConsumerServiceURL="([^"]+)"', xml).group(1).decode()

    def test_a_name_of_ours_is_followed(self):
        self.assertEqual(self.acs_for("X-Forwarded-Host: SSO.example.test:8443",
                                      "X-Forwarded-Proto: https"),
                         "https://SSO.example.test:8443/saml/acs")
        self.assertEqual(self.acs_for("X-Forwarded-Host: a.apps.example.test",
                                      "X-Forwarded-Proto: https"),
                         "https://a.apps.example.test/saml/acs")
        self.assertEqual(self.acs_for("X-Forwarded-Host: 127.0.0.1:%d" % self.apache.port),
                         self.apache.acs_url)

    def test_another_name_is_ignored_and_logged(self):
        for host in (EVIL, EVIL + ":443", "sso.example.test.evil.example.com", "apps.example.test"):
            mark = self.apache.log_mark()
            self.assertEqual(self.acs_for("X-Forwarded-Host: " + host,
                                          "X-Forwarded-Proto: https"),
                             self.apache.acs_url)       # as for a malformed host: all ignored
            self.assertRegex(self.apache.log_since(mark, expect="SEQ01031"),
                             r"sequr_saml:warn.*SEQ01031.*not a name of this server")
        r = self.get("/saml/metadata", headers=("X-Forwarded-Host: " + EVIL,))
        self.assertNotIn(b"evil", r.body.lower())


if __name__ == "__main__":
    import unittest
    unittest.main()
