/* memcached text protocol client behind store.h. See store_memcache.h. */
#include "saml/store_memcache.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saml/memcache_reply.h"
#include "saml/store_net.h"

#define THIRTY_DAYS (30 * 86400)

typedef struct mc_store {
    apr_array_header_t *servers;   /* saml_net_server_t* */
} mc_store_t;

typedef struct mc_call {
    const char *key;
    apr_size_t key_len;
    const char *cmd;               /* "set" / "add" / "replace" */
    const char *val;
    apr_size_t len;
    long exptime;
    apr_pool_t *p;
    char **out;
    apr_size_t *out_len;
} mc_call_t;

static saml_net_server_t *owner(saml_store_t *st, const char *key)
{
    const mc_store_t *m = st->impl;
    return saml_net_server_for(m->servers, key);
}

/* Seconds from now, rounded up (an entry may outlive its expiry by under a
 * second, never die early); past expiry is -1, which memcached treats as
 * already expired; beyond 30 days memcached wants absolute unix time. */
static long exptime_of(apr_time_t expiry)
{
    apr_time_t now = apr_time_now();
    apr_int64_t secs;

    if (expiry <= now)
        return -1;
    secs = (expiry - now + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC;
    if (secs > THIRTY_DAYS)
        return (long)((expiry + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC);
    return (long)secs;
}

static apr_status_t send_line(saml_net_conn_t *c, const char *line, apr_size_t n)
{
    struct iovec v = { (void *)line, n };
    return saml_net_writev(c, &v, 1);
}

/* The answer to "get KEY", checked by memcache_reply.c: another key's VALUE,
 * a malformed VALUE line or any other line is a store error, never data. */
static apr_status_t read_get_answer(saml_net_conn_t *c, mc_call_t *a)
{
    saml_reply_reader_t rd;

    saml_net_reader(c, &rd);
    return saml_memcache_get_read(&rd, a->key, SAML_MEMCACHE_VALUE_MAX, a->p, a->out,
                                  a->out_len);
}

static apr_status_t exchange_get(saml_net_conn_t *c, void *ctx)
{
    mc_call_t *a = ctx;
    char req[SAML_STORE_KEY_MAX + 16];
    int n = snprintf(req, sizeof(req), "get %s\r\n", a->key);
    apr_status_t rv = send_line(c, req, (apr_size_t)n);
    return rv != APR_SUCCESS ? rv : read_get_answer(c, a);
}

static apr_status_t delete_key(saml_net_conn_t *c, const char *key)
{
    char req[SAML_STORE_KEY_MAX + 16];
    saml_reply_reader_t rd;
    int n = snprintf(req, sizeof(req), "delete %s\r\n", key);
    apr_status_t rv = send_line(c, req, (apr_size_t)n);

    if (rv != APR_SUCCESS)
        return rv;
    saml_net_reader(c, &rd);
    return saml_memcache_line_read(&rd, SAML_MEMCACHE_EXPECT_DELETE);
}

static apr_status_t exchange_delete(saml_net_conn_t *c, void *ctx)
{
    return delete_key(c, ((mc_call_t *)ctx)->key);
}

/* memcached has no get-and-delete; the delete decides: of several callers
 * that read the value, only the one whose delete removed it may use it. */
static apr_status_t exchange_take(saml_net_conn_t *c, void *ctx)
{
    mc_call_t *a = ctx, got = *a;
    char *val = NULL;
    apr_size_t len = 0;
    apr_status_t rv;

    /* The caller sees the value only when the delete was ours. */
    got.out = &val;
    got.out_len = &len;
    if ((rv = exchange_get(c, &got)) != APR_SUCCESS || (rv = delete_key(c, a->key)) != APR_SUCCESS)
        return rv;
    *a->out = val;
    *a->out_len = len;
    return APR_SUCCESS;
}

static apr_status_t exchange_store(saml_net_conn_t *c, void *ctx)
{
    mc_call_t *a = ctx;
    char head[SAML_STORE_KEY_MAX + 64];
    saml_reply_reader_t rd;
    int n = snprintf(head, sizeof(head), "%s %s 0 %ld %" APR_SIZE_T_FMT "\r\n", a->cmd,
                     a->key, a->exptime, a->len);
    struct iovec v[3] = { { head, (size_t)n }, { (void *)a->val, a->len }, { "\r\n", 2 } };
    apr_status_t rv = saml_net_writev(c, v, 3);

    if (rv != APR_SUCCESS)
        return rv;
    saml_net_reader(c, &rd);
    return saml_memcache_line_read(&rd, SAML_MEMCACHE_EXPECT_STORE);
}

static apr_status_t mc_get(saml_store_t *st, const char *key, apr_pool_t *p, char **val,
                           apr_size_t *len)
{
    mc_call_t a = { 0 };
    if (!saml_net_key_is_valid(key))
        return APR_EINVAL;
    a.key = key;
    a.key_len = strlen(key);
    a.p = p;
    a.out = val;
    a.out_len = len;
    return saml_net_call(owner(st, key), exchange_get, &a);
}

static apr_status_t mc_take(saml_store_t *st, const char *key, apr_pool_t *p, char **val,
                            apr_size_t *len)
{
    mc_call_t a = { 0 };
    if (!saml_net_key_is_valid(key))
        return APR_EINVAL;
    a.key = key;
    a.key_len = strlen(key);
    a.p = p;
    a.out = val;
    a.out_len = len;
    return saml_net_call(owner(st, key), exchange_take, &a);
}

static apr_status_t store_value(saml_store_t *st, const char *cmd, const char *key,
                                const char *val, apr_size_t len, apr_time_t expiry)
{
    mc_call_t a = { 0 };
    if (!saml_net_key_is_valid(key))
        return APR_EINVAL;
    if (len > SAML_MEMCACHE_VALUE_MAX)
        return SAML_ETOOLARGE;
    a.key = key;
    a.key_len = strlen(key);
    a.cmd = cmd;
    a.val = val;
    a.len = len;
    a.exptime = exptime_of(expiry);
    return saml_net_call(owner(st, key), exchange_store, &a);
}

static apr_status_t mc_set(saml_store_t *st, const char *key, const char *val, apr_size_t len,
                           apr_time_t expiry)
{
    apr_status_t rv = store_value(st, "set", key, val, len, expiry);
    return rv == APR_EEXIST ? SAML_NET_EPROTO : rv;   /* NOT_STORED to a set */
}

static apr_status_t mc_add(saml_store_t *st, const char *key, const char *val, apr_size_t len,
                           apr_time_t expiry)
{
    return store_value(st, "add", key, val, len, expiry);
}

/* memcached's replace stores only over a live item (NOT_STORED otherwise);
 * an exptime of -1 stores an item that is already dead. */
static apr_status_t mc_replace(saml_store_t *st, const char *key, const char *val,
                               apr_size_t len, apr_time_t expiry)
{
    apr_status_t rv = store_value(st, "replace", key, val, len, expiry);
    return rv == APR_EEXIST ? APR_NOTFOUND : rv;
}

static apr_status_t mc_remove(saml_store_t *st, const char *key)
{
    mc_call_t a = { 0 };
    apr_status_t rv;
    if (!saml_net_key_is_valid(key))
        return APR_EINVAL;
    a.key = key;
    rv = saml_net_call(owner(st, key), exchange_delete, &a);
    return rv == APR_NOTFOUND ? APR_SUCCESS : rv;
}

static const saml_store_provider_t memcache_provider = {
    "memcache", mc_get, mc_set, mc_add, mc_take, mc_remove, mc_replace
};

apr_status_t saml_store_memcache_open(apr_pool_t *p, const char *servers,
                                      apr_interval_time_t timeout, saml_store_t **out,
                                      saml_err_t *err)
{
    mc_store_t *m = apr_pcalloc(p, sizeof(*m));
    saml_store_t *st;
    apr_status_t rv;

    rv = saml_net_servers_parse(p, servers, SAML_MEMCACHE_DEFAULT_PORT, timeout, &m->servers, err);
    if (rv != APR_SUCCESS)
        return rv;
    st = apr_pcalloc(p, sizeof(*st));
    st->provider = &memcache_provider;
    st->impl = m;
    *out = st;
    return APR_SUCCESS;
}
