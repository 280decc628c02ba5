/* Issue #10 item 8: the cache clients take no reply on trust. Each command of
 * the Redis and memcached clients against a fake server (cache_server.c)
 * that answers with every reply kind, right and wrong: a reply of a type the
 * command cannot have is a store error, never success and never data. Then
 * the pure parsers (redis_reply.h, memcache_reply.h) on buffers. */
#include <apr_strings.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "saml/memcache_reply.h"
#include "saml/redis_reply.h"
#include "saml/store_error.h"
#include "tests/unit/store_contract.h"
#include "saml/store_memcache.h"
#include "saml/store_net.h"
#include "saml/store_redis.h"
#include "tests/unit/testkit.h"

#define KEY "k:1"
#define OK  APR_SUCCESS
#define NF  APR_NOTFOUND
#define EX  APR_EEXIST
#define PROTO SAML_NET_EPROTO
#define REMOTE SAML_NET_EREMOTE
#define BIG SAML_ETOOLARGE
#define ANY_ERROR (-1)             /* any failure but the four answers */

typedef enum { GET, TAKE, SET, ADD, SET_PAST, ADD_PAST, REMOVE } op_t;

static const char *const op_names[] = {
    "get", "take", "set", "add", "set (expired)", "add (expired)", "remove"
};

typedef struct row {
    op_t op;
    const char *replies[3];        /* one per request the op sends */
    apr_status_t want;
} row_t;

static const row_t redis_rows[] = {
    /* GET */
    { GET, { "$3\r\nabc\r\n" }, OK },
    { GET, { "$0\r\n\r\n" }, OK },
    { GET, { "$-1\r\n" }, NF },
    { GET, { "+OK\r\n" }, PROTO },
    { GET, { "+abc\r\n" }, PROTO },
    { GET, { ":1\r\n" }, PROTO },
    { GET, { ":0\r\n" }, PROTO },
    { GET, { "*1\r\n$3\r\nabc\r\n" }, PROTO },
    { GET, { "*-1\r\n" }, PROTO },
    { GET, { "_\r\n" }, PROTO },
    { GET, { "-ERR wrong\r\n" }, REMOTE },
    { GET, { "$3\r\nabcde\r\n" }, PROTO },
    { GET, { "$03\r\nabc\r\n" }, PROTO },
    { GET, { "$+3\r\nabc\r\n" }, PROTO },
    { GET, { "$-2\r\n" }, PROTO },
    { GET, { "$3 \r\nabc\r\n" }, PROTO },
    { GET, { "$99999999999999999999\r\n" }, PROTO },
    { GET, { "$9999999\r\n" }, BIG },
    { GET, { "$5\r\nab" }, ANY_ERROR },
    { GET, { "\r\n" }, PROTO },
    /* GETDEL */
    { TAKE, { "$3\r\nabc\r\n" }, OK },
    { TAKE, { "$-1\r\n" }, NF },
    { TAKE, { "+OK\r\n" }, PROTO },
    { TAKE, { ":1\r\n" }, PROTO },
    { TAKE, { "*1\r\n$3\r\nabc\r\n" }, PROTO },
    { TAKE, { "-ERR unknown command 'GETDEL'\r\n" }, REMOTE },
    /* SET */
    { SET, { "+OK\r\n" }, OK },
    { SET, { "+QUEUED\r\n" }, PROTO },
    { SET, { "+OKAY\r\n" }, PROTO },
    { SET, { ":1\r\n" }, PROTO },
    { SET, { "$2\r\nOK\r\n" }, PROTO },
    { SET, { "$-1\r\n" }, PROTO },
    { SET, { "*0\r\n" }, PROTO },
    { SET, { "-OOM command not allowed\r\n" }, REMOTE },
    /* SET NX */
    { ADD, { "+OK\r\n" }, OK },
    { ADD, { "$-1\r\n" }, EX },
    { ADD, { ":1\r\n" }, PROTO },
    { ADD, { ":0\r\n" }, PROTO },
    { ADD, { "$2\r\nOK\r\n" }, PROTO },
    { ADD, { "+QUEUED\r\n" }, PROTO },
    /* DEL (a set that is already expired) */
    { SET_PAST, { ":1\r\n" }, OK },
    { SET_PAST, { "+OK\r\n" }, PROTO },
    /* EXISTS (an add that is already expired) */
    { ADD_PAST, { ":0\r\n" }, OK },
    { ADD_PAST, { ":1\r\n" }, EX },
    { ADD_PAST, { "+OK\r\n" }, PROTO },
    { ADD_PAST, { "$-1\r\n" }, PROTO },
    { ADD_PAST, { ":-1\r\n" }, PROTO },
    { ADD_PAST, { "$1\r\n1\r\n" }, PROTO },
    { ADD_PAST, { ":1x\r\n" }, PROTO },
    /* DEL */
    { REMOVE, { ":1\r\n" }, OK },
    { REMOVE, { ":0\r\n" }, OK },
    { REMOVE, { "+OK\r\n" }, PROTO },
    { REMOVE, { "$-1\r\n" }, PROTO },
    { REMOVE, { "$1\r\n1\r\n" }, PROTO },
    { REMOVE, { ":-1\r\n" }, PROTO },
    { REMOVE, { "-ERR\r\n" }, REMOTE },
};

#define VALUE_ABC "VALUE " KEY " 0 3\r\nabc\r\nEND\r\n"

static const row_t memcache_rows[] = {
    /* get */
    { GET, { VALUE_ABC }, OK },
    { GET, { "VALUE " KEY " 42 3 1234\r\nabc\r\nEND\r\n" }, OK },
    { GET, { "END\r\n" }, NF },
    { GET, { "STORED\r\n" }, PROTO },
    { GET, { "DELETED\r\n" }, PROTO },
    { GET, { "NOT_FOUND\r\n" }, PROTO },
    { GET, { "VALUE k:2 0 3\r\nabc\r\nEND\r\n" }, PROTO },
    { GET, { "VALUE " KEY "x 0 3\r\nabc\r\nEND\r\n" }, PROTO },
    { GET, { "VALUE " KEY " x 3\r\nabc\r\nEND\r\n" }, PROTO },
    { GET, { "VALUE " KEY "  3\r\nabc\r\nEND\r\n" }, PROTO },
    { GET, { "VALUE " KEY " 0 -1\r\n" }, PROTO },
    { GET, { "VALUE " KEY " 0 3x\r\nabc\r\nEND\r\n" }, PROTO },
    { GET, { "VALUE " KEY " 0 3 \r\nabc\r\nEND\r\n" }, PROTO },
    { GET, { "VALUE " KEY " 0\r\nabc\r\nEND\r\n" }, PROTO },
    { GET, { "VALUE " KEY " 0 3\r\nabc\r\nSTORED\r\n" }, PROTO },
    { GET, { "VALUE " KEY " 0 3\r\nabcde\r\nEND\r\n" }, PROTO },
    { GET, { "VALUE " KEY " 0 99999999\r\n" }, BIG },
    { GET, { "SERVER_ERROR out of memory\r\n" }, REMOTE },
    { GET, { "ERROR\r\n" }, REMOTE },
    /* get + delete */
    { TAKE, { VALUE_ABC, "DELETED\r\n" }, OK },
    { TAKE, { VALUE_ABC, "NOT_FOUND\r\n" }, NF },
    { TAKE, { "END\r\n" }, NF },
    { TAKE, { VALUE_ABC, "END\r\n" }, PROTO },
    { TAKE, { VALUE_ABC, "STORED\r\n" }, PROTO },
    { TAKE, { VALUE_ABC, "DELETED junk\r\n" }, PROTO },
    { TAKE, { "STORED\r\n" }, PROTO },
    /* set */
    { SET, { "STORED\r\n" }, OK },
    { SET, { "NOT_STORED\r\n" }, PROTO },
    { SET, { "EXISTS\r\n" }, PROTO },
    { SET, { "NOT_FOUND\r\n" }, PROTO },
    { SET, { "DELETED\r\n" }, PROTO },
    { SET, { "END\r\n" }, PROTO },
    { SET, { "STORED junk\r\n" }, PROTO },
    { SET, { VALUE_ABC }, PROTO },
    { SET, { "SERVER_ERROR out of memory storing object\r\n" }, REMOTE },
    /* add */
    { ADD, { "STORED\r\n" }, OK },
    { ADD, { "NOT_STORED\r\n" }, EX },
    { ADD, { "EXISTS\r\n" }, PROTO },
    { ADD, { "END\r\n" }, PROTO },
    /* delete */
    { REMOVE, { "DELETED\r\n" }, OK },
    { REMOVE, { "NOT_FOUND\r\n" }, OK },
    { REMOVE, { "STORED\r\n" }, PROTO },
    { REMOVE, { "END\r\n" }, PROTO },
    { REMOVE, { "CLIENT_ERROR bad command line format\r\n" }, REMOTE },
};

/* The reply with CR and LF written out, for messages. */
static const char *shown(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, 2 * strlen(s) + 1), *o = out;
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n') {
            *o++ = '\\';
            *o++ = *s == '\r' ? 'r' : 'n';
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

typedef apr_status_t (*open_fn)(apr_pool_t *, const char *, apr_interval_time_t,
                                saml_store_t **, saml_err_t *);

static void run_row(open_fn open_store, const char *name, const row_t *row)
{
    apr_pool_t *p = tk_pool();
    apr_time_t future = apr_time_now() + apr_time_from_sec(60);
    apr_time_t past = apr_time_now() - apr_time_from_sec(1);
    char *val = NULL;
    apr_size_t len = 12345;
    saml_store_t *st;
    saml_err_t err = {0};
    sc_fake_t fake = {0};
    apr_status_t rv = APR_EGENERAL;
    char what[256];

    sc_fake_start(&fake, row->replies);
    snprintf(what, sizeof(what), "%s %s answered \"%s\"%s", name, op_names[row->op],
             shown(p, row->replies[0]), row->replies[1] ? " ..." : "");
    ck_assert_int_eq(open_store(p, apr_psprintf(p, "127.0.0.1:%d", fake.port),
                          apr_time_from_sec(2), &st, &err), APR_SUCCESS);
    switch (row->op) {
    case GET:      rv = saml_store_get(st, KEY, p, &val, &len); break;
    case TAKE:     rv = saml_store_take(st, KEY, p, &val, &len); break;
    case SET:      rv = saml_store_set(st, KEY, "abc", 3, future); break;
    case ADD:      rv = saml_store_add(st, KEY, "abc", 3, future); break;
    case SET_PAST: rv = saml_store_set(st, KEY, "abc", 3, past); break;
    case ADD_PAST: rv = saml_store_add(st, KEY, "abc", 3, past); break;
    case REMOVE:   rv = saml_store_remove(st, KEY); break;
    }
    sc_fake_stop(&fake);
    if (row->want == ANY_ERROR)
        ck_assert_msg(rv != OK && rv != NF && rv != EX, "%s: %d, want an error", what, rv);
    else
        ck_assert_msg(rv == row->want, "%s: %d, want %d", what, rv, row->want);
    if (rv == OK && (row->op == GET || row->op == TAKE)) {
        ck_assert_ptr_nonnull(val);
        ck_assert_uint_eq(len, strlen(val));
        ck_assert_msg(len == 0 || !strcmp(val, "abc"), "%s: value %s", what, val);
    } else {
        /* Never data: nothing handed out unless the reply was a value. */
        ck_assert_msg(val == NULL, "%s: value handed out with %d", what, rv);
    }
}

START_TEST(redis_reply_kinds)
{
    run_row(saml_store_redis_open, "redis", &redis_rows[_i]);
}
END_TEST

START_TEST(memcache_reply_kinds)
{
    run_row(saml_store_memcache_open, "memcache", &memcache_rows[_i]);
}
END_TEST

/* The clear error replies of a cloud Redis, through the client to a fake
 * server: each a store error (never "not found", never "already there"),
 * and the note for the log line names the server, the reply and what it
 * means. */
static const struct {
    op_t op;
    const char *reply;
    const char *words[2];
} redis_named[] = {
    { GET, "-NOAUTH Authentication required.\r\n", { "NOAUTH", "SequrSAMLCachePasswordFile" } },
    { GET, "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
      { "WRONGPASS", "refused" } },
    { SET, "-READONLY You can't write against a read only replica.\r\n",
      { "READONLY", "primary" } },
    { GET, "-MOVED 3999 10.0.0.7:6380\r\n", { "MOVED 3999", "Cluster" } },
    { ADD, "-NOPERM this user has no permissions to run the 'set' command\r\n",
      { "NOPERM", "ACL" } },
    { TAKE, "-ERR unknown command 'GETDEL'\r\n", { "GETDEL answered -ERR", "refused" } },
    { REMOVE, "-LOADING Redis is loading the dataset in memory\r\n", { "LOADING", "loading" } },
    { GET, "-BUSYKEY x\x1b[31m\r\n", { "BUSYKEY x\\x1b[31m", "error reply" } },
};

START_TEST(redis_errors_are_named)
{
    apr_pool_t *p = tk_pool();
    const char *replies[2] = { redis_named[_i].reply, NULL };
    sc_fake_t fake = { 0 };
    saml_store_t *st;
    saml_err_t err = { 0 };
    char *val = NULL;
    apr_status_t rv = APR_EGENERAL;
    const char *text, *server;

    sc_fake_start(&fake, replies);
    server = apr_psprintf(p, "127.0.0.1:%d", fake.port);
    ck_assert_int_eq(saml_store_redis_open(p, server, apr_time_from_sec(2), &st, &err), OK);
    switch (redis_named[_i].op) {
    case GET:    rv = saml_store_get(st, KEY, p, &val, NULL); break;
    case TAKE:   rv = saml_store_take(st, KEY, p, &val, NULL); break;
    case SET:    rv = saml_store_set(st, KEY, "abc", 3, apr_time_now() + apr_time_from_sec(60)); break;
    case ADD:    rv = saml_store_add(st, KEY, "abc", 3, apr_time_now() + apr_time_from_sec(60)); break;
    case REMOVE: rv = saml_store_remove(st, KEY); break;
    default: break;
    }
    sc_fake_stop(&fake);
    ck_assert_int_eq(rv, REMOTE);
    text = saml_store_error_text(p, rv);
    ck_assert_msg(strstr(text, server) != NULL, "'%s' does not name %s", text, server);
    ck_assert_msg(strstr(text, redis_named[_i].words[0]) != NULL, "'%s' lacks '%s'", text,
                  redis_named[_i].words[0]);
    ck_assert_msg(strstr(text, redis_named[_i].words[1]) != NULL, "'%s' lacks '%s'", text,
                  redis_named[_i].words[1]);
    /* Another status than the noted one gets its own text, not a stale note. */
    ck_assert_ptr_null(strstr(saml_store_error_text(p, APR_NOTFOUND), server));
}
END_TEST

/* ---- the parsers on buffers ------------------------------------------------ */

static apr_status_t redis_parse(const char *bytes, apr_size_t n, saml_redis_expect_t expect,
                                saml_redis_reply_t *out)
{
    saml_reply_buffer_t b;
    saml_reply_reader_t rd;
    saml_reply_buffer_init(&b, &rd, tk_pool(), bytes, n);
    return saml_redis_reply_read(&rd, expect, 100, tk_pool(), out);
}

START_TEST(redis_error_kinds)
{
    saml_redis_reply_t r;
    const char long_err[] = "-ERR "
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "\r\n";

    ck_assert_int_eq(saml_redis_error_kind("NOAUTH Authentication required."), SAML_REDIS_E_NOAUTH);
    ck_assert_int_eq(saml_redis_error_kind("WRONGPASS x"), SAML_REDIS_E_WRONGPASS);
    ck_assert_int_eq(saml_redis_error_kind("READONLY x"), SAML_REDIS_E_READONLY);
    ck_assert_int_eq(saml_redis_error_kind("MOVED 1 h:1"), SAML_REDIS_E_MOVED);
    ck_assert_int_eq(saml_redis_error_kind("ASK 1 h:1"), SAML_REDIS_E_MOVED);
    ck_assert_int_eq(saml_redis_error_kind("NOPERM x"), SAML_REDIS_E_NOPERM);
    ck_assert_int_eq(saml_redis_error_kind("ERR x"), SAML_REDIS_E_ERR);
    ck_assert_int_eq(saml_redis_error_kind("ERR"), SAML_REDIS_E_ERR);
    ck_assert_int_eq(saml_redis_error_kind("ERRX y"), SAML_REDIS_E_OTHER);
    ck_assert_int_eq(saml_redis_error_kind("noauth lower case"), SAML_REDIS_E_OTHER);
    ck_assert_int_eq(saml_redis_error_kind(""), SAML_REDIS_E_OTHER);
    /* Whatever the command expected, an error reply is an error, with its text. */
    ck_assert_int_eq(redis_parse("-WRONGPASS no\r\n", 15, SAML_REDIS_EXPECT_COUNT, &r), REMOTE);
    ck_assert_int_eq(r.error, SAML_REDIS_E_WRONGPASS);
    ck_assert_str_eq(r.error_text, "WRONGPASS no");
    ck_assert_int_eq(redis_parse(long_err, strlen(long_err), SAML_REDIS_EXPECT_VALUE, &r), REMOTE);
    ck_assert_uint_eq(strlen(r.error_text), SAML_REDIS_ERROR_TEXT_MAX);
    ck_assert_int_eq(redis_parse("+OK\r\n", 5, SAML_REDIS_EXPECT_OK, &r), OK);
    ck_assert_str_eq(r.error_text, "");
}
END_TEST

START_TEST(redis_heads)
{
    saml_redis_head_t h;
    saml_redis_reply_t r;

    ck_assert_int_eq(saml_redis_head_parse(":-9223372036854775808", 21, &h), OK);
    ck_assert(h.integer == LLONG_MIN);
    ck_assert_int_eq(saml_redis_head_parse(":9223372036854775807", 20, &h), OK);
    ck_assert_int_eq(saml_redis_head_parse(":9223372036854775808", 20, &h), PROTO);
    ck_assert_int_eq(saml_redis_head_parse(":-0", 3, &h), PROTO);
    ck_assert_int_eq(saml_redis_head_parse(":", 1, &h), PROTO);
    ck_assert_int_eq(saml_redis_head_parse("$-1", 3, &h), OK);
    ck_assert_int_eq(h.type, SAML_REDIS_NIL);
    ck_assert_int_eq(saml_redis_head_parse("$0", 2, &h), OK);
    ck_assert_int_eq(h.type, SAML_REDIS_BULK);
    /* A NUL inside a line: "+OK\0junk" is not +OK. */
    ck_assert_int_eq(saml_redis_head_parse("+OK\0junk", 8, &h), PROTO);
    ck_assert_int_eq(redis_parse("+OK\0x\r\n", 7, SAML_REDIS_EXPECT_OK, &r), PROTO);
    ck_assert_int_eq(redis_parse("+OK\r\n", 5, SAML_REDIS_EXPECT_OK, &r), OK);
    /* Over the cap, a bulk string is refused before its bytes are read. */
    ck_assert_int_eq(redis_parse("$101\r\n", 6, SAML_REDIS_EXPECT_VALUE, &r), BIG);
    /* Incomplete input is the reader's end, not success. */
    ck_assert_int_eq(redis_parse("$3\r\nab", 6, SAML_REDIS_EXPECT_VALUE, &r), APR_EOF);
    ck_assert_ptr_null(r.value);
    ck_assert_int_eq(redis_parse("+OK\r", 4, SAML_REDIS_EXPECT_OK, &r), APR_EOF);
    ck_assert_int_eq(redis_parse("+OK\rx", 5, SAML_REDIS_EXPECT_OK, &r), PROTO);
    ck_assert_int_eq(redis_parse("$3\r\na\0c\r\n", 9, SAML_REDIS_EXPECT_VALUE, &r), OK);
    ck_assert_uint_eq(r.len, 3);
    ck_assert_int_eq(memcmp(r.value, "a\0c", 4), 0);
}
END_TEST

#define MC(s) (s), strlen(s)

static apr_status_t mc_parse(const char *bytes, apr_size_t n, char **val, apr_size_t *len)
{
    saml_reply_buffer_t b;
    saml_reply_reader_t rd;
    saml_reply_buffer_init(&b, &rd, tk_pool(), bytes, n);
    return saml_memcache_get_read(&rd, KEY, 100, tk_pool(), val, len);
}

START_TEST(memcache_lines)
{
    char *val = NULL;
    apr_size_t len = 0;
    const char nul[] = "VALUE " KEY " 0 3\r\nabc\r\nEND\0\r\n";

    ck_assert_int_eq(mc_parse(VALUE_ABC, strlen(VALUE_ABC), &val, &len), OK);
    ck_assert_str_eq(val, "abc");
    val = NULL;
    ck_assert_int_eq(mc_parse(nul, sizeof(nul) - 1, &val, &len), PROTO);
    ck_assert_ptr_null(val);
    ck_assert_int_eq(mc_parse(MC("VALUE " KEY " 0 101\r\n"), &val, &len), BIG);
    ck_assert_int_eq(mc_parse(MC("VALUE " KEY " 4294967296 1\r\na\r\nEND\r\n"), &val, &len),
                     PROTO);
    ck_assert_int_eq(mc_parse(MC("VALUE " KEY " 0 99999999999999999999999\r\n"), &val, &len),
                     PROTO);
    ck_assert_ptr_null(val);
    ck_assert_int_eq(saml_memcache_line_check("STORED", 6, SAML_MEMCACHE_EXPECT_STORE), OK);
    ck_assert_int_eq(saml_memcache_line_check("STORED\0", 7, SAML_MEMCACHE_EXPECT_STORE), PROTO);
    ck_assert_int_eq(saml_memcache_line_check("DELETED", 7, SAML_MEMCACHE_EXPECT_STORE), PROTO);
    ck_assert_int_eq(saml_memcache_line_check("STORED", 6, SAML_MEMCACHE_EXPECT_DELETE), PROTO);
    ck_assert_int_eq(saml_memcache_line_check("SERVER_ERROR", 12, SAML_MEMCACHE_EXPECT_DELETE),
                     REMOTE);
}
END_TEST

static Suite *replies_suite(void)
{
    Suite *s = suite_create("store_replies");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, redis_reply_kinds, 0, (int)(sizeof(redis_rows) / sizeof(*redis_rows)));
    tcase_add_loop_test(tc, memcache_reply_kinds, 0,
                        (int)(sizeof(memcache_rows) / sizeof(*memcache_rows)));
    tcase_add_test(tc, redis_heads);
    tcase_add_loop_test(tc, redis_errors_are_named, 0,
                        (int)(sizeof(redis_named) / sizeof(*redis_named)));
    tcase_add_test(tc, redis_error_kinds);
    tcase_add_test(tc, memcache_lines);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tk_run_suite(replies_suite());
}
