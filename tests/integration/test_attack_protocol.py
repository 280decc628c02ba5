"""Protocol-level attacks: malformed dateTime values (Shibboleth 2018-12 crash
class), malformed KeyInfo (Santuario 2018-08 NULL derefs, CVE-2023-36661
fetches), missing elements (mellon 0.13 NULL derefs), replay (same process,
another process, after logout, after a graceful restart), timestamps just
inside and just outside the clock skew, audience / destination / recipient /
issuer mismatches, and InResponseTo of an unknown or answered request.

Hostile values inside the Assertion are signed by the real IdP key, so the
module's own rule is what refuses them."""
import datetime
import re
from concurrent.futures import ThreadPoolExecutor

from lxml import etree

from attacks import (AttackCase, PortWatch, VICTIM, q, find, assertion_of, signature_of,
                     encode, SP_ENTITY_ID)
from harness import az

MALLORY = "mallory@contoso.example"
NOW = az.utcnow
SECOND = datetime.timedelta(seconds=1)

BAD_TIMES = [
    "2026-13-40T99:99:99Z",             # the brief's example: nothing in range
    "2026-11-25T10:00:00",              # no zone: not an instant
    "10000-01-01T00:00:00Z",            # five-digit year
    "2026-02-30T00:00:00Z",             # no such day
    "2026-11-25T24:00:00Z",
    "2026-12-31T23:59:60Z",             # leap second: not an xs:dateTime value SAML uses
    "2026-11-25T10:00:00.12345678901234567890Z",    # 20 fractional digits
    "2026-11-25T10:00:00+15:00",        # zone beyond +14:00
    "2026-11-25 10:00:00Z",
    " 2026-11-25T10:00:00Z",
    "-2026-11-25T10:00:00Z",
    "",
]


def set_attr(resp, path, name, value):
    """Set (or with value None, remove) an attribute on the element at path
    ("." is the Response)."""
    e = resp if path == "." else find(resp, path)
    if value is None:
        e.attrib.pop(name, None)
    else:
        e.set(name, value)


def remove(resp, path):
    e = find(resp, path)
    e.getparent().remove(e)


class Malformed(AttackCase):

    def signed_with(self, rid, change, sign="assertion", **kw):
        """Build, change(resp) before signing (the IdP signs what it got), sign."""
        resp = self.build(rid, user=MALLORY, **kw)
        change(resp)
        return self.sign_tree(resp, sign=sign)

    def test_malformed_datetime_values(self):
        where = [("saml:Assertion/saml:Conditions", "NotOnOrAfter"),
                 ("saml:Assertion", "IssueInstant"),
                 ("saml:Assertion/saml:Subject/saml:SubjectConfirmation/"
                  "saml:SubjectConfirmationData", "NotOnOrAfter"),
                 ("saml:Assertion/saml:AuthnStatement", "AuthnInstant"),
                 (".", "IssueInstant")]
        for i, value in enumerate(BAD_TIMES):
            # Every value on Conditions; each other attribute gets a few values.
            for path, attr in where[:1] + [where[1 + i % (len(where) - 1)]]:
                with self.subTest(value=value, attribute=path.rsplit("/", 1)[-1] + "@" + attr):
                    self.refused(lambda rid: self.signed_with(
                        rid, lambda resp: set_attr(resp, path, attr, value)), 400, "time-format")

    def test_missing_required_times(self):
        for path, attr, check in (
                ("saml:Assertion", "IssueInstant", "time-format"),
                (".", "IssueInstant", "time-format"),
                ("saml:Assertion/saml:Conditions", "NotOnOrAfter", "not-on-or-after"),
                ("saml:Assertion/saml:Subject/saml:SubjectConfirmation/"
                 "saml:SubjectConfirmationData", "NotOnOrAfter", "not-on-or-after")):
            with self.subTest(missing=path.rsplit("/", 1)[-1] + "@" + attr):
                self.refused(lambda rid: self.signed_with(
                    rid, lambda resp: set_attr(resp, path, attr, None)), 403, check)

    def test_missing_elements(self):
        A = "saml:Assertion/"
        cases = [
            ("Assertion Issuer", lambda r: remove(r, A + "saml:Issuer"), "issuer"),
            ("Status", lambda r: remove(r, "samlp:Status"), "status"),
            ("StatusCode", lambda r: remove(r, "samlp:Status/samlp:StatusCode"), "status"),
            ("Subject", lambda r: remove(r, A + "saml:Subject"), "nameid"),
            ("NameID", lambda r: remove(r, A + "saml:Subject/saml:NameID"), "nameid"),
            ("SubjectConfirmation", lambda r: remove(
                r, A + "saml:Subject/saml:SubjectConfirmation"), "subject-confirmation"),
            ("SubjectConfirmationData", lambda r: remove(
                r, A + "saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData"),
             "subject-confirmation"),
            ("Conditions", lambda r: remove(r, A + "saml:Conditions"), "conditions"),
            ("AudienceRestriction", lambda r: remove(
                r, A + "saml:Conditions/saml:AudienceRestriction"), "audience"),
            ("AuthnStatement", lambda r: remove(r, A + "saml:AuthnStatement"),
             "authn-statement"),
            ("Destination", lambda r: set_attr(r, ".", "Destination", None), "destination"),
            ("Recipient", lambda r: set_attr(
                r, A + "saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData",
                "Recipient", None), "recipient"),
        ]
        for name, change, check in cases:
            with self.subTest(missing=name):
                self.refused(lambda rid: self.signed_with(rid, change), 403, check)

    def test_attribute_without_name(self):
        def nameless(value):
            def change(resp):
                a = find(resp, "saml:Assertion/saml:AttributeStatement/saml:Attribute")
                set_attr(a, ".", "Name", value)
            return change
        for value in (None, ""):
            with self.subTest(name=value):
                self.refused(lambda rid: self.signed_with(rid, nameless(value)), 403,
                             "attribute-name")

    def test_empty_name_id(self):
        self.refused(lambda rid: self.signed_with(
            rid, lambda r: setattr(find(r, "saml:Assertion/saml:Subject/saml:NameID"),
                                   "text", None)), 403, "nameid")

    def test_wrong_versions_and_ids(self):
        for name, change, status, check in (
                ("Response Version 1.1", lambda r: r.set("Version", "1.1"), 403, "version"),
                ("Assertion Version 1.1", lambda r: assertion_of(r).set("Version", "1.1"),
                 403, "version"),
                ("Response without ID", lambda r: set_attr(r, ".", "ID", None), 400, "root")):
            with self.subTest(name):
                self.refused(lambda rid: self.signed_with(rid, change), status, check)

    def test_error_status_with_a_signed_assertion(self):
        """A signed Assertion does not make a Requester status a success."""
        def change(resp):
            find(resp, "samlp:Status/samlp:StatusCode").set("Value", az.STATUS_REQUESTER)
        self.refused(lambda rid: self.signed_with(rid, change), 403, "status")

    def test_subject_confirmation_not_bearer(self):
        def change(resp):
            find(resp, "saml:Assertion/saml:Subject/saml:SubjectConfirmation").set(
                "Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")
        self.refused(lambda rid: self.signed_with(rid, change), 403, "subject-confirmation")


class MalformedKeyInfo(AttackCase):
    """KeyInfo is outside SignedInfo, so these changes keep a genuine signature
    valid: the module never needs KeyInfo (it only hints which configured
    certificate to try first), so a genuine signature still signs in and a
    forged one is still refused, and nothing is ever fetched."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.watch = PortWatch()

    @classmethod
    def tearDownClass(cls):
        cls.watch.close()
        super().tearDownClass()

    def keyinfos(self):
        def x509(text):
            return lambda ki: ki.append(element(q("ds:X509Data"), element(
                q("ds:X509Certificate"), text=text)))
        return {
            "empty X509Data": lambda ki: ki.append(element(q("ds:X509Data"))),
            "non-base64 certificate": x509("!!!not base64!!!"),
            "base64 that is not a certificate": x509(encode(b"not a certificate at all")),
            "truncated certificate": x509(az.cert_base64(self.idp.cert)[:200]),
            "RetrievalMethod": lambda ki: ki.append(element(
                q("ds:RetrievalMethod"), URI=self.watch.url + "cert",
                Type="http://www.w3.org/2000/09/xmldsig#rawX509Certificate")),
            "KeyName": lambda ki: ki.append(element(q("ds:KeyName"), text="idp")),
            "no KeyInfo": None,
        }

    def with_keyinfo(self, rid, fill, key=None, cert=None, user=MALLORY):
        resp = self.signed(rid, user=user, key=key, cert=cert)
        sig = signature_of(assertion_of(resp))
        ki = find(sig, "ds:KeyInfo")
        for c in list(ki):
            ki.remove(c)
        if fill is None:
            sig.remove(ki)
        else:
            fill(ki)
        return resp

    def test_genuine_signature_with_malformed_keyinfo_signs_in(self):
        for name, fill in self.keyinfos().items():
            with self.subTest(keyinfo=name):
                seen = self.accepted(lambda rid: self.with_keyinfo(rid, fill))
                self.assertEqual(seen["REMOTE_USER"], MALLORY)
        self.assertEqual(self.watch.connections, 0, "KeyInfo made the module fetch something")

    def test_forged_signature_with_malformed_keyinfo_is_refused(self):
        for name, fill in self.keyinfos().items():
            with self.subTest(keyinfo=name):
                self.refused(lambda rid: self.with_keyinfo(rid, fill, self.evil_key,
                                                           self.evil_cert, VICTIM),
                             403, "signature")
        self.assertEqual(self.watch.connections, 0, "KeyInfo made the module fetch something")


def element(tag, *children, text=None, **attrs):
    e = etree.Element(tag, **attrs)
    e.extend(children)
    e.text = text
    return e


class Replay(AttackCase):
    servers = 4
    extra = 'LogFormat "%P %>s %r" pids\nCustomLog "logs/pids.log" pids'

    def pids_log(self):
        try:
            with open(self.apache.root + "/logs/pids.log") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def used_response(self, path="/protected/replay", **kw):
        """A response that signed someone in once: (base64, RelayState, jar). The
        replays below come from other browsers that also hold the sign-in
        request cookie (self.request_cookie): without it they would be refused
        before the replay cache is asked (check request-cookie)."""
        rid, relay, jar = self.login(path)
        b64 = encode(self.signed(rid, user=MALLORY, **kw))
        first = self.post(b64, relay, jar)
        self.assertEqual(first.status, 303, first)
        return b64, relay, jar

    def test_replay_same_process(self):
        b64, relay, _ = self.used_response()
        mark = self.apache.log_mark()
        jar = self.jar()
        self.assert_refused_by(self.post(b64, relay, jar, self.request_cookie), 403, "replay",
                               mark)
        self.assert_no_session(jar, "/protected/replay")

    def test_replay_in_other_processes(self):
        """Parallel replays answered by at least two children all meet the
        shared replay cache. Which child takes a connection is up to the
        kernel: rounds of 12 are sent until two children have answered."""
        b64, relay, _ = self.used_response()
        mark, pmark = self.apache.log_mark(), len(self.pids_log())
        sent, pids = 0, set()
        while len(pids) < 2 and sent < 60:
            with ThreadPoolExecutor(6) as pool:
                replies = list(pool.map(lambda i: self.post(b64, relay, self.jar(),
                                                            self.request_cookie), range(12)))
            sent += 12
            self.assertEqual([r.status for r in replies], [403] * 12)
            self.assertTrue(all(r.set_cookie() is None for r in replies))
            pids = set(re.findall(r"^(\d+) 403 POST /saml/acs", self.pids_log()[pmark:], re.M))
        log = self.apache.log_since(mark)
        self.assertEqual(len(re.findall(r"\[check replay\]", log)), sent, log)
        self.assertGreaterEqual(len(pids), 2, "one child answered all %d: proves nothing" % sent)

    def test_replay_with_a_new_unsigned_envelope(self):
        """New Response ID and IssueInstant around the same signed Assertion:
        the replay cache keys on the Assertion."""
        rid, relay, jar = self.login("/protected/envelope")
        resp = self.signed(rid, user=MALLORY)
        self.assertEqual(self.post(resp, relay, jar).status, 303)
        resp.set("ID", "_fresh-envelope-" + rid[1:])
        resp.set("IssueInstant", az.azure_time(NOW()))
        mark = self.apache.log_mark()
        self.assert_refused_by(self.post(resp, relay, self.jar(), self.request_cookie), 403,
                               "replay", mark)

    def test_replay_of_an_unsolicited_response(self):
        b64 = encode(self.signed(None, user=MALLORY))
        self.assertEqual(self.post(b64, "/protected/u", self.jar()).status, 303)
        mark = self.apache.log_mark()
        self.assert_refused_by(self.post(b64, "/protected/u", self.jar()), 403, "replay", mark)

    def test_replay_after_logout(self):
        b64, relay, jar = self.used_response("/protected/logout-replay")
        self.assertEqual(self.get("/protected/logout-replay", jar=jar).status, 200)
        out = self.get("/saml/logout", jar=jar)
        self.assertEqual(out.status, 303, out)
        self.assertEqual(self.get("/protected/logout-replay", jar=jar).status, 302)
        mark = self.apache.log_mark()
        self.assert_refused_by(self.post(b64, relay, self.jar(), self.request_cookie), 403,
                               "replay", mark)
        self.assert_no_session(jar, "/protected/logout-replay")

    def test_replay_after_graceful_restart(self):
        b64, relay, _ = self.used_response("/protected/graceful-replay")
        self.apache.graceful()
        mark = self.apache.log_mark()
        jar = self.jar()
        self.assert_refused_by(self.post(b64, relay, jar, self.request_cookie), 403, "replay",
                               mark)
        self.assert_no_session(jar, "/protected/graceful-replay")


class ClockSkew(AttackCase):
    """SequrSAMLClockSkew 30: 25 s on the wrong side passes, 35 s does not.
    Margins of 5 s so scheduling cannot flake the result."""
    directives = {"ClockSkew": 30}
    SCD = "saml:Assertion/saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData"

    def response_at(self, rid, **times):
        return self.signed(rid, user=MALLORY, **times)

    def test_not_before_in_the_future(self):
        for offset, ok in ((25, True), (35, False)):
            with self.subTest(not_before="now + %d s" % offset):
                make = lambda rid: self.response_at(rid, not_before=NOW() + offset * SECOND)  # noqa
                if ok:
                    self.accepted(make)
                else:
                    self.refused(make, 403, "not-before")

    def test_conditions_expired(self):
        for offset, ok in ((25, True), (35, False)):
            with self.subTest(not_on_or_after="now - %d s" % offset):
                def make(rid):
                    now = NOW()
                    return self.response_at(rid, issue_instant=now - 120 * SECOND,
                                            not_before=now - 120 * SECOND,
                                            not_on_or_after=now - offset * SECOND,
                                            sc_not_on_or_after=now + 60 * SECOND)
                if ok:
                    self.accepted(make)
                else:
                    self.refused(make, 403, "not-on-or-after")

    def test_subject_confirmation_expired(self):
        for offset, ok in ((25, True), (35, False)):
            with self.subTest(scd_not_on_or_after="now - %d s" % offset):
                make = lambda rid: self.response_at(  # noqa: E731
                    rid, sc_not_on_or_after=NOW() - offset * SECOND)
                if ok:
                    self.accepted(make)
                else:
                    self.refused(make, 403, "not-on-or-after")

    def test_subject_confirmation_not_yet_valid(self):
        for offset, ok in ((25, True), (35, False)):
            with self.subTest(scd_not_before="now + %d s" % offset):
                def make(rid):
                    resp = self.build(rid, user=MALLORY)
                    find(resp, self.SCD).set("NotBefore", az.azure_time(NOW() + offset * SECOND))
                    return self.sign_tree(resp)
                if ok:
                    self.accepted(make)
                else:
                    self.refused(make, 403, "not-before")

    def test_session_not_on_or_after_already_past(self):
        self.refused(lambda rid: self.response_at(
            rid, session_not_on_or_after=NOW() - 35 * SECOND), 403, "authn-statement")

    def test_far_future_and_epoch_times(self):
        """Well-formed but absurd: valid from the year 9999, or expired in 1970."""
        far = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        self.refused(lambda rid: self.response_at(rid, not_before=far, not_on_or_after=far),
                     403, "not-before")
        self.refused(lambda rid: self.response_at(rid, issue_instant=epoch), 403,
                     "not-on-or-after")


class Mismatch(AttackCase):
    """Every comparison is exact: a trailing slash, a port, a scheme, Entra's
    spn: form or another tenant are all someone else."""

    def test_audience(self):
        for audience in ("https://other-app.example/", SP_ENTITY_ID + "/", "spn:" + SP_ENTITY_ID,
                         SP_ENTITY_ID.upper(), "", " " + SP_ENTITY_ID):
            with self.subTest(audience=audience):
                self.refused(lambda rid: self.signed(rid, audience=audience), 403, "audience")

    def test_second_audience_restriction_excluding_us(self):
        """Every AudienceRestriction must name us (SAML core 2.5.1.4)."""
        def make(rid):
            resp = self.build(rid)
            cond = find(resp, "saml:Assertion/saml:Conditions")
            cond.append(element(q("saml:AudienceRestriction"),
                                element(q("saml:Audience"), text="https://other-app.example/")))
            return self.sign_tree(resp)
        self.refused(make, 403, "audience")

    def test_destination(self):
        port = self.apache.port
        for dest in ("http://127.0.0.1:%d/saml/acs/" % port, "http://127.0.0.1:%d/saml/acs" % (port + 1),
                     "https://127.0.0.1:%d/saml/acs" % port, "http://localhost:%d/saml/acs" % port,
                     "http://127.0.0.1:%d/saml/ACS" % port, ""):
            with self.subTest(destination=dest):
                self.refused(lambda rid: self.signed(rid, destination=dest or False),
                             403, "destination")

    def test_recipient(self):
        for recipient in ("https://elsewhere.example/acs", self.apache.acs_url + "/",
                          self.apache.acs_url + "?x"):
            with self.subTest(recipient=recipient):
                self.refused(lambda rid: self.signed(rid, recipient=recipient), 403, "recipient")

    def test_issuer(self):
        tenant = self.idp.tenant
        other = "https://sts.windows.net/00000000-0000-0000-0000-000000000000/"
        cases = {
            "another tenant": dict(issuer=other),
            "no trailing slash": dict(issuer=self.idp.issuer.rstrip("/")),
            "v2 endpoint form": dict(issuer="https://login.microsoftonline.com/%s/v2.0" % tenant),
            "Assertion only": dict(assertion_issuer=other),
            "Response only": dict(issuer=other, assertion_issuer=self.idp.issuer),
        }
        for name, kw in cases.items():
            with self.subTest(issuer=name):
                self.refused(lambda rid: self.signed(rid, **kw), 403, "issuer")

    def test_issuer_format_not_entity(self):
        def make(rid):
            resp = self.build(rid)
            find(resp, "saml:Assertion/saml:Issuer").set("Format", az.NAMEID_EMAIL)
            return self.sign_tree(resp)
        self.refused(make, 403, "issuer")


class InResponseTo(AttackCase):

    def test_unknown_request(self):
        # Never issued: no browser holds a sign-in cookie for it.
        self.refused(lambda rid: self.signed("_" + "ab" * 16), 403, "request-cookie")

    def test_request_already_answered(self):
        """A second, different (fresh, genuinely signed) response for a request
        that was already answered."""
        rid, relay, jar = self.login("/protected/answered")
        self.assertEqual(self.post(self.signed(rid), relay, jar).status, 303)
        mark = self.apache.log_mark()
        jar2 = self.jar()
        # From another browser: no cookie for it there (check request-cookie) ...
        self.assert_refused_by(self.post(self.signed(rid, user=VICTIM), relay, jar2), 403,
                               "request-cookie", mark)
        # ... and with that request's cookie (the ACS cleared it in the browser;
        # an attacker may have kept a copy): answered already.
        mark = self.apache.log_mark()
        self.assert_refused_by(self.post(self.signed(rid, user=VICTIM), relay, self.jar(),
                                         self.request_cookie), 403, "in-response-to", mark)
        self.assert_no_session(jar2, "/protected/answered")

    def test_subject_confirmation_and_response_disagree(self):
        """Response InResponseTo = the pending request, the signed one = another."""
        def make(rid):
            resp = self.signed("_" + "cd" * 16)
            resp.set("InResponseTo", rid)
            return resp
        self.refused(make, 403, ("in-response-to", "request-cookie"))

    def test_in_response_to_only_on_the_unsigned_response(self):
        """Entra signs only the Assertion: an InResponseTo the attacker added to
        the unsigned Response proves nothing."""
        def make(rid):
            resp = self.build(None)
            resp.set("InResponseTo", rid)
            return self.sign_tree(resp)
        self.refused(make, 403, "in-response-to")

    def test_relay_state_swapped_on_a_solicited_response(self):
        rid, relay, jar = self.login("/protected/mine")
        mark = self.apache.log_mark()
        r = self.post(self.signed(rid), "/protected/elsewhere", jar)
        self.assert_refused_by(r, 403, "relay-state", mark)

