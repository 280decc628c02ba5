"""XML-level attacks: any DOCTYPE (XXE file read, external DTD and parameter
entities over the network, billion laughs, an internal subset that declares
ID attributes), namespace confusion ("The Fragile Lock", 2025), and
attributes or namespace declarations given twice (not well-formed).

Every hostile part is added to a genuinely signed response, so the refusal
can only come from the module's XML rules."""
import copy
import time

from attacks import (AttackCase, PortWatch, VICTIM, find, assertion_of, signature_of,
                     serialize)
from harness import az

MALLORY = "mallory@contoso.example"


def with_doctype(xml, doctype, name_id=None):
    """doctype before the root; name_id (bytes) replaces mallory in the NameID."""
    if name_id is not None:
        xml = xml.replace(MALLORY.encode() + b"</NameID>", name_id + b"</NameID>")
    return b'<?xml version="1.0"?>\n' + doctype + b"\n" + xml


class Doctype(AttackCase):

    def signed_xml(self, rid):
        return serialize(self.signed(rid, user=MALLORY))

    def test_external_entity_reads_a_file(self):
        r = self.refused(lambda rid: with_doctype(
            self.signed_xml(rid), b'<!DOCTYPE samlp:Response [<!ENTITY x SYSTEM '
            b'"file:///etc/passwd">]>', b"&x;"), 403, "xml")
        self.assertIn("DOCTYPE", r)
        self.assertNotIn("root:", self.apache.log())

    def test_external_dtd_and_parameter_entity_are_not_fetched(self):
        watch = PortWatch()
        self.addCleanup(watch.close)
        doctypes = {
            "external subset": b'<!DOCTYPE samlp:Response SYSTEM "%sx.dtd">' % watch.url.encode(),
            "parameter entity": b'<!DOCTYPE samlp:Response [<!ENTITY %% p SYSTEM "%sp.dtd"> %%p;]>'
                                % watch.url.encode(),
            "external general entity": b'<!DOCTYPE samlp:Response [<!ENTITY x SYSTEM "%se">]>'
                                       % watch.url.encode(),
        }
        for name, doctype in doctypes.items():
            with self.subTest(doctype=name):
                self.refused(lambda rid: with_doctype(self.signed_xml(rid), doctype,
                                                      b"&x;" if "general" in name else None),
                             403, "xml")
        time.sleep(0.3)
        self.assertEqual(watch.connections, 0, "the module fetched a DTD or entity")

    def test_billion_laughs(self):
        lol = [b'<!ENTITY a0 "lol">']
        lol += [b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1)) * 10) for i in range(1, 10)]
        doctype = b"<!DOCTYPE samlp:Response [" + b"".join(lol) + b"]>"
        started = time.time()
        self.refused(lambda rid: with_doctype(self.signed_xml(rid), doctype, b"&a9;"), 403, "xml")
        self.assertLess(time.time() - started, 5, "entity expansion took time")

    def test_internal_subset_declaring_an_id_attribute(self):
        """An ATTLIST can make any attribute an ID, so that a decoy element
        answers the Reference lookup (CVE-2025-25291 class)."""
        def make(rid):
            resp = self.signed(rid, user=MALLORY)
            decoy = resp.makeelement("{urn:example:attacker}Decoy")
            decoy.set("Ref", assertion_of(resp).get("ID"))
            resp.insert(1, decoy)
            return with_doctype(serialize(resp), b'<!DOCTYPE samlp:Response [<!ATTLIST '
                                b'a:Decoy Ref ID #IMPLIED>]>')
        self.refused(make, 403, "xml")

    def test_doctype_without_subset(self):
        self.refused(lambda rid: with_doctype(self.signed_xml(rid),
                                              b"<!DOCTYPE samlp:Response>"), 403, "xml")

    def test_undeclared_entity(self):
        """No DTD, so "&x;" is not well-formed."""
        self.refused(lambda rid: self.signed_xml(rid).replace(
            MALLORY.encode() + b"</NameID>", b"&x;</NameID>"), 400, "xml")

    def test_processing_instruction_before_the_root(self):
        self.refused(lambda rid: b'<?xml-stylesheet href="x"?>' + self.signed_xml(rid), 403,
                     "xml")


class NamespaceConfusion(AttackCase):
    """Elements are what their namespace URI and local name say, never what a
    prefix looks like."""

    def test_signature_in_a_foreign_namespace(self):
        """The only Signature moved to another namespace (default-namespace and
        ds:-prefix forms): to the module the Assertion is simply unsigned."""
        def default_ns(rid):
            resp = self.signed(rid, user=VICTIM, key=self.evil_key, cert=self.evil_cert)
            signature_of(assertion_of(resp)).tag = "{http://www.w3.org/2000/09/xmldsig#x}Signature"
            return resp

        def ds_prefix(rid):
            xml = serialize(self.signed(rid, user=VICTIM, key=self.evil_key, cert=self.evil_cert))
            opening = b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">'
            self.assertIn(opening, xml, "test bug")
            return xml.replace(opening, b'<ds:Signature xmlns:ds="urn:example:not-dsig" '
                               b'xmlns="http://www.w3.org/2000/09/xmldsig#">').replace(
                b"</Signature>", b"</ds:Signature>")
        for name, make in (("default namespace", default_ns), ("ds: prefix", ds_prefix)):
            with self.subTest(form=name):
                self.refused(make, 403, "signature-missing")

    def decoy_assertion(self, rid, same_id):
        """mallory's signed response plus an unsigned admin "Assertion" whose saml:
        prefix is bound to another URI, placed first."""
        resp = self.signed(rid, user=MALLORY)
        real = assertion_of(resp)
        decoy = copy.deepcopy(real)
        decoy.remove(signature_of(decoy))
        find(decoy, "saml:Subject/saml:NameID").text = VICTIM
        if not same_id:
            decoy.set("ID", "_decoy-" + rid[1:])
        for e in decoy.iter():
            e.tag = e.tag.replace(az.SAML, "urn:oasis:names:tc:SAML:2.0:assertion:evil")
        resp.insert(list(resp).index(real), decoy)
        xml = serialize(resp)
        return xml

    def test_decoy_assertion_with_the_signed_id(self):
        self.refused(lambda rid: self.decoy_assertion(rid, same_id=True), 403, "duplicate-id")

    def test_decoy_assertion_in_another_namespace_is_not_read(self):
        """Not an Assertion at all: it is ignored and mallory, whose signed
        Assertion this is, signs in as herself, never as admin."""
        seen = self.accepted(lambda rid: self.decoy_assertion(rid, same_id=False))
        self.assertEqual(seen["REMOTE_USER"], MALLORY)

    def test_response_root_in_another_namespace(self):
        def make(rid):
            xml = serialize(self.signed(rid, user=MALLORY))
            return xml.replace(b'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"',
                               b'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol:evil"', 1)
        self.refused(make, 400, "root")

    def test_assertion_namespace_redeclared_inside_signed_content(self):
        """Rebinding the default namespace inside NameID turns it into another
        element; the signature covers namespaces, so it no longer verifies."""
        def make(rid):
            xml = serialize(self.signed(rid, user=MALLORY))
            return xml.replace(b"<NameID ", b'<NameID xmlns="urn:example:evil" ', 1)
        self.refused(make, 403, "signature")


class NotWellFormed(AttackCase):
    """The same attribute twice is not XML; readers that keep the first or the
    last disagree, which is the point of such an attack."""

    def twice(self, rid, target, replacement):
        xml = serialize(self.signed(rid, user=MALLORY))
        self.assertIn(target, xml, "test bug")
        return xml.replace(target, replacement, 1)

    def test_duplicate_attributes(self):
        cases = {
            "Format twice on NameID": (b"<NameID Format=", b'<NameID Format="x" Format='),
            "ID twice on Assertion": (b'<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID=',
                                      b'<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" '
                                      b'ID="_other" ID='),
            "Recipient twice": (b"Recipient=", b'Recipient="https://evil.example/acs" Recipient='),
            "namespace declared twice": (
                b"<NameID Format=", b'<NameID xmlns:a="urn:x" xmlns:a="urn:y" Format='),
        }
        for name, (target, replacement) in cases.items():
            with self.subTest(name):
                self.refused(lambda rid: self.twice(rid, target, replacement), 400, "xml")

    def test_same_attribute_through_two_prefixes(self):
        """Namespaces in XML: a:n and b:n with one URI are the same attribute
        (libxml2 reports it but, unlike lxml, still builds the tree: only
        nsWellFormed is cleared). Put on the unsigned Response, so no signature
        check can hide whether the parser refused it."""
        self.refused(lambda rid: self.twice(
            rid, b"<samlp:Response ",
            b'<samlp:Response xmlns:a="urn:x" xmlns:b="urn:x" a:n="1" b:n="2" '), 400, "xml")

    def test_truncated_document(self):
        self.refused(lambda rid: serialize(self.signed(rid))[:-20], 400, "xml")

    def test_utf16_byte_order_mark_with_wrong_encoding(self):
        self.refused(lambda rid: b"\xff\xfe" + serialize(self.signed(rid)), 400, "xml")
