/* See fault_store.h. */
#include "tests/unit/fault_store.h"

#include <string.h>

static int fails(saml_store_t *st, const char *key, int op)
{
    fault_store_t *f = st->impl;
    if (f->prefix == NULL || (f->ops & op) == 0 || strncmp(key, f->prefix, strlen(f->prefix)))
        return 0;
    f->failures++;
    return 1;
}

#define INNER(st) (((fault_store_t *)(st)->impl)->inner)

static apr_status_t f_get(saml_store_t *st, const char *k, apr_pool_t *p, char **v,
                          apr_size_t *l)
{
    return fails(st, k, FAULT_GET) ? APR_EGENERAL : saml_store_get(INNER(st), k, p, v, l);
}

static apr_status_t f_set(saml_store_t *st, const char *k, const char *v, apr_size_t l,
                          apr_time_t e)
{
    return fails(st, k, FAULT_SET) ? APR_EGENERAL : saml_store_set(INNER(st), k, v, l, e);
}

static apr_status_t f_add(saml_store_t *st, const char *k, const char *v, apr_size_t l,
                          apr_time_t e)
{
    return fails(st, k, FAULT_ADD) ? APR_EGENERAL : saml_store_add(INNER(st), k, v, l, e);
}

static apr_status_t f_take(saml_store_t *st, const char *k, apr_pool_t *p, char **v,
                           apr_size_t *l)
{
    return fails(st, k, FAULT_TAKE) ? APR_EGENERAL : saml_store_take(INNER(st), k, p, v, l);
}

static apr_status_t f_remove(saml_store_t *st, const char *k)
{
    return fails(st, k, FAULT_REMOVE) ? APR_EGENERAL : saml_store_remove(INNER(st), k);
}

static apr_status_t f_replace(saml_store_t *st, const char *k, const char *v, apr_size_t l,
                              apr_time_t e)
{
    return fails(st, k, FAULT_REPLACE) ? APR_EGENERAL : saml_store_replace(INNER(st), k, v, l, e);
}

static const saml_store_provider_t fault_provider = {
    .name = "fault", .get = f_get, .set = f_set, .add = f_add, .take = f_take,
    .remove = f_remove, .replace = f_replace,
};

saml_store_t *fault_store_new(apr_pool_t *p, saml_store_t *inner, fault_store_t **fault)
{
    saml_store_t *st = apr_pcalloc(p, sizeof(*st));
    fault_store_t *f = apr_pcalloc(p, sizeof(*f));

    f->inner = inner;
    st->provider = &fault_provider;
    st->impl = f;
    *fault = f;
    return st;
}
