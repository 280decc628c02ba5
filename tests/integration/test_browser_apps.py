"""What applications need, in a real browser (headless Chromium, as in
test_browser): a page of the site (a single-page app, public) asks
PATH/session with fetch() and shows 401 until the user follows its "Sign in"
link (PATH/login?ReturnTo=the page), signs in at the IdP and lands back on the
page, which then shows the user from PATH/session. A page of another origin
(the same server under the name localhost) fetching PATH/session with
credentials is refused by the server (403, Sec-Fetch-Site cross-site) and
the browser lets its script read nothing (no CORS header).
Screenshot: browser_apps_session.png.
"""
import json
import os
import urllib.parse

import harness
import test_browser
from harness import USER
from test_browser import BrowserTestCase, FETCH_LOG

APP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>App</title></head><body>
<a id="signin" href="/saml/login?ReturnTo=%2Fapp.html%3Ftab%3D2">Sign in</a>
<pre id="who">loading</pre>
<script>
fetch('/saml/session').then(r => r.text().then(t => {
    document.getElementById('who').textContent = r.status + ' ' + t;
}));
</script>
</body></html>
"""


def tearDownModule():
    test_browser.tearDownModule()


class BrowserSessionEndpoint(BrowserTestCase):
    directives = {"SessionInfo": "On"}
    extra = FETCH_LOG

    @classmethod
    def start_servers(cls):
        super().start_servers()
        with open(os.path.join(cls.apache.root, "htdocs", "app.html"), "w") as f:
            f.write(APP_PAGE)

    def shown_session(self, status):
        self.wait_for("the page's fetch of /saml/session",
                      lambda: self.page_text().split("\n")[-1].startswith(str(status) + " ")
                      or ("%d {" % status) in self.page_text())
        text = self.page_text()
        return json.loads(text[text.index("%d {" % status) + len(str(status)) + 1:])

    def test_page_of_the_site_reads_its_session(self):
        self.driver.get(self.site + "/app.html")
        self.assertEqual(self.shown_session(401), {"error": "no-session"})
        self.assert_seen("GET", "/saml/session", ("status", "site", "mode"),
                         [("401", "same-origin", "cors")])
        from selenium.webdriver.common.by import By
        self.driver.find_element(By.ID, "signin").click()
        self.wait_for_idp()
        self.sign_in_at_idp()
        self.wait_for_url(self.site + "/app.html?tab=2")
        body = self.shown_session(200)
        self.assertEqual(body["user"], USER)
        self.assertEqual(body["name_id"], USER)
        self.assertIn(USER, body["attributes"].get(
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", []))
        self.assertEqual(body["idle_timeout"], 3600)
        self.assertRegex(body["expires"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assert_session_cookie()
        self.screenshot("apps_session")

    def test_page_of_another_origin_is_refused(self):
        self.sign_in_from("/protected/page")
        other = "http://localhost:%d/app.html" % self.apache.port
        self.driver.get(other)
        mark = self.apache.log_mark()
        self.driver.set_script_timeout(test_browser.WAIT)
        result = self.driver.execute_async_script("""
            const [url, done] = arguments;
            fetch(url, {credentials: 'include'}).then(
                r => r.text().then(t => done('read ' + r.status + ' ' + t)),
                e => done('error ' + e));""", self.site + "/saml/session")
        self.assertTrue(result.startswith("error "), result)
        self.assertNotIn(USER, result)
        # The other origin's page asked its own /saml/session first (no
        # cookie of its host: 401), then ours cross-site: refused.
        self.assert_seen("GET", "/saml/session", ("status", "site"),
                         [("401", "same-origin"), ("403", "cross-site")])
        log = self.apache.log_since(mark, expect="SEQ02201")
        self.assertRegex(log, r"SEQ02201.*\[check cross-origin\].*Sec-Fetch-Site cross-site")


if __name__ == "__main__":
    import unittest
    unittest.main()
