/* Per-location sign-in demands (saml/authn_demand.c) and where they travel:
 * the AuthnRequest (IsPassive, RequestedAuthnContext exact, only when
 * asked), the sealed request cookie, the session record's AuthnInstant, the
 * AuthnContextClassRef read from a response, and the ACS refusing an answer
 * that does not show what its request demanded. */
#include <check.h>
#include <apr_strings.h>
#include <string.h>

#include "saml/acs.h"
#include "saml/authn_demand.h"
#include "saml/authn_request.h"
#include "saml/pending_cookie.h"
#include "saml/random.h"
#include "saml/session.h"
#include "tests/unit/testkit.h"

#define PASSWORD_CLASS "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
#define X509_CLASS     "urn:oasis:names:tc:SAML:2.0:ac:classes:X509"

static tk_keypair_t *idp;

static void setup(void)
{
    tk_setup();
    idp = tk_keypair_new(tk_pool(), 2048, "idp", 30);
}

static void teardown(void)
{
    idp = NULL;
    tk_teardown();
}

static apr_array_header_t *strings(apr_pool_t *p, const char *a, const char *b)
{
    apr_array_header_t *arr = apr_array_make(p, 2, sizeof(const char *));
    if (a)
        APR_ARRAY_PUSH(arr, const char *) = a;
    if (b)
        APR_ARRAY_PUSH(arr, const char *) = b;
    return arr;
}

static apr_array_header_t *methods(apr_pool_t *p, const char *a, const char *b)
{
    apr_array_header_t *attrs = apr_array_make(p, 1, sizeof(saml_attribute_t));
    saml_attribute_t *at = apr_array_push(attrs);
    at->name = SAML_CLAIM_AUTHN_METHODS;
    at->values = strings(p, a, b);
    return attrs;
}

/* ---- the rules ------------------------------------------------------------ */

START_TEST(age_against_max_age)
{
    apr_time_t now = apr_time_now();
    apr_interval_time_t five_min = apr_time_from_sec(300);

    ck_assert(!saml_authn_too_old(now - apr_time_from_sec(10), five_min, now));
    ck_assert(!saml_authn_too_old(now - five_min, five_min, now));
    ck_assert(saml_authn_too_old(now - five_min - 1, five_min, now));
    /* A record from before the instant was kept cannot prove freshness. */
    ck_assert(saml_authn_too_old(0, five_min, now));
}
END_TEST

START_TEST(mfa_shown_only_by_the_methods_claim)
{
    apr_pool_t *p = tk_pool();
    apr_array_header_t *other;

    ck_assert(saml_authn_shows_mfa(methods(p, "http://schemas.microsoft.com/ws/2008/06/identity/"
                                           "authenticationmethod/password",
                                           SAML_AUTHN_METHOD_MFA)));
    ck_assert(saml_authn_shows_mfa(methods(p, "mfa", NULL)));
    ck_assert(!saml_authn_shows_mfa(methods(p, "http://schemas.microsoft.com/ws/2008/06/identity/"
                                            "authenticationmethod/password", NULL)));
    /* Prefixes and look-alikes are not the value. */
    ck_assert(!saml_authn_shows_mfa(methods(p, SAML_AUTHN_METHOD_MFA "x", "MFA")));
    ck_assert(!saml_authn_shows_mfa(methods(p, NULL, NULL)));
    ck_assert(!saml_authn_shows_mfa(NULL));
    /* The value under another claim does not count. */
    other = methods(p, SAML_AUTHN_METHOD_MFA, NULL);
    APR_ARRAY_IDX(other, 0, saml_attribute_t).name = "http://schemas.microsoft.com/claims/other";
    ck_assert(!saml_authn_shows_mfa(other));
}
END_TEST

static saml_assertion_t *assertion(apr_pool_t *p, apr_time_t instant, const char *class_ref,
                                   apr_array_header_t *attrs)
{
    saml_assertion_t *a = apr_pcalloc(p, sizeof(*a));
    a->authn_instant = instant;
    a->authn_context_class_ref = class_ref;
    a->attributes = attrs ? attrs : apr_array_make(p, 1, sizeof(saml_attribute_t));
    return a;
}

START_TEST(answer_must_show_the_demand)
{
    apr_pool_t *p = tk_pool();
    apr_time_t now = apr_time_now();
    apr_interval_time_t skew = apr_time_from_sec(180);
    saml_authn_demand_t d = {0};
    saml_err_t err = {0};

    /* Nothing asked, nothing checked. */
    ck_assert_int_eq(saml_authn_demand_check(p, &d, assertion(p, 0, NULL, NULL), skew, now, &err),
                     APR_SUCCESS);

    d.force_authn = 1;
    d.max_age = apr_time_from_sec(300);
    ck_assert_int_eq(saml_authn_demand_check(p, &d, assertion(p, now - apr_time_from_sec(5), NULL,
                                                              NULL), skew, now, &err), APR_SUCCESS);
    /* The skew is allowed on top of the max age, no more. */
    ck_assert_int_eq(saml_authn_demand_check(p, &d, assertion(p, now - apr_time_from_sec(480),
                                                              NULL, NULL), skew, now, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_authn_demand_check(p, &d, assertion(p, now - apr_time_from_sec(481),
                                                              NULL, NULL), skew, now, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "authn-instant");
    ck_assert_ptr_nonnull(strstr(err.detail, "481 s old"));

    memset(&d, 0, sizeof(d));
    d.class_refs = strings(p, X509_CLASS, PASSWORD_CLASS);
    ck_assert_int_eq(saml_authn_demand_check(p, &d, assertion(p, now, PASSWORD_CLASS, NULL), skew,
                                             now, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_authn_demand_check(p, &d, assertion(p, now, "urn:oasis:names:tc:SAML:2.0:"
                                                              "ac:classes:Kerberos", NULL),
                                             skew, now, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "authn-context");
    ck_assert_int_eq(saml_authn_demand_check(p, &d, assertion(p, now, NULL, NULL), skew, now, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "authn-context");

    memset(&d, 0, sizeof(d));
    d.mfa = 1;
    ck_assert_int_eq(saml_authn_demand_check(p, &d, assertion(p, now, NULL,
                                                              methods(p, SAML_AUTHN_METHOD_MFA,
                                                                      NULL)), skew, now, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_authn_demand_check(p, &d, assertion(p, now, NULL, methods(p, "pwd",
                                                                                    NULL)),
                                             skew, now, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "mfa");

    /* IsPassive alone demands nothing of a successful answer. */
    memset(&d, 0, sizeof(d));
    d.is_passive = 1;
    ck_assert_int_eq(saml_authn_demand_check(p, &d, assertion(p, 0, NULL, NULL), skew, now, &err),
                     APR_SUCCESS);
}
END_TEST

START_TEST(demand_text_round_trip)
{
    apr_pool_t *p = tk_pool();
    saml_authn_demand_t d = {0}, back;
    const char *text;

    ck_assert_ptr_null(saml_authn_demand_encode(p, &d));
    d.force_authn = 1;
    d.max_age = apr_time_from_sec(120);
    d.is_passive = 1;
    d.mfa = 1;
    d.class_refs = strings(p, X509_CLASS, PASSWORD_CLASS);
    text = saml_authn_demand_encode(p, &d);
    ck_assert_str_eq(text, "force=120 passive mfa class=" X509_CLASS " class=" PASSWORD_CLASS);
    ck_assert_int_eq(saml_authn_demand_decode(p, text, &back), APR_SUCCESS);
    ck_assert_int_eq(back.force_authn, 1);
    ck_assert_int_eq(back.max_age, apr_time_from_sec(120));
    ck_assert_int_eq(back.is_passive, 1);
    ck_assert_int_eq(back.mfa, 1);
    ck_assert_int_eq(back.class_refs->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(back.class_refs, 1, const char *), PASSWORD_CLASS);

    ck_assert_int_eq(saml_authn_demand_decode(p, NULL, &back), APR_SUCCESS);
    ck_assert(saml_authn_demand_is_empty(&back));
    ck_assert_int_eq(saml_authn_demand_decode(p, "", &back), APR_EINVAL);
    ck_assert_int_eq(saml_authn_demand_decode(p, "force=", &back), APR_EINVAL);
    ck_assert_int_eq(saml_authn_demand_decode(p, "force=-1", &back), APR_EINVAL);
    ck_assert_int_eq(saml_authn_demand_decode(p, "force=1 force=2", &back), APR_EINVAL);
    ck_assert_int_eq(saml_authn_demand_decode(p, "mfa admin", &back), APR_EINVAL);
    ck_assert_int_eq(saml_authn_demand_decode(p, "class=", &back), APR_EINVAL);
}
END_TEST

/* ---- where they travel ---------------------------------------------------- */

static const char *request_xml(apr_pool_t *p, int passive, const apr_array_header_t *refs)
{
    saml_authn_request_t req;
    memset(&req, 0, sizeof(req));
    req.id = saml_random_id(p, "_");
    req.sp_entity_id = "https://sequr.example/saml";
    req.acs_url = "https://sequr.example/saml/acs";
    req.idp_sso_url = "https://login.microsoftonline.com/t/saml2";
    req.is_passive = passive;
    req.class_refs = refs;
    return saml_authn_request_xml(p, &req);
}

START_TEST(request_carries_passive_and_exact_class_only_when_asked)
{
    apr_pool_t *p = tk_pool();
    const char *plain = request_xml(p, 0, NULL), *xml;

    /* Entra refuses MFA and passwordless users when a class is asked for
     * (AADSTS75011): the default request names none. */
    ck_assert_ptr_null(strstr(plain, "RequestedAuthnContext"));
    ck_assert_ptr_null(strstr(plain, "IsPassive"));
    ck_assert_ptr_null(strstr(request_xml(p, 0, strings(p, NULL, NULL)), "RequestedAuthnContext"));

    xml = request_xml(p, 1, strings(p, X509_CLASS, "urn:x&y"));
    ck_assert_ptr_nonnull(strstr(xml, " IsPassive=\"true\""));
    ck_assert_ptr_nonnull(strstr(xml, "<samlp:RequestedAuthnContext Comparison=\"exact\">"
                                      "<saml:AuthnContextClassRef>" X509_CLASS
                                      "</saml:AuthnContextClassRef><saml:AuthnContextClassRef>"
                                      "urn:x&amp;y</saml:AuthnContextClassRef>"
                                      "</samlp:RequestedAuthnContext></samlp:AuthnRequest>"));
}
END_TEST

START_TEST(request_cookie_keeps_the_demand)
{
    apr_pool_t *p = tk_pool();
    saml_pending_request_t req = {0}, back;
    saml_err_t err = {0};
    const char *plain, *demanding;
    apr_time_t now = apr_time_now();

    req.request_id = "_0123456789abcdef0123456789abcdef";
    req.relay_state = "rs";
    req.return_to = "/admin/?x=1";
    ck_assert_int_eq(saml_pending_seal(p, &tk_pending_key, "scope", &req,
                                       now + apr_time_from_sec(60), &plain), APR_SUCCESS);
    req.demand.force_authn = 1;
    req.demand.max_age = apr_time_from_sec(300);
    req.demand.mfa = 1;
    ck_assert_int_eq(saml_pending_seal(p, &tk_pending_key, "scope", &req,
                                       now + apr_time_from_sec(60), &demanding), APR_SUCCESS);

    ck_assert_int_eq(saml_pending_open(p, &tk_pending_key, "scope", plain, now, &back, NULL, &err),
                     APR_SUCCESS);
    ck_assert(saml_authn_demand_is_empty(&back.demand));
    ck_assert_int_eq(saml_pending_open(p, &tk_pending_key, "scope", demanding, now, &back, NULL,
                                       &err), APR_SUCCESS);
    ck_assert_int_eq(back.demand.force_authn, 1);
    ck_assert_int_eq(back.demand.max_age, apr_time_from_sec(300));
    ck_assert_int_eq(back.demand.mfa, 1);
    ck_assert_str_eq(back.return_to, "/admin/?x=1");
}
END_TEST

START_TEST(session_record_keeps_authn_instant)
{
    apr_pool_t *p = tk_pool();
    saml_session_t s = {0}, *back;
    char *buf;
    apr_size_t len;
    apr_time_t now = apr_time_now();

    s.user = "alice@contoso.example";
    s.created = s.last_access = now;
    s.expires = now + apr_time_from_sec(3600);
    /* Without an instant: the layout of the release before (version 2),
     * still read, with no instant. */
    ck_assert_int_eq(saml_session_encode(p, &s, &buf, &len), APR_SUCCESS);
    ck_assert_int_eq(buf[1], 2);
    ck_assert_int_eq(saml_session_decode(p, buf, len, &back), APR_SUCCESS);
    ck_assert_int_eq(back->authn_instant, 0);
    s.tenant = "contoso";
    ck_assert_int_eq(saml_session_encode(p, &s, &buf, &len), APR_SUCCESS);
    ck_assert_int_eq(buf[1], 3);

    s.authn_instant = now - apr_time_from_sec(42);
    ck_assert_int_eq(saml_session_encode(p, &s, &buf, &len), APR_SUCCESS);
    ck_assert_int_eq(buf[1], 4);
    ck_assert_int_eq(saml_session_decode(p, buf, len, &back), APR_SUCCESS);
    ck_assert_int_eq(back->authn_instant, s.authn_instant);
    ck_assert_str_eq(back->tenant, "contoso");
    s.tenant = NULL;
    ck_assert_int_eq(saml_session_encode(p, &s, &buf, &len), APR_SUCCESS);
    ck_assert_int_eq(saml_session_decode(p, buf, len, &back), APR_SUCCESS);
    ck_assert_ptr_null(back->tenant);
    ck_assert_int_eq(back->authn_instant, s.authn_instant);
    /* Truncated by one byte of the instant: refused. */
    ck_assert_int_eq(saml_session_decode(p, buf, len - 1, &back), SAML_EMALFORMED);
}
END_TEST

/* ---- the ACS -------------------------------------------------------------- */

static saml_acs_policy_t acs_policy(apr_pool_t *p)
{
    saml_acs_policy_t pol;
    memset(&pol, 0, sizeof(pol));
    pol.response = tk_policy(p, idp);
    pol.landing_path = "/";
    return pol;
}

static saml_pending_request_t *started(apr_pool_t *p, saml_acs_policy_t *pol,
                                       const saml_authn_demand_t *d)
{
    saml_pending_request_t *req = apr_pcalloc(p, sizeof(*req));
    req->request_id = saml_random_id(p, "_");
    req->relay_state = saml_random_id(p, "rs");
    req->return_to = "/admin/report?id=7";
    req->demand = *d;
    tk_browser_started(p, pol, req, apr_time_now() + apr_time_from_sec(300));
    return req;
}

static apr_status_t answer(apr_pool_t *p, saml_store_t *st, saml_acs_policy_t *pol,
                           const saml_pending_request_t *req, long authn_instant, int mfa,
                           saml_acs_result_t **res, saml_err_t *err)
{
    tk_response_opts_t o;
    const char *xml;

    tk_response_defaults(p, &o);
    o.in_response_to = req->request_id;
    o.authn_instant = authn_instant;
    if (mfa)
        tk_add_attribute(p, &o, SAML_CLAIM_AUTHN_METHODS,
                         "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/"
                         "password", SAML_AUTHN_METHOD_MFA, NULL);
    xml = tk_response_signed(p, &o, idp);
    return saml_acs_consume(p, st, pol, xml, strlen(xml), req->relay_state, res, err);
}

START_TEST(acs_refuses_an_answer_without_the_demand)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    saml_authn_demand_t force = {0}, mfa = {0};
    saml_acs_result_t *res;
    saml_err_t err = {0};

    force.force_authn = 1;
    force.max_age = apr_time_from_sec(300);
    mfa.mfa = 1;

    /* The IdP reused its sign-in of an hour ago: refused. */
    ck_assert_int_eq(answer(p, st, &pol, started(p, &pol, &force), -3600, 0, &res, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "authn-instant");
    ck_assert_ptr_null(res);
    /* A fresh one: in, back where the browser was going, the demand told. */
    ck_assert_int_eq(answer(p, st, &pol, started(p, &pol, &force), -3, 0, &res, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(res->return_to, "/admin/report?id=7");
    ck_assert_int_eq(res->demand.force_authn, 1);

    ck_assert_int_eq(answer(p, st, &pol, started(p, &pol, &mfa), -3, 0, &res, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "mfa");
    ck_assert_int_eq(answer(p, st, &pol, started(p, &pol, &mfa), -3, 1, &res, &err), APR_SUCCESS);
    ck_assert_int_eq(res->demand.mfa, 1);
}
END_TEST

START_TEST(response_class_ref_is_read)
{
    apr_pool_t *p = tk_pool();
    saml_response_policy_t pol = tk_policy(p, idp);
    tk_response_opts_t o;
    saml_assertion_t *a;
    saml_err_t err = {0};
    const char *xml;

    tk_response_defaults(p, &o);
    xml = tk_response_signed(p, &o, idp);
    ck_assert_int_eq(saml_response_validate(p, xml, strlen(xml), &pol, &a, &err), APR_SUCCESS);
    ck_assert_str_eq(a->authn_context_class_ref, PASSWORD_CLASS);
}
END_TEST

static Suite *demand_suite(void)
{
    Suite *s = suite_create("authn_demand");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, age_against_max_age);
    tcase_add_test(tc, mfa_shown_only_by_the_methods_claim);
    tcase_add_test(tc, answer_must_show_the_demand);
    tcase_add_test(tc, demand_text_round_trip);
    tcase_add_test(tc, request_carries_passive_and_exact_class_only_when_asked);
    tcase_add_test(tc, request_cookie_keeps_the_demand);
    tcase_add_test(tc, session_record_keeps_authn_instant);
    tcase_add_test(tc, acs_refuses_an_answer_without_the_demand);
    tcase_add_test(tc, response_class_ref_is_read);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    tk_run_dir_make("authn_demand");
    sr = srunner_create(demand_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tk_run_dir_remove();
    return failed ? 1 : 0;
}
