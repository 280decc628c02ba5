/* XML-DSig verification of one enveloped signature, with our own shape rules
 * in front of xmlsec: we decide what a SAML signature may look like (one
 * Reference to the signed element, a fixed list of algorithms) and only then
 * let xmlsec do the cryptography with a key we chose, never one from KeyInfo. */
#include "saml/signature.h"
#include "saml/xml.h"

#include <apr_strings.h>
#include <ctype.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <xmlsec/xmlsec.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/list.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/openssl/evp.h>

#define ALG_EXC_C14N          "http://www.w3.org/2001/10/xml-exc-c14n#"
#define ALG_EXC_C14N_COMMENTS "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
#define ALG_ENVELOPED         "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define NS_EXC_C14N           "http://www.w3.org/2001/10/xml-exc-c14n#"

struct saml_verifier {
    int allow_sha1;
    int nkeys;
    xmlSecKeyPtr *keys;         /* one per configured certificate */
    const char **cert_b64;      /* base64 DER of each, to match KeyInfo as a hint */
};

typedef struct algorithm {
    const char *uri;
    int sha1;                   /* only with allow_sha1 */
} algorithm_t;

static const algorithm_t signature_methods[] = {
    { "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", 0 },
    { "http://www.w3.org/2000/09/xmldsig#rsa-sha1", 1 },
    { "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", 1 },
    { NULL, 0 }
};

static const algorithm_t digest_methods[] = {
    { "http://www.w3.org/2001/04/xmlenc#sha256", 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#sha384", 0 },
    { "http://www.w3.org/2001/04/xmlenc#sha512", 0 },
    { "http://www.w3.org/2000/09/xmldsig#sha1", 1 },
    { NULL, 0 }
};

static int algorithm_allowed(const algorithm_t *list, const char *uri, int allow_sha1)
{
    for (; uri && list->uri; list++)
        if (!strcmp(list->uri, uri))
            return !list->sha1 || allow_sha1;
    return 0;
}

/* ---- verifier --------------------------------------------------------- */

static apr_status_t destroy_keys(void *data)
{
    saml_verifier_t *v = data;
    int i;
    for (i = 0; i < v->nkeys; i++)
        if (v->keys[i])
            xmlSecKeyDestroy(v->keys[i]);
    v->nkeys = 0;
    return APR_SUCCESS;
}

static xmlSecKeyPtr key_from_certificate(X509 *cert)
{
    EVP_PKEY *pub = X509_get_pubkey(cert);   /* a new reference, adopted below */
    xmlSecKeyDataPtr data;
    xmlSecKeyPtr key;

    if (pub == NULL)
        return NULL;
    data = xmlSecOpenSSLEvpKeyAdopt(pub);
    if (data == NULL) {
        EVP_PKEY_free(pub);
        return NULL;
    }
    key = xmlSecKeyCreate();
    if (key == NULL || xmlSecKeySetValue(key, data) < 0) {
        xmlSecKeyDataDestroy(data);
        if (key)
            xmlSecKeyDestroy(key);
        return NULL;
    }
    return key;
}

static const char *certificate_base64(apr_pool_t *p, X509 *cert)
{
    unsigned char *der = NULL;
    int len = i2d_X509(cert, &der);
    char *b64;

    if (len <= 0)
        return NULL;
    b64 = apr_palloc(p, ((apr_size_t)len + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)b64, der, len);
    OPENSSL_free(der);
    return b64;
}

apr_status_t saml_verifier_create(apr_pool_t *p, const apr_array_header_t *certs,
                                  const saml_verifier_options_t *opts,
                                  saml_verifier_t **out, saml_err_t *err)
{
    saml_verifier_t *v;
    int i;

    *out = NULL;
    if (certs == NULL || certs->nelts == 0)
        return saml_fail(p, err, SAML_EREJECTED, "signature", "no IdP certificate configured");
    v = apr_pcalloc(p, sizeof(*v));
    v->allow_sha1 = opts ? opts->allow_sha1 : 0;
    v->keys = apr_pcalloc(p, sizeof(xmlSecKeyPtr) * (apr_size_t)certs->nelts);
    v->cert_b64 = apr_pcalloc(p, sizeof(char *) * (apr_size_t)certs->nelts);
    apr_pool_cleanup_register(p, v, destroy_keys, apr_pool_cleanup_null);

    for (i = 0; i < certs->nelts; i++) {
        X509 *cert = APR_ARRAY_IDX(certs, i, X509 *);
        EVP_PKEY *pub = cert ? X509_get0_pubkey(cert) : NULL;
        int type = pub ? EVP_PKEY_get_base_id(pub) : EVP_PKEY_NONE;

        if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC)
            return saml_fail(p, err, SAML_EREJECTED, "signature",
                             "certificate %d: key type %d is neither RSA nor EC", i + 1, type);
        v->keys[i] = key_from_certificate(cert);
        v->cert_b64[i] = certificate_base64(p, cert);
        if (v->keys[i] == NULL || v->cert_b64[i] == NULL)
            return saml_fail(p, err, SAML_EINTERNAL, "signature",
                             "certificate %d: could not prepare its key", i + 1);
        v->nkeys = i + 1;
    }
    *out = v;
    return APR_SUCCESS;
}

/* ---- shape ------------------------------------------------------------ */

static apr_status_t shape_fail(apr_pool_t *p, saml_err_t *err, const char *what)
{
    return saml_fail(p, err, SAML_EREJECTED, "signature-shape", "%s", what);
}

/* The element children of node into kids[max]; refuses text other than
 * whitespace and anything that is not an element or a comment. Returns the
 * number of elements, or -1. */
static int element_children(const xmlNode *node, xmlNodePtr *kids, int max)
{
    xmlNodePtr c;
    int n = 0;

    for (c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (n == max)
                return -1;
            kids[n++] = c;
        }
        else if (c->type == XML_TEXT_NODE) {
            const xmlChar *s;
            for (s = c->content; s && *s; s++)
                if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
                    return -1;
        }
        else if (c->type != XML_COMMENT_NODE) {
            return -1;
        }
    }
    return n;
}

/* An algorithm element (CanonicalizationMethod, SignatureMethod, Transform,
 * DigestMethod): its Algorithm, and no children except, when allowed, one
 * exc-c14n InclusiveNamespaces. HMACOutputLength and XPath bodies die here. */
static const char *algorithm_of(apr_pool_t *p, const xmlNode *node, int inclusive_ns_ok)
{
    xmlNodePtr kids[2];
    int n = element_children(node, kids, 2);

    if (n < 0 || n > 1)
        return NULL;
    if (n == 1 && !(inclusive_ns_ok && saml_xml_is(kids[0], NS_EXC_C14N, "InclusiveNamespaces")))
        return NULL;
    return saml_xml_attr(p, node, "Algorithm");
}

static apr_status_t check_transforms(apr_pool_t *p, const xmlNode *transforms, saml_err_t *err)
{
    xmlNodePtr t[3];
    int n = element_children(transforms, t, 3);
    const char *alg;

    if (n != 1 && n != 2)
        return shape_fail(p, err, "Transforms must be [enveloped-signature, exc-c14n] "
                                  "or [enveloped-signature]");
    if (!saml_xml_is(t[0], SAML_NS_DSIG, "Transform") ||
        (alg = algorithm_of(p, t[0], 0)) == NULL || strcmp(alg, ALG_ENVELOPED))
        return shape_fail(p, err, "first Transform must be enveloped-signature");
    if (n == 2 && (!saml_xml_is(t[1], SAML_NS_DSIG, "Transform") ||
                   (alg = algorithm_of(p, t[1], 1)) == NULL || strcmp(alg, ALG_EXC_C14N)))
        return saml_fail(p, err, SAML_EREJECTED, "signature-shape",
                         "second Transform must be exc-c14n, found %s",
                         alg ? saml_log_escape(p, alg, 100) : "something else");
    return APR_SUCCESS;
}

static apr_status_t check_pure_text(apr_pool_t *p, const xmlNode *node, const char *name,
                                    const char **text, saml_err_t *err)
{
    saml_err_t inner = { NULL, NULL };
    if (saml_xml_text(p, node, text, &inner) != APR_SUCCESS)
        return saml_fail(p, err, SAML_EREJECTED, "signature-shape", "%s: %s", name,
                         inner.detail ? inner.detail : "not pure text");
    return APR_SUCCESS;
}

static apr_status_t check_reference(apr_pool_t *p, const saml_verifier_t *v,
                                    const xmlNode *ref, const xmlNode *signed_elem,
                                    saml_err_t *err)
{
    xmlNodePtr k[4];
    const char *id = saml_xml_attr(p, signed_elem, "ID");
    const char *uri = saml_xml_attr(p, ref, "URI");
    const char *alg, *digest;

    if (id == NULL || *id == '\0')
        return shape_fail(p, err, "signed element has no ID");
    if (uri == NULL || uri[0] != '#' || strcmp(uri + 1, id))
        return saml_fail(p, err, SAML_EREJECTED, "signature-shape",
                         "Reference URI \"%s\" is not \"#%s\"",
                         uri ? saml_log_escape(p, uri, 100) : "(none)",
                         saml_log_escape(p, id, 100));
    if (saml_xml_by_id(signed_elem->doc, id) != signed_elem)
        return shape_fail(p, err, "Reference target is not the signed element");
    if (element_children(ref, k, 4) != 3 || !saml_xml_is(k[0], SAML_NS_DSIG, "Transforms") ||
        !saml_xml_is(k[1], SAML_NS_DSIG, "DigestMethod") ||
        !saml_xml_is(k[2], SAML_NS_DSIG, "DigestValue"))
        return shape_fail(p, err, "Reference must hold Transforms, DigestMethod, DigestValue");
    if (check_transforms(p, k[0], err) != APR_SUCCESS)
        return SAML_EREJECTED;
    alg = algorithm_of(p, k[1], 0);
    if (!algorithm_allowed(digest_methods, alg, v->allow_sha1))
        return saml_fail(p, err, SAML_EREJECTED, "signature-shape",
                         "DigestMethod %s not allowed",
                         alg ? saml_log_escape(p, alg, 100) : "(malformed)");
    return check_pure_text(p, k[2], "DigestValue", &digest, err);
}

/* KeyInfo's first certificate, whitespace removed, or NULL: a hint only. */
static const char *keyinfo_certificate(apr_pool_t *p, const xmlNode *keyinfo)
{
    xmlNodePtr x509 = saml_xml_child(keyinfo, SAML_NS_DSIG, "X509Data", NULL);
    xmlNodePtr c = saml_xml_child(x509, SAML_NS_DSIG, "X509Certificate", NULL);
    const char *text;
    char *compact, *o;

    if (c == NULL || saml_xml_text(p, c, &text, NULL) != APR_SUCCESS)
        return NULL;
    compact = o = apr_pstrdup(p, text);
    for (; *text; text++)
        if (!isspace((unsigned char)*text))
            *o++ = *text;
    *o = '\0';
    return compact;
}

static apr_status_t check_shape(apr_pool_t *p, const saml_verifier_t *v,
                                const xmlNode *signed_elem, const xmlNode *sig,
                                const char **hint, saml_err_t *err)
{
    xmlNodePtr s[4], si[4];
    int n;
    const char *alg, *value;

    *hint = NULL;
    if (!saml_xml_is(sig, SAML_NS_DSIG, "Signature") || sig->parent != signed_elem)
        return shape_fail(p, err, "Signature is not a direct child of the signed element");
    n = element_children(sig, s, 4);
    if ((n != 2 && n != 3) || !saml_xml_is(s[0], SAML_NS_DSIG, "SignedInfo") ||
        !saml_xml_is(s[1], SAML_NS_DSIG, "SignatureValue") ||
        (n == 3 && !saml_xml_is(s[2], SAML_NS_DSIG, "KeyInfo")))
        return shape_fail(p, err, "Signature must hold SignedInfo, SignatureValue and "
                                  "optionally KeyInfo, nothing else");
    if (element_children(s[0], si, 4) != 3 ||
        !saml_xml_is(si[0], SAML_NS_DSIG, "CanonicalizationMethod") ||
        !saml_xml_is(si[1], SAML_NS_DSIG, "SignatureMethod") ||
        !saml_xml_is(si[2], SAML_NS_DSIG, "Reference"))
        return shape_fail(p, err, "SignedInfo must hold CanonicalizationMethod, "
                                  "SignatureMethod and exactly one Reference");
    alg = algorithm_of(p, si[0], 1);
    if (alg == NULL || (strcmp(alg, ALG_EXC_C14N) && strcmp(alg, ALG_EXC_C14N_COMMENTS)))
        return saml_fail(p, err, SAML_EREJECTED, "signature-shape",
                         "CanonicalizationMethod %s not allowed",
                         alg ? saml_log_escape(p, alg, 100) : "(malformed)");
    alg = algorithm_of(p, si[1], 0);
    if (!algorithm_allowed(signature_methods, alg, v->allow_sha1))
        return saml_fail(p, err, SAML_EREJECTED, "signature-shape",
                         "SignatureMethod %s not allowed",
                         alg ? saml_log_escape(p, alg, 100) : "(malformed)");
    if (check_reference(p, v, si[2], signed_elem, err) != APR_SUCCESS)
        return SAML_EREJECTED;
    if (check_pure_text(p, s[1], "SignatureValue", &value, err) != APR_SUCCESS)
        return SAML_EREJECTED;
    if (n == 3)
        *hint = keyinfo_certificate(p, s[2]);
    return APR_SUCCESS;
}

/* ---- cryptography ----------------------------------------------------- */

static int enable_algorithms(xmlSecDSigCtxPtr ctx, int allow_sha1)
{
    int bad = 0;

    bad |= xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId);
    bad |= xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId);
    bad |= xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha256Id);
    bad |= xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha384Id);
    bad |= xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha512Id);
    bad |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId);
    bad |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NWithCommentsId);
    bad |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha256Id);
    bad |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha384Id);
    bad |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha512Id);
    bad |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha256Id);
    bad |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha384Id);
    bad |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha512Id);
    if (allow_sha1) {
        bad |= xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha1Id);
        bad |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha1Id);
        bad |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha1Id);
    }
    return bad ? -1 : 0;
}

/* 1: verified with this key; 0: not; -1: xmlsec could not even start. */
static int verified_with_key(const saml_verifier_t *v, xmlSecKeyPtr key, xmlNodePtr sig)
{
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);   /* no keys manager: no key lookup */
    xmlSecDSigReferenceCtxPtr ref;
    int ok = 0;

    if (ctx == NULL)
        return -1;
    ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
    if (enable_algorithms(ctx, v->allow_sha1) < 0) {
        xmlSecDSigCtxDestroy(ctx);
        return -1;
    }
    /* With signKey set, xmlsec never reads KeyInfo to find a key. */
    ctx->signKey = xmlSecKeyDuplicate(key);
    if (ctx->signKey == NULL) {
        xmlSecDSigCtxDestroy(ctx);
        return -1;
    }
    if (xmlSecDSigCtxVerify(ctx, sig) == 0 && ctx->status == xmlSecDSigStatusSucceeded &&
        xmlSecPtrListGetSize(&ctx->signedInfoReferences) == 1) {
        ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0);
        ok = ref != NULL && ref->status == xmlSecDSigStatusSucceeded;
    }
    xmlSecDSigCtxDestroy(ctx);
    return ok;
}

apr_status_t saml_signature_find(const xmlNode *signed_elem, xmlNodePtr *sig, saml_err_t *err)
{
    int count = 0;
    *sig = saml_xml_child(signed_elem, SAML_NS_DSIG, "Signature", &count);
    if (count > 1) {
        *sig = NULL;
        if (err) {
            err->check = "signature-shape";
            err->detail = "more than one Signature on one element";
        }
        return SAML_EREJECTED;
    }
    return APR_SUCCESS;
}

apr_status_t saml_signature_verify(apr_pool_t *p, const saml_verifier_t *v,
                                   xmlNodePtr signed_elem, xmlNodePtr sig, saml_err_t *err)
{
    const char *hint;
    int i, first = -1, result;
    apr_status_t rv;

    if (v == NULL || v->nkeys == 0)
        return saml_fail(p, err, SAML_EREJECTED, "signature", "no verification key");
    if (sig == NULL || signed_elem == NULL)
        return saml_fail(p, err, SAML_EREJECTED, "signature-missing", "no Signature");
    rv = check_shape(p, v, signed_elem, sig, &hint, err);
    if (rv != APR_SUCCESS)
        return rv;

    /* The certificate named in KeyInfo only decides which key is tried first. */
    for (i = 0; hint && i < v->nkeys; i++)
        if (!strcmp(hint, v->cert_b64[i]))
            first = i;
    if (first >= 0) {
        result = verified_with_key(v, v->keys[first], sig);
        if (result != 0)
            goto decided;
    }
    for (i = 0; i < v->nkeys; i++) {
        if (i == first)
            continue;
        result = verified_with_key(v, v->keys[i], sig);
        if (result != 0)
            goto decided;
    }
    return saml_fail(p, err, SAML_EREJECTED, "signature",
                     "signature over <%s ID=\"%s\"> does not verify with any of the %d "
                     "configured certificate(s) (bad digest, bad signature value or "
                     "unknown signer)", (const char *)signed_elem->name,
                     saml_log_escape(p, saml_xml_attr(p, signed_elem, "ID"), 80), v->nkeys);
decided:
    if (result < 0)
        return saml_fail(p, err, SAML_EINTERNAL, "signature", "xmlsec context set-up failed");
    return APR_SUCCESS;
}
