"""Real browser: headless Chromium (Debian's chromium and chromedriver, driven
through python3-selenium) against a real Apache with the module and the
Azure-shaped IdP on another site (SP http://127.0.0.1:P, IdP http://localhost:Q).

These prove what curl cannot: that the cookie attributes we chose (session:
HttpOnly, SameSite=Lax, Path=/; sign-in request: Path=/saml/acs, no SameSite on
http, SameSite=None; Secure on https) survive a real browser's cross-site POST
from the IdP to the ACS, that the 303 after it carries the session into the deep link, that
scripts cannot read the cookie, and that fetch()/XHR get 401 instead of a
redirect they could not follow. And apps embedded in another site's iframe
(Teams tabs, SharePoint pages): with SequrSAMLCookieSameSite None the sign-in
completes inside the frame, with Lax Chromium neither keeps nor sends the
session cookie there, and where third-party cookies are blocked neither does
None.

Screenshots (IdP sign-in page, our error page) go to $SEQUR_ARTIFACTS, else
tests/integration/artifacts/. Skipped only when /usr/bin/chromium is absent;
a present chromium with a missing driver or selenium is an error, not a skip.
"""
import base64
import http.server
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import zlib

import harness
from harness import COOKIE, USER, SamlTestCase

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 15.0

# Every request Apache sees, with what the browser said about where it came from.
FETCH_LOG = ('LogFormat "%m %U%q %>s site=%{Sec-Fetch-Site}i mode=%{Sec-Fetch-Mode}i '
             'user=%u" fetchlog\nCustomLog "logs/fetch.log" fetchlog')


def artifacts_dir():
    d = os.environ.get("SEQUR_ARTIFACTS") or os.path.join(harness.HERE, "artifacts")
    os.makedirs(d, exist_ok=True)
    return d


class Chromium:
    """One headless Chromium with a throwaway profile."""

    def __init__(self, extra_args=(), prefs=None):
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError as e:
            raise AssertionError("%s is installed but python3-selenium is not "
                                 "(scripts/install-deps.sh): %s" % (CHROMIUM, e))
        if not os.access(CHROMEDRIVER, os.X_OK):
            raise AssertionError("%s is installed but %s is not (package chromium-driver)"
                                 % (CHROMIUM, CHROMEDRIVER))
        self.profile = tempfile.mkdtemp(prefix="sequr-chromium-")
        self.driver_log = os.path.join(self.profile, "chromedriver.log")
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--user-data-dir=" + self.profile,
                    "--window-size=1024,768", "--no-first-run", "--lang=en-US") + tuple(extra_args):
            opts.add_argument(arg)
        if prefs:
            opts.add_experimental_option("prefs", prefs)
        try:
            self.driver = webdriver.Chrome(
                service=Service(CHROMEDRIVER, log_path=self.driver_log), options=opts)
        except Exception as e:
            self.close()
            raise AssertionError("chromium did not start through chromedriver: %s" % e)
        self.driver.set_page_load_timeout(WAIT)

    def close(self):
        driver = getattr(self, "driver", None)
        if driver is not None:
            try:
                driver.quit()
            except Exception:
                pass
            self.driver = None
        shutil.rmtree(self.profile, ignore_errors=True)

    def cookies(self):
        """Every cookie the browser holds, on every site, with its attributes."""
        return self.driver.execute_cdp_cmd("Storage.getCookies", {})["cookies"]

    def clear_cookies(self):
        self.driver.execute_cdp_cmd("Storage.clearCookies", {})


_shared = []


def shared_browser():
    """One Chromium for the whole file (starting one costs seconds on a loaded
    machine); every test clears its cookies. It ignores certificate errors for
    BrowserHttps's self-signed certificate; the other classes speak plain http."""
    if not _shared:
        browser = Chromium(("--ignore-certificate-errors",))
        harness._cleanups.append(browser.close)     # also on an interrupted run
        _shared.append(browser)
    return _shared[0]


def tearDownModule():
    while _shared:
        _shared.pop().close()


class BrowserTestCase(SamlTestCase):
    """SamlTestCase plus one Chromium for the class; cookies cleared before each test.
    `site` is the SP's origin as the browser uses it."""
    extra = FETCH_LOG

    extra_modules = ""

    @classmethod
    def start_servers(cls):
        """What SamlTestCase starts, with extra_modules loaded too."""
        cls.apache = harness.Apache(servers=cls.servers, extra=cls.extra,
                                    extra_modules=cls.extra_modules)
        cls.idp = harness.IdPProcess(cls.apache.acs_url, sign=cls.sign, name_id=cls.idp_name_id,
                                     extra_args=cls.idp_args)
        cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                      cls.idp.issuer, **cls.idp_directives()))
        cls.apache.start()
        cls.tmp = harness.tempdir("sequr-test-")
        cls.site = cls.apache.url

    @classmethod
    def idp_directives(cls):
        """`directives` plus any that name the running IdP."""
        return dict(cls.directives)

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(CHROMIUM):
            raise unittest.SkipTest("browser tests need %s (Debian package chromium, "
                                    "scripts/install-deps.sh)" % CHROMIUM)
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.start_servers()
        try:
            cls.browser = shared_browser()
        except BaseException:
            super().tearDownClass()
            raise
        cls.driver = cls.browser.driver

    def setUp(self):
        self.browser.clear_cookies()
        self.fetch_mark = self.fetch_log_size()

    # ----------------------------------------------------------- what the browser shows

    def wait_for(self, what, condition, timeout=WAIT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.05)
        self.fail("browser never reached %s; it is at %s showing %r" % (
            what, self.driver.current_url, self.page_text()[:500]))

    def wait_for_url(self, url):
        self.wait_for(url, lambda: self.driver.current_url == url)

    def wait_for_idp(self):
        self.wait_for("the IdP sign-in page",
                      lambda: self.driver.current_url.startswith(self.idp.sso_url + "?")
                      and self.has_element("signin"))

    def has_element(self, element_id):
        from selenium.webdriver.common.by import By
        return bool(self.driver.find_elements(By.ID, element_id))

    def page_text(self):
        from selenium.webdriver.common.by import By
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text
        except Exception:
            return ""

    def shown(self):
        """NAME=value lines of the whoami CGI as the browser renders them."""
        return dict(re.findall(r"^(\w+)=(.*)$", self.page_text(), re.M))

    def screenshot(self, name):
        path = os.path.join(artifacts_dir(), "browser_%s.png" % name)
        self.assertTrue(self.driver.save_screenshot(path), path)
        with open(path, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", path)
        self.assertGreater(os.path.getsize(path), 2000, "an empty screenshot: %s" % path)
        return path

    def session_cookie_name(self):
        """On https the session cookie carries the __Host- prefix."""
        return ("__Host-" if self.site.startswith("https:") else "") + COOKIE

    def session_cookies(self):
        return [c for c in self.browser.cookies() if c["name"] == self.session_cookie_name()]

    def request_cookies(self):
        """Every sign-in request cookie the browser holds, whatever page it is on
        (they are limited to /saml/acs, so WebDriver's own list misses them)."""
        return [c for c in self.driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
                if "-req-" in c["name"]]

    def assert_request_cookie(self):
        """One sign-in request cookie: host-only, sent to /saml/acs only, HttpOnly,
        expiring; on https Secure + SameSite=None (Entra's POST is cross-site), on
        http no SameSite attribute (browsers refuse None without Secure)."""
        cookies = self.request_cookies()
        self.assertEqual(len(cookies), 1, cookies)
        c = cookies[0]
        https = self.site.startswith("https:")
        self.assertEqual(c["domain"], "127.0.0.1", c)
        self.assertEqual(c["path"], "/saml/acs", c)
        self.assertTrue(c["httpOnly"], c)
        self.assertFalse(c["session"], "expires with the request: %r" % c)
        self.assertEqual(c["secure"], https, c)
        if https:
            self.assertEqual(c.get("sameSite"), "None", c)
            self.assertTrue(c["name"].startswith("__Secure-"), c)
        return c

    def post_from_here(self, response, relay):
        """POST a SAMLResponse to the ACS from the page the browser is on (the
        IdP's site, like its auto-post form, or an attacker's page)."""
        self.driver.execute_script("""
            const [acs, response, relay] = arguments;
            const f = document.createElement('form');
            f.method = 'POST'; f.action = acs;
            for (const [k, v] of [['SAMLResponse', response], ['RelayState', relay]]) {
                const i = document.createElement('input');
                i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
            }
            document.body.appendChild(f); f.submit();""", self.apache.acs_url, response, relay)

    def assert_session_cookie(self, same_site="Lax"):
        """Exactly one session cookie, for the SP's host only, with our attributes:
        Secure exactly when the site is https."""
        cookies = self.session_cookies()
        self.assertEqual(len(cookies), 1, cookies)
        c = cookies[0]
        self.assertEqual(c["domain"], "127.0.0.1", c)
        self.assertEqual(c["path"], "/", c)
        self.assertTrue(c["httpOnly"], c)
        self.assertEqual(c.get("sameSite"), same_site, c)
        self.assertEqual(c["secure"], self.site.startswith("https:"), c)
        self.assertTrue(c["session"], "a browser-session cookie (no Max-Age): %r" % c)
        self.assertNotIn(COOKIE, self.driver.execute_script("return document.cookie"),
                         "HttpOnly: scripts must not read the session cookie")
        return c

    # ----------------------------------------------------------- what Apache saw

    def fetch_log_path(self):
        return os.path.join(self.apache.root, "logs", "fetch.log")

    def fetch_log_size(self):
        try:
            return os.path.getsize(self.fetch_log_path())
        except FileNotFoundError:
            return 0

    def requests_seen(self):
        """Apache's request lines since setUp (method, path?query, status, site, mode, user)."""
        with open(self.fetch_log_path(), errors="replace") as f:
            f.seek(self.fetch_mark)
            text = f.read()
        return re.findall(r"^(\S+) (\S+) (\d+) site=(\S+) mode=(\S+) user=(\S+)$", text, re.M)

    FIELDS = ("method", "path", "status", "site", "mode", "user")

    def assert_seen(self, method, path, fields, expected, prefix=False):
        """The requests Apache logged for method and path (or path prefix) since
        setUp, as the named fields (one name: plain values), equal expected.
        Waits (bounded): Apache writes a line just after the browser has the answer.
        Returns the matching log rows."""
        def matching():
            return [r for r in self.requests_seen() if r[0] == method and
                    (r[1].startswith(path) if prefix else r[1] == path)]

        def project(rows):
            if isinstance(fields, str):
                return [r[self.FIELDS.index(fields)] for r in rows]
            return [tuple(r[self.FIELDS.index(f)] for f in fields) for r in rows]
        deadline = time.time() + 5
        rows = matching()
        while project(rows) != expected and time.time() < deadline:
            time.sleep(0.05)
            rows = matching()
        self.assertEqual(project(rows), expected, self.requests_seen())
        return rows

    # ----------------------------------------------------------- flows

    def sign_in_at_idp(self, user=USER):
        from selenium.webdriver.common.by import By
        self.driver.find_element(By.ID, "username").send_keys(user)
        self.driver.find_element(By.ID, "signin").click()

    def sign_in_from(self, path, user=USER):
        """Browse to path, sign in at the IdP, end up back on path signed in."""
        self.driver.get(self.site + path)
        self.wait_for_idp()
        self.sign_in_at_idp(user)
        self.wait_for_url(self.site + path)
        self.assertEqual(self.shown().get("REMOTE_USER"), user, self.page_text())

    def request_id_in_url(self):
        """The ID of the AuthnRequest the browser carried to the IdP."""
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.driver.current_url).query)
        xml = zlib.decompress(base64.b64decode(q["SAMLRequest"][0]), -15)
        return re.search(rb'\bID="([^"]+)"', xml).group(1).decode(), q["RelayState"][0]


class BrowserSignIn(BrowserTestCase):

    def test_sp_initiated_deep_link_comes_back_with_its_query(self):
        deep = "/protected/deep/page?x=1&y=a%20b"
        self.driver.get(self.site + deep)
        self.wait_for_idp()
        idp = urllib.parse.urlsplit(self.driver.current_url)
        self.assertEqual(idp.hostname, "localhost", "the IdP is another site than the SP")
        self.assertEqual(self.driver.title, "Sign in to your account")
        self.screenshot("idp_sign_in")
        self.assertEqual(self.session_cookies(), [], "no session before the sign-in")
        self.assert_request_cookie()

        self.sign_in_at_idp()
        self.wait_for_url(self.site + deep)
        shown = self.shown()
        self.assertEqual(shown.get("REMOTE_USER"), USER, self.page_text())
        self.assertEqual(shown.get("PATH_INFO"), "/deep/page")
        self.assertEqual(shown.get("QUERY_STRING"), "x=1&y=a%20b")
        self.assert_session_cookie()

        # The ACS POST came cross-site from the IdP and still carried the sign-in
        # request cookie (the ACS refuses it otherwise), which it then cleared; the
        # GET after its 303 is still a cross-site navigation, where only Lax (not
        # Strict) lets the new cookie through: the page above shows it did.
        self.assertEqual(self.request_cookies(), [], "the ACS clears the used request cookie")
        self.assert_seen("POST", "/saml/acs", ("status", "site", "mode"),
                         [("303", "cross-site", "navigate")])
        self.assert_seen("GET", deep, ("status", "site", "user"),
                         [("302", "none", "-"), ("200", "cross-site", USER)])

    def test_two_tabs_signing_in_at_once_each_land_on_their_own_page(self):
        """Two sign-ins in flight in one browser (a restored session with several
        tabs): each pending request has its own cookie, named after its request
        ID, so neither overwrites the other and both land where they started."""
        first = self.driver.current_window_handle
        self.driver.get(self.site + "/protected/tab/one?t=1")
        self.wait_for_idp()
        self.driver.switch_to.new_window("tab")
        second = self.driver.current_window_handle
        try:
            self.driver.get(self.site + "/protected/tab/two?t=2")
            self.wait_for_idp()
            self.sign_in_at_idp()
            self.wait_for_url(self.site + "/protected/tab/two?t=2")
            self.assertEqual(self.shown().get("QUERY_STRING"), "t=2")
            self.driver.switch_to.window(first)
            self.sign_in_at_idp()       # the older request, after the newer one finished
            self.wait_for_url(self.site + "/protected/tab/one?t=1")
            self.assertEqual(self.shown().get("REMOTE_USER"), USER, self.page_text())
            self.assertEqual(self.shown().get("QUERY_STRING"), "t=1")
        finally:
            self.driver.switch_to.window(second)
            self.driver.close()
            self.driver.switch_to.window(first)
        self.assert_seen("POST", "/saml/acs", "status", ["303", "303"])
        self.assert_session_cookie()

    def test_idp_initiated_tile_lands_on_relay_state_signed_in(self):
        target = "/protected/tile?from=myapps"
        self.driver.get(self.idp.base_url + "/initiate?" + urllib.parse.urlencode(
            {"user": USER, "relay": target}))
        self.wait_for_url(self.site + target)
        shown = self.shown()
        self.assertEqual(shown.get("REMOTE_USER"), USER, self.page_text())
        self.assertEqual(shown.get("QUERY_STRING"), "from=myapps")
        self.assert_session_cookie()
        self.assert_seen("POST", "/saml/acs", "site", ["cross-site"])

    def test_local_logout_ends_the_session(self):
        self.sign_in_from("/protected/before-logout")
        self.assert_session_cookie()
        self.driver.get(self.site + "/saml/logout?ReturnTo=/")
        self.wait_for_url(self.site + "/")
        self.assertIn("landing page", self.page_text())
        self.assertEqual(self.session_cookies(), [], "logout clears the cookie")

        self.driver.get(self.site + "/protected/after-logout")
        self.wait_for_idp()
        self.assert_seen("GET", "/protected/after-logout", "status", ["302"])

    def test_logged_out_cookie_is_dead_on_the_server(self):
        """Put the old cookie back after logout: the server has forgotten the session."""
        self.sign_in_from("/protected/replayed")
        old = self.assert_session_cookie()
        self.driver.get(self.site + "/saml/logout?ReturnTo=/")
        self.wait_for_url(self.site + "/")
        self.driver.add_cookie({"name": COOKIE, "value": old["value"], "path": "/"})
        self.driver.get(self.site + "/protected/replayed")
        self.wait_for_idp()

    def fetch(self, path, headers, xhr=False):
        """status, redirected, final URL and WWW-Authenticate of a script's request."""
        script = """
            const [path, headers, xhr, done] = arguments;
            if (xhr) {
                const x = new XMLHttpRequest();
                x.open('GET', path);
                for (const k in headers) x.setRequestHeader(k, headers[k]);
                x.onloadend = () => done({status: x.status, redirected: x.responseURL !== location.origin + path,
                                          url: x.responseURL, auth: x.getResponseHeader('WWW-Authenticate'),
                                          body: x.responseText});
                x.send();
            } else {
                fetch(path, {headers: headers}).then(
                    r => r.text().then(t => done({status: r.status, redirected: r.redirected, url: r.url,
                                                  auth: r.headers.get('WWW-Authenticate'), body: t})),
                    e => done({status: -1, redirected: null, url: null, auth: null, body: String(e)}));
            }"""
        self.driver.set_script_timeout(WAIT)
        return self.driver.execute_async_script(script, path, headers, xhr)

    def test_api_requests_get_401_not_a_redirect(self):
        self.driver.get(self.site + "/")
        realm = 'SAML realm="%s"' % harness.SP_ENTITY_ID
        for name, headers, xhr in (("fetch json", {"Accept": "application/json"}, False),
                                   ("plain fetch", {}, False),
                                   ("xhr", {"X-Requested-With": "XMLHttpRequest"}, True)):
            with self.subTest(name):
                r = self.fetch("/protected/api", headers, xhr)
                self.assertEqual(r["status"], 401, r)
                self.assertFalse(r["redirected"], r)
                self.assertEqual(r["url"], self.site + "/protected/api", r)
                self.assertEqual(r["auth"], realm, r)
        self.assertEqual(self.driver.current_url, self.site + "/",
                         "the page that made the calls stays where it is")
        self.assert_seen("GET", "/protected/api", "status", ["401"] * 3)

        # Signed in, the same calls from a page of the site carry the cookie and pass.
        self.sign_in_from("/protected/app")
        r = self.fetch("/protected/api", {"Accept": "application/json"})
        self.assertEqual(r["status"], 200, r)
        self.assertIn("REMOTE_USER=%s" % USER, r["body"])

    def test_acs_opened_as_a_page_shows_our_page_with_a_reference(self):
        """A bookmarked or reloaded ACS address: a GET, answered with the same short
        page and a reference, not a blank or server error."""
        mark = self.apache.log_mark()
        self.driver.get(self.apache.acs_url)
        self.assertEqual(self.driver.title, "Sign-in problem")
        from selenium.webdriver.common.by import By
        ref = self.driver.find_element(By.TAG_NAME, "code").text
        self.assertRegex(self.apache.log_since(mark, expect=re.escape(ref)),
                         r"\[check method\] GET to the ACS.*%s" % re.escape(ref))
        self.assert_seen("GET", "/saml/acs", "status", ["405"])

    def test_tampered_response_shows_our_page_with_a_reference(self):
        self.driver.get(self.site + "/protected/target")
        self.wait_for_idp()
        rid, relay = self.request_id_in_url()
        xml = base64.b64decode(self.response(rid)).replace(USER.encode(),
                                                           b"admin@contoso.example")
        mark = self.apache.log_mark()
        # Posted from the IdP's site like its own auto-post form, but altered after signing.
        self.driver.execute_script("""
            const [acs, response, relay] = arguments;
            const f = document.createElement('form');
            f.method = 'POST'; f.action = acs;
            for (const [k, v] of [['SAMLResponse', response], ['RelayState', relay]]) {
                const i = document.createElement('input');
                i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
            }
            document.body.appendChild(f); f.submit();""",
            self.apache.acs_url, base64.b64encode(xml).decode(), relay)
        self.wait_for_url(self.apache.acs_url)
        self.wait_for("our error page", lambda: "Sign-in problem" in self.page_text())
        self.assertEqual(self.driver.title, "Sign-in problem")
        from selenium.webdriver.common.by import By
        ref = self.driver.find_element(By.TAG_NAME, "code").text
        self.assertRegex(ref, r"^[0-9A-Za-z_-]{6,}$")
        self.assertNotIn("signature", self.page_text().lower(), "the page tells nothing of why")
        self.screenshot("error_page")
        log = self.apache.log_since(mark, expect=re.escape(ref))
        self.assertRegex(log, r"sequr_saml.*\[check signature\].*%s" % re.escape(ref))
        self.assertEqual(self.session_cookies(), [])
        self.assert_seen("POST", "/saml/acs", ("status", "site"), [("403", "cross-site")])


    def test_response_obtained_elsewhere_is_refused_in_this_browser(self):
        """Login CSRF: an attacker starts a sign-in of their own, has the IdP
        answer it for their account, and makes the victim's browser post that
        answer (here from the IdP's site, cross-site as Entra's form is). The
        victim's browser holds no cookie for that request: refused, with our
        page, and the victim is not signed in as the attacker. The victim's own
        sign-in, in flight at the same time, still completes."""
        attacker_rid, attacker_relay, _ = self.start_login("/protected/attacker")
        evil = self.response(attacker_rid, user="mallory@contoso.example")
        self.driver.get(self.site + "/protected/victim")
        self.wait_for_idp()
        mark = self.apache.log_mark()
        self.post_from_here(evil, attacker_relay)
        self.wait_for_url(self.apache.acs_url)
        self.wait_for("our error page", lambda: "Sign-in problem" in self.page_text())
        self.assertIn("not started in this browser", self.page_text())
        from selenium.webdriver.common.by import By
        ref = self.driver.find_element(By.TAG_NAME, "code").text
        self.assertRegex(self.apache.log_since(mark, expect=re.escape(ref)),
                         r"\[check request-cookie\].*%s" % re.escape(ref))
        self.assertEqual(self.session_cookies(), [])
        self.assert_seen("POST", "/saml/acs", ("status", "site"), [("403", "cross-site")])
        self.driver.get(self.site + "/protected/victim")
        self.wait_for_idp()
        self.sign_in_at_idp()
        self.wait_for_url(self.site + "/protected/victim")
        self.assertEqual(self.shown().get("REMOTE_USER"), USER, self.page_text())

    def test_idp_initiated_needs_no_request_cookie(self):
        """SequrSAMLAllowUnsolicited On (the default): the My Apps tile signs in
        with no sign-in started here, so no cookie can bind it (docs/SECURITY.md)."""
        self.driver.get(self.idp.base_url + "/initiate?" + urllib.parse.urlencode(
            {"user": USER, "relay": "/protected/tile2"}))
        self.wait_for_url(self.site + "/protected/tile2")
        self.assertEqual(self.shown().get("REMOTE_USER"), USER, self.page_text())
        self.assertEqual(self.request_cookies(), [])

class BrowserIdleTimeout(BrowserTestCase):
    directives = {"SessionIdleTimeout": 3}

    def test_idle_browser_is_sent_to_sign_in_again(self):
        self.sign_in_from("/protected/idle")
        for _ in range(4):              # 4 s in total, never 3 s idle (room for a slow page)
            time.sleep(1)
            self.driver.refresh()
            self.assertEqual(self.shown().get("REMOTE_USER"), USER, self.page_text())
        time.sleep(4)
        self.driver.refresh()
        self.wait_for_idp()
        stale = self.session_cookies()
        self.assertEqual(len(stale), 1,
                         "the browser still holds the cookie: the server ended the session")
        self.sign_in_at_idp()
        self.wait_for_url(self.site + "/protected/idle")
        self.assertEqual(self.shown().get("REMOTE_USER"), USER, self.page_text())
        self.assertNotEqual(self.assert_session_cookie()["value"], stale[0]["value"],
                            "a new session id replaces the stale cookie")
        self.assert_seen("GET", "/protected/idle", "status",
                         ["302", "200", "200", "200", "200", "200", "302", "200"])


class BrowserSingleLogout(BrowserTestCase):
    """SequrSAMLIdPSLOURL set (Entra's Logout URL is its sign-on URL): logout goes
    through the IdP and back, each leg a cross-site top-level navigation."""

    @classmethod
    def idp_directives(cls):
        return dict(cls.directives, IdPSLOURL=cls.idp.sso_url)

    def test_logout_round_trip_through_the_idp(self):
        self.sign_in_from("/protected/slo")
        # The app's "Sign out" link, followed from its page.
        self.driver.execute_script("location.href = '/saml/logout?ReturnTo=/'")
        self.wait_for_url(self.site + "/")
        self.assertIn("landing page", self.page_text())
        self.assertEqual(self.session_cookies(), [], "logout clears the cookie")
        logout = self.assert_seen("GET", "/saml/logout", ("status", "site"),
                                  [("303", "same-origin"), ("303", "cross-site")], prefix=True)
        self.assertEqual(logout[0][1], "/saml/logout?ReturnTo=/")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(logout[1][1]).query)
        answer = zlib.decompress(base64.b64decode(q["SAMLResponse"][0]), -15)
        self.assertIn(b"LogoutResponse", answer)
        self.assertIn(b"urn:oasis:names:tc:SAML:2.0:status:Success", answer)

        self.driver.get(self.site + "/protected/slo")
        self.wait_for_idp()

    def test_sign_out_at_the_idp_ends_the_session_here(self):
        """Entra's front-channel logout: from its site the browser brings our logout
        URL a signed LogoutRequest; we end the session and send it back."""
        self.sign_in_from("/protected/elsewhere")
        old = self.assert_session_cookie()
        url = harness.az.make_logout_request(USER, self.site + "/saml/logout",
                                             tenant=self.idp.tenant, key=self.idp.key)
        self.driver.get(self.idp.base_url + "/my-apps")      # any page of the IdP's site
        self.driver.execute_script("location.href = arguments[0]", url)
        self.wait_for("the IdP's signed-out page",
                      lambda: self.driver.current_url.startswith(self.idp.sso_url + "?")
                      and "You signed out" in self.page_text())
        self.assert_seen("GET", "/saml/logout?SAMLRequest=", ("status", "site"),
                         [("303", "cross-site")], prefix=True)
        self.assertEqual(self.session_cookies(), [], "the Lax cookie came along and was cleared")
        self.driver.get(self.site + "/")
        self.driver.add_cookie({"name": COOKIE, "value": old["value"], "path": "/"})
        self.driver.get(self.site + "/protected/elsewhere")
        self.wait_for_idp()         # the session itself is gone, not only the cookie


def start_https_servers(cls, vhost_directives=""):
    """The SP on https://127.0.0.1:P (a second vhost, mod_ssl, a self-signed
    certificate) with vhost_directives inside its <VirtualHost>, the IdP on
    http://localhost:Q posting to it; cls.site is the https origin."""
    if not os.path.exists(os.path.join(harness.MODULES, "mod_ssl.so")):
        raise unittest.SkipTest("no mod_ssl for the https browser test")
    cls.tmp = harness.tempdir("sequr-tls-")
    crt, key = os.path.join(cls.tmp, "tls.crt"), os.path.join(cls.tmp, "tls.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                    "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", crt], check=True, capture_output=True)
    os.chmod(key, 0o644)
    port = harness.free_port()
    vhost = """
Listen 127.0.0.1:{p}
<VirtualHost 127.0.0.1:{p}>
    ServerName 127.0.0.1:{p}
    SSLEngine on
    SSLCertificateFile "{crt}"
    SSLCertificateKeyFile "{key}"
    {more}
</VirtualHost>
""".format(p=port, crt=crt, key=key, more=vhost_directives)
    cls.apache = harness.Apache(extra=FETCH_LOG + vhost, extra_modules=(
        "LoadModule ssl_module {m}/mod_ssl.so\n"
        "LoadModule socache_shmcb_module {m}/mod_socache_shmcb.so".format(m=harness.MODULES)))
    cls.site = "https://127.0.0.1:%d" % port
    cls.idp = harness.IdPProcess(cls.site + "/saml/acs")
    cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                  cls.idp.issuer))
    cls.apache.start()
    if not harness.wait_for_port(port, cls.apache.proc):
        raise AssertionError("TLS port did not open")


class BrowserHttps(BrowserTestCase):
    """The production shape: the SP on https (self-signed, so Chromium runs with
    --ignore-certificate-errors), the IdP's form posting to it from another site.
    The cookie must carry Secure and still come back after the ACS's 303."""

    @classmethod
    def start_servers(cls):
        start_https_servers(cls)

    def test_sp_initiated_over_https_with_secure_cookie(self):
        deep = "/protected/tls/page?a=1"
        self.driver.get(self.site + deep)
        self.wait_for_idp()
        self.assert_request_cookie()
        self.sign_in_at_idp()
        self.wait_for_url(self.site + deep)
        self.assertEqual(self.shown().get("REMOTE_USER"), USER, self.page_text())
        self.assertEqual(self.request_cookies(), [])
        self.assertEqual(self.session_cookie_name(), "__Host-" + COOKIE)
        self.assert_session_cookie()
        self.assert_seen("POST", "/saml/acs", ("status", "site"), [("303", "cross-site")])
        self.driver.get(self.site + "/saml/logout?ReturnTo=/")
        self.wait_for_url(self.site + "/")
        self.assertEqual(self.session_cookies(), [])


class EmbeddingSite:
    """Another site's page (http://localhost:E, like a Teams tab's host or a
    SharePoint page) that embeds the app in an iframe with id "app"."""

    def __init__(self, app_url):
        page = ('<!doctype html><html><head><title>Portal</title></head><body>'
                '<h1>Another site</h1><iframe id="app" src="%s" width="900" height="600">'
                '</iframe></body></html>' % app_url).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://localhost:%d/portal" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        harness._cleanups.append(self.stop)

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


# Chromium's profile setting for cookies in other sites' frames
# (CookieControlsMode: 0 off, 1 block third-party, 2 block in incognito only).
# The Debian chromium 156 used here blocks them in a fresh profile; Safari
# blocks them, Firefox partitions them.
THIRD_PARTY_COOKIES_ALLOWED = {"profile.cookie_controls_mode": 0,
                               "profile.block_third_party_cookies": False}
THIRD_PARTY_COOKIES_BLOCKED = {"profile.cookie_controls_mode": 1,
                               "profile.block_third_party_cookies": True}


class EmbeddedTestCase(BrowserTestCase):
    """The SP on https with SequrSAMLCookieSameSite `same_site` (None: not set),
    embedded in an iframe by a page of another site (http://localhost:E; the SP
    is https://127.0.0.1:P), in a Chromium of its own whose third-party cookie
    setting is `cookie_prefs`."""
    same_site = None
    cookie_prefs = THIRD_PARTY_COOKIES_ALLOWED
    deep = "/protected/embedded/page?tab=1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.browser = Chromium(("--ignore-certificate-errors",), prefs=cls.cookie_prefs)
        except BaseException:
            cls.tearDownClass()
            raise
        harness._cleanups.append(cls.browser.close)
        cls.driver = cls.browser.driver

    @classmethod
    def start_servers(cls):
        start_https_servers(cls, "SequrSAMLCookieSameSite %s" % cls.same_site
                            if cls.same_site else "")
        cls.portal = EmbeddingSite(cls.site + cls.deep)

    @classmethod
    def tearDownClass(cls):
        if cls.browser is not _shared[0]:
            cls.browser.close()
        cls.portal.stop()
        super().tearDownClass()

    def open_portal(self):
        """The other site's page, and WebDriver inside its iframe."""
        from selenium.webdriver.common.by import By
        self.driver.switch_to.default_content()
        self.driver.get(self.portal.url)
        self.wait_for("the portal", lambda: self.has_element("app"))
        self.driver.switch_to.frame(self.driver.find_element(By.ID, "app"))

    def frame_url(self):
        try:
            return self.driver.execute_script("return location.href")
        except Exception:
            return ""

    def wait_in_frame(self, what, condition):
        deadline = time.time() + WAIT
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.05)
        self.fail("the iframe never reached %s; it is at %s showing %r" % (
            what, self.frame_url(), self.page_text()[:500]))

    def wait_for_idp_in_frame(self):
        self.wait_in_frame("the IdP sign-in page",
                           lambda: self.frame_url().startswith(self.idp.sso_url + "?")
                           and self.has_element("signin"))

    def wait_for_app_in_frame(self):
        self.wait_in_frame(self.site + self.deep,
                           lambda: self.frame_url() == self.site + self.deep
                           and "REMOTE_USER=" in self.page_text())

    def sign_in_top_level(self):
        """Sign in in a top-level window first (as the Teams authentication
        pop-up does: Entra's own page is not framed)."""
        self.driver.switch_to.default_content()
        self.sign_in_from(self.deep)


class BrowserEmbeddedNone(EmbeddedTestCase):
    """SequrSAMLCookieSameSite None, third-party cookies allowed (Chromium's
    "Allow third-party cookies"): the app works inside another site's iframe,
    signed in there or in a top-level window before."""
    same_site = "None"

    def test_sign_in_completes_inside_the_iframe(self):
        self.open_portal()
        self.wait_for_idp_in_frame()
        self.assertEqual(self.driver.execute_script("return window.top === window"), False)
        self.assert_request_cookie()
        self.sign_in_at_idp()
        self.wait_for_app_in_frame()
        self.assertEqual(self.shown().get("REMOTE_USER"), USER, self.page_text())
        self.assertEqual(self.shown().get("QUERY_STRING"), "tab=1")
        self.assertEqual(self.request_cookies(), [], "the ACS clears the used request cookie")
        self.assert_session_cookie("None")
        # Inside the frame every request is cross-site to the top page; the
        # request cookie came with the IdP's POST and the session cookie with
        # the GET after the 303.
        self.assert_seen("POST", "/saml/acs", ("status", "site"), [("303", "cross-site")])
        self.assert_seen("GET", self.deep, ("status", "user"), [("302", "-"), ("200", USER)])
        self.driver.switch_to.default_content()

    def test_session_from_a_top_level_sign_in_is_sent_in_the_iframe(self):
        self.sign_in_top_level()
        self.assert_session_cookie("None")
        self.fetch_mark = self.fetch_log_size()
        self.open_portal()
        self.wait_for_app_in_frame()
        self.assertEqual(self.shown().get("REMOTE_USER"), USER, self.page_text())
        self.assert_seen("GET", self.deep, ("status", "site", "user"),
                         [("200", "cross-site", USER)])
        self.driver.switch_to.default_content()


class BrowserEmbeddedLax(EmbeddedTestCase):
    """The default, Lax, third-party cookies allowed (so SameSite alone decides):
    Chromium neither sends the session cookie in another site's iframe nor
    keeps one set there; the app cannot sign anyone in inside the frame, and
    stops at the IdP's page rather than looping."""

    def test_lax_session_is_not_sent_in_the_iframe(self):
        self.sign_in_top_level()
        self.assert_session_cookie("Lax")
        self.fetch_mark = self.fetch_log_size()
        self.open_portal()
        self.wait_for_idp_in_frame()
        self.assert_seen("GET", self.deep, ("status", "site", "user"),
                         [("302", "cross-site", "-")])
        self.driver.switch_to.default_content()

    def test_sign_in_inside_the_iframe_keeps_no_lax_cookie(self):
        self.open_portal()
        self.wait_for_idp_in_frame()
        self.sign_in_at_idp()
        # The ACS accepts the response (the request cookie is SameSite=None on
        # https and came with the POST) and sets the session cookie with its
        # 303, but Chromium keeps no Lax cookie from a response inside another
        # site's frame: the page that follows has no session and goes back to
        # the IdP.
        self.assert_seen("POST", "/saml/acs", ("status", "site"), [("303", "cross-site")])
        self.assert_seen("GET", self.deep, ("status", "user"), [("302", "-"), ("302", "-")])
        self.wait_for_idp_in_frame()
        self.assertEqual(self.session_cookies(), [])
        self.driver.switch_to.default_content()


class BrowserEmbeddedNoneBlocked(EmbeddedTestCase):
    """SequrSAMLCookieSameSite None where the browser blocks third-party cookies
    (this Chromium's default, Safari's): no cookie of ours is kept or sent in
    the frame whatever its SameSite, so the sign-in cannot finish there (the
    request cookie never reaches the ACS: 403, our page) and a top-level
    session is not seen in the frame (docs/SECURITY.md, Cookies)."""
    same_site = "None"
    cookie_prefs = THIRD_PARTY_COOKIES_BLOCKED

    def test_top_level_session_is_not_sent_in_the_iframe(self):
        self.sign_in_top_level()
        self.assert_session_cookie("None")
        self.fetch_mark = self.fetch_log_size()
        self.open_portal()
        self.wait_for_idp_in_frame()
        self.assert_seen("GET", self.deep, ("status", "site", "user"),
                         [("302", "cross-site", "-")])
        self.driver.switch_to.default_content()

    def test_sign_in_inside_the_iframe_is_refused_without_the_request_cookie(self):
        self.open_portal()
        self.wait_for_idp_in_frame()
        self.assertEqual(self.request_cookies(), [], "not kept in another site's frame")
        self.sign_in_at_idp()
        self.assert_seen("POST", "/saml/acs", ("status", "site"), [("403", "cross-site")])
        self.assertEqual(self.session_cookies(), [])
        self.driver.switch_to.default_content()
