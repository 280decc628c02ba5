/* apache/metrics.c (PATH/metrics served only where SequrSAMLMetrics is On,
 * GET only; the server-status section) and the counting done at the event
 * sites in apache/ (a refusal in sequr_fail, a session resumed or expired,
 * a 401, a sign-in started), on requests built by request_fake.c. */
#include <check.h>
#include <string.h>

#include "apr_strings.h"
#include "mod_status.h"

#include "apache/authn.h"
#include "apache/error_page.h"
#include "apache/metrics.h"
#include "saml/certificate.h"
#include "tests/apache/fixture.h"
#include "tests/unit/testkit.h"

static server_rec *S;

static saml_metrics_t *counters(void)
{
    return fake_server_conf(S)->metrics_block;
}

/* The fixture's server with SequrSAMLMetrics On, its counters fresh, and one
 * IdP certificate valid for 30 days. */
static void setup(void)
{
    sequr_server_conf_t *c;
    apr_size_t size = saml_metrics_size();
    tk_keypair_t *kp;

    tk_setup();
    S = fx_server();
    c = fake_server_conf(S);
    c->metrics = 1;
    c->metrics_block = saml_metrics_bind(apr_palloc(tk_pool(), size), size, 1);
    kp = tk_keypair_new(tk_pool(), 0, "idp", 30);
    c->idp->certs = apr_array_make(tk_pool(), 1, sizeof(X509 *));
    APR_ARRAY_PUSH(c->idp->certs, X509 *) = kp->cert;
    fake_log_clear();
}

static request_rec *request(const char *method, const char *uri)
{
    return fake_request(tk_pool(), S, method, uri, NULL);
}

START_TEST(serves_the_counters_as_prometheus_text)
{
    request_rec *r = request("GET", "/saml/metrics");

    saml_metrics_count(counters(), SAML_METRIC_SIGNIN_ACCEPTED);
    ck_assert_int_eq(sequr_metrics_handler(r), OK);
    ck_assert_str_eq(r->content_type, "text/plain; version=0.0.4; charset=utf-8");
    ck_assert_str_eq(apr_table_get(r->headers_out, "Cache-Control"), "no-store");
    ck_assert_ptr_nonnull(strstr(fake_output(r), "\nsequr_saml_signins_total{result=\"accepted\"} 1\n"));
    /* valid from an hour ago for 30 days: 29 whole days left */
    ck_assert_msg(strstr(fake_output(r), "\nsequr_saml_idp_certificate_expiry_days{tenant=\"\"} 29\n"),
                  "%s", fake_output(r));
    /* the file store in use shows its series before its first operation */
    ck_assert_ptr_nonnull(strstr(fake_output(r), "sequr_saml_store_operations_total{backend=\"file\","
                                                 "operation=\"get\"}"));
}
END_TEST

START_TEST(declined_when_off_elsewhere_or_in_a_subrequest)
{
    static const char *const elsewhere[] = {
        "/saml/metricsx", "/saml/metrics/", "/other/metrics", "/saml", "/samlmetrics"
    };
    request_rec *r;
    apr_size_t i;

    for (i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++)
        ck_assert_msg(sequr_metrics_handler(request("GET", elsewhere[i])) == DECLINED,
                      "%s served", elsewhere[i]);
    r = request("GET", "/saml/metrics");
    ck_assert_int_eq(sequr_metrics_handler(fake_subrequest(r, "/saml/metrics", NULL)), DECLINED);
    fake_server_conf(S)->metrics = 0;          /* Off here, On on another vhost */
    r = request("GET", "/saml/metrics");
    ck_assert_int_eq(sequr_metrics_handler(r), DECLINED);
    ck_assert_str_eq(fake_output(r), "");
}
END_TEST

START_TEST(only_get)
{
    request_rec *r = request("POST", "/saml/metrics");

    ck_assert_int_eq(sequr_metrics_handler(r), HTTP_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(fake_output(r), "");
}
END_TEST

START_TEST(follows_the_endpoint_path)
{
    fake_server_conf(S)->endpoint_path = "/auth/saml";
    ck_assert_int_eq(sequr_metrics_handler(request("GET", "/auth/saml/metrics")), OK);
    ck_assert_int_eq(sequr_metrics_handler(request("GET", "/saml/metrics")), DECLINED);
}
END_TEST

START_TEST(status_section_short_and_html)
{
    request_rec *r = request("GET", "/server-status");

    saml_metrics_count(counters(), SAML_METRIC_SESSION_RESUMED);
    saml_metrics_refusal(counters(), "signature");
    ck_assert_int_eq(sequr_metrics_status(r, AP_STATUS_SHORT), OK);
    ck_assert_ptr_nonnull(strstr(fake_output(r), "SequrSAMLSessionsResumed: 1\n"));
    ck_assert_ptr_nonnull(strstr(fake_output(r), "SequrSAMLRefusals-signature: 1\n"));
    ck_assert_ptr_nonnull(strstr(fake_output(r), "SequrSAMLIdPCertificateExpiryDays: 29\n"));
    ck_assert_ptr_null(strchr(fake_output(r), '<'));

    r = request("GET", "/server-status");
    ck_assert_int_eq(sequr_metrics_status(r, 0), OK);
    ck_assert_ptr_nonnull(strstr(fake_output(r), "<h2>mod_sequr_saml</h2>"));
    ck_assert_ptr_nonnull(strstr(fake_output(r), "<tr><td>SequrSAMLSessionsResumed</td><td>1</td></tr>"));

    fake_server_conf(S)->metrics_block = NULL;   /* Off on every server: no section */
    r = request("GET", "/server-status");
    ck_assert_int_eq(sequr_metrics_status(r, AP_STATUS_SHORT), OK);
    ck_assert_str_eq(fake_output(r), "");
}
END_TEST

START_TEST(a_refusal_is_counted_under_its_check)
{
    request_rec *r = request("POST", "/saml/acs");
    const char *name;
    apr_uint64_t count;

    sequr_fail(r, HTTP_FORBIDDEN, "audience", "wrong audience");
    ck_assert(saml_metrics_refusal_at(counters(), 0, &name, &count));
    ck_assert_str_eq(name, "audience");
    ck_assert_uint_eq(count, 1);
}
END_TEST

START_TEST(sessions_sign_ins_and_401s_are_counted_once_per_request)
{
    ap_conf_vector_t *dir = fx_location(NULL, "sequr-saml");
    request_rec *r = fx_browser_get(S, "/app/", dir);
    saml_session_t *s = fx_session(r);

    fx_save(r, s);
    fx_send_cookie(r, s->id);
    ck_assert_int_eq(sequr_check_user_id(r), OK);
    ck_assert_uint_eq(saml_metrics_value(counters(), SAML_METRIC_SESSION_RESUMED), 1);
    /* a subrequest of it checks the session again, and is not counted */
    ck_assert_int_eq(sequr_check_user_id(fake_subrequest(r, "/app/x", NULL)), OK);
    ck_assert_uint_eq(saml_metrics_value(counters(), SAML_METRIC_SESSION_RESUMED), 1);

    r = fx_browser_get(S, "/app/", dir);
    fx_send_cookie(r, "A123456789012345678901234567890123456789012");
    ck_assert_int_eq(sequr_check_user_id(r), HTTP_MOVED_TEMPORARILY);
    ck_assert_uint_eq(saml_metrics_value(counters(), SAML_METRIC_SESSION_EXPIRED), 1);
    ck_assert_uint_eq(saml_metrics_value(counters(), SAML_METRIC_PENDING_STARTED), 1);

    r = fx_browser_get(S, "/app/", dir);
    apr_table_set(r->headers_in, "Accept", "application/json");
    ck_assert_int_eq(sequr_check_user_id(r), HTTP_UNAUTHORIZED);
    ck_assert_uint_eq(saml_metrics_value(counters(), SAML_METRIC_UNAUTHORIZED), 1);
    ck_assert_uint_eq(saml_metrics_value(counters(), SAML_METRIC_PENDING_STARTED), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apache_metrics");
    TCase *tc = tcase_create("metrics");
    int rc;

    tk_run_dir_make("glue-metrics");
    tcase_add_checked_fixture(tc, setup, tk_teardown);
    tcase_add_test(tc, serves_the_counters_as_prometheus_text);
    tcase_add_test(tc, declined_when_off_elsewhere_or_in_a_subrequest);
    tcase_add_test(tc, only_get);
    tcase_add_test(tc, follows_the_endpoint_path);
    tcase_add_test(tc, status_section_short_and_html);
    tcase_add_test(tc, a_refusal_is_counted_under_its_check);
    tcase_add_test(tc, sessions_sign_ins_and_401s_are_counted_once_per_request);
    suite_add_tcase(s, tc);
    rc = tk_run_suite(s);
    tk_run_dir_remove();
    return rc;
}
