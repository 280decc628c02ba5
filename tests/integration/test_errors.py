"""Errors people can act on: every refusal has the right status, a short page
with a reference and no protocol detail, a log line with the same reference
naming the check and the values compared; an admin's ErrorDocument (CGI,
local file, or text, also inside <Location>) replaces our page and gets the
check and the reference in the environment."""
import os
import re
import time

import harness
import test_user_store as tus
from harness import SamlTestCase, USER, curl

ERRDOC = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'ERROR=%s\\n' "$REDIRECT_SEQUR_SAML_ERROR"
printf 'ERROR_ID=%s\\n' "$REDIRECT_SEQUR_SAML_ERROR_ID"
printf 'STATUS=%s\\n' "$REDIRECT_STATUS"
"""
FILE_PAGE = "<html><body>Our own 400 page</body></html>\n"


def log_line(case, mark, ref):
    """The error-log line (written after mark) that carries reference ref."""
    log = case.apache.log_since(mark, expect=ref)
    line = re.search(r"^.*%s.*$" % re.escape(ref), log, re.M)
    case.assertIsNotNone(line, log)
    return line.group(0)


class ErrorDocuments(SamlTestCase):
    extra = """
ScriptAlias /errdoc "{root}/cgi/errdoc"
ErrorDocument 403 /errdoc
ErrorDocument 400 /errors/400.html
<Location /saml>
    ErrorDocument 415 "Please send the sign-in form."
</Location>
"""

    @classmethod
    def setUpClass(cls):
        # The ServerRoot is only known once Apache exists: write the extra
        # config after the base class made it, then restart with it.
        super().setUpClass()
        root = cls.apache.root
        cls.apache.stop()
        script = os.path.join(root, "cgi", "errdoc")
        with open(script, "w") as f:
            f.write(ERRDOC)
        os.chmod(script, 0o755)
        os.makedirs(os.path.join(root, "htdocs", "errors"))
        with open(os.path.join(root, "htdocs", "errors", "400.html"), "w") as f:
            f.write(FILE_PAGE)
        cls.apache.extra = cls.extra.format(root=root)
        cls.apache.write_conf(cls.saml_conf())
        cls.apache.start()

    @classmethod
    def saml_conf(cls):
        return harness.saml_directives(cls.idp.sso_url, cls.idp.cert, cls.idp.issuer)

    def log_line(self, mark, ref):
        return log_line(self, mark, ref)

    def test_cgi_error_document_gets_check_and_reference(self):
        mark = self.apache.log_mark()
        r, _ = self.sign_in(audience="https://someone-else.example/")
        self.assertEqual(r.status, 403, r)
        self.assertIsNone(r.set_cookie(), r)
        got = self.whoami(r)
        self.assertEqual(got["ERROR"], "audience")
        self.assertEqual(got["STATUS"], "403")
        self.assertRegex(got["ERROR_ID"], r"^[0-9A-Za-z_-]{6,}$")
        line = self.log_line(mark, got["ERROR_ID"])
        self.assertIn("[check audience]", line)
        self.assertIn("https://sequr.example.test/saml", line)   # the value compared
        self.assertIn("no-store", r.header("Cache-Control") or "")

    def test_local_file_error_document(self):
        mark = self.apache.log_mark()
        r = self.post_acs("!!!not base64!!!")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.text, FILE_PAGE)
        log = self.apache.log_since(mark, expect="sign-in refused with 400")
        self.assertRegex(log, r"sign-in refused with 400 \[check [a-z0-9-]+\]")

    def test_text_error_document_inside_location(self):
        r = curl(self.apache.url + "/saml/acs", data={"SAMLResponse": "x"},
                 headers=("Content-Type: text/plain",))
        self.assertEqual(r.status, 415, r)
        self.assertIn("Please send the sign-in form.", r.text)

    def test_own_page_where_no_error_document(self):
        mark = self.apache.log_mark()
        r = self.get("/saml/acs")
        self.assert_refused(r, 405, "method", mark)
        self.assertIn("POST", r.header("Allow") or "")

    def test_too_large_is_413_with_our_page(self):
        mark = self.apache.log_mark()
        r = self.post_acs("A" * (400 * 1024))
        self.assert_refused(r, 413, "size", mark)

    def test_page_holds_no_protocol_detail(self):
        mark = self.apache.log_mark()
        r, _ = self.sign_in(issuer="https://sts.windows.net/evil-tenant/")
        self.assertEqual(r.status, 403, r)
        got = self.whoami(r)
        self.assertEqual(got["ERROR"], "issuer")
        for leak in ("evil-tenant", "urn:oasis", "<saml", "Traceback", USER):
            self.assertNotIn(leak, r.text)
        self.assertIn("evil-tenant", self.log_line(mark, got["ERROR_ID"]))


class OwnPages(SamlTestCase):
    """Without ErrorDocument every refusal is our short page with a reference."""

    def test_refusals_have_status_reference_and_log_line(self):
        cases = [
            (lambda: self.sign_in(audience="https://other.example/")[0], 403, "audience"),
            (lambda: self.post_acs("!!!"), 400, None),
            (lambda: curl(self.apache.url + "/saml/acs", data={"SAMLResponse": "x"},
                          headers=("Content-Type: text/plain",)), 415, "content-type"),
        ]
        for make, status, check in cases:
            mark = self.apache.log_mark()
            r = make()
            self.assertEqual(r.status, status, r)
            ref = re.search(r"<code>([0-9A-Za-z_-]{6,})</code>", r.text)
            self.assertIsNotNone(ref, r.text)
            self.assertLess(len(r.text), 1200)
            log = self.apache.log_since(mark, expect=ref.group(1))
            self.assertRegex(log, r"sign-in refused with %d \[check %s\].*%s"
                             % (status, check or r"[a-z0-9-]+", ref.group(1)))


class UserStoreErrorDocument(tus.UserStoreCase):
    """The refusals made inside a request phase (the user store's recheck in
    check_user_id) reach the ErrorDocument too, not only the ACS handler's."""

    @classmethod
    def populate(cls):
        tus.admin(cls.db, "user", "add", "dana@contoso.example")
        tus.admin(cls.db, "user", "activate", "dana@contoso.example")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        root = cls.apache.root
        cls.apache.stop()
        script = os.path.join(root, "cgi", "errdoc")
        with open(script, "w") as f:
            f.write(ERRDOC)
        os.chmod(script, 0o755)
        cls.apache.extra += 'ScriptAlias /errdoc "%s"\nErrorDocument 403 /errdoc\n' % script
        cls.apache.write_conf(harness.saml_directives(
            cls.idp.sso_url, cls.idp.cert, cls.idp.issuer, UserStore="dbd",
            UserRecheckInterval=cls.recheck, UserStoreContact='"%s"' % tus.CONTACT))
        cls.apache.start()

    def test_refusals_at_sign_in_and_at_recheck(self):
        mark = self.apache.log_mark()
        r, _ = self.sign_in(user="nobody@contoso.example")
        self.assertEqual(r.status, 403, r)
        got = self.whoami(r)
        self.assertEqual(got["ERROR"], "user-unknown")
        self.assertIn("[check user-unknown]", self.log_line(mark, got["ERROR_ID"]))

        r, jar = self.sign_in(user="dana@contoso.example")
        self.assertEqual(r.status, 303, r)
        tus.admin(self.db, "user", "deactivate", "dana@contoso.example")
        time.sleep(1.2)
        mark = self.apache.log_mark()
        refused = self.get("/protected/again", jar=jar)
        self.assertEqual(refused.status, 403, refused)
        got = self.whoami(refused)
        self.assertEqual(got["ERROR"], "user-inactive")
        self.assertEqual(got["STATUS"], "403")
        self.assertIn("[check user-inactive]", self.log_line(mark, got["ERROR_ID"]))

    def log_line(self, mark, ref):
        return log_line(self, mark, ref)


class StoreDownAtSignInStart(SamlTestCase):
    """A browser without a session while the session store is unreachable: the
    sign-in still starts (the pending request is in the browser's sealed cookie,
    nothing is written to the store), and the ACS, which needs the store, answers
    our 503 page with a reference, the same reference on the log line, never an
    authenticated page."""

    directives = {"Cache": "memcache:127.0.0.1:%d" % harness.free_port()}   # nobody listens

    def test_sign_in_start_is_503_with_reference(self):
        rid, relay, start = self.start_login("/protected/start")
        self.assertIsNotNone(start.request_cookie(), start)
        mark = self.apache.log_mark()
        r = self.post_acs(self.response(rid), relay)
        self.assertEqual(r.status, 503, r)
        self.assertIsNone(r.header("Location"), r)
        self.assertIsNone(r.set_cookie(), r)
        self.assertNotIn("REMOTE_USER", r.text)
        ref = re.search(r"<code>([0-9A-Za-z_-]{6,})</code>", r.text)
        self.assertIsNotNone(ref, r.text)
        log = self.apache.log_since(mark, expect=ref.group(1))
        self.assertRegex(log, r"refused with 503 \[check store\].*%s" % ref.group(1))
