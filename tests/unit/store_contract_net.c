/* The store contract against a real memcached or Redis started by the test
 * program (store_contract.c), and what only a network store has: keys spread
 * over servers, a server that dies, hangs or comes back, error replies, and
 * the server lists accepted. */
#include "tests/unit/store_contract.h"

#include <apr_strings.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "saml/store_net.h"
#include "tests/unit/testkit.h"

/* Roomy for racing processes under valgrind; failure tests use a short one
 * so that they are quick (still far above a local round trip). */
#define TEST_TIMEOUT  apr_time_from_msec(3000)
#define SHORT_TIMEOUT apr_time_from_msec(300)

static const sc_backend_t *B;
static sc_server_t shared_a, shared_b;

/* ---- helpers ----------------------------------------------------------------- */

static const char *servers_of(apr_pool_t *p, const sc_server_t *a, const sc_server_t *b)
{
    if (b == NULL)
        return apr_psprintf(p, "127.0.0.1:%d", a->port);
    return apr_psprintf(p, "127.0.0.1:%d,127.0.0.1:%d", a->port, b->port);
}

static saml_store_t *open_with_timeout(const sc_server_t *a, const sc_server_t *b,
                                       apr_interval_time_t timeout)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = B->open(p, servers_of(p, a, b), timeout, &st, &err);
    ck_assert_msg(rv == APR_SUCCESS, "open: %s", err.detail ? err.detail : "?");
    return st;
}

static saml_store_t *open_on(const sc_server_t *a, const sc_server_t *b)
{
    return open_with_timeout(a, b, TEST_TIMEOUT);
}

static apr_status_t put(saml_store_t *st, const char *k, const char *v, apr_time_t exp)
{
    return saml_store_set(st, k, v, strlen(v), exp);
}

static int is_store_failure(apr_status_t rv)
{
    return rv != APR_SUCCESS && rv != APR_NOTFOUND && rv != APR_EEXIST;
}

/* The contract's store: one of the shared servers. */
static saml_store_t *open_shared(void)
{
    return open_on(&shared_a, NULL);
}

/* ---- several servers ---------------------------------------------------------- */

START_TEST(threads_share_stores_over_two_servers)
{
    sc_threads_share(open_on(&shared_a, &shared_b));
}
END_TEST

START_TEST(keys_spread_over_servers)
{
    saml_store_t *both = open_on(&shared_a, &shared_b);
    saml_store_t *only_a = open_on(&shared_a, NULL), *only_b = open_on(&shared_b, NULL);
    saml_store_t *again = open_on(&shared_a, &shared_b);
    int i, on_a = 0, on_b = 0;

    for (i = 0; i < 64; i++) {
        const char *k = sc_key(apr_psprintf(tk_pool(), "spread%d", i));
        char *val;
        apr_size_t len;
        int a, b;
        ck_assert_int_eq(put(both, k, "v", sc_in_seconds(60)), APR_SUCCESS);
        a = saml_store_get(only_a, k, tk_pool(), &val, &len) == APR_SUCCESS;
        b = saml_store_get(only_b, k, tk_pool(), &val, &len) == APR_SUCCESS;
        ck_assert_msg(a + b == 1, "key %s on %d servers", k, a + b);
        on_a += a;
        on_b += b;
        /* Another process with the same list finds it: the choice is stable. */
        sc_assert_value(again, k, "v", 1);
        ck_assert_int_eq(saml_store_add(again, k, "w", 1, sc_in_seconds(60)), APR_EEXIST);
    }
    ck_assert_int_ge(on_a, 16);
    ck_assert_int_ge(on_b, 16);
}
END_TEST

/* One of two servers dies: its keys fail, the other's keep working, and no
 * key is quietly answered by the survivor instead. */
START_TEST(one_server_down_fails_only_its_keys)
{
    sc_server_t one = { 0, 0, 0 }, two = { 0, 0, 0 };
    saml_store_t *both, *only_two;
    int i, worked = 0, failed = 0;

    sc_server_start(B, &one);
    sc_server_start(B, &two);
    both = open_with_timeout(&one, &two, SHORT_TIMEOUT);
    only_two = open_with_timeout(&two, NULL, SHORT_TIMEOUT);
    for (i = 0; i < 32; i++)
        ck_assert_int_eq(put(both, sc_key(apr_psprintf(tk_pool(), "half%d", i)), "v",
                             sc_in_seconds(60)), APR_SUCCESS);
    sc_server_stop(&one);
    for (i = 0; i < 32; i++) {
        const char *k = sc_key(apr_psprintf(tk_pool(), "half%d", i));
        char *val;
        apr_size_t len;
        int on_two = saml_store_get(only_two, k, tk_pool(), &val, &len) == APR_SUCCESS;
        apr_status_t rv = saml_store_add(both, k, "w", 1, sc_in_seconds(60));
        if (on_two) {
            ck_assert_int_eq(rv, APR_EEXIST);
            worked++;
        } else {
            ck_assert_msg(is_store_failure(rv), "%s: add on a dead server said %d", k, rv);
            failed++;
        }
    }
    ck_assert_int_gt(worked, 4);
    ck_assert_int_gt(failed, 4);
    sc_server_stop(&two);
}
END_TEST

/* ---- failures ----------------------------------------------------------------- */

static void assert_every_operation_fails(saml_store_t *st, const char *k)
{
    char *val;
    apr_size_t len;
    ck_assert(is_store_failure(saml_store_get(st, k, tk_pool(), &val, &len)));
    ck_assert(is_store_failure(put(st, k, "v", sc_in_seconds(60))));
    /* Above all: an add that could not ask is never "absent, added". */
    ck_assert(is_store_failure(saml_store_add(st, k, "v", 1, sc_in_seconds(60))));
    ck_assert(is_store_failure(saml_store_take(st, k, tk_pool(), &val, &len)));
    ck_assert(is_store_failure(saml_store_remove(st, k)));
}

START_TEST(dead_server_is_an_error_then_recovers)
{
    sc_server_t own = { 0, 0, 0 };
    saml_store_t *st;
    apr_time_t deadline;
    char *val;
    apr_size_t len;
    apr_status_t rv;

    sc_server_start(B, &own);
    st = open_with_timeout(&own, NULL, SHORT_TIMEOUT);
    ck_assert_int_eq(put(st, sc_key("before"), "v", sc_in_seconds(60)), APR_SUCCESS);
    sc_server_stop(&own);
    assert_every_operation_fails(st, sc_key("before"));
    assert_every_operation_fails(st, sc_key("other"));

    sc_server_start(B, &own);              /* same port, empty */
    deadline = apr_time_now() + apr_time_from_sec(3);
    do {
        rv = saml_store_get(st, sc_key("before"), tk_pool(), &val, &len);
        if (rv != APR_NOTFOUND)
            apr_sleep(apr_time_from_msec(50));
    } while (rv != APR_NOTFOUND && apr_time_now() < deadline);
    ck_assert_msg(rv == APR_NOTFOUND, "store did not recover: status %d", rv);
    ck_assert_int_eq(saml_store_add(st, sc_key("after"), "v", 1, sc_in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_add(st, sc_key("after"), "v", 1, sc_in_seconds(60)), APR_EEXIST);
    sc_server_stop(&own);
}
END_TEST

/* The server restarted between two requests: the pooled connection is dead,
 * and the next operation must notice, reconnect and answer. */
START_TEST(restart_between_operations_is_invisible)
{
    sc_server_t own = { 0, 0, 0 };
    saml_store_t *st;
    int i;

    sc_server_start(B, &own);
    st = open_with_timeout(&own, NULL, SHORT_TIMEOUT);
    for (i = 0; i < 3; i++)             /* a few pooled connections */
        ck_assert_int_eq(put(st, sc_key("x"), "v", sc_in_seconds(60)), APR_SUCCESS);
    sc_server_stop(&own);
    sc_server_start(B, &own);
    sc_assert_absent(st, sc_key("x"));
    ck_assert_int_eq(put(st, sc_key("x"), "w", sc_in_seconds(60)), APR_SUCCESS);
    sc_assert_value(st, sc_key("x"), "w", 1);
    sc_server_stop(&own);
}
END_TEST

/* A server that accepts connections but never answers (hung, or a
 * firewall that swallows packets): each operation gives up after the timeout. */
START_TEST(hung_server_times_out)
{
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sc_server_t fake = { 0, 0, 0 };
    saml_store_t *st;
    apr_time_t t0;
    char *val;
    apr_size_t len;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(fd, 16), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
    fake.port = ntohs(sa.sin_port);
    st = open_with_timeout(&fake, NULL, SHORT_TIMEOUT);
    t0 = apr_time_now();
    ck_assert(is_store_failure(saml_store_get(st, sc_key("h"), tk_pool(), &val, &len)));
    ck_assert(is_store_failure(saml_store_add(st, sc_key("h"), "v", 1, sc_in_seconds(60))));
    ck_assert_msg(apr_time_now() - t0 < apr_time_from_msec(3000), "took %ld ms",
                  (long)apr_time_as_msec(apr_time_now() - t0));
    close(fd);
}
END_TEST

/* Every node must pick the same server for a key, and growing the list from
 * n to n+1 servers may only move keys onto the new server. */
START_TEST(server_choice_is_stable_and_consistent)
{
    int n, i, moved = 0, kept = 0, counts[8] = { 0 };

    for (i = 0; i < 4000; i++) {
        const char *k = apr_psprintf(tk_pool(), "s:key-%d", i);
        ck_assert_int_eq(saml_net_pick(k, 1), 0);
        for (n = 1; n < 8; n++) {
            int before = saml_net_pick(k, n), after = saml_net_pick(k, n + 1);
            ck_assert_int_ge(before, 0);
            ck_assert_int_lt(before, n);
            ck_assert_int_eq(saml_net_pick(k, n), before);
            ck_assert_msg(after == before || after == n, "%s moved from %d to %d with %d servers",
                          k, before, after, n + 1);
            if (n == 3)
                *(after == before ? &kept : &moved) += 1;
        }
        counts[saml_net_pick(k, 8)]++;
    }
    /* About a quarter moves when a fourth server joins; eight servers share evenly. */
    ck_assert_int_eq(moved + kept, 4000);
    ck_assert_int_gt(moved, 800);
    ck_assert_int_lt(moved, 1200);
    for (i = 0; i < 8; i++) {
        ck_assert_int_gt(counts[i], 350);
        ck_assert_int_lt(counts[i], 650);
    }
}
END_TEST

/* An error answer (out of memory, too large, authentication required) is an
 * error of its own kind, never success, never "already there". */
START_TEST(error_answers_are_errors)
{
    sc_server_t own = { 0, 0, 0 };
    saml_store_t *st;
    apr_size_t n = 2000;
    char *v = apr_pcalloc(tk_pool(), n), text[120];

    own.refusing = 1;
    sc_server_start(B, &own);
    st = open_on(&own, NULL);
    memset(v, 'v', n);
    ck_assert_int_eq(saml_store_set(st, sc_key("big"), v, n, sc_in_seconds(60)), SAML_NET_EREMOTE);
    ck_assert_int_eq(saml_store_add(st, sc_key("big"), v, n, sc_in_seconds(60)), SAML_NET_EREMOTE);
    ck_assert_int_eq(saml_store_add(st, sc_key("big"), v, n, sc_in_seconds(60)), SAML_NET_EREMOTE);
    ck_assert_str_eq(apr_strerror(SAML_NET_EREMOTE, text, sizeof(text)), "Remote I/O error");
    sc_server_stop(&own);
}
END_TEST

START_TEST(server_lists_are_checked)
{
    static const char *bad[] = { "", ",", "127.0.0.1:1,", ",127.0.0.1:1", "a,,b",
                                 "a b:1", ":11211", "host:99999", "host:port", "[::1",
                                 "fe80::1%eth0", NULL };
    static const char *good[] = { "cache.example", "cache.example:1234", "[::1]:6379",
                                  "10.0.0.1:1,10.0.0.2:2,10.0.0.3", NULL };
    int i;

    for (i = 0; bad[i]; i++) {
        saml_store_t *st = NULL;
        saml_err_t err = { NULL, NULL };
        apr_status_t rv = B->open(tk_pool(), bad[i], TEST_TIMEOUT, &st, &err);
        ck_assert_msg(rv == APR_EINVAL, "'%s' accepted", bad[i]);
        ck_assert_str_eq(err.check, "store-servers");
        ck_assert_ptr_nonnull(err.detail);
    }
    for (i = 0; good[i]; i++) {
        saml_store_t *st = NULL;
        saml_err_t err = { NULL, NULL };
        ck_assert_msg(B->open(tk_pool(), good[i], TEST_TIMEOUT, &st, &err) == APR_SUCCESS,
                      "'%s' refused: %s", good[i], err.detail);
    }
}
END_TEST

Suite *sc_suite(const sc_backend_t *b)
{
    static sc_contract_t contract;
    Suite *s = suite_create(b->name);
    TCase *tc = tcase_create("network");

    B = b;
    /* memcached and Redis refuse a 1 MiB value (as configured by the test
     * servers); memcached's clock ticks in whole seconds: a 1 s expiry gets
     * two more. */
    contract.name = b->name;
    contract.open = open_shared;
    contract.large_value = 200 * 1024;
    contract.too_large_value = 1024 * 1024;
    contract.keys_are_tokens = 1;
    contract.short_expiry_ms = 1000;
    contract.expiry_wait_ms = 3100;
    suite_add_tcase(s, sc_contract_tcase(&contract));
    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, threads_share_stores_over_two_servers);
    tcase_add_test(tc, keys_spread_over_servers);
    tcase_add_test(tc, one_server_down_fails_only_its_keys);
    tcase_add_test(tc, dead_server_is_an_error_then_recovers);
    tcase_add_test(tc, restart_between_operations_is_invisible);
    tcase_add_test(tc, hung_server_times_out);
    tcase_add_test(tc, error_answers_are_errors);
    tcase_add_test(tc, server_choice_is_stable_and_consistent);
    tcase_add_test(tc, server_lists_are_checked);
    suite_add_tcase(s, tc);
    if (b->extra)
        b->extra(s);
    return s;
}
int sc_main(const sc_backend_t *b)
{
    int rc;

    B = b;
    /* Apache ignores SIGPIPE; the store must not depend on it, so neither do we. */
    sc_server_start(B, &shared_a);
    sc_server_start(B, &shared_b);
    rc = tk_run_suite(sc_suite(b));
    sc_server_stop(&shared_a);
    sc_server_stop(&shared_b);
    return rc;
}
