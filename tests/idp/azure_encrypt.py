"""Entra ID's optional token encryption, as the test IdP applies it.

With "Token encryption" on, Entra signs the Assertion, then replaces it by a
saml:EncryptedAssertion for the certificate uploaded to the app: xenc
EncryptedData with AES-256-CBC content (Type Element), its ds:KeyInfo holding
one xenc:EncryptedKey with RSA-OAEP-MGF1P key transport (DigestMethod SHA-1)
and the certificate named in the EncryptedKey's own KeyInfo. A Response
signature (signing option "response" or "both") is made last, over the
EncryptedAssertion. Encryption is done with python3-xmlsec (libxmlsec1), an
implementation independent of the module's own decryption code.
"""
import base64

from lxml import etree
import xmlsec

import azure_saml as az

XENC = "http://www.w3.org/2001/04/xmlenc#"
CONTENT = {
    "aes256-cbc": xmlsec.constants.TransformAes256Cbc,
    "aes128-cbc": xmlsec.constants.TransformAes128Cbc,
    "aes256-gcm": xmlsec.constants.TransformAes256Gcm,
    "aes128-gcm": xmlsec.constants.TransformAes128Gcm,
}
KEY_TRANSPORT = {
    "rsa-oaep": xmlsec.constants.TransformRsaOaep,     # rsa-oaep-mgf1p, what Entra uses
    "rsa-1_5": xmlsec.constants.TransformRsaPkcs1,     # never accepted: for refusal tests
}


def _cert_body(cert_path):
    with open(cert_path) as f:
        pem = f.read()
    return "".join(line for line in pem.splitlines() if "-----" not in line)


def encrypt_assertion(resp, sp_cert, content="aes256-cbc", key_transport="rsa-oaep"):
    """Replace resp's Assertion (lxml, already signed as wanted) by an
    EncryptedAssertion for sp_cert (PEM path). Returns resp."""
    assertion = resp.find("{%s}Assertion" % az.SAML)
    if assertion is None:
        raise ValueError("no Assertion to encrypt")
    data = xmlsec.template.encrypted_data_create(
        resp, CONTENT[content], type=xmlsec.constants.TypeEncElement, ns="xenc")
    xmlsec.template.encrypted_data_ensure_cipher_value(data)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(data)
    enc_key = xmlsec.template.add_encrypted_key(key_info, KEY_TRANSPORT[key_transport])
    xmlsec.template.encrypted_data_ensure_cipher_value(enc_key)

    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_file(sp_cert, xmlsec.constants.KeyDataFormatCertPem))
    ctx = xmlsec.EncryptionContext(manager)
    bits = 128 if "128" in content else 256
    ctx.key = xmlsec.Key.generate(xmlsec.constants.KeyDataAes, bits,
                                  xmlsec.constants.KeyDataTypeSession)
    # Encrypted where it stands, so the plaintext is the Assertion with its own
    # namespace declarations (Entra serialises it on its own), then wrapped.
    data = ctx.encrypt_xml(data, assertion)
    wrapper = etree.Element("{%s}EncryptedAssertion" % az.SAML, nsmap={None: az.SAML})
    data.addprevious(wrapper)
    wrapper.append(data)

    # Entra names the certificate it encrypted for; the SP must not rely on it.
    enc_key_node = wrapper.find(".//{%s}EncryptedKey" % XENC)
    if key_transport == "rsa-oaep":
        method = enc_key_node.find("{%s}EncryptionMethod" % XENC)
        if method.find("{%s}DigestMethod" % az.DS) is None:
            etree.SubElement(method, "{%s}DigestMethod" % az.DS,
                             {"Algorithm": "http://www.w3.org/2000/09/xmldsig#sha1"})
    ki = etree.Element("{%s}KeyInfo" % az.DS)
    etree.SubElement(etree.SubElement(ki, "{%s}X509Data" % az.DS),
                     "{%s}X509Certificate" % az.DS).text = _cert_body(sp_cert)
    enc_key_node.find("{%s}EncryptionMethod" % XENC).addnext(ki)
    return resp


def make_encrypted_response(user, acs_url, audience, in_response_to=None, key=None, cert=None,
                            sign="assertion", sig_alg="rsa-sha256", digest_alg="sha256",
                            encrypt_for=None, content="aes256-cbc", key_transport="rsa-oaep",
                            **fields):
    """Like azure_saml.make_response, with the Assertion encrypted for the SP
    certificate encrypt_for: assertion signed first, response signed last."""
    resp = az.build_response(user, acs_url, audience, in_response_to, **fields)
    if sign in ("assertion", "both"):
        az.sign_response(resp, key, cert, "assertion", sig_alg, digest_alg)
    encrypt_assertion(resp, encrypt_for, content, key_transport)
    if sign in ("response", "both"):
        az.sign_element(resp, key, cert, sig_alg, digest_alg)
    return base64.b64encode(az.serialize(resp)).decode("ascii")
