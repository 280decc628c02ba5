/* Set-up shared by the harnesses. Everything made here lives for the whole
 * process in one root pool; each input gets its own child pool. */
#include "tests/fuzz/fuzz.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saml/signature.h"
#include "saml/time.h"
#include "saml/crypto.h"
#include "saml/xml.h"

static apr_pool_t *root_pool;
static apr_time_t fixed_now;
static EVP_PKEY *idp_key;
static saml_verifier_t *idp_verifier;

static apr_status_t free_pkey(void *k) { EVP_PKEY_free(k); return APR_SUCCESS; }
static apr_status_t free_x509(void *c) { X509_free(c); return APR_SUCCESS; }

void fuzz_violation(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz: invariant broken: %s: %s\n", what, detail ? detail : "");
    abort();
}

/* A self-signed certificate is all a verifier needs: it only compares keys. */
static X509 *self_signed(EVP_PKEY *key)
{
    X509 *cert = X509_new();
    X509_NAME *name;

    if (cert == NULL)
        return NULL;
    apr_pool_cleanup_register(root_pool, cert, free_x509, apr_pool_cleanup_null);
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 2L * 86400L);
    name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)"fuzz idp", -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_set_pubkey(cert, key);
    return X509_sign(cert, key, EVP_sha256()) > 0 ? cert : NULL;
}

static void make_idp(void)
{
    apr_array_header_t *certs = apr_array_make(root_pool, 1, sizeof(X509 *));
    saml_verifier_options_t opts = { 0 };
    saml_err_t err = { NULL, NULL };
    X509 *cert;

    idp_key = EVP_RSA_gen(2048);
    if (idp_key == NULL)
        fuzz_violation("set-up", "cannot make an RSA key");
    apr_pool_cleanup_register(root_pool, idp_key, free_pkey, apr_pool_cleanup_null);
    if ((cert = self_signed(idp_key)) == NULL)
        fuzz_violation("set-up", "cannot make a certificate");
    APR_ARRAY_PUSH(certs, X509 *) = cert;
    if (saml_verifier_create(root_pool, certs, &opts, &idp_verifier, &err) != APR_SUCCESS)
        fuzz_violation("set-up: verifier", err.detail);
}

/* APR pools may live in mmap()ed blocks LeakSanitizer does not scan: keys
 * held only by the root pool would be reported as leaks at exit unless the
 * pool is really destroyed first. */
static void fuzz_shutdown(void)
{
    apr_pool_destroy(root_pool);
    root_pool = NULL;
    apr_terminate();
}

void fuzz_init(void)
{
    if (root_pool)
        return;
    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&root_pool, NULL) != APR_SUCCESS)
        fuzz_violation("set-up", "apr_initialize");
    atexit(fuzz_shutdown);
    if (saml_crypto_init() != APR_SUCCESS)
        fuzz_violation("set-up", "saml_crypto_init");
    if (saml_time_parse(FUZZ_NOW_TEXT, &fixed_now) != APR_SUCCESS)
        fuzz_violation("set-up", "cannot parse " FUZZ_NOW_TEXT);
}

apr_pool_t *fuzz_input_pool(void)
{
    apr_pool_t *p;

    fuzz_init();
    if (apr_pool_create(&p, root_pool) != APR_SUCCESS)
        fuzz_violation("set-up", "apr_pool_create");
    return p;
}

const char *fuzz_cstr(apr_pool_t *p, const uint8_t *data, size_t size)
{
    return apr_pstrmemdup(p, (const char *)data, size);
}

apr_time_t fuzz_now(void)
{
    fuzz_init();
    return fixed_now;
}

EVP_PKEY *fuzz_idp_key(void)
{
    fuzz_init();
    if (idp_key == NULL)
        make_idp();
    return idp_key;
}

saml_response_policy_t fuzz_policy(const char *user_attribute)
{
    saml_response_policy_t pol;

    fuzz_idp_key();
    memset(&pol, 0, sizeof(pol));
    pol.sp_entity_id = FUZZ_SP_ENTITY_ID;
    pol.acs_url = FUZZ_ACS_URL;
    pol.idp_entity_id = FUZZ_IDP_ENTITY_ID;
    pol.verifier = idp_verifier;
    pol.skew = apr_time_from_sec(180);
    pol.now = fixed_now;
    pol.user_attribute = user_attribute;
    pol.limits.max_bytes = SAML_XML_DEFAULT_MAX_BYTES;
    pol.limits.max_depth = SAML_XML_DEFAULT_MAX_DEPTH;
    return pol;
}

void fuzz_trace(const char *fmt, ...)
{
    va_list ap;

    if (getenv("FUZZ_VERBOSE") == NULL)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void fuzz_expect_explained(apr_status_t rv, const saml_err_t *err, const char *call)
{
    int http = saml_status_to_http(rv);

    if (rv == APR_SUCCESS)
        return;
    fuzz_trace("%s: %d %s: %s", call, http, err->check ? err->check : "(none)",
               err->detail ? err->detail : "(none)");
    if (err->check == NULL || err->detail == NULL)
        fuzz_violation(call, "failed without naming the check");
    /* Hostile input is the client's fault: 4xx. A 500 means we broke. */
    if (http < 400 || http >= 500)
        fuzz_violation(call, apr_psprintf(root_pool, "status %d for %s: %s", http,
                                          err->check, err->detail));
}
