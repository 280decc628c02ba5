/* Shared state behind one small interface: sessions, pending requests and the
 * replay cache live here, whatever the back-end (file-backed shared memory on
 * one machine; memcached or Redis for a farm). Keys are short printable
 * strings (at most SAML_STORE_KEY_MAX bytes); values are opaque bytes. */
#ifndef SAML_STORE_H
#define SAML_STORE_H

#include <apr_pools.h>
#include <apr_time.h>
#include "saml/error.h"

#define SAML_STORE_KEY_MAX 96

/* The key namespaces: every key in the store begins with one of these, and
 * they are declared together so that no two kinds of entry can collide. */
#define SAML_STORE_NS_SESSION        "s:"   /* session.c: a session, by cookie hash */
#define SAML_STORE_NS_LOGOUT_INDEX   "x:"   /* session.c: NameID/SessionIndex -> sessions */
#define SAML_STORE_NS_ANSWERED       "q:"   /* acs.c: a sign-in request already answered */
#define SAML_STORE_NS_REPLAY         "r:"   /* acs.c: an assertion already accepted */
#define SAML_STORE_NS_PENDING_LOGOUT "l:"   /* logout.c: a LogoutRequest we sent */
#define SAML_STORE_NS_LOGOUT_SEEN    "lr:"  /* logout.c: an IdP LogoutRequest already done */
#define SAML_STORE_NS_DBD_PURGE      "p:"   /* store_dbd.c: who deletes expired rows now */

typedef struct saml_store saml_store_t;

typedef struct saml_store_provider {
    const char *name;
    /* APR_SUCCESS with a copy in p, APR_NOTFOUND when absent or expired. */
    apr_status_t (*get)(saml_store_t *st, const char *key, apr_pool_t *p,
                        char **val, apr_size_t *len);
    /* Insert or replace until expiry (absolute time). */
    apr_status_t (*set)(saml_store_t *st, const char *key, const char *val,
                        apr_size_t len, apr_time_t expiry);
    /* Insert only if absent (or expired): APR_EEXIST otherwise. Atomic across
     * every process sharing the store: this is what makes the replay check safe. */
    apr_status_t (*add)(saml_store_t *st, const char *key, const char *val,
                        apr_size_t len, apr_time_t expiry);
    /* Get and delete in one atomic step: APR_NOTFOUND if absent. One caller wins. */
    apr_status_t (*take)(saml_store_t *st, const char *key, apr_pool_t *p,
                         char **val, apr_size_t *len);
    /* APR_SUCCESS whether or not the key existed. */
    apr_status_t (*remove)(saml_store_t *st, const char *key);
    /* Replace only a live entry: APR_NOTFOUND (and nothing written) when the
     * key is absent or expired. Atomic across every process sharing the
     * store: a write-back of a session uses it, so that it can never bring
     * back a session that a logout removed meanwhile (a set would). An expiry
     * already past leaves nothing readable. */
    apr_status_t (*replace)(saml_store_t *st, const char *key, const char *val,
                            apr_size_t len, apr_time_t expiry);
} saml_store_provider_t;

struct saml_store {
    const saml_store_provider_t *provider;
    void *impl;
};

#define saml_store_get(st, k, p, v, l)    ((st)->provider->get((st), (k), (p), (v), (l)))
#define saml_store_set(st, k, v, l, e)    ((st)->provider->set((st), (k), (v), (l), (e)))
#define saml_store_add(st, k, v, l, e)    ((st)->provider->add((st), (k), (v), (l), (e)))
#define saml_store_take(st, k, p, v, l)   ((st)->provider->take((st), (k), (p), (v), (l)))
#define saml_store_remove(st, k)          ((st)->provider->remove((st), (k)))
#define saml_store_replace(st, k, v, l, e) ((st)->provider->replace((st), (k), (v), (l), (e)))

#endif
