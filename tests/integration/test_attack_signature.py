"""Signature attacks other than wrapping: planted DigestValue / SignedInfo
(ruby-saml CVE-2024-45409), several References or Signatures, several
Assertions, Assertion + EncryptedAssertion, keys taken from KeyInfo
(xml-crypto CVE-2024-32962), HMAC key confusion and truncation
(CVE-2009-0217), MD5, SHA-1 while not enabled, dangerous transforms, and
Reference URIs that are empty or leave the document.

Where xmlsec can make it, the hostile signature is made with the REAL IdP
key, so only the module's shape rules ("signature-shape") stand between it
and a session; otherwise the algorithm is relabelled after signing and the
test still demands the shape check, not a failed digest, as the reason."""
import copy

from lxml import etree
import xmlsec

from attacks import (AttackCase, PortWatch, VICTIM, NS, q, find, assertion_of, signature_of,
                     signature_template, sign_with_template, sign_by_hand, reference_digest)
from harness import az

MALLORY = "mallory@contoso.example"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
BASE64 = "http://www.w3.org/2000/09/xmldsig#base64"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N11 = "http://www.w3.org/2006/12/xml-c14n11"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
HMAC_SHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
RSA_MD5 = "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"
MD5 = "http://www.w3.org/2001/04/xmldsig-more#md5"
XENC = "http://www.w3.org/2001/04/xmlenc#"


def tamper_identity(assertion):
    """Change the signed Assertion's user in place (its signature now lies)."""
    find(assertion, "saml:Subject/saml:NameID").text = VICTIM
    for v in assertion.iterfind(".//saml:AttributeValue", NS):
        if v.text == MALLORY:
            v.text = VICTIM


def extensions(resp):
    ext = resp.makeelement(q("samlp:Extensions"))
    resp.insert(list(resp).index(find(resp, "samlp:Status")), ext)
    return ext


def status_detail(resp):
    return etree_sub(find(resp, "samlp:Status"), q("samlp:StatusDetail"))


def etree_sub(parent, tag, text=None):
    e = parent.makeelement(tag)
    parent.append(e)
    if text is not None:
        e.text = text
    return e


class PlantedSignatureParts(AttackCase):
    """The real signature stays; a forged part that matches the tampered
    content is planted where a lax reader (XPath //DigestValue) finds it."""

    def forged(self, rid, where):
        resp = self.signed(rid, user=MALLORY)
        a = assertion_of(resp)
        real = find(a, "ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue").text
        self.assertEqual(reference_digest(a), real, "test bug: digest computed differently")
        tamper_identity(a)
        digest = a.makeelement(q("ds:DigestValue"))
        digest.text = reference_digest(a)      # right for the forged content
        where(resp, a, digest)
        return resp

    def test_second_digest_value_planted(self):
        places = {
            "Extensions": lambda resp, a, d: extensions(resp).append(d),
            "StatusDetail": lambda resp, a, d: status_detail(resp).append(d),
            "KeyInfo": lambda resp, a, d: find(a, "ds:Signature/ds:KeyInfo").insert(0, d),
            "before the SignedInfo's": lambda resp, a, d: find(
                a, "ds:Signature/ds:SignedInfo/ds:Reference").insert(1, d),
        }
        for name, place in places.items():
            with self.subTest(planted_in=name):
                expect = "signature-shape" if name.startswith("before") else "signature"
                self.refused(lambda rid: self.forged(rid, place), 403, expect)

    def test_second_signed_info_planted(self):
        """A whole SignedInfo for the forged content, beside or inside the real
        Signature: only the one SignatureValue was made over the real one."""
        def forged_signed_info(rid, where):
            def place(resp, a, digest):
                si = copy.deepcopy(find(a, "ds:Signature/ds:SignedInfo"))
                find(si, "ds:Reference/ds:DigestValue").text = digest.text
                where(resp, a, si)
            return self.forged(rid, place)
        cases = {
            "Extensions": (lambda resp, a, si: extensions(resp).append(si), "signature"),
            "KeyInfo": (lambda resp, a, si: find(a, "ds:Signature/ds:KeyInfo").append(si),
                        "signature"),
            "Signature, first": (lambda resp, a, si: signature_of(a).insert(0, si),
                                 "signature-shape"),
        }
        for name, (where, expect) in cases.items():
            with self.subTest(planted_in=name):
                self.refused(lambda rid: forged_signed_info(rid, where), 403, expect)

    def test_comment_inside_digest_or_signature_value(self):
        """xml-crypto CVE-2025-29775: a comment inside DigestValue changed what
        was compared. Values must be pure text."""
        for path in ("ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue",
                     "ds:Signature/ds:SignatureValue"):
            with self.subTest(element=path.rsplit(":", 1)[1]):
                def make(rid):
                    resp = self.signed(rid, user=MALLORY)
                    e = find(assertion_of(resp), path)
                    text = e.text
                    e.text = text[:8]
                    c = etree.Comment("")
                    c.tail = text[8:]
                    e.append(c)
                    return resp
                self.refused(make, 403, "signature-shape")


class ReferencesSignaturesAssertions(AttackCase):

    def test_two_references_in_one_signature(self):
        """Signed by the real IdP key, so only the shape rule refuses it."""
        for second in ("same Assertion", "Response"):
            with self.subTest(second_reference=second):
                def make(rid):
                    resp = self.build(rid, user=MALLORY)
                    a = assertion_of(resp)
                    uris = ["#" + a.get("ID"),
                            "#" + (a.get("ID") if second == "same Assertion" else resp.get("ID"))]
                    if second == "Response":
                        xmlsec.tree.add_ids(resp, ["ID"])
                    sign_with_template(a, signature_template(uris), self.idp.key, self.idp.cert)
                    return resp
                line = self.refused(make, 403, "signature-shape")
                self.assertIn("Reference", line)

    def test_two_signatures_on_the_assertion(self):
        def make(rid):
            resp = self.signed(rid, user=MALLORY)
            a = assertion_of(resp)
            extra = copy.deepcopy(signature_of(a))
            a.insert(list(a).index(signature_of(a)) + 1, extra)
            return resp
        self.refused(make, 403, "signature-shape")

    def test_stray_signature_elsewhere(self):
        """A third Signature (here the real one, copied) anywhere in the document."""
        def make(rid):
            resp = self.signed(rid, user=MALLORY)
            extensions(resp).append(copy.deepcopy(signature_of(assertion_of(resp))))
            return resp
        self.refused(make, 403, "signature-shape")

    def test_more_than_one_assertion(self):
        """Lasso CVE-2021-28091 / crewjam CVE-2022-41912: only one of several
        Assertions checked. Signed + unsigned in both orders, and two signed."""
        def two(rid, order):
            resp = self.signed(rid, user=MALLORY)
            signed = assertion_of(resp)
            other = assertion_of(self.build(rid, user=VICTIM))
            if order == "both signed":
                other = assertion_of(self.signed(rid, user=VICTIM))
            at = list(resp).index(signed)
            resp.insert(at if order == "unsigned first" else at + 1, other)
            return resp
        for order in ("unsigned first", "unsigned second", "both signed"):
            with self.subTest(order=order):
                self.refused(lambda rid: two(rid, order), 403, "assertion-count")

    def test_assertion_next_to_encrypted_assertion(self):
        def make(rid, keep_plain):
            resp = self.signed(rid, user=MALLORY)
            enc = resp.makeelement(q("saml:EncryptedAssertion"))
            data = etree_sub(enc, "{%s}EncryptedData" % XENC)
            etree_sub(etree_sub(data, "{%s}CipherData" % XENC), "{%s}CipherValue" % XENC,
                      "AAAA")
            resp.append(enc)
            if not keep_plain:
                resp.remove(assertion_of(resp))
            return resp
        with self.subTest("Assertion and EncryptedAssertion"):
            line = self.refused(lambda rid: make(rid, True), 403, "encrypted-assertion")
            self.assertIn("both", line)
        with self.subTest("EncryptedAssertion only (token encryption on)"):
            self.refused(lambda rid: make(rid, False), 403, "encrypted-assertion")

    def test_unsigned(self):
        self.refused(lambda rid: self.build(rid, user=VICTIM), 403, "signature-missing")


class KeysAndAlgorithms(AttackCase):

    def test_attacker_key_with_attacker_certificate_in_keyinfo(self):
        self.refused(lambda rid: self.signed(rid, user=VICTIM, key=self.evil_key,
                                             cert=self.evil_cert), 403, "signature")

    def test_attacker_key_naming_the_idp_certificate(self):
        """KeyInfo says "the IdP's certificate" but the attacker's key signed."""
        def make(rid):
            resp = self.signed(rid, user=VICTIM, key=self.evil_key, cert=self.evil_cert)
            find(assertion_of(resp), "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate"
                 ).text = az.cert_base64(self.idp.cert)
            return resp
        self.refused(make, 403, "signature")

    def test_attacker_signed_response_around_a_genuine_assertion(self):
        """Signed both ways: the genuine Assertion signature does not excuse a
        forged Response signature (whose InResponseTo, Destination... it covers)."""
        def make(rid):
            resp = self.signed(rid, user=MALLORY)
            return self.sign_tree(resp, sign="response", key=self.evil_key, cert=self.evil_cert)
        self.refused(make, 403, "signature")

    def test_hmac_keyed_with_the_public_certificate(self):
        """Key confusion: an HMAC whose secret is the IdP's public certificate,
        which anyone can download. Never an allowed SignatureMethod."""
        for secret_name, alg in (("PEM", HMAC_SHA256), ("DER", HMAC_SHA256), ("DER", HMAC_SHA1)):
            with self.subTest(secret=secret_name, alg=alg.rsplit("#", 1)[1]):
                def make(rid):
                    resp = self.build(rid, user=VICTIM)
                    if secret_name == "PEM":
                        secret = open(self.idp.cert, "rb").read()
                    else:
                        secret = az.cert_der(self.idp.cert)
                    digest = az.DIGEST_URIS["sha1" if alg == HMAC_SHA1 else "sha256"]
                    sign_with_template(assertion_of(resp),
                                       signature_template(["#" + assertion_of(resp).get("ID")],
                                                          sig_alg=alg, digest_alg=digest,
                                                          key_info_cert=False),
                                       hmac_secret=secret)
                    return resp
                line = self.refused(make, 403, "signature-shape")
                self.assertIn("SignatureMethod", line)

    def test_hmac_output_length_truncation(self):
        """CVE-2009-0217: HMACOutputLength 8 leaves a one-byte MAC to guess."""
        def make(rid):
            resp = self.build(rid, user=VICTIM)
            a = assertion_of(resp)
            sig = signature_template(["#" + a.get("ID")], sig_alg=HMAC_SHA256,
                                     key_info_cert=False)
            sign_with_template(a, sig, hmac_secret=b"attacker")
            method = find(sig, "ds:SignedInfo/ds:SignatureMethod")
            etree_sub(method, q("ds:HMACOutputLength"), "8")
            return resp
        self.refused(make, 403, "signature-shape")

    def test_md5(self):
        for sig_alg, digest_alg in ((RSA_MD5, MD5), (az.SIG_URIS["rsa-sha256"], MD5)):
            with self.subTest(signature=sig_alg.rsplit("#", 1)[1], digest="md5"):
                def make(rid):
                    resp = self.build(rid, user=MALLORY)
                    a = assertion_of(resp)
                    sign_by_hand(a, signature_template(["#" + a.get("ID")], sig_alg, digest_alg),
                                 self.idp.key, self.idp.cert)
                    return resp
                self.refused(make, 403, "signature-shape")

    def test_sha1_while_not_enabled(self):
        """Signed by the real key with rsa-sha1/sha1: fine crypto, refused policy."""
        for sig, digest in (("rsa-sha1", "sha1"), ("rsa-sha256", "sha1"), ("rsa-sha1", "sha256")):
            with self.subTest(signature=sig, digest=digest):
                def make(rid):
                    return self.sign_tree(self.build(rid, user=MALLORY), sig_alg=sig,
                                          digest_alg=digest)
                self.refused(make, 403, "signature-shape")


class Sha1WhenEnabled(AttackCase):
    """Control for test_sha1_while_not_enabled: the same response is good once
    an admin sets SequrSAMLAllowSHA1 On, so the refusal there is the policy."""
    directives = {"AllowSHA1": "On"}

    def test_sha1_accepted_when_enabled(self):
        seen = self.accepted(lambda rid: self.sign_tree(self.build(rid, user=MALLORY),
                                                        sig_alg="rsa-sha1", digest_alg="sha1"))
        self.assertEqual(seen["REMOTE_USER"], MALLORY)

    def test_md5_still_refused_when_sha1_enabled(self):
        def make(rid):
            resp = self.build(rid, user=MALLORY)
            a = assertion_of(resp)
            sign_by_hand(a, signature_template(["#" + a.get("ID")], RSA_MD5, MD5),
                         self.idp.key, self.idp.cert)
            return resp
        self.refused(make, 403, "signature-shape")


class TransformsAndReferences(AttackCase):
    """Only [enveloped-signature, exc-c14n] (or enveloped alone) and a Reference
    "#<ID of the signed element>" are allowed."""

    def custom(self, rid, relabel=None, **template):
        """The Assertion signed with the real key through a custom template;
        relabel(sig) then edits what xmlsec could not produce itself."""
        resp = self.build(rid, user=MALLORY)
        a = assertion_of(resp)
        template.setdefault("ref_uris", ["#" + a.get("ID")])
        sig = sign_with_template(a, signature_template(**template), self.idp.key, self.idp.cert)
        if relabel:
            relabel(sig)
        return resp

    def second_transform(self, uri):
        def relabel(sig):
            find(sig, "ds:SignedInfo/ds:Reference/ds:Transforms")[1].set("Algorithm", uri)
        return relabel

    def test_forbidden_transforms(self):
        xpath = (XPATH, q("ds:XPath"), "not(ancestor-or-self::*[local-name()='Signature'])")
        xslt = (XSLT, "{http://www.w3.org/1999/XSL/Transform}stylesheet", None)
        cases = {
            "XPath after enveloped": dict(transforms=(az.ENVELOPED, xpath)),
            "XPath instead of enveloped": dict(transforms=(xpath, az.EXC_C14N)),
            "XSLT": dict(transforms=(az.ENVELOPED, xslt)),
            "inclusive C14N": dict(transforms=(az.ENVELOPED, C14N)),
            "exc-c14n without enveloped": dict(transforms=(az.EXC_C14N,)),
            "three transforms": dict(transforms=(az.ENVELOPED, az.EXC_C14N, az.EXC_C14N)),
            "base64 (relabelled)": dict(relabel=self.second_transform(BASE64)),
            "C14N 1.1 (relabelled)": dict(relabel=self.second_transform(C14N11)),
            "unknown (relabelled)": dict(relabel=self.second_transform("urn:example:unknown")),
        }
        for name, kw in cases.items():
            with self.subTest(transforms=name):
                self.refused(lambda rid: self.custom(rid, **kw), 403, "signature-shape")

    def test_forbidden_canonicalization_method(self):
        self.refused(lambda rid: self.custom(rid, c14n=C14N), 403, "signature-shape")

    def test_reference_uri_empty_means_whole_document(self):
        line = self.refused(lambda rid: self.custom(rid, ref_uris=[""]), 403, "signature-shape")
        self.assertIn("Reference", line)

    def test_reference_uri_xpointer(self):
        for uri in ("#xpointer(/)", "#xpointer(id('%s'))"):
            with self.subTest(uri=uri):
                def make(rid):
                    def relabel(sig):
                        ref = find(sig, "ds:SignedInfo/ds:Reference")
                        ref.set("URI", uri.replace("%s", ref.get("URI")[1:]))
                    return self.custom(rid, relabel=relabel)
                self.refused(make, 403, "signature-shape")

    def test_reference_uri_outside_the_document(self):
        """Nothing is fetched: a listener at the URI sees no connection."""
        watch = PortWatch()
        self.addCleanup(watch.close)

        def relabel(sig):
            find(sig, "ds:SignedInfo/ds:Reference").set("URI", watch.url + "assertion.xml")
        self.refused(lambda rid: self.custom(rid, relabel=relabel), 403, "signature-shape")
        self.assertEqual(watch.connections, 0, "the module fetched the Reference URI")

    def test_control_custom_template_with_allowed_shape_signs_in(self):
        """The template machinery itself makes acceptable signatures."""
        seen = self.accepted(lambda rid: self.custom(rid))
        self.assertEqual(seen["REMOTE_USER"], MALLORY)
