/* The SQL store (store_dbd.c): the store.h contract (store_contract.c) over
 * APR DBD, on an SQLite file always, and on PostgreSQL when
 * SEQUR_TEST_PGSQL_PARAMS names a database (test_cache_dbd.py starts a real
 * server and runs this program so); then the purge's one-at-a-time claim and
 * a database that is gone.
 *
 * Connections are lent as mod_dbd lends them: one per thread (a hash of
 * labelled statements with it, prepared on first use), opened again in a
 * forked child, never shared. */
#include <check.h>
#include <apr_dbd.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "saml/store_dbd.h"
#include "saml/store_error.h"
#include "tests/unit/store_contract.h"
#include "tests/unit/testkit.h"

static const char *driver_name = "sqlite3";
static const char *params;              /* the SQLite path or PostgreSQL's params */

typedef struct lent {
    pid_t pid;
    apr_pool_t *pool;
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    apr_hash_t *prepared;
} lent_t;

static __thread lent_t mine;

/* The program's own pool (params lives there). Destroyed at exit by every
 * process, the ones check forks included: Debian's APR maps pool memory
 * with mmap, which LeakSanitizer does not scan, so a live unmanaged pool
 * reads as a leak of its allocator. */
static apr_pool_t *keep;
static void close_every_lent(void);

static void destroy_keep(void)
{
    close_every_lent();
    if (keep)
        apr_pool_destroy(keep);
    keep = NULL;
}

/* Every connection this process opened, closed at exit: the contract's
 * threads each open their own and end before the program does, and
 * LeakSanitizer (scripts/test-sanitizers.sh) would count what they held. */
#define LENT_MAX 256
static lent_t *lent_all[LENT_MAX];
static int lent_count;
static pid_t lent_owner;
static pthread_mutex_t lent_lock = PTHREAD_MUTEX_INITIALIZER;

static void close_every_lent(void)
{
    int i;

    if (lent_owner != getpid())
        return;
    for (i = 0; i < lent_count; i++) {
        apr_dbd_close(lent_all[i]->driver, lent_all[i]->handle);
        apr_pool_destroy(lent_all[i]->pool);
        free(lent_all[i]);
    }
    lent_count = 0;
}

/* Remembers a copy of mine (its pool and handle) to close at exit. */
static void remember_lent(void)
{
    lent_t *copy = malloc(sizeof(*copy));

    if (copy == NULL)
        return;
    *copy = mine;
    pthread_mutex_lock(&lent_lock);
    if (lent_owner != getpid()) {     /* a forked child: the parent closes its own */
        lent_owner = getpid();
        lent_count = 0;
        atexit(close_every_lent);
    }
    if (lent_count < LENT_MAX)
        lent_all[lent_count++] = copy;
    else
        free(copy);
    pthread_mutex_unlock(&lent_lock);
}

static apr_status_t acquire(void *baton, apr_pool_t *p, saml_dbd_conn_t *c)
{
    const char *why = NULL;
    const char *where = baton ? baton : params;
    (void)p;

    if (mine.handle == NULL || mine.pid != getpid()) {
        memset(&mine, 0, sizeof(mine));    /* a forked child: the parent's is not ours */
        apr_pool_create_unmanaged_ex(&mine.pool, NULL, NULL);
        if (apr_dbd_get_driver(mine.pool, driver_name, &mine.driver) != APR_SUCCESS
            || apr_dbd_open_ex(mine.driver, mine.pool, where, &mine.handle, &why) != APR_SUCCESS) {
            saml_store_error_note(SAML_EUNAVAILABLE, "cannot open %s: %s", where,
                                  why ? why : "?");
            apr_pool_destroy(mine.pool);
            memset(&mine, 0, sizeof(mine));
            return SAML_EUNAVAILABLE;
        }
        mine.pid = getpid();
        if (!strcmp(driver_name, "sqlite3")) {
            /* What README's DBDInitSQL lines do under mod_dbd: readers never
             * wait for a writer, writers queue instead of failing at once. */
            int n;
            apr_dbd_query(mine.driver, mine.handle, &n, "PRAGMA journal_mode = WAL");
            apr_dbd_query(mine.driver, mine.handle, &n, "PRAGMA busy_timeout = 5000");
        }
        mine.prepared = apr_hash_make(mine.pool);
        remember_lent();
    }
    c->driver = mine.driver;
    c->handle = mine.handle;
    c->prepared = mine.prepared;
    c->pool = mine.pool;
    return APR_SUCCESS;
}

static void release(void *baton, saml_dbd_conn_t *c)
{
    (void)baton;
    (void)c;
}

static const saml_dbd_source_t source = { acquire, release, NULL };

static void make_tables(void)
{
    static int done;
    apr_pool_t *p;
    const apr_dbd_driver_t *d;
    apr_dbd_t *h;
    const char *why = NULL;
    saml_err_t err = {0};

    if (done)
        return;
    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    ck_assert_int_eq(apr_dbd_init(p), APR_SUCCESS);
    ck_assert_int_eq(apr_dbd_get_driver(p, driver_name, &d), APR_SUCCESS);
    ck_assert_msg(apr_dbd_open_ex(d, p, params, &h, &why) == APR_SUCCESS, "open %s: %s", params,
                  why ? why : "?");
    ck_assert_int_eq(saml_store_dbd_init(p, d, h, &err), APR_SUCCESS);
    /* Twice: init keeps what exists. */
    ck_assert_int_eq(saml_store_dbd_init(p, d, h, &err), APR_SUCCESS);
    apr_dbd_close(d, h);
    apr_pool_destroy(p);
    done = 1;
}

static saml_store_t *open_store_every(apr_interval_time_t purge)
{
    saml_store_t *st = NULL;
    make_tables();
    ck_assert_int_eq(saml_store_dbd_open(tk_pool(), &source, purge, &st), APR_SUCCESS);
    return st;
}

static saml_store_t *open_contract_store(void)
{
    return open_store_every(0);
}

/* ---- this back-end's own ------------------------------------------------------ */

/* Two nodes with the same interval: the first purges the expired rows, the
 * second (within the interval) is told another holds the claim, and live
 * rows are kept. */
START_TEST(one_node_purges_at_a_time)
{
    saml_store_t *a = open_store_every(apr_time_from_sec(2));
    saml_store_t *b = open_store_every(apr_time_from_sec(2));
    /* An hour ahead: any claim an earlier test or run left has expired by
     * then, and rows written below with a shorter life count as dead. */
    apr_time_t later = apr_time_now() + apr_time_from_sec(3600);
    int deleted = -1, i;

    for (i = 0; i < 5; i++)
        ck_assert_int_eq(saml_store_set(a, sc_key(apr_psprintf(tk_pool(), "dead%d", i)), "x", 1,
                                        sc_in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_set(a, sc_key("alive"), "y", 1, sc_in_seconds(7200)),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_store_dbd_purge(a, later, &deleted), APR_SUCCESS);
    ck_assert_int_ge(deleted, 5);
    /* Another node within the interval: the claim is taken, nothing deleted. */
    ck_assert_int_eq(saml_store_dbd_purge(b, later, &deleted), APR_EBUSY);
    ck_assert_int_eq(deleted, 0);
    ck_assert_int_eq(saml_store_dbd_purge(a, later + apr_time_from_sec(1), &deleted), APR_EBUSY);
    sc_assert_value(a, sc_key("alive"), "y", 1);
    sc_assert_absent(a, sc_key("dead0"));
    /* Once the interval has passed, the next node may purge. */
    ck_assert_int_eq(saml_store_dbd_purge(b, later + apr_time_from_sec(3), &deleted),
                     APR_SUCCESS);
}
END_TEST

/* Rows of this test process whose key starts with prefix, read directly. */
static int count_rows(const char *prefix)
{
    apr_pool_t *p = tk_pool();
    const apr_dbd_driver_t *d;
    apr_dbd_t *h;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *why = NULL;
    int n = 0;

    ck_assert_int_eq(apr_dbd_get_driver(p, driver_name, &d), APR_SUCCESS);
    ck_assert_int_eq(apr_dbd_open_ex(d, p, params, &h, &why), APR_SUCCESS);
    ck_assert_int_eq(apr_dbd_select(d, p, h, &res, apr_psprintf(p, "SELECT k FROM "
                                    SAML_DBD_CACHE_TABLE " WHERE k LIKE '%s%%'",
                                    sc_key(prefix)), 1), 0);
    while (apr_dbd_get_row(d, p, res, &row, -1) == 0)
        n++;
    apr_dbd_close(d, h);
    return n;
}

/* Writes purge on their own: once the interval has passed, the next write
 * of this process claims the purge and the expired rows are gone, the live
 * one kept. */
START_TEST(writes_purge_expired_rows)
{
    saml_store_t *st = open_store_every(apr_time_from_msec(1000));
    int i;

    /* A claim left by an earlier test's store (60 s) would hold it off. */
    ck_assert_int_eq(saml_store_remove(st, SAML_STORE_NS_DBD_PURGE "purge"), APR_SUCCESS);
    ck_assert_int_eq(saml_store_set(st, sc_key("purge-live"), "y", 1, sc_in_seconds(60)),
                     APR_SUCCESS);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(saml_store_set(st, sc_key(apr_psprintf(tk_pool(), "purge-dead%d", i)),
                                        "x", 1, apr_time_now() + apr_time_from_msec(100)),
                         APR_SUCCESS);
    ck_assert_int_eq(count_rows("purge-dead"), 4);      /* within the interval: kept */
    apr_sleep(apr_time_from_msec(2100));
    ck_assert_int_eq(count_rows("purge-dead"), 4);      /* nobody wrote: still there */
    ck_assert_int_eq(saml_store_set(st, sc_key("purge-trigger"), "z", 1, sc_in_seconds(60)),
                     APR_SUCCESS);
    ck_assert_int_eq(count_rows("purge-dead"), 0);
    ck_assert_int_eq(count_rows("purge-live"), 1);
}
END_TEST

/* No database: every operation fails with SAML_EUNAVAILABLE (never
 * "absent", which would read as "no session" or "not a replay") and the
 * note says why. */
START_TEST(no_database_is_an_error_not_absence)
{
    static const saml_dbd_source_t nowhere = { acquire, release,
                                               "/nonexistent/dir/cache.db" };
    saml_store_t *st = NULL;
    char *val;
    apr_size_t len;

    if (strcmp(driver_name, "sqlite3"))
        return;
    mine.handle = NULL;             /* this thread's next connection goes nowhere */
    ck_assert_int_eq(saml_store_dbd_open(tk_pool(), &nowhere, 0, &st), APR_SUCCESS);
    ck_assert_int_eq(saml_store_get(st, sc_key("x"), tk_pool(), &val, &len), SAML_EUNAVAILABLE);
    ck_assert_int_eq(saml_store_add(st, sc_key("x"), "v", 1, sc_in_seconds(9)), SAML_EUNAVAILABLE);
    ck_assert_int_eq(saml_store_take(st, sc_key("x"), tk_pool(), &val, &len), SAML_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(saml_store_error_text(tk_pool(), SAML_EUNAVAILABLE),
                                 "/nonexistent/dir/cache.db"));
    mine.handle = NULL;
}
END_TEST

/* A table without our rows' shape (no table at all): an error, not absence. */
START_TEST(missing_table_is_an_error)
{
    static saml_dbd_source_t bare = { acquire, release, NULL };
    static char path[512];
    saml_store_t *st = NULL;
    char *val;
    apr_size_t len;

    if (strcmp(driver_name, "sqlite3"))
        return;
    snprintf(path, sizeof(path), "%s", tk_run_path(tk_pool(), "bare"));
    bare.baton = path;
    mine.handle = NULL;
    ck_assert_int_eq(saml_store_dbd_open(tk_pool(), &bare, 0, &st), APR_SUCCESS);
    ck_assert_int_eq(saml_store_get(st, sc_key("x"), tk_pool(), &val, &len), SAML_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(saml_store_error_text(tk_pool(), SAML_EUNAVAILABLE),
                                 "sequr_saml_cache"));
    mine.handle = NULL;
}
END_TEST

static const sc_contract_t dbd_contract = {
    "dbd", open_contract_store, SAML_DBD_VALUE_MAX, SAML_DBD_VALUE_MAX + 1, 1, 300, 1200
};

int main(void)
{
    Suite *s;
    TCase *tc;
    SRunner *sr;
    int failed;

    tk_setup();
    tk_run_dir_make("store_dbd");
    apr_pool_create_unmanaged_ex(&keep, NULL, NULL);
    atexit(destroy_keep);
    if (apr_dbd_init(keep) != APR_SUCCESS)
        return EXIT_FAILURE;
    if (getenv("SEQUR_TEST_PGSQL_PARAMS")) {
        driver_name = "pgsql";
        params = getenv("SEQUR_TEST_PGSQL_PARAMS");
    }
    else
        params = tk_run_path(keep, "cache-db");
    s = suite_create(apr_psprintf(tk_pool(), "store_dbd (%s)", driver_name));
    tc = tcase_create("dbd");
    tcase_add_checked_fixture(tc, tk_setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, one_node_purges_at_a_time);
    tcase_add_test(tc, writes_purge_expired_rows);
    tcase_add_test(tc, no_database_is_an_error_not_absence);
    tcase_add_test(tc, missing_table_is_an_error);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, sc_contract_tcase(&dbd_contract));
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tk_run_dir_remove();
    destroy_keep();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
