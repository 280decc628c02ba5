"""Shared tools for the attack-class tests (test_attack_*.py).

A hostile SAMLResponse is made the way an attacker makes one: take a response
the real IdP key signed (or one signed by the attacker's own key), then change
the tree or the bytes AFTER signing. Every refusal is checked strictly: the
4xx status, no Set-Cookie, no session afterwards, and the error-log line with
the page's correlation id naming exactly the expected check ("signature" is
not satisfied by a "signature-shape" line).
"""
import base64
import copy
import hashlib
import http.client
import re
import socket
import threading

from lxml import etree
import xmlsec

import harness
from harness import SamlTestCase, az, USER, SP_ENTITY_ID

SAML, SAMLP, DS = az.SAML, az.SAMLP, az.DS
NS = {"saml": SAML, "samlp": SAMLP, "ds": DS}
VICTIM = "admin@contoso.example"        # whom every forgery tries to sign in as

RSA_SHA256 = az.SIG_URIS["rsa-sha256"]
SHA256 = az.DIGEST_URIS["sha256"]

REFUSAL = re.compile(r"^.*sequr_saml.*sign-in refused with (\d+) \[check ([^\]\s]*)\].*$", re.M)


def q(tag):
    """'saml:Assertion' -> '{urn:...assertion}Assertion'."""
    prefix, local = tag.split(":")
    return "{%s}%s" % (NS[prefix], local)


def find(tree, path):
    """The first element at an lxml path written with saml:/samlp:/ds: prefixes."""
    e = tree.find(path, NS)
    if e is None:
        raise AssertionError("test bug: %s not found" % path)
    return e


def assertion_of(resp):
    return find(resp, "saml:Assertion")


def signature_of(elem):
    return find(elem, "ds:Signature")


def serialize(tree):
    return az.serialize(tree)


def encode(doc):
    """base64 of a tree or of bytes, the SAMLResponse form field."""
    return az.encode(doc if isinstance(doc, bytes) else serialize(doc))


def reference_digest(elem):
    """The SHA-256 DigestValue an enveloped exc-c14n Reference over elem has:
    what a forger computes for altered content (CVE-2024-45409 class)."""
    c = copy.deepcopy(elem)
    for s in c.findall("ds:Signature", NS):
        c.remove(s)
    return base64.b64encode(hashlib.sha256(
        etree.tostring(c, method="c14n", exclusive=True)).digest()).decode()


def signature_template(ref_uris, sig_alg=RSA_SHA256, digest_alg=SHA256,
                       transforms=(az.ENVELOPED, az.EXC_C14N), c14n=az.EXC_C14N,
                       key_info_cert=True):
    """A <Signature> template in the default dsig namespace with any number of
    References and any algorithms. A transform is a URI or (URI, child tag, text)."""
    sig = etree.Element(q("ds:Signature"), nsmap={None: DS})
    si = etree.SubElement(sig, q("ds:SignedInfo"))
    etree.SubElement(si, q("ds:CanonicalizationMethod"), Algorithm=c14n)
    etree.SubElement(si, q("ds:SignatureMethod"), Algorithm=sig_alg)
    for uri in ref_uris:
        ref = etree.SubElement(si, q("ds:Reference"), URI=uri)
        tr = etree.SubElement(ref, q("ds:Transforms"))
        for t in transforms:
            if isinstance(t, tuple):
                te = etree.SubElement(tr, q("ds:Transform"), Algorithm=t[0])
                child = etree.SubElement(te, t[1])
                child.text = t[2]
            else:
                etree.SubElement(tr, q("ds:Transform"), Algorithm=t)
        etree.SubElement(ref, q("ds:DigestMethod"), Algorithm=digest_alg)
        etree.SubElement(ref, q("ds:DigestValue"))
    etree.SubElement(sig, q("ds:SignatureValue"))
    if key_info_cert:
        x509 = etree.SubElement(etree.SubElement(sig, q("ds:KeyInfo")), q("ds:X509Data"))
        etree.SubElement(x509, q("ds:X509Certificate"))
    return sig


def sign_with_template(node, sig, key_path=None, cert_path=None, hmac_secret=None,
                       position=None):
    """Insert sig into node (after its Issuer unless position) and let xmlsec fill
    it in with an RSA/EC key from a PEM file, or an HMAC secret."""
    xmlsec.tree.add_ids(node, ["ID"])
    if position is None:
        issuer = node.find("saml:Issuer", NS)
        position = list(node).index(issuer) + 1 if issuer is not None else 0
    node.insert(position, sig)
    xmlsec.base64_default_line_size(1 << 20)
    ctx = xmlsec.SignatureContext()
    if hmac_secret is not None:
        ctx.key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataHmac, hmac_secret)
    else:
        k = xmlsec.Key.from_file(key_path, xmlsec.KeyFormat.PEM)
        if cert_path:
            k.load_cert_from_file(cert_path, xmlsec.KeyFormat.PEM)
        ctx.key = k
    ctx.sign(sig)
    return sig


def sign_by_hand(node, sig, key_path, cert_path):
    """sign_with_template for one Reference "#ID" with [enveloped, exc-c14n],
    exc-c14n SignedInfo and rsa-md5/rsa-sha1/rsa-sha256, computed with hashlib
    and cryptography instead of xmlsec: Debian 13's xmlsec1 (1.2.41) is built
    without MD5, so the MD5 forgeries cannot come from xmlsec there."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    issuer = node.find("saml:Issuer", NS)
    node.insert(list(node).index(issuer) + 1 if issuer is not None else 0, sig)
    si = sig.find("ds:SignedInfo", NS)
    ref = si.find("ds:Reference", NS)
    if ref.get("URI") != "#" + node.get("ID"):
        raise AssertionError("test bug: sign_by_hand signs the node itself")
    enveloped = copy.deepcopy(node)
    for s in enveloped.findall("ds:Signature", NS):
        enveloped.remove(s)
    digest = ref.find("ds:DigestMethod", NS).get("Algorithm").rsplit("#", 1)[1]
    ref.find("ds:DigestValue", NS).text = base64.b64encode(hashlib.new(
        digest, etree.tostring(enveloped, method="c14n", exclusive=True)).digest()).decode()
    method = si.find("ds:SignatureMethod", NS).get("Algorithm").rsplit("#", 1)[1]
    algorithm = {"rsa-md5": hashes.MD5, "rsa-sha1": hashes.SHA1,
                 "rsa-sha256": hashes.SHA256}[method]()
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    sig.find("ds:SignatureValue", NS).text = base64.b64encode(key.sign(
        etree.tostring(si, method="c14n", exclusive=True), padding.PKCS1v15(),
        algorithm)).decode()
    cert = sig.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    if cert is not None:
        with open(cert_path) as f:
            cert.text = "".join(line.strip() for line in f if not line.startswith("-----")) + "\n"
    return sig


class PortWatch:
    """A TCP listener on 127.0.0.1 that counts connection attempts: put its URL
    where a careless parser would fetch from (external DTD, RetrievalMethod)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d/" % self.port
        self.connections = 0
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()


def raw_request(port, method, path, body=b"", headers=None, chunked=False, timeout=20):
    """One HTTP exchange with exact bytes (duplicate fields, odd content types,
    chunked bodies), for what curl's --data-urlencode cannot express."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    hdrs = dict(headers or {})
    try:
        if chunked:
            conn.putrequest(method, path)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            try:
                for i in range(0, len(body), 65536):
                    part = body[i:i + 65536]
                    conn.send(b"%x\r\n%s\r\n" % (len(part), part))
                conn.send(b"0\r\n\r\n")
            except OSError:
                pass        # the server answered early and closed: read that answer
        else:
            try:
                conn.request(method, path, body=body, headers=hdrs)
            except OSError:
                pass
        r = conn.getresponse()
        return harness.Reply(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


class AttackCase(SamlTestCase):
    """SamlTestCase plus forging tools and strict refusal checks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.evil_key, cls.evil_cert = az.make_keypair(cls.tmp + "/evil", "evil",
                                                      cn="Microsoft Azure Federated SSO Certificate")

    # ------------------------------------------------------------ building

    def build(self, rid=None, user=USER, **kw):
        """An unsigned Azure-shaped Response tree for user."""
        kw.setdefault("tenant", self.idp.tenant)
        audience = kw.pop("audience", SP_ENTITY_ID)
        return az.build_response(user, self.apache.acs_url, audience, rid, **kw)

    def sign_tree(self, resp, sign="assertion", key=None, cert=None, **kw):
        return az.sign_response(resp, key or self.idp.key, cert or self.idp.cert, sign, **kw)

    def signed(self, rid=None, user=USER, sign="assertion", key=None, cert=None, **kw):
        """A Response tree the configured IdP key (or key/cert) signed."""
        return self.sign_tree(self.build(rid, user, **kw), sign, key, cert)

    # ------------------------------------------------------------ posting

    def login(self, path="/protected/attack"):
        """Start an SP-initiated sign-in in a fresh jar: (request id, RelayState, jar)."""
        jar = self.jar()
        rid, relay, r = self.start_login(path, jar=jar)
        # What that browser sends to the ACS: an attacker replaying a response
        # from elsewhere needs it too (see test_sign_in_binding.py).
        self.request_cookie = r.request_cookie()
        return rid, relay, jar

    def post(self, doc, relay=None, jar=None, cookie=None):
        """POST a tree, XML bytes, or an already base64 string to the ACS."""
        value = doc if isinstance(doc, str) else encode(doc)
        return self.post_acs(value, relay, jar=jar, cookie=cookie)

    def attempt(self, make, solicited=True, path="/protected/attack"):
        """make(rid) -> tree/bytes/base64; posted like a browser would. Returns
        (reply, jar, mark)."""
        rid = relay = None
        jar = self.jar()
        if solicited:
            rid, relay, jar = self.login(path)
        doc = make(rid) if callable(make) else make
        mark = self.apache.log_mark()
        return self.post(doc, relay, jar), jar, mark

    def refused(self, make, status, checks, solicited=True, path="/protected/attack"):
        """The forgery is refused with status, naming one of checks, and the
        browser has no session afterwards. Returns the error-log line."""
        r, jar, mark = self.attempt(make, solicited, path)
        line = self.assert_refused_by(r, status, checks, mark)
        self.assert_no_session(jar, path)
        return line

    def accepted(self, make, solicited=True, path="/protected/attack"):
        """The response signs in: returns what the protected page sees."""
        r, jar, _ = self.attempt(make, solicited, path)
        self.assertEqual(r.status, 303, r)
        self.assertIsNotNone(r.set_cookie(), r)
        page = self.get(path, jar=jar)
        self.assertEqual(page.status, 200, page)
        return self.whoami(page)

    # ------------------------------------------------------------ assertions

    def refusal_line(self, mark, reply):
        """(status, check) from the error-log line carrying the page's reference."""
        ref = re.search(r"<code>([0-9A-Za-z_-]{6,})</code>", reply.text)
        self.assertIsNotNone(ref, "no reference on the error page: %r" % reply)
        log = self.apache.log_since(mark, expect=re.escape(ref.group(1)))
        for m in REFUSAL.finditer(log):
            if ref.group(1) in m.group(0):
                return int(m.group(1)), m.group(2), m.group(0)
        self.fail("no sequr_saml refusal line with reference %s in:\n%s" % (ref.group(1), log))

    def assert_refused_by(self, reply, status, checks, mark):
        """status, no cookie, no-store, and the log line for this very request
        naming one of checks (a string or a tuple of acceptable names)."""
        checks = (checks,) if isinstance(checks, str) else tuple(checks)
        self.assertEqual(reply.status, status, reply)
        self.assertIsNone(reply.set_cookie(), reply)
        self.assertIn("no-store", reply.header("Cache-Control") or "", reply)
        logged_status, check, line = self.refusal_line(mark, reply)
        self.assertIn(check, checks, "refused for another reason: %s" % line)
        self.assertEqual(logged_status, status, line)
        # The page is for a browser: it must not tell a forger which rule caught him.
        self.assertNotIn(check, reply.text.lower().replace("sign-in", ""))
        return line

    def assert_no_session(self, jar, path="/protected/attack"):
        r = self.get(path, jar=jar)
        self.assertEqual(r.status, 302, "a session exists after a refusal: %r" % r)
        self.assertTrue(r.location.startswith(self.idp.sso_url), r.location)


def signature_verifies(xml_bytes, cert_path, element="saml:Assertion"):
    """Whether the signature on element verifies with cert (xmlsec, locally):
    proves a forgery kept the real signature valid, so only the module's own
    rules stand in its way."""
    doc = etree.fromstring(xml_bytes)
    node = doc if element == "samlp:Response" else doc.find(element, NS)
    xmlsec.tree.add_ids(node, ["ID"])
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_file(cert_path, xmlsec.KeyFormat.CERT_PEM)
    try:
        ctx.verify(node.find("ds:Signature", NS))
        return True
    except xmlsec.Error:
        return False
