/* apache/attributes_env.c: the signed-in user's attributes in the request
 * environment (prefix, separator, indexed and counted forms, the fixed
 * SEQUR_SAML_ names), as request headers for a proxied backend, across
 * subrequests and keep-alive requests of one connection, and the notes the
 * log gets at sign-in. */
#include <check.h>
#include <string.h>

#include "apr_strings.h"

#include "apache/attributes_env.h"
#include "saml/attributes.h"
#include "saml/response.h"
#include "tests/apache/fixture.h"
#include "tests/unit/testkit.h"

static server_rec *S;

static void setup(void)
{
    tk_setup();
    S = fx_server();
}

static request_rec *request_with(sequr_dir_conf_t *d)
{
    request_rec *r = fx_browser_get(S, "/app/", fx_location(d, "sequr-saml"));
    r->user = FX_USER;
    return r;
}

static sequr_dir_conf_t *dir_conf(void)
{
    return sequr_create_dir_conf(tk_pool(), NULL);
}

static void assert_env(request_rec *r, const char *name, const char *value)
{
    const char *got = apr_table_get(r->subprocess_env, name);
    ck_assert_msg(got != NULL, "%s not set", name);
    ck_assert_msg(!strcmp(got, value), "%s=%s, not %s", name, got, value);
}

static int entries_named(const apr_table_t *t, const char *name)
{
    const apr_array_header_t *h = apr_table_elts(t);
    int i, n = 0;
    for (i = 0; i < h->nelts; i++)
        n += !strcasecmp(APR_ARRAY_IDX(h, i, apr_table_entry_t).key, name);
    return n;
}

static void add_attribute(request_rec *r, saml_session_t *s, const char *name, const char *value)
{
    saml_attribute_t *a = apr_array_push(s->attributes);
    a->name = name;
    a->values = apr_array_make(r->pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(a->values, const char *) = value;
}

START_TEST(attributes_go_under_the_default_prefix)
{
    request_rec *r = request_with(NULL);
    saml_session_t *s = fx_session(r);

    sequr_export_attributes(r, s);
    assert_env(r, "SEQUR_SAML_NAME", FX_USER);
    assert_env(r, "SEQUR_SAML_GROUPS", "admins;staff");
    assert_env(r, "SEQUR_SAML_GROUPS_0", "admins");
    assert_env(r, "SEQUR_SAML_GROUPS_1", "staff");
    assert_env(r, "SEQUR_SAML_GROUPS_N", "2");
    assert_env(r, "SEQUR_SAML_DEPARTMENT", "R&D");
    assert_env(r, "SEQUR_SAML_IDP", TK_IDP_ENTITY_ID);
    assert_env(r, "SEQUR_SAML_NAME_ID", FX_USER);
    assert_env(r, "SEQUR_SAML_SESSION_INDEX", "_idx-1");
    /* Request headers only when asked for. */
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Sequr-SAML-Groups"));
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Sequr-SAML-Remote-User"));
}
END_TEST

START_TEST(prefix_and_separator_of_the_location)
{
    sequr_dir_conf_t *d = dir_conf();
    request_rec *r;
    saml_session_t *s;

    d->env_prefix = "APP_";
    d->env_separator = " | ";
    r = request_with(d);
    s = fx_session(r);
    sequr_export_attributes(r, s);
    assert_env(r, "APP_GROUPS", "admins | staff");
    assert_env(r, "APP_GROUPS_N", "2");
    assert_env(r, "APP_NAME", FX_USER);
    ck_assert_ptr_null(apr_table_get(r->subprocess_env, "SEQUR_SAML_GROUPS"));
    /* The fixed names keep theirs. */
    assert_env(r, "SEQUR_SAML_IDP", TK_IDP_ENTITY_ID);
    assert_env(r, "SEQUR_SAML_NAME_ID", FX_USER);
}
END_TEST

START_TEST(session_without_index_exports_none)
{
    request_rec *r = request_with(NULL);
    saml_session_t *s = fx_session(r);

    s->session_index = NULL;
    sequr_export_attributes(r, s);
    ck_assert_ptr_null(apr_table_get(r->subprocess_env, "SEQUR_SAML_SESSION_INDEX"));
    assert_env(r, "SEQUR_SAML_NAME_ID", FX_USER);
}
END_TEST

/* A variable set before us (SetEnv, SetEnvIf on a client header) under our
 * names is replaced, never left beside ours. */
START_TEST(earlier_variables_of_our_names_are_replaced)
{
    request_rec *r = request_with(NULL);
    saml_session_t *s = fx_session(r);

    apr_table_setn(r->subprocess_env, "SEQUR_SAML_GROUPS", "forged");
    apr_table_setn(r->subprocess_env, "SEQUR_SAML_NAME_ID", "mallory");
    apr_table_setn(r->subprocess_env, "UNRELATED", "kept");
    sequr_export_attributes(r, s);
    assert_env(r, "SEQUR_SAML_GROUPS", "admins;staff");
    assert_env(r, "SEQUR_SAML_NAME_ID", FX_USER);
    ck_assert_int_eq(entries_named(r->subprocess_env, "SEQUR_SAML_GROUPS"), 1);
    ck_assert_int_eq(entries_named(r->subprocess_env, "SEQUR_SAML_NAME_ID"), 1);
    assert_env(r, "UNRELATED", "kept");
}
END_TEST

/* What cannot go into the environment stays out, and the log says why. */
START_TEST(refused_attributes_stay_out)
{
    request_rec *r = request_with(NULL);
    saml_session_t *s = fx_session(r);

    add_attribute(r, s, "http://schemas.example.test/claims/note", "line\nbreak");
    add_attribute(r, s, "http://schemas.example.test/claims/name_id", "mallory");
    add_attribute(r, s, "urn:other:name", "second name");
    sequr_export_attributes(r, s);
    ck_assert_ptr_null(apr_table_get(r->subprocess_env, "SEQUR_SAML_NOTE"));
    assert_env(r, "SEQUR_SAML_NAME_ID", FX_USER);
    assert_env(r, "SEQUR_SAML_NAME", FX_USER);
    ck_assert_int_eq(entries_named(r->subprocess_env, "SEQUR_SAML_NAME_ID"), 1);
    ck_assert(fake_log_has("debug SEQ01901: attribute http://schemas.example.test/claims/note of "
                           FX_USER " not exported (control-character)"));
    ck_assert(fake_log_has("(reserved-name)"));
    ck_assert(fake_log_has("(name-collision)"));
}
END_TEST

START_TEST(request_headers_when_asked)
{
    sequr_dir_conf_t *d = dir_conf();
    request_rec *r;
    saml_session_t *s;

    d->request_headers = 1;
    r = request_with(d);
    s = fx_session(r);
    sequr_export_attributes(r, s);
    ck_assert_str_eq(apr_table_get(r->headers_in, "Sequr-SAML-Groups"), "admins;staff");
    ck_assert_str_eq(apr_table_get(r->headers_in, "Sequr-SAML-Department"), "R&D");
    ck_assert_str_eq(apr_table_get(r->headers_in, "Sequr-SAML-Remote-User"), FX_USER);
    ck_assert_str_eq(apr_table_get(r->headers_in, "Sequr-SAML-Idp"), TK_IDP_ENTITY_ID);
    ck_assert_str_eq(apr_table_get(r->headers_in, "Sequr-SAML-Name-Id"), FX_USER);
    /* One header per attribute: no indexed or counted forms. */
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Sequr-SAML-Groups-0"));
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Sequr-SAML-Groups-N"));

    d = dir_conf();
    d->request_headers = 1;
    d->request_header_prefix = "X-App-";
    d->env_prefix = "APP_";
    r = request_with(d);
    s = fx_session(r);
    sequr_export_attributes(r, s);
    ck_assert_str_eq(apr_table_get(r->headers_in, "X-App-Groups"), "admins;staff");
    ck_assert_str_eq(apr_table_get(r->headers_in, "X-App-Remote-User"), FX_USER);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Sequr-SAML-Groups"));
}
END_TEST

/* Without a user (not let in by us) no header names one. */
START_TEST(no_request_headers_without_a_user)
{
    sequr_dir_conf_t *d = dir_conf();
    request_rec *r;
    saml_session_t *s;

    d->request_headers = 1;
    r = request_with(d);
    r->user = NULL;
    s = fx_session(r);
    sequr_export_attributes(r, s);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Sequr-SAML-Remote-User"));
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Sequr-SAML-Groups"));
    assert_env(r, "SEQUR_SAML_GROUPS", "admins;staff");
}
END_TEST

START_TEST(header_value_with_control_characters_is_not_set)
{
    request_rec *r = request_with(NULL);

    apr_table_setn(r->headers_in, "Sequr-SAML-X", "old");
    sequr_set_request_header(r, "Sequr-SAML-X", "a\r\nInjected: 1");
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Sequr-SAML-X"));
    ck_assert(fake_log_has("warn SEQ01904"));
    sequr_set_request_header(r, "Sequr-SAML-X", "fine");
    ck_assert_str_eq(apr_table_get(r->headers_in, "Sequr-SAML-X"), "fine");
    sequr_set_request_header(r, "Sequr-SAML-X", NULL);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Sequr-SAML-X"));
}
END_TEST

/* A subrequest into a location with another prefix and separator gets its
 * own variables, and the main request's stay as they were (the per-
 * connection memo was replaced meanwhile: nothing may point into it). */
START_TEST(subrequest_with_another_prefix_leaves_the_main_request_intact)
{
    sequr_dir_conf_t *a = dir_conf(), *b = dir_conf();
    request_rec *main, *sub;
    saml_session_t *s;

    a->env_prefix = "A_";
    b->env_prefix = "B_";
    b->env_separator = ",";
    main = request_with(a);
    s = fx_session(main);
    sequr_export_attributes(main, s);
    sub = fake_subrequest(main, "/b/", fx_location(b, "sequr-saml"));
    sequr_export_attributes(sub, s);
    assert_env(sub, "B_GROUPS", "admins,staff");
    ck_assert_ptr_null(apr_table_get(sub->subprocess_env, "A_GROUPS"));
    /* The main request, again and after. */
    assert_env(main, "A_GROUPS", "admins;staff");
    assert_env(main, "A_GROUPS_0", "admins");
    assert_env(main, "A_NAME", FX_USER);
    ck_assert_ptr_null(apr_table_get(main->subprocess_env, "B_GROUPS"));
    sequr_export_attributes(main, s);
    assert_env(main, "A_GROUPS", "admins;staff");
    assert_env(sub, "B_GROUPS", "admins,staff");
}
END_TEST

/* Keep-alive requests of one connection (a proxy may send several users'
 * requests over it): each gets its own session's attributes. */
START_TEST(next_request_on_the_connection_gets_its_own_session)
{
    request_rec *first = request_with(NULL), *second;
    saml_session_t *alice = fx_session(first), *bob;

    sequr_export_attributes(first, alice);
    second = request_with(NULL);
    second->connection = first->connection;
    bob = fx_session(second);
    bob->user = bob->name_id = "bob@contoso.example";
    APR_ARRAY_IDX(((saml_attribute_t *)bob->attributes->elts)[1].values, 0, const char *) = "guests";
    sequr_export_attributes(second, bob);
    assert_env(second, "SEQUR_SAML_GROUPS", "guests;staff");
    assert_env(second, "SEQUR_SAML_NAME_ID", "bob@contoso.example");
    assert_env(first, "SEQUR_SAML_GROUPS", "admins;staff");

    /* Alice again on the same connection: hers, not the memo's. */
    first = request_with(NULL);
    first->connection = second->connection;
    sequr_export_attributes(first, alice);
    assert_env(first, "SEQUR_SAML_GROUPS", "admins;staff");
}
END_TEST

START_TEST(sign_in_notes_go_to_the_log)
{
    request_rec *r = request_with(NULL);
    saml_session_t *s = fx_session(r);

    add_attribute(r, s, "http://schemas.example.test/claims/note", "line\nbreak");
    add_attribute(r, s, SAML_CLAIM_GROUPS_LINK, "https://graph.microsoft.com/v1.0/users/x/groups");
    sequr_log_attribute_notes(r, s->user, s->attributes);
    ck_assert(fake_log_has("warn SEQ01902: attribute http://schemas.example.test/claims/note of "
                           FX_USER " will not be given to the application: a value contains "
                           "control characters"));
    ck_assert(fake_log_has("info SEQ01903"));
    fake_log_clear();
    sequr_log_attribute_notes(r, s->user, NULL);
    ck_assert_str_eq(fake_log(), "");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apache_attributes_env");
    TCase *tc = tcase_create("attributes_env");
    int rc;

    tk_run_dir_make("glue-env");
    tcase_add_checked_fixture(tc, setup, tk_teardown);
    tcase_add_test(tc, attributes_go_under_the_default_prefix);
    tcase_add_test(tc, prefix_and_separator_of_the_location);
    tcase_add_test(tc, session_without_index_exports_none);
    tcase_add_test(tc, earlier_variables_of_our_names_are_replaced);
    tcase_add_test(tc, refused_attributes_stay_out);
    tcase_add_test(tc, request_headers_when_asked);
    tcase_add_test(tc, no_request_headers_without_a_user);
    tcase_add_test(tc, header_value_with_control_characters_is_not_set);
    tcase_add_test(tc, subrequest_with_another_prefix_leaves_the_main_request_intact);
    tcase_add_test(tc, next_request_on_the_connection_gets_its_own_session);
    tcase_add_test(tc, sign_in_notes_go_to_the_log);
    suite_add_tcase(s, tc);
    rc = tk_run_suite(s);
    tk_run_dir_remove();
    return rc;
}
