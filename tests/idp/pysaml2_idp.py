#!/usr/bin/python3
"""An independent IdP for interoperability: Debian's pysaml2 (module saml2).

Nothing here is Azure-shaped on purpose: pysaml2 writes `ns0:`/`ns1:`-style
prefixes, its own ID format, its own Signature layout. The module must accept
what pysaml2 produces unmodified.

    idp = Pysaml2IdP(workdir, key, cert, sp_metadata_xml, entity_id, sso_url)
    b64 = idp.make_response(saml_request_b64_or_None, "alice@example.org", acs_url=...)

With slo_url, it also speaks Single Logout over HTTP-Redirect (query-signed):
    url = idp.logout_request_url(sp_logout_url, sp_entity_id, "alice@example.org")
    url = idp.logout_response_url(saml_request_b64, relay_state)   # answering the SP
    msg = idp.parse_logout_response(saml_response_b64)              # the SP's answer
"""
import base64
import os
import sys

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.authn_context import PASSWORD
from saml2.config import IdPConfig
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"


def make_sp_metadata(entity_id, acs_url, cert_b64=None):
    """Minimal SP metadata, for when the module's PATH/metadata is not at hand."""
    kd = ("<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s"
          "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>" % cert_b64
          ) if cert_b64 else ""
    return ('<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="%s" xmlns:ds="%s" '
            'entityID="%s"><md:SPSSODescriptor AuthnRequestsSigned="false" '
            'WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:'
            '2.0:protocol">%s<md:NameIDFormat>%s</md:NameIDFormat>'
            '<md:AssertionConsumerService Binding="%s" Location="%s" index="0" '
            'isDefault="true"/></md:SPSSODescriptor></md:EntityDescriptor>\n'
            % (MD, DS, entity_id, kd, NAMEID_FORMAT_EMAILADDRESS, BINDING_HTTP_POST, acs_url))


class Pysaml2IdP:
    """A pysaml2 Server configured at runtime for one SP."""

    def __init__(self, workdir, key, cert, sp_metadata, entity_id, sso_url,
                 sign_response=False, sign_assertion=True, slo_url=None):
        """sp_metadata: the SP's metadata XML (str or bytes), e.g. fetched from the
        module's PATH/metadata. It is written to workdir for pysaml2's mdstore."""
        os.makedirs(workdir, exist_ok=True)
        md_path = os.path.join(workdir, "sp-metadata.xml")
        with open(md_path, "wb") as f:
            f.write(sp_metadata.encode("utf-8") if isinstance(sp_metadata, str) else sp_metadata)
        self.entity_id = entity_id
        self.sign_response, self.sign_assertion = sign_response, sign_assertion
        conf = IdPConfig()
        conf.load({
            "entityid": entity_id,
            "service": {"idp": {
                "name": "pysaml2 interop IdP",
                "endpoints": dict(
                    {"single_sign_on_service": [(sso_url, BINDING_HTTP_REDIRECT),
                                                (sso_url, BINDING_HTTP_POST)]},
                    **({"single_logout_service": [(slo_url, BINDING_HTTP_REDIRECT)]}
                       if slo_url else {})),
                "policy": {"default": {"lifetime": {"minutes": 15},
                                       "attribute_restrictions": None,
                                       "name_form": NAME_FORMAT_URI}},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                "sign_response": sign_response,
                "sign_assertion": sign_assertion,
                "want_authn_requests_signed": False,
            }},
            "key_file": key,
            "cert_file": cert,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "metadata": {"local": [md_path]},
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "accepted_time_diff": 60,
        })
        self.server = Server(config=conf)

    def parse_request(self, saml_request_b64):
        """Our real AuthnRequest as pysaml2 reads it (Redirect binding)."""
        return self.server.parse_authn_request(saml_request_b64, BINDING_HTTP_REDIRECT).message

    def make_response(self, saml_request_b64, user, acs_url=None, sp_entity_id=None,
                      attributes=None):
        """Base64 SAMLResponse for user: answering saml_request_b64 (SP-initiated),
        or unsolicited when it is None (then acs_url / sp_entity_id come from the
        SP metadata unless given)."""
        if saml_request_b64:
            req = self.parse_request(saml_request_b64)
            in_response_to = req.id
            sp = req.issuer.text
            acs = req.assertion_consumer_service_url or acs_url
        else:
            in_response_to = None
            sp = sp_entity_id or self.server.metadata.service_providers()[0]
            acs = acs_url or self.server.metadata.assertion_consumer_service(
                sp, BINDING_HTTP_POST)[0]["location"]
        identity = attributes or {"mail": [user], "uid": [user.split("@")[0]],
                                  "displayName": [user.split("@")[0].title()]}
        resp = self.server.create_authn_response(
            identity, in_response_to, acs, sp,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user),
            authn={"class_ref": PASSWORD, "authn_auth": self.entity_id},
            sign_response=self.sign_response, sign_assertion=self.sign_assertion,
            sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        return base64.b64encode(str(resp).encode("utf-8")).decode("ascii")


    # ------------------------------------------------------------------ logout

    def logout_request_url(self, sp_logout_url, sp_entity_id, user, session_indexes=None,
                           relay_state=None):
        """An IdP-initiated LogoutRequest, Redirect binding, query-signed (rsa-sha256)."""
        _, req = self.server.create_logout_request(
            sp_logout_url, sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user),
            session_indexes=session_indexes, sign=False)
        info = self.server.apply_binding(BINDING_HTTP_REDIRECT, str(req), sp_logout_url,
                                         relay_state, sigalg=SIG_RSA_SHA256, sign=True)
        return dict(info["headers"])["Location"]

    def parse_logout_request(self, saml_request_b64):
        """The SP's LogoutRequest as pysaml2 reads it (Redirect binding)."""
        return self.server.parse_logout_request(saml_request_b64, BINDING_HTTP_REDIRECT).message

    def logout_response_url(self, saml_request_b64, relay_state=None):
        """pysaml2's LogoutResponse to the SP's LogoutRequest, to the SP's
        SingleLogoutService (Redirect binding, query-signed)."""
        req = self.parse_logout_request(saml_request_b64)
        resp = self.server.create_logout_response(req, [BINDING_HTTP_REDIRECT], sign=False)
        dest = self.server.metadata.single_logout_service(
            req.issuer.text, BINDING_HTTP_REDIRECT, "spsso")[0]["location"]
        info = self.server.apply_binding(BINDING_HTTP_REDIRECT, str(resp), dest, relay_state,
                                         response=True, sigalg=SIG_RSA_SHA256, sign=True)
        return dict(info["headers"])["Location"]

    def parse_logout_response(self, saml_response_b64):
        """The SP's LogoutResponse as pysaml2 reads it (Redirect binding)."""
        return self.server.parse_logout_request_response(saml_response_b64,
                                                          BINDING_HTTP_REDIRECT).response


if __name__ == "__main__":
    sys.exit("library only: import pysaml2_idp")
