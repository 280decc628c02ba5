/* Our ACS verification alone, in-process, for bench/run: the function the ACS
 * handler calls (saml_response_validate: parse, shape rules, xmlsec verify,
 * every condition) on one decoded response, many times, with the verifier
 * prepared once as the module does at start-up.
 *
 *     acs_verify CERT ITERATIONS SP_ENTITY_ID ACS_URL IDP_ENTITY_ID RESPONSE.xml...
 *
 * Prints "ours FILE BYTES CPU_US_PER_VERIFY" per file. Under callgrind,
 * --toggle-collect=acs_verify_once counts exactly the verifications.
 * Built by bench/run against .libs/libseqursaml.a, not by make. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <apr_general.h>
#include <apr_tables.h>

#include "saml/certificate.h"
#include "saml/response.h"
#include "saml/signature.h"
#include "saml/crypto.h"
#include "saml/xml.h"

static void die(const char *what, const saml_err_t *err)
{
    fprintf(stderr, "acs_verify: %s: %s %s\n", what, err && err->check ? err->check : "",
            err && err->detail ? err->detail : "");
    exit(1);
}

__attribute__((noinline)) int acs_verify_once(apr_pool_t *p, const char *xml, apr_size_t len,
                    const saml_response_policy_t *pol);
__attribute__((noinline)) int acs_verify_once(apr_pool_t *p, const char *xml, apr_size_t len,
                    const saml_response_policy_t *pol)
{
    saml_assertion_t *a;
    saml_err_t err = {0};

    if (saml_response_validate(p, xml, len, pol, &a, &err) != APR_SUCCESS)
        die("refused", &err);
    return a != NULL;
}

static char *slurp(apr_pool_t *p, const char *path, apr_size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        die("cannot read", NULL);
    buf = apr_palloc(p, (apr_size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        die("cannot read", NULL);
    fclose(f);
    *len = (apr_size_t)n;
    return buf;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    apr_pool_t *p, *req;
    apr_array_header_t *certs;
    saml_verifier_t *v;
    saml_response_policy_t pol = {0};
    saml_err_t err = {0};
    X509 *cert;
    int iterations, i, f;

    if (argc < 7)
        die("usage: acs_verify CERT ITERATIONS SP_ENTITY_ID ACS_URL IDP_ENTITY_ID FILE...", NULL);
    apr_initialize();
    apr_pool_create(&p, NULL);
    if (saml_crypto_init() != APR_SUCCESS)
        die("crypto init", NULL);
    if (saml_cert_load_file(p, argv[1], &cert, &err) != APR_SUCCESS)
        die("certificate", &err);
    certs = apr_array_make(p, 1, sizeof(X509 *));
    APR_ARRAY_PUSH(certs, X509 *) = cert;
    if (saml_verifier_create(p, certs, NULL, &v, &err) != APR_SUCCESS)
        die("verifier", &err);
    iterations = atoi(argv[2]);
    pol.sp_entity_id = argv[3];
    pol.acs_url = argv[4];
    pol.idp_entity_id = argv[5];
    pol.verifier = v;
    pol.skew = apr_time_from_sec(300);
    pol.now = apr_time_now();
    pol.limits.max_bytes = SAML_XML_DEFAULT_MAX_BYTES;
    pol.limits.max_depth = SAML_XML_DEFAULT_MAX_DEPTH;
    apr_pool_create(&req, p);
    for (f = 6; f < argc; f++) {
        apr_size_t len;
        const char *xml = slurp(p, argv[f], &len);
        double t;

        acs_verify_once(req, xml, len, &pol);     /* warm-up, and proof it is accepted */
        apr_pool_clear(req);
        t = cpu_seconds();
        for (i = 0; i < iterations; i++) {
            acs_verify_once(req, xml, len, &pol);
            apr_pool_clear(req);                  /* as each request's pool is */
        }
        t = cpu_seconds() - t;
        printf("ours %s %lu %.1f\n", argv[f], (unsigned long)len, t * 1e6 / iterations);
    }
    apr_pool_destroy(p);
    saml_crypto_shutdown();
    apr_terminate();
    return 0;
}
