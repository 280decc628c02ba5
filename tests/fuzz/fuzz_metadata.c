/* Federation metadata as an admin downloads it from Entra (BOM included).
 * Metadata is configuration, not traffic, but a hostile or corrupted file
 * must still be refused at start-up rather than crash Apache. */
#include "tests/fuzz/fuzz.h"

#include "saml/certificate.h"
#include "saml/idp_metadata.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = saml_idp_metadata_parse(p, (const char *)data, size, &md, &err);
    int i;

    fuzz_expect_explained(rv, &err, "saml_idp_metadata_parse");
    if (rv == APR_SUCCESS) {
        if (md == NULL || md->entity_id == NULL || md->sso_url == NULL)
            fuzz_violation("metadata", "accepted without entityID or SSO URL");
        if (md->certs == NULL || md->certs->nelts < 1)
            fuzz_violation("metadata", "accepted without a signing key");
        for (i = 0; i < md->certs->nelts; i++) {
            X509 *cert = APR_ARRAY_IDX(md->certs, i, X509 *);
            if (cert == NULL || saml_cert_subject(p, cert) == NULL ||
                saml_cert_base64(p, cert) == NULL)
                fuzz_violation("metadata", "unusable certificate in the list");
        }
    }
    apr_pool_destroy(p);
    return 0;
}
