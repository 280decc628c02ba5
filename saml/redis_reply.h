/* Redis (RESP2) replies: what one reply is, and whether it is an answer the
 * command that was sent can have. Pure (reads from a saml_reply_reader_t),
 * shared by the client (store_redis.c) and the fuzzer (fuzz_redis_reply.c).
 *
 * A reply of a type the command does not answer with (a "+OK" or an integer
 * to GET, a bulk string to SET, an array to anything) is never taken as data
 * nor as success: it is SAML_NET_EPROTO, a store error (503 upstream), and
 * the connection is closed. */
#ifndef SAML_REDIS_REPLY_H
#define SAML_REDIS_REPLY_H

#include <apr_pools.h>

#include "saml/store_reply.h"

typedef enum {
    SAML_REDIS_STATUS,            /* +TEXT */
    SAML_REDIS_ERROR,             /* -TEXT */
    SAML_REDIS_INTEGER,           /* :N */
    SAML_REDIS_BULK,              /* $N then N bytes */
    SAML_REDIS_NIL                /* $-1 */
} saml_redis_type_t;

/* A reply's first line. */
typedef struct saml_redis_head {
    saml_redis_type_t type;
    const char *text;             /* STATUS, ERROR: after the type byte */
    long long integer;            /* INTEGER */
    long long bulk_len;           /* BULK: >= 0 */
} saml_redis_head_t;

/* Parse a first line (without CRLF; len bytes, NUL bytes inside refused):
 * APR_SUCCESS, or SAML_NET_EPROTO for anything else (arrays, RESP3 types, an
 * empty line, a number with a sign where none may be, leading zeros or
 * overflow, a bulk length below -1). */
apr_status_t saml_redis_head_parse(const char *line, apr_size_t len, saml_redis_head_t *h);

/* What a command answers with. */
typedef enum {
    SAML_REDIS_EXPECT_VALUE,      /* GET, GETDEL: a bulk string, or nil (absent) */
    SAML_REDIS_EXPECT_OK,         /* SET: +OK */
    SAML_REDIS_EXPECT_OK_OR_NIL,  /* SET ... NX or XX: +OK, or nil (not stored) */
    SAML_REDIS_EXPECT_COUNT       /* DEL, EXISTS: an integer >= 0 */
} saml_redis_expect_t;

/* The error replies an administrator must be told apart, by their first
 * word (Redis's convention: "-WRONGPASS invalid username-password pair"). */
typedef enum {
    SAML_REDIS_E_OTHER,           /* any other code */
    SAML_REDIS_E_ERR,             /* -ERR: a generic error (e.g. unknown command) */
    SAML_REDIS_E_NOAUTH,          /* AUTH required and not (yet) given */
    SAML_REDIS_E_WRONGPASS,       /* AUTH refused: user or password wrong, user disabled */
    SAML_REDIS_E_NOPERM,          /* ACL: the user may not run this command or key */
    SAML_REDIS_E_READONLY,        /* a read-only replica */
    SAML_REDIS_E_MOVED,           /* Redis Cluster redirects (MOVED, ASK) */
    SAML_REDIS_E_LOADING,         /* loading its data set after a restart */
    SAML_REDIS_E_OOM              /* out of memory (maxmemory) */
} saml_redis_error_t;

#define SAML_REDIS_ERROR_TEXT_MAX 160

typedef struct saml_redis_reply {
    char *value;                  /* VALUE: NUL-terminated copy in p */
    apr_size_t len;
    long long count;              /* COUNT */
    /* An error reply (SAML_NET_EREMOTE): its kind and its text without the
     * '-', truncated, NUL-terminated, raw (escape it to log it). */
    saml_redis_error_t error;
    char error_text[SAML_REDIS_ERROR_TEXT_MAX + 1];
} saml_redis_reply_t;

/* The kind of an error reply's text (without the '-'). */
saml_redis_error_t saml_redis_error_kind(const char *text);
/* What an administrator should make of it, in one phrase. */
const char *saml_redis_error_meaning(saml_redis_error_t kind);

/* Read one reply from rd and check it against expect:
 *   APR_SUCCESS   VALUE: a bulk string (out->value, out->len); OK, OK_OR_NIL:
 *                 +OK; COUNT: an integer >= 0 (out->count)
 *   APR_NOTFOUND  VALUE, OK_OR_NIL: nil
 *   SAML_NET_EREMOTE  an error reply (-ERR, -NOAUTH, ...): out->error and
 *                     out->error_text say which, whatever expect is
 *   SAML_ETOOLARGE    a bulk string over max_value bytes
 *   SAML_NET_EPROTO   anything else, of the wrong type or malformed
 *   or the reader's error. out->value is set only with APR_SUCCESS for VALUE. */
apr_status_t saml_redis_reply_read(const saml_reply_reader_t *rd, saml_redis_expect_t expect,
                                   apr_size_t max_value, apr_pool_t *p, saml_redis_reply_t *out);

#endif
