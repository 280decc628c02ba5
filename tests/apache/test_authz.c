/* The authz providers of apache/authz.c (Require saml-attribute, Require
 * sequr-user) called as mod_authz_core calls them, after a real sign-in
 * check; and the hooks that turn their refusal of a signed-in user into 403
 * with the admin's ErrorDocument 403. */
#include <check.h>
#include <string.h>

#include "apr_strings.h"
#include "mod_core.h"

#include "apache/authz.h"
#include "apache/authn.h"
#include "saml/authn_demand.h"
#include "tests/apache/fixture.h"
#include "tests/unit/testkit.h"

extern module AP_MODULE_DECLARE_DATA sequr_saml_module;
static server_rec *S;

static void setup(void)
{
    tk_setup();
    S = fx_server();
    sequr_register_authz_providers(tk_pool());
}

/* Require PROVIDER line: parsed as mod_authz_core does at configuration
 * time, then NULL (parse refused) or checked on r. */
static const void *parse(const char *provider, const char *line, const char **error)
{
    const authz_provider *ap = fake_authz_provider(provider);
    cmd_parms cmd;
    const void *parsed = NULL;

    ck_assert_ptr_nonnull(ap);
    memset(&cmd, 0, sizeof(cmd));
    cmd.pool = tk_pool();
    cmd.temp_pool = tk_pool();
    *error = ap->parse_require_line(&cmd, line, &parsed);
    return *error ? NULL : parsed;
}

static authz_status require(request_rec *r, const char *provider, const char *line)
{
    const char *error;
    const void *parsed = parse(provider, line, &error);
    ck_assert_msg(error == NULL, "Require %s %s: %s", provider, line, error);
    return fake_authz_provider(provider)->check_authorization(r, line, parsed);
}

/* A request let in by a session of FX_USER (groups admins, staff). */
static request_rec *signed_in(void)
{
    request_rec *r = fx_browser_get(S, "/app/", fx_location(NULL, "sequr-saml"));
    saml_session_t *s = fx_session(r);

    fx_send_cookie(r, s->id);
    ck_assert_int_eq(sequr_check_user_id(r), OK);
    return r;
}

START_TEST(require_lines_are_checked_when_read)
{
    const char *error;

    ck_assert_ptr_nonnull(parse("saml-attribute", "groups admins", &error));
    ck_assert_ptr_null(parse("saml-attribute", "groups", &error));
    ck_assert_str_eq(error, "Require saml-attribute needs an attribute (claim URI or friendly "
                     "name such as groups) and at least one value");
    ck_assert_ptr_null(parse("saml-attribute", "", &error));
    ck_assert_ptr_nonnull(error);
    ck_assert_ptr_nonnull(parse("sequr-user", "alice", &error));
    ck_assert_ptr_null(parse("sequr-user", "  ", &error));
    ck_assert_str_eq(error, "Require sequr-user needs at least one user name");
}
END_TEST

START_TEST(attribute_value_grants)
{
    request_rec *r = signed_in();

    ck_assert_int_eq(require(r, "saml-attribute", "groups admins"), AUTHZ_GRANTED);
    ck_assert_int_eq(require(r, "saml-attribute", "groups root staff"), AUTHZ_GRANTED);
    ck_assert_int_eq(require(r, "saml-attribute", "GROUPS staff"), AUTHZ_GRANTED);
    ck_assert_int_eq(require(r, "saml-attribute", FX_CLAIM_GROUPS " admins"), AUTHZ_GRANTED);
    ck_assert_int_eq(require(r, "saml-attribute", "department \"R&D\""), AUTHZ_GRANTED);
}
END_TEST

START_TEST(other_values_and_attributes_are_denied)
{
    request_rec *r = signed_in();

    ck_assert_int_eq(require(r, "saml-attribute", "groups root"), AUTHZ_DENIED);
    ck_assert(fake_log_has("debug SEQ02001: " FX_USER " has no attribute groups with a value "
                           "named by this Require"));
    /* Values compare exactly. */
    ck_assert_int_eq(require(r, "saml-attribute", "groups Admins"), AUTHZ_DENIED);
    ck_assert_int_eq(require(r, "saml-attribute", "groups admin"), AUTHZ_DENIED);
    /* The attribute name is not a value. */
    ck_assert_int_eq(require(r, "saml-attribute", "roles admins"), AUTHZ_DENIED);
    ck_assert_int_eq(require(r, "saml-attribute", "department R"), AUTHZ_DENIED);
}
END_TEST

START_TEST(user_names_compare_without_case)
{
    request_rec *r = signed_in();

    ck_assert_int_eq(require(r, "sequr-user", FX_USER), AUTHZ_GRANTED);
    ck_assert_int_eq(require(r, "sequr-user", "bob@contoso.example ALICE@Contoso.Example"),
                     AUTHZ_GRANTED);
    ck_assert_int_eq(require(r, "sequr-user", "bob@contoso.example"), AUTHZ_DENIED);
    ck_assert(fake_log_has("debug SEQ02002"));
    ck_assert_int_eq(require(r, "sequr-user", "alice"), AUTHZ_DENIED);
}
END_TEST

/* Without our session: no user yet means "authenticate first"; a user of
 * another AuthType is not one of ours. */
START_TEST(requests_we_did_not_let_in_are_not_judged)
{
    request_rec *r = fx_browser_get(S, "/app/", fx_location(NULL, "sequr-saml"));

    ck_assert_int_eq(require(r, "saml-attribute", "groups admins"), AUTHZ_DENIED_NO_USER);
    ck_assert_int_eq(require(r, "sequr-user", FX_USER), AUTHZ_DENIED_NO_USER);
    r->user = FX_USER;      /* e.g. AuthType Basic said so */
    ck_assert_int_eq(require(r, "saml-attribute", "groups admins"), AUTHZ_DENIED);
    ck_assert_int_eq(require(r, "sequr-user", FX_USER), AUTHZ_DENIED);
}
END_TEST

/* authz_core's 401 for a signed-in user who fails Require becomes 403. */
START_TEST(refused_user_gets_403_not_401)
{
    request_rec *r = signed_in();

    ck_assert_int_eq(fake_note_auth_failure_hook()(r, "sequr-saml"), OK);
    ck_assert_ptr_nonnull(strstr(ap_response_code_string(r, HTTP_UNAUTHORIZED),
                                 "You are signed in, but this page is not open to your account."));
    r->status = HTTP_UNAUTHORIZED;
    r->status_line = "401 Unauthorized";
    fake_insert_error_filter_hook(0)(r);
    ck_assert_int_eq(r->status, HTTP_FORBIDDEN);
    ck_assert_ptr_null(r->status_line);
}
END_TEST

/* Someone not signed in keeps the 401 that sends them to sign in. */
START_TEST(anonymous_refusal_stays_401)
{
    request_rec *r = fx_browser_get(S, "/app/", fx_location(NULL, "sequr-saml"));

    ck_assert_int_eq(fake_note_auth_failure_hook()(r, "sequr-saml"), OK);
    ck_assert_ptr_null(ap_response_code_string(r, HTTP_UNAUTHORIZED));
    r->status = HTTP_UNAUTHORIZED;
    fake_insert_error_filter_hook(0)(r);
    ck_assert_int_eq(r->status, HTTP_UNAUTHORIZED);
}
END_TEST

START_TEST(other_auth_types_are_left_alone)
{
    request_rec *r = signed_in();

    ck_assert_int_eq(fake_note_auth_failure_hook()(r, "Basic"), DECLINED);
    r->status = HTTP_UNAUTHORIZED;
    fake_insert_error_filter_hook(0)(r);
    ck_assert_int_eq(r->status, HTTP_UNAUTHORIZED);
}
END_TEST

/* The admin's ErrorDocument 403, text or local URL, answers the refusal. */
START_TEST(admin_error_document_403_answers)
{
    request_rec *r = signed_in();
    request_rec *doc;

    apr_table_setn(fake_core_dir(r->per_dir_config)->error_documents, "403", "\"Not for you");
    fake_note_auth_failure_hook()(r, "sequr-saml");
    ck_assert_str_eq(ap_response_code_string(r, HTTP_UNAUTHORIZED), "\"Not for you");

    r = signed_in();
    apr_table_setn(fake_core_dir(r->per_dir_config)->error_documents, "403", "/errors/403.html");
    fake_note_auth_failure_hook()(r, "sequr-saml");
    ck_assert_str_eq(ap_response_code_string(r, HTTP_UNAUTHORIZED), "/errors/403.html");
    /* Served as the error document of authz_core's 401: it answers 403,
     * and tells a CGI so. */
    r->status = HTTP_UNAUTHORIZED;
    doc = fake_internal_redirect(r, "/errors/403.html", fx_location(NULL, NULL));
    doc->status = HTTP_UNAUTHORIZED;
    fake_insert_filter_hook(0)(doc);
    ck_assert_int_eq(doc->status, HTTP_FORBIDDEN);
    ck_assert_str_eq(apr_table_get(doc->subprocess_env, "REDIRECT_STATUS"), "403");
}
END_TEST

/* Any other internal redirect is not touched. */
START_TEST(other_internal_redirects_keep_their_status)
{
    request_rec *r = fx_browser_get(S, "/app/", fx_location(NULL, "sequr-saml"));
    request_rec *doc;

    r->status = HTTP_UNAUTHORIZED;
    doc = fake_internal_redirect(r, "/errors/401.html", fx_location(NULL, NULL));
    doc->status = HTTP_UNAUTHORIZED;
    fake_insert_filter_hook(0)(doc);
    ck_assert_int_eq(doc->status, HTTP_UNAUTHORIZED);
    ck_assert_ptr_null(apr_table_get(doc->subprocess_env, "REDIRECT_STATUS"));
}
END_TEST

/* Require saml-mfa: granted on the methods claim, else denied and noted so
 * that the refusal becomes a step-up redirect (an ErrorDocument URL of the
 * 401, turned into a 302 by ap_die) with a sealed request cookie; an API
 * client keeps the 403. */
static void add_mfa(request_rec *r)
{
    saml_session_t *s = apr_pmemdup(r->pool, ap_get_module_config(r->request_config,
                                                                  &sequr_saml_module),
                                    sizeof(saml_session_t));
    saml_attribute_t *a;

    s->attributes = apr_array_copy(r->pool, s->attributes);
    a = apr_array_push(s->attributes);
    a->name = SAML_CLAIM_AUTHN_METHODS;
    a->values = apr_array_make(r->pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(a->values, const char *) = SAML_AUTHN_METHOD_MFA;
    sequr_remember_session(r, s);
}

START_TEST(require_mfa)
{
    request_rec *r = signed_in();
    const char *error, *url;

    ck_assert_ptr_null(parse("saml-mfa", "now", &error));
    ck_assert_ptr_nonnull(strstr(error, "takes no arguments"));
    ck_assert_int_eq(require(r, "saml-mfa", ""), AUTHZ_DENIED);
    ck_assert(fake_log_has("SEQ02070: [check mfa]"));
    ck_assert_int_eq(fake_note_auth_failure_hook()(r, "sequr-saml"), OK);
    url = ap_response_code_string(r, HTTP_UNAUTHORIZED);
    ck_assert_ptr_nonnull(url);
    ck_assert_msg(!strncmp(url, "https://", 8) && strstr(url, "SAMLRequest="), "%s", url);
    ck_assert_ptr_nonnull(apr_table_get(r->err_headers_out, "Set-Cookie"));
    ck_assert(fake_log_has("SEQ02071"));

    r = signed_in();
    add_mfa(r);
    ck_assert_int_eq(require(r, "saml-mfa", ""), AUTHZ_GRANTED);

    /* An API client cannot be redirected: the usual 403 page. */
    r = signed_in();
    apr_table_setn(r->headers_in, "Accept", "application/json");
    ck_assert_int_eq(require(r, "saml-mfa", ""), AUTHZ_DENIED);
    ck_assert_int_eq(fake_note_auth_failure_hook()(r, "sequr-saml"), OK);
    ck_assert_ptr_nonnull(strstr(ap_response_code_string(r, HTTP_UNAUTHORIZED),
                                 "You are signed in, but this page is not open"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apache_authz");
    TCase *tc = tcase_create("authz");
    int rc;

    tk_run_dir_make("glue-authz");
    tcase_add_checked_fixture(tc, setup, tk_teardown);
    tcase_add_test(tc, require_lines_are_checked_when_read);
    tcase_add_test(tc, attribute_value_grants);
    tcase_add_test(tc, other_values_and_attributes_are_denied);
    tcase_add_test(tc, user_names_compare_without_case);
    tcase_add_test(tc, requests_we_did_not_let_in_are_not_judged);
    tcase_add_test(tc, refused_user_gets_403_not_401);
    tcase_add_test(tc, anonymous_refusal_stays_401);
    tcase_add_test(tc, other_auth_types_are_left_alone);
    tcase_add_test(tc, admin_error_document_403_answers);
    tcase_add_test(tc, other_internal_redirects_keep_their_status);
    tcase_add_test(tc, require_mfa);
    suite_add_tcase(s, tc);
    rc = tk_run_suite(s);
    tk_run_dir_remove();
    return rc;
}
