"""Size and shape of what reaches the ACS: bodies over the limit (refused
before anything is parsed), deep nesting, non-base64 input, empty bodies,
duplicated form fields (no first-wins or last-wins for an attacker to pick),
the wrong method or content type. mellon CVE-2016-2145/2146, ruby-saml
CVE-2025-25293/54572, mod_auth_openidc's duplicated-parameter hardening."""
import base64
import time
import unittest
import urllib.parse
import zlib

from attacks import AttackCase, VICTIM, encode, serialize, raw_request

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MALLORY = "mallory@contoso.example"


def form(*pairs):
    """Bytes of a form body with the fields exactly as given (repeats allowed)."""
    return "&".join("%s=%s" % (k, urllib.parse.quote(v, safe="")) for k, v in pairs).encode()


class Size(AttackCase):

    def post_body(self, body, chunked=False, headers=FORM):
        mark = self.apache.log_mark()
        return raw_request(self.apache.port, "POST", "/saml/acs", body, headers,
                           chunked=chunked), mark

    def test_body_over_the_limit_is_refused_before_parsing(self):
        """Default limit 48 KiB of XML, so ~76 KB of form; 500 KB is over it."""
        r, mark = self.post_body(form(("SAMLResponse", "A" * 500000)))
        line = self.assert_refused_by(r, 413, "size", mark)
        self.assertIn("request body", line)

    def test_chunked_body_over_the_limit(self):
        """No Content-Length to check up front: the reader must stop counting."""
        started = time.time()
        r, mark = self.post_body(form(("SAMLResponse", "A" * 2000000)), chunked=True)
        self.assert_refused_by(r, 413, "size", mark)
        self.assertLess(time.time() - started, 10)

    def test_decoded_size_over_the_limit_before_xml(self):
        """Under the body limit but decoding to more than 48 KiB (the default
        since issue #10): refused from the base64 length alone, no XML parser
        involved."""
        r, mark = self.post_body(form(("SAMLResponse", "PAAA" * 17500)))
        self.assert_refused_by(r, 413, "base64-size", mark)

    def test_deep_nesting(self):
        for depth in (40, 20000):
            with self.subTest(depth=depth):
                def make(rid):
                    xml = serialize(self.signed(rid, user=MALLORY))
                    nest = b"<a>" * depth + b"</a>" * depth
                    ext = b"<samlp:Extensions>%s</samlp:Extensions><samlp:Status>" % nest
                    return xml.replace(b"<samlp:Status>", ext, 1)
                self.refused(make, 413, "size")

    def test_deflate_bomb_in_redirect_binding(self):
        """The logout endpoint inflates Redirect-binding messages: 3 MiB of
        XML from ~3 KB must stop at the inflate cap, for a request and for a
        response, before any XML parsing, and leave the worker alive."""
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        bomb = c.compress(b"<samlp:LogoutResponse>" + b"A" * (3 * 1024 * 1024)) + c.flush()
        value = urllib.parse.quote(base64.b64encode(bomb).decode(), safe="")
        for param in ("SAMLRequest", "SAMLResponse"):
            with self.subTest(param=param):
                mark = self.apache.log_mark()
                r = raw_request(self.apache.port, "GET",
                                "/saml/logout?%s=%s&RelayState=x" % (param, value), b"", {})
                self.assertEqual(r.status, 400, r)
                log = self.apache.log_since(mark, expect="refused with 400")
                self.assertRegex(log, r"refused with 400 \[check inflate-size\]")
                self.assertNotRegex(log, r"exit signal|Segmentation")
        self.assertEqual(raw_request(self.apache.port, "GET", "/saml/metadata", b"", {}).status,
                         200)


class Encoding(AttackCase):

    def test_not_base64(self):
        for value in ("%%%not*base64%%%", "PD94bWwg!!!", "<samlp:Response/>"):
            with self.subTest(value=value):
                self.refused(value, 400, "base64", solicited=False)

    def test_junk_in_the_middle_of_valid_base64(self):
        """A decoder that stops at the first bad byte would read a shorter,
        different document."""
        def make(rid):
            b64 = encode(self.signed(rid))
            return b64[:400] + "*" + b64[400:]
        self.refused(make, 400, "base64")

    def test_data_after_padding(self):
        def make(rid):
            b64 = encode(self.signed(rid))
            return b64.rstrip("=") + "==" + encode(b"<x/>")
        self.refused(make, 400, "base64")

    def test_base64_of_nothing_useful(self):
        for xml in (b" ", b"\x00\x01\x02", b"<?xml version='1.0'?>"):
            with self.subTest(xml=xml):
                self.refused(base64.b64encode(xml).decode(), 400, "xml", solicited=False)


class FormShape(AttackCase):

    def post_body(self, body, headers=FORM, method="POST"):
        mark = self.apache.log_mark()
        return raw_request(self.apache.port, method, "/saml/acs", body, headers), mark

    def test_empty_body(self):
        r, mark = self.post_body(b"")
        self.assert_refused_by(r, 400, "form", mark)

    def test_empty_or_missing_saml_response(self):
        for body in (b"SAMLResponse=", b"RelayState=%2Fx", b"&&&", b"SAMLResponse"):
            with self.subTest(body=body):
                r, mark = self.post_body(body)
                self.assert_refused_by(r, 400, "form", mark)

    def test_two_saml_responses(self):
        """A genuine response and a forged one, in both orders: no reader may
        pick one of two."""
        rid, relay, jar = self.login()
        good = encode(self.signed(rid, user=MALLORY))
        forged = encode(self.signed(rid, user=VICTIM, key=self.evil_key, cert=self.evil_cert))
        for name, pairs in (
                ("good first", [("SAMLResponse", good), ("SAMLResponse", forged)]),
                ("forged first", [("SAMLResponse", forged), ("SAMLResponse", good)]),
                ("other case", [("SAMLResponse", good), ("samlresponse", forged)])):
            with self.subTest(name):
                r, mark = self.post_body(form(*(pairs + [("RelayState", relay)])))
                self.assert_refused_by(r, 400, "form-duplicate", mark)
        # The genuine one alone, from the browser that started it, is still
        # good: the duplicates burnt nothing.
        r, _ = self.post_body(form(("SAMLResponse", good), ("RelayState", relay)),
                              headers=dict(FORM, Cookie=self.request_cookie))
        self.assertEqual(r.status, 303, r)

    def test_two_relay_states(self):
        rid, relay, _ = self.login()
        body = form(("SAMLResponse", encode(self.signed(rid))), ("RelayState", relay),
                    ("RelayState", "https://evil.example/"))
        r, mark = self.post_body(body)
        self.assert_refused_by(r, 400, "form-duplicate", mark)

    def test_bad_percent_escape_and_nul(self):
        for body in (b"SAMLResponse=%zz", b"SAMLResponse=PD94%00bWw=", b"SAMLResponse=%4"):
            with self.subTest(body=body):
                r, mark = self.post_body(body)
                self.assert_refused_by(r, 400, "form", mark)

    def test_wrong_content_type(self):
        body = form(("SAMLResponse", encode(self.signed())))
        for ctype in ("multipart/form-data; boundary=x", "text/xml", "application/json",
                      "application/x-www-form-urlencodedX"):
            with self.subTest(content_type=ctype):
                r, mark = self.post_body(body, headers={"Content-Type": ctype})
                self.assert_refused_by(r, 415, "content-type", mark)

    def test_wrong_method(self):
        for method in ("GET", "PUT", "DELETE"):
            with self.subTest(method=method):
                r, mark = self.post_body(b"", method=method)
                self.assert_refused_by(r, 405, "method", mark)
