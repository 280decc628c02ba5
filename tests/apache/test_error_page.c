/* apache/error_page.c (which page a failure shows: ours or the admin's
 * ErrorDocument; status, environment, log line), apache/see_other.c and
 * apache/request_body.c, on requests built by request_fake.c. */
#include <check.h>
#include <string.h>

#include "apr_strings.h"

#include "apache/error_page.h"
#include "apache/request_body.h"
#include "apache/see_other.h"
#include "tests/apache/request_fake.h"
#include "tests/unit/testkit.h"

static server_rec *server(void)
{
    fake_log_clear();
    return fake_server(tk_pool(), "sp.example.test", 0);
}

static request_rec *endpoint_request(void)
{
    return fake_request(tk_pool(), server(), "POST", "/saml/acs", NULL);
}

static void set_error_document(ap_conf_vector_t *dir, int status, const char *doc)
{
    apr_table_set(fake_core_dir(dir)->error_documents, apr_itoa(tk_pool(), status), doc);
}

START_TEST(our_page_says_what_happened_with_the_status)
{
    request_rec *r = endpoint_request();
    const char *id;

    ck_assert_int_eq(sequr_fail(r, HTTP_FORBIDDEN, "signature", "digest mismatch"), OK);
    ck_assert_int_eq(r->status, HTTP_FORBIDDEN);
    ck_assert_str_eq(r->content_type, "text/html; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(fake_output(r), "The sign-in was refused."));
    /* The page names the id; the log line with the same id names the check. */
    id = apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR_ID");
    ck_assert_ptr_nonnull(id);
    ck_assert_uint_eq(strlen(id), 12);
    ck_assert_ptr_nonnull(strstr(fake_output(r), apr_pstrcat(r->pool, "<code>", id, "</code>", NULL)));
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR"), "signature");
    ck_assert_str_eq(apr_table_get(r->err_headers_out, "Cache-Control"), "no-store");
    ck_assert_msg(fake_log_has(apr_psprintf(r->pool, "warn SEQ01001: sign-in refused with 403 "
                                            "[check signature] digest mismatch (correlation id "
                                            "%s, client 192.0.2.7)", id)), "%s", fake_log());
    ck_assert_int_eq(fake_state(r)->discarded, 1);
    ck_assert_int_eq(fake_state(r)->died, 0);
    /* The detail is for the log only. */
    ck_assert_ptr_null(strstr(fake_output(r), "digest mismatch"));
}
END_TEST

START_TEST(each_status_has_its_text_and_server_errors_log_as_errors)
{
    static const struct {
        int status;
        const char *text;
    } cases[] = {
        {HTTP_BAD_REQUEST, "The sign-in message could not be read."},
        {HTTP_METHOD_NOT_ALLOWED, "only accepts sign-in responses"},
        {HTTP_REQUEST_ENTITY_TOO_LARGE, "The sign-in message is too large."},
        {HTTP_UNSUPPORTED_MEDIA_TYPE, "was not sent as a form"},
        {HTTP_SERVICE_UNAVAILABLE, "temporarily unavailable"},
        {HTTP_INTERNAL_SERVER_ERROR, "a problem on this server"},
        {HTTP_CONFLICT, "a problem on this server"},
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        request_rec *r = endpoint_request();
        sequr_fail(r, cases[i].status, "c", "d");
        ck_assert_int_eq(r->status, cases[i].status);
        ck_assert_msg(strstr(fake_output(r), cases[i].text), "%d: %s", cases[i].status,
                      fake_output(r));
        ck_assert_msg(fake_log_has(cases[i].status >= 500 ? "error SEQ01001" : "warn SEQ01001"),
                      "%d: %s", cases[i].status, fake_log());
    }
}
END_TEST

START_TEST(text_of_the_caller_replaces_ours)
{
    request_rec *r = endpoint_request();

    sequr_fail_with_text(r, HTTP_FORBIDDEN, "user-store", "inactive",
                         "Ask <b>your admin</b>.");
    ck_assert_ptr_nonnull(strstr(fake_output(r), "<p>Ask <b>your admin</b>.</p>"));
    ck_assert_ptr_null(strstr(fake_output(r), "The sign-in was refused."));
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR"), "user-store");
}
END_TEST

START_TEST(log_line_escapes_what_came_from_the_network)
{
    request_rec *r = endpoint_request();

    sequr_fail(r, HTTP_BAD_REQUEST, "form", "bad\nSEQ01001: forged line");
    ck_assert_msg(!fake_log_has("\nSEQ01001: forged"), "%s", fake_log());
}
END_TEST

/* An ErrorDocument for the status answers instead of our page: through
 * Apache's error path (ap_die), with our variables in the environment. */
START_TEST(error_document_for_the_status_answers_instead)
{
    request_rec *r = endpoint_request();

    set_error_document(r->per_dir_config, HTTP_FORBIDDEN, "/errors/denied.html");
    ck_assert_int_eq(sequr_fail(r, HTTP_FORBIDDEN, "audience", "wrong SP"), OK);
    ck_assert_int_eq(fake_state(r)->died, HTTP_FORBIDDEN);
    ck_assert_str_eq(fake_output(r), "");
    ck_assert_int_eq(r->status, HTTP_OK);   /* left to ap_die */
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR"), "audience");
    ck_assert_ptr_nonnull(apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR_ID"));
    ck_assert_int_eq(fake_state(r)->discarded, 1);
    ck_assert(fake_log_has("SEQ01001"));
}
END_TEST

START_TEST(error_document_text_too)
{
    request_rec *r = endpoint_request();

    set_error_document(r->per_dir_config, HTTP_SERVICE_UNAVAILABLE, "\"Come back later");
    sequr_fail(r, HTTP_SERVICE_UNAVAILABLE, "store", "down");
    ck_assert_int_eq(fake_state(r)->died, HTTP_SERVICE_UNAVAILABLE);
}
END_TEST

START_TEST(error_document_of_another_status_leaves_our_page)
{
    request_rec *r = endpoint_request();

    set_error_document(r->per_dir_config, HTTP_NOT_FOUND, "/errors/404.html");
    sequr_fail(r, HTTP_FORBIDDEN, "audience", "wrong SP");
    ck_assert_int_eq(fake_state(r)->died, 0);
    ck_assert_int_eq(r->status, HTTP_FORBIDDEN);
    ck_assert_ptr_nonnull(strstr(fake_output(r), "The sign-in was refused."));
}
END_TEST

/* Our endpoints answer in the quick handler, under the server's defaults:
 * an ErrorDocument inside <Location /saml> is found by walking the
 * locations first. */
START_TEST(error_document_inside_a_location_counts)
{
    request_rec *r = endpoint_request();
    ap_conf_vector_t *location = fake_dir_config(r->pool, NULL, NULL);

    set_error_document(location, HTTP_BAD_REQUEST, "/errors/bad.html");
    fake_state(r)->location_config = location;
    sequr_fail(r, HTTP_BAD_REQUEST, "form", "no SAMLResponse");
    ck_assert_int_eq(fake_state(r)->location_walks, 1);
    ck_assert_int_eq(fake_state(r)->died, HTTP_BAD_REQUEST);
}
END_TEST

/* A request already under its location's configuration is not walked again. */
START_TEST(request_of_a_location_is_not_walked_again)
{
    server_rec *s = server();
    ap_conf_vector_t *dir = fake_dir_config(tk_pool(), NULL, "sequr-saml");
    request_rec *r = fake_request(tk_pool(), s, "GET", "/app/", dir);

    set_error_document(dir, HTTP_SERVICE_UNAVAILABLE, "/errors/503.html");
    sequr_fail(r, HTTP_SERVICE_UNAVAILABLE, "store", "down");
    ck_assert_int_eq(fake_state(r)->location_walks, 0);
    ck_assert_int_eq(fake_state(r)->died, HTTP_SERVICE_UNAVAILABLE);
}
END_TEST

/* A subrequest's answer is not the browser's: never Apache's error path. */
START_TEST(subrequest_gets_our_page_whatever_the_error_document)
{
    server_rec *s = server();
    ap_conf_vector_t *dir = fake_dir_config(tk_pool(), NULL, "sequr-saml");
    request_rec *main = fake_request(tk_pool(), s, "GET", "/index.shtml", dir);
    request_rec *r = fake_subrequest(main, "/app/include", NULL);

    set_error_document(dir, HTTP_SERVICE_UNAVAILABLE, "/errors/503.html");
    sequr_fail(r, HTTP_SERVICE_UNAVAILABLE, "store", "down");
    ck_assert_int_eq(fake_state(r)->died, 0);
    ck_assert_int_eq(r->status, HTTP_SERVICE_UNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(fake_output(r), "temporarily unavailable"));
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR"), "store");
}
END_TEST

/* Already on an error path (r->status set): our page, no second ap_die. */
START_TEST(request_already_failing_gets_our_page)
{
    request_rec *r = endpoint_request();

    set_error_document(r->per_dir_config, HTTP_FORBIDDEN, "/errors/denied.html");
    r->status = HTTP_UNAUTHORIZED;
    sequr_fail(r, HTTP_FORBIDDEN, "audience", "wrong SP");
    ck_assert_int_eq(fake_state(r)->died, 0);
    ck_assert_int_eq(r->status, HTTP_FORBIDDEN);
}
END_TEST

/* One request, one id: the page and every log line agree. */
START_TEST(correlation_id_is_one_per_request)
{
    request_rec *r = endpoint_request();
    const char *first;

    sequr_fail(r, HTTP_FORBIDDEN, "a", "first");
    first = apr_pstrdup(r->pool, apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR_ID"));
    sequr_fail(r, HTTP_FORBIDDEN, "b", "second");
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR_ID"), first);
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR"), "b");
    r = endpoint_request();
    sequr_fail(r, HTTP_FORBIDDEN, "c", "another request");
    ck_assert_str_ne(apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR_ID"), first);
}
END_TEST

START_TEST(see_other_sends_the_browser_on)
{
    request_rec *r = endpoint_request();

    ck_assert_int_eq(sequr_see_other(r, "/app/?a=1&b=\"2\""), OK);
    ck_assert_int_eq(r->status, HTTP_SEE_OTHER);
    ck_assert_str_eq(apr_table_get(r->headers_out, "Location"), "/app/?a=1&b=\"2\"");
    ck_assert_str_eq(apr_table_get(r->err_headers_out, "Cache-Control"), "no-store");
    ck_assert_ptr_nonnull(strstr(fake_output(r), "href=\"/app/?a=1&amp;b=&quot;2&quot;\""));
}
END_TEST

START_TEST(body_is_read_whole)
{
    request_rec *r = endpoint_request();
    char *body, *big = apr_palloc(r->pool, 20001);
    apr_size_t len;

    memset(big, 'x', 20000);
    big[20000] = '\0';
    fake_set_body(r, big, 1);
    ck_assert_int_eq(sequr_read_body(r, 49152, &body, &len), OK);
    ck_assert_uint_eq(len, 20000);
    ck_assert_str_eq(body, big);

    r = endpoint_request();
    fake_set_body(r, big, 0);          /* chunked: no length up front */
    ck_assert_int_eq(sequr_read_body(r, 49152, &body, &len), OK);
    ck_assert_uint_eq(len, 20000);

    r = endpoint_request();            /* no body at all */
    ck_assert_int_eq(sequr_read_body(r, 49152, &body, &len), OK);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(body, "");
}
END_TEST

START_TEST(body_over_the_limit_is_refused)
{
    request_rec *r = endpoint_request();
    char *body = NULL, *big = apr_palloc(r->pool, 20001);
    apr_size_t len;

    memset(big, 'x', 20000);
    big[20000] = '\0';
    fake_set_body(r, big, 1);
    ck_assert_int_eq(sequr_read_body(r, 19999, &body, &len), HTTP_REQUEST_ENTITY_TOO_LARGE);
    /* Refused on Content-Length alone, before anything is read. */
    ck_assert_uint_eq(fake_state(r)->body_read, 0);

    r = endpoint_request();
    fake_set_body(r, big, 0);
    ck_assert_int_eq(sequr_read_body(r, 19999, &body, &len), HTTP_REQUEST_ENTITY_TOO_LARGE);
    ck_assert_ptr_null(body);

    r = endpoint_request();
    fake_set_body(r, big, 0);
    ck_assert_int_eq(sequr_read_body(r, 20000, &body, &len), OK);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apache_error_page");
    TCase *tc = tcase_create("error_page");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, our_page_says_what_happened_with_the_status);
    tcase_add_test(tc, each_status_has_its_text_and_server_errors_log_as_errors);
    tcase_add_test(tc, text_of_the_caller_replaces_ours);
    tcase_add_test(tc, log_line_escapes_what_came_from_the_network);
    tcase_add_test(tc, error_document_for_the_status_answers_instead);
    tcase_add_test(tc, error_document_text_too);
    tcase_add_test(tc, error_document_of_another_status_leaves_our_page);
    tcase_add_test(tc, error_document_inside_a_location_counts);
    tcase_add_test(tc, request_of_a_location_is_not_walked_again);
    tcase_add_test(tc, subrequest_gets_our_page_whatever_the_error_document);
    tcase_add_test(tc, request_already_failing_gets_our_page);
    tcase_add_test(tc, correlation_id_is_one_per_request);
    tcase_add_test(tc, see_other_sends_the_browser_on);
    tcase_add_test(tc, body_is_read_whole);
    tcase_add_test(tc, body_over_the_limit_is_refused);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
