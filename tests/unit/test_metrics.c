/* The shared counters (saml/metrics.c), the metered store
 * (saml/store_metered.c) and their renderings (saml/metrics_text.c). */
#include <check.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <apr_shm.h>
#include <apr_strings.h>

#include "tests/unit/testkit.h"
#include "tests/unit/fault_store.h"
#include "saml/metrics.h"
#include "saml/metrics_text.h"
#include "saml/store_metered.h"

static saml_metrics_t *fresh_block(apr_pool_t *p)
{
    apr_size_t size = saml_metrics_size();
    saml_metrics_t *m = saml_metrics_bind(apr_palloc(p, size), size, 1);
    ck_assert_ptr_nonnull(m);
    return m;
}

static const saml_metrics_view_t no_view = { NULL, 0, -1, 0 };

static void assert_has(const char *text, const char *line)
{
    const char *at = strstr(text, line);
    ck_assert_msg(at && (at == text || at[-1] == '\n') && at[strlen(line)] == '\n',
                  "no line \"%s\" in:\n%s", line, text);
}

static void assert_lacks(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) == NULL, "\"%s\" should not be in:\n%s", part, text);
}

START_TEST(counts_render_as_prometheus_counters)
{
    apr_pool_t *p = tk_pool();
    saml_metrics_t *m = fresh_block(p);
    const char *text;

    saml_metrics_count(m, SAML_METRIC_SIGNIN_ACCEPTED);
    saml_metrics_count(m, SAML_METRIC_SIGNIN_ACCEPTED);
    saml_metrics_count(m, SAML_METRIC_SESSION_RESUMED);
    saml_metrics_count(m, SAML_METRIC_LOGOUT_IDP_INITIATED);
    saml_metrics_count(m, SAML_METRIC_COUNT);            /* out of range: ignored */
    saml_metrics_count(NULL, SAML_METRIC_SIGNIN_ACCEPTED); /* no block: nothing */
    text = saml_metrics_text(p, m, &no_view);

    assert_has(text, "# TYPE sequr_saml_signins_total counter");
    assert_has(text, "sequr_saml_signins_total{result=\"accepted\"} 2");
    assert_has(text, "sequr_saml_signins_total{result=\"refused\"} 0");
    assert_has(text, "sequr_saml_sessions_total{result=\"resumed\"} 1");
    assert_has(text, "sequr_saml_sessions_total{result=\"expired\"} 0");
    assert_has(text, "sequr_saml_logouts_total{kind=\"idp_initiated\"} 1");
    assert_has(text, "sequr_saml_pending_requests_total 0");
    assert_has(text, "sequr_saml_unauthorized_total 0");
    assert_has(text, "sequr_saml_user_store_lookups_total{result=\"error\"} 0");
    assert_has(text, "# TYPE sequr_saml_idp_metadata_age_seconds gauge");
    ck_assert_uint_eq(saml_metrics_value(m, SAML_METRIC_SIGNIN_ACCEPTED), 2);
    /* every family's HELP line comes right before its TYPE line */
    ck_assert_ptr_nonnull(strstr(text, "# HELP sequr_saml_signins_total "));
}
END_TEST

START_TEST(refusals_by_check_name_sorted_and_odd_names_as_other)
{
    apr_pool_t *p = tk_pool();
    saml_metrics_t *m = fresh_block(p);
    const char *text, *a, *b;
    int i;

    for (i = 0; i < 3; i++)
        saml_metrics_refusal(m, "signature");
    saml_metrics_refusal(m, "audience");
    saml_metrics_refusal(m, "a name\" with {quotes}");
    saml_metrics_refusal(m, NULL);
    saml_metrics_refusal(m, "");
    saml_metrics_refusal(m, "x-very-long-check-name-that-goes-beyond-the-slot-size");
    text = saml_metrics_text(p, m, &no_view);

    assert_has(text, "sequr_saml_refusals_total{check=\"signature\"} 3");
    assert_has(text, "sequr_saml_refusals_total{check=\"audience\"} 1");
    assert_has(text, "sequr_saml_refusals_total{check=\"other\"} 4");
    assert_lacks(text, "quotes");
    a = strstr(text, "check=\"audience\"");
    b = strstr(text, "check=\"signature\"");
    ck_assert_msg(a && b && a < b, "refusals not sorted by name");
}
END_TEST

START_TEST(a_full_refusal_table_counts_the_rest_as_other)
{
    apr_pool_t *p = tk_pool();
    saml_metrics_t *m = fresh_block(p);
    const char *name;
    apr_uint64_t count;
    int i;

    for (i = 0; i < SAML_METRICS_CHECKS + 5; i++)
        saml_metrics_refusal(m, apr_psprintf(p, "check-%d", i));
    saml_metrics_refusal(m, "check-0");      /* a kept name still counts under its own */
    ck_assert_uint_eq(saml_metrics_refusals_other(m), 5);
    ck_assert(saml_metrics_refusal_at(m, 0, &name, &count));
    ck_assert_str_eq(name, "check-0");
    ck_assert_uint_eq(count, 2);
}
END_TEST

START_TEST(a_block_is_reused_only_with_our_stamp)
{
    apr_pool_t *p = tk_pool();
    apr_size_t size = saml_metrics_size();
    void *mem = apr_pcalloc(p, size);
    saml_metrics_t *m;

    ck_assert_ptr_null(saml_metrics_bind(mem, size, 0));          /* never stamped */
    ck_assert_ptr_null(saml_metrics_bind(mem, size - 1, 1));      /* too small */
    m = saml_metrics_bind(mem, size, 1);
    saml_metrics_count(m, SAML_METRIC_PENDING_STARTED);
    saml_metrics_refusal(m, "signature");
    /* what post_config does after a graceful restart: the counts are kept */
    m = saml_metrics_bind(mem, size, 0);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(saml_metrics_value(m, SAML_METRIC_PENDING_STARTED), 1);
    ((unsigned char *)mem)[0] ^= 0xff;                              /* another layout */
    ck_assert_ptr_null(saml_metrics_bind(mem, size, 0));
}
END_TEST

START_TEST(store_operations_are_timed_and_failures_counted)
{
    apr_pool_t *p = tk_pool();
    saml_metrics_t *m = fresh_block(p);
    saml_store_t *file = tk_file_store(p);
    saml_store_t *st = saml_store_metered(p, file, m);
    saml_metrics_store_stats_t s;
    saml_metrics_view_t view = { NULL, 0, SAML_METRICS_BACKEND_FILE, 0 };
    apr_time_t later = apr_time_now() + apr_time_from_sec(60);
    char *val;
    apr_size_t len;
    const char *text;

    ck_assert_str_eq(st->provider->name, "file");
    ck_assert_ptr_eq(saml_store_metered(p, file, NULL), file);
    ck_assert_int_eq(saml_store_get(st, "s:absent", p, &val, &len), APR_NOTFOUND);
    ck_assert_int_eq(saml_store_set(st, "s:k", "v", 1, later), APR_SUCCESS);
    ck_assert_int_eq(saml_store_add(st, "s:k", "v", 1, later), APR_EEXIST);
    ck_assert_int_eq(saml_store_get(st, "s:k", p, &val, &len), APR_SUCCESS);
    ck_assert_int_eq(saml_store_replace(st, "s:k", "w", 1, later), APR_SUCCESS);
    ck_assert_int_eq(saml_store_take(st, "s:k", p, &val, &len), APR_SUCCESS);
    ck_assert_int_eq(saml_store_remove(st, "s:k"), APR_SUCCESS);

    saml_metrics_store_stats(m, SAML_METRICS_BACKEND_FILE, SAML_METRICS_OP_GET, &s);
    ck_assert_uint_eq(s.count, 2);
    ck_assert_uint_eq(s.errors, 0);       /* an absent key is an answer */
    saml_metrics_store_stats(m, SAML_METRICS_BACKEND_FILE, SAML_METRICS_OP_ADD, &s);
    ck_assert_uint_eq(s.count, 1);
    ck_assert_uint_eq(s.errors, 0);
    text = saml_metrics_text(p, m, &view);
    assert_has(text, "sequr_saml_store_operations_total{backend=\"file\",operation=\"get\"} 2");
    assert_has(text, "sequr_saml_store_errors_total{backend=\"file\",operation=\"get\"} 0");
    assert_has(text, "# TYPE sequr_saml_store_operation_duration_seconds histogram");
    assert_has(text, "sequr_saml_store_operation_duration_seconds_bucket{backend=\"file\","
                     "operation=\"get\",le=\"+Inf\"} 2");
    assert_has(text, "sequr_saml_store_operation_duration_seconds_count{backend=\"file\","
                     "operation=\"get\"} 2");
    assert_lacks(text, "backend=\"memcache\"");  /* unused and not the one in use */
}
END_TEST

START_TEST(store_failures_count_as_errors_of_their_backend)
{
    apr_pool_t *p = tk_pool();
    saml_metrics_t *m = fresh_block(p);
    fault_store_t *fault;
    saml_store_t *st = saml_store_metered(p, fault_store_new(p, tk_file_store(p), &fault), m);
    saml_metrics_store_stats_t s;
    char *val;
    apr_size_t len;

    fault->prefix = "s:";
    fault->ops = FAULT_GET;
    ck_assert_int_eq(saml_store_get(st, "s:x", p, &val, &len), APR_EGENERAL);
    saml_metrics_store_stats(m, saml_metrics_backend_of(st->provider->name),
                             SAML_METRICS_OP_GET, &s);
    ck_assert_uint_eq(s.count, 1);
    ck_assert_uint_eq(s.errors, 1);
}
END_TEST

START_TEST(latency_buckets_are_cumulative_with_sum_in_seconds)
{
    apr_pool_t *p = tk_pool();
    saml_metrics_t *m = fresh_block(p);
    saml_metrics_view_t view = { NULL, 0, SAML_METRICS_BACKEND_REDIS, 0 };
    const char *text;

    saml_metrics_store_op(m, SAML_METRICS_BACKEND_REDIS, SAML_METRICS_OP_GET, 10, 0);
    saml_metrics_store_op(m, SAML_METRICS_BACKEND_REDIS, SAML_METRICS_OP_GET, 25, 0);
    saml_metrics_store_op(m, SAML_METRICS_BACKEND_REDIS, SAML_METRICS_OP_GET, 800, 0);
    saml_metrics_store_op(m, SAML_METRICS_BACKEND_REDIS, SAML_METRICS_OP_GET, 3000000, 1);
    saml_metrics_store_op(m, SAML_METRICS_BACKEND_REDIS, SAML_METRICS_OP_GET, -5, 0);
    text = saml_metrics_text(p, m, &view);
#define GET_BUCKET "sequr_saml_store_operation_duration_seconds_bucket{backend=\"redis\"," \
                   "operation=\"get\",le="
    assert_has(text, GET_BUCKET "\"0.000025\"} 3");      /* 10, 25 (le is inclusive), -5 */
    assert_has(text, GET_BUCKET "\"0.000500\"} 3");
    assert_has(text, GET_BUCKET "\"0.001000\"} 4");
    assert_has(text, GET_BUCKET "\"2.500000\"} 4");
    assert_has(text, GET_BUCKET "\"+Inf\"} 5");
    assert_has(text, "sequr_saml_store_operation_duration_seconds_sum{backend=\"redis\","
                     "operation=\"get\"} 3.000835");
    assert_has(text, "sequr_saml_store_errors_total{backend=\"redis\",operation=\"get\"} 1");
}
END_TEST

START_TEST(idp_certificate_days_per_tenant)
{
    apr_pool_t *p = tk_pool();
    saml_metrics_t *m = fresh_block(p);
    apr_time_t now = apr_time_from_sec(1800000000);
    saml_metrics_idp_t idps[] = {
        { "", now + apr_time_from_sec(30 * 86400 + 5) },
        { "contoso \"eu\"", now - apr_time_from_sec(1) },
        { "none", 0 },
    };
    saml_metrics_view_t view = { idps, 3, -1, now };
    const char *text = saml_metrics_text(p, m, &view);
    apr_array_header_t *lines;
    int i, seen = 0;

    assert_has(text, "sequr_saml_idp_certificate_expiry_days{tenant=\"\"} 30");
    assert_has(text, "sequr_saml_idp_certificate_expiry_days{tenant=\"contoso \\\"eu\\\"\"} -1");
    assert_lacks(text, "tenant=\"none\"");
    ck_assert_int_eq(saml_metrics_days_until(now, now), 0);
    ck_assert_int_eq(saml_metrics_days_until(now, now + apr_time_from_sec(86399)), 0);
    ck_assert_int_eq(saml_metrics_days_until(now, now - apr_time_from_sec(86401)), -2);

    lines = saml_metrics_status_lines(p, m, &view);
    for (i = 0; i < lines->nelts; i++) {
        const saml_metrics_line_t *l = &APR_ARRAY_IDX(lines, i, saml_metrics_line_t);
        ck_assert_msg(!strpbrk(l->key, " :\n\""), "status key \"%s\"", l->key);
        if (!strcmp(l->key, "SequrSAMLIdPCertificateExpiryDays")) {
            ck_assert_int_eq(l->value, 30);
            seen++;
        }
        if (!strcmp(l->key, "SequrSAMLIdPCertificateExpiryDays-contoso__eu_")) {
            ck_assert_int_eq(l->value, -1);
            seen++;
        }
    }
    ck_assert_int_eq(seen, 2);
}
END_TEST

START_TEST(status_lines_name_every_counter)
{
    apr_pool_t *p = tk_pool();
    saml_metrics_t *m = fresh_block(p);
    apr_array_header_t *lines;
    int i, found = 0;

    saml_metrics_count(m, SAML_METRIC_UNAUTHORIZED);
    saml_metrics_refusal(m, "replay");
    lines = saml_metrics_status_lines(p, m, &no_view);
    ck_assert_int_ge(lines->nelts, SAML_METRIC_COUNT + 1);
    for (i = 0; i < lines->nelts; i++) {
        const saml_metrics_line_t *l = &APR_ARRAY_IDX(lines, i, saml_metrics_line_t);
        if (!strcmp(l->key, "SequrSAMLUnauthorized") && l->value == 1)
            found++;
        if (!strcmp(l->key, "SequrSAMLRefusals-replay") && l->value == 1)
            found++;
    }
    ck_assert_int_eq(found, 2);
}
END_TEST

/* What Apache's children do: count in a block mapped before they were
 * forked, at the same time; nothing is lost and the parent sees it all. */
START_TEST(processes_sharing_the_block_lose_no_count)
{
    apr_pool_t *p = tk_pool();
    apr_shm_t *shm;
    saml_metrics_t *m;
    pid_t kids[4];
    int i, status;
    const int per_child = 200000;

    ck_assert_int_eq(apr_shm_create(&shm, saml_metrics_size(), NULL, p), APR_SUCCESS);
    m = saml_metrics_bind(apr_shm_baseaddr_get(shm), apr_shm_size_get(shm), 1);
    ck_assert_ptr_nonnull(m);
    for (i = 0; i < 4; i++) {
        kids[i] = fork();
        ck_assert_int_ge(kids[i], 0);
        if (kids[i] == 0) {
            int n;
            for (n = 0; n < per_child; n++) {
                saml_metrics_count(m, SAML_METRIC_SESSION_RESUMED);
                if (n % 1000 == 0)
                    saml_metrics_refusal(m, i % 2 ? "odd" : "even");
            }
            _exit(0);
        }
    }
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    ck_assert_uint_eq(saml_metrics_value(m, SAML_METRIC_SESSION_RESUMED), 4 * per_child);
    {
        const char *text = saml_metrics_text(p, m, &no_view);
        assert_has(text, "sequr_saml_refusals_total{check=\"even\"} 400");
        assert_has(text, "sequr_saml_refusals_total{check=\"odd\"} 400");
    }
    apr_shm_destroy(shm);
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, counts_render_as_prometheus_counters);
    tcase_add_test(tc, refusals_by_check_name_sorted_and_odd_names_as_other);
    tcase_add_test(tc, a_full_refusal_table_counts_the_rest_as_other);
    tcase_add_test(tc, a_block_is_reused_only_with_our_stamp);
    tcase_add_test(tc, store_operations_are_timed_and_failures_counted);
    tcase_add_test(tc, store_failures_count_as_errors_of_their_backend);
    tcase_add_test(tc, latency_buckets_are_cumulative_with_sum_in_seconds);
    tcase_add_test(tc, idp_certificate_days_per_tenant);
    tcase_add_test(tc, status_lines_name_every_counter);
    tcase_add_test(tc, processes_sharing_the_block_lose_no_count);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    tk_run_dir_make("metrics");
    sr = srunner_create(metrics_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tk_run_dir_remove();
    return failed ? 1 : 0;
}
