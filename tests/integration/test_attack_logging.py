"""The error log as an attack surface: values an attacker controls (NameID,
Issuer, Destination, InResponseTo, RelayState, the logout ReturnTo) must not
be able to start a line of their own (CR/LF and other controls escaped), and
secrets (the SAMLResponse, signature values, the session cookie) are never
written at levels above debug."""
import re
import urllib.parse

from attacks import AttackCase, encode, serialize, find, assertion_of
from harness import COOKIE, az

FORGED = "[sequr_saml:error] forged-by-the-attacker"
INJECT = "\r\n" + FORGED
MALLORY = "mallory@contoso.example"


def log_lines(text):
    """Lines as a log reader sees them: a bare CR starts one too."""
    return re.split(r"\r\n|\r|\n", text)


class LogInjection(AttackCase):

    def assert_not_forged(self, mark, expect):
        r"""No line starts with the forged text, and the value did reach the log
        escaped BY THE MODULE ("\x0d\x0a"; httpd then doubles the backslash).
        httpd alone would have written "\r\n": that would pass the line test
        but not this one, so the module's own escaping is what is tested."""
        log = self.apache.log_since(mark, expect=re.escape(expect))
        self.assertIn(expect, log, "the value never reached the log: %r" % log[-600:])
        self.assertRegex(log, r"x0d\\+x0a" + re.escape(FORGED),
                         "CR LF not escaped by the module")
        for line in log_lines(log):
            self.assertFalse(line.startswith(FORGED) or line.startswith("forged"),
                             "log line forged through a value: %r" % line)
        self.assertNotIn("\r", log)
        self.assertNotIn("\x1b", log)

    def test_relay_state(self):
        rid, relay, jar = self.login("/protected/log1")
        mark = self.apache.log_mark()
        r = self.post(self.signed(rid), "/x" + INJECT + "\x1b[2J", jar)
        self.assert_refused_by(r, 403, "relay-state", mark)
        self.assert_not_forged(mark, "forged-by-the-attacker")

    def test_in_response_to(self):
        mark = self.apache.log_mark()
        r = self.post(self.signed("_unknown" + INJECT), None, self.jar())
        # No request of ours, so no sign-in cookie for it in this browser.
        self.assert_refused_by(r, 403, "request-cookie", mark)
        self.assert_not_forged(mark, "forged-by-the-attacker")

    def test_issuer(self):
        rid, relay, jar = self.login("/protected/log3")
        mark = self.apache.log_mark()
        r = self.post(self.signed(rid, issuer="https://evil.example/" + INJECT), relay, jar)
        self.assert_refused_by(r, 403, "issuer", mark)
        self.assert_not_forged(mark, "forged-by-the-attacker")

    def test_destination(self):
        rid, relay, jar = self.login("/protected/log4")
        mark = self.apache.log_mark()
        r = self.post(self.signed(rid, destination="https://evil.example/" + INJECT), relay, jar)
        self.assert_refused_by(r, 403, "destination", mark)
        self.assert_not_forged(mark, "forged-by-the-attacker")

    def test_name_id_of_a_successful_sign_in(self):
        """The "signed in <user>" line: the IdP vouches for the value, not for
        the log. CR survives XML parsing only as &#13;, which lxml writes."""
        rid, relay, jar = self.login("/protected/log5")
        mark = self.apache.log_mark()
        r = self.post(self.signed(rid, user=MALLORY + INJECT), relay, jar)
        self.assertIn(r.status, (303, 403), r)
        self.assert_not_forged(mark, "forged-by-the-attacker")

    def test_status_message(self):
        """Azure's StatusMessage is quoted in the "status" refusal."""
        rid, relay, jar = self.login("/protected/log6")
        resp = self.build(rid)
        status = find(resp, "samlp:Status")
        find(status, "samlp:StatusCode").set("Value", az.STATUS_REQUESTER)
        message = status.makeelement("{%s}StatusMessage" % az.SAMLP)
        message.text = "AADSTS50105: no" + INJECT
        status.append(message)
        mark = self.apache.log_mark()
        r = self.post(self.sign_tree(resp), relay, jar)
        self.assert_refused_by(r, 403, "status", mark)
        self.assert_not_forged(mark, "forged-by-the-attacker")

    def test_logout_return_to(self):
        mark = self.apache.log_mark()
        r = self.get("/saml/logout?ReturnTo=" + urllib.parse.quote("//evil" + INJECT, safe=""))
        self.assertEqual(r.status, 303, r)
        self.assert_not_forged(mark, "forged-by-the-attacker")


class SecretsNotLogged(AttackCase):
    """An ordinary production level: LogLevel info, no sequr_saml:debug."""
    extra = "LogLevel info sequr_saml:info"

    def test_no_response_or_cookie_in_the_log(self):
        secrets = []            # SAMLResponse values and signature values posted

        def post(doc, relay, jar):
            b64 = doc if isinstance(doc, str) else encode(doc)
            secrets.append(b64)
            return self.post(b64, relay, jar)

        mark = self.apache.log_mark()
        # A sign-in, a visit, a logout.
        rid, relay, jar = self.login("/protected/secret")
        resp = self.signed(rid, user=MALLORY)
        secrets.append(find(assertion_of(resp), "ds:Signature/ds:SignatureValue").text)
        good = encode(resp)
        signed_in = post(good, relay, jar)
        self.assertEqual(signed_in.status, 303, signed_in)
        cookie = signed_in.cookie_value()
        self.assertEqual(self.get("/protected/secret", jar=jar).status, 200)
        # Refusals of several kinds, each logging a line.
        refusals = [
            (good, relay),                                                   # replay
            (self.signed(None, audience="https://other.example/"), None),    # audience
            (self.signed(None, key=self.evil_key, cert=self.evil_cert), None),  # signature
            (b"<!DOCTYPE x>" + serialize(self.signed(None)), None),         # xml
            (encode(self.signed(None))[:-7] + "*", None),                   # base64
        ]
        rid2, _, jar2 = self.login("/protected/secret2")
        refusals.append((self.signed(rid2), "/not-the-relay-state"))        # relay-state
        for doc, rs in refusals:
            r = post(doc, rs, self.jar())
            self.assertGreaterEqual(r.status, 400, r)
        # A forged cookie and a bad one for the same name: logged at debug only.
        self.get("/protected/secret", cookie="%s=%s" % (COOKIE, "B" * 43))
        out = self.get("/saml/logout", jar=jar)
        self.assertEqual(out.status, 303, out)

        log = self.apache.log_since(mark, expect=r"\[check relay-state\]")
        self.assertEqual(len(re.findall(r"sign-in refused", log)), len(refusals), log)
        self.assertNotIn("[sequr_saml:debug]", log, "the server is not at LogLevel info")

        windows = {log[i:i + 40] for i in range(max(0, len(log) - 39))}
        for s in secrets:
            leaked = [s[i:i + 40] for i in range(len(s) - 39) if s[i:i + 40] in windows]
            self.assertEqual(leaked, [], "a 40-character slice of a posted secret is in the log")
        for i in range(len(cookie) - 15):
            self.assertNotIn(cookie[i:i + 16], log, "part of the session cookie is in the log")
