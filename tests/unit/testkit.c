#include "testkit.h"

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include "xml.h"

static apr_pool_t *global_pool;
static apr_pool_t *test_pool;

void tk_setup(void)
{
    if (global_pool == NULL) {
        apr_initialize();
        apr_pool_create(&global_pool, NULL);
        if (saml_crypto_init() != APR_SUCCESS)
            abort();
    }
}

apr_pool_t *tk_pool(void)
{
    tk_setup();
    if (test_pool == NULL)
        apr_pool_create(&test_pool, global_pool);
    return test_pool;
}

void tk_teardown(void)
{
    if (test_pool) {
        apr_pool_destroy(test_pool);
        test_pool = NULL;
    }
}

static apr_status_t free_pkey(void *k) { EVP_PKEY_free(k); return APR_SUCCESS; }
static apr_status_t free_x509(void *c) { X509_free(c); return APR_SUCCESS; }

tk_keypair_t *tk_keypair_new(apr_pool_t *p, int bits, const char *cn, int days)
{
    tk_keypair_t *kp = apr_pcalloc(p, sizeof(*kp));
    X509_NAME *name;
    ASN1_INTEGER *serial;
    unsigned char rnd[8];

    kp->key = bits > 0 ? EVP_RSA_gen((unsigned)bits) : EVP_EC_gen("P-256");
    if (kp->key == NULL)
        abort();
    apr_pool_cleanup_register(p, kp->key, free_pkey, apr_pool_cleanup_null);

    kp->cert = X509_new();
    apr_pool_cleanup_register(p, kp->cert, free_x509, apr_pool_cleanup_null);
    X509_set_version(kp->cert, 2);
    apr_generate_random_bytes(rnd, sizeof(rnd));
    rnd[0] &= 0x7f;
    serial = ASN1_INTEGER_new();
    ASN1_INTEGER_set_uint64(serial, ((uint64_t)rnd[0] << 56) | ((uint64_t)rnd[1] << 48) |
                                        ((uint64_t)rnd[2] << 40) | ((uint64_t)rnd[3] << 32) |
                                        ((uint64_t)rnd[4] << 24) | ((uint64_t)rnd[5] << 16) |
                                        ((uint64_t)rnd[6] << 8) | rnd[7]);
    X509_set_serialNumber(kp->cert, serial);
    ASN1_INTEGER_free(serial);
    if (days >= 0) {
        X509_gmtime_adj(X509_getm_notBefore(kp->cert), -3600);
        X509_gmtime_adj(X509_getm_notAfter(kp->cert), (long)days * 86400L);
    }
    else {
        X509_gmtime_adj(X509_getm_notBefore(kp->cert), (long)(days - 30) * 86400L);
        X509_gmtime_adj(X509_getm_notAfter(kp->cert), (long)days * 86400L);
    }
    name = X509_get_subject_name(kp->cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(kp->cert, name);
    X509_set_pubkey(kp->cert, kp->key);
    if (X509_sign(kp->cert, kp->key, EVP_sha256()) <= 0)
        abort();
    return kp;
}

const char *tk_write_file(apr_pool_t *p, const char *data, apr_size_t len)
{
    const char *tmpdir = NULL;
    char *path;
    apr_file_t *f;
    apr_size_t written = len;

    apr_temp_dir_get(&tmpdir, p);
    path = apr_pstrcat(p, tmpdir, "/sequr-test-XXXXXX", NULL);
    if (apr_file_mktemp(&f, path, APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE |
                                      APR_FOPEN_EXCL | APR_FOPEN_DELONCLOSE, p) != APR_SUCCESS)
        abort();
    /* DELONCLOSE: the file goes away when p is cleared; keep it open until then. */
    if (len && apr_file_write_full(f, data, len, &written) != APR_SUCCESS)
        abort();
    apr_file_flush(f);
    return path;
}

static const char *bio_to_file(apr_pool_t *p, BIO *bio)
{
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    const char *path = tk_write_file(p, data, (apr_size_t)n);
    BIO_free(bio);
    return path;
}

const char *tk_write_cert(apr_pool_t *p, X509 *cert, tk_cert_format_t fmt)
{
    BIO *bio = BIO_new(BIO_s_mem());
    unsigned char *der = NULL;
    int derlen;

    switch (fmt) {
    case TK_PEM:
        PEM_write_bio_X509(bio, cert);
        break;
    case TK_DER:
        derlen = i2d_X509(cert, &der);
        BIO_write(bio, der, derlen);
        OPENSSL_free(der);
        break;
    case TK_BASE64_DER:
    case TK_BASE64_DER_ONE_LINE: {
        BIO *b64 = BIO_new(BIO_f_base64());
        if (fmt == TK_BASE64_DER_ONE_LINE)
            BIO_set_flags(b64, BIO_FLAGS_BASE64_NO_NL);
        bio = BIO_push(b64, bio);
        derlen = i2d_X509(cert, &der);
        BIO_write(bio, der, derlen);
        (void)BIO_flush(bio);
        OPENSSL_free(der);
        bio = BIO_pop(b64);
        BIO_free(b64);
        break;
    }
    }
    return bio_to_file(p, bio);
}

const char *tk_write_key(apr_pool_t *p, EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    return bio_to_file(p, bio);
}
