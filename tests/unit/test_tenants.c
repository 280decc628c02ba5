/* Several IdPs (tenants) on one SP, the parts in saml/: the tenant a relay
 * state names, the Issuer a response claims (to choose whose keys decide),
 * the tenant a pending request and a session record, and the ACS rules that
 * keep one tenant's answer from being used for another. */
#include <check.h>
#include <apr_strings.h>
#include <string.h>

#include "saml/acs.h"
#include "saml/idp.h"
#include "saml/random.h"
#include "saml/relay_state.h"
#include "saml/session.h"
#include "saml/store_file.h"
#include "tests/unit/testkit.h"

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

/* ---- relay state ----------------------------------------------------------- */

START_TEST(relay_state_names_a_tenant)
{
    apr_pool_t *p = tk_pool();
    ck_assert_str_eq(saml_relay_state_tenant(p, "/?sequr_tenant=contoso"), "contoso");
    ck_assert_str_eq(saml_relay_state_tenant(p, "/app?x=1&sequr_tenant=fab.rikam-1&y=2"),
                     "fab.rikam-1");
    ck_assert_str_eq(saml_relay_state_tenant(p, "/?sequr_tenant=con%74oso"), "contoso");
    ck_assert_str_eq(saml_relay_state_tenant(p, "/?sequr_tenant=a&sequr_tenant=a"), "a");
    ck_assert_str_eq(saml_relay_state_tenant(p, "/?sequr_tenant="), "");
}
END_TEST

START_TEST(relay_state_names_no_tenant)
{
    apr_pool_t *p = tk_pool();
    ck_assert_ptr_null(saml_relay_state_tenant(p, NULL));
    ck_assert_ptr_null(saml_relay_state_tenant(p, "/app/page"));
    ck_assert_ptr_null(saml_relay_state_tenant(p, "/?x_sequr_tenant=contoso"));
    ck_assert_ptr_null(saml_relay_state_tenant(p, "/#sequr_tenant=contoso"));
    /* Not a local path: never followed, so it names nobody either. */
    ck_assert_ptr_null(saml_relay_state_tenant(p, "https://evil/?sequr_tenant=contoso"));
    ck_assert_ptr_null(saml_relay_state_tenant(p, "opaque-handle-42"));
}
END_TEST

START_TEST(relay_state_ambiguous_tenant_names_nobody_real)
{
    apr_pool_t *p = tk_pool();
    ck_assert_str_eq(saml_relay_state_tenant(p, "/?sequr_tenant=a&sequr_tenant=b"), "?");
    /* A decoded NUL or a broken escape makes it no local path at all. */
    ck_assert_ptr_null(saml_relay_state_tenant(p, "/?sequr_tenant=a%00b"));
    ck_assert_ptr_null(saml_relay_state_tenant(p, "/?sequr_tenant=a%zz"));
}
END_TEST

/* ---- the Issuer a response claims ------------------------------------------- */

static const saml_xml_limits_t limits = { 256 * 1024, 32, 0 };

START_TEST(claimed_issuer_is_the_responses_then_the_assertions)
{
    apr_pool_t *p = tk_pool();
    tk_response_opts_t o;
    const char *xml, *issuer = "x";
    saml_err_t err = {0};

    tk_response_defaults(p, &o);
    o.response_issuer = "https://sts.windows.net/response-issuer/";
    o.assertion_issuer = "https://sts.windows.net/assertion-issuer/";
    xml = tk_response_build(p, &o);
    ck_assert_int_eq(saml_idp_message_issuer(p, xml, strlen(xml), &limits, SAML_IDP_ISSUER_EXACT, &issuer, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(issuer, "https://sts.windows.net/response-issuer/");

    o.response_issuer = NULL;
    xml = tk_response_build(p, &o);
    ck_assert_int_eq(saml_idp_message_issuer(p, xml, strlen(xml), &limits, SAML_IDP_ISSUER_EXACT, &issuer, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(issuer, "https://sts.windows.net/assertion-issuer/");

    o.assertion_issuer = NULL;
    xml = tk_response_build(p, &o);
    ck_assert_int_eq(saml_idp_message_issuer(p, xml, strlen(xml), &limits, SAML_IDP_ISSUER_EXACT, &issuer, &err),
                     APR_SUCCESS);
    ck_assert_ptr_null(issuer);
}
END_TEST

START_TEST(claimed_issuer_parses_safely)
{
    apr_pool_t *p = tk_pool();
    const char *issuer = "x";
    const char *dtd = "<!DOCTYPE r [<!ENTITY e \"x\">]><samlp:Response xmlns:samlp="
                      "\"urn:oasis:names:tc:SAML:2.0:protocol\"/>";
    const char *other = "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\"/>";
    saml_err_t err = {0};

    ck_assert_int_ne(saml_idp_message_issuer(p, dtd, strlen(dtd), &limits, SAML_IDP_ISSUER_EXACT, &issuer, &err),
                     APR_SUCCESS);
    ck_assert_int_ne(saml_idp_message_issuer(p, other, strlen(other), &limits, SAML_IDP_ISSUER_EXACT, &issuer,
                                                  &err), APR_SUCCESS);
    ck_assert_str_eq(err.check, "shape");
    ck_assert_int_ne(saml_idp_message_issuer(p, "<a", 2, &limits, SAML_IDP_ISSUER_EXACT, &issuer, &err),
                     APR_SUCCESS);
}
END_TEST

START_TEST(logout_claimed_issuer_is_the_messages_own)
{
    apr_pool_t *p = tk_pool();
    const char *issuer = "x";
    const char *req = "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r\" "
                      "Version=\"2.0\"><saml:Issuer>https://login.microsoftonline.com/t1/"
                      "</saml:Issuer><saml:NameID>a</saml:NameID></samlp:LogoutRequest>";
    const char *res = "<samlp:LogoutResponse xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                      "ID=\"_s\" Version=\"2.0\"><Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:"
                      "assertion\">https://login.microsoftonline.com/t2/</Issuer>"
                      "</samlp:LogoutResponse>";
    const char *resp = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>";
    saml_err_t err = {0};

    ck_assert_int_eq(saml_idp_message_issuer(p, req, strlen(req), &limits, SAML_IDP_ISSUER_LOGOUT, &issuer, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(issuer, "https://login.microsoftonline.com/t1/");
    ck_assert_int_eq(saml_idp_message_issuer(p, res, strlen(res), &limits, SAML_IDP_ISSUER_LOGOUT, &issuer, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(issuer, "https://login.microsoftonline.com/t2/");
    /* A sign-in response is not a logout message, nor the other way round. */
    ck_assert_int_ne(saml_idp_message_issuer(p, resp, strlen(resp), &limits, SAML_IDP_ISSUER_LOGOUT, &issuer, &err),
                     APR_SUCCESS);
    ck_assert_int_ne(saml_idp_message_issuer(p, req, strlen(req), &limits, SAML_IDP_ISSUER_EXACT, &issuer, &err),
                     APR_SUCCESS);
}
END_TEST

/* ---- ACS rules ------------------------------------------------------------------ */

static saml_acs_policy_t policy_for(apr_pool_t *p, const char *tenant)
{
    saml_acs_policy_t pol;
    apr_array_header_t *names = apr_array_make(p, 2, sizeof(const char *));

    APR_ARRAY_PUSH(names, const char *) = "contoso";
    APR_ARRAY_PUSH(names, const char *) = "fabrikam";
    memset(&pol, 0, sizeof(pol));
    pol.response = tk_policy(p, idp);
    pol.allow_unsolicited = 1;
    pol.landing_path = "/";
    pol.tenant = tenant;
    pol.tenants = names;
    return pol;
}

static const char *signed_response(apr_pool_t *p, const char *request_id)
{
    tk_response_opts_t o;
    tk_response_defaults(p, &o);
    o.in_response_to = request_id;
    return tk_response_signed(p, &o, idp);
}

static saml_pending_request_t *pending(apr_pool_t *p, saml_acs_policy_t *pol, const char *tenant)
{
    saml_pending_request_t *req = apr_pcalloc(p, sizeof(*req));
    req->request_id = saml_random_id(p, "_");
    req->relay_state = saml_random_id(p, "rs");
    req->return_to = "/contoso/page";
    req->tenant = tenant;
    tk_browser_started(p, pol, req, apr_time_now() + apr_time_from_sec(300));
    return req;
}

static apr_status_t consume(apr_pool_t *p, saml_store_t *st, const saml_acs_policy_t *pol,
                            const char *xml, const char *relay, saml_err_t *err)
{
    saml_acs_result_t *res;
    err->check = err->detail = NULL;
    return saml_acs_consume(p, st, pol, xml, strlen(xml), relay, &res, err);
}

START_TEST(request_answered_by_its_own_tenant)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_acs_policy_t pol = policy_for(p, "contoso");
    saml_pending_request_t *req = pending(p, &pol, "contoso");
    saml_err_t err = {0};

    ck_assert_int_eq(consume(p, st, &pol, signed_response(p, req->request_id), req->relay_state,
                             &err), APR_SUCCESS);
}
END_TEST

START_TEST(request_answered_by_another_tenant_refused)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_acs_policy_t pol = policy_for(p, "fabrikam");
    saml_pending_request_t *req = pending(p, &pol, "contoso");
    saml_err_t err = {0};

    ck_assert_int_eq(consume(p, st, &pol, signed_response(p, req->request_id), req->relay_state,
                             &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "tenant");
    ck_assert_ptr_nonnull(strstr(err.detail, "sent to tenant contoso but answered by tenant "
                                 "fabrikam"));
}
END_TEST

START_TEST(default_idp_request_is_not_a_tenants)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_acs_policy_t pol = policy_for(p, "contoso");
    saml_pending_request_t *req = pending(p, &pol, NULL);   /* also: a record from before tenants */
    saml_err_t err = {0};

    ck_assert_int_eq(consume(p, st, &pol, signed_response(p, req->request_id), req->relay_state,
                             &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "tenant");

    pol = policy_for(p, "");
    req = pending(p, &pol, NULL);
    ck_assert_int_eq(consume(p, st, &pol, signed_response(p, req->request_id), req->relay_state,
                             &err), APR_SUCCESS);
}
END_TEST

START_TEST(unsolicited_with_another_tenants_relay_state_refused_before_the_replay_cache)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_acs_policy_t pol = policy_for(p, "contoso");
    const char *xml = signed_response(p, NULL);
    saml_err_t err = {0};

    ck_assert_int_eq(consume(p, st, &pol, xml, "/?sequr_tenant=fabrikam", &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "tenant");
    ck_assert_ptr_nonnull(strstr(err.detail, "fabrikam"));
    ck_assert_ptr_nonnull(strstr(err.detail, "contoso"));
    /* Refused before the replay cache: the same response is still usable as itself. */
    ck_assert_int_eq(consume(p, st, &pol, xml, "/?sequr_tenant=contoso", &err), APR_SUCCESS);
}
END_TEST

/* A full URL of the site is read as its local path before the tenant rule:
 * spelling the RelayState out in full does not slip another tenant's name by. */
START_TEST(unsolicited_full_url_naming_another_tenant_refused)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_acs_policy_t pol = policy_for(p, "contoso");
    saml_err_t err = {0};

    pol.site_origin = "https://sp.example";
    ck_assert_int_eq(consume(p, st, &pol, signed_response(p, NULL),
                             "https://sp.example/?sequr_tenant=fabrikam", &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "tenant");
    ck_assert_int_eq(consume(p, st, &pol, signed_response(p, NULL),
                             "https://sp.example/app?sequr_tenant=contoso", &err), APR_SUCCESS);
}
END_TEST

START_TEST(default_idp_keeps_a_relay_state_naming_no_configured_tenant)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_acs_policy_t pol = policy_for(p, NULL);
    saml_err_t err = {0};

    ck_assert_int_eq(consume(p, st, &pol, signed_response(p, NULL), "/?sequr_tenant=acme", &err),
                     APR_SUCCESS);
    ck_assert_int_eq(consume(p, st, &pol, signed_response(p, NULL), "/?sequr_tenant=contoso",
                             &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "tenant");
    /* A tenant may not borrow an unknown name either. */
    pol = policy_for(p, "contoso");
    ck_assert_int_eq(consume(p, st, &pol, signed_response(p, NULL), "/?sequr_tenant=acme", &err),
                     SAML_EREJECTED);
}
END_TEST

/* ---- session records ------------------------------------------------------------ */

static saml_session_t *session_of(apr_pool_t *p, const char *tenant)
{
    saml_session_t *s = apr_pcalloc(p, sizeof(*s));
    s->id = saml_session_new_id(p);
    s->user = "alice@contoso.example";
    s->idp_entity_id = "https://sts.windows.net/t/";
    s->scope = "host:80|cookie|sp";
    s->tenant = tenant;
    s->created = s->last_access = apr_time_now();
    s->expires = s->created + apr_time_from_sec(3600);
    return s;
}

START_TEST(session_keeps_its_tenant)
{
    apr_pool_t *p = tk_pool();
    saml_session_t *out;
    char *buf;
    apr_size_t len;

    ck_assert_int_eq(saml_session_encode(p, session_of(p, "contoso"), &buf, &len), APR_SUCCESS);
    ck_assert_int_eq(buf[1], 3);
    ck_assert_int_eq(saml_session_decode(p, buf, len, &out), APR_SUCCESS);
    ck_assert_str_eq(out->tenant, "contoso");
    ck_assert_str_eq(out->user, "alice@contoso.example");
    ck_assert_str_eq(out->scope, "host:80|cookie|sp");
}
END_TEST

START_TEST(default_idp_session_keeps_the_old_format)
{
    apr_pool_t *p = tk_pool();
    saml_session_t *out;
    char *buf, *buf2;
    apr_size_t len, len2;

    /* Version 2, byte for byte what the release before tenants wrote. */
    ck_assert_int_eq(saml_session_encode(p, session_of(p, NULL), &buf, &len), APR_SUCCESS);
    ck_assert_int_eq(saml_session_encode(p, session_of(p, ""), &buf2, &len2), APR_SUCCESS);
    ck_assert_int_eq(buf[1], 2);
    ck_assert_int_eq(len, len2);
    ck_assert_int_eq(saml_session_decode(p, buf, len, &out), APR_SUCCESS);
    ck_assert_ptr_null(out->tenant);
}
END_TEST

START_TEST(forged_empty_tenant_refused)
{
    apr_pool_t *p = tk_pool();
    saml_session_t *out;
    char *buf, *forged;
    apr_size_t len;

    ck_assert_int_eq(saml_session_encode(p, session_of(p, "x"), &buf, &len), APR_SUCCESS);
    /* "x" is the only 1-byte string after a 4-byte length 1 ... make it length 0. */
    forged = apr_pmemdup(p, buf, len);
    {
        const char *at = NULL;
        apr_size_t i;
        for (i = 2; i + 5 <= len; i++)
            if (!memcmp(forged + i, "\0\0\0\1x", 5))
                at = forged + i;
        ck_assert_ptr_nonnull(at);
        i = (apr_size_t)(at - forged);
        forged[i + 3] = 0;
        memmove(forged + i + 4, forged + i + 5, len - i - 5);
    }
    ck_assert_int_eq(saml_session_decode(p, forged, len - 1, &out), SAML_EMALFORMED);
    ck_assert_int_eq(saml_session_decode(p, buf, len, &out), APR_SUCCESS);
}
END_TEST

static Suite *tenants_suite(void)
{
    Suite *s = suite_create("tenants");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, relay_state_names_a_tenant);
    tcase_add_test(tc, relay_state_names_no_tenant);
    tcase_add_test(tc, relay_state_ambiguous_tenant_names_nobody_real);
    tcase_add_test(tc, claimed_issuer_is_the_responses_then_the_assertions);
    tcase_add_test(tc, claimed_issuer_parses_safely);
    tcase_add_test(tc, logout_claimed_issuer_is_the_messages_own);
    tcase_add_test(tc, request_answered_by_its_own_tenant);
    tcase_add_test(tc, request_answered_by_another_tenant_refused);
    tcase_add_test(tc, default_idp_request_is_not_a_tenants);
    tcase_add_test(tc, unsolicited_with_another_tenants_relay_state_refused_before_the_replay_cache);
    tcase_add_test(tc, default_idp_keeps_a_relay_state_naming_no_configured_tenant);
    tcase_add_test(tc, unsolicited_full_url_naming_another_tenant_refused);
    tcase_add_test(tc, session_keeps_its_tenant);
    tcase_add_test(tc, default_idp_session_keeps_the_old_format);
    tcase_add_test(tc, forged_empty_tenant_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    tk_run_dir_make("tenants");
    sr = srunner_create(tenants_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tk_run_dir_remove();
    return failed ? 1 : 0;
}
