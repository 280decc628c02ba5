"""The demo's pages in a real browser (headless Chromium, as in test_browser),
against the demo's own servers (scripts/demo.py start(): its Apache
configuration, its app page and the IdP with its relay state and My Apps).

Checks that the protected page shows the user, the attributes (environment),
the request headers a proxied app gets and when the session ends; that its
sign-out links work; that the IdP's sign-in page carries no Microsoft branding;
that the My Apps tile lands on the configured relay state. A screenshot of each
page goes to $SEQUR_ARTIFACTS, else tests/integration/artifacts/
(browser_demo_*.png).
"""
import datetime
import os
import sys
import unittest

import harness
import test_browser
from test_browser import BrowserTestCase

sys.path.insert(0, os.path.join(harness.SRCDIR, "scripts"))
import demo  # noqa: E402

# Microsoft's four-square logo colours and its brand blue.
MICROSOFT_COLOURS = ("#f25022", "#7fba00", "#00a4ef", "#ffb900", "#0067b8")


def tearDownModule():
    test_browser.tearDownModule()


class DemoPages(BrowserTestCase):

    @classmethod
    def start_servers(cls):
        cls.apache, cls.idp = demo.start()
        cls.tmp = harness.tempdir("sequr-test-")
        cls.site = cls.apache.url

    def by(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text_of(self, element_id):
        found = self.by("#" + element_id)
        self.assertTrue(found, "no #%s on %s: %r" % (element_id, self.driver.current_url,
                                                     self.page_text()[:500]))
        return found[0].text

    def table(self, table_id):
        """The name -> value rows of one of the app page's tables."""
        rows = {}
        for tr in self.by("#%s tr" % table_id):
            cells = [c.text for c in tr.find_elements("css selector", "th, td")]
            if len(cells) == 2:
                rows[cells[0]] = cells[1]
        return rows

    def full_page_screenshot(self, name):
        """The whole page, not only the first screen: the window as tall as the
        page for the screenshot (the shared browser's size is restored)."""
        size = self.driver.get_window_size()
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(size["width"], max(size["height"], height + 120))
        try:
            return self.screenshot(name)
        finally:
            self.driver.set_window_size(size["width"], size["height"])

    def assert_no_microsoft_branding(self):
        self.assertEqual(self.by(".brand")[0].text.split(), ["C", "Contoso"], "the tenant's brand")
        self.assertEqual(self.by("img"), [], "no logo image")
        source = self.driver.page_source.lower()
        for colour in MICROSOFT_COLOURS:
            self.assertNotIn(colour, source)
        card = self.by(".card")[0].text
        note = self.by(".note")[0].text
        self.assertNotIn("Microsoft", card.replace(note, ""), "Microsoft only in the disclaimer")

    def test_sign_in_shows_what_the_application_gets_then_sign_out_here(self):
        app = self.site + demo.APP
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.driver.get(app)
        self.wait_for_idp()
        self.assertEqual(self.driver.title, "Sign in to your account")
        self.assert_no_microsoft_branding()
        self.screenshot("demo_idp_sign_in")

        self.sign_in_at_idp(demo.DEMO_USER)
        self.wait_for_url(app)
        after = datetime.datetime.now(datetime.timezone.utc)
        self.assertEqual(self.text_of("user"), demo.DEMO_USER)
        env = self.table("env")
        self.assertEqual(env.get("REMOTE_USER"), demo.DEMO_USER, env)
        self.assertEqual(env.get("AUTH_TYPE"), "sequr-saml", env)
        self.assertEqual(env.get("SEQUR_SAML_NAME_ID"), demo.DEMO_USER, env)
        self.assertEqual(env.get("SEQUR_SAML_DISPLAYNAME"), "Britta Simon", env)
        self.assertEqual(env.get("SEQUR_SAML_TENANTID"), self.idp.tenant, env)
        headers = self.table("headers")
        self.assertEqual(headers.get("Sequr-SAML-Remote-User"), demo.DEMO_USER, headers)
        self.assertEqual(headers.get("Sequr-SAML-Name-Id"), demo.DEMO_USER, headers)
        self.assertEqual(headers.get("Sequr-SAML-Displayname"), "Britta Simon", headers)
        # The session's end as the module exported it: sign-in + the default 8 hours.
        shown = self.text_of("session-expires")
        self.assertEqual(env.get("SEQUR_SAML_SESSION_EXPIRES"), shown)
        end = datetime.datetime.strptime(shown, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        eight_hours = datetime.timedelta(hours=8)
        self.assertTrue(before + eight_hours <= end <= after + eight_hours, shown)
        self.assertRegex(self.text_of("session-left"), r"^in [78] h \d\d min$")
        self.assertIn("60 minutes without a request", self.page_text())
        self.full_page_screenshot("demo_app_page")

        self.by("#my-apps")[0].click()
        self.wait_for("My Apps", lambda: self.driver.current_url.startswith(
            self.idp.base_url + "/myapps?") and self.has_element("app-tile"))
        self.assertEqual(self.text_of("myapps-who"), demo.DEMO_USER)
        self.assertIn(demo.APP_NAME, self.text_of("app-tile"))
        self.assert_no_microsoft_branding()
        self.screenshot("demo_my_apps")

        self.driver.get(app)
        self.wait_for_url(app)
        self.by("#logout-local")[0].click()
        self.wait_for_url(self.site + demo.SIGNED_OUT)
        self.assertEqual(self.text_of("signed-out"), "You signed out of this site")
        self.assertEqual(self.session_cookies(), [])
        self.screenshot("demo_signed_out")
        self.driver.get(app)
        self.wait_for_idp()

    def test_my_apps_tile_lands_on_the_relay_state_then_sign_out_at_the_idp(self):
        self.driver.get(self.idp.base_url + "/myapps")
        self.wait_for("My Apps' user field", lambda: self.has_element("myapps-user"))
        self.by("#myapps-user")[0].send_keys(demo.DEMO_USER)
        self.by("#myapps-next")[0].click()
        self.wait_for("the app's tile", lambda: self.has_element("app-tile"))
        self.by("#app-tile")[0].click()
        self.wait_for_url(self.site + demo.RELAY_STATE)
        self.assertEqual(self.text_of("user"), demo.DEMO_USER)
        self.assert_session_cookie()
        self.full_page_screenshot("demo_app_page_from_my_apps")

        self.by("#logout-idp")[0].click()
        self.wait_for("the IdP's signed-out page", lambda: self.driver.current_url.startswith(
            self.idp.sso_url + "?SAMLResponse=") and
            "You signed out of your account" in self.page_text())
        self.assertEqual(self.session_cookies(), [])
        self.screenshot("demo_idp_signed_out")
        self.driver.get(self.site + demo.APP)
        self.wait_for_idp()


if __name__ == "__main__":
    unittest.main()
