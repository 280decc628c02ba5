/* saml_decrypt_assertion two ways. The bytes as a document holding an
 * EncryptedAssertion: nothing was encrypted for the harness's key, so every
 * input is refused with check "encryption" (the XML Encryption structure,
 * algorithm allow-list, RetrievalMethod and CipherValue readers are what is
 * exercised). And the bytes as the *plaintext* of an EncryptedAssertion the
 * harness encrypts for its own key (AES-256-CBC under a key wrapped once with
 * RSA-OAEP): then the plaintext parser runs on hostile bytes, and whatever
 * comes out is one saml:Assertion alone under the stand-in root, or a refusal
 * with the one detail that gives nothing away. */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "saml/codec.h"
#include "saml/decrypt.h"
#include "saml/xml.h"

static unsigned char aes_key[32];
static char wrapped_key_b64[1024];    /* made once per process */

static void wrap_aes_key(void)
{
    apr_pool_t *p;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(fuzz_idp_key(), NULL);
    unsigned char out[512];
    size_t len = sizeof(out);

    if (RAND_bytes(aes_key, sizeof(aes_key)) != 1 || ctx == NULL ||
        EVP_PKEY_encrypt_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_encrypt(ctx, out, &len, aes_key, sizeof(aes_key)) <= 0)
        fuzz_violation("set-up", "cannot wrap the AES key");
    EVP_PKEY_CTX_free(ctx);
    apr_pool_create(&p, NULL);
    apr_cpystrn(wrapped_key_b64, saml_base64_encode(p, out, len), sizeof(wrapped_key_b64));
    apr_pool_destroy(p);
}

/* IV || AES-256-CBC(plain with XML Encryption padding), base64. */
static const char *encrypt_cbc(apr_pool_t *p, const uint8_t *plain, size_t size)
{
    size_t padded = (size / 16 + 1) * 16;
    unsigned char *in = apr_pcalloc(p, padded), *out = apr_palloc(p, padded + 32);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;

    memcpy(in, plain, size);
    in[padded - 1] = (unsigned char)(padded - size);
    if (RAND_bytes(out, 16) != 1 || ctx == NULL ||
        EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, aes_key, out) <= 0 ||
        EVP_CIPHER_CTX_set_padding(ctx, 0) <= 0 ||
        EVP_EncryptUpdate(ctx, out + 16, &n, in, (int)padded) <= 0 ||
        EVP_EncryptFinal_ex(ctx, out + 16 + n, &fin) <= 0)
        fuzz_violation("set-up", "AES encryption failed");
    EVP_CIPHER_CTX_free(ctx);
    return saml_base64_encode(p, out, (apr_size_t)(16 + n + fin));
}

static const char *encrypted_assertion(apr_pool_t *p, const uint8_t *plain, size_t size)
{
    return apr_pstrcat(p,
        "<saml:EncryptedAssertion xmlns:saml=\"" SAML_NS_ASSERTION "\">"
        "<xenc:EncryptedData xmlns:xenc=\"" SAML_NS_XENC "\" Type=\"" SAML_NS_XENC "Element\">"
        "<xenc:EncryptionMethod Algorithm=\"" SAML_XENC_AES256_CBC "\"/>"
        "<ds:KeyInfo xmlns:ds=\"" SAML_NS_DSIG "\"><xenc:EncryptedKey>"
        "<xenc:EncryptionMethod Algorithm=\"" SAML_XENC_RSA_OAEP_MGF1P "\"/>"
        "<xenc:CipherData><xenc:CipherValue>", wrapped_key_b64,
        "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>"
        "<xenc:CipherData><xenc:CipherValue>", encrypt_cbc(p, plain, size),
        "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>"
        "</saml:EncryptedAssertion>", NULL);
}

static xmlNodePtr first_encrypted_assertion(xmlNodePtr n)
{
    for (; n; n = n->next) {
        xmlNodePtr inner;
        if (saml_xml_is(n, SAML_NS_ASSERTION, "EncryptedAssertion"))
            return n;
        if (n->type == XML_ELEMENT_NODE && (inner = first_encrypted_assertion(n->children)))
            return inner;
    }
    return NULL;
}

static void as_document(apr_pool_t *p, const uint8_t *data, size_t size)
{
    xmlDocPtr doc;
    xmlNodePtr ea, as = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv;

    if (saml_xml_parse(p, (const char *)data, size, NULL, &doc, &err) != APR_SUCCESS ||
        (ea = first_encrypted_assertion(xmlDocGetRootElement(doc))) == NULL)
        return;
    rv = saml_decrypt_assertion(p, fuzz_idp_key(), ea, NULL, &as, &err);
    if (rv == APR_SUCCESS || as != NULL)
        fuzz_violation("document", "decrypted something nobody encrypted for this key");
    fuzz_expect_explained(rv, &err, "document");
    if (strcmp(err.check, "encryption"))
        fuzz_violation("document", "refused under another check than \"encryption\"");
    fuzz_trace("document: %s", err.detail);
}

static void as_plaintext(apr_pool_t *p, const uint8_t *data, size_t size)
{
    const char *xml = encrypted_assertion(p, data, size);
    xmlDocPtr doc;
    xmlNodePtr as = NULL, root;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv;

    if (saml_xml_parse(p, xml, strlen(xml), NULL, &doc, &err) != APR_SUCCESS)
        fuzz_violation("plaintext", "the harness's own EncryptedAssertion does not parse");
    rv = saml_decrypt_assertion(p, fuzz_idp_key(), xmlDocGetRootElement(doc), NULL, &as, &err);
    if (rv != APR_SUCCESS) {
        fuzz_expect_explained(rv, &err, "plaintext");
        if (as != NULL || strcmp(err.detail, SAML_DECRYPT_FAILED))
            fuzz_violation("plaintext", "a plaintext failure told more than the one detail");
        return;
    }
    root = xmlDocGetRootElement(as->doc);
    if (!saml_xml_is(as, SAML_NS_ASSERTION, "Assertion") || as->parent != root ||
        saml_xml_element_count(root) != 1 || root->next != NULL)
        fuzz_violation("plaintext", "the result is not one Assertion alone under the root");
    fuzz_trace("plaintext: decrypted to an Assertion");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    wrap_aes_key();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();

    if (size <= SAML_XML_DEFAULT_MAX_BYTES) {
        as_document(p, data, size);
        as_plaintext(p, data, size);
    }
    apr_pool_destroy(p);
    return 0;
}
