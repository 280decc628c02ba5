"""XML Signature Wrapping (Somorovsky et al. 2012, XSW1-XSW8) against the real
Apache. The attacker holds a response the IdP really signed for his own
account (mallory) and moves that signed element around the document so that
a verifier checks it while a reader takes his forged Assertion for admin.

The module's defences, each named by its check: an ID used twice anywhere
("duplicate-id"), any Assertion other than the one direct child of the
Response ("assertion-count"), and a Reference that does not point at the
element being read ("signature-shape")."""
import copy

from attacks import AttackCase, VICTIM, NS, q, find, assertion_of, signature_of

MALLORY = "mallory@contoso.example"


def evil_assertion(original, new_id=None):
    """A copy of the signed Assertion, signature removed, identity changed."""
    evil = copy.deepcopy(original)
    sig = evil.find("ds:Signature", NS)
    if sig is not None:
        evil.remove(sig)
    find(evil, "saml:Subject/saml:NameID").text = VICTIM
    for v in evil.iterfind("saml:AttributeStatement/saml:Attribute/saml:AttributeValue", NS):
        if v.text == MALLORY:
            v.text = VICTIM
    if new_id:
        evil.set("ID", new_id)
    return evil


def extensions(resp):
    """The Response's samlp:Extensions (made if missing), where SAML puts it:
    after Issuer and Signature, before Status."""
    ext = resp.find("samlp:Extensions", NS)
    if ext is None:
        ext = resp.makeelement(q("samlp:Extensions"))
        resp.insert(list(resp).index(find(resp, "samlp:Status")), ext)
    return ext


class AssertionSignatureWrapping(AttackCase):
    """Azure's default: only the Assertion is signed."""

    def wrapped(self, place, new_id):
        """A make(rid) for the test helpers: mallory's signed response, the
        signed Assertion moved by place(resp, signed, evil), evil in its stead."""
        def make(rid):
            resp = self.signed(rid, user=MALLORY)
            signed = assertion_of(resp)
            evil = evil_assertion(signed, "_evil-" + rid[1:] if new_id else None)
            resp.replace(signed, evil)
            place(resp, signed, evil)
            return resp
        return make

    def both_id_strategies(self, place):
        """Evil keeps the signed ID: two holders of one ID. Evil takes a new ID:
        two Assertions in the document."""
        with self.subTest(evil_id="same as the signed one"):
            self.refused(self.wrapped(place, new_id=False), 403, "duplicate-id")
        with self.subTest(evil_id="new"):
            self.refused(self.wrapped(place, new_id=True), 403, "assertion-count")

    def test_xsw_signed_copy_in_extensions(self):
        self.both_id_strategies(lambda resp, signed, evil: extensions(resp).append(signed))

    def test_xsw_signed_copy_before_the_forgery(self):       # XSW3
        self.both_id_strategies(
            lambda resp, signed, evil: resp.insert(list(resp).index(evil), signed))

    def test_xsw_signed_copy_after_the_forgery(self):
        self.both_id_strategies(
            lambda resp, signed, evil: resp.insert(list(resp).index(evil) + 1, signed))

    def test_xsw_signed_copy_inside_the_forged_assertion(self):     # XSW4
        self.both_id_strategies(lambda resp, signed, evil: evil.append(signed))

    def test_xsw_signed_copy_in_advice(self):
        def place(resp, signed, evil):
            advice = evil.makeelement(q("saml:Advice"))
            advice.append(signed)
            evil.insert(list(evil).index(find(evil, "saml:Conditions")) + 1, advice)
        self.both_id_strategies(place)

    def test_xsw_signed_copy_in_signature_object(self):      # XSW5/6/8
        """The forgery carries the original Signature, and the signed Assertion
        sits in a ds:Object inside it."""
        def place(resp, signed, evil):
            sig = copy.deepcopy(signature_of(signed))
            signed.remove(signature_of(signed))
            obj = sig.makeelement(q("ds:Object"))
            obj.append(signed)
            sig.append(obj)
            evil.insert(1, sig)
        self.both_id_strategies(place)

    def test_xsw_signed_copy_in_status_detail(self):
        def place(resp, signed, evil):
            status = find(resp, "samlp:Status")
            detail = status.makeelement(q("samlp:StatusDetail"))
            detail.append(signed)
            status.append(detail)
        self.both_id_strategies(place)

    def test_reference_points_at_another_element(self):
        """The forged Assertion keeps the original Signature, whose Reference
        names the signed element; that element is kept, renamed out of the SAML
        namespace so no Assertion count sees it. Verifying "some element with
        that ID" would succeed; the module wants the element it reads."""
        def make(rid):
            resp = self.signed(rid, user=MALLORY)
            signed = assertion_of(resp)
            evil = evil_assertion(signed, new_id="_evil-" + rid[1:])
            sig = signature_of(signed)
            signed.remove(sig)
            evil.insert(1, sig)
            resp.replace(signed, evil)
            signed.tag = "{urn:example:attacker}Assertion"
            sig_copy = copy.deepcopy(sig)           # digest stays valid over the original
            signed.insert(1, sig_copy)
            sig_copy.tag = "{urn:example:attacker}Signature"
            extensions(resp).append(signed)
            return resp
        line = self.refused(make, 403, "signature-shape")
        self.assertIn("Reference", line)

    def test_signed_copy_with_id_in_another_attribute(self):
        """'Id', 'id', 'AssertionID' and xml:id name IDs too (xmlsec and other
        readers resolve them): the same value under another name is a duplicate."""
        for attr in ("Id", "id", "AssertionID", "{http://www.w3.org/XML/1998/namespace}id"):
            with self.subTest(attr=attr):
                def make(rid):
                    resp = self.signed(rid, user=MALLORY)
                    decoy = resp.makeelement("{urn:example:attacker}Decoy")
                    decoy.set(attr, assertion_of(resp).get("ID"))
                    extensions(resp).append(decoy)
                    return resp
                self.refused(make, 403, "duplicate-id")

    def test_response_and_assertion_share_an_id(self):
        def make(rid):
            resp = self.build(rid, user=MALLORY)
            resp.set("ID", assertion_of(resp).get("ID"))
            return self.sign_tree(resp)
        self.refused(make, 403, "duplicate-id")

    def test_unwrapped_original_still_signs_in(self):
        """Control: the untouched response is good, so each refusal above is
        caused by the wrapping alone."""
        seen = self.accepted(lambda rid: self.signed(rid, user=MALLORY))
        self.assertEqual(seen["REMOTE_USER"], MALLORY)


class ResponseSignatureWrapping(AttackCase):
    """Entra's "Sign SAML response": the Response is signed and the attacker
    wraps the whole signed Response (XSW1, XSW2)."""
    sign = "response"

    def wrapper(self, rid, place, same_id):
        """A new root Response carrying the forged Assertion and the original
        Signature; the signed Response is put somewhere by place(root, signed, sig)."""
        signed = self.signed(rid, user=MALLORY, sign="response")
        root = copy.deepcopy(signed)
        sig = signature_of(root)
        evil = evil_assertion(assertion_of(signed), None if same_id else "_evil-" + rid[1:])
        root.replace(assertion_of(root), evil)
        if not same_id:
            root.set("ID", "_wrapper-" + rid[1:])
        place(root, signed, sig)
        return root

    def both_id_strategies(self, place):
        with self.subTest(wrapper_id="same as the signed Response"):
            self.refused(lambda rid: self.wrapper(rid, place, True), 403, "duplicate-id")
        with self.subTest(wrapper_id="new"):
            self.refused(lambda rid: self.wrapper(rid, place, False), 403, "assertion-count")

    def test_xsw1_signed_response_inside_the_signature(self):
        def place(root, signed, sig):
            obj = sig.makeelement(q("ds:Object"))
            obj.append(signed)
            sig.append(obj)
        self.both_id_strategies(place)

    def test_xsw2_signed_response_before_the_signature(self):
        self.both_id_strategies(lambda root, signed, sig: root.insert(
            list(root).index(sig), signed))

    def test_xsw_signed_response_in_extensions(self):
        self.both_id_strategies(lambda root, signed, sig: extensions(root).append(signed))

    def test_reference_points_at_the_wrapped_response(self):
        """Wrapper with a new ID, the signed Response kept without its Assertion
        (so only one Assertion exists): the Signature on the wrapper refers to
        the inner Response, not to the element the module reads."""
        def make(rid):
            def place(root, signed, sig):
                signed.remove(assertion_of(signed))
                signed.remove(signature_of(signed))
                extensions(root).append(signed)
            return self.wrapper(rid, place, same_id=False)
        line = self.refused(make, 403, "signature-shape")
        self.assertIn("Reference", line)

    def test_unwrapped_original_still_signs_in(self):
        seen = self.accepted(lambda rid: self.signed(rid, user=MALLORY, sign="response"))
        self.assertEqual(seen["REMOTE_USER"], MALLORY)

