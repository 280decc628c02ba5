/* Redis (RESP2) client behind store.h. See store_redis.h. */
#include "saml/store_redis.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>

#include "saml/redis_reply.h"
#include "saml/store_net.h"
#include "saml/store_tls.h"

typedef struct rd_store {
    apr_array_header_t *servers;   /* saml_net_server_t* */
    const char *user;              /* AUTH user, or NULL */
    const char *password;          /* AUTH password, or NULL: no AUTH */
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

/* An error reply, named for the log: its code, its text and what it means,
 * never "not found". */
static void why_error_reply(const char *what, const saml_redis_reply_t *reply)
{
    saml_net_why("%s answered -%s (%s)", what, reply->error_text,
                 saml_redis_error_meaning(reply->error));
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
    if (rv == SAML_NET_EREMOTE)
        why_error_reply(a->cmd, &reply);
    else if (rv == SAML_NET_EPROTO)
        saml_net_why("Protocol error: %s answered with a reply of the wrong type or "
                     "malformed", a->cmd);
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

/* AUTH [user] password, on each new connection before any command. The
 * password goes only to the server, never to a log line. */
static apr_status_t hello(saml_net_conn_t *c, void *ctx)
{
    const rd_store_t *r = ctx;
    saml_reply_reader_t rd;
    saml_redis_reply_t reply;
    char head[64], mid[48];
    apr_size_t plen = strlen(r->password);
    struct iovec v[5];
    int n = 0;
    apr_status_t rv;

    if (r->user) {
        v[n].iov_base = head;
        v[n++].iov_len = (size_t)snprintf(head, sizeof(head), "*3\r\n$4\r\nAUTH\r\n$%"
                                          APR_SIZE_T_FMT "\r\n", strlen(r->user));
        v[n].iov_base = (void *)r->user;
        v[n++].iov_len = strlen(r->user);
        v[n].iov_base = mid;
        v[n++].iov_len = (size_t)snprintf(mid, sizeof(mid), "\r\n$%" APR_SIZE_T_FMT "\r\n",
                                          plen);
    }
    else {
        v[n].iov_base = head;
        v[n++].iov_len = (size_t)snprintf(head, sizeof(head), "*2\r\n$4\r\nAUTH\r\n$%"
                                          APR_SIZE_T_FMT "\r\n", plen);
    }
    v[n].iov_base = (void *)r->password;
    v[n++].iov_len = plen;
    v[n].iov_base = "\r\n";
    v[n++].iov_len = 2;
    if ((rv = saml_net_writev(c, v, n)) != APR_SUCCESS) {
        char buf[120];
        if (!saml_net_why_is_set())
            saml_net_why("cannot send AUTH: %s", apr_strerror(rv, buf, sizeof(buf)));
        return rv;
    }
    saml_net_reader(c, &rd);
    rv = saml_redis_reply_read(&rd, SAML_REDIS_EXPECT_OK, 0, NULL, &reply);
    if (rv == SAML_NET_EREMOTE)
        why_error_reply(r->user ? "AUTH (ACL user)" : "AUTH (default user)", &reply);
    else if (rv == SAML_NET_EPROTO)
        saml_net_why("Protocol error: AUTH answered with a reply of the wrong type or "
                     "malformed");
    else if (rv != APR_SUCCESS && !saml_net_why_is_set()) {
        char buf[120];
        saml_net_why("AUTH: no answer (%s)", APR_STATUS_IS_TIMEUP(rv) ? "timed out"
                     : apr_strerror(rv, buf, sizeof(buf)));
    }
    return rv;
}

static const saml_store_provider_t redis_provider = {
    "redis", rd_get, rd_set, rd_add, rd_take, rd_remove, rd_replace
};

apr_status_t saml_store_redis_open(apr_pool_t *p, const char *servers,
                                   apr_interval_time_t timeout, saml_store_t **out,
                                   saml_err_t *err)
{
    saml_redis_options_t o = { 0 };
    o.servers = servers;
    o.timeout = timeout;
    return saml_store_redis_open_ex(p, &o, out, err);
}

apr_status_t saml_store_redis_open_ex(apr_pool_t *p, const saml_redis_options_t *o,
                                      saml_store_t **out, saml_err_t *err)
{
    rd_store_t *r = apr_pcalloc(p, sizeof(*r));
    saml_tls_client_t *tls = NULL;
    saml_store_t *st;
    apr_status_t rv;

    rv = saml_net_servers_parse(p, o->servers, SAML_REDIS_DEFAULT_PORT, o->timeout, &r->servers,
                                err);
    if (rv != APR_SUCCESS)
        return rv;
    if (o->tls && (rv = saml_tls_client_make(p, o->ca_file, o->cert_file, o->key_file, &tls,
                                             err)) != APR_SUCCESS)
        return rv;
    if (o->password) {
        r->user = o->user ? apr_pstrdup(p, o->user) : NULL;
        r->password = apr_pstrdup(p, o->password);
    }
    saml_net_servers_secure(r->servers, tls, r->password ? hello : NULL, r);
    st = apr_pcalloc(p, sizeof(*st));
    st->provider = &redis_provider;
    st->impl = r;
    *out = st;
    return APR_SUCCESS;
}

apr_status_t saml_redis_password_parse(apr_pool_t *p, const char *text, apr_size_t len,
                                       const char **user, const char **password)
{
    const char *eol = memchr(text, '\n', len), *sp;
    apr_size_t n = eol ? (apr_size_t)(eol - text) : len;

    if (n > 0 && text[n - 1] == '\r')
        n--;
    if (n == 0 || memchr(text, '\0', n) || memchr(text, '\r', n))
        return APR_EINVAL;
    sp = memchr(text, ' ', n);
    if (sp == NULL) {
        *user = NULL;
        *password = apr_pstrmemdup(p, text, n);
        return APR_SUCCESS;
    }
    if (sp == text || (apr_size_t)(sp - text) + 1 == n)
        return APR_EINVAL;        /* " PASSWORD" or "USER ": one half is empty */
    *user = apr_pstrmemdup(p, text, (apr_size_t)(sp - text));
    *password = apr_pstrmemdup(p, sp + 1, n - (apr_size_t)(sp - text) - 1);
    return APR_SUCCESS;
}

apr_status_t saml_redis_password_file_read(apr_pool_t *p, const char *path,
                                           const char **user, const char **password,
                                           saml_err_t *err)
{
    apr_finfo_t fi;
    apr_file_t *f;
    char buf[1024];
    apr_size_t len = sizeof(buf);
    apr_status_t rv;
    char ebuf[120];

    if ((rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_PROT, p)) != APR_SUCCESS)
        return saml_fail(p, err, rv, "store-password", "cannot read %s: %s", path,
                         apr_strerror(rv, ebuf, sizeof(ebuf)));
    if (fi.filetype != APR_REG)
        return saml_fail(p, err, APR_EINVAL, "store-password", "%s is not a regular file",
                         path);
    if (fi.protection & APR_WREAD)
        return saml_fail(p, err, APR_EINVAL, "store-password", "%s may be read by every "
                         "user of this machine: chmod o-r it (e.g. 0600 or 0640)", path);
    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p)) != APR_SUCCESS)
        return saml_fail(p, err, rv, "store-password", "cannot read %s: %s", path,
                         apr_strerror(rv, ebuf, sizeof(ebuf)));
    rv = apr_file_read(f, buf, &len);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF)
        return saml_fail(p, err, rv, "store-password", "cannot read %s: %s", path,
                         apr_strerror(rv, ebuf, sizeof(ebuf)));
    if (rv == APR_EOF)
        len = 0;
    /* A first line longer than the buffer would be cut, not read whole. */
    if (len == sizeof(buf) && memchr(buf, '\n', len) == NULL)
        rv = APR_EINVAL;
    else
        rv = saml_redis_password_parse(p, buf, len, user, password);
    memset(buf, 0, sizeof(buf));
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, APR_EINVAL, "store-password", "%s: its first line must be "
                         "\"USER PASSWORD\" or \"PASSWORD\" (within 1023 bytes)", path);
    return APR_SUCCESS;
}
