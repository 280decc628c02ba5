#!/usr/bin/python3
"""Write the seed corpora under tests/fuzz/corpus/ from the Entra-shaped IdP
in tests/idp (throwaway keys made now). Session records and AuthnRequest
redirect values come from the C core itself: see make_seeds.c.

Run from the top of the tree:  /usr/bin/python3 tests/fuzz/make_seeds.py
Re-running rewrites the same file names; the corpus is small on purpose.
"""
import base64
import datetime
import os
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "idp"))
import azure_saml as az  # noqa: E402
from lxml import etree  # noqa: E402

CORPUS = os.path.join(HERE, "corpus")
# Must match fuzz.h: the fixed clock and the deployment the harnesses configure.
NOW = datetime.datetime(2026, 11, 25, 15, 0, 0, tzinfo=datetime.timezone.utc)
TENANT = "8f0c6b4e-3d2a-4c59-9a77-2f1d5e6b9c10"
SP = "https://sp.example.test/saml/metadata"
ACS = "https://sp.example.test/saml/acs"
SSO = "https://login.microsoftonline.com/%s/saml2" % TENANT
NS = {"samlp": az.SAMLP, "saml": az.SAML, "ds": az.DS}


def write(area, name, data):
    d = os.path.join(CORPUS, area)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def raw_deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def response(key, crt, **kw):
    sign = kw.pop("sign", "assertion")
    resp = az.build_response("alice@contoso.example", ACS, SP, tenant=TENANT,
                             issue_instant=NOW, **kw)
    if sign:
        az.sign_response(resp, key, crt, sign)
    return resp


def xml(resp):
    return az.serialize(resp)


# ---------------------------------------------------------------- responses (signed)

def xsw_variants(key, crt):
    """The wrapping attacks of section 3.2: the signed Assertion stays intact
    while an unsigned twin carries the identity the attacker wants."""
    out = {}
    good = xml(response(key, crt))
    signed = etree.fromstring(good)
    a = signed.find("saml:Assertion", NS)
    evil = etree.fromstring(etree.tostring(a))
    evil.find("ds:Signature", NS).getparent().remove(evil.find("ds:Signature", NS))
    evil.find("saml:Subject/saml:NameID", NS).text = "admin@contoso.example"

    r = etree.fromstring(good)                      # XSW: evil twin first, same ID
    r.insert(list(r).index(r.find("saml:Assertion", NS)), etree.fromstring(etree.tostring(evil)))
    out["xsw_twin_before"] = etree.tostring(r)
    r = etree.fromstring(good)                      # evil twin after
    r.append(etree.fromstring(etree.tostring(evil)))
    out["xsw_twin_after"] = etree.tostring(r)
    r = etree.fromstring(good)                      # signed one hidden in Extensions
    signed_a = r.find("saml:Assertion", NS)
    r.remove(signed_a)
    ext = etree.Element("{%s}Extensions" % az.SAMLP)
    ext.append(signed_a)
    r.insert(1, ext)
    e2 = etree.fromstring(etree.tostring(evil))
    e2.set("ID", "_evil")
    r.append(e2)
    out["xsw_extensions"] = etree.tostring(r)
    r = etree.fromstring(good)                      # signed one inside the evil one's Advice
    signed_a = r.find("saml:Assertion", NS)
    r.remove(signed_a)
    e3 = etree.fromstring(etree.tostring(evil))
    e3.set("ID", "_evil")
    adv = etree.SubElement(e3, "{%s}Advice" % az.SAML)
    adv.append(signed_a)
    r.append(e3)
    out["xsw_advice"] = etree.tostring(r)
    # Signed Response wrapped in an unsigned one (XSW1/2 shape).
    signed_resp = etree.fromstring(xml(response(key, crt, sign="response")))
    outer = etree.fromstring(etree.tostring(signed_resp))
    outer.set("ID", "_outer")
    sig = signed_resp.find("ds:Signature", NS)
    for s in outer.findall("ds:Signature", NS):
        outer.remove(s)
    obj = etree.SubElement(sig, "{%s}Object" % az.DS)
    obj.append(etree.fromstring(etree.tostring(signed_resp)))
    outer.insert(1, sig)
    out["xsw_response_wrapped"] = etree.tostring(outer)
    # Comment injection after signing (Duo 2018).
    out["comment_in_nameid"] = good.replace(b"alice@contoso.example</NameID>",
                                            b"alice@contoso.example<!---->.evil</NameID>", 1)
    # Second DigestValue somewhere else (ruby-saml CVE-2024-45409 shape).
    out["second_digest"] = good.replace(
        b"<samlp:Status>",
        b"<samlp:Extensions><DigestValue xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"
        b"AAAA</DigestValue></samlp:Extensions><samlp:Status>", 1)
    # Attacker key with its cert in KeyInfo.
    return out


def hostile_documents(good):
    body = good.decode("utf-8")
    return {
        "doctype_entity": '<!DOCTYPE r [<!ENTITY x "admin@contoso.example">]>' +
                          body.replace("alice@contoso.example</NameID>", "&x;</NameID>", 1),
        "doctype_xxe": '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + body,
        "doctype_attlist_id": '<!DOCTYPE samlp:Response [<!ATTLIST Assertion ID ID #IMPLIED>]>' +
                              body,
        "pi_before_root": '<?xml-stylesheet href="x"?>' + body,
        "cdata_nameid": body.replace("alice@contoso.example</NameID>",
                                     "<![CDATA[alice@contoso.example]]></NameID>", 1),
        "keyinfo_retrieval": body.replace(
            "</SignatureValue>",
            "</SignatureValue><KeyInfo><RetrievalMethod URI=\"http://127.0.0.1:9/x\"/>"
            "</KeyInfo>", 1) if "</SignatureValue>" in body else body,
        "deep": "<a>" * 40 + "</a>" * 40,
        "bad_times": body.replace(body[body.index('IssueInstant="') + 14:
                                       body.index('IssueInstant="') + 42],
                                  "2026-13-40T99:99:99.1234567", 1),
    }


def responses(key, crt, attacker_key, attacker_crt):
    good = xml(response(key, crt))
    write("response", "azure_assertion_signed.xml", good)
    write("response", "azure_response_signed.xml", xml(response(key, crt, sign="response")))
    write("response", "azure_both_signed.xml", xml(response(key, crt, sign="both")))
    write("response", "azure_sp_initiated.xml",
          xml(response(key, crt, in_response_to="_0123456789abcdef0123456789abcdef")))
    write("response", "azure_error_aadsts.xml",
          base64.b64decode(az.make_error_response(ACS, tenant=TENANT)))
    write("response", "azure_unsigned.xml", xml(response(key, crt, sign=None)))
    write("response", "attacker_key_in_keyinfo.xml", xml(response(attacker_key, attacker_crt)))
    write("response", "azure_assertion_signed.b64", base64.b64encode(good) + b"\n")
    for name, data in xsw_variants(key, crt).items():
        write("response", name + ".xml", data)
    for name, data in hostile_documents(good).items():
        write("response", name + ".xml", data)


# ---------------------------------------------------------------- unsigned, signed by fuzz_assertion

def unsigned(**kw):
    return xml(az.build_response("alice@contoso.example", ACS, SP, tenant=TENANT,
                                 issue_instant=NOW, **kw))


def assertions():
    write("assertion", "azure_default.xml", unsigned())
    write("assertion", "azure_sp_initiated.xml",
          unsigned(in_response_to="_0123456789abcdef0123456789abcdef"))
    write("assertion", "azure_groups.xml",
          unsigned(groups=["b1f6c6a2-0000-4000-8000-000000000001",
                           "b1f6c6a2-0000-4000-8000-000000000002"]))
    write("assertion", "azure_session_not_on_or_after.xml",
          unsigned(session_not_on_or_after=NOW + datetime.timedelta(hours=8)))
    write("assertion", "expired.xml",
          unsigned(not_before=NOW - datetime.timedelta(hours=3)))
    write("assertion", "wrong_audience.xml",
          xml(az.build_response("alice@contoso.example", ACS, "spn:other", tenant=TENANT,
                                issue_instant=NOW)))
    write("assertion", "attribute_without_name.xml",
          unsigned(attributes=[(az.CLAIM_NAME, ["alice@contoso.example"]),
                               ("", ["x"]), (az.CLAIM_EMAIL, [""])]))
    nil = unsigned().replace(
        b"<AttributeStatement>",
        b"<AttributeStatement><Attribute Name=\"nil\"><AttributeValue "
        b"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"/>"
        b"</Attribute>", 1)
    write("assertion", "xsi_nil.xml", nil)
    write("assertion", "fraction_20_digits.xml",
          unsigned().replace(b".0000000Z", b".00000000000000000000Z", 1))
    write("assertion", "offset_zone.xml", unsigned().replace(b"Z\"", b"+14:00\"", 1))


# ---------------------------------------------------------------- the other harnesses

def metadata(crt, crt2):
    md = az.make_metadata(TENANT, SSO, [crt, crt2])
    write("metadata", "azure_federation_bom.xml", md)
    write("metadata", "azure_no_bom.xml", az.make_metadata(TENANT, SSO, [crt], bom=False))
    body = md[3:].split(b"?>", 1)[1]
    write("metadata", "entities_descriptor.xml",
          b"<EntitiesDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\">" + body +
          b"</EntitiesDescriptor>")
    write("metadata", "bad_cert.xml", md.replace(az.cert_base64(crt).encode(), b"AAAA!!", 1))
    write("metadata", "no_idpsso.xml",
          md.replace(b"IDPSSODescriptor", b"SPSSODescriptor"))


def xml_corpus(good):
    write("xml", "response.xml", good)
    write("xml", "mixed.xml", b"<a xmlns=\"urn:x\" ID=\"_1\"><b Id=\"_2\">t<!--c-->u</b>"
          b"<c><![CDATA[x]]>y</c><d AssertionID=\"_3\"/><e xml:id=\"_4\"/></a>")
    write("xml", "duplicate_id.xml", b"<a><b ID=\"x\"/><c ID=\"x\"/></a>")
    write("xml", "doctype.xml", b"<!DOCTYPE a [<!ENTITY e \"v\">]><a>&e;</a>")
    write("xml", "pi.xml", b"<a><?pi x?></a>")
    write("xml", "deep.xml", b"<a>" * 33 + b"</a>" * 33)
    write("xml", "namespaces.xml",
          b"<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
          b"xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"><Issuer>x</Issuer>"
          b"<ds:Signature xmlns:ds=\"urn:not-dsig\"/></saml:Assertion>")


def redirects():
    logout = ("<samlp:LogoutRequest xmlns:samlp=\"%s\" xmlns:saml=\"%s\" ID=\"_%s\" "
              "Version=\"2.0\" IssueInstant=\"2026-11-25T15:00:00.0000000Z\" "
              "Destination=\"https://sp.example.test/saml/logout\">"
              "<saml:Issuer>https://sts.windows.net/%s/</saml:Issuer>"
              "<saml:NameID Format=\"%s\">alice@contoso.example</saml:NameID>"
              "<samlp:SessionIndex>_a1b2c3</samlp:SessionIndex></samlp:LogoutRequest>"
              % (az.SAMLP, az.SAML, "9" * 32, TENANT, az.NAMEID_EMAIL)).encode()
    write("redirect", "logout_request.b64", base64.b64encode(raw_deflate(logout)))
    write("redirect", "logout_request.deflate", raw_deflate(logout))
    write("redirect", "deflate_bomb.b64", base64.b64encode(raw_deflate(b"\0" * (8 << 20))))
    write("redirect", "doctype.b64",
          base64.b64encode(raw_deflate(b"<!DOCTYPE a [<!ENTITY e \"v\">]><a>&e;</a>")))
    write("redirect", "not_deflate.b64", base64.b64encode(b"<AuthnRequest/>"))
    write("redirect", "zlib_header.b64", base64.b64encode(zlib.compress(logout)))


RELAY_GOOD = ["/", "/app/page?x=1&y=%2F", "/a/b#frag", "/100%25", "/search?q=%C3%A9t%C3%A9",
              "/app?next=//elsewhere", "/search?q=a%20b"]
RELAY_BAD = ["//evil", "///evil", "/\\evil", "\\\\evil", "%2F%2Fevil", "/%2f/evil", "/%5Cevil",
             "/%255Cevil", "/%252F%252Fevil", "/%09/evil", "/%0d%0aSet-Cookie:x=1", "/%00",
             "/%2500", "/a b", "javascript:alert(1)", "data:text/html,x", "http:evil.example",
             "https:%5c%5cevil.example/", "////\\;@example.com", "/%", "/%zz"]

# Full URLs as admins paste them in Entra's Relay State box (the harness's site
# is https://www.example.com), and the tricks that must not pass for it.
RELAY_URLS = ["https://www.example.com/app/report?id=7", "HTTPS://WWW.EXAMPLE.COM:443/a",
              "https://www.example.com", "https://www.example.com@evil.example/",
              "https://user@www.example.com/", "https://www.example.com:0443/",
              "https://www.example.com./", "https://www.example%2Ecom/",
              "https://www.example.com//evil.example", "https://www.example.com/%2F%2Fevil",
              "https:/\\www.example.com/", "http://www.example.com/",
              "https://xn--www-example.com/", "https://[::1]:443/",
              "https://www.example.com#@evil.example"]


def relay_states():
    for i, s in enumerate(RELAY_GOOD + RELAY_BAD):
        write("relay_state", "path_%02d" % i, s)
    for i, s in enumerate(RELAY_URLS):
        write("relay_state", "url_%02d" % i, s)
    write("relay_state", "form_url", "RelayState=https%3A%2F%2Fwww.example.com%2Fapp%3Fid%3D7")
    write("relay_state", "form_acs", "SAMLResponse=PHNhbWxwOlJlc3BvbnNlLz4%3D&RelayState=%2Fapp")
    write("relay_state", "form_duplicate", "SAMLResponse=a&samlresponse=b&RelayState=/x")
    write("relay_state", "form_plus", "RelayState=%2Fa+b&x=&&y")
    write("relay_state", "form_bad_escape", "RelayState=%2")


def cookies():
    sid = base64.urlsafe_b64encode(b"\x01" * 32).rstrip(b"=").decode()
    name = "sequr_saml_session"
    write("cookie", "header_one", "%s=%s" % (name, sid))
    write("cookie", "header_many", "a=1; %s=%s; b=2; %s=short; %s=" % (name, sid, name, name))
    write("cookie", "header_odd", "=; ;;=x; %s; %s==%s" % (name, name, sid))
    write("cookie", "header_long", "%s=%s" % (name, "A" * 8192))
    write("cookie", "header_1000_pairs", "; ".join("c%d=v" % i for i in range(1000)))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        key, crt = az.make_keypair(tmp, "idp")
        _, crt2 = az.make_keypair(tmp, "idp2")
        akey, acrt = az.make_keypair(tmp, "attacker", cn="attacker")
        responses(key, crt, akey, acrt)
        good = xml(response(key, crt))
        assertions()
        metadata(crt, crt2)
        xml_corpus(good)
    redirects()
    relay_states()
    cookies()


if __name__ == "__main__":
    main()
