/* Timing and counting every store operation: two atomic adds (the latency
 * bucket and the sum) and two clock reads per operation, three adds when it
 * failed. */
#include "saml/store_metered.h"

#include <apr_errno.h>

typedef struct {
    saml_store_t *inner;
    saml_metrics_t *m;
    saml_metrics_backend_t backend;
} metered_t;

/* An absent key, or an existing one for add, is an answer, not a failure. */
static apr_status_t done(saml_store_t *st, saml_metrics_op_t op, apr_time_t start,
                         apr_status_t rv)
{
    metered_t *x = st->impl;
    saml_metrics_store_op(x->m, x->backend, op, apr_time_now() - start,
                          rv != APR_SUCCESS && rv != APR_NOTFOUND && rv != APR_EEXIST);
    return rv;
}

#define INNER(st) (((metered_t *)(st)->impl)->inner)

static apr_status_t mt_get(saml_store_t *st, const char *key, apr_pool_t *p, char **val,
                           apr_size_t *len)
{
    apr_time_t t = apr_time_now();
    return done(st, SAML_METRICS_OP_GET, t, saml_store_get(INNER(st), key, p, val, len));
}

static apr_status_t mt_set(saml_store_t *st, const char *key, const char *val, apr_size_t len,
                           apr_time_t expiry)
{
    apr_time_t t = apr_time_now();
    return done(st, SAML_METRICS_OP_SET, t, saml_store_set(INNER(st), key, val, len, expiry));
}

static apr_status_t mt_add(saml_store_t *st, const char *key, const char *val, apr_size_t len,
                           apr_time_t expiry)
{
    apr_time_t t = apr_time_now();
    return done(st, SAML_METRICS_OP_ADD, t, saml_store_add(INNER(st), key, val, len, expiry));
}

static apr_status_t mt_take(saml_store_t *st, const char *key, apr_pool_t *p, char **val,
                            apr_size_t *len)
{
    apr_time_t t = apr_time_now();
    return done(st, SAML_METRICS_OP_TAKE, t, saml_store_take(INNER(st), key, p, val, len));
}

static apr_status_t mt_remove(saml_store_t *st, const char *key)
{
    apr_time_t t = apr_time_now();
    return done(st, SAML_METRICS_OP_REMOVE, t, saml_store_remove(INNER(st), key));
}

static apr_status_t mt_replace(saml_store_t *st, const char *key, const char *val,
                               apr_size_t len, apr_time_t expiry)
{
    apr_time_t t = apr_time_now();
    return done(st, SAML_METRICS_OP_REPLACE, t,
                saml_store_replace(INNER(st), key, val, len, expiry));
}

saml_store_t *saml_store_metered(apr_pool_t *p, saml_store_t *inner, saml_metrics_t *m)
{
    saml_store_provider_t *provider;
    saml_store_t *st;
    metered_t *x;

    if (m == NULL || inner == NULL)
        return inner;
    provider = apr_pcalloc(p, sizeof(*provider));
    provider->name = inner->provider->name;
    provider->get = mt_get;
    provider->set = mt_set;
    provider->add = mt_add;
    provider->take = mt_take;
    provider->remove = mt_remove;
    provider->replace = mt_replace;
    x = apr_pcalloc(p, sizeof(*x));
    x->inner = inner;
    x->m = m;
    x->backend = saml_metrics_backend_of(inner->provider->name);
    st = apr_pcalloc(p, sizeof(*st));
    st->provider = provider;
    st->impl = x;
    return st;
}
