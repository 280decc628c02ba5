/* Log lines cannot be forged through the values they quote. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "saml/error.h"
#include "tests/unit/testkit.h"

START_TEST(escapes_controls_and_non_ascii)
{
    apr_pool_t *p = tk_pool();
    ck_assert_str_eq(saml_log_escape(p, "alice\r\n[error] forged", 100), "alice\\x0d\\x0a[error] forged");
    ck_assert_str_eq(saml_log_escape(p, "tab\there\x1b[31m", 100), "tab\\x09here\\x1b[31m");
    ck_assert_str_eq(saml_log_escape(p, "caf\xc3\xa9\x7f", 100), "caf\\xc3\\xa9\\x7f");
    ck_assert_str_eq(saml_log_escape(p, "plain <a href=\"x\">", 100), "plain <a href=\"x\">");
    ck_assert_str_eq(saml_log_escape(p, NULL, 100), "(none)");
}
END_TEST

START_TEST(truncates_long_values)
{
    ck_assert_str_eq(saml_log_escape(tk_pool(), "abcdefgh", 3), "abc...");
    ck_assert_str_eq(saml_log_escape(tk_pool(), "abc", 3), "abc");
}
END_TEST

START_TEST(maps_errors_to_http)
{
    ck_assert_int_eq(saml_status_to_http(SAML_EMALFORMED), 400);
    ck_assert_int_eq(saml_status_to_http(SAML_EREJECTED), 403);
    ck_assert_int_eq(saml_status_to_http(SAML_EREPLAY), 403);
    ck_assert_int_eq(saml_status_to_http(SAML_ETOOLARGE), 413);
    ck_assert_int_eq(saml_status_to_http(SAML_EUNAVAILABLE), 503);
    ck_assert_int_eq(saml_status_to_http(SAML_EINTERNAL), 500);
    ck_assert_int_eq(saml_status_to_http(APR_ENOMEM), 500);
}
END_TEST

START_TEST(fail_fills_the_error)
{
    saml_err_t err = {0};
    ck_assert_int_eq(saml_fail(tk_pool(), &err, SAML_EREJECTED, "audience", "got %s", "x"), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "audience");
    ck_assert_str_eq(err.detail, "got x");
    ck_assert_int_eq(saml_fail(tk_pool(), NULL, SAML_EMALFORMED, "xml", "ignored"), SAML_EMALFORMED);
}
END_TEST

typedef struct {
    int calls;
    char said[256];
} trace_log_t;

static void record(void *baton, const char *check, const char *detail)
{
    trace_log_t *log = baton;
    log->calls++;
    snprintf(log->said, sizeof(log->said), "%s: %s", check, detail);
}

static int evaluated;

static const char *costly(void)
{
    evaluated++;
    return "value";
}

START_TEST(trace_reports_passed_checks)
{
    trace_log_t log = {0};
    saml_trace_t t = {record, &log};
    SAML_TRACE(&t, tk_pool(), "audience", "names \"%s\" (%d)", costly(), 2);
    ck_assert_int_eq(log.calls, 1);
    ck_assert_str_eq(log.said, "audience: names \"value\" (2)");
}
END_TEST

START_TEST(trace_off_formats_and_evaluates_nothing)
{
    saml_trace_t no_fn = {NULL, NULL};
    const saml_trace_t *off = NULL;
    evaluated = 0;
    SAML_TRACE(off, tk_pool(), "audience", "%s", costly());
    SAML_TRACE(&no_fn, tk_pool(), "audience", "%s", costly());
    ck_assert_int_eq(evaluated, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("error");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, escapes_controls_and_non_ascii);
    tcase_add_test(tc, truncates_long_values);
    tcase_add_test(tc, maps_errors_to_http);
    tcase_add_test(tc, fail_fills_the_error);
    tcase_add_test(tc, trace_reports_passed_checks);
    tcase_add_test(tc, trace_off_formats_and_evaluates_nothing);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
