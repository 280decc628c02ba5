/* The file-backed store: the store.h contract (store_contract.c), and what
 * is the file store's own: capacity, persistence across reopening, layout
 * and corruption, atomicity of many keys between processes, survival of a
 * killed lock holder or writer, a full filesystem, and private files. */
#include <check.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>

#include "saml/store_error.h"
#include "saml/store_file.h"
#include "tests/unit/store_contract.h"
#include "tests/unit/testkit.h"

/* Not in store_file.h: a hook that leaves a stripe locked (see store_file.c). */
apr_status_t saml_store_file_hold_lock_for_test(saml_store_t *st, const char *key);

static const char *temp_store_path(apr_pool_t *p)
{
    return tk_run_path(p, "store");
}

static saml_store_t *open_store(apr_pool_t *p, const char *path, apr_size_t entries,
                                apr_size_t value_max)
{
    saml_store_t *st = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = saml_store_file_open(p, path, entries, value_max, &st, &err);
    ck_assert_msg(rv == APR_SUCCESS, "open %s: %s", path, err.detail ? err.detail : "?");
    return st;
}

static void assert_value(saml_store_t *st, const char *key, const char *want)
{
    char *val = NULL;
    apr_size_t len = 0;
    apr_status_t rv = saml_store_get(st, key, tk_pool(), &val, &len);
    ck_assert_msg(rv == APR_SUCCESS, "get %s: status %d", key, rv);
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_str_eq(val, want);
}

static void assert_absent(saml_store_t *st, const char *key)
{
    char *val = NULL;
    apr_size_t len = 0;
    ck_assert_int_eq(saml_store_get(st, key, tk_pool(), &val, &len), APR_NOTFOUND);
}

static apr_time_t in_seconds(int s)
{
    return apr_time_now() + apr_time_from_sec(s);
}

static apr_status_t put(saml_store_t *st, const char *key, const char *val, apr_time_t exp)
{
    return saml_store_set(st, key, val, strlen(val), exp);
}

/* The contract covers replace; here, its argument checks: an empty key, and
 * a value over value_max, which leaves the live value as it was. */
START_TEST(replace_checks_key_and_size)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = open_store(p, temp_store_path(p), 256, 128);

    ck_assert_int_eq(saml_store_replace(st, "", "x", 1, in_seconds(60)), APR_EINVAL);
    ck_assert_int_eq(put(st, "v", "x", in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_replace(st, "v", "y", 129, in_seconds(60)), SAML_ETOOLARGE);
    assert_value(st, "v", "x");
}
END_TEST

/* Threads replace keys in a loop while the main thread removes them: once a
 * thread saw a key gone it never succeeds on it again, and every key stays
 * gone (a set would bring them back). */
#define REPLACE_THREADS 4
#define REPLACE_KEYS 32
#define REPLACE_ROUNDS 300

typedef struct replacer {
    saml_store_t *st;
    int resurrected, errors;
} replacer_t;

static void *replace_loop(void *arg)
{
    replacer_t *r = arg;
    int gone[REPLACE_KEYS] = { 0 }, n, k;

    for (n = 0; n < REPLACE_ROUNDS; n++)
        for (k = 0; k < REPLACE_KEYS; k++) {
            char key[16];
            apr_status_t rv;
            snprintf(key, sizeof(key), "rr:%d", k);
            rv = saml_store_replace(r->st, key, "refreshed", 9, in_seconds(60));
            if (rv == APR_NOTFOUND)
                gone[k] = 1;
            else if (rv != APR_SUCCESS)
                r->errors++;
            else if (gone[k])
                r->resurrected++;
        }
    return NULL;
}

START_TEST(replace_race_between_threads_never_recreates)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = open_store(p, temp_store_path(p), 1024, 32);
    pthread_t t[REPLACE_THREADS];
    replacer_t r[REPLACE_THREADS];
    int i, k;

    for (k = 0; k < REPLACE_KEYS; k++)
        ck_assert_int_eq(put(st, apr_psprintf(p, "rr:%d", k), "session", in_seconds(60)),
                         APR_SUCCESS);
    for (i = 0; i < REPLACE_THREADS; i++) {
        r[i].st = st;
        r[i].resurrected = r[i].errors = 0;
        ck_assert_int_eq(pthread_create(&t[i], NULL, replace_loop, &r[i]), 0);
    }
    for (k = 0; k < REPLACE_KEYS; k++)
        ck_assert_int_eq(saml_store_remove(st, apr_psprintf(p, "rr:%d", k)), APR_SUCCESS);
    for (i = 0; i < REPLACE_THREADS; i++) {
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
        ck_assert_int_eq(r[i].errors, 0);
        ck_assert_int_eq(r[i].resurrected, 0);
    }
    for (k = 0; k < REPLACE_KEYS; k++)
        assert_absent(st, apr_psprintf(p, "rr:%d", k));
}
END_TEST

/* Key and value limits are the contract's; a table needs room for one entry. */
START_TEST(open_refuses_an_empty_table)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *none = NULL;
    saml_err_t err = { NULL, NULL };

    ck_assert_int_eq(saml_store_file_open(p, temp_store_path(p), 0, 100, &none, &err),
                     APR_EINVAL);
    ck_assert_str_eq(err.check, "store-file");
    ck_assert_ptr_null(none);
}
END_TEST

/* Adds fresh keys named prefix-N until one is refused: how many fitted. */
static int fill_until_refused(saml_store_t *st, const char *prefix, apr_time_t expiry,
                              apr_status_t *refusal)
{
    apr_pool_t *p = tk_pool();
    int n;

    for (n = 0; n < 1 << 16; n++) {
        apr_status_t rv = put(st, apr_psprintf(p, "%s-%d", prefix, n), "v", expiry);
        if (rv != APR_SUCCESS) {
            *refusal = rv;
            return n;
        }
    }
    *refusal = APR_SUCCESS;
    return n;
}

START_TEST(full_table_refuses_new_keys)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = open_store(p, temp_store_path(p), 64, 32);
    apr_status_t refusal;
    int i, fitted;

    saml_store_error_clear();
    fitted = fill_until_refused(st, "key", in_seconds(60), &refusal);
    ck_assert_int_eq(refusal, APR_ENOSPC);
    ck_assert_int_ge(fitted, 64);
    /* The admin is told which directive to raise. */
    ck_assert_ptr_nonnull(strstr(saml_store_error_text(p, APR_ENOSPC), "SequrSAMLCacheEntries"));
    ck_assert_int_eq(put(st, "one-too-many", "v", in_seconds(60)), APR_ENOSPC);
    ck_assert_int_eq(saml_store_add(st, "one-too-many", "v", 1, in_seconds(60)), APR_ENOSPC);
    /* Replacing an existing key needs no new slot. */
    ck_assert_int_eq(put(st, "key-7", "w", in_seconds(60)), APR_SUCCESS);
    assert_value(st, "key-7", "w");
    ck_assert_int_eq(saml_store_remove(st, "key-3"), APR_SUCCESS);
    ck_assert_int_eq(put(st, "one-too-many", "v", in_seconds(60)), APR_SUCCESS);
    for (i = 0; i < fitted; i++)
        if (i != 3)
            assert_value(st, apr_psprintf(p, "key-%d", i), i == 7 ? "w" : "v");
}
END_TEST

START_TEST(expired_entries_make_room)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = open_store(p, temp_store_path(p), 64, 32);
    apr_status_t refusal;
    apr_time_t soon = apr_time_now() + apr_time_from_msec(300);
    int old = fill_until_refused(st, "old", soon, &refusal);

    ck_assert_int_eq(refusal, APR_ENOSPC);
    while (apr_time_now() <= soon)
        apr_sleep(apr_time_from_msec(50));
    /* Every expired entry counts as free: as many fresh keys fit again. */
    ck_assert_int_eq(fill_until_refused(st, "new", in_seconds(60), &refusal), old);
    ck_assert_int_eq(refusal, APR_ENOSPC);
}
END_TEST

/* SequrSAMLCacheEntries N means N live entries fit, whatever the keys: a
 * bounded probe must not refuse keys while the table is far from full (it
 * did at 59 to 78 per cent of N when the table had one slot per entry). */
START_TEST(holds_at_least_its_configured_entries)
{
    static const apr_size_t sizes[] = { 1, 100, 4096, 65536 };
    apr_size_t i;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        apr_pool_t *p = tk_pool();
        saml_store_t *st = open_store(p, temp_store_path(p), sizes[i], 16);
        apr_size_t n;

        for (n = 0; n < sizes[i]; n++) {
            char key[48];
            snprintf(key, sizeof(key), "r:%zu-%zu", i, n);
            ck_assert_msg(saml_store_add(st, key, "v", 1, in_seconds(600)) == APR_SUCCESS,
                          "a store of %zu entries refused entry %zu", sizes[i], n + 1);
        }
    }
}
END_TEST

/* Many stripes: every slot is still reachable, and removal keeps chains
 * intact (all survivors found after heavy churn). */
START_TEST(striped_table_fills_every_slot)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = open_store(p, temp_store_path(p), 1024, 16);
    int i, stored = 0, refilled;

    for (i = 0; i < 20000; i++)
        if (put(st, apr_psprintf(p, "k%d", i), "v", in_seconds(60)) == APR_SUCCESS)
            stored++;
    ck_assert_int_eq(stored, 2048);     /* two slots per entry, every one reachable */
    for (i = 0; i < 20000; i += 2)
        ck_assert_int_eq(saml_store_remove(st, apr_psprintf(p, "k%d", i)), APR_SUCCESS);
    stored = 0;
    for (i = 1; i < 20000; i += 2) {
        char *val;
        apr_size_t len;
        if (saml_store_get(st, apr_psprintf(p, "k%d", i), p, &val, &len) == APR_SUCCESS)
            stored++;
    }
    ck_assert_int_ge(stored, 850);  /* about half of 2048 were odd keys */
    ck_assert_int_le(stored, 1200);
    /* Every freed slot (tombstone or emptied) can be taken again. */
    refilled = 0;
    for (i = 0; i < 20000; i++)
        if (put(st, apr_psprintf(p, "again-%d", i), "v", in_seconds(60)) == APR_SUCCESS)
            refilled++;
    ck_assert_int_eq(refilled, 2048 - stored);
}
END_TEST

START_TEST(reopening_keeps_data)
{
    apr_pool_t *p = tk_pool(), *first, *second, *third;
    const char *path = temp_store_path(p);
    saml_store_t *a, *b, *c;

    apr_pool_create(&first, p);
    apr_pool_create(&second, p);
    a = open_store(first, path, 256, 128);
    ck_assert_int_eq(put(a, "session", "alice", in_seconds(60)), APR_SUCCESS);

    /* A second mapping while the first is alive: graceful restart, with old
     * children still serving. */
    b = open_store(second, path, 256, 128);
    assert_value(b, "session", "alice");
    ck_assert_int_eq(put(b, "from-b", "bob", in_seconds(60)), APR_SUCCESS);
    assert_value(a, "from-b", "bob");
    ck_assert_int_eq(saml_store_add(a, "from-b", "x", 1, in_seconds(60)), APR_EEXIST);

    /* Everybody gone, then a new start: data still there. */
    apr_pool_destroy(first);
    apr_pool_destroy(second);
    apr_pool_create(&third, p);
    c = open_store(third, path, 256, 128);
    assert_value(c, "session", "alice");
    assert_value(c, "from-b", "bob");
    apr_pool_destroy(third);
}
END_TEST

START_TEST(other_layout_starts_afresh)
{
    apr_pool_t *p = tk_pool(), *old, *other;
    const char *path = temp_store_path(p);
    saml_store_t *a, *b;

    apr_pool_create(&old, p);
    a = open_store(old, path, 256, 128);
    ck_assert_int_eq(put(a, "k", "v", in_seconds(60)), APR_SUCCESS);
    /* The admin changed the size and ran graceful: the old generation keeps
     * its table, the new one starts with an empty table of the new size. */
    apr_pool_create(&other, p);
    b = open_store(other, path, 256, 512);
    assert_absent(b, "k");
    assert_value(a, "k", "v");
    ck_assert_int_eq(put(b, "k", "w", in_seconds(60)), APR_SUCCESS);
    assert_value(a, "k", "v");
    apr_pool_destroy(old);
    apr_pool_destroy(other);
    b = open_store(p, path, 256, 512);
    assert_value(b, "k", "w");
}
END_TEST

static void scribble(const char *path, off_t at, const char *bytes, apr_size_t len)
{
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, bytes, len, at), (ssize_t)len);
    close(fd);
}

START_TEST(corrupt_header_is_reinitialised)
{
    apr_pool_t *p = tk_pool(), *sub;
    const char *path = temp_store_path(p);
    saml_store_t *st;

    apr_pool_create(&sub, p);
    st = open_store(sub, path, 256, 128);
    ck_assert_int_eq(put(st, "k", "v", in_seconds(60)), APR_SUCCESS);
    apr_pool_destroy(sub);

    /* One flipped byte in the entry count: the checksum notices. */
    scribble(path, 16, "\x7f", 1);
    apr_pool_create(&sub, p);
    st = open_store(sub, path, 256, 128);
    assert_absent(st, "k");
    ck_assert_int_eq(put(st, "k", "v2", in_seconds(60)), APR_SUCCESS);
    apr_pool_destroy(sub);

    scribble(path, 0, "garbage!", 8);
    apr_pool_create(&sub, p);
    st = open_store(sub, path, 256, 128);
    assert_absent(st, "k");
    apr_pool_destroy(sub);

    /* Truncated to less than a header. */
    ck_assert_int_eq(truncate(path, 10), 0);
    st = open_store(p, path, 256, 128);
    ck_assert_int_eq(put(st, "k", "v3", in_seconds(60)), APR_SUCCESS);
    assert_value(st, "k", "v3");
}
END_TEST

/* A slot whose length field was damaged on disk is dropped, not read past
 * the end of its value area (the 8-byte length sits 16 bytes before the key,
 * see sf_slot_t). */
START_TEST(damaged_length_is_never_read_past)
{
    apr_pool_t *p = tk_pool();
    const char *path = temp_store_path(p);
    saml_store_t *st = open_store(p, path, 64, 64);
    const char *key = "k-damaged-0123456789";
    char *file, *at, *val;
    apr_size_t flen, len;
    apr_file_t *f;
    uint64_t huge = 1u << 30;

    ck_assert_int_eq(put(st, key, "intact", in_seconds(60)), APR_SUCCESS);
    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p),
                     APR_SUCCESS);
    flen = 64 * 1024;
    file = apr_pcalloc(p, flen);
    ck_assert_int_eq(apr_file_read(f, file, &flen), APR_SUCCESS);
    apr_file_close(f);
    at = memmem(file, flen, key, strlen(key));
    ck_assert_ptr_nonnull(at);
    scribble(path, (off_t)(at - file) - 16, (const char *)&huge, sizeof(huge));

    ck_assert_int_eq(saml_store_get(st, key, p, &val, &len), APR_NOTFOUND);
    ck_assert_int_eq(put(st, key, "again", in_seconds(60)), APR_SUCCESS);
    assert_value(st, key, "again");
}
END_TEST

#define RACERS 8
#define RACE_KEYS 5000

typedef struct win { int racer; int key; } win_t;

START_TEST(racing_processes_have_one_winner_per_key)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = open_store(p, temp_store_path(p), 16384, 16);
    int go[2], wins[2], r, k, status;
    int winners[RACE_KEYS];
    pid_t pids[RACERS];
    win_t w;

    ck_assert_int_eq(pipe(go), 0);
    ck_assert_int_eq(pipe(wins), 0);
    for (r = 0; r < RACERS; r++) {
        pids[r] = fork();
        ck_assert_int_ge(pids[r], 0);
        if (pids[r] == 0) {
            char c;
            close(go[1]);
            close(wins[0]);
            if (read(go[0], &c, 1) != 0)
                _exit(2);
            for (k = 0; k < RACE_KEYS; k++) {
                char key[32], val[16];
                int n = snprintf(val, sizeof(val), "%d", r);
                snprintf(key, sizeof(key), "r:%d", k);
                if (saml_store_add(st, key, val, (apr_size_t)n, in_seconds(60)) == APR_SUCCESS) {
                    w.racer = r;
                    w.key = k;
                    if (write(wins[1], &w, sizeof(w)) != (ssize_t)sizeof(w))
                        _exit(3);
                }
            }
            _exit(0);
        }
    }
    close(go[0]);
    close(wins[1]);
    close(go[1]);   /* start line */

    for (k = 0; k < RACE_KEYS; k++)
        winners[k] = -1;
    while (read(wins[0], &w, sizeof(w)) == (ssize_t)sizeof(w)) {
        ck_assert_msg(winners[w.key] == -1, "key %d won by %d and %d", w.key,
                      winners[w.key], w.racer);
        winners[w.key] = w.racer;
    }
    close(wins[0]);
    for (r = 0; r < RACERS; r++) {
        ck_assert_int_eq(waitpid(pids[r], &status, 0), pids[r]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "racer %d failed", r);
    }
    for (k = 0; k < RACE_KEYS; k++) {
        ck_assert_msg(winners[k] >= 0, "key %d has no winner", k);
        assert_value(st, apr_psprintf(p, "r:%d", k), apr_psprintf(p, "%d", winners[k]));
    }
}
END_TEST

START_TEST(dead_lock_holder_does_not_block_others)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = open_store(p, temp_store_path(p), 64, 64);
    int status;
    pid_t pid;

    ck_assert_int_eq(put(st, "k", "before", in_seconds(60)), APR_SUCCESS);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* Die holding the only stripe's lock. */
        if (saml_store_file_hold_lock_for_test(st, "k") != APR_SUCCESS)
            _exit(1);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    /* A deadlock here is caught by check's timeout. */
    assert_value(st, "k", "before");
    ck_assert_int_eq(put(st, "k", "after", in_seconds(60)), APR_SUCCESS);
    assert_value(st, "k", "after");
}
END_TEST

#define BIG (1024 * 1024)

/* kill -9 a writer at random moments, mostly inside its 1 MiB copy: the
 * store stays usable and never serves a torn value. */
START_TEST(killed_writer_never_leaves_a_torn_value)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = open_store(p, temp_store_path(p), 64, BIG);
    char *a = apr_palloc(p, BIG), *b = apr_palloc(p, BIG);
    int round, status;

    memset(a, 'a', BIG);
    memset(b, 'b', BIG);
    for (round = 0; round < 12; round++) {
        pid_t pid = fork();
        char *val = NULL;
        apr_size_t len = 0, i;
        apr_status_t rv;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            unsigned n;
            for (n = 0;; n++)
                saml_store_set(st, "big", n % 2 ? a : b, BIG, in_seconds(60));
        }
        apr_sleep(apr_time_from_msec(5 + 7 * round));
        kill(pid, SIGKILL);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        rv = saml_store_get(st, "big", p, &val, &len);
        ck_assert_msg(rv == APR_SUCCESS || rv == APR_NOTFOUND, "status %d", rv);
        if (rv == APR_SUCCESS) {
            ck_assert_uint_eq(len, BIG);
            for (i = 1; i < len; i++)
                if (val[i] != val[0])
                    ck_abort_msg("torn value at byte %lu", (unsigned long)i);
        }
        ck_assert_int_eq(put(st, "small", "alive", in_seconds(60)), APR_SUCCESS);
        assert_value(st, "small", "alive");
    }
}
END_TEST

/* How many mappings of path this process has. */
static int mappings_of(const char *path)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    int n = 0;

    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f))
        if (strstr(line, path))
            n++;
    fclose(f);
    return n;
}

/* Apache unloads the module at every reload: the persistent variant leaves
 * no cleanup (no code pointer) in its pool, and each generation gets its own
 * handle on the same mapping. */
START_TEST(persistent_store_outlives_its_pool_and_rebinds)
{
    apr_pool_t *p = tk_pool(), *process, *gen1, *gen2, *plain;
    const char *path = temp_store_path(p);
    saml_store_t *st = NULL, *h1, *h2;
    saml_err_t err;

    apr_pool_create(&plain, p);
    open_store(plain, path, 256, 128);
    ck_assert_int_eq(mappings_of(path), 1);
    apr_pool_destroy(plain);
    ck_assert_int_eq(mappings_of(path), 0);

    apr_pool_create(&process, p);
    ck_assert_int_eq(saml_store_file_open_persistent(process, path, 256, 128, &st, &err),
                     APR_SUCCESS);
    apr_pool_create(&gen1, p);
    h1 = saml_store_file_rebind(gen1, st);
    ck_assert_ptr_ne(h1, st);
    ck_assert_int_eq(put(h1, "k", "gen1", in_seconds(60)), APR_SUCCESS);
    apr_pool_destroy(gen1);

    apr_pool_create(&gen2, p);
    h2 = saml_store_file_rebind(gen2, st);
    assert_value(h2, "k", "gen1");
    ck_assert_int_eq(saml_store_add(h2, "k", "x", 1, in_seconds(60)), APR_EEXIST);
    apr_pool_destroy(gen2);

    apr_pool_clear(process);   /* runs every cleanup registered there: none of ours */
    ck_assert_int_eq(mappings_of(path), 1);
}
END_TEST

/* Runs in a child with a private mount namespace: fill a 512 KiB tmpfs. */
static int fill_small_filesystem(void)
{
    char dir[] = "/tmp/sequr-store-fs-XXXXXX";
    apr_pool_t *p;
    saml_store_t *st = NULL;
    saml_err_t err;
    char *val, *got;
    apr_size_t len;
    apr_status_t rv = APR_SUCCESS;
    int i, code = 0;

    if (mkdtemp(dir) == NULL)
        return 77;
    if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0
        || mount("sequr-test", dir, "tmpfs", 0, "size=512k") != 0) {
        rmdir(dir);
        return 77;
    }
    apr_pool_create(&p, NULL);
    val = apr_palloc(p, 60 * 1024);
    memset(val, 'v', 60 * 1024);
    if (saml_store_file_open(p, apr_pstrcat(p, dir, "/store", NULL), 64, 64 * 1024, &st,
                             &err) != APR_SUCCESS)
        code = 3;
    for (i = 0; code == 0 && i < 64; i++) {
        rv = saml_store_set(st, apr_psprintf(p, "k%d", i), val, 60 * 1024, in_seconds(60));
        if (rv != APR_SUCCESS)
            break;
    }
    if (code == 0 && (rv != APR_ENOSPC || i == 0))
        code = 4;
    if (code == 0 && (saml_store_get(st, "k0", p, &got, &len) != APR_SUCCESS
                      || len != 60 * 1024 || memcmp(got, val, len) != 0))
        code = 5;
    apr_pool_destroy(p);
    umount2(dir, MNT_DETACH);
    rmdir(dir);
    return code;
}

/* A full file system answers APR_ENOSPC; it must not kill the process with
 * SIGBUS (a store into a hole of a shared mapping). Needs CAP_SYS_ADMIN for
 * a private tmpfs; skipped without it. */
START_TEST(full_filesystem_is_enospc_not_sigbus)
{
    int status;
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(fill_small_filesystem());
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(!WIFSIGNALED(status), "writer killed by signal %d", WTERMSIG(status));
    if (WEXITSTATUS(status) == 77) {
        fprintf(stderr, "full_filesystem_is_enospc_not_sigbus: skipped (no private tmpfs)\n");
        return;
    }
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(chown_hands_the_file_over)
{
    apr_pool_t *p = tk_pool();
    const char *path = temp_store_path(p);
    saml_store_t *st = open_store(p, path, 64, 64);
    long uid = getuid() == 0 ? 65534 : (long)getuid();
    long gid = getuid() == 0 ? 65534 : (long)getgid();
    struct stat sb;

    ck_assert_int_eq(saml_store_file_chown(st, uid, gid), APR_SUCCESS);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq((long)sb.st_uid, uid);
    ck_assert_int_eq((long)sb.st_gid, gid);
    ck_assert_int_eq(sb.st_mode & 077, 0);
}
END_TEST

/* A directory of our own for the access tests, mode `mode`. */
static const char *private_dir(apr_pool_t *p, const char *name, mode_t mode)
{
    const char *dir = tk_run_path(p, name);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    ck_assert_int_eq(chmod(dir, mode), 0);
    return dir;
}

static apr_status_t open_private(apr_pool_t *p, const char *path, saml_err_t *err)
{
    saml_store_t *st = NULL;
    return saml_store_file_open_private(p, path, 64, 64, -1, &st, err);
}

START_TEST(private_store_refuses_a_file_others_may_reach)
{
    apr_pool_t *p = tk_pool();
    const char *path = apr_pstrcat(p, private_dir(p, "priv-file", 0755), "/store", NULL);
    static const mode_t modes[] = { 0666, 0644, 0640, 0604, 0620 };
    saml_err_t err = { NULL, NULL };
    struct stat sb;
    apr_size_t i;
    int fd = open(path, O_CREAT | O_WRONLY, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "left as found", 13), 13);
    close(fd);
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        ck_assert_int_eq(chmod(path, modes[i]), 0);
        ck_assert_int_eq(open_private(p, path, &err), APR_EACCES);
        ck_assert_ptr_nonnull(strstr(err.detail, apr_psprintf(p, "mode %04o", modes[i])));
        ck_assert_int_eq(saml_store_file_check_access(p, path, -1, &err), APR_EACCES);
        /* Refused before anything was written to it. */
        ck_assert_int_eq(stat(path, &sb), 0);
        ck_assert_int_eq(sb.st_size, 13);
    }
    ck_assert_int_eq(chmod(path, 0600), 0);
    ck_assert_int_eq(saml_store_file_check_access(p, path, -1, &err), APR_SUCCESS);
    ck_assert_int_eq(open_private(p, path, &err), APR_SUCCESS);
}
END_TEST

START_TEST(private_store_refuses_a_directory_others_may_write)
{
    apr_pool_t *p = tk_pool();
    static const mode_t modes[] = { 0777, 01777, 0775, 0757 };
    saml_err_t err = { NULL, NULL };
    apr_size_t i;

    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        const char *dir = private_dir(p, apr_psprintf(p, "priv-dir-%d", (int)i), modes[i]);
        const char *path = apr_pstrcat(p, dir, "/store", NULL);
        ck_assert_int_eq(saml_store_file_check_access(p, path, -1, &err), APR_EACCES);
        ck_assert_int_eq(open_private(p, path, &err), APR_EACCES);
        ck_assert_ptr_nonnull(strstr(err.detail, "directory"));
        ck_assert_int_eq(access(path, F_OK), -1);          /* nothing made there */
    }
}
END_TEST

START_TEST(private_store_refuses_links_and_strangers)
{
    apr_pool_t *p = tk_pool();
    const char *dir = private_dir(p, "priv-odd", 0755);
    const char *path = apr_pstrcat(p, dir, "/store", NULL);
    const char *target = apr_pstrcat(p, dir, "/target", NULL);
    saml_err_t err = { NULL, NULL };
    int fd = open(target, O_CREAT | O_WRONLY, 0600);

    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(symlink(target, path), 0);
    ck_assert_int_eq(saml_store_file_check_access(p, path, -1, &err), APR_EACCES);
    ck_assert_ptr_nonnull(strstr(err.detail, "not a regular file"));
    ck_assert_int_ne(open_private(p, path, &err), APR_SUCCESS);
    ck_assert_int_eq(unlink(path), 0);
    if (geteuid() == 0) {
        /* Another user's file, however private, is not ours to adopt... */
        ck_assert_int_eq(rename(target, path), 0);
        ck_assert_int_eq(chown(path, 65534, 65534), 0);
        ck_assert_int_eq(open_private(p, path, &err), APR_EACCES);
        ck_assert_ptr_nonnull(strstr(err.detail, "owned by uid 65534"));
        /* ...unless it is the User's the caller hands the file to. */
        {
            saml_store_t *st = NULL;
            ck_assert_int_eq(saml_store_file_open_private(p, path, 64, 64, 65534, &st, &err),
                             APR_SUCCESS);
        }
    }
}
END_TEST

START_TEST(access_check_leaves_a_missing_directory_to_the_open)
{
    apr_pool_t *p = tk_pool();
    const char *path = apr_pstrcat(p, tk_run_path(p, "not-made-yet"), "/store", NULL);
    saml_err_t err = { NULL, NULL };

    ck_assert_int_eq(saml_store_file_check_access(p, path, -1, &err), APR_SUCCESS);
    ck_assert_int_ne(open_private(p, path, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err.detail, "directory"));
}
END_TEST

START_TEST(private_store_makes_a_0600_file)
{
    apr_pool_t *p = tk_pool();
    const char *path = apr_pstrcat(p, private_dir(p, "priv-new", 0755), "/store", NULL);
    saml_err_t err = { NULL, NULL };
    mode_t old = umask(0);
    struct stat sb;
    apr_status_t rv = open_private(p, path, &err);

    umask(old);
    ck_assert_int_eq(rv, APR_SUCCESS);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 07777, 0600);
    ck_assert_int_eq(sb.st_uid, geteuid());
}
END_TEST

/* The store.h contract on a fresh file per test, with room for its racers
 * and threads; values up to the default value_max. */
static saml_store_t *open_contract_store(void)
{
    apr_pool_t *p = tk_pool();
    return open_store(p, tk_run_path(p, "contract"), 512, SAML_STORE_FILE_DEFAULT_VALUE_MAX);
}

static const sc_contract_t file_contract = {
    "file", open_contract_store, SAML_STORE_FILE_DEFAULT_VALUE_MAX,
    SAML_STORE_FILE_DEFAULT_VALUE_MAX + 1, 0, 200, 300
};

static Suite *store_file_suite(void)
{
    Suite *s = suite_create("store_file");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, replace_checks_key_and_size);
    tcase_add_test(tc, replace_race_between_threads_never_recreates);
    tcase_add_test(tc, open_refuses_an_empty_table);
    tcase_add_test(tc, full_table_refuses_new_keys);
    tcase_add_test(tc, expired_entries_make_room);
    tcase_add_test(tc, holds_at_least_its_configured_entries);
    tcase_add_test(tc, striped_table_fills_every_slot);
    tcase_add_test(tc, reopening_keeps_data);
    tcase_add_test(tc, other_layout_starts_afresh);
    tcase_add_test(tc, corrupt_header_is_reinitialised);
    tcase_add_test(tc, damaged_length_is_never_read_past);
    tcase_add_test(tc, racing_processes_have_one_winner_per_key);
    tcase_add_test(tc, dead_lock_holder_does_not_block_others);
    tcase_add_test(tc, killed_writer_never_leaves_a_torn_value);
    tcase_add_test(tc, persistent_store_outlives_its_pool_and_rebinds);
    tcase_add_test(tc, full_filesystem_is_enospc_not_sigbus);
    tcase_add_test(tc, chown_hands_the_file_over);
    tcase_add_test(tc, private_store_refuses_a_file_others_may_reach);
    tcase_add_test(tc, private_store_refuses_a_directory_others_may_write);
    tcase_add_test(tc, private_store_refuses_links_and_strangers);
    tcase_add_test(tc, access_check_leaves_a_missing_directory_to_the_open);
    tcase_add_test(tc, private_store_makes_a_0600_file);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, sc_contract_tcase(&file_contract));
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    tk_run_dir_make("store");
    sr = srunner_create(store_file_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tk_run_dir_remove();
    return failed ? 1 : 0;
}
