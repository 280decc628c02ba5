"""Relay state as admins type it, in a real browser (headless Chromium, as in
test_browser): the app's "Relay State" in Entra is a full URL of the site
(http://127.0.0.1:P/protected/report?id=7, this site's ServerName and port);
the user clicks the app's tile in My Apps, the IdP posts cross-site to the
ACS, and the browser ends on exactly that page, signed in. A full URL of
another origin (the same server under the name localhost) ends on the
landing path instead. Screenshot: browser_relay_url_landed.png.
"""
import os
import urllib.parse

import harness
import test_browser
from harness import USER
from test_browser import BrowserTestCase

TARGET = "/protected/report?id=7"


def tearDownModule():
    test_browser.tearDownModule()


class BrowserRelayUrl(BrowserTestCase):

    @classmethod
    def start_servers(cls):
        """As BrowserTestCase, with the IdP's app Relay State set to a full
        URL of the site, as an admin pastes it in Entra's box."""
        cls.apache = harness.Apache(servers=cls.servers, extra=cls.extra)
        cls.relay_url = cls.apache.url + TARGET
        cls.idp = harness.IdPProcess(cls.apache.acs_url, sign=cls.sign,
                                     extra_args=("--relay-state", cls.relay_url))
        cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                      cls.idp.issuer, **cls.idp_directives()))
        cls.apache.start()
        cls.tmp = harness.tempdir("sequr-test-")
        cls.site = cls.apache.url

    def click_tile(self):
        from selenium.webdriver.common.by import By
        self.driver.get(self.idp.base_url + "/myapps?" + urllib.parse.urlencode({"user": USER}))
        self.wait_for("the app's tile", lambda: self.has_element("app-tile"))
        tile = self.driver.find_element(By.ID, "app-tile")
        self.assertIn(self.relay_url, tile.text)
        tile.click()

    def test_my_apps_tile_with_a_full_url_lands_on_that_page(self):
        self.click_tile()
        self.wait_for_url(self.site + TARGET)
        shown = self.shown()
        self.assertEqual(shown.get("REMOTE_USER"), USER, self.page_text())
        self.assertEqual(shown.get("PATH_INFO"), "/report")
        self.assertEqual(shown.get("QUERY_STRING"), "id=7")
        self.assert_session_cookie()
        self.assert_seen("POST", "/saml/acs", "site", ["cross-site"])
        self.screenshot("browser_relay_url_landed")

    def test_full_url_of_another_origin_lands_on_the_landing_path(self):
        """localhost:P is this very server, but not the origin the
        configuration names: the browser ends on "/", not on the page."""
        other = "http://localhost:%d%s" % (self.apache.port, TARGET)
        self.driver.get(self.idp.base_url + "/initiate?" + urllib.parse.urlencode(
            {"user": USER, "relay": other}))
        self.wait_for_url(self.site + "/")
        self.assert_seen("POST", "/saml/acs", "status", ["303"])
