/* Opening Azure's EncryptedAssertion. We read the XML Encryption structure
 * ourselves against a short allow-list and do the cryptography with OpenSSL,
 * so nothing in the document can choose a key, fetch a URI or pick an
 * algorithm we did not list:
 *  - key transport: RSA-OAEP only, as xmlenc#rsa-oaep-mgf1p (MGF1-SHA1) or
 *    xmlenc11#rsa-oaep (any MGF1), digest SHA-1 (the default, what Azure
 *    sends) or SHA-256/384/512; RSA-1_5 is refused (Bleichenbacher);
 *  - content: AES-128/256 in CBC (what Azure sends) or GCM;
 *  - the key is the SP's private key, always: KeyInfo inside EncryptedKey is
 *    never read, and the EncryptedKey is inside the EncryptedData's KeyInfo,
 *    a sibling in the EncryptedAssertion, or a RetrievalMethod "#id" that
 *    names such a sibling (nowhere else);
 *  - CipherValue only: CipherReference would make us fetch data.
 * xmlsec 1.2 cannot do xmlenc11 rsa-oaep or a SHA-256 OAEP digest, and its
 * KeyInfo processing follows RetrievalMethod wherever it points; OpenSSL's
 * EVP does exactly the two operations needed. Tests encrypt with xmlsec, so
 * the two implementations are checked against each other. */
#include "saml/decrypt.h"

#include <apr_escape.h>
#include <apr_strings.h>
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "saml/codec.h"

#define NS_XENC11 "http://www.w3.org/2009/xmlenc11#"

#define XENC_TYPE_ELEMENT   "http://www.w3.org/2001/04/xmlenc#Element"
#define XENC_TYPE_ENC_KEY   "http://www.w3.org/2001/04/xmlenc#EncryptedKey"
#define XENC_RSA_1_5        "http://www.w3.org/2001/04/xmlenc#rsa-1_5"

#define MAX_WRAPPED_KEY 1024   /* RSA-8192 */
#define GCM_IV_LEN  12
#define GCM_TAG_LEN 16
#define CBC_IV_LEN  16

typedef struct content_alg {
    const char *uri;
    int key_len;
    int gcm;
} content_alg_t;

static const content_alg_t content_algs[] = {
    { SAML_XENC_AES128_CBC, 16, 0 },
    { SAML_XENC_AES256_CBC, 32, 0 },
    { SAML_XENC_AES128_GCM, 16, 1 },
    { SAML_XENC_AES256_GCM, 32, 1 },
    { NULL, 0, 0 }
};

typedef struct named_digest {
    const char *uri;
    const char *name;   /* OpenSSL's */
} named_digest_t;

static const named_digest_t oaep_digests[] = {
    { "http://www.w3.org/2000/09/xmldsig#sha1", "SHA1" },
    { "http://www.w3.org/2001/04/xmlenc#sha256", "SHA256" },
    { "http://www.w3.org/2001/04/xmldsig-more#sha384", "SHA384" },
    { "http://www.w3.org/2001/04/xmlenc#sha512", "SHA512" },
    { NULL, NULL }
};

static const named_digest_t mgf_digests[] = {
    { NS_XENC11 "mgf1sha1", "SHA1" },
    { NS_XENC11 "mgf1sha224", "SHA224" },
    { NS_XENC11 "mgf1sha256", "SHA256" },
    { NS_XENC11 "mgf1sha384", "SHA384" },
    { NS_XENC11 "mgf1sha512", "SHA512" },
    { NULL, NULL }
};

/* What one decryption works with; wrapped key and label stay in the pool. */
typedef struct decryption {
    apr_pool_t *p;
    saml_err_t *err;
    const xmlNode *encrypted_assertion;
    const content_alg_t *content;
    const char *oaep_md;                 /* OpenSSL digest names */
    const char *mgf1_md;
    const unsigned char *label;          /* OAEPparams, may be NULL */
    apr_size_t label_len;
    const unsigned char *wrapped_key;
    apr_size_t wrapped_key_len;
    const unsigned char *ciphertext;
    apr_size_t ciphertext_len;
    apr_size_t max_ciphertext;           /* the plaintext cap plus IV, tag and padding */
} decryption_t;

/* A refusal naming one value from the document, escaped for the log. */
#define refuse(d, fmt, arg) \
    saml_fail((d)->p, (d)->err, SAML_EREJECTED, "encryption", fmt, escaped((d), (arg)))

static const char *escaped(const decryption_t *d, const char *s)
{
    return s ? saml_log_escape(d->p, s, 120) : "(none)";
}

/* The one answer for everything that depends on the ciphertext. */
static apr_status_t undecryptable(decryption_t *d)
{
    return saml_fail(d->p, d->err, SAML_EREJECTED, "encryption", "%s", SAML_DECRYPT_FAILED);
}

static xmlNodePtr next_element(xmlNodePtr n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

#define FOR_EACH_ELEMENT(c, parent) \
    for ((c) = (parent) ? next_element((parent)->children) : NULL; (c); \
         (c) = next_element((c)->next))

static const named_digest_t *digest_named(const named_digest_t *list, const char *uri)
{
    for (; uri && list->uri; list++)
        if (!strcmp(list->uri, uri))
            return list;
    return NULL;
}

/* CipherData holding exactly one CipherValue, base64-decoded (max bytes). */
static apr_status_t read_cipher_data(decryption_t *d, const xmlNode *cipher_data,
                                     apr_size_t max, const unsigned char **out,
                                     apr_size_t *out_len)
{
    xmlNodePtr c, value = NULL;
    const char *text;
    unsigned char *bytes;
    saml_err_t inner = { NULL, NULL };

    FOR_EACH_ELEMENT(c, cipher_data) {
        if (saml_xml_is(c, SAML_NS_XENC, "CipherReference"))
            return refuse(d, "%s: CipherReference is not followed", "CipherData");
        if (!saml_xml_is(c, SAML_NS_XENC, "CipherValue") || value)
            return refuse(d, "%s must hold exactly one CipherValue", "CipherData");
        value = c;
    }
    if (value == NULL)
        return refuse(d, "%s must hold exactly one CipherValue", "CipherData");
    if (saml_xml_text(d->p, value, &text, &inner) != APR_SUCCESS ||
        saml_base64_decode(d->p, text, strlen(text), max, &bytes, out_len, &inner) != APR_SUCCESS)
        return refuse(d, "CipherValue is not base64 within the size limit (%s)", inner.detail);
    *out = bytes;
    return APR_SUCCESS;
}

/* EncryptionMethod of the EncryptedKey: RSA-OAEP and its parameters. */
static apr_status_t read_key_transport_method(decryption_t *d, const xmlNode *method)
{
    const char *alg = saml_xml_attr(d->p, method, "Algorithm");
    int enc11 = alg && !strcmp(alg, SAML_XENC_RSA_OAEP);
    xmlNodePtr c;

    if (alg && !strcmp(alg, XENC_RSA_1_5))
        return refuse(d, "key transport %s is refused (Bleichenbacher's attack); use RSA-OAEP",
                      alg);
    if (!enc11 && (alg == NULL || strcmp(alg, SAML_XENC_RSA_OAEP_MGF1P)))
        return refuse(d, "key transport %s is not RSA-OAEP", alg);
    d->oaep_md = d->mgf1_md = "SHA1";
    FOR_EACH_ELEMENT(c, method) {
        const named_digest_t *md;
        if (saml_xml_is(c, SAML_NS_DSIG, "DigestMethod")) {
            const char *uri = saml_xml_attr(d->p, c, "Algorithm");
            if ((md = digest_named(oaep_digests, uri)) == NULL)
                return refuse(d, "RSA-OAEP DigestMethod %s not allowed", uri);
            d->oaep_md = md->name;
        }
        else if (enc11 && saml_xml_is(c, NS_XENC11, "MGF")) {
            const char *uri = saml_xml_attr(d->p, c, "Algorithm");
            if ((md = digest_named(mgf_digests, uri)) == NULL)
                return refuse(d, "RSA-OAEP MGF %s not allowed", uri);
            d->mgf1_md = md->name;
        }
        else if (saml_xml_is(c, SAML_NS_XENC, "OAEPparams")) {
            const char *text;
            unsigned char *label;
            saml_err_t inner = { NULL, NULL };
            if (saml_xml_text(d->p, c, &text, &inner) != APR_SUCCESS ||
                saml_base64_decode(d->p, text, strlen(text), 256, &label, &d->label_len,
                                   &inner) != APR_SUCCESS)
                return refuse(d, "OAEPparams unreadable (%s)", inner.detail);
            d->label = d->label_len ? label : NULL;
        }
        else {
            return refuse(d, "unexpected <%s> in the key transport EncryptionMethod",
                          (const char *)c->name);
        }
    }
    return APR_SUCCESS;
}

/* EncryptedKey: its method and wrapped key. KeyInfo inside is the sender's
 * hint at which of our keys to use; we have one, so it is not read. */
static apr_status_t read_encrypted_key(decryption_t *d, const xmlNode *ek)
{
    xmlNodePtr c, method = NULL, cipher_data = NULL;
    apr_status_t rv;

    FOR_EACH_ELEMENT(c, ek) {
        if (saml_xml_is(c, SAML_NS_XENC, "EncryptionMethod") && !method)
            method = c;
        else if (saml_xml_is(c, SAML_NS_XENC, "CipherData") && !cipher_data)
            cipher_data = c;
        else if (!saml_xml_is(c, SAML_NS_DSIG, "KeyInfo") &&
                 !saml_xml_is(c, SAML_NS_XENC, "EncryptionProperties") &&
                 !saml_xml_is(c, SAML_NS_XENC, "ReferenceList") &&
                 !saml_xml_is(c, SAML_NS_XENC, "CarriedKeyName"))
            return refuse(d, "unexpected <%s> in EncryptedKey", (const char *)c->name);
    }
    if (method == NULL || cipher_data == NULL)
        return refuse(d, "EncryptedKey needs EncryptionMethod and CipherData%s", "");
    if ((rv = read_key_transport_method(d, method)) != APR_SUCCESS)
        return rv;
    return read_cipher_data(d, cipher_data, MAX_WRAPPED_KEY, &d->wrapped_key,
                            &d->wrapped_key_len);
}

/* The EncryptedKey a RetrievalMethod names: only a direct child of this
 * EncryptedAssertion, matched by its Id, never by a document-wide lookup. */
static apr_status_t retrieved_key(decryption_t *d, const xmlNode *rm, const xmlNode **ek)
{
    const char *uri = saml_xml_attr(d->p, rm, "URI");
    const char *type = saml_xml_attr(d->p, rm, "Type");
    xmlNodePtr c;

    if (type && strcmp(type, XENC_TYPE_ENC_KEY))
        return refuse(d, "RetrievalMethod Type %s is not EncryptedKey", type);
    if (next_element(rm->children))
        return refuse(d, "RetrievalMethod with %s is not followed", "Transforms");
    if (uri == NULL || uri[0] != '#' || uri[1] == '\0')
        return refuse(d, "RetrievalMethod URI %s is not a same-document \"#id\"", uri);
    FOR_EACH_ELEMENT(c, d->encrypted_assertion) {
        const char *id = saml_xml_attr(d->p, c, "Id");
        if (saml_xml_is(c, SAML_NS_XENC, "EncryptedKey") && id && !strcmp(id, uri + 1)) {
            *ek = c;
            return APR_SUCCESS;
        }
    }
    return refuse(d, "RetrievalMethod %s does not name an EncryptedKey inside the "
                     "EncryptedAssertion", uri);
}

/* Exactly one EncryptedKey, from the EncryptedData's KeyInfo or beside it. */
static apr_status_t find_encrypted_key(decryption_t *d, const xmlNode *keyinfo,
                                       int siblings, const xmlNode *sibling,
                                       const xmlNode **ek)
{
    xmlNodePtr c;
    const xmlNode *found = NULL;
    int sources = 0;
    apr_status_t rv;

    FOR_EACH_ELEMENT(c, keyinfo) {
        if (saml_xml_is(c, SAML_NS_XENC, "EncryptedKey")) {
            found = c;
            sources++;
        }
        else if (saml_xml_is(c, SAML_NS_DSIG, "RetrievalMethod")) {
            if ((rv = retrieved_key(d, c, &found)) != APR_SUCCESS)
                return rv;
            sources++;
        }
        else if (!saml_xml_is(c, SAML_NS_DSIG, "KeyName")) {
            return refuse(d, "unexpected <%s> in the EncryptedData's KeyInfo",
                          (const char *)c->name);
        }
    }
    if (sources == 0 && siblings == 1) {
        found = sibling;
        sources = 1;
    }
    if (sources != 1 || siblings > 1 || (siblings == 1 && found != sibling))
        return refuse(d, "%s: expected exactly one EncryptedKey for the SP", "EncryptedAssertion");
    *ek = found;
    return APR_SUCCESS;
}

/* EncryptedData: content algorithm, ciphertext, and where its key is. */
static apr_status_t read_encrypted_data(decryption_t *d, const xmlNode *data,
                                        int siblings, const xmlNode *sibling,
                                        const xmlNode **ek)
{
    const char *type = saml_xml_attr(d->p, data, "Type"), *alg = NULL;
    xmlNodePtr c, method = NULL, keyinfo = NULL, cipher_data = NULL;
    apr_status_t rv;
    int i;

    if (type && strcmp(type, XENC_TYPE_ELEMENT))
        return refuse(d, "EncryptedData Type %s is not Element", type);
    FOR_EACH_ELEMENT(c, data) {
        if (saml_xml_is(c, SAML_NS_XENC, "EncryptionMethod") && !method)
            method = c;
        else if (saml_xml_is(c, SAML_NS_DSIG, "KeyInfo") && !keyinfo)
            keyinfo = c;
        else if (saml_xml_is(c, SAML_NS_XENC, "CipherData") && !cipher_data)
            cipher_data = c;
        else if (!saml_xml_is(c, SAML_NS_XENC, "EncryptionProperties"))
            return refuse(d, "unexpected <%s> in EncryptedData", (const char *)c->name);
    }
    if (method == NULL || cipher_data == NULL)
        return refuse(d, "EncryptedData needs EncryptionMethod and CipherData%s", "");
    alg = saml_xml_attr(d->p, method, "Algorithm");
    for (i = 0; alg && content_algs[i].uri; i++)
        if (!strcmp(alg, content_algs[i].uri))
            d->content = &content_algs[i];
    if (d->content == NULL || next_element(method->children))
        return refuse(d, "content encryption %s is not AES-128/256 in CBC or GCM", alg);
    if ((rv = find_encrypted_key(d, keyinfo, siblings, sibling, ek)) != APR_SUCCESS)
        return rv;
    return read_cipher_data(d, cipher_data, d->max_ciphertext, &d->ciphertext,
                            &d->ciphertext_len);
}

/* RSA-OAEP unwrap into key[d->content->key_len]. A failure, or a key of the
 * wrong length, leaves a random key instead, so the content step fails the
 * same way a wrong padding does (no early exit to time). Returns 1 when the
 * unwrapped key was used. */
static int unwrap_key(decryption_t *d, EVP_PKEY *sp_key, unsigned char *key)
{
    unsigned char out[MAX_WRAPPED_KEY];
    size_t out_len = sizeof(out);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(sp_key, NULL);
    int ok = 0;

    if (RAND_bytes(key, d->content->key_len) != 1)
        memset(key, 0, (size_t)d->content->key_len);
    if (ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
        EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, d->oaep_md, NULL) > 0 &&
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, d->mgf1_md, NULL) > 0) {
        if (d->label) {
            /* OpenSSL takes ownership of the label copy. */
            unsigned char *label = OPENSSL_memdup(d->label, d->label_len);
            if (label && EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, (int)d->label_len) <= 0)
                OPENSSL_free(label);
        }
        ok = EVP_PKEY_decrypt(ctx, out, &out_len, d->wrapped_key, d->wrapped_key_len) > 0 &&
             out_len == (size_t)d->content->key_len;
    }
    if (ok)
        memcpy(key, out, (size_t)d->content->key_len);
    OPENSSL_cleanse(out, sizeof(out));
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

static const EVP_CIPHER *cipher_of(const content_alg_t *alg)
{
    if (alg->gcm)
        return alg->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
    return alg->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
}

/* AES-CBC (IV || ciphertext, XML Encryption padding: the last byte counts the
 * padding bytes, the others are arbitrary) or AES-GCM (IV || ciphertext ||
 * tag). 0 on success with the plaintext NUL-terminated in *plain. */
static int decrypt_content(decryption_t *d, const unsigned char *key, char **plain,
                           apr_size_t *plain_len)
{
    const unsigned char *in = d->ciphertext;
    apr_size_t len = d->ciphertext_len;
    int gcm = d->content->gcm, iv_len = gcm ? GCM_IV_LEN : CBC_IV_LEN, n = 0, fin = 0, ok;
    EVP_CIPHER_CTX *ctx;
    unsigned char *out;

    if (len < (apr_size_t)iv_len + (gcm ? GCM_TAG_LEN : CBC_IV_LEN) || len > INT_MAX ||
        (!gcm && (len - iv_len) % CBC_IV_LEN))
        return -1;
    len -= iv_len + (gcm ? GCM_TAG_LEN : 0);
    out = apr_palloc(d->p, len + CBC_IV_LEN + 1);
    ctx = EVP_CIPHER_CTX_new();
    ok = ctx && EVP_DecryptInit_ex(ctx, cipher_of(d->content), NULL, NULL, NULL) > 0 &&
         (!gcm || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, iv_len, NULL) > 0) &&
         EVP_DecryptInit_ex(ctx, NULL, NULL, key, in) > 0 &&
         EVP_CIPHER_CTX_set_padding(ctx, 0) > 0 &&
         EVP_DecryptUpdate(ctx, out, &n, in + iv_len, (int)len) > 0 &&
         (!gcm || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN,
                                      (void *)(in + iv_len + len)) > 0) &&
         EVP_DecryptFinal_ex(ctx, out + n, &fin) > 0;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return -1;
    n += fin;
    if (!gcm) {
        int pad = n > 0 ? out[n - 1] : 0;
        if (pad < 1 || pad > CBC_IV_LEN || pad > n)
            return -1;
        n -= pad;
    }
    out[n] = '\0';
    *plain = (char *)out;
    *plain_len = (apr_size_t)n;
    return 0;
}

/* The plaintext of an Element-type EncryptedData is one element written in
 * the context it was taken from, so (as xmlsec does) it is parsed inside an
 * element declaring the namespaces in scope at the EncryptedData: an IdP
 * whose serialiser leaves a declaration to an ancestor still decrypts to the
 * same names. An XML declaration in front is dropped; anything else that is
 * not content (a DOCTYPE, a PI) makes the whole not well-formed or refused. */
static const char *in_context(decryption_t *d, const xmlNode *data, const char *plain)
{
    xmlNsPtr *list = xmlGetNsList(data->doc, data);
    const char *open = "<decrypted";
    int i;

    for (i = 0; list && list[i]; i++) {
        const char *prefix = (const char *)list[i]->prefix;
        if (prefix && !strcmp(prefix, "xml"))
            continue;
        open = apr_pstrcat(d->p, open, prefix ? " xmlns:" : " xmlns", prefix ? prefix : "",
                           "=\"", apr_pescape_entity(d->p, (const char *)list[i]->href, 0),
                           "\"", NULL);
    }
    xmlFree(list);
    if (!strncmp(plain, "<?xml", 5) && (plain[5] == ' ' || plain[5] == '\t' ||
                                        plain[5] == '\r' || plain[5] == '\n')) {
        const char *end = strstr(plain, "?>");
        plain = end ? end + 2 : plain;
    }
    return apr_pstrcat(d->p, open, ">", plain, "</decrypted>", NULL);
}

/* The wrapper holds exactly one element, the Assertion, and only blanks. */
static xmlNodePtr only_assertion(const xmlNode *wrapper)
{
    xmlNodePtr c, found = NULL;
    for (c = wrapper->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (found)
                return NULL;
            found = c;
        }
        else if (c->type == XML_TEXT_NODE) {
            const xmlChar *t;
            for (t = c->content; t && *t; t++)
                if (*t != ' ' && *t != '\t' && *t != '\r' && *t != '\n')
                    return NULL;
        }
        else {
            return NULL;
        }
    }
    return saml_xml_is(found, SAML_NS_ASSERTION, "Assertion") ? found : NULL;
}

static int declared_between(const xmlNode *node, const xmlNs *ns, const xmlNode *top)
{
    const xmlNs *d;
    for (; node; node = node->parent) {
        for (d = node->nsDef; d; d = d->next)
            if (d == ns)
                return 1;
        if (node == top)
            break;
    }
    return 0;
}

int saml_decrypted_self_contained(const xmlNode *assertion)
{
    const xmlNode *n = assertion;

    while (n) {
        if (n->type == XML_ELEMENT_NODE) {
            const xmlAttr *a;
            if (n->ns && !declared_between(n, n->ns, assertion))
                return 0;
            for (a = n->properties; a; a = a->next)
                if (a->ns && !(a->ns->prefix && !strcmp((const char *)a->ns->prefix, "xml")) &&
                    !declared_between(n, a->ns, assertion))
                    return 0;
            if (n->children) {
                n = n->children;
                continue;
            }
        }
        while (n != assertion && n->next == NULL)
            n = n->parent;
        n = n == assertion ? NULL : n->next;
    }
    return 1;
}

apr_status_t saml_decrypt_assertion_any(apr_pool_t *p, const apr_array_header_t *sp_keys,
                                        const xmlNode *encrypted_assertion,
                                        const saml_xml_limits_t *limits,
                                        xmlNodePtr *assertion, saml_err_t *err)
{
    decryption_t d;
    xmlNodePtr c, data = NULL, sibling = NULL, found;
    const char *text;
    const xmlNode *ek = NULL;
    unsigned char key[32];
    char *plain = NULL;
    apr_size_t plain_len = 0;
    xmlDocPtr doc = NULL;
    int datas = 0, siblings = 0, failed, k, unwrapped = 0;
    apr_status_t rv;

    *assertion = NULL;
    memset(&d, 0, sizeof(d));
    d.p = p;
    d.err = err;
    d.encrypted_assertion = encrypted_assertion;
    d.max_ciphertext = (limits && limits->max_bytes ? limits->max_bytes
                                                    : SAML_XML_DEFAULT_MAX_BYTES) + 64;
    for (k = 0; sp_keys && k < sp_keys->nelts; k++) {
        EVP_PKEY *sp_key = APR_ARRAY_IDX(sp_keys, k, EVP_PKEY *);
        if (sp_key == NULL || EVP_PKEY_get_base_id(sp_key) != EVP_PKEY_RSA)
            return refuse(&d, "the SP key cannot decrypt: %s", sp_key ? "it is not an RSA key"
                                                                       : "no SP private key");
    }
    if (sp_keys == NULL || sp_keys->nelts == 0)
        return refuse(&d, "the SP key cannot decrypt: %s", "no SP private key");
    FOR_EACH_ELEMENT(c, encrypted_assertion) {
        if (saml_xml_is(c, SAML_NS_XENC, "EncryptedData")) {
            data = c;
            datas++;
        }
        else if (saml_xml_is(c, SAML_NS_XENC, "EncryptedKey")) {
            sibling = c;
            siblings++;
        }
        else
            return refuse(&d, "unexpected <%s> in EncryptedAssertion", (const char *)c->name);
    }
    if (datas != 1)
        return refuse(&d, "EncryptedAssertion must hold exactly one EncryptedData%s", "");
    if ((rv = read_encrypted_data(&d, data, siblings, sibling, &ek)) != APR_SUCCESS ||
        (rv = read_encrypted_key(&d, ek)) != APR_SUCCESS)
        return rv;

    /* Each key in turn, all of them: the wrong key's OAEP check fails (and
     * leaves a random key, which is replaced when a later key fits). */
    for (k = 0; k < sp_keys->nelts; k++) {
        unsigned char tried[32];
        if (unwrap_key(&d, APR_ARRAY_IDX(sp_keys, k, EVP_PKEY *), tried) && !unwrapped) {
            memcpy(key, tried, sizeof(tried));
            unwrapped = 1;
        }
        else if (k == 0)
            memcpy(key, tried, sizeof(tried));
        OPENSSL_cleanse(tried, sizeof(tried));
    }
    failed = decrypt_content(&d, key, &plain, &plain_len);
    OPENSSL_cleanse(key, sizeof(key));
    if (failed || memchr(plain, '\0', plain_len))
        return undecryptable(&d);
    text = in_context(&d, data, plain);
    if (saml_xml_parse(p, text, strlen(text), limits, &doc, NULL) != APR_SUCCESS ||
        (found = only_assertion(xmlDocGetRootElement(doc))) == NULL)
        return undecryptable(&d);
    *assertion = found;
    return APR_SUCCESS;
}

apr_status_t saml_decrypt_assertion(apr_pool_t *p, EVP_PKEY *sp_key,
                                    const xmlNode *encrypted_assertion,
                                    const saml_xml_limits_t *limits,
                                    xmlNodePtr *assertion, saml_err_t *err)
{
    apr_array_header_t *keys = apr_array_make(p, 1, sizeof(EVP_PKEY *));
    APR_ARRAY_PUSH(keys, EVP_PKEY *) = sp_key;
    return saml_decrypt_assertion_any(p, keys, encrypted_assertion, limits, assertion, err);
}
