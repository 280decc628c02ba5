"""SAML messages shaped exactly like Microsoft Entra ID (Azure AD) writes them.

Everything here follows field-notes section 4 and the samples in Microsoft's
"Single sign-on SAML protocol" page: a `samlp:`-prefixed Response around an
Assertion in the *default* namespace, a Signature in the default dsig
namespace placed right after Issuer, `_`+GUID IDs, timestamps with seven
fractional digits, Conditions NotBefore = IssueInstant and NotOnOrAfter +70
minutes, SubjectConfirmationData +5 minutes, and Azure's claim URIs.

Keys and certificates are made at test time (make_keypair); nothing here
expires on its own.
"""
import base64
import datetime
import os
import subprocess
import uuid
import zlib

from lxml import etree
import xmlsec

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"

STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
STATUS_REQUESTER = "urn:oasis:names:tc:SAML:2.0:status:Requester"
STATUS_REQUEST_UNSUPPORTED = "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported"
STATUS_RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
STATUS_NO_PASSIVE = "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
AC_PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"

CLAIM_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
CLAIM_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
CLAIM_GIVENNAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
CLAIM_SURNAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
CLAIM_TENANTID = "http://schemas.microsoft.com/identity/claims/tenantid"
CLAIM_OBJECTID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
CLAIM_DISPLAYNAME = "http://schemas.microsoft.com/identity/claims/displayname"
CLAIM_IDP = "http://schemas.microsoft.com/identity/claims/identityprovider"
CLAIM_AMR = "http://schemas.microsoft.com/claims/authnmethodsreferences"
CLAIM_GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"

AMR_PASSWORD = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"
# What Entra adds to authnmethodsreferences after multi-factor authentication.
AMR_MFA = "http://schemas.microsoft.com/claims/multipleauthn"

DEFAULT_TENANT = "8f0c6b4e-3d2a-4c59-9a77-2f1d5e6b9c10"



# --------------------------------------------------------------------------- time and ids

def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def azure_time(dt):
    """Azure writes seven fractional digits (.NET ticks): 2026-11-25T14:56:23.1234567Z."""
    dt = dt.astimezone(datetime.timezone.utc)
    return "%s.%06d%dZ" % (dt.strftime("%Y-%m-%dT%H:%M:%S"), dt.microsecond,
                           dt.microsecond * 7 % 10)


def azure_id():
    return "_" + str(uuid.uuid4())


def entra_issuer(tenant):
    return "https://sts.windows.net/%s/" % tenant


def object_id(tenant, user):
    """A stable per-user object id, as the directory would keep one."""
    return str(uuid.uuid5(uuid.UUID(tenant), user.lower()))


# --------------------------------------------------------------------------- keys

def make_keypair(directory, name="idp", cn="Microsoft Azure Federated SSO Certificate",
                 kind="rsa"):
    """Write name.key / name.crt (self-signed, 2 days) into directory; return the paths.

    kind "rsa" gives RSA-2048 like Entra's signing certs; "ec" gives P-256 for the
    ECDSA cases."""
    os.makedirs(directory, exist_ok=True)
    key = os.path.join(directory, name + ".key")
    crt = os.path.join(directory, name + ".crt")
    newkey = ["-newkey", "rsa:2048"] if kind == "rsa" else \
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    subprocess.run(["openssl", "req", "-x509"] + newkey +
                   ["-nodes", "-days", "2", "-subj", "/CN=" + cn,
                    "-keyout", key, "-out", crt],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o644)   # throwaway test key; Apache's unprivileged children may read it
    return key, crt


def make_expired_keypair(directory, name="expired", cn="Expired Azure SSO Certificate",
                         start="20240101000000Z", end="20240201000000Z"):
    """A self-signed RSA pair whose certificate lies in the past (`openssl ca`
    is the CLI that accepts explicit dates). Returns (key, cert) paths."""
    work = os.path.join(directory, name + ".ca")
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nserial = serial\n"
                "new_certs_dir = .\ndefault_md = sha256\npolicy = p\n"
                "[p]\ncommonName = supplied\n")
    open(os.path.join(work, "index.txt"), "w").close()
    with open(os.path.join(work, "serial"), "w") as f:
        f.write("01\n")
    key = os.path.join(directory, name + ".key")
    crt = os.path.join(directory, name + ".crt")
    quiet = dict(check=True, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj",
                    "/CN=" + cn, "-keyout", key, "-out", "req.csr"], **quiet)
    subprocess.run(["openssl", "ca", "-batch", "-config", "ca.cnf", "-selfsign", "-notext",
                    "-keyfile", key, "-in", "req.csr", "-startdate", start, "-enddate", end,
                    "-out", crt], **quiet)
    os.chmod(key, 0o644)
    return key, crt


def cert_base64(cert_path):
    """The bare Base64 body of a PEM certificate: Azure's "Certificate (Base64)" text."""
    with open(cert_path) as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("-----")]
    return "".join(lines)


def cert_der(cert_path):
    return base64.b64decode(cert_base64(cert_path))


# --------------------------------------------------------------------------- signing

def _el(parent, ns, tag, attrib=None, text=None):
    e = etree.SubElement(parent, "{%s}%s" % (ns, tag), attrib or {})
    if text is not None:
        e.text = text
    return e


SIG_URIS = {
    "rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "rsa-sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "rsa-sha384": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "rsa-sha512": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "ecdsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
}
DIGEST_URIS = {
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


def _signature_template(ref_id, sig_alg, digest_alg):
    """<Signature xmlns="...xmldsig#"> written without whitespace, as Entra emits it
    (xmlsec's own templates put newlines between the children)."""
    sig = etree.Element("{%s}Signature" % DS, nsmap={None: DS})
    si = _el(sig, DS, "SignedInfo")
    _el(si, DS, "CanonicalizationMethod", {"Algorithm": EXC_C14N})
    _el(si, DS, "SignatureMethod", {"Algorithm": SIG_URIS[sig_alg]})
    ref = _el(si, DS, "Reference", {"URI": "#" + ref_id})
    tr = _el(ref, DS, "Transforms")
    _el(tr, DS, "Transform", {"Algorithm": ENVELOPED})
    _el(tr, DS, "Transform", {"Algorithm": EXC_C14N})
    _el(ref, DS, "DigestMethod", {"Algorithm": DIGEST_URIS[digest_alg]})
    _el(ref, DS, "DigestValue")
    _el(sig, DS, "SignatureValue")
    _el(_el(_el(sig, DS, "KeyInfo"), DS, "X509Data"), DS, "X509Certificate")
    return sig


def sign_element(node, key, cert, sig_alg="rsa-sha256", digest_alg="sha256", position=None):
    """Enveloped signature over node, placed right after its Issuer (or at position),
    in the default dsig namespace, exc-c14n, KeyInfo carrying the certificate."""
    xmlsec.tree.add_ids(node, ["ID"])
    sig = _signature_template(node.get("ID"), sig_alg, digest_alg)
    if position is None:
        issuer = node.find("{%s}Issuer" % SAML)
        position = list(node).index(issuer) + 1 if issuer is not None else 0
    node.insert(position, sig)
    xmlsec.base64_default_line_size(1 << 20)   # one-line base64, like Azure
    ctx = xmlsec.SignatureContext()
    k = xmlsec.Key.from_file(key, xmlsec.KeyFormat.PEM)
    k.load_cert_from_file(cert, xmlsec.KeyFormat.PEM)
    ctx.key = k
    ctx.sign(sig)
    for unsigned in ("SignatureValue", "KeyInfo/{%s}X509Data/{%s}X509Certificate" % (DS, DS)):
        e = sig.find("{%s}%s" % (DS, unsigned))
        e.text = "".join(e.text.split())    # outside SignedInfo: not covered by the signature
    return sig


# --------------------------------------------------------------------------- responses

def default_attributes(tenant, user, display_name=None, groups=None, mfa=False):
    """The claims Entra emits for a gallery app by default (name = UPN); with
    mfa, authnmethodsreferences also says multipleauthn, as after MFA."""
    local = user.split("@")[0]
    given, _, sur = local.partition(".")
    attrs = [
        (CLAIM_TENANTID, [tenant]),
        (CLAIM_OBJECTID, [object_id(tenant, user)]),
        (CLAIM_DISPLAYNAME, [display_name or local.replace(".", " ").title()]),
        (CLAIM_IDP, [entra_issuer(tenant)]),
        (CLAIM_AMR, [AMR_PASSWORD, AMR_MFA] if mfa else [AMR_PASSWORD]),
        (CLAIM_NAME, [user]),
        (CLAIM_EMAIL, [user]),
        (CLAIM_GIVENNAME, [given.title() or local]),
        (CLAIM_SURNAME, [sur.title() or local]),
    ]
    if groups:
        attrs.append((CLAIM_GROUPS, list(groups)))
    return attrs


def build_response(user, acs_url, audience, in_response_to=None, tenant=DEFAULT_TENANT,
                   issuer=None, assertion_issuer=None, destination=None, recipient=None,
                   name_id=None, name_id_format=NAMEID_EMAIL, attributes=None,
                   issue_instant=None, not_before=None, not_on_or_after=None,
                   sc_not_on_or_after=None, session_not_on_or_after=None,
                   status=STATUS_SUCCESS, sub_status=None, status_message=None,
                   response_id=None, assertion_id=None, groups=None, authn_instant=None,
                   authn_context_class_ref=AC_PASSWORD, mfa=False):
    """The unsigned Response element (lxml) for user.

    Every field Azure sets can be overridden, so negative tests change exactly one
    thing. Timestamps default to Azure's offsets from now; pass datetimes to move
    them. With a status other than Success the Response carries no Assertion, like
    Azure's AADSTS error responses. authn_instant (a datetime) is when the
    user signed in at the IdP (default 3 s ago, a fresh sign-in); mfa adds
    multipleauthn to authnmethodsreferences."""
    now = issue_instant or utcnow()
    issuer = issuer or entra_issuer(tenant)
    resp = etree.Element("{%s}Response" % SAMLP, nsmap={"samlp": SAMLP})
    resp.set("ID", response_id or azure_id())
    resp.set("Version", "2.0")
    resp.set("IssueInstant", azure_time(now))
    if destination is not False:
        resp.set("Destination", destination or acs_url)
    if in_response_to:
        resp.set("InResponseTo", in_response_to)
    etree.SubElement(resp, "{%s}Issuer" % SAML, nsmap={None: SAML}).text = issuer
    st = _el(resp, SAMLP, "Status")
    code = _el(st, SAMLP, "StatusCode", {"Value": status})
    if sub_status:
        _el(code, SAMLP, "StatusCode", {"Value": sub_status})
    if status_message:
        _el(st, SAMLP, "StatusMessage", text=status_message)
    if status != STATUS_SUCCESS:
        return resp

    aid = assertion_id or azure_id()
    a = etree.SubElement(resp, "{%s}Assertion" % SAML, nsmap={None: SAML})
    a.set("ID", aid)
    a.set("IssueInstant", azure_time(now))
    a.set("Version", "2.0")
    _el(a, SAML, "Issuer", text=assertion_issuer or issuer)
    subj = _el(a, SAML, "Subject")
    _el(subj, SAML, "NameID", {"Format": name_id_format} if name_id_format else {},
        text=name_id if name_id is not None else user)
    sc = _el(subj, SAML, "SubjectConfirmation", {"Method": BEARER})
    scd = {}
    if in_response_to:
        scd["InResponseTo"] = in_response_to
    scd["NotOnOrAfter"] = azure_time(sc_not_on_or_after or now + datetime.timedelta(minutes=5))
    if recipient is not False:
        scd["Recipient"] = recipient or acs_url
    _el(sc, SAML, "SubjectConfirmationData", scd)
    nb = not_before or now
    cond = _el(a, SAML, "Conditions", {
        "NotBefore": azure_time(nb),
        "NotOnOrAfter": azure_time(not_on_or_after or nb + datetime.timedelta(minutes=70))})
    _el(_el(cond, SAML, "AudienceRestriction"), SAML, "Audience", text=audience)
    ats = _el(a, SAML, "AttributeStatement")
    for name, values in (attributes if attributes is not None
                         else default_attributes(tenant, user, groups=groups, mfa=mfa)):
        at = _el(ats, SAML, "Attribute", {"Name": name})
        for v in values:
            _el(at, SAML, "AttributeValue", text=v)
    authn = {"AuthnInstant": azure_time(authn_instant or now - datetime.timedelta(seconds=3)),
             "SessionIndex": aid}
    if session_not_on_or_after:
        authn["SessionNotOnOrAfter"] = azure_time(session_not_on_or_after)
    an = _el(a, SAML, "AuthnStatement", authn)
    _el(_el(an, SAML, "AuthnContext"), SAML, "AuthnContextClassRef", text=authn_context_class_ref)
    return resp


def sign_response(resp, key, cert, sign="assertion", sig_alg="rsa-sha256",
                  digest_alg="sha256"):
    """Sign like Entra's "Signing Option": assertion (default), response, or both.
    The assertion is signed first so a response signature covers it as signed."""
    if sign in ("assertion", "both"):
        a = resp.find("{%s}Assertion" % SAML)
        if a is not None:
            sign_element(a, key, cert, sig_alg, digest_alg)
    if sign in ("response", "both"):
        sign_element(resp, key, cert, sig_alg, digest_alg)
    return resp


def serialize(resp):
    return etree.tostring(resp, xml_declaration=False, encoding="utf-8")


def encode(xml_bytes):
    return base64.b64encode(xml_bytes).decode("ascii")


def make_response(user, acs_url, audience, in_response_to=None, key=None, cert=None,
                  sign="assertion", sig_alg="rsa-sha256", digest_alg="sha256", **fields):
    """Base64 SAMLResponse, Azure-shaped and signed as asked (sign=None: unsigned).
    fields go to build_response (issuer, tenant, attributes, name_id, times, ...)."""
    resp = build_response(user, acs_url, audience, in_response_to, **fields)
    if sign:
        if not (key and cert):
            raise ValueError("signing needs key and cert")
        sign_response(resp, key, cert, sign, sig_alg, digest_alg)
    return encode(serialize(resp))


def make_error_response(acs_url, in_response_to=None, tenant=DEFAULT_TENANT,
                        code="AADSTS75006", message=None, key=None, cert=None):
    """The response Azure sends when it refuses a request: Requester /
    RequestUnsupported with an AADSTS StatusMessage. Azure does not sign these;
    pass key/cert to get a signed one anyway (the SP must still refuse it)."""
    msg = message or ("%s: An error occurred while processing a SAML2 Authentication "
                      "Request.\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s"
                      % (code, uuid.uuid4(), uuid.uuid4(),
                         utcnow().strftime("%Y-%m-%d %H:%M:%SZ")))
    resp = build_response(None, acs_url, None, in_response_to, tenant=tenant,
                          status=STATUS_REQUESTER, sub_status=STATUS_REQUEST_UNSUPPORTED,
                          status_message=msg)
    if key and cert:
        sign_element(resp, key, cert)
    return encode(serialize(resp))


def make_no_passive_response(acs_url, in_response_to=None, tenant=DEFAULT_TENANT):
    """Entra's answer to IsPassive="true" when nobody is signed in there:
    Responder / NoPassive, no Assertion, unsigned like its other errors."""
    resp = build_response(None, acs_url, None, in_response_to, tenant=tenant,
                          status=STATUS_RESPONDER, sub_status=STATUS_NO_PASSIVE,
                          status_message="AADSTS50058: A silent sign-in request was sent but "
                          "no user is signed in.")
    return encode(serialize(resp))


# --------------------------------------------------------------------------- requests

class AuthnRequestError(Exception):
    """A request Entra would refuse; .code is the AADSTS code it would show."""

    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code


ALLOWED_NAMEID_FORMATS = {
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
}


def decode_redirect(saml_request):
    """HTTP-Redirect binding: base64 of raw DEFLATE."""
    return zlib.decompress(base64.b64decode(saml_request), -15)


def parse_authn_request(xml_bytes):
    """Parse an AuthnRequest the way Entra reads it and apply Entra's rules.
    Returns a dict of the fields; raises AuthnRequestError with the AADSTS code."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as e:
        raise AuthnRequestError("AADSTS750056", "SAML message was not properly formatted: %s" % e)
    if root.tag != "{%s}AuthnRequest" % SAMLP:
        raise AuthnRequestError("AADSTS750056", "not an AuthnRequest: %s" % root.tag)
    rid = root.get("ID") or ""
    if not rid or rid[0].isdigit():
        raise AuthnRequestError("AADSTS7500529",
                                "the ID attribute must not begin with a digit: %r" % rid)
    if root.get("Version") != "2.0":
        raise AuthnRequestError("AADSTS75005", "Version must be 2.0")
    if not root.get("IssueInstant"):
        raise AuthnRequestError("AADSTS75005", "IssueInstant is required")
    if root.find("{%s}Subject" % SAML) is not None:
        raise AuthnRequestError("AADSTS900236",
                                "The SAML authentication request property 'Subject' is "
                                "not supported and must not be set.")
    issuer = root.findtext("{%s}Issuer" % SAML)
    policy = root.find("{%s}NameIDPolicy" % SAMLP)
    fmt = policy.get("Format") if policy is not None else None
    if fmt and fmt not in ALLOWED_NAMEID_FORMATS:
        raise AuthnRequestError("AADSTS75011", "NameIDPolicy Format %s is not supported" % fmt)
    rac = root.find("{%s}RequestedAuthnContext" % SAMLP)
    class_refs = [e.text for e in rac.findall("{%s}AuthnContextClassRef" % SAML)] \
        if rac is not None else []
    if rac is not None and rac.get("Comparison", "exact") != "exact":
        raise AuthnRequestError("AADSTS900236", "RequestedAuthnContext Comparison must be "
                                "exact, not %s" % rac.get("Comparison"))
    return {
        "id": rid,
        "version": root.get("Version"),
        "requested_authn_context": rac is not None,
        "comparison": rac.get("Comparison") if rac is not None else None,
        "class_refs": class_refs,
        "issue_instant": root.get("IssueInstant"),
        "destination": root.get("Destination"),
        "acs_url": root.get("AssertionConsumerServiceURL"),
        "protocol_binding": root.get("ProtocolBinding"),
        "issuer": issuer.strip() if issuer else None,
        "name_id_format": fmt,
        "force_authn": root.get("ForceAuthn") == "true",
        "is_passive": root.get("IsPassive") == "true",
        "xml": xml_bytes,
    }


# --------------------------------------------------------------------------- metadata

def _key_descriptor(parent, cert_path, ns=MD):
    kd = _el(parent, ns, "KeyDescriptor", {"use": "signing"})
    ki = etree.SubElement(kd, "{%s}KeyInfo" % DS, nsmap={None: DS})
    _el(_el(ki, DS, "X509Data"), DS, "X509Certificate", text=cert_base64(cert_path))


def make_metadata(tenant, sso_url, certs, key=None, cert=None, bom=True):
    """Entra's federation metadata: EntityDescriptor entityID https://sts.windows.net/<tenant>/,
    a WS-Fed RoleDescriptor and an IDPSSODescriptor each listing every signing cert
    (rollover), SSO over Redirect and POST, SLO over Redirect, signed when key/cert
    are given, and prefixed with the UTF-8 BOM Azure serves."""
    fed = "http://docs.oasis-open.org/wsfed/federation/200706"
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    ed = etree.Element("{%s}EntityDescriptor" % MD, nsmap={None: MD})
    ed.set("ID", azure_id())
    ed.set("entityID", entra_issuer(tenant))
    rd = etree.SubElement(ed, "{%s}RoleDescriptor" % MD,
                          nsmap={"xsi": xsi, "fed": fed})
    rd.set("{%s}type" % xsi, "fed:SecurityTokenServiceType")
    rd.set("protocolSupportEnumeration", "http://docs.oasis-open.org/wsfed/federation/200706")
    for c in certs:
        _key_descriptor(rd, c)
    idp = _el(ed, MD, "IDPSSODescriptor",
              {"protocolSupportEnumeration": "urn:oasis:names:tc:SAML:2.0:protocol"})
    for c in certs:
        _key_descriptor(idp, c)
    _el(idp, MD, "SingleLogoutService", {"Binding": BINDING_REDIRECT, "Location": sso_url})
    _el(idp, MD, "SingleSignOnService", {"Binding": BINDING_REDIRECT, "Location": sso_url})
    _el(idp, MD, "SingleSignOnService", {"Binding": BINDING_POST, "Location": sso_url})
    if key and cert:
        sign_element(ed, key, cert, position=0)
    body = etree.tostring(ed, xml_declaration=True, encoding="utf-8")
    return (b"\xef\xbb\xbf" if bom else b"") + body


# --------------------------------------------------------------------------- logout (SLO)
#
# Entra's Single Logout (field notes 4): the app's Logout URL receives a
# LogoutRequest over HTTP-Redirect only; Entra answers with a LogoutResponse
# whose Issuer is https://login.microsoftonline.com/<tenant>/ (not the
# sts.windows.net form of its assertions), and may itself send LogoutRequests
# to the app when the user signs out elsewhere.

SIGALG_URIS = {
    "rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "rsa-sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "rsa-sha512": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "rsa-md5": "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
}


def logout_issuer(tenant):
    """The Issuer Entra writes on logout messages."""
    return "https://login.microsoftonline.com/%s/" % tenant


def encode_redirect(xml_bytes):
    """HTTP-Redirect binding value: base64 of raw DEFLATE (before URL encoding)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(c.compress(xml_bytes) + c.flush()).decode("ascii")


def _hash_of(sig_alg):
    from cryptography.hazmat.primitives import hashes
    return {"rsa-sha256": hashes.SHA256(), "rsa-sha1": hashes.SHA1(),
            "rsa-sha512": hashes.SHA512(), "rsa-md5": hashes.MD5()}[sig_alg]


def sign_redirect_query(query, key, sig_alg="rsa-sha256"):
    """query ("SAMLRequest=..[&RelayState=..]", already URL-encoded) + &SigAlg=..&Signature=..,
    signed per SAML bindings 3.4.4.1 with the PEM key at path `key`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    import urllib.parse
    with open(key, "rb") as f:
        k = serialization.load_pem_private_key(f.read(), password=None)
    query += "&SigAlg=" + urllib.parse.quote(SIGALG_URIS[sig_alg], safe="")
    sig = k.sign(query.encode("ascii"), padding.PKCS1v15(), _hash_of(sig_alg))
    return query + "&Signature=" + urllib.parse.quote(base64.b64encode(sig).decode(), safe="")


def verify_redirect_query(query, cert):
    """True when the query's SigAlg/Signature verify with the PEM certificate at
    `cert`, over the parameters exactly as they appear in the query."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import padding
    import urllib.parse
    raw = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    param = "SAMLRequest" if "SAMLRequest" in raw else "SAMLResponse"
    signed = "%s=%s" % (param, raw[param])
    if "RelayState" in raw:
        signed += "&RelayState=" + raw["RelayState"]
    signed += "&SigAlg=" + raw["SigAlg"]
    alg = urllib.parse.unquote(raw["SigAlg"])
    name = {v: k for k, v in SIGALG_URIS.items()}[alg]
    with open(cert, "rb") as f:
        pub = x509.load_pem_x509_certificate(f.read()).public_key()
    try:
        pub.verify(base64.b64decode(urllib.parse.unquote(raw["Signature"])), signed.encode(),
                   padding.PKCS1v15(), _hash_of(name))
        return True
    except Exception:
        return False


def redirect_url(base, param, xml_bytes, relay_state=None, key=None, sig_alg="rsa-sha256"):
    """base?param=..[&RelayState=..][&SigAlg=..&Signature=..] (signed when key is given)."""
    import urllib.parse
    q = "%s=%s" % (param, urllib.parse.quote(encode_redirect(xml_bytes), safe=""))
    if relay_state is not None:
        q += "&RelayState=" + urllib.parse.quote(relay_state, safe="")
    if key:
        q = sign_redirect_query(q, key, sig_alg)
    return base + ("&" if "?" in base else "?") + q


def build_logout_request(name_id, destination, tenant=DEFAULT_TENANT, session_index=None,
                         name_id_format=NAMEID_EMAIL, issuer=None, request_id=None,
                         not_on_or_after=None):
    """An IdP-initiated LogoutRequest as Entra sends it (lxml element, unsigned)."""
    now = utcnow()
    req = etree.Element("{%s}LogoutRequest" % SAMLP, nsmap={"samlp": SAMLP})
    req.set("ID", request_id or azure_id())
    req.set("Version", "2.0")
    req.set("IssueInstant", azure_time(now))
    req.set("NotOnOrAfter", azure_time(not_on_or_after or now + datetime.timedelta(minutes=5)))
    if destination:
        req.set("Destination", destination)
    etree.SubElement(req, "{%s}Issuer" % SAML, nsmap={None: SAML}).text = (
        issuer or logout_issuer(tenant))
    nid = etree.SubElement(req, "{%s}NameID" % SAML, nsmap={None: SAML})
    if name_id_format:
        nid.set("Format", name_id_format)
    nid.text = name_id
    if session_index:
        _el(req, SAMLP, "SessionIndex", text=session_index)
    return req


def make_logout_request(name_id, sp_logout_url, tenant=DEFAULT_TENANT, session_index=None,
                        binding="redirect", key=None, cert=None, sig_alg="rsa-sha256",
                        relay_state=None, **fields):
    """An IdP-initiated LogoutRequest ready to send to the SP's logout URL.
    binding="redirect": the full URL, query-signed when key is given.
    binding="post": (url, form dict) with an enveloped signature when key and cert
    are given. fields go to build_logout_request (issuer, request_id, ...)."""
    req = build_logout_request(name_id, sp_logout_url, tenant, session_index, **fields)
    if binding == "redirect":
        return redirect_url(sp_logout_url, "SAMLRequest", serialize(req), relay_state, key,
                            sig_alg)
    if key and cert:
        sign_element(req, key, cert, sig_alg, "sha1" if sig_alg == "rsa-sha1" else "sha256")
    form = {"SAMLRequest": encode(serialize(req))}
    if relay_state is not None:
        form["RelayState"] = relay_state
    return sp_logout_url, form


def build_logout_response(in_response_to, destination, tenant=DEFAULT_TENANT,
                          status=STATUS_SUCCESS, issuer=None, response_id=None):
    """The LogoutResponse Entra sends back (lxml element, unsigned)."""
    resp = etree.Element("{%s}LogoutResponse" % SAMLP, nsmap={"samlp": SAMLP})
    resp.set("ID", response_id or azure_id())
    resp.set("Version", "2.0")
    resp.set("IssueInstant", azure_time(utcnow()))
    if destination:
        resp.set("Destination", destination)
    resp.set("InResponseTo", in_response_to)
    etree.SubElement(resp, "{%s}Issuer" % SAML, nsmap={None: SAML}).text = (
        issuer or logout_issuer(tenant))
    _el(_el(resp, SAMLP, "Status"), SAMLP, "StatusCode", {"Value": status})
    return resp


def parse_logout_message(xml_bytes):
    """Fields of a LogoutRequest or LogoutResponse (as an SP sends them) as a dict."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml_bytes, parser)
    kind = etree.QName(root).localname
    if root.tag not in ("{%s}LogoutRequest" % SAMLP, "{%s}LogoutResponse" % SAMLP):
        raise AuthnRequestError("AADSTS750056", "not a logout message: %s" % root.tag)
    nid = root.find("{%s}NameID" % SAML)
    code = root.find("{%s}Status/{%s}StatusCode" % (SAMLP, SAMLP))
    return {
        "kind": kind,
        "id": root.get("ID"),
        "version": root.get("Version"),
        "issue_instant": root.get("IssueInstant"),
        "destination": root.get("Destination"),
        "in_response_to": root.get("InResponseTo"),
        "issuer": (root.findtext("{%s}Issuer" % SAML) or "").strip() or None,
        "name_id": nid.text if nid is not None else None,
        "name_id_format": nid.get("Format") if nid is not None else None,
        "session_indexes": [e.text for e in root.findall("{%s}SessionIndex" % SAMLP)],
        "status": code.get("Value") if code is not None else None,
        "xml": xml_bytes,
    }
