/* The store.h contract against a real memcached or Redis started by the test
 * program: semantics, binary values, expiry (short, past, beyond 30 days),
 * atomic add and take between processes, keys spread over two servers, and
 * what happens when the server dies, hangs or comes back. */
#include "tests/unit/store_contract.h"

#include <apr_strings.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "saml/store_net.h"
#include "tests/unit/testkit.h"

/* Roomy for racing processes under valgrind; failure tests use a short one
 * so that they are quick (still far above a local round trip). */
#define TEST_TIMEOUT  apr_time_from_msec(3000)
#define SHORT_TIMEOUT apr_time_from_msec(300)
#define RACERS 8
#define RACE_ROUNDS 12

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

/* Keys unique to this test process: the shared servers outlive each test. */
static const char *key(const char *name)
{
    return apr_psprintf(tk_pool(), "t:%ld:%s", (long)getpid(), name);
}

static apr_time_t in_seconds(int s)
{
    return apr_time_now() + apr_time_from_sec(s);
}

static apr_status_t put(saml_store_t *st, const char *k, const char *v, apr_time_t exp)
{
    return saml_store_set(st, k, v, strlen(v), exp);
}

static void assert_value(saml_store_t *st, const char *k, const char *want, apr_size_t want_len)
{
    char *val = NULL;
    apr_size_t len = 0;
    apr_status_t rv = saml_store_get(st, k, tk_pool(), &val, &len);
    ck_assert_msg(rv == APR_SUCCESS, "get %s: status %d", k, rv);
    ck_assert_uint_eq(len, want_len);
    ck_assert_int_eq(memcmp(val, want, want_len), 0);
    ck_assert_int_eq(val[len], '\0');
}

static void assert_absent(saml_store_t *st, const char *k)
{
    char *val = NULL;
    apr_size_t len = 0;
    ck_assert_int_eq(saml_store_get(st, k, tk_pool(), &val, &len), APR_NOTFOUND);
}

static int is_store_failure(apr_status_t rv)
{
    return rv != APR_SUCCESS && rv != APR_NOTFOUND && rv != APR_EEXIST;
}

/* ---- semantics ---------------------------------------------------------------- */

START_TEST(set_get_remove)
{
    saml_store_t *st = open_on(&shared_a, NULL);
    const char *k1 = key("k1"), *k2 = key("k2");

    assert_absent(st, k1);
    ck_assert_int_eq(put(st, k1, "one", in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(put(st, k2, "two", in_seconds(60)), APR_SUCCESS);
    assert_value(st, k1, "one", 3);
    assert_value(st, k2, "two", 3);
    ck_assert_int_eq(put(st, k1, "uno", in_seconds(60)), APR_SUCCESS);
    assert_value(st, k1, "uno", 3);
    ck_assert_int_eq(saml_store_remove(st, k1), APR_SUCCESS);
    assert_absent(st, k1);
    assert_value(st, k2, "two", 3);
    ck_assert_int_eq(saml_store_remove(st, k1), APR_SUCCESS);
    ck_assert_str_eq(st->provider->name, B->name);
}
END_TEST

/* NULs, CRLFs and the protocol's own words inside a value are just bytes. */
START_TEST(values_are_binary_safe)
{
    saml_store_t *st = open_on(&shared_a, NULL);
    static const char tricky[] = "a\0b\r\nEND\r\n$-1\r\n+OK\r\nVALUE x 0 1\r\n\0";
    apr_size_t big_len = 200 * 1024, i;
    char *big = apr_palloc(tk_pool(), big_len);
    char *val;
    apr_size_t len;

    ck_assert_int_eq(saml_store_set(st, key("bin"), tricky, sizeof(tricky), in_seconds(60)),
                     APR_SUCCESS);
    assert_value(st, key("bin"), tricky, sizeof(tricky));
    ck_assert_int_eq(saml_store_set(st, key("empty"), "", 0, in_seconds(60)), APR_SUCCESS);
    assert_value(st, key("empty"), "", 0);
    for (i = 0; i < big_len; i++)
        big[i] = (char)(i * 7 + i / 251);
    ck_assert_int_eq(saml_store_set(st, key("big"), big, big_len, in_seconds(60)), APR_SUCCESS);
    assert_value(st, key("big"), big, big_len);
    ck_assert_int_eq(saml_store_take(st, key("big"), tk_pool(), &val, &len), APR_SUCCESS);
    ck_assert_uint_eq(len, big_len);
    ck_assert_int_eq(memcmp(val, big, big_len), 0);
    /* The connection is still in step after all that. */
    assert_value(st, key("bin"), tricky, sizeof(tricky));
}
END_TEST

START_TEST(limits_on_keys_and_values)
{
    saml_store_t *st = open_on(&shared_a, NULL);
    char longkey[SAML_STORE_KEY_MAX + 2];
    apr_size_t huge_len = 1024 * 1024;
    char *huge = apr_pcalloc(tk_pool(), huge_len);

    memset(longkey, 'k', sizeof(longkey));
    longkey[SAML_STORE_KEY_MAX + 1] = '\0';
    ck_assert_int_eq(put(st, longkey, "x", in_seconds(60)), APR_EINVAL);
    longkey[SAML_STORE_KEY_MAX] = '\0';
    ck_assert_int_eq(put(st, longkey, "x", in_seconds(60)), APR_SUCCESS);
    assert_value(st, longkey, "x", 1);
    ck_assert_int_eq(saml_store_remove(st, longkey), APR_SUCCESS);
    /* A key is one protocol token: no spaces, no line breaks. */
    ck_assert_int_eq(put(st, "", "x", in_seconds(60)), APR_EINVAL);
    ck_assert_int_eq(put(st, "a b", "x", in_seconds(60)), APR_EINVAL);
    ck_assert_int_eq(put(st, "a\r\nflush_all", "x", in_seconds(60)), APR_EINVAL);
    ck_assert_int_eq(saml_store_remove(st, "a\nb"), APR_EINVAL);
    ck_assert_int_eq(saml_store_set(st, key("huge"), huge, huge_len, in_seconds(60)),
                     SAML_ETOOLARGE);
    ck_assert_int_eq(saml_store_add(st, key("huge"), huge, huge_len, in_seconds(60)),
                     SAML_ETOOLARGE);
    assert_absent(st, key("huge"));
}
END_TEST

START_TEST(expiry_short_past_and_long)
{
    saml_store_t *st = open_on(&shared_a, NULL);

    ck_assert_int_eq(put(st, key("past"), "x", apr_time_now() - 1), APR_SUCCESS);
    assert_absent(st, key("past"));
    /* A set with a past expiry also drops an older live value. */
    ck_assert_int_eq(put(st, key("replaced"), "live", in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(put(st, key("replaced"), "dead", apr_time_now() - 1), APR_SUCCESS);
    assert_absent(st, key("replaced"));
    /* memcached reads more than 30 days as absolute time: 40 days must work. */
    ck_assert_int_eq(put(st, key("long"), "kept", in_seconds(40 * 86400)), APR_SUCCESS);
    assert_value(st, key("long"), "kept", 4);
    ck_assert_int_eq(put(st, key("year"), "kept", in_seconds(366 * 86400)), APR_SUCCESS);
    assert_value(st, key("year"), "kept", 4);

    ck_assert_int_eq(put(st, key("soon"), "y", in_seconds(1)), APR_SUCCESS);
    assert_value(st, key("soon"), "y", 1);
    /* memcached's clock ticks in whole seconds: allow it two more. */
    apr_sleep(apr_time_from_msec(3100));
    assert_absent(st, key("soon"));
    assert_value(st, key("long"), "kept", 4);
}
END_TEST

START_TEST(add_refuses_live_key_only)
{
    saml_store_t *st = open_on(&shared_a, NULL);
    const char *r = key("r"), *e = key("e");

    ck_assert_int_eq(saml_store_add(st, r, "first", 5, in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_add(st, r, "second", 6, in_seconds(60)), APR_EEXIST);
    assert_value(st, r, "first", 5);
    /* An add whose expiry has passed still reports the live entry. */
    ck_assert_int_eq(saml_store_add(st, r, "late", 4, apr_time_now() - 1), APR_EEXIST);
    assert_value(st, r, "first", 5);

    ck_assert_int_eq(saml_store_add(st, e, "old", 3, apr_time_now() - 1), APR_SUCCESS);
    ck_assert_int_eq(saml_store_add(st, e, "new", 3, in_seconds(60)), APR_SUCCESS);
    assert_value(st, e, "new", 3);
    ck_assert_int_eq(saml_store_remove(st, e), APR_SUCCESS);
    ck_assert_int_eq(saml_store_add(st, e, "again", 5, in_seconds(60)), APR_SUCCESS);
}
END_TEST

/* replace writes only over a live entry: what a write-back of a session
 * uses, so that it can never recreate one a logout removed. */
START_TEST(replace_only_overwrites_a_live_key)
{
    saml_store_t *st = open_on(&shared_a, NULL);
    const char *k = key("rep"), *e = key("rep-expired");

    ck_assert_int_eq(saml_store_replace(st, k, "ghost", 5, in_seconds(60)), APR_NOTFOUND);
    assert_absent(st, k);
    ck_assert_int_eq(put(st, k, "first", in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_replace(st, k, "second", 6, in_seconds(60)), APR_SUCCESS);
    assert_value(st, k, "second", 6);
    ck_assert_int_eq(saml_store_remove(st, k), APR_SUCCESS);
    ck_assert_int_eq(saml_store_replace(st, k, "third", 5, in_seconds(60)), APR_NOTFOUND);
    assert_absent(st, k);
    /* A replace whose expiry has passed leaves nothing readable. */
    ck_assert_int_eq(put(st, k, "live", in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_replace(st, k, "late", 4, apr_time_now() - 1), APR_SUCCESS);
    assert_absent(st, k);
    /* An expired entry is no entry. */
    ck_assert_int_eq(put(st, e, "old", apr_time_now() - 1), APR_SUCCESS);
    ck_assert_int_eq(saml_store_replace(st, e, "new", 3, in_seconds(60)), APR_NOTFOUND);
    assert_absent(st, e);
}
END_TEST

START_TEST(take_answers_once)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = open_on(&shared_a, NULL);
    char *val = NULL;
    apr_size_t len = 0;

    ck_assert_int_eq(put(st, key("q"), "pending", in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_take(st, key("q"), p, &val, &len), APR_SUCCESS);
    ck_assert_str_eq(val, "pending");
    ck_assert_uint_eq(len, 7);
    ck_assert_int_eq(saml_store_take(st, key("q"), p, &val, &len), APR_NOTFOUND);
    assert_absent(st, key("q"));
    ck_assert_int_eq(put(st, key("gone"), "x", apr_time_now() - 1), APR_SUCCESS);
    ck_assert_int_eq(saml_store_take(st, key("gone"), p, &val, &len), APR_NOTFOUND);
}
END_TEST

/* ---- atomicity between processes ------------------------------------------------- */

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
                      : saml_store_add(st, k, "me", 2, in_seconds(60));
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
    saml_store_t *st = open_on(&shared_a, NULL);
    int round;

    /* The parent holds a pooled connection that the racers inherit. */
    assert_absent(st, key("warm"));
    for (round = 0; round < RACE_ROUNDS; round++)
        ck_assert_int_eq(race(st, key(apr_psprintf(tk_pool(), "add%d", round)), 0), 1);
    assert_absent(st, key("warm"));
}
END_TEST

START_TEST(take_race_has_one_winner)
{
    saml_store_t *st = open_on(&shared_a, NULL);
    int round;

    for (round = 0; round < RACE_ROUNDS; round++) {
        const char *k = key(apr_psprintf(tk_pool(), "take%d", round));
        ck_assert_int_eq(put(st, k, "prize!", in_seconds(60)), APR_SUCCESS);
        ck_assert_int_eq(race(st, k, 1), 1);
        assert_absent(st, k);
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
    saml_store_t *st = open_on(&shared_a, NULL);
    const char *k = key("resurrect");
    pid_t pids[REPLACERS];
    int gate[2], i;

    ck_assert_int_eq(put(st, k, "session", in_seconds(60)), APR_SUCCESS);
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
                apr_status_t rv = saml_store_replace(st, k, "refreshed", 9, in_seconds(60));
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
    assert_absent(st, k);
}
END_TEST

/* Threads of one process (Apache's event MPM) share the store and its
 * connection pool: every thread reads back exactly what it wrote. */
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

START_TEST(threads_share_one_store)
{
    saml_store_t *st = open_on(&shared_a, &shared_b);
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
END_TEST

/* ---- several servers ---------------------------------------------------------- */

START_TEST(keys_spread_over_servers)
{
    saml_store_t *both = open_on(&shared_a, &shared_b);
    saml_store_t *only_a = open_on(&shared_a, NULL), *only_b = open_on(&shared_b, NULL);
    saml_store_t *again = open_on(&shared_a, &shared_b);
    int i, on_a = 0, on_b = 0;

    for (i = 0; i < 64; i++) {
        const char *k = key(apr_psprintf(tk_pool(), "spread%d", i));
        char *val;
        apr_size_t len;
        int a, b;
        ck_assert_int_eq(put(both, k, "v", in_seconds(60)), APR_SUCCESS);
        a = saml_store_get(only_a, k, tk_pool(), &val, &len) == APR_SUCCESS;
        b = saml_store_get(only_b, k, tk_pool(), &val, &len) == APR_SUCCESS;
        ck_assert_msg(a + b == 1, "key %s on %d servers", k, a + b);
        on_a += a;
        on_b += b;
        /* Another process with the same list finds it: the choice is stable. */
        assert_value(again, k, "v", 1);
        ck_assert_int_eq(saml_store_add(again, k, "w", 1, in_seconds(60)), APR_EEXIST);
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
        ck_assert_int_eq(put(both, key(apr_psprintf(tk_pool(), "half%d", i)), "v",
                             in_seconds(60)), APR_SUCCESS);
    sc_server_stop(&one);
    for (i = 0; i < 32; i++) {
        const char *k = key(apr_psprintf(tk_pool(), "half%d", i));
        char *val;
        apr_size_t len;
        int on_two = saml_store_get(only_two, k, tk_pool(), &val, &len) == APR_SUCCESS;
        apr_status_t rv = saml_store_add(both, k, "w", 1, in_seconds(60));
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
    ck_assert(is_store_failure(put(st, k, "v", in_seconds(60))));
    /* Above all: an add that could not ask is never "absent, added". */
    ck_assert(is_store_failure(saml_store_add(st, k, "v", 1, in_seconds(60))));
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
    ck_assert_int_eq(put(st, key("before"), "v", in_seconds(60)), APR_SUCCESS);
    sc_server_stop(&own);
    assert_every_operation_fails(st, key("before"));
    assert_every_operation_fails(st, key("other"));

    sc_server_start(B, &own);              /* same port, empty */
    deadline = apr_time_now() + apr_time_from_sec(3);
    do {
        rv = saml_store_get(st, key("before"), tk_pool(), &val, &len);
        if (rv != APR_NOTFOUND)
            apr_sleep(apr_time_from_msec(50));
    } while (rv != APR_NOTFOUND && apr_time_now() < deadline);
    ck_assert_msg(rv == APR_NOTFOUND, "store did not recover: status %d", rv);
    ck_assert_int_eq(saml_store_add(st, key("after"), "v", 1, in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_add(st, key("after"), "v", 1, in_seconds(60)), APR_EEXIST);
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
        ck_assert_int_eq(put(st, key("x"), "v", in_seconds(60)), APR_SUCCESS);
    sc_server_stop(&own);
    sc_server_start(B, &own);
    assert_absent(st, key("x"));
    ck_assert_int_eq(put(st, key("x"), "w", in_seconds(60)), APR_SUCCESS);
    assert_value(st, key("x"), "w", 1);
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
    ck_assert(is_store_failure(saml_store_get(st, key("h"), tk_pool(), &val, &len)));
    ck_assert(is_store_failure(saml_store_add(st, key("h"), "v", 1, in_seconds(60))));
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
    ck_assert_int_eq(saml_store_set(st, key("big"), v, n, in_seconds(60)), SAML_NET_EREMOTE);
    ck_assert_int_eq(saml_store_add(st, key("big"), v, n, in_seconds(60)), SAML_NET_EREMOTE);
    ck_assert_int_eq(saml_store_add(st, key("big"), v, n, in_seconds(60)), SAML_NET_EREMOTE);
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
    Suite *s = suite_create(b->name);
    TCase *tc = tcase_create("contract");

    B = b;
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
    tcase_add_test(tc, keys_spread_over_servers);
    tcase_add_test(tc, one_server_down_fails_only_its_keys);
    tcase_add_test(tc, dead_server_is_an_error_then_recovers);
    tcase_add_test(tc, restart_between_operations_is_invisible);
    tcase_add_test(tc, hung_server_times_out);
    tcase_add_test(tc, error_answers_are_errors);
    tcase_add_test(tc, server_choice_is_stable_and_consistent);
    tcase_add_test(tc, server_lists_are_checked);
    suite_add_tcase(s, tc);
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
