/* Single Logout input: the query string PATH/logout receives (Redirect
 * binding: parameters, URL decoding, base64, capped inflate, query
 * signature) and the logout XML itself (saml_logout_parse), the same bytes
 * both ways. Nothing here is signed by the configured key, so with
 * signatures required nothing may be accepted; what is accepted unsigned
 * must name our IdP and carry what its kind needs. */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "saml/logout.h"
#include "saml/redirect_binding.h"

#define LOGOUT_MAX (256 * 1024)
#define LOGOUT_URL "https://sp.example.test/saml/logout"

static saml_logout_policy_t policy(int require)
{
    saml_response_policy_t rp = fuzz_policy(NULL);
    saml_logout_policy_t pol;

    memset(&pol, 0, sizeof(pol));
    pol.idp_entity_id = FUZZ_IDP_ENTITY_ID;
    pol.logout_url = LOGOUT_URL;
    pol.verifier = rp.verifier;
    pol.require_signature = require;
    pol.skew = rp.skew;
    pol.now = rp.now;
    pol.limits = rp.limits;
    return pol;
}

static void check_accepted(const saml_logout_message_t *m)
{
    if (!saml_logout_issuer_ok(FUZZ_IDP_ENTITY_ID, m->issuer))
        fuzz_violation("saml_logout_parse", "accepted a message from another issuer");
    if (m->destination && strcmp(m->destination, LOGOUT_URL))
        fuzz_violation("saml_logout_parse", "accepted a message for another Destination");
    if (m->is_request && (m->name_id == NULL || *m->name_id == '\0' || !m->session_indexes))
        fuzz_violation("saml_logout_parse", "accepted a LogoutRequest without NameID");
    if (!m->is_request && (m->in_response_to == NULL || m->status == NULL))
        fuzz_violation("saml_logout_parse", "accepted a LogoutResponse without InResponseTo "
                       "or Status");
}

static void parse_both_ways(apr_pool_t *p, const char *xml, apr_size_t len)
{
    saml_logout_policy_t optional = policy(0), required = policy(1);
    saml_logout_message_t *m = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = saml_logout_parse(p, xml, len, &optional, 0, &m, &err);

    fuzz_expect_explained(rv, &err, "saml_logout_parse");
    if (rv == APR_SUCCESS)
        check_accepted(m);
    rv = saml_logout_parse(p, xml, len, &required, 0, &m, &err);
    fuzz_expect_explained(rv, &err, "saml_logout_parse (required)");
    if (rv == APR_SUCCESS)
        fuzz_violation("saml_logout_parse", "accepted a message nobody signed with our key");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    fuzz_policy(NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();
    const char *query = fuzz_cstr(p, data, size);
    apr_array_header_t *no_certs = apr_array_make(p, 1, sizeof(void *));
    saml_redirect_message_t *m = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = saml_redirect_parse(p, query, LOGOUT_MAX, &m, &err);

    fuzz_expect_explained(rv, &err, "saml_redirect_parse");
    if (rv == APR_SUCCESS) {
        if (m->xml == NULL || m->xml_len > LOGOUT_MAX || m->xml[m->xml_len] != '\0')
            fuzz_violation("saml_redirect_parse", "message over the cap or not terminated");
        if ((m->sig_alg == NULL) != (m->signed_part == NULL))
            fuzz_violation("saml_redirect_parse", "SigAlg without signed bytes or the reverse");
        if (saml_redirect_verify(p, m, no_certs, 1, &err) == APR_SUCCESS)
            fuzz_violation("saml_redirect_verify", "verified without any certificate");
        parse_both_ways(p, m->xml, m->xml_len);
    }
    parse_both_ways(p, (const char *)data, size);
    apr_pool_destroy(p);
    return 0;
}
