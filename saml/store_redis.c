/* Redis (RESP2) client behind store.h. See store_redis.h. */
#include "saml/store_redis.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saml/redis_reply.h"
#include "saml/store_net.h"

typedef struct rd_store {
    apr_array_header_t *servers;   /* saml_net_server_t* */
} rd_store_t;

typedef struct rd_call {
    const char *cmd;               /* GET, GETDEL, DEL, EXISTS, SET */
    saml_redis_expect_t expect;    /* the only replies cmd can have */
    const char *key;
    const char *val;               /* SET only */
    apr_size_t len;
    apr_int64_t px;                /* SET only: milliseconds, > 0 */
    int nx;                        /* SET only */
    int xx;                        /* SET only: replace (nx and xx never both) */
    apr_pool_t *p;
    char **out;
    apr_size_t *out_len;
    long long integer;             /* an integer reply (DEL, EXISTS) */
} rd_call_t;

/* Milliseconds from now, rounded up; 0 when already past. */
static apr_int64_t px_of(apr_time_t expiry)
{
    apr_time_t now = apr_time_now();
    if (expiry <= now)
        return 0;
    return (apr_int64_t)((expiry - now + 999) / 1000);
}

/* One command as a RESP array of bulk strings: the key (and for SET the
 * value) as they are, nothing interpreted. */
static apr_status_t send_command(saml_net_conn_t *c, const rd_call_t *a)
{
    char head[SAML_STORE_KEY_MAX + 96], tail[96];
    apr_size_t klen = strlen(a->key), clen = strlen(a->cmd);
    int hn, tn = 0;

    if (strcmp(a->cmd, "SET")) {
        hn = snprintf(head, sizeof(head), "*2\r\n$%" APR_SIZE_T_FMT "\r\n%s\r\n$%" APR_SIZE_T_FMT
                      "\r\n%s\r\n", clen, a->cmd, klen, a->key);
        {
            struct iovec v = { head, (size_t)hn };
            return saml_net_writev(c, &v, 1);
        }
    }
    hn = snprintf(head, sizeof(head), "*%d\r\n$3\r\nSET\r\n$%" APR_SIZE_T_FMT "\r\n%s\r\n$%"
                  APR_SIZE_T_FMT "\r\n", a->nx || a->xx ? 6 : 5, klen, a->key, a->len);
    {
        char ms[32];
        int mn = snprintf(ms, sizeof(ms), "%" APR_INT64_T_FMT, a->px);
        tn = snprintf(tail, sizeof(tail), "\r\n$2\r\nPX\r\n$%d\r\n%s\r\n%s", mn, ms,
                      a->nx ? "$2\r\nNX\r\n" : a->xx ? "$2\r\nXX\r\n" : "");
    }
    {
        struct iovec v[3] = { { head, (size_t)hn }, { (void *)a->val, a->len },
                              { tail, (size_t)tn } };
        return saml_net_writev(c, v, 3);
    }
}

/* Read one reply and check its type against what the command answers with
 * (redis_reply.h): a reply of another type is a store error, never data. */
static apr_status_t read_reply(saml_net_conn_t *c, rd_call_t *a)
{
    saml_reply_reader_t rd;
    saml_redis_reply_t reply;
    apr_status_t rv;

    saml_net_reader(c, &rd);
    rv = saml_redis_reply_read(&rd, a->expect, SAML_REDIS_VALUE_MAX, a->p, &reply);
    if (rv != APR_SUCCESS)
        return rv;
    if (a->expect == SAML_REDIS_EXPECT_VALUE) {
        *a->out = reply.value;
        *a->out_len = reply.len;
    }
    a->integer = reply.count;
    return APR_SUCCESS;
}

static apr_status_t exchange(saml_net_conn_t *c, void *ctx)
{
    rd_call_t *a = ctx;
    apr_status_t rv = send_command(c, a);
    return rv != APR_SUCCESS ? rv : read_reply(c, a);
}

static apr_status_t call(saml_store_t *st, rd_call_t *a)
{
    const rd_store_t *r = st->impl;

    if (!saml_net_key_is_valid(a->key))
        return APR_EINVAL;
    return saml_net_call(saml_net_server_for(r->servers, a->key), exchange, a);
}

static apr_status_t rd_read(saml_store_t *st, const char *cmd, const char *key, apr_pool_t *p,
                            char **val, apr_size_t *len)
{
    rd_call_t a = { 0 };
    apr_size_t ignored;
    a.cmd = cmd;
    a.expect = SAML_REDIS_EXPECT_VALUE;
    a.key = key;
    a.p = p;
    a.out = val;
    a.out_len = len ? len : &ignored;
    return call(st, &a);
}

static apr_status_t rd_get(saml_store_t *st, const char *key, apr_pool_t *p, char **val,
                           apr_size_t *len)
{
    return rd_read(st, "GET", key, p, val, len);
}

static apr_status_t rd_take(saml_store_t *st, const char *key, apr_pool_t *p, char **val,
                            apr_size_t *len)
{
    return rd_read(st, "GETDEL", key, p, val, len);
}

static apr_status_t rd_remove(saml_store_t *st, const char *key)
{
    rd_call_t a = { 0 };
    a.cmd = "DEL";
    a.expect = SAML_REDIS_EXPECT_COUNT;
    a.key = key;
    return call(st, &a);
}

static apr_status_t rd_store(saml_store_t *st, const char *key, const char *val,
                             apr_size_t len, apr_time_t expiry, int nx)
{
    rd_call_t a = { 0 };
    if (len > SAML_REDIS_VALUE_MAX)
        return SAML_ETOOLARGE;
    a.cmd = "SET";
    a.expect = nx ? SAML_REDIS_EXPECT_OK_OR_NIL : SAML_REDIS_EXPECT_OK;
    a.key = key;
    a.val = val;
    a.len = len;
    a.nx = nx;
    a.px = px_of(expiry);
    if (a.px == 0) {
        /* Already expired: a set leaves nothing readable (drop any older
         * value); an add stores nothing either, but still has to say
         * whether a live entry is there. */
        apr_status_t rv;
        if (!nx)
            return rd_remove(st, key);
        a.cmd = "EXISTS";
        a.expect = SAML_REDIS_EXPECT_COUNT;
        if ((rv = call(st, &a)) != APR_SUCCESS)
            return rv;
        return a.integer > 0 ? APR_EEXIST : APR_SUCCESS;
    }
    {
        apr_status_t rv = call(st, &a);
        /* A nil answer to SET ... NX: the key is already there. */
        if (rv == APR_NOTFOUND)
            return nx ? APR_EEXIST : SAML_NET_EPROTO;
        return rv;
    }
}

static apr_status_t rd_set(saml_store_t *st, const char *key, const char *val, apr_size_t len,
                           apr_time_t expiry)
{
    return rd_store(st, key, val, len, expiry, 0);
}

static apr_status_t rd_add(saml_store_t *st, const char *key, const char *val, apr_size_t len,
                           apr_time_t expiry)
{
    return rd_store(st, key, val, len, expiry, 1);
}

/* SET ... XX: written only over a live key, a nil answer otherwise. */
static apr_status_t rd_replace(saml_store_t *st, const char *key, const char *val,
                               apr_size_t len, apr_time_t expiry)
{
    rd_call_t a = { 0 };
    apr_status_t rv;

    if (len > SAML_REDIS_VALUE_MAX)
        return SAML_ETOOLARGE;
    a.key = key;
    a.px = px_of(expiry);
    if (a.px == 0) {
        /* Already expired: drop a live value; the count says if there was one. */
        a.cmd = "DEL";
        a.expect = SAML_REDIS_EXPECT_COUNT;
        if ((rv = call(st, &a)) != APR_SUCCESS)
            return rv;
        return a.integer > 0 ? APR_SUCCESS : APR_NOTFOUND;
    }
    a.cmd = "SET";
    a.expect = SAML_REDIS_EXPECT_OK_OR_NIL;
    a.val = val;
    a.len = len;
    a.xx = 1;
    return call(st, &a);      /* nil: APR_NOTFOUND */
}

static const saml_store_provider_t redis_provider = {
    "redis", rd_get, rd_set, rd_add, rd_take, rd_remove, rd_replace
};

apr_status_t saml_store_redis_open(apr_pool_t *p, const char *servers,
                                   apr_interval_time_t timeout, saml_store_t **out,
                                   saml_err_t *err)
{
    rd_store_t *r = apr_pcalloc(p, sizeof(*r));
    saml_store_t *st;
    apr_status_t rv;

    rv = saml_net_servers_parse(p, servers, SAML_REDIS_DEFAULT_PORT, timeout, &r->servers, err);
    if (rv != APR_SUCCESS)
        return rv;
    st = apr_pcalloc(p, sizeof(*st));
    st->provider = &redis_provider;
    st->impl = r;
    *out = st;
    return APR_SUCCESS;
}
