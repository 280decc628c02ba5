/* Sealed records: HKDF-SHA256 key derivation and AES-256-GCM. See
 * sealed_record.h. The OpenSSL algorithm objects are fetched once per
 * process: OpenSSL 3 would otherwise look them up on every call, which
 * costs more than sealing a session record. */
#include "saml/sealed_record.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <pthread.h>
#include <string.h>

#include "saml/random.h"

#define SEALED_MAGIC   'E'
#define SEALED_VERSION 0x01
#define HEADER_BYTES   2
#define NONCE_BYTES    12
#define TAG_BYTES      16
#define SECRET_MIN     16

static EVP_KDF *hkdf;
static EVP_CIPHER *aes_gcm;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_algorithms(void)
{
    hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static int algorithms_ready(void)
{
    pthread_once(&fetch_once, fetch_algorithms);
    return hkdf != NULL && aes_gcm != NULL;
}

apr_status_t saml_sealed_key_derive(const char *secret, apr_size_t secret_len,
                                    const char *info, saml_sealed_key_t *out)
{
    EVP_KDF_CTX *ctx;
    OSSL_PARAM params[4];
    int ok;

    if (secret == NULL || secret_len < SECRET_MIN || info == NULL)
        return APR_EINVAL;
    if (!algorithms_ready() || (ctx = EVP_KDF_CTX_new(hkdf)) == NULL)
        return SAML_EINTERNAL;
    /* No salt: the secret is already uniformly random (a session id holds
     * 256 random bits), which is the case RFC 5869 allows it for. */
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret,
                                                  secret_len);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
                                                  strlen(info));
    params[3] = OSSL_PARAM_construct_end();
    ok = EVP_KDF_derive(ctx, out->k, sizeof(out->k), params) == 1;
    EVP_KDF_CTX_free(ctx);
    return ok ? APR_SUCCESS : SAML_EINTERNAL;
}

/* The authenticated data: the record's header, then the caller's ad. */
static int add_ad(EVP_CIPHER_CTX *ctx, const unsigned char *header, const char *ad)
{
    int n;
    apr_size_t len = strlen(ad);

    if (EVP_CipherUpdate(ctx, NULL, &n, header, HEADER_BYTES) != 1)
        return 0;
    return len == 0 || EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)ad,
                                        (int)len) == 1;
}

apr_status_t saml_seal(apr_pool_t *p, const saml_sealed_key_t *key, const char *ad,
                       const char *plain, apr_size_t len, char **out, apr_size_t *out_len)
{
    EVP_CIPHER_CTX *ctx;
    unsigned char *rec, *ct;
    int n = 0, fin = 0, ok;

    if (key == NULL || ad == NULL || (plain == NULL && len > 0) || len > (apr_size_t)1 << 30
        || strlen(ad) > (apr_size_t)1 << 30)
        return APR_EINVAL;
    if (!algorithms_ready())
        return SAML_EINTERNAL;
    rec = apr_palloc(p, len + SAML_SEALED_OVERHEAD);
    rec[0] = SEALED_MAGIC;
    rec[1] = SEALED_VERSION;
    /* A random nonce: a key serves one session, written a few times an
     * hour at most, so 96 random bits never repeat under one key. */
    if (saml_random_bytes(rec + HEADER_BYTES, NONCE_BYTES) != APR_SUCCESS)
        return SAML_EINTERNAL;
    ct = rec + HEADER_BYTES + NONCE_BYTES;
    if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
        return SAML_EINTERNAL;
    ok = EVP_EncryptInit_ex2(ctx, aes_gcm, key->k, rec + HEADER_BYTES, NULL) == 1
         && add_ad(ctx, rec, ad)
         && (len == 0 || EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)plain,
                                           (int)len) == 1)
         && EVP_EncryptFinal_ex(ctx, ct + n, &fin) == 1
         && (apr_size_t)(n + fin) == len
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, ct + len) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return SAML_EINTERNAL;
    *out = (char *)rec;
    *out_len = len + SAML_SEALED_OVERHEAD;
    return APR_SUCCESS;
}

apr_status_t saml_unseal(apr_pool_t *p, const saml_sealed_key_t *key, const char *ad,
                         const char *sealed, apr_size_t len, char **out, apr_size_t *out_len)
{
    const unsigned char *rec = (const unsigned char *)sealed;
    EVP_CIPHER_CTX *ctx;
    unsigned char *plain;
    apr_size_t plen;
    int n = 0, fin = 0, ok;

    *out = NULL;
    if (key == NULL || ad == NULL || rec == NULL || len < SAML_SEALED_OVERHEAD
        || len > ((apr_size_t)1 << 30) + SAML_SEALED_OVERHEAD || strlen(ad) > (apr_size_t)1 << 30
        || rec[0] != SEALED_MAGIC || rec[1] != SEALED_VERSION)
        return SAML_EMALFORMED;
    if (!algorithms_ready())
        return SAML_EINTERNAL;
    plen = len - SAML_SEALED_OVERHEAD;
    plain = apr_palloc(p, plen + 1);
    if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
        return SAML_EINTERNAL;
    ok = EVP_DecryptInit_ex2(ctx, aes_gcm, key->k, rec + HEADER_BYTES, NULL) == 1
         && add_ad(ctx, rec, ad)
         && (plen == 0 || EVP_DecryptUpdate(ctx, plain, &n, rec + HEADER_BYTES + NONCE_BYTES,
                                            (int)plen) == 1)
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES,
                                (void *)(rec + len - TAG_BYTES)) == 1
         /* The tag is checked here: nothing decrypted is used before. */
         && EVP_DecryptFinal_ex(ctx, plain + n, &fin) == 1
         && (apr_size_t)(n + fin) == plen;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        OPENSSL_cleanse(plain, plen);
        return SAML_EMALFORMED;
    }
    plain[plen] = '\0';
    *out = (char *)plain;
    *out_len = plen;
    return APR_SUCCESS;
}
