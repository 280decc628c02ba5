"""Relay state as admins type it (issue #12 part 5): in Entra's "Relay State"
box admins paste a full URL of their site. A RelayState of an IdP-initiated
response, or a logout ReturnTo, that is an absolute URL whose scheme, host and
port are this site's public origin (SequrSAMLPublicBaseURL, else ServerName
and port; never the Host header) is followed as its local path and query;
any other origin, userinfo, or spelling trick lands on the landing path.
test_attack_redirect.py keeps the foreign payloads; test_browser.py has the
same through Chromium."""
import urllib.parse

from harness import SamlTestCase, SP_ENTITY_ID, USER, az

PUBLIC = "https://www.example.com"


class RelayUrlServerName(SamlTestCase):
    """No SequrSAMLPublicBaseURL: the site is http://127.0.0.1:PORT, the
    harness's ServerName."""

    def relay(self, relay_state, **kw):
        """An IdP-initiated sign-in with relay_state: the ACS reply."""
        return self.post_acs(self.response(None), relay_state, jar=kw.get("jar") or self.jar(),
                             cookie=kw.get("cookie"))

    def assert_goes(self, reply, path):
        self.assertEqual(reply.status, 303, reply)
        self.assertEqual(reply.location, path, reply)

    def test_full_url_of_the_site_lands_on_that_page(self):
        jar = self.jar()
        url = self.apache.url + "/protected/app/report?id=7"
        r = self.relay(url, jar=jar)
        self.assert_goes(r, "/protected/app/report?id=7")
        page = self.get(r.location, jar=jar)
        self.assertEqual(page.status, 200, page)
        who = self.whoami(page)
        self.assertEqual(who["REMOTE_USER"], USER)
        self.assertEqual(who["PATH_INFO"], "/app/report")
        self.assertEqual(who["QUERY_STRING"], "id=7")

    def test_spellings_of_the_same_origin(self):
        port = self.apache.port
        for url, path in (("HTTP://127.0.0.1:%d/protected/x?a=1" % port, "/protected/x?a=1"),
                          ("http://127.0.0.1:%d" % port, "/"),
                          ("http://127.0.0.1:%d?tab=2" % port, "/?tab=2"),
                          ("http://127.0.0.1:%d/a/b#section" % port, "/a/b#section")):
            with self.subTest(relay_state=url):
                self.assert_goes(self.relay(url), path)

    def test_other_origins_and_tricks_land_home(self):
        port = self.apache.port
        for url in ("https://127.0.0.1:%d/protected/x" % port,      # https vs http
                    "http://127.0.0.1:%d/protected/x" % (port + 1),  # another port
                    "http://127.0.0.1/protected/x",                   # default port
                    "http://localhost:%d/protected/x" % port,         # same server, other name
                    "http://u@127.0.0.1:%d/protected/x" % port,       # userinfo
                    "http://127.0.0.1:%d@evil.example/x" % port,
                    "http://127.0.0.1:0%d/protected/x" % port,        # leading zero
                    "http://127.0.0.1.:%d/protected/x" % port,        # trailing dot
                    "http://127.0.0.1:%d//evil.example/x" % port,
                    "http://127.0.0.1:%d/%%2F%%2Fevil.example" % port,
                    "http://127.0.0.1:%d\\@evil.example/" % port,
                    "http://127.0.0.1:%d/\t/evil.example" % port,
                    "http:/127.0.0.1:%d/protected/x" % port):
            with self.subTest(relay_state=url):
                r = self.relay(url)
                self.assert_goes(r, "/")
                self.assertIsNotNone(r.set_cookie(), "the sign-in itself is genuine")

    def test_host_header_does_not_make_an_origin(self):
        """A client naming another host does not make that host ours."""
        r = self.get("/saml/acs", data={"SAMLResponse": self.response(None),
                                        "RelayState": "http://evil.example/protected/x"},
                     headers=["Host: evil.example"], jar=self.jar())
        self.assert_goes(r, "/")

    def test_logout_return_to_full_url(self):
        url = self.apache.url + "/protected/bye?x=1"
        r = self.get("/saml/logout?ReturnTo=" + urllib.parse.quote(url, safe=""))
        self.assert_goes(r, "/protected/bye?x=1")

    def test_logout_return_to_other_origin(self):
        mark = self.apache.log_mark()
        url = "https://127.0.0.1:%d/protected/bye" % self.apache.port
        r = self.get("/saml/logout?ReturnTo=" + urllib.parse.quote(url, safe=""))
        self.assert_goes(r, "/")
        self.apache.log_since(mark, expect="SEQ01401")
        self.assertIn("is neither a local path nor a URL of this site (%s)" % self.apache.url,
                      self.apache.log_since(mark))


class RelayUrlPublicBase(SamlTestCase):
    """SequrSAMLPublicBaseURL https://www.example.com: that is the site, not
    the ServerName Apache listens under."""
    directives = {"PublicBaseURL": PUBLIC}

    def relay(self, relay_state):
        response = az.make_response(USER, PUBLIC + "/saml/acs", SP_ENTITY_ID, None,
                                    key=self.idp.key, cert=self.idp.cert, tenant=self.idp.tenant)
        return self.post_acs(response, relay_state, jar=self.jar())

    def assert_goes(self, reply, path):
        self.assertEqual(reply.status, 303, reply)
        self.assertEqual(reply.location, path, reply)

    def test_full_url_of_the_public_site(self):
        for url, path in ((PUBLIC + "/app/report?id=7", "/app/report?id=7"),
                          ("https://WWW.Example.COM:443/app", "/app"),
                          ("https://www.example.com", "/"),
                          ("/local/path?x=1", "/local/path?x=1")):
            with self.subTest(relay_state=url):
                self.assert_goes(self.relay(url), path)

    def test_not_the_public_site_lands_home(self):
        for url in ("http://www.example.com/app",                        # http vs https
                    "https://www.example.com:8443/app",
                    "https://www.example.com./app",
                    "https://www.example.com:0443/app",
                    "https://admin@www.example.com/app",
                    "https://www.example.com@evil.example/app",
                    "https://www.example.com%2F@evil.example/app",
                    "https://www.example.com.evil.example/app",
                    "https://xn--www-example.com/app",
                    "https://www.ex\u00e4mple.com/app",
                    self.apache.url + "/app"):                           # ServerName, not the site
            with self.subTest(relay_state=url):
                self.assert_goes(self.relay(url), "/")

    def test_logout_return_to_public_url(self):
        r = self.get("/saml/logout?ReturnTo=" +
                     urllib.parse.quote(PUBLIC + "/bye?x=1", safe=""))
        self.assert_goes(r, "/bye?x=1")
        r = self.get("/saml/logout?ReturnTo=" +
                     urllib.parse.quote("http://www.example.com/bye", safe=""))
        self.assert_goes(r, "/")
