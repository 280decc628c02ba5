/* saml/decrypt.c and the EncryptedAssertion path of saml/response.c. Azure's
 * shape (AES-256-CBC, RSA-OAEP-MGF1P with SHA-1, EncryptedKey inside the
 * EncryptedData's KeyInfo) is made with xmlsec, an implementation independent
 * of ours; the variants xmlsec 1.2 cannot write (xmlenc11 rsa-oaep, SHA-256
 * OAEP digests, RSA-1_5, sibling keys, altered plaintexts) are put together
 * here with OpenSSL. Every response is signed at test time. */
#include <apr_strings.h>
#include <check.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <xmlsec/xmlsec.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/openssl/evp.h>

#include "saml/codec.h"
#include "saml/certificate.h"
#include "saml/decrypt.h"
#include "tests/unit/response_fixture.h"
#include "saml/sp_metadata.h"

static tk_keypair_t *sp, *other_sp;

#define XENC       "http://www.w3.org/2001/04/xmlenc#"
#define XENC11     "http://www.w3.org/2009/xmlenc11#"
#define RSA_1_5    XENC "rsa-1_5"
#define DIG_SHA1   "http://www.w3.org/2000/09/xmldsig#sha1"
#define DIG_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"

/* ---- encryption with xmlsec: what Azure sends ----------------------------- */

static xmlSecKeyPtr public_key_of(X509 *cert)
{
    xmlSecKeyPtr key = xmlSecKeyCreate();
    xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(X509_get_pubkey(cert));
    if (key == NULL || data == NULL || xmlSecKeySetValue(key, data) < 0)
        abort();
    return key;
}

static xmlNodePtr child_named(xmlNodePtr parent, const char *name)
{
    xmlNodePtr c;
    for (c = parent->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
            return c;
    return NULL;
}

/* The response's Assertion replaced by an EncryptedAssertion for `to`. */
static const char *xmlsec_encrypt(const char *xml, xmlSecTransformId content, int bits, X509 *to)
{
    apr_pool_t *p = tk_pool();
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "r.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr root = xmlDocGetRootElement(doc), assertion = child_named(root, "Assertion");
    xmlNodePtr wrapper, data, keyinfo, enc_key;
    xmlSecKeysMngrPtr mngr = xmlSecKeysMngrCreate();
    xmlSecEncCtxPtr ctx;
    xmlChar *out = NULL;
    int len = 0;
    const char *result;

    ck_assert_ptr_nonnull(assertion);
    wrapper = xmlNewDocNode(doc, NULL, (const xmlChar *)"EncryptedAssertion", NULL);
    xmlSetNs(wrapper, xmlNewNs(wrapper, (const xmlChar *)SAML_NS_ASSERTION,
                               (const xmlChar *)"saml"));
    xmlAddPrevSibling(assertion, wrapper);
    xmlUnlinkNode(assertion);
    xmlAddChild(wrapper, assertion);

    data = xmlSecTmplEncDataCreate(doc, content, NULL, xmlSecTypeEncElement, NULL, NULL);
    xmlSecTmplEncDataEnsureCipherValue(data);
    keyinfo = xmlSecTmplEncDataEnsureKeyInfo(data, NULL);
    enc_key = xmlSecTmplKeyInfoAddEncryptedKey(keyinfo, xmlSecTransformRsaOaepId, NULL, NULL,
                                               NULL);
    xmlSecTmplEncDataEnsureCipherValue(enc_key);
    /* Azure names the certificate in the EncryptedKey's KeyInfo; we never read it. */
    xmlSecTmplKeyInfoAddX509Data(xmlSecTmplEncDataEnsureKeyInfo(enc_key, NULL));

    if (mngr == NULL || xmlSecCryptoAppDefaultKeysMngrInit(mngr) < 0 ||
        xmlSecCryptoAppDefaultKeysMngrAdoptKey(mngr, public_key_of(to)) < 0)
        abort();
    ctx = xmlSecEncCtxCreate(mngr);
    ctx->encKey = xmlSecKeyGenerate(xmlSecKeyDataAesId, (xmlSecSize)bits,
                                    xmlSecKeyDataTypeSession);
    if (ctx->encKey == NULL || xmlSecEncCtxXmlEncrypt(ctx, data, assertion) < 0) {
        fprintf(stderr, "xmlsec encryption failed\n");
        abort();
    }
    xmlSecEncCtxDestroy(ctx);
    xmlSecKeysMngrDestroy(mngr);
    xmlDocDumpMemory(doc, &out, &len);
    result = apr_pstrmemdup(p, (const char *)out, (apr_size_t)len);
    xmlFree(out);
    xmlFreeDoc(doc);
    return result;
}

/* ---- encryption by hand: every other variant ------------------------------ */

typedef struct spec {
    const char *content;        /* SAML_XENC_AES256_CBC ... */
    const char *transport;      /* SAML_XENC_RSA_OAEP_MGF1P, SAML_XENC_RSA_OAEP, RSA_1_5 */
    const char *digest;         /* DigestMethod, NULL: none (SHA-1) */
    const char *mgf;            /* xmlenc11 MGF, NULL: none (SHA-1) */
    enum { INLINE, SIBLING, RETRIEVED } placement;
    const char *retrieval_uri;  /* RETRIEVED: NULL means "#" + the sibling's Id */
    X509 *to;                   /* sp->cert by default */
    int key_len_override;       /* wrap a key of this length instead */
} spec_t;

static void spec_defaults(spec_t *s)
{
    memset(s, 0, sizeof(*s));
    s->content = SAML_XENC_AES256_CBC;
    s->transport = SAML_XENC_RSA_OAEP_MGF1P;
    s->placement = INLINE;
    s->to = sp->cert;
}

static const char *b64(const unsigned char *buf, apr_size_t len)
{
    return saml_base64_encode(tk_pool(), buf, len);
}

static const EVP_MD *md_of(const char *uri)
{
    if (uri == NULL || !strcmp(uri, DIG_SHA1) || !strcmp(uri, XENC11 "mgf1sha1"))
        return EVP_sha1();
    return EVP_sha256();
}

static apr_size_t wrap_key(const spec_t *s, const unsigned char *key, apr_size_t key_len,
                           unsigned char *out)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(s->to), NULL);
    size_t len = 1024;
    int v15 = !strcmp(s->transport, RSA_1_5);

    ck_assert(ctx && EVP_PKEY_encrypt_init(ctx) > 0);
    ck_assert(EVP_PKEY_CTX_set_rsa_padding(ctx, v15 ? RSA_PKCS1_PADDING
                                                    : RSA_PKCS1_OAEP_PADDING) > 0);
    if (!v15) {
        ck_assert(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md_of(s->digest)) > 0);
        ck_assert(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md_of(s->mgf)) > 0);
    }
    ck_assert(EVP_PKEY_encrypt(ctx, out, &len, key, key_len) > 0);
    EVP_PKEY_CTX_free(ctx);
    return len;
}

/* IV || ciphertext (|| tag) of plain under key, as XML Encryption lays it out. */
static const char *encrypt_content(const spec_t *s, const unsigned char *key, const char *plain)
{
    int gcm = strstr(s->content, "gcm") != NULL, k256 = strstr(s->content, "256") != NULL;
    int iv_len = gcm ? 12 : 16, n = 0, fin = 0, pad;
    apr_size_t len = strlen(plain), padded = gcm ? len : (len / 16 + 1) * 16;
    unsigned char *in = apr_pcalloc(tk_pool(), padded);
    unsigned char *out = apr_palloc(tk_pool(), (apr_size_t)iv_len + padded + 32);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    const EVP_CIPHER *c = gcm ? (k256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm())
                              : (k256 ? EVP_aes_256_cbc() : EVP_aes_128_cbc());

    memcpy(in, plain, len);
    pad = (int)(padded - len);
    if (!gcm)
        in[padded - 1] = (unsigned char)pad;   /* other padding bytes arbitrary (zero) */
    ck_assert(RAND_bytes(out, iv_len) == 1);
    ck_assert(EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL) > 0);
    if (gcm)
        ck_assert(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, iv_len, NULL) > 0);
    ck_assert(EVP_EncryptInit_ex(ctx, NULL, NULL, key, out) > 0);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    ck_assert(EVP_EncryptUpdate(ctx, out + iv_len, &n, in, (int)padded) > 0);
    ck_assert(EVP_EncryptFinal_ex(ctx, out + iv_len + n, &fin) > 0);
    n += fin;
    if (gcm) {
        ck_assert(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + iv_len + n) > 0);
        n += 16;
    }
    EVP_CIPHER_CTX_free(ctx);
    return b64(out, (apr_size_t)(iv_len + n));
}

static const char *encrypted_key_xml(const spec_t *s, const unsigned char *key, int key_len,
                                     const char *id_attr)
{
    unsigned char wrapped[1024];
    apr_size_t wl = wrap_key(s, key, (apr_size_t)key_len, wrapped);
    return apr_pstrcat(tk_pool(),
        "<xenc:EncryptedKey xmlns:xenc=\"" XENC "\"", id_attr, ">"
        "<xenc:EncryptionMethod Algorithm=\"", s->transport, "\">",
        s->digest ? apr_pstrcat(tk_pool(), "<ds:DigestMethod xmlns:ds=\"" SAML_NS_DSIG
                                "\" Algorithm=\"", s->digest, "\"/>", NULL) : "",
        s->mgf ? apr_pstrcat(tk_pool(), "<xenc11:MGF xmlns:xenc11=\"" XENC11 "\" Algorithm=\"",
                             s->mgf, "\"/>", NULL) : "",
        "</xenc:EncryptionMethod>"
        "<xenc:CipherData><xenc:CipherValue>", b64(wrapped, wl),
        "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>", NULL);
}

/* An EncryptedAssertion holding `plain` (any bytes: tests put DTDs in it). */
static const char *encrypted_assertion(const spec_t *s, const char *plain)
{
    unsigned char key[32];
    int key_len = strstr(s->content, "128") ? 16 : 32;
    const char *keyinfo = "", *sibling = "", *data;

    ck_assert(RAND_bytes(key, sizeof(key)) == 1);
    if (s->placement == INLINE)
        keyinfo = encrypted_key_xml(s, key, s->key_len_override ? s->key_len_override
                                                                : key_len, "");
    else
        sibling = encrypted_key_xml(s, key, key_len, " Id=\"_k1\"");
    if (s->placement == RETRIEVED)
        keyinfo = apr_pstrcat(tk_pool(), "<ds:RetrievalMethod URI=\"",
                              s->retrieval_uri ? s->retrieval_uri : "#_k1",
                              "\" Type=\"" XENC "EncryptedKey\"/>", NULL);
    data = apr_pstrcat(tk_pool(),
        "<xenc:EncryptedData xmlns:xenc=\"" XENC "\" Type=\"" XENC "Element\">"
        "<xenc:EncryptionMethod Algorithm=\"", s->content, "\"/>"
        "<ds:KeyInfo xmlns:ds=\"" SAML_NS_DSIG "\">", keyinfo, "</ds:KeyInfo>"
        "<xenc:CipherData><xenc:CipherValue>", encrypt_content(s, key, plain),
        "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>", NULL);
    return apr_pstrcat(tk_pool(), "<saml:EncryptedAssertion xmlns:saml=\"" SAML_NS_ASSERTION
                       "\">", data, sibling, "</saml:EncryptedAssertion>", NULL);
}

static const char *assertion_of(const char *xml)
{
    return tk_between(tk_pool(), xml, "<Assertion ", "</Assertion>");
}

/* xml with its Assertion replaced by `plain` encrypted as s says. */
static const char *encrypt_as(const char *xml, const spec_t *s, const char *plain)
{
    return tk_replace(tk_pool(), xml, assertion_of(xml), encrypted_assertion(s, plain));
}

static const char *encrypted(const char *xml, const spec_t *s)
{
    return encrypt_as(xml, s, assertion_of(xml));
}

static saml_response_policy_t sp_policy(void)
{
    saml_response_policy_t pol = policy();
    pol.sp_key = sp->key;
    return pol;
}

static void decrypt_accepted(const char *xml)
{
    saml_response_policy_t pol = sp_policy();
    saml_assertion_t *a = accepted_with(xml, &pol);
    ck_assert_str_eq(a->user, "alice@contoso.example");
    ck_assert_str_eq(a->assertion_id, o.assertion_id);
    ck_assert_str_eq(saml_assertion_attribute(a, TK_CLAIM_TENANTID), TK_TENANT_ID);
}

static void decrypt_refused(const char *xml, const char *check)
{
    saml_response_policy_t pol = sp_policy();
    refused_with(xml, &pol, check);
}

/* Refused with the one detail that gives nothing away. */
static void undecryptable(const char *xml, const saml_response_policy_t *pol)
{
    saml_assertion_t *a = NULL;
    saml_err_t err = { NULL, NULL };
    ck_assert_int_eq(run(xml, pol, &a, &err), SAML_EREJECTED);
    ck_assert_ptr_null(a);
    ck_assert_str_eq(err.check, "encryption");
    ck_assert_str_eq(err.detail, SAML_DECRYPT_FAILED);
}

static void refused_naming(const char *xml, const char *check, const char *words)
{
    saml_response_policy_t pol = sp_policy();
    saml_assertion_t *a = NULL;
    saml_err_t err = { NULL, NULL };
    ck_assert_int_ne(run(xml, &pol, &a, &err), APR_SUCCESS);
    ck_assert_str_eq(err.check, check);
    ck_assert_msg(strstr(err.detail, words) != NULL, "detail \"%s\" lacks \"%s\"", err.detail,
                  words);
}

/* ---- what Azure sends ----------------------------------------------------- */

START_TEST(azure_aes256_cbc_rsa_oaep_accepted)
{
    const char *xml = xmlsec_encrypt(signed_default(), xmlSecTransformAes256CbcId, 256, sp->cert);
    ck_assert_ptr_nonnull(strstr(xml, "EncryptedAssertion"));
    ck_assert_ptr_null(strstr(xml, "alice@contoso.example"));
    ck_assert_ptr_nonnull(strstr(xml, SAML_XENC_RSA_OAEP_MGF1P));
    decrypt_accepted(xml);
}
END_TEST

START_TEST(aes256_gcm_accepted)
{
    decrypt_accepted(xmlsec_encrypt(signed_default(), xmlSecTransformAes256GcmId, 256,
                                    sp->cert));
}
END_TEST

START_TEST(aes128_and_oaep_variants_accepted)
{
    spec_t s;
    spec_defaults(&s);
    s.content = SAML_XENC_AES128_CBC;
    decrypt_accepted(encrypted(signed_default(), &s));
    s.content = SAML_XENC_AES128_GCM;
    s.digest = DIG_SHA256;                         /* mgf1p with a SHA-256 OAEP digest */
    decrypt_accepted(encrypted(signed_default(), &s));
    s.content = SAML_XENC_AES256_CBC;
    s.transport = SAML_XENC_RSA_OAEP;              /* xmlenc11, SHA-256 digest and MGF1 */
    s.mgf = XENC11 "mgf1sha256";
    decrypt_accepted(encrypted(signed_default(), &s));
    s.digest = NULL;                               /* defaults: SHA-1 both */
    s.mgf = NULL;
    decrypt_accepted(encrypted(signed_default(), &s));
}
END_TEST

START_TEST(encrypted_key_beside_or_retrieved_accepted)
{
    spec_t s;
    spec_defaults(&s);
    s.placement = SIBLING;
    decrypt_accepted(encrypted(signed_default(), &s));
    s.placement = RETRIEVED;
    decrypt_accepted(encrypted(signed_default(), &s));
}
END_TEST

START_TEST(response_signature_over_encrypted_assertion_accepted)
{
    spec_t s;
    const char *xml;
    spec_defaults(&s);
    o.sign = TK_SIGN_NONE;
    xml = encrypted(tk_response_build(tk_pool(), &o), &s);
    decrypt_accepted(tk_sign(tk_pool(), xml, o.response_id, idp, NULL, NULL));
    /* signed before encryption: the signature no longer matches */
    o.sign = TK_SIGN_RESPONSE;
    decrypt_refused(encrypted(signed_default(), &s), "signature");
}
END_TEST

START_TEST(plaintext_read_in_its_namespace_context)
{
    spec_t s;
    const char *xml = signed_default(), *a = assertion_of(xml), *bare;
    spec_defaults(&s);
    /* an XML declaration in front is fine */
    decrypt_accepted(encrypt_as(xml, &s, apr_pstrcat(tk_pool(), "<?xml version=\"1.0\" "
                                                     "encoding=\"UTF-8\"?>\n", a, NULL)));
    /* a serialiser that left the default namespace to the EncryptedAssertion */
    bare = tk_replace(tk_pool(), a, " xmlns=\"" SAML_NS_ASSERTION "\"", "");
    decrypt_accepted(tk_replace(tk_pool(), encrypt_as(xml, &s, bare),
                                "<saml:EncryptedAssertion ",
                                "<saml:EncryptedAssertion xmlns=\"" SAML_NS_ASSERTION "\" "));
    /* ... and without it in scope, the element is no saml:Assertion */
    refused_naming(encrypt_as(xml, &s, bare), "encryption", "does not decrypt");
}
END_TEST

/* Exclusive c14n leaves out a declaration no signed element uses: one added
 * to the EncryptedData could rebind what a context-dependent plaintext means.
 * The Response's signature does not cover that; the Assertion's own does. */
START_TEST(context_namespaces_need_the_assertions_own_signature)
{
    spec_t s;
    const char *xml, *bare;
    spec_defaults(&s);
    o.sign = TK_SIGN_NONE;
    xml = tk_response_build(tk_pool(), &o);
    bare = tk_replace(tk_pool(), assertion_of(xml), " xmlns=\"" SAML_NS_ASSERTION "\"", "");
    xml = tk_replace(tk_pool(), encrypt_as(xml, &s, bare), "<saml:EncryptedAssertion ",
                     "<saml:EncryptedAssertion xmlns=\"" SAML_NS_ASSERTION "\" ");
    refused_naming(tk_sign(tk_pool(), xml, o.response_id, idp, NULL, NULL), "encryption",
                   "declared outside the encrypted data");
}
END_TEST

/* ---- what must be refused ------------------------------------------------- */

START_TEST(rsa_1_5_refused)
{
    spec_t s;
    spec_defaults(&s);
    s.transport = RSA_1_5;
    refused_naming(encrypted(signed_default(), &s), "encryption", "Bleichenbacher");
}
END_TEST

START_TEST(other_algorithms_and_shapes_refused)
{
    spec_t s;
    const char *xml;
    spec_defaults(&s);
    xml = encrypted(signed_default(), &s);
    refused_naming(tk_replace(tk_pool(), xml, SAML_XENC_AES256_CBC, XENC "tripledes-cbc"),
                   "encryption", "tripledes-cbc");
    s.digest = DIG_SHA1;
    xml = encrypted(signed_default(), &s);
    refused_naming(tk_replace(tk_pool(), xml, DIG_SHA1, TK_MD5), "encryption", "DigestMethod");
    refused_naming(tk_replace(tk_pool(), xml, "<xenc:CipherValue>",
                              "<xenc:CipherReference URI=\"http://127.0.0.1/x\"/>"
                              "<xenc:CipherValue>"), "encryption", "CipherReference");
    refused_naming(tk_replace(tk_pool(), xml, "</xenc:EncryptedData>",
                              "</xenc:EncryptedData><EncryptedData xmlns=\"" XENC "\"/>"), "encryption",
                   "exactly one EncryptedData");
}
END_TEST

START_TEST(retrieval_method_leaving_the_encrypted_assertion_refused)
{
    spec_t s;
    const char *xml, *key;
    spec_defaults(&s);
    s.placement = RETRIEVED;
    /* the key moved into the Response's Extensions, still findable by ID */
    xml = encrypted(signed_default(), &s);
    key = tk_between(tk_pool(), xml, "<xenc:EncryptedKey ", "</xenc:EncryptedKey>");
    xml = tk_replace(tk_pool(), xml, key, "");
    xml = tk_replace(tk_pool(), xml, "<samlp:Status>",
                     apr_pstrcat(tk_pool(), "<samlp:Extensions>", key, "</samlp:Extensions>"
                                 "<samlp:Status>", NULL));
    refused_naming(xml, "encryption", "inside the EncryptedAssertion");
    s.retrieval_uri = "http://127.0.0.1/key.xml";
    refused_naming(encrypted(signed_default(), &s), "encryption", "same-document");
    /* two keys for one EncryptedData: which one would an oracle test? */
    s.placement = SIBLING;
    xml = encrypted(signed_default(), &s);
    key = tk_between(tk_pool(), xml, "<xenc:EncryptedKey ", "</xenc:EncryptedKey>");
    refused_naming(tk_replace(tk_pool(), xml, "</saml:EncryptedAssertion>",
                              apr_pstrcat(tk_pool(), tk_replace(tk_pool(), key, "_k1", "_k2"),
                                          "</saml:EncryptedAssertion>", NULL)),
                   "encryption", "exactly one EncryptedKey");
}
END_TEST

START_TEST(wrong_sp_key_refused)
{
    saml_response_policy_t pol = sp_policy();
    undecryptable(xmlsec_encrypt(signed_default(), xmlSecTransformAes256CbcId, 256,
                                 other_sp->cert), &pol);
    pol.sp_key = other_sp->key;
    undecryptable(xmlsec_encrypt(signed_default(), xmlSecTransformAes256GcmId, 256, sp->cert),
                  &pol);
}
END_TEST

/* SP key rollover: with two pairs configured, Entra may encrypt for either,
 * and each opens its own assertion whatever its place in the list; a third
 * key's assertion is refused alike. Fails if only the first key is tried. */
START_TEST(any_configured_sp_key_decrypts)
{
    tk_keypair_t *third = tk_keypair_new(tk_pool(), 2048, "third-sp", 30);
    saml_response_policy_t pol = sp_policy();
    apr_array_header_t *keys = apr_array_make(tk_pool(), 2, sizeof(EVP_PKEY *));

    APR_ARRAY_PUSH(keys, EVP_PKEY *) = other_sp->key;
    APR_ARRAY_PUSH(keys, EVP_PKEY *) = sp->key;
    pol.sp_key = other_sp->key;
    pol.sp_keys = keys;
    ck_assert_str_eq(accepted_with(xmlsec_encrypt(signed_default(), xmlSecTransformAes256CbcId,
                                                  256, sp->cert), &pol)->user,
                     "alice@contoso.example");
    ck_assert_str_eq(accepted_with(xmlsec_encrypt(signed_default(), xmlSecTransformAes256GcmId,
                                                  256, other_sp->cert), &pol)->user,
                     "alice@contoso.example");
    undecryptable(xmlsec_encrypt(signed_default(), xmlSecTransformAes256CbcId, 256,
                                 third->cert), &pol);
}
END_TEST

/* A copy of xml with the base64 character at `at` chars into the content
 * CipherValue changed (the last CipherValue in the document is the content's). */
static const char *flip_content(const char *xml, long at)
{
    char *copy = apr_pstrdup(tk_pool(), xml);
    char *value = strstr(copy, "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>");
    char *c = value + at;
    ck_assert_ptr_nonnull(value);
    *c = *c == 'A' ? 'B' : 'A';
    return copy;
}

START_TEST(tampered_ciphertext_refused_alike)
{
    saml_response_policy_t pol = sp_policy();
    spec_t s;
    const char *xml;
    spec_defaults(&s);
    xml = encrypted(signed_default(), &s);
    undecryptable(flip_content(xml, -30), &pol);    /* the last blocks: padding */
    undecryptable(flip_content(xml, -300), &pol);   /* the middle: garbled XML */
    s.content = SAML_XENC_AES256_GCM;
    undecryptable(flip_content(encrypted(signed_default(), &s), -300), &pol);
    /* a wrapped key of the wrong length, and a corrupted wrapped key */
    s.key_len_override = 16;
    undecryptable(encrypted(signed_default(), &s), &pol);
    s.key_len_override = 0;
    xml = encrypted(signed_default(), &s);
    undecryptable(tk_replace(tk_pool(), xml, "<xenc:CipherValue>", "<xenc:CipherValue>AAAA"),
                  &pol);
}
END_TEST

START_TEST(dtd_or_entity_in_plaintext_refused)
{
    saml_response_policy_t pol = sp_policy();
    spec_t s;
    const char *xml = signed_default(), *a = assertion_of(xml);
    spec_defaults(&s);
    undecryptable(encrypt_as(xml, &s, apr_pstrcat(tk_pool(), "<!DOCTYPE Assertion [<!ENTITY "
                                                  "e \"x\">]>", a, NULL)), &pol);
    undecryptable(encrypt_as(xml, &s, tk_replace(tk_pool(), a, "alice@contoso.example</NameID>",
                                                 "&e;</NameID>")), &pol);
    /* plaintext that is not an Assertion */
    undecryptable(encrypt_as(xml, &s, "<Response xmlns=\"" SAML_NS_PROTOCOL "\"/>"), &pol);
}
END_TEST

START_TEST(decrypted_assertion_unsigned_refused)
{
    spec_t s;
    spec_defaults(&s);
    o.sign = TK_SIGN_NONE;
    refused_naming(encrypted(tk_response_build(tk_pool(), &o), &s), "encryption",
                   "signature-missing");
}
END_TEST

START_TEST(decrypted_assertion_signed_by_another_key_refused)
{
    spec_t s;
    spec_defaults(&s);
    refused_naming(encrypted(tk_response_signed(tk_pool(), &o, attacker), &s), "encryption",
                   "does not verify");
}
END_TEST

START_TEST(decrypted_assertion_altered_after_signing_refused)
{
    spec_t s;
    const char *xml = signed_default(), *a = assertion_of(xml);
    spec_defaults(&s);
    /* the same CBC oracle question (still well-formed?) must get the same check */
    refused_naming(encrypt_as(xml, &s, tk_replace(tk_pool(), a, "alice@", "mallory@")),
                   "encryption", "does not verify");
}
END_TEST

START_TEST(wrapping_inside_the_plaintext_refused)
{
    spec_t s;
    const char *xml = signed_default(), *a = assertion_of(xml);
    const char *evil = tk_replace(tk_pool(), tk_replace(tk_pool(), a, o.assertion_id, "_evil"),
                                  "alice@", "mallory@");
    spec_defaults(&s);
    /* the ID changed after signing: the Reference names the old one */
    refused_naming(encrypt_as(xml, &s, tk_replace(tk_pool(), a, o.assertion_id, "_evil")),
                   "encryption", "signature-shape");
    /* the genuine signed Assertion hidden inside an attacker's unsigned one */
    refused_naming(encrypt_as(xml, &s, tk_replace(tk_pool(), evil, "</Subject>",
                                                  apr_pstrcat(tk_pool(), "</Subject><Advice>", a,
                                                              "</Advice>", NULL))),
                   "encryption", "another");
}
END_TEST

START_TEST(encrypted_beside_plain_or_twice_refused)
{
    spec_t s;
    const char *xml = signed_default(), *enc;
    spec_defaults(&s);
    enc = encrypted_assertion(&s, assertion_of(xml));
    decrypt_refused(tk_replace(tk_pool(), xml, "</samlp:Response>",
                               apr_pstrcat(tk_pool(), enc, "</samlp:Response>", NULL)),
                    "encrypted-assertion");
    decrypt_refused(tk_replace(tk_pool(), encrypted(xml, &s), "</samlp:Response>",
                               apr_pstrcat(tk_pool(), enc, "</samlp:Response>", NULL)),
                    "encrypted-assertion");
    /* a signed plain Assertion hidden in Extensions beside an encrypted forgery */
    o.name_id = "mallory@contoso.example";
    decrypt_refused(tk_replace(tk_pool(), encrypted(tk_response_build(tk_pool(), &o), &s),
                               "<samlp:Status>",
                               apr_pstrcat(tk_pool(), "<samlp:Extensions>", assertion_of(xml),
                                           "</samlp:Extensions><samlp:Status>", NULL)),
                    "encrypted-assertion");
}
END_TEST

START_TEST(without_sp_key_refused_with_advice)
{
    spec_t s;
    saml_response_policy_t pol = policy();
    saml_assertion_t *a = NULL;
    saml_err_t err = { NULL, NULL };
    spec_defaults(&s);
    ck_assert_int_eq(run(encrypted(signed_default(), &s), &pol, &a, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "encrypted-assertion");
    ck_assert_ptr_nonnull(strstr(err.detail, "no SP private key"));
}
END_TEST

START_TEST(every_rule_applies_after_decryption)
{
    spec_t s;
    spec_defaults(&s);
    o.audience = "https://other.example.test/";
    decrypt_refused(encrypted(signed_default(), &s), "audience");
    tk_response_defaults(tk_pool(), &o);
    o.not_on_or_after = -10 * 60;
    decrypt_refused(encrypted(signed_default(), &s), "not-on-or-after");
    /* InResponseTo on the unsigned Response only: not covered by a signature */
    tk_response_defaults(tk_pool(), &o);
    o.in_response_to = "_req1";
    o.scd_in_response_to = TK_OMIT;
    decrypt_refused(encrypted(signed_default(), &s), "in-response-to");
}
END_TEST

START_TEST(decrypt_api_direct)
{
    spec_t s;
    xmlDocPtr doc;
    xmlNodePtr as = NULL;
    saml_err_t err = { NULL, NULL };
    const char *xml;
    tk_keypair_t *ec = tk_keypair_new(tk_pool(), 0, "ec-sp", 30);
    spec_defaults(&s);
    xml = encrypted(signed_default(), &s);
    ck_assert_int_eq(saml_xml_parse(tk_pool(), xml, strlen(xml), NULL, &doc, &err), APR_SUCCESS);
    {
        xmlNodePtr ea = saml_xml_child(xmlDocGetRootElement(doc), SAML_NS_ASSERTION,
                                       "EncryptedAssertion", NULL);
        ck_assert_int_eq(saml_decrypt_assertion(tk_pool(), sp->key, ea, NULL, &as, &err),
                         APR_SUCCESS);
        ck_assert(saml_xml_is(as, SAML_NS_ASSERTION, "Assertion"));
        ck_assert_ptr_eq(xmlDocGetRootElement(as->doc), as->parent);
        ck_assert_ptr_null(as->next);
        ck_assert_int_eq(saml_decrypt_assertion(tk_pool(), ec->key, ea, NULL, &as, &err),
                         SAML_EREJECTED);
        ck_assert_ptr_nonnull(strstr(err.detail, "not an RSA key"));
        ck_assert_ptr_null(as);
    }
}
END_TEST

/* ---- the SP metadata offers what we decrypt ------------------------------ */

START_TEST(sp_metadata_publishes_encryption_key_and_methods)
{
    saml_sp_metadata_params_t mp = { .entity_id = TK_SP_ENTITY_ID, .acs_url = TK_ACS_URL,
                                     .cert = sp->cert };
    const char *md = saml_sp_metadata(tk_pool(), &mp);
    xmlDocPtr doc;
    xmlNodePtr sso, kd, ki, m;
    saml_err_t err = { NULL, NULL };
    int encryption = 0, gcm = 0, cbc = 0, oaep = 0;

    ck_assert_int_eq(saml_xml_parse(tk_pool(), md, strlen(md), NULL, &doc, &err), APR_SUCCESS);
    sso = saml_xml_child(xmlDocGetRootElement(doc), SAML_NS_METADATA, "SPSSODescriptor", NULL);
    for (kd = sso->children; kd; kd = kd->next) {
        const char *use = saml_xml_attr(tk_pool(), kd, "use"), *cert;
        if (!saml_xml_is(kd, SAML_NS_METADATA, "KeyDescriptor") || strcmp(use, "encryption"))
            continue;
        encryption++;
        ki = saml_xml_child(kd, SAML_NS_DSIG, "KeyInfo", NULL);
        ck_assert_int_eq(saml_xml_text(tk_pool(), saml_xml_child(saml_xml_child(ki, SAML_NS_DSIG,
                         "X509Data", NULL), SAML_NS_DSIG, "X509Certificate", NULL), &cert, &err),
                         APR_SUCCESS);
        ck_assert_str_eq(cert, saml_cert_base64(tk_pool(), sp->cert));
        for (m = kd->children; m; m = m->next) {
            const char *alg = saml_xml_attr(tk_pool(), m, "Algorithm");
            if (!saml_xml_is(m, SAML_NS_METADATA, "EncryptionMethod"))
                continue;
            ck_assert_ptr_null(strstr(alg, "rsa-1_5"));
            gcm += !strcmp(alg, SAML_XENC_AES256_GCM);
            cbc += !strcmp(alg, SAML_XENC_AES256_CBC);
            oaep += !strcmp(alg, SAML_XENC_RSA_OAEP_MGF1P);
        }
    }
    ck_assert_int_eq(encryption, 1);
    ck_assert_int_eq(gcm + cbc + oaep, 3);
    /* without an SP certificate there is nothing to encrypt for */
    mp.cert = NULL;
    ck_assert_ptr_null(strstr(saml_sp_metadata(tk_pool(), &mp), "encryption"));
}
END_TEST

static void make_all_keys(void)
{
    static apr_pool_t *keys;
    make_keys();
    apr_pool_create(&keys, NULL);
    sp = tk_keypair_new(keys, 2048, "sp", 30);
    other_sp = tk_keypair_new(keys, 2048, "other-sp", 30);
}

int main(void)
{
    Suite *s = suite_create("decrypt");
    TCase *tc = tcase_create("decrypt");

    make_all_keys();
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, tk_teardown);
    tcase_add_test(tc, azure_aes256_cbc_rsa_oaep_accepted);
    tcase_add_test(tc, aes256_gcm_accepted);
    tcase_add_test(tc, aes128_and_oaep_variants_accepted);
    tcase_add_test(tc, encrypted_key_beside_or_retrieved_accepted);
    tcase_add_test(tc, response_signature_over_encrypted_assertion_accepted);
    tcase_add_test(tc, plaintext_read_in_its_namespace_context);
    tcase_add_test(tc, context_namespaces_need_the_assertions_own_signature);
    tcase_add_test(tc, rsa_1_5_refused);
    tcase_add_test(tc, other_algorithms_and_shapes_refused);
    tcase_add_test(tc, retrieval_method_leaving_the_encrypted_assertion_refused);
    tcase_add_test(tc, wrong_sp_key_refused);
    tcase_add_test(tc, any_configured_sp_key_decrypts);
    tcase_add_test(tc, tampered_ciphertext_refused_alike);
    tcase_add_test(tc, dtd_or_entity_in_plaintext_refused);
    tcase_add_test(tc, decrypted_assertion_unsigned_refused);
    tcase_add_test(tc, decrypted_assertion_signed_by_another_key_refused);
    tcase_add_test(tc, decrypted_assertion_altered_after_signing_refused);
    tcase_add_test(tc, wrapping_inside_the_plaintext_refused);
    tcase_add_test(tc, encrypted_beside_plain_or_twice_refused);
    tcase_add_test(tc, without_sp_key_refused_with_advice);
    tcase_add_test(tc, every_rule_applies_after_decryption);
    tcase_add_test(tc, decrypt_api_direct);
    tcase_add_test(tc, sp_metadata_publishes_encryption_key_and_methods);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
