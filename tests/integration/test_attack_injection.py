"""Comment, processing-instruction, element and CDATA splitting inside NameID
and attribute values (Duo 2018: CVE-2017-11427 python-saml, -11428 ruby-saml,
-11429 saml2-js, -11430 omniauth-saml, CVE-2018-0489 Shibboleth).

The attacker registers "admin@contoso.example.evil.com" at the IdP, gets a
genuinely signed assertion, and then splits the value after signing. exc-c14n
without comments ignores comments and turns CDATA into text, so the signature
stays valid (each test proves that locally with xmlsec). A reader that takes
only the first text node would sign him in as "admin@contoso.example".

The module's rule: an identity value with a comment, PI or element inside is
refused ("text-content"; PIs are already refused by the parser: "xml"); CDATA
is text, and the identity is then the WHOLE value, never a part of it."""
from attacks import AttackCase, find, assertion_of, serialize, signature_verifies
from harness import az

ATTACKER = "admin@contoso.example.evil.com"
VICTIM_PREFIX = "admin@contoso.example"


def split_after_signing(xml, close_tag, insert):
    """Put insert between VICTIM_PREFIX and the rest of ATTACKER where the value
    is followed by close_tag (b"</NameID>", b"</AttributeValue>")."""
    whole = ATTACKER.encode() + close_tag
    assert whole in xml, "test bug: %r not in the response" % whole
    rest = ATTACKER[len(VICTIM_PREFIX):].encode()
    return xml.replace(whole, VICTIM_PREFIX.encode() + insert + rest + close_tag)


class NameIDSplitting(AttackCase):
    """REMOTE_USER comes from the NameID (the default)."""

    def split(self, rid, insert, close_tag=b"</NameID>", **kw):
        xml = serialize(self.signed(rid, user=ATTACKER, **kw))
        forged = split_after_signing(xml, close_tag, insert)
        if insert.startswith(b"<!--") or insert.startswith(b"<![CDATA["):
            self.assertTrue(signature_verifies(forged, self.idp.cert),
                            "test bug: the split broke the signature")
        return forged

    def test_comment_inside_name_id(self):
        for comment in (b"<!---->", b"<!-- x -->"):
            with self.subTest(comment=comment):
                line = self.refused(lambda rid: self.split(rid, comment), 403, "text-content")
                self.assertIn("comment", line)

    def test_processing_instruction_inside_name_id(self):
        self.refused(lambda rid: self.split(rid, b"<?x y?>"), 403, ("xml", "text-content"))

    def test_element_inside_name_id(self):
        """Even signed by the IdP, markup inside the identity is refused."""
        def make(rid):
            resp = self.build(rid, user=ATTACKER)
            name_id = find(assertion_of(resp), "saml:Subject/saml:NameID")
            name_id.text = VICTIM_PREFIX
            b = name_id.makeelement("{%s}b" % az.SAML)
            b.tail = ATTACKER[len(VICTIM_PREFIX):]
            name_id.append(b)
            return self.sign_tree(resp)
        line = self.refused(make, 403, "text-content")
        self.assertIn("child element", line)

    def test_comment_inside_issuer_and_audience(self):
        """Every value compared for equality is read the same way."""
        tenant = self.idp.issuer.encode()
        for name, target, insert in (
                ("Issuer", b">" + tenant + b"</Issuer><Signature",
                 b">" + tenant[:8] + b"<!---->" + tenant[8:] + b"</Issuer><Signature"),
                ("Audience", b">https://sequr.example.test/saml</Audience>",
                 b">https://sequr.example.test<!---->/saml</Audience>")):
            with self.subTest(element=name):
                def make(rid):
                    xml = serialize(self.signed(rid))
                    self.assertIn(target, xml, "test bug")
                    forged = xml.replace(target, insert, 1)
                    self.assertTrue(signature_verifies(forged, self.idp.cert))
                    return forged
                self.refused(make, 403, "text-content")

    def test_cdata_split_name_id_is_the_whole_value(self):
        seen = self.accepted(lambda rid: self.split(rid, b"<![CDATA[]]>"))
        self.assertEqual(seen["REMOTE_USER"], ATTACKER)

    def test_cdata_holding_the_rest_is_the_whole_value(self):
        def make(rid):
            xml = serialize(self.signed(rid, user=ATTACKER))
            rest = ATTACKER[len(VICTIM_PREFIX):].encode()
            whole = ATTACKER.encode() + b"</NameID>"
            forged = xml.replace(whole, VICTIM_PREFIX.encode() + b"<![CDATA[" + rest +
                                 b"]]></NameID>")
            self.assertTrue(signature_verifies(forged, self.idp.cert))
            return forged
        seen = self.accepted(make)
        self.assertEqual(seen["REMOTE_USER"], ATTACKER)

    def test_whole_name_id_in_cdata(self):
        def make(rid):
            xml = serialize(self.signed(rid, user=ATTACKER))
            whole = b">" + ATTACKER.encode() + b"</NameID>"
            return xml.replace(whole, b"><![CDATA[" + ATTACKER.encode() + b"]]></NameID>")
        seen = self.accepted(make)
        self.assertEqual(seen["REMOTE_USER"], ATTACKER)


class AttributeValueSplitting(AttackCase):
    """REMOTE_USER comes from the "name" claim (SequrSAMLUserAttribute)."""
    directives = {"UserAttribute": az.CLAIM_NAME}

    def split_name_claim(self, rid, insert):
        xml = serialize(self.signed(rid, user=ATTACKER))
        claim = ('Name="%s"><AttributeValue>%s</AttributeValue>'
                 % (az.CLAIM_NAME, ATTACKER)).encode()
        self.assertIn(claim, xml, "test bug")
        forged = xml.replace(claim, split_after_signing(claim, b"</AttributeValue>", insert))
        if not insert.startswith(b"<?"):
            self.assertTrue(signature_verifies(forged, self.idp.cert))
        return forged

    def test_comment_inside_the_user_attribute(self):
        line = self.refused(lambda rid: self.split_name_claim(rid, b"<!---->"), 403,
                            "text-content")
        self.assertIn("AttributeValue", line)

    def test_processing_instruction_inside_the_user_attribute(self):
        self.refused(lambda rid: self.split_name_claim(rid, b"<?x?>"), 403,
                     ("xml", "text-content"))

    def test_comment_inside_another_attribute(self):
        """Any attribute the session keeps (and a Location may use for
        REMOTE_USER) is read whole too."""
        def make(rid):
            xml = serialize(self.signed(rid, user=ATTACKER))
            claim = ('Name="%s"><AttributeValue>%s</AttributeValue>'
                     % (az.CLAIM_EMAIL, ATTACKER)).encode()
            return xml.replace(claim, split_after_signing(claim, b"</AttributeValue>",
                                                          b"<!---->"))
        self.refused(make, 403, "text-content")

    def test_cdata_split_user_attribute_is_the_whole_value(self):
        seen = self.accepted(lambda rid: self.split_name_claim(rid, b"<![CDATA[]]>"))
        self.assertEqual(seen["REMOTE_USER"], ATTACKER)

    def test_cdata_holding_part_of_the_user_attribute(self):
        def make(rid):
            xml = serialize(self.signed(rid, user=ATTACKER))
            claim = ('Name="%s"><AttributeValue>%s</AttributeValue>'
                     % (az.CLAIM_NAME, ATTACKER)).encode()
            forged = xml.replace(claim, (
                'Name="%s"><AttributeValue>%s<![CDATA[%s]]></AttributeValue>'
                % (az.CLAIM_NAME, VICTIM_PREFIX, ATTACKER[len(VICTIM_PREFIX):])).encode())
            self.assertTrue(signature_verifies(forged, self.idp.cert))
            return forged
        seen = self.accepted(make)
        self.assertEqual(seen["REMOTE_USER"], ATTACKER)

