"""Sign-in demands in a real browser (headless Chromium, as in test_browser):
a password-only session opening a `Require saml-mfa` page is sent to the
IdP again (ForceAuthn: the IdP, which keeps a session, shows its page
instead of answering at once), signs in with a second factor and lands on
the very page, query intact; a second sign-in without it ends on our 403
page, not in a loop. Screenshot: browser_step_up_refused.png."""
from selenium.webdriver.common.by import By  # noqa: F401  (test_browser needs selenium)

import test_browser
from harness import USER
from test_browser import BrowserTestCase, FETCH_LOG

PAGE = "/protected/mfa/report?id=7"


def tearDownModule():
    test_browser.tearDownModule()


class BrowserStepUp(BrowserTestCase):
    extra = FETCH_LOG + ("\n<Location /protected/mfa>\n    AuthType sequr-saml\n"
                         "    Require saml-mfa\n</Location>\n")
    idp_args = ("--sso-sessions",)

    def step_up_from_password_session(self):
        self.sign_in_from("/protected/page")
        self.driver.get(self.site + PAGE)
        # The IdP has a session, yet shows its page: the request said ForceAuthn.
        self.wait_for_idp()

    def test_step_up_with_mfa_lands_on_the_page(self):
        self.step_up_from_password_session()
        self.driver.find_element(By.ID, "mfa").click()
        self.sign_in_at_idp()
        self.wait_for_url(self.site + PAGE)
        shown = self.shown()
        self.assertEqual(shown.get("REMOTE_USER"), USER, self.page_text())
        self.assertEqual(shown.get("QUERY_STRING"), "id=7")
        self.assert_seen("POST", "/saml/acs", "status", ["303", "303"])

    def test_step_up_without_mfa_ends_on_a_403_page(self):
        self.step_up_from_password_session()
        self.sign_in_at_idp()
        self.wait_for("our refusal page",
                      lambda: "multi-factor authentication" in self.page_text())
        self.assertTrue(self.driver.current_url.endswith("/saml/acs"), self.driver.current_url)
        self.assert_seen("POST", "/saml/acs", "status", ["303", "403"])
        self.screenshot("step_up_refused")
