/* Which IdP a message belongs to (the default one or a tenant, by the Issuer
 * it claims, under the response rule or the logout rule), which of its
 * certificates may verify (expired ones left out unless allowed), and where
 * a LogoutResponse goes. */
#include <check.h>
#include <apr_strings.h>
#include <string.h>

#include "saml/idp.h"
#include "tests/unit/testkit.h"

#define TENANT_B    "0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define STS_B       "https://sts.windows.net/" TENANT_B "/"
#define LOGIN_A     "https://login.microsoftonline.com/" TK_TENANT_ID "/"
#define LOGIN_B     "https://login.microsoftonline.com/" TENANT_B "/"
#define SLO_URL     "https://login.microsoftonline.com/" TK_TENANT_ID "/saml2/logout"

static void setup(void)
{
    tk_setup();
}

static void teardown(void)
{
    tk_teardown();
}

/* Something non-NULL to stand for a verifier: matching never calls it. */
static const saml_verifier_t *some_verifier = (const saml_verifier_t *)&some_verifier;

static apr_array_header_t *idps_of(apr_pool_t *p, int n, const saml_idp_t *list)
{
    apr_array_header_t *idps = apr_array_make(p, n, sizeof(saml_idp_t));
    int i;
    for (i = 0; i < n; i++)
        APR_ARRAY_PUSH(idps, saml_idp_t) = list[i];
    return idps;
}

/* ---- certificates ------------------------------------------------------------ */

START_TEST(expired_certificate_left_out_unless_allowed)
{
    apr_pool_t *p = tk_pool();
    tk_keypair_t *current = tk_keypair_new(p, 2048, "current", 30);
    tk_keypair_t *expired = tk_keypair_new(p, 2048, "expired", -1);
    apr_array_header_t *certs = apr_array_make(p, 2, sizeof(X509 *)), *usable;
    apr_time_t now = apr_time_now();
    int left_out = -1;

    ck_assert(saml_idp_cert_usable(current->cert, now, 0));
    ck_assert(!saml_idp_cert_usable(expired->cert, now, 0));
    ck_assert(saml_idp_cert_usable(expired->cert, now, 1));

    APR_ARRAY_PUSH(certs, X509 *) = expired->cert;
    APR_ARRAY_PUSH(certs, X509 *) = current->cert;
    usable = saml_idp_usable_certs(p, certs, now, 0, &left_out);
    ck_assert_int_eq(usable->nelts, 1);
    ck_assert_ptr_eq(APR_ARRAY_IDX(usable, 0, X509 *), current->cert);
    ck_assert_int_eq(left_out, 1);
    usable = saml_idp_usable_certs(p, certs, now, 1, &left_out);
    ck_assert_int_eq(usable->nelts, 2);
    ck_assert_ptr_eq(APR_ARRAY_IDX(usable, 0, X509 *), expired->cert);
    ck_assert_int_eq(left_out, 0);
    /* The current one too, once its own end is reached. */
    usable = saml_idp_usable_certs(p, certs, now + apr_time_from_sec(31 * 86400), 0, NULL);
    ck_assert_int_eq(usable->nelts, 0);
    ck_assert_int_eq(saml_idp_usable_certs(p, NULL, now, 0, &left_out)->nelts, 0);
    ck_assert_int_eq(left_out, 0);
}
END_TEST

/* ---- issuer matching -------------------------------------------------------------- */

START_TEST(response_rule_is_exact)
{
    saml_idp_t a = { "", TK_IDP_ENTITY_ID, NULL, NULL, NULL, NULL, 0 };

    ck_assert(saml_idp_issuer_matches(&a, TK_IDP_ENTITY_ID, SAML_IDP_ISSUER_EXACT));
    ck_assert(!saml_idp_issuer_matches(&a, LOGIN_A, SAML_IDP_ISSUER_EXACT));
    ck_assert(!saml_idp_issuer_matches(&a, "https://sts.windows.net/" TK_TENANT_ID,
                                       SAML_IDP_ISSUER_EXACT));
    ck_assert(!saml_idp_issuer_matches(&a, NULL, SAML_IDP_ISSUER_EXACT));
    a.entity_id = NULL;
    ck_assert(!saml_idp_issuer_matches(&a, TK_IDP_ENTITY_ID, SAML_IDP_ISSUER_EXACT));
}
END_TEST

START_TEST(logout_rule_takes_entras_login_form_of_the_same_tenant)
{
    saml_idp_t a = { "", TK_IDP_ENTITY_ID, NULL, NULL, NULL, NULL, 0 };

    ck_assert(saml_idp_issuer_matches(&a, TK_IDP_ENTITY_ID, SAML_IDP_ISSUER_LOGOUT));
    ck_assert(saml_idp_issuer_matches(&a, LOGIN_A, SAML_IDP_ISSUER_LOGOUT));
    ck_assert(!saml_idp_issuer_matches(&a, LOGIN_B, SAML_IDP_ISSUER_LOGOUT));
    ck_assert(!saml_idp_issuer_matches(&a, NULL, SAML_IDP_ISSUER_LOGOUT));
}
END_TEST

START_TEST(issuer_chooses_among_default_and_tenants)
{
    apr_pool_t *p = tk_pool();
    saml_idp_t list[] = {
        { "", TK_IDP_ENTITY_ID, NULL, NULL, NULL, some_verifier, 0 },
        { "contoso", STS_B, NULL, NULL, NULL, some_verifier, 0 },
    };
    apr_array_header_t *idps = idps_of(p, 2, list);

    ck_assert_str_eq(saml_idp_by_issuer(idps, TK_IDP_ENTITY_ID, SAML_IDP_ISSUER_EXACT)->name, "");
    ck_assert_str_eq(saml_idp_by_issuer(idps, STS_B, SAML_IDP_ISSUER_EXACT)->name, "contoso");
    ck_assert_ptr_null(saml_idp_by_issuer(idps, LOGIN_B, SAML_IDP_ISSUER_EXACT));
    ck_assert_str_eq(saml_idp_by_issuer(idps, LOGIN_B, SAML_IDP_ISSUER_LOGOUT)->name, "contoso");
    ck_assert_str_eq(saml_idp_by_issuer(idps, LOGIN_A, SAML_IDP_ISSUER_LOGOUT)->name, "");
    ck_assert_ptr_null(saml_idp_by_issuer(idps, "https://evil.example/", SAML_IDP_ISSUER_LOGOUT));
    ck_assert_ptr_null(saml_idp_by_issuer(idps, NULL, SAML_IDP_ISSUER_EXACT));
    ck_assert_ptr_null(saml_idp_by_issuer(NULL, STS_B, SAML_IDP_ISSUER_EXACT));
}
END_TEST

/* An IdP that cannot verify (every certificate expired, or a default IdP
 * that names only its entity id) is never chosen: the message is refused as
 * from no configured IdP, under either rule. */
START_TEST(idp_without_verifier_never_chosen)
{
    apr_pool_t *p = tk_pool();
    saml_idp_t list[] = {
        { "", NULL, NULL, NULL, NULL, NULL, 0 },
        { "contoso", STS_B, NULL, NULL, NULL, NULL, 0 },
        { "fabrikam", TK_IDP_ENTITY_ID, NULL, NULL, NULL, some_verifier, 0 },
    };
    apr_array_header_t *idps = idps_of(p, 3, list);

    ck_assert_ptr_null(saml_idp_by_issuer(idps, STS_B, SAML_IDP_ISSUER_EXACT));
    ck_assert_ptr_null(saml_idp_by_issuer(idps, LOGIN_B, SAML_IDP_ISSUER_LOGOUT));
    ck_assert_str_eq(saml_idp_by_issuer(idps, TK_IDP_ENTITY_ID, SAML_IDP_ISSUER_EXACT)->name,
                     "fabrikam");
}
END_TEST

/* The logout rule could name two IdPs (one configured with the sts form, one
 * with the login form of one tenant): the default IdP, then the tenants in
 * order, as the handler always did. */
START_TEST(first_match_in_order_wins)
{
    apr_pool_t *p = tk_pool();
    saml_idp_t list[] = {
        { "", TK_IDP_ENTITY_ID, NULL, NULL, NULL, some_verifier, 0 },
        { "login-form", LOGIN_A, NULL, NULL, NULL, some_verifier, 0 },
    };
    apr_array_header_t *idps = idps_of(p, 2, list);

    ck_assert_str_eq(saml_idp_by_issuer(idps, LOGIN_A, SAML_IDP_ISSUER_LOGOUT)->name, "");
    ck_assert_str_eq(saml_idp_by_issuer(idps, LOGIN_A, SAML_IDP_ISSUER_EXACT)->name,
                     "login-form");
}
END_TEST

START_TEST(claimed_issuer_reads_the_root_then_the_child)
{
    apr_pool_t *p = tk_pool();
    static const char *const names[] = { "Response", NULL };
    saml_xml_limits_t limits = { SAML_XML_DEFAULT_MAX_BYTES, SAML_XML_DEFAULT_MAX_DEPTH, 0 };
    const char *issuer;
    saml_err_t err = {0};
    const char *root_only =
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
        "<Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">" STS_B "</Issuer>"
        "</samlp:Response>";
    const char *child_only =
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
        "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"><Issuer>" STS_B
        "</Issuer></Assertion></samlp:Response>";

    ck_assert_int_eq(saml_idp_claimed_issuer(p, root_only, strlen(root_only), &limits, names,
                                             "Assertion", &issuer, &err), APR_SUCCESS);
    ck_assert_str_eq(issuer, STS_B);
    ck_assert_int_eq(saml_idp_claimed_issuer(p, child_only, strlen(child_only), &limits, names,
                                             "Assertion", &issuer, &err), APR_SUCCESS);
    ck_assert_str_eq(issuer, STS_B);
    ck_assert_int_eq(saml_idp_claimed_issuer(p, child_only, strlen(child_only), &limits, names,
                                             NULL, &issuer, &err), APR_SUCCESS);
    ck_assert_ptr_null(issuer);
    ck_assert_int_eq(saml_idp_claimed_issuer(p, "<x/>", 4, &limits, names, NULL, &issuer, &err),
                     SAML_EMALFORMED);
    ck_assert_str_eq(err.check, "shape");
}
END_TEST

/* One choice for the ACS and for logout: the only IdP without reading the
 * message; with tenants, the Issuer the message claims under the rule of its
 * kind, and a clear refusal for an unreadable message or an unknown Issuer. */
START_TEST(choose_reads_the_issuer_of_the_messages_kind)
{
    apr_pool_t *p = tk_pool();
    saml_xml_limits_t limits = { SAML_XML_DEFAULT_MAX_BYTES, SAML_XML_DEFAULT_MAX_DEPTH, 0 };
    saml_idp_t list[] = {
        { "", TK_IDP_ENTITY_ID, NULL, NULL, NULL, some_verifier, 0 },
        { "contoso", STS_B, NULL, NULL, NULL, some_verifier, 0 },
    };
    apr_array_header_t *both = idps_of(p, 2, list), *one = idps_of(p, 1, list);
    const char *response =
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
        "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"><Issuer>" STS_B
        "</Issuer></Assertion></samlp:Response>";
    const char *logout =
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
        "<Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">" LOGIN_B "</Issuer>"
        "</samlp:LogoutRequest>";
    const char *stranger =
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
        "<Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">https://evil.example/</Issuer>"
        "</samlp:Response>";
    const saml_idp_t *idp;
    saml_err_t err = {0};

    ck_assert_int_eq(saml_idp_choose(p, one, "<not xml", 8, &limits, SAML_IDP_ISSUER_EXACT,
                                     &idp, &err), APR_SUCCESS);
    ck_assert_str_eq(idp->name, "");
    ck_assert_int_eq(saml_idp_choose(p, both, response, strlen(response), &limits,
                                     SAML_IDP_ISSUER_EXACT, &idp, &err), APR_SUCCESS);
    ck_assert_str_eq(idp->name, "contoso");
    ck_assert_int_eq(saml_idp_choose(p, both, logout, strlen(logout), &limits,
                                     SAML_IDP_ISSUER_LOGOUT, &idp, &err), APR_SUCCESS);
    ck_assert_str_eq(idp->name, "contoso");
    /* A response is not a logout message, nor the other way round. */
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(saml_idp_choose(p, both, response, strlen(response), &limits,
                                     SAML_IDP_ISSUER_LOGOUT, &idp, &err), SAML_EMALFORMED);
    ck_assert_ptr_null(idp);
    ck_assert_str_eq(err.check, "shape");
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(saml_idp_choose(p, both, logout, strlen(logout), &limits,
                                     SAML_IDP_ISSUER_EXACT, &idp, &err), SAML_EMALFORMED);
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(saml_idp_choose(p, both, stranger, strlen(stranger), &limits,
                                     SAML_IDP_ISSUER_EXACT, &idp, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "issuer");
    ck_assert_ptr_nonnull(strstr(err.detail, "evil.example"));
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(saml_idp_choose(p, NULL, response, strlen(response), &limits,
                                     SAML_IDP_ISSUER_EXACT, &idp, &err), SAML_EINTERNAL);
}
END_TEST

/* ---- where logout messages go ---------------------------------------------------- */

START_TEST(logout_answer_goes_to_slo_url_else_sso_url)
{
    saml_idp_t a = { "", TK_IDP_ENTITY_ID, TK_IDP_SSO_URL, SLO_URL, NULL, NULL, 0 };

    ck_assert_str_eq(saml_idp_slo_url(&a), SLO_URL);
    ck_assert_str_eq(saml_idp_logout_answer_url(&a), SLO_URL);
    a.slo_url = "";                   /* SequrSAMLIdPSLOURL none */
    ck_assert_ptr_null(saml_idp_slo_url(&a));
    ck_assert_str_eq(saml_idp_logout_answer_url(&a), TK_IDP_SSO_URL);
    a.slo_url = NULL;
    ck_assert_ptr_null(saml_idp_slo_url(&a));
    ck_assert_str_eq(saml_idp_logout_answer_url(&a), TK_IDP_SSO_URL);
    ck_assert_ptr_null(saml_idp_slo_url(NULL));
}
END_TEST

static Suite *idp_suite(void)
{
    Suite *s = suite_create("idp");
    TCase *tc = tcase_create("idp");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, expired_certificate_left_out_unless_allowed);
    tcase_add_test(tc, response_rule_is_exact);
    tcase_add_test(tc, logout_rule_takes_entras_login_form_of_the_same_tenant);
    tcase_add_test(tc, issuer_chooses_among_default_and_tenants);
    tcase_add_test(tc, idp_without_verifier_never_chosen);
    tcase_add_test(tc, first_match_in_order_wins);
    tcase_add_test(tc, claimed_issuer_reads_the_root_then_the_child);
    tcase_add_test(tc, choose_reads_the_issuer_of_the_messages_kind);
    tcase_add_test(tc, logout_answer_goes_to_slo_url_else_sso_url);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tk_run_suite(idp_suite());
}
