/* SAMLResponse parsing and validation, as the ACS meets it: the form value
 * (base64) and the decoded document. The verifier trusts only a key made at
 * start-up that no input can have been signed with, so every input must be
 * refused, with a reason; an accepted one is a signature bypass. */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>

#include "saml/response.h"

#define FORM_VALUE_MAX (SAML_XML_DEFAULT_MAX_BYTES)

static void expect_refused(apr_pool_t *p, const char *xml, apr_size_t len,
                           const saml_response_policy_t *pol, const char *call)
{
    saml_assertion_t *a = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = saml_response_validate(p, xml, len, pol, &a, &err);

    if (rv == APR_SUCCESS)
        fuzz_violation(call, "accepted a response no configured key signed");
    if (a != NULL)
        fuzz_violation(call, "refused but still handed out an assertion");
    fuzz_expect_explained(rv, &err, call);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    fuzz_idp_key();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();
    saml_response_policy_t pol = fuzz_policy(NULL);
    saml_err_t err = { NULL, NULL };
    char *xml = NULL;
    apr_size_t xml_len = 0;
    apr_status_t rv;

    /* The raw bytes, not NUL-terminated: the parser must respect size. */
    expect_refused(p, (const char *)data, size, &pol, "validate");

    rv = saml_response_decode(p, fuzz_cstr(p, data, size), FORM_VALUE_MAX, &xml, &xml_len, &err);
    fuzz_expect_explained(rv, &err, "decode");
    if (rv == APR_SUCCESS) {
        if (xml == NULL || xml_len == 0 || xml_len > FORM_VALUE_MAX || xml[xml_len] != '\0')
            fuzz_violation("decode", "result breaks its contract");
        expect_refused(p, xml, xml_len, &pol, "validate (decoded)");
    }
    apr_pool_destroy(p);
    return 0;
}
