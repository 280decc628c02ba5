/* The store.h contract, whatever the back-end: semantics, binary values,
 * limits, expiry (short, past, beyond 30 days), and atomic add, take and
 * replace between processes and threads. Run by the file store
 * (test_store_file) and by the network stores through store_contract_net.c
 * (test_store_memcache, test_store_redis). */
#include "tests/unit/store_contract.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/testkit.h"

#define RACERS 8
#define RACE_ROUNDS 12

static const sc_contract_t *K;

/* ---- helpers ----------------------------------------------------------------- */

/* Keys unique to this test process: a shared server outlives each test. */
const char *sc_key(const char *name)
{
    return apr_psprintf(tk_pool(), "t:%ld:%s", (long)getpid(), name);
}

apr_time_t sc_in_seconds(int s)
{
    return apr_time_now() + apr_time_from_sec(s);
}

static apr_status_t put(saml_store_t *st, const char *k, const char *v, apr_time_t exp)
{
    return saml_store_set(st, k, v, strlen(v), exp);
}

void sc_assert_value(saml_store_t *st, const char *k, const char *want, apr_size_t want_len)
{
    char *val = NULL;
    apr_size_t len = 0;
    apr_status_t rv = saml_store_get(st, k, tk_pool(), &val, &len);
    ck_assert_msg(rv == APR_SUCCESS, "get %s: status %d", k, rv);
    ck_assert_uint_eq(len, want_len);
    ck_assert_int_eq(memcmp(val, want, want_len), 0);
    ck_assert_int_eq(val[len], '\0');
}

void sc_assert_absent(saml_store_t *st, const char *k)
{
    char *val = NULL;
    apr_size_t len = 0;
    ck_assert_int_eq(saml_store_get(st, k, tk_pool(), &val, &len), APR_NOTFOUND);
}

/* ---- semantics ---------------------------------------------------------------- */

START_TEST(set_get_remove)
{
    saml_store_t *st = K->open();
    const char *k1 = sc_key("k1"), *k2 = sc_key("k2");

    sc_assert_absent(st, k1);
    ck_assert_int_eq(put(st, k1, "one", sc_in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(put(st, k2, "two", sc_in_seconds(60)), APR_SUCCESS);
    sc_assert_value(st, k1, "one", 3);
    sc_assert_value(st, k2, "two", 3);
    ck_assert_int_eq(put(st, k1, "uno", sc_in_seconds(60)), APR_SUCCESS);
    sc_assert_value(st, k1, "uno", 3);
    ck_assert_int_eq(saml_store_remove(st, k1), APR_SUCCESS);
    sc_assert_absent(st, k1);
    sc_assert_value(st, k2, "two", 3);
    ck_assert_int_eq(saml_store_remove(st, k1), APR_SUCCESS);
    ck_assert_str_eq(st->provider->name, K->name);
}
END_TEST

/* NULs, CRLFs and the protocol's own words inside a value are just bytes;
 * a value as large as the store takes comes back whole. */
START_TEST(values_are_binary_safe)
{
    saml_store_t *st = K->open();
    static const char tricky[] = "a\0b\r\nEND\r\n$-1\r\n+OK\r\nVALUE x 0 1\r\n\0";
    apr_size_t big_len = K->large_value, i;
    char *big = apr_palloc(tk_pool(), big_len);
    char *val;
    apr_size_t len;

    ck_assert_int_eq(saml_store_set(st, sc_key("bin"), tricky, sizeof(tricky), sc_in_seconds(60)),
                     APR_SUCCESS);
    sc_assert_value(st, sc_key("bin"), tricky, sizeof(tricky));
    ck_assert_int_eq(saml_store_set(st, sc_key("empty"), "", 0, sc_in_seconds(60)), APR_SUCCESS);
    sc_assert_value(st, sc_key("empty"), "", 0);
    for (i = 0; i < big_len; i++)
        big[i] = (char)(i * 7 + i / 251);
    ck_assert_int_eq(saml_store_set(st, sc_key("big"), big, big_len, sc_in_seconds(60)), APR_SUCCESS);
    sc_assert_value(st, sc_key("big"), big, big_len);
    ck_assert_int_eq(saml_store_take(st, sc_key("big"), tk_pool(), &val, &len), APR_SUCCESS);
    ck_assert_uint_eq(len, big_len);
    ck_assert_int_eq(memcmp(val, big, big_len), 0);
    /* The connection is still in step after all that. */
    sc_assert_value(st, sc_key("bin"), tricky, sizeof(tricky));
}
END_TEST

START_TEST(limits_on_keys_and_values)
{
    saml_store_t *st = K->open();
    char longkey[SAML_STORE_KEY_MAX + 2];
    apr_size_t huge_len = K->too_large_value;
    char *huge = apr_pcalloc(tk_pool(), huge_len);

    memset(longkey, 'k', sizeof(longkey));
    longkey[SAML_STORE_KEY_MAX + 1] = '\0';
    ck_assert_int_eq(put(st, longkey, "x", sc_in_seconds(60)), APR_EINVAL);
    longkey[SAML_STORE_KEY_MAX] = '\0';
    ck_assert_int_eq(put(st, longkey, "x", sc_in_seconds(60)), APR_SUCCESS);
    sc_assert_value(st, longkey, "x", 1);
    ck_assert_int_eq(saml_store_remove(st, longkey), APR_SUCCESS);
    ck_assert_int_eq(put(st, "", "x", sc_in_seconds(60)), APR_EINVAL);
    if (K->keys_are_tokens) {
        /* A key is one protocol token: no spaces, no line breaks. */
        ck_assert_int_eq(put(st, "a b", "x", sc_in_seconds(60)), APR_EINVAL);
        ck_assert_int_eq(put(st, "a\r\nflush_all", "x", sc_in_seconds(60)), APR_EINVAL);
        ck_assert_int_eq(saml_store_remove(st, "a\nb"), APR_EINVAL);
    }
    ck_assert_int_eq(saml_store_set(st, sc_key("huge"), huge, huge_len, sc_in_seconds(60)),
                     SAML_ETOOLARGE);
    ck_assert_int_eq(saml_store_add(st, sc_key("huge"), huge, huge_len, sc_in_seconds(60)),
                     SAML_ETOOLARGE);
    sc_assert_absent(st, sc_key("huge"));
}
END_TEST

START_TEST(expiry_short_past_and_long)
{
    saml_store_t *st = K->open();

    ck_assert_int_eq(put(st, sc_key("past"), "x", apr_time_now() - 1), APR_SUCCESS);
    sc_assert_absent(st, sc_key("past"));
    /* A set with a past expiry also drops an older live value. */
    ck_assert_int_eq(put(st, sc_key("replaced"), "live", sc_in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(put(st, sc_key("replaced"), "dead", apr_time_now() - 1), APR_SUCCESS);
    sc_assert_absent(st, sc_key("replaced"));
    /* memcached reads more than 30 days as absolute time: 40 days must work. */
    ck_assert_int_eq(put(st, sc_key("long"), "kept", sc_in_seconds(40 * 86400)), APR_SUCCESS);
    sc_assert_value(st, sc_key("long"), "kept", 4);
    ck_assert_int_eq(put(st, sc_key("year"), "kept", sc_in_seconds(366 * 86400)), APR_SUCCESS);
    sc_assert_value(st, sc_key("year"), "kept", 4);

    ck_assert_int_eq(put(st, sc_key("soon"), "y",
                         apr_time_now() + apr_time_from_msec(K->short_expiry_ms)), APR_SUCCESS);
    sc_assert_value(st, sc_key("soon"), "y", 1);
    apr_sleep(apr_time_from_msec(K->expiry_wait_ms));
    sc_assert_absent(st, sc_key("soon"));
    sc_assert_value(st, sc_key("long"), "kept", 4);
}
END_TEST

START_TEST(add_refuses_live_key_only)
{
    saml_store_t *st = K->open();
    const char *r = sc_key("r"), *e = sc_key("e");

    ck_assert_int_eq(saml_store_add(st, r, "first", 5, sc_in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_add(st, r, "second", 6, sc_in_seconds(60)), APR_EEXIST);
    sc_assert_value(st, r, "first", 5);
    /* An add whose expiry has passed still reports the live entry. */
    ck_assert_int_eq(saml_store_add(st, r, "late", 4, apr_time_now() - 1), APR_EEXIST);
    sc_assert_value(st, r, "first", 5);

    ck_assert_int_eq(saml_store_add(st, e, "old", 3, apr_time_now() - 1), APR_SUCCESS);
    ck_assert_int_eq(saml_store_add(st, e, "new", 3, sc_in_seconds(60)), APR_SUCCESS);
    sc_assert_value(st, e, "new", 3);
    ck_assert_int_eq(saml_store_remove(st, e), APR_SUCCESS);
    ck_assert_int_eq(saml_store_add(st, e, "again", 5, sc_in_seconds(60)), APR_SUCCESS);
}
END_TEST

/* replace writes only over a live entry: what a write-back of a session
 * uses, so that it can never recreate one a logout removed. */
START_TEST(replace_only_overwrites_a_live_key)
{
    saml_store_t *st = K->open();
    const char *k = sc_key("rep"), *e = sc_key("rep-expired");

    ck_assert_int_eq(saml_store_replace(st, k, "ghost", 5, sc_in_seconds(60)), APR_NOTFOUND);
    sc_assert_absent(st, k);
    ck_assert_int_eq(put(st, k, "first", sc_in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_replace(st, k, "second", 6, sc_in_seconds(60)), APR_SUCCESS);
    sc_assert_value(st, k, "second", 6);
    ck_assert_int_eq(saml_store_remove(st, k), APR_SUCCESS);
    ck_assert_int_eq(saml_store_replace(st, k, "third", 5, sc_in_seconds(60)), APR_NOTFOUND);
    sc_assert_absent(st, k);
    /* A replace whose expiry has passed leaves nothing readable. */
    ck_assert_int_eq(put(st, k, "live", sc_in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_replace(st, k, "late", 4, apr_time_now() - 1), APR_SUCCESS);
    sc_assert_absent(st, k);
    /* An expired entry is no entry. */
    ck_assert_int_eq(put(st, e, "old", apr_time_now() - 1), APR_SUCCESS);
    ck_assert_int_eq(saml_store_replace(st, e, "new", 3, sc_in_seconds(60)), APR_NOTFOUND);
    sc_assert_absent(st, e);
}
END_TEST

START_TEST(take_answers_once)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = K->open();
    char *val = NULL;
    apr_size_t len = 0;

    ck_assert_int_eq(put(st, sc_key("q"), "pending", sc_in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_take(st, sc_key("q"), p, &val, &len), APR_SUCCESS);
    ck_assert_str_eq(val, "pending");
    ck_assert_uint_eq(len, 7);
    ck_assert_int_eq(saml_store_take(st, sc_key("q"), p, &val, &len), APR_NOTFOUND);
    sc_assert_absent(st, sc_key("q"));
    ck_assert_int_eq(put(st, sc_key("gone"), "x", apr_time_now() - 1), APR_SUCCESS);
    ck_assert_int_eq(saml_store_take(st, sc_key("gone"), p, &val, &len), APR_NOTFOUND);
}
END_TEST

/* ---- atomicity between processes and threads ------------------------------------ */

/* RACERS forked processes, released together, each adding (or taking) the
 * same key through the store they inherited (so they must not share the
 * parent's pooled connection). Returns how many won; fails on any error. */
static int race(saml_store_t *st, const char *k, int take)
{
    int gate[2], i, winners = 0;
    pid_t pids[RACERS];

    ck_assert_int_eq(pipe(gate), 0);
    for (i = 0; i < RACERS; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            char c, *val;
            apr_size_t len;
            apr_status_t rv;
            close(gate[1]);
            if (read(gate[0], &c, 1) < 0)
                _exit(3);
            rv = take ? saml_store_take(st, k, tk_pool(), &val, &len)
                      : saml_store_add(st, k, "me", 2, sc_in_seconds(60));
            if (rv == APR_SUCCESS && take && (len != 6 || memcmp(val, "prize!", 6)))
                _exit(4);
            _exit(rv == APR_SUCCESS ? 0 : (rv == APR_NOTFOUND || rv == APR_EEXIST) ? 1 : 2);
        }
    }
    close(gate[0]);
    close(gate[1]);      /* every racer's read returns now */
    for (i = 0; i < RACERS; i++) {
        int status;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) <= 1,
                      "racer %d ended with status %d", i, status);
        winners += WEXITSTATUS(status) == 0;
    }
    return winners;
}

START_TEST(add_race_has_one_winner)
{
    saml_store_t *st = K->open();
    int round;

    /* The parent holds a pooled connection that the racers inherit. */
    sc_assert_absent(st, sc_key("warm"));
    for (round = 0; round < RACE_ROUNDS; round++)
        ck_assert_int_eq(race(st, sc_key(apr_psprintf(tk_pool(), "add%d", round)), 0), 1);
    sc_assert_absent(st, sc_key("warm"));
}
END_TEST

START_TEST(take_race_has_one_winner)
{
    saml_store_t *st = K->open();
    int round;

    for (round = 0; round < RACE_ROUNDS; round++) {
        const char *k = sc_key(apr_psprintf(tk_pool(), "take%d", round));
        ck_assert_int_eq(put(st, k, "prize!", sc_in_seconds(60)), APR_SUCCESS);
        ck_assert_int_eq(race(st, k, 1), 1);
        sc_assert_absent(st, k);
    }
}
END_TEST

/* Forked writers replace one key in a loop while the parent removes it:
 * once any writer has seen it gone, no replace may succeed again, and the key
 * stays gone (a set here would bring it back). */
#define REPLACERS 4
#define REPLACE_ROUNDS 200

START_TEST(replace_race_never_recreates)
{
    saml_store_t *st = K->open();
    const char *k = sc_key("resurrect");
    pid_t pids[REPLACERS];
    int gate[2], i;

    ck_assert_int_eq(put(st, k, "session", sc_in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(pipe(gate), 0);
    for (i = 0; i < REPLACERS; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            int n, gone = 0;
            char c;
            close(gate[1]);
            if (read(gate[0], &c, 1) < 0)
                _exit(3);
            for (n = 0; n < REPLACE_ROUNDS; n++) {
                apr_status_t rv = saml_store_replace(st, k, "refreshed", 9, sc_in_seconds(60));
                if (rv == APR_NOTFOUND)
                    gone = 1;
                else if (rv != APR_SUCCESS)
                    _exit(2);
                else if (gone)
                    _exit(4);     /* brought back after it was gone */
            }
            _exit(0);
        }
    }
    close(gate[0]);
    close(gate[1]);
    usleep(2000);
    ck_assert_int_eq(saml_store_remove(st, k), APR_SUCCESS);
    for (i = 0; i < REPLACERS; i++) {
        int status;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "replacer %d ended with status %d", i, status);
    }
    sc_assert_absent(st, k);
}
END_TEST

/* Threads of one process (Apache's event MPM) share the store (and a network
 * store's connection pool): every thread reads back exactly what it wrote. */
#define THREADS 8
#define THREAD_OPS 150

typedef struct worker {
    saml_store_t *st;
    int n;
    long pid;
    int failures;
} worker_t;

static void *work(void *arg)
{
    worker_t *w = arg;
    apr_pool_t *p;
    int i;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    for (i = 0; i < THREAD_OPS; i++) {
        const char *k = apr_psprintf(p, "t:%ld:thread%d:%d", w->pid, w->n, i % 10);
        const char *v = apr_psprintf(p, "value of %d/%d", w->n, i);
        char *got;
        apr_size_t len;
        if (saml_store_set(w->st, k, v, strlen(v), apr_time_now() + apr_time_from_sec(60))
            != APR_SUCCESS
            || saml_store_get(w->st, k, p, &got, &len) != APR_SUCCESS || strcmp(got, v)
            || (i % 3 == 0 && (saml_store_take(w->st, k, p, &got, &len) != APR_SUCCESS
                               || strcmp(got, v))))
            w->failures++;
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return NULL;
}

void sc_threads_share(saml_store_t *st)
{
    pthread_t t[THREADS];
    worker_t w[THREADS];
    int i;

    for (i = 0; i < THREADS; i++) {
        w[i].st = st;
        w[i].n = i;
        w[i].pid = (long)getpid();
        w[i].failures = 0;
        ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
        ck_assert_msg(w[i].failures == 0, "thread %d: %d failed operations", i, w[i].failures);
    }
}

START_TEST(threads_share_one_store)
{
    sc_threads_share(K->open());
}
END_TEST

TCase *sc_contract_tcase(const sc_contract_t *k)
{
    TCase *tc = tcase_create("contract");

    K = k;
    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, set_get_remove);
    tcase_add_test(tc, values_are_binary_safe);
    tcase_add_test(tc, limits_on_keys_and_values);
    tcase_add_test(tc, expiry_short_past_and_long);
    tcase_add_test(tc, add_refuses_live_key_only);
    tcase_add_test(tc, replace_only_overwrites_a_live_key);
    tcase_add_test(tc, take_answers_once);
    tcase_add_test(tc, add_race_has_one_winner);
    tcase_add_test(tc, take_race_has_one_winner);
    tcase_add_test(tc, replace_race_never_recreates);
    tcase_add_test(tc, threads_share_one_store);
    return tc;
}
