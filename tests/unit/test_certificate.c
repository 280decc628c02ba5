/* Certificates and keys in every shape an admin downloads from Azure. */
#include <check.h>
#include <openssl/pem.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <apr_strings.h>
#include <apr_file_io.h>

#include "saml/certificate.h"
#include "tests/unit/testkit.h"

static tk_keypair_t *rsa, *ec;

static apr_pool_t *keys_pool;

/* Keys are made once per run (unchecked fixture, before any fork): RSA key
 * generation under valgrind is slow. */
static void make_keys(void)
{
    tk_setup();
    apr_pool_create(&keys_pool, NULL);
    rsa = tk_keypair_new(keys_pool, 2048, "idp.example", 30);
    ec = tk_keypair_new(keys_pool, 0, "ec.idp.example", 30);
}

static void drop_keys(void)
{
    apr_pool_destroy(keys_pool);
}

static void setup(void)
{
    tk_setup();
}

static X509 *load_ok(const char *path)
{
    X509 *cert = NULL;
    saml_err_t err = { 0 };
    apr_status_t rv = saml_cert_load_file(tk_pool(), path, &cert, &err);
    ck_assert_msg(rv == APR_SUCCESS, "refused %s: %s", path, err.detail);
    ck_assert_ptr_nonnull(cert);
    return cert;
}

static const char *pem_text(X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    long n;
    const char *s;
    PEM_write_bio_X509(bio, cert);
    n = BIO_get_mem_data(bio, &data);
    s = apr_pstrndup(tk_pool(), data, (apr_size_t)n);
    BIO_free(bio);
    return s;
}

/* s with every "\n" turned into "\r\n". */
static const char *crlf(const char *s)
{
    char *out = apr_palloc(tk_pool(), strlen(s) * 2 + 1), *o = out;
    for (; *s; s++) {
        if (*s == '\n')
            *o++ = '\r';
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

static const char *write_text(const char *s)
{
    return tk_write_file(tk_pool(), s, strlen(s));
}

START_TEST(loads_every_download_format)
{
    tk_keypair_t *kps[2];
    tk_cert_format_t fmts[] = { TK_PEM, TK_BASE64_DER, TK_BASE64_DER_ONE_LINE, TK_DER };
    size_t k, f;

    kps[0] = rsa;
    kps[1] = ec;
    for (k = 0; k < 2; k++) {
        for (f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
            X509 *cert = load_ok(tk_write_cert(tk_pool(), kps[k]->cert, fmts[f]));
            ck_assert_msg(X509_cmp(cert, kps[k]->cert) == 0, "key %zu format %zu differs", k, f);
        }
    }
}
END_TEST

START_TEST(tolerates_bom_and_crlf)
{
    const char *pem = pem_text(rsa->cert);
    const char *body = saml_cert_base64(tk_pool(), rsa->cert);
    const char *with_breaks;
    char *wrapped = apr_palloc(tk_pool(), strlen(body) * 2 + 1), *o = wrapped;
    size_t i;

    ck_assert_int_eq(X509_cmp(load_ok(write_text(apr_pstrcat(tk_pool(), "\xEF\xBB\xBF", pem, NULL))),
                              rsa->cert), 0);
    ck_assert_int_eq(X509_cmp(load_ok(write_text(crlf(pem))), rsa->cert), 0);
    ck_assert_int_eq(X509_cmp(load_ok(write_text(apr_pstrcat(tk_pool(), "\xEF\xBB\xBF", crlf(pem),
                                                              NULL))), rsa->cert), 0);
    /* Azure's "Certificate (Base64)" with CRLF every 64 characters and a BOM. */
    for (i = 0; body[i]; i++) {
        *o++ = body[i];
        if (i % 64 == 63) {
            *o++ = '\r';
            *o++ = '\n';
        }
    }
    *o = '\0';
    with_breaks = apr_pstrcat(tk_pool(), "\xEF\xBB\xBF", wrapped, "\r\n", NULL);
    ck_assert_int_eq(X509_cmp(load_ok(write_text(with_breaks)), rsa->cert), 0);
}
END_TEST

START_TEST(reports_unreadable_files_with_the_reason)
{
    X509 *cert = NULL;
    saml_err_t err = { 0 };
    const char *dir;

    ck_assert_int_ne(saml_cert_load_file(tk_pool(), "/nonexistent/sequr/idp.cer", &cert, &err),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err.detail, "No such file or directory"));
    ck_assert_ptr_nonnull(strstr(err.detail, "/nonexistent/sequr/idp.cer"));
    ck_assert_ptr_null(cert);

    apr_temp_dir_get(&dir, tk_pool());
    ck_assert_int_ne(saml_cert_load_file(tk_pool(), dir, &cert, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err.detail, "Is a directory"));

    if (geteuid() != 0) {
        /* root reads anything, so this case only shows as an ordinary user. */
        const char *path = tk_write_cert(tk_pool(), rsa->cert, TK_PEM);
        ck_assert_int_eq(chmod(path, 0), 0);
        ck_assert_int_ne(saml_cert_load_file(tk_pool(), path, &cert, &err), APR_SUCCESS);
        ck_assert_ptr_nonnull(strstr(err.detail, "Permission denied"));
    }
}
END_TEST

START_TEST(refuses_empty_and_non_certificates)
{
    static const struct { const char *data; size_t len; const char *why; } bad[] = {
        { "", 0, "is empty" },
        { "\xEF\xBB\xBF", 3, "is empty" },
        { "hello world\n", 12, "not a certificate" },
        { "SGVsbG8gd29ybGQ=\n", 17, "not a certificate" },
        { "-----BEGIN CERTIFICATE-----\nSGVsbG8=\n-----END CERTIFICATE-----\n", 61,
          "not a certificate" },
        { "\x30\x82\x01\x00\x01\x02", 6, "not a certificate" },
    };
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        X509 *cert = NULL;
        saml_err_t err = { 0 };
        const char *path = tk_write_file(tk_pool(), bad[i].data, bad[i].len);
        ck_assert_msg(saml_cert_load_file(tk_pool(), path, &cert, &err) == SAML_EMALFORMED,
                      "accepted junk #%zu", i);
        ck_assert_msg(strstr(err.detail, bad[i].why) != NULL, "#%zu: %s", i, err.detail);
        ck_assert_str_eq(err.check, "certificate");
    }
}
END_TEST

START_TEST(refuses_key_files_and_trailing_bytes_as_certificates)
{
    X509 *cert = NULL;
    saml_err_t err = { 0 };
    unsigned char *der = NULL;
    int len = i2d_X509(rsa->cert, &der);
    char *padded = apr_palloc(tk_pool(), (apr_size_t)len + 4);

    ck_assert_int_eq(saml_cert_load_file(tk_pool(), tk_write_key(tk_pool(), rsa->key), &cert, &err),
                     SAML_EMALFORMED);
    /* DER with trailing bytes, and DER cut short. */
    memcpy(padded, der, (size_t)len);
    memcpy(padded + len, "JUNK", 4);
    ck_assert_int_eq(saml_cert_load_file(tk_pool(), tk_write_file(tk_pool(), padded, (apr_size_t)len + 4),
                                         &cert, &err), SAML_EMALFORMED);
    ck_assert_int_eq(saml_cert_load_file(tk_pool(), tk_write_file(tk_pool(), (char *)der, (apr_size_t)len - 10),
                                         &cert, &err), SAML_EMALFORMED);
    OPENSSL_free(der);
}
END_TEST

START_TEST(base64_round_trip_and_errors)
{
    const char *b64 = saml_cert_base64(tk_pool(), ec->cert);
    X509 *cert = NULL;
    saml_err_t err = { 0 };
    char *spaced;
    size_t i, o = 0;

    ck_assert_ptr_null(strchr(b64, '\n'));
    ck_assert_int_eq(saml_cert_from_base64(tk_pool(), b64, &cert, &err), APR_SUCCESS);
    ck_assert_int_eq(X509_cmp(cert, ec->cert), 0);

    /* As it appears in metadata: indented, broken over lines. */
    spaced = apr_palloc(tk_pool(), strlen(b64) * 3 + 8);
    spaced[o++] = '\n';
    for (i = 0; b64[i]; i++) {
        spaced[o++] = b64[i];
        if (i % 50 == 49) {
            spaced[o++] = '\n';
            spaced[o++] = ' ';
        }
    }
    spaced[o] = '\0';
    ck_assert_int_eq(saml_cert_from_base64(tk_pool(), spaced, &cert, &err), APR_SUCCESS);
    ck_assert_int_eq(X509_cmp(cert, ec->cert), 0);

    ck_assert_int_eq(saml_cert_from_base64(tk_pool(), "not*base64", &cert, &err), SAML_EMALFORMED);
    ck_assert_str_eq(err.check, "certificate");
    ck_assert_int_eq(saml_cert_from_base64(tk_pool(), "SGVsbG8=", &cert, &err), SAML_EMALFORMED);
    ck_assert_ptr_nonnull(strstr(err.detail, "not a certificate"));
    ck_assert_int_eq(saml_cert_from_base64(tk_pool(), "", &cert, &err), SAML_EMALFORMED);
    ck_assert_int_eq(saml_cert_from_base64(tk_pool(), NULL, &cert, &err), SAML_EMALFORMED);
}
END_TEST

START_TEST(describes_subject_and_expiry)
{
    apr_time_t expected = apr_time_now() + apr_time_from_sec(30 * 86400);
    apr_time_t got = saml_cert_not_after(rsa->cert);

    ck_assert_str_eq(saml_cert_subject(tk_pool(), rsa->cert), "CN=idp.example");
    ck_assert_msg(got > expected - apr_time_from_sec(300) && got < expected + apr_time_from_sec(300),
                  "notAfter off by %" APR_TIME_T_FMT " us", got - expected);
}
END_TEST

static void assert_same_key(const char *path, EVP_PKEY *want)
{
    EVP_PKEY *key = NULL;
    saml_err_t err = { 0 };
    ck_assert_msg(saml_key_load_file(tk_pool(), path, &key, &err) == APR_SUCCESS, "%s", err.detail);
    ck_assert_int_eq(EVP_PKEY_eq(key, want), 1);
}

static const char *write_bio(BIO *bio)
{
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    const char *path = tk_write_file(tk_pool(), data, (apr_size_t)n);
    BIO_free(bio);
    return path;
}

START_TEST(loads_pkcs8_and_traditional_keys)
{
    BIO *bio;

    assert_same_key(tk_write_key(tk_pool(), rsa->key), rsa->key);   /* PKCS#8 */
    assert_same_key(tk_write_key(tk_pool(), ec->key), ec->key);
    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey_traditional(bio, rsa->key, NULL, NULL, 0, NULL, NULL);
    {
        char *data;
        BIO_get_mem_data(bio, &data);
        ck_assert_int_eq(strncmp(data, "-----BEGIN RSA PRIVATE KEY-----", 31), 0);
    }
    assert_same_key(write_bio(bio), rsa->key);
    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, rsa->key, NULL, NULL, 0, NULL, NULL);
    {
        char *data;
        long n = BIO_get_mem_data(bio, &data);
        assert_same_key(write_text(apr_pstrcat(tk_pool(), "\xEF\xBB\xBF",
                                               crlf(apr_pstrndup(tk_pool(), data, (apr_size_t)n)),
                                               NULL)), rsa->key);
    }
    BIO_free(bio);
}
END_TEST

START_TEST(refuses_encrypted_missing_and_non_keys)
{
    EVP_PKEY *key = NULL;
    saml_err_t err = { 0 };
    BIO *bio = BIO_new(BIO_s_mem());

    /* Encrypted: refused, never a passphrase prompt. */
    PEM_write_bio_PrivateKey(bio, rsa->key, EVP_aes_128_cbc(), (unsigned char *)"secret", 6,
                             NULL, NULL);
    ck_assert_int_eq(saml_key_load_file(tk_pool(), write_bio(bio), &key, &err), SAML_EMALFORMED);
    ck_assert_str_eq(err.check, "private-key");
    ck_assert_int_eq(saml_key_load_file(tk_pool(), tk_write_cert(tk_pool(), rsa->cert, TK_PEM),
                                        &key, &err), SAML_EMALFORMED);
    ck_assert_int_eq(saml_key_load_file(tk_pool(), tk_write_file(tk_pool(), "", 0), &key, &err),
                     SAML_EMALFORMED);
    ck_assert_ptr_nonnull(strstr(err.detail, "empty"));
    ck_assert_int_ne(saml_key_load_file(tk_pool(), "/nonexistent/sp.key", &key, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err.detail, "No such file or directory"));
    ck_assert_ptr_null(key);
}
END_TEST

static Suite *certificate_suite(void)
{
    Suite *s = suite_create("certificate");
    TCase *tc = tcase_create("core");

    tcase_add_unchecked_fixture(tc, make_keys, drop_keys);
    tcase_add_checked_fixture(tc, setup, tk_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, loads_every_download_format);
    tcase_add_test(tc, tolerates_bom_and_crlf);
    tcase_add_test(tc, reports_unreadable_files_with_the_reason);
    tcase_add_test(tc, refuses_empty_and_non_certificates);
    tcase_add_test(tc, refuses_key_files_and_trailing_bytes_as_certificates);
    tcase_add_test(tc, base64_round_trip_and_errors);
    tcase_add_test(tc, describes_subject_and_expiry);
    tcase_add_test(tc, loads_pkcs8_and_traditional_keys);
    tcase_add_test(tc, refuses_encrypted_missing_and_non_keys);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(certificate_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
