/* sequr_remove_spoofed_headers (apache/authn.c): client headers named like
 * what the module tells the application are dropped wherever the module
 * exports anything, and only there; a subrequest or internal redirect under
 * the same configuration keeps what was exported. */
#include <check.h>
#include <string.h>

#include "apr_strings.h"

#include "apache/authn.h"
#include "tests/apache/fixture.h"
#include "tests/unit/testkit.h"

static server_rec *S;

static void setup(void)
{
    tk_setup();
    S = fx_server();
}

/* Headers a client may send to pose as the module, and innocent ones. */
static const char *const spoofed[] = {
    "Sequr-SAML-Remote-User", "SEQUR-SAML-GROUPS", "sequr_saml_name_id", "Sequr_SAML-Idp",
    "Sequr-SAML-Tenant", "Sequr-SAMLX", "Remote-User", "remote_user", "X-Remote-User",
    "x-remote_user", NULL};
static const char *const innocent[] = {
    "Accept", "Cookie", "Sequr", "Sequr-SAM", "Remote-User-Agent", "X-Remote-Users",
    "X-Forwarded-User", "Authorization", NULL};

static request_rec *request_under(ap_conf_vector_t *dir)
{
    request_rec *r = fx_browser_get(S, "/app/", dir);
    int i;

    for (i = 0; spoofed[i]; i++)
        apr_table_setn(r->headers_in, spoofed[i], "forged");
    for (i = 0; innocent[i]; i++)
        apr_table_setn(r->headers_in, innocent[i], "kept");
    return r;
}

static void assert_cleaned(request_rec *r)
{
    int i;
    for (i = 0; spoofed[i]; i++)
        ck_assert_msg(apr_table_get(r->headers_in, spoofed[i]) == NULL, "%s kept", spoofed[i]);
    for (i = 0; innocent[i]; i++)
        ck_assert_msg(apr_table_get(r->headers_in, innocent[i]) != NULL, "%s removed",
                      innocent[i]);
}

static void assert_untouched(request_rec *r)
{
    int i;
    for (i = 0; spoofed[i]; i++)
        ck_assert_msg(apr_table_get(r->headers_in, spoofed[i]) != NULL, "%s removed", spoofed[i]);
}

static sequr_dir_conf_t *dir_conf(void)
{
    return sequr_create_dir_conf(tk_pool(), NULL);
}

START_TEST(protected_location_is_cleaned)
{
    request_rec *r = request_under(fx_location(NULL, "sequr-saml"));

    ck_assert_int_eq(sequr_remove_spoofed_headers(r), DECLINED);
    assert_cleaned(r);
    ck_assert(fake_log_has("info SEQ01105: removed request header Sequr-SAML-Remote-User sent "
                           "by the client"));
}
END_TEST

/* Where the module exports nothing it touches nothing: the headers may
 * mean something to another module or application. */
START_TEST(location_without_the_module_is_left_alone)
{
    request_rec *r = request_under(fx_location(NULL, NULL));

    ck_assert_int_eq(sequr_remove_spoofed_headers(r), DECLINED);
    assert_untouched(r);
    r = request_under(fx_location(NULL, "Basic"));
    ck_assert_int_eq(sequr_remove_spoofed_headers(r), DECLINED);
    assert_untouched(r);
    ck_assert(!fake_log_has("SEQ01105"));
}
END_TEST

/* An export directive alone (another AuthType, or Require all granted
 * beside a protected sub-location) is enough. */
START_TEST(any_export_directive_turns_cleaning_on)
{
    sequr_dir_conf_t *d;

    d = dir_conf();
    d->env_prefix = "MYAPP_";
    assert_untouched(request_under(fx_location(dir_conf(), "Basic")));
    {
        request_rec *r = request_under(fx_location(d, "Basic"));
        apr_table_setn(r->headers_in, "Myapp-Email", "forged");
        apr_table_setn(r->headers_in, "MYAPP_GROUPS", "forged");
        apr_table_setn(r->headers_in, "MyApplication", "kept");
        sequr_remove_spoofed_headers(r);
        assert_cleaned(r);
        ck_assert_ptr_null(apr_table_get(r->headers_in, "Myapp-Email"));
        ck_assert_ptr_null(apr_table_get(r->headers_in, "MYAPP_GROUPS"));
        ck_assert_ptr_nonnull(apr_table_get(r->headers_in, "MyApplication"));
    }
    d = dir_conf();
    d->request_header_prefix = "X-App-";
    {
        request_rec *r = request_under(fx_location(d, NULL));
        apr_table_setn(r->headers_in, "X-App-User", "forged");
        apr_table_setn(r->headers_in, "x_app_groups", "forged");
        apr_table_setn(r->headers_in, "X-Application", "kept");
        sequr_remove_spoofed_headers(r);
        assert_cleaned(r);
        ck_assert_ptr_null(apr_table_get(r->headers_in, "X-App-User"));
        ck_assert_ptr_null(apr_table_get(r->headers_in, "x_app_groups"));
        ck_assert_ptr_nonnull(apr_table_get(r->headers_in, "X-Application"));
    }
    d = dir_conf();
    d->request_headers = 0;            /* even SequrSAMLRequestHeaders Off */
    {
        request_rec *r = request_under(fx_location(d, NULL));
        sequr_remove_spoofed_headers(r);
        assert_cleaned(r);
    }
    d = dir_conf();
    d->user_attribute = FX_CLAIM_NAME;
    {
        request_rec *r = request_under(fx_location(d, NULL));
        sequr_remove_spoofed_headers(r);
        assert_cleaned(r);
    }
}
END_TEST

/* A subrequest under the configuration of its main request carries what the
 * main request exported: it stays. */
START_TEST(subrequest_under_the_same_configuration_keeps_our_exports)
{
    ap_conf_vector_t *dir = fx_location(NULL, "sequr-saml");
    request_rec *main = request_under(dir);
    request_rec *sub;

    sequr_remove_spoofed_headers(main);
    apr_table_setn(main->headers_in, "Sequr-SAML-Remote-User", FX_USER);   /* our export */
    sub = fake_subrequest(main, "/app/fragment", NULL);
    ck_assert_int_eq(sequr_remove_spoofed_headers(sub), DECLINED);
    ck_assert_str_eq(apr_table_get(sub->headers_in, "Sequr-SAML-Remote-User"), FX_USER);
}
END_TEST

/* Under another configuration (another location, maybe another prefix),
 * the subrequest is cleaned like any request. */
START_TEST(subrequest_under_another_configuration_is_cleaned)
{
    request_rec *main = request_under(fx_location(NULL, NULL));
    request_rec *sub = fake_subrequest(main, "/app/fragment", fx_location(NULL, "sequr-saml"));

    sequr_remove_spoofed_headers(main);
    assert_untouched(main);
    sequr_remove_spoofed_headers(sub);
    assert_cleaned(sub);
}
END_TEST

START_TEST(internal_redirect_under_the_same_configuration_keeps_our_exports)
{
    ap_conf_vector_t *dir = fx_location(NULL, "sequr-saml");
    request_rec *first = request_under(dir);
    request_rec *next;

    sequr_remove_spoofed_headers(first);
    apr_table_setn(first->headers_in, "Sequr-SAML-Remote-User", FX_USER);
    next = fake_internal_redirect(first, "/app/index.php", NULL);
    sequr_remove_spoofed_headers(next);
    ck_assert_str_eq(apr_table_get(next->headers_in, "Sequr-SAML-Remote-User"), FX_USER);
}
END_TEST

/* mod_rewrite or an ErrorDocument sending an unprotected request into a
 * protected location: cleaned there. */
START_TEST(internal_redirect_into_another_location_is_cleaned)
{
    request_rec *first = request_under(fx_location(NULL, NULL));
    request_rec *next = fake_internal_redirect(first, "/app/", fx_location(NULL, "sequr-saml"));

    sequr_remove_spoofed_headers(first);
    assert_untouched(first);
    sequr_remove_spoofed_headers(next);
    assert_cleaned(next);
}
END_TEST

/* Repeated headers of one name all go. */
START_TEST(every_copy_of_a_header_goes)
{
    request_rec *r = fx_browser_get(S, "/app/", fx_location(NULL, "sequr-saml"));

    apr_table_addn(r->headers_in, "Sequr-SAML-Groups", "admins");
    apr_table_addn(r->headers_in, "Accept", "text/html");
    apr_table_addn(r->headers_in, "sequr-saml-groups", "root");
    sequr_remove_spoofed_headers(r);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Sequr-SAML-Groups"));
    ck_assert_ptr_nonnull(apr_table_get(r->headers_in, "Accept"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apache_spoofed_headers");
    TCase *tc = tcase_create("spoofed_headers");
    int rc;

    tk_run_dir_make("glue-headers");
    tcase_add_checked_fixture(tc, setup, tk_teardown);
    tcase_add_test(tc, protected_location_is_cleaned);
    tcase_add_test(tc, location_without_the_module_is_left_alone);
    tcase_add_test(tc, any_export_directive_turns_cleaning_on);
    tcase_add_test(tc, subrequest_under_the_same_configuration_keeps_our_exports);
    tcase_add_test(tc, subrequest_under_another_configuration_is_cleaned);
    tcase_add_test(tc, internal_redirect_under_the_same_configuration_keeps_our_exports);
    tcase_add_test(tc, internal_redirect_into_another_location_is_cleaned);
    tcase_add_test(tc, every_copy_of_a_header_goes);
    suite_add_tcase(s, tc);
    rc = tk_run_suite(s);
    tk_run_dir_remove();
    return rc;
}
