/* SequrSAMLSignRequests: the AuthnRequest's HTTP-Redirect query signature
 * (SAML bindings 3.4.4.1) as Microsoft Entra ID (Azure AD) checks it, read
 * back with OpenSSL directly rather than with saml/redirect_binding.c's own
 * verifier; a known answer made with the openssl command line; and the SP
 * metadata of a signing SP and of an SP key rollover. */
#include <check.h>
#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "saml/authn_request.h"
#include "saml/certificate.h"
#include "saml/codec.h"
#include "saml/random.h"
#include "saml/redirect_binding.h"
#include "saml/sp_metadata.h"
#include "tests/unit/testkit.h"

#define SSO_URL "https://login.microsoftonline.com/4a3c1e2d-8b9f-4c6e-a1d2-7f0e9b8c6d5a/saml2"

/* A test key and nothing else: RSA-2048 made with openssl genrsa for the
 * known answer below. */
static const char kat_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCRWq7a5zoeqa06\n"
    "I0HcVecYpX+HL10TCkUpBhJjvj216xKuP2NxUSq1XDe5D92jTWcIZulm99bGvQIN\n"
    "yqa4G+NZ55idtrid7uk28hLpdyYw/e+TRcE8sIxmpJvz1QSmHLeoYedBCwOCGvIu\n"
    "qNbm4bjvw8KU+ymgrSqfgJBww0+ANTXJKfu75Z33ZBc1clUPllPE7/+C5gWNxBAu\n"
    "jJrbf5cZ3f4KVroXkwPw6Zjw/KdFnf8tkY18NygwbIoqUI/Wy6iRSKI9VS6yn00C\n"
    "PL1OeQ0MDur+0Cpul6AqxDqyGsih3XSpueF1Bzx6Pvz0yKWrklmhupXQGLu6ltCS\n"
    "g+ycXscDAgMBAAECggEALjLibJUdte08L8RRBJURFJZViEQXkxuqi7VwVt96gb2r\n"
    "fFKNatDfgDFFTL6sNWE+pD8BZEbVrukYJAYLI21Jv6OKsGYJG7l5yor6U9YY/21W\n"
    "njqHhqCen2kmYEOObLWn8g7cD6JOhSXHX+kuFMgdnadcyzlhK76eU3/raMvLEvZb\n"
    "zaGashhRuPrq/M+Q+pmTBc0EfkISGdBEcBv4S2Rf/C4wys3OnKh5gjZpPfX50Jgm\n"
    "jHbcHbfI267mW7rtdwTDO2iJA3L1IWL9y7NDV1jFaXdPZNxvc3tnBCqbAnzcH8ZJ\n"
    "f89dVBrFfrlI06yi6d2AHZLcuKHgqA2aL6fBgqsaEQKBgQDLPo6b9joE/B12JnJG\n"
    "qPajLphan1l13svGf4D6Xu73yCygku/mKJrnrHK/9/MDgPfZiM4l2EMNNy/QHJ7R\n"
    "MIMe49hykW7IA51QAYvQd8h4ZbOX7c3NhAauiFH6sfGkJ2d+B7dur3oqPJcH4xJ6\n"
    "aHIwtAglUVsJJQQC4xLyP5D4NQKBgQC3FV4wzbhVDRzxJLKO7WOF02xJoenpU/Ij\n"
    "xuIIXoUgZ/XIn2kSYqdQauiDCWrhdO/MjvGPDz8Elnpfa2bcDDz1I4wzwH+TfRWc\n"
    "9dzpEgY7ftkQmaazVyARE9zdAPk0QDnTQtmbaKmKLCuQVC6tW42Qva4u+KAi/TlO\n"
    "E09vxpBZVwKBgCBMlb9FVx0Zr9jp7Tk7es6eBgpIzp/Dw2CNPMMNOS7ZefYew88w\n"
    "3sU4i5fkYJNK+JhyfEhZYPaFsayCD98wtXXAQdKbOB7DLEndpQmBL7OqfesEGLOz\n"
    "aphsA5MymjM7K+BEe6s0adaygFH5jSM03AjPY4gCsNP4NPX8fjNPVMuNAoGBALcT\n"
    "8Ad/gAfUwA9HsiKIsg+91rhe5+iCIE20cI0L77XzH22KMujGrCcXcQCv5ygi5jS4\n"
    "8EctaMfurdpDLS14M3CzJl0N7sUOvREjLtAGTSMremZGL9OAmTlakm6RraGZY/ml\n"
    "DLOCWp8oAjwmYjLKrWqCsu6XgpLag3ZWiwXsGqarAoGAJANVcPjGMtTsff/Qnpje\n"
    "OA6XVvFRqmXsBI43N/9wZIe/rzBkKUwfaO7+dDrfJWLjROn0xd6HBX9LA5VVNeNe\n"
    "562Ntrpa5ZZ5yFREVFhZK/csXMcbXfuK019xRKAYIBAPNHJLNimgndR+mPDE5G8W\n"
    "GVaHTN9dbSh1vd/2ttmmmnc=\n"
    "-----END PRIVATE KEY-----\n";

/* openssl dgst -sha256 -sign kat.key over the octets
 * "SAMLRequest=s6nQtwMA&RelayState=r%20b%26c&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"
 * (s6nQtwMA: "<x/>" deflated and base64-encoded), base64 and URL-encoded. */
#define KAT_OCTETS "SAMLRequest=s6nQtwMA&RelayState=r%20b%26c&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"
#define KAT_SIGNATURE \
    "jxVt47vPCT22Ya4Wa5GCc%2FbLUWGv7pgiko4WFf5ru0y4KznchHuZZIgafk4I0u4FWIfRcLtZw1O2nPrOhxmuxl80pW" \
    "Q%2Br6T04njAKA2QwV3BrifsrOYRF0isYRyOX8q2Ff3a7fdOCyccTFNsx0kEEd9NvURma02MYIk8JERX%2F5OUzXHsuR" \
    "ttZgzdfS7BI2SjhnB1GvTyZBG6guWC07k1AZkBux9FHfmgIuxP391wghJaRT4VDF1RH8kLSJgh85ela%2BJsqzh2OybB" \
    "Ma%2BLH30UyQGbrsW39t9z6yHvJpybPuMMMErTgYGdCzQN5Hn3WXM0je2rkVUomqeT4G7YCRTqKw%3D%3D"

static tk_keypair_t *sp, *other_sp;

static apr_status_t free_key(void *key)
{
    EVP_PKEY_free(key);
    return APR_SUCCESS;
}

/* Freed with the test's pool (LeakSanitizer runs these programs). */
static EVP_PKEY *kat_key(void)
{
    BIO *bio = BIO_new_mem_buf(kat_key_pem, -1);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ck_assert_ptr_nonnull(key);
    apr_pool_cleanup_register(tk_pool(), key, free_key, apr_pool_cleanup_null);
    return key;
}

static saml_authn_request_t base_request(void)
{
    saml_authn_request_t req;
    memset(&req, 0, sizeof(req));
    req.id = saml_random_id(tk_pool(), "_");
    req.sp_entity_id = "https://sequr.example/saml";
    req.acs_url = "https://sequr.example/saml/acs";
    req.idp_sso_url = SSO_URL;
    req.relay_state = "d41d8cd98f00b204e9800998ecf8427e";
    req.now = apr_time_now();
    return req;
}

/* The URL-decoded value of the query parameter name in query (raw), or NULL. */
static const char *raw_param(const char *query, const char *name)
{
    const char *at = query;
    apr_size_t n = strlen(name);

    while (at && *at) {
        if (!strncmp(at, name, n) && at[n] == '=') {
            const char *end = strchr(at, '&');
            return apr_pstrndup(tk_pool(), at + n + 1, end ? (apr_size_t)(end - at - n - 1)
                                                           : strlen(at + n + 1));
        }
        at = strchr(at, '&');
        at = at ? at + 1 : NULL;
    }
    return NULL;
}

static char *url_decode(const char *s)
{
    char *out = apr_pstrdup(tk_pool(), s), *o = out;
    for (; *s; s++) {
        if (*s == '%' && s[1] && s[2]) {
            char hex[3] = {s[1], s[2], 0};
            *o++ = (char)strtol(hex, NULL, 16);
            s += 2;
        }
        else
            *o++ = *s;
    }
    *o = 0;
    return out;
}

/* OpenSSL's own verdict on the query's Signature over signed octets with
 * cert's key: 1 verified. */
static int openssl_verifies(const char *octets, const char *signature_b64, X509 *cert)
{
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig;
    apr_size_t len;
    saml_err_t err = {0};
    int ok;

    ck_assert_int_eq(saml_base64_decode(tk_pool(), signature_b64, strlen(signature_b64), 4096,
                                        &sig, &len, &err), APR_SUCCESS);
    ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
         EVP_DigestVerify(ctx, sig, len, (const unsigned char *)octets, strlen(octets)) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* The query of a redirect URL, and the octets its signature covers: every
 * byte from SAMLRequest= up to "&Signature=", as sent. */
static const char *signed_octets(const char *url, const char **query)
{
    const char *q = strchr(url, '?'), *sig;
    ck_assert_ptr_nonnull(q);
    *query = q + 1;
    sig = strstr(*query, "&Signature=");
    ck_assert_ptr_nonnull(sig);
    return apr_pstrndup(tk_pool(), *query, (apr_size_t)(sig - *query));
}

START_TEST(known_answer_with_the_openssl_command_line)
{
    const char *url = NULL;
    saml_err_t err = {0};

    ck_assert_int_eq(saml_redirect_encode(tk_pool(), SSO_URL, "SAMLRequest", "<x/>", "r b&c",
                                          kat_key(), &url, &err), APR_SUCCESS);
    ck_assert_str_eq(url, SSO_URL "?" KAT_OCTETS "&Signature=" KAT_SIGNATURE);
}
END_TEST

START_TEST(signed_request_verifies_with_openssl)
{
    saml_authn_request_t req = base_request();
    const char *url = NULL, *query, *octets;

    req.sign_key = sp->key;
    ck_assert_int_eq(saml_authn_request_redirect_url(tk_pool(), &req, &url), APR_SUCCESS);
    octets = signed_octets(url, &query);
    /* The order of bindings 3.4.4.1, the values as sent. */
    ck_assert_str_eq(octets, apr_pstrcat(tk_pool(), "SAMLRequest=", raw_param(query, "SAMLRequest"),
                                         "&RelayState=", req.relay_state, "&SigAlg=",
                                         raw_param(query, "SigAlg"), NULL));
    ck_assert_str_eq(url_decode(raw_param(query, "SigAlg")), SAML_SIGALG_RSA_SHA256);
    ck_assert_str_eq(raw_param(query, "SigAlg"),
                     "http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256");
    ck_assert_int_eq(openssl_verifies(octets, url_decode(raw_param(query, "Signature")), sp->cert),
                     1);
    /* Another key's certificate, or one octet changed, does not verify. */
    ck_assert_int_eq(openssl_verifies(octets, url_decode(raw_param(query, "Signature")),
                                      other_sp->cert), 0);
    ck_assert_int_eq(openssl_verifies(apr_pstrcat(tk_pool(), octets, "0", NULL),
                                      url_decode(raw_param(query, "Signature")), sp->cert), 0);
}
END_TEST

START_TEST(signed_request_without_relay_state)
{
    saml_authn_request_t req = base_request();
    const char *url = NULL, *query, *octets;

    req.sign_key = sp->key;
    req.relay_state = NULL;
    ck_assert_int_eq(saml_authn_request_redirect_url(tk_pool(), &req, &url), APR_SUCCESS);
    octets = signed_octets(url, &query);
    ck_assert_ptr_null(strstr(url, "RelayState"));
    ck_assert_str_eq(octets, apr_pstrcat(tk_pool(), "SAMLRequest=", raw_param(query, "SAMLRequest"),
                                         "&SigAlg=", raw_param(query, "SigAlg"), NULL));
    ck_assert_int_eq(openssl_verifies(octets, url_decode(raw_param(query, "Signature")), sp->cert),
                     1);
}
END_TEST

/* Our own reader of the binding agrees (what the logout endpoint uses on
 * messages from Entra). */
START_TEST(signed_request_verifies_with_the_binding_reader)
{
    saml_authn_request_t req = base_request();
    const char *url = NULL;
    saml_redirect_message_t *m = NULL;
    apr_array_header_t *certs = apr_array_make(tk_pool(), 1, sizeof(X509 *));
    saml_err_t err = {0};

    req.sign_key = sp->key;
    ck_assert_int_eq(saml_authn_request_redirect_url(tk_pool(), &req, &url), APR_SUCCESS);
    ck_assert_int_eq(saml_redirect_parse(tk_pool(), strchr(url, '?') + 1, 65536, &m, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(m->relay_state, req.relay_state);
    APR_ARRAY_PUSH(certs, X509 *) = sp->cert;
    ck_assert_int_eq(saml_redirect_verify(tk_pool(), m, certs, 0, &err), APR_SUCCESS);
}
END_TEST

START_TEST(unsigned_by_default)
{
    saml_authn_request_t req = base_request();
    const char *url = NULL;

    ck_assert_int_eq(saml_authn_request_redirect_url(tk_pool(), &req, &url), APR_SUCCESS);
    ck_assert_ptr_null(strstr(url, "SigAlg="));
    ck_assert_ptr_null(strstr(url, "Signature="));
}
END_TEST

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (; (s = strstr(s, needle)) != NULL; s++)
        n++;
    return n;
}

START_TEST(metadata_says_authn_requests_signed_only_when_on)
{
    saml_sp_metadata_params_t params = {0};

    params.entity_id = "https://sequr.example/saml";
    params.acs_url = "https://sequr.example/saml/acs";
    params.cert = sp->cert;
    ck_assert_ptr_nonnull(strstr(saml_sp_metadata(tk_pool(), &params),
                                 "AuthnRequestsSigned=\"false\""));
    params.authn_requests_signed = 1;
    ck_assert_ptr_nonnull(strstr(saml_sp_metadata(tk_pool(), &params),
                                 "AuthnRequestsSigned=\"true\""));
    ck_assert_int_eq(count(saml_sp_metadata(tk_pool(), &params), "use=\"signing\""), 1);
}
END_TEST

/* During an SP key rollover both certificates are published for signing and
 * for encryption, the signing (first) one first. */
START_TEST(metadata_publishes_every_key_pair)
{
    saml_sp_metadata_params_t params = {0};
    apr_array_header_t *certs = apr_array_make(tk_pool(), 2, sizeof(X509 *));
    const char *md, *first, *second;

    APR_ARRAY_PUSH(certs, X509 *) = sp->cert;
    APR_ARRAY_PUSH(certs, X509 *) = other_sp->cert;
    params.entity_id = "https://sequr.example/saml";
    params.acs_url = "https://sequr.example/saml/acs";
    params.cert = sp->cert;
    params.certs = certs;
    params.authn_requests_signed = 1;
    md = saml_sp_metadata(tk_pool(), &params);
    ck_assert_int_eq(count(md, "use=\"signing\""), 2);
    ck_assert_int_eq(count(md, "use=\"encryption\""), 2);
    first = strstr(md, saml_cert_base64(tk_pool(), sp->cert));
    second = strstr(md, saml_cert_base64(tk_pool(), other_sp->cert));
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_nonnull(second);
    ck_assert_msg(first < second, "the signing (first) certificate comes first");
    ck_assert_int_eq(count(md, saml_cert_base64(tk_pool(), other_sp->cert)), 2);
}
END_TEST

static Suite *signed_requests_suite(void)
{
    Suite *s = suite_create("signed_requests");
    TCase *tc = tcase_create("core");
    apr_pool_t *keys;

    tk_setup();
    apr_pool_create(&keys, NULL);
    sp = tk_keypair_new(keys, 2048, "sp", 30);
    other_sp = tk_keypair_new(keys, 2048, "next-sp", 30);
    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, known_answer_with_the_openssl_command_line);
    tcase_add_test(tc, signed_request_verifies_with_openssl);
    tcase_add_test(tc, signed_request_without_relay_state);
    tcase_add_test(tc, signed_request_verifies_with_the_binding_reader);
    tcase_add_test(tc, unsigned_by_default);
    tcase_add_test(tc, metadata_says_authn_requests_signed_only_when_on);
    tcase_add_test(tc, metadata_publishes_every_key_pair);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tk_run_suite(signed_requests_suite());
}
