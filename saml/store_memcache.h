/* Sessions, pending requests and the replay cache in memcached, for a farm.
 *
 * Our own small client of memcached's text protocol (httpd's socache has no
 * add-if-absent, which the replay check needs across servers):
 *   add    "add"    NOT_STORED -> APR_EEXIST (memcached decides: one winner)
 *   set    "set"
 *   get    "get"
 *   take   "get" then "delete": only the caller whose delete answers DELETED
 *          gets the value, every other sees APR_NOTFOUND
 *   remove "delete"
 * Expiry is sent as seconds from now, or as absolute unix time when more
 * than 30 days away (memcached's rule). Values are binary-safe.
 *
 * Several servers: each key lives on exactly one, chosen by a stable hash of
 * the key (store_net.h). When that server is down, operations on its keys
 * fail (the caller answers 503); they are never sent to another server,
 * which would let a replayed assertion pass on a node that asks elsewhere. */
#ifndef SAML_STORE_MEMCACHE_H
#define SAML_STORE_MEMCACHE_H

#include "saml/store.h"

#define SAML_MEMCACHE_DEFAULT_PORT 11211
/* memcached's default item limit is 1 MiB; our values are a few KiB. */
#define SAML_MEMCACHE_VALUE_MAX (512 * 1024)

/* servers: "HOST:PORT[,HOST:PORT...]". timeout bounds each connect, read and
 * write (0: one second). Nothing is connected until the first operation, in
 * the process that makes it. */
apr_status_t saml_store_memcache_open(apr_pool_t *p, const char *servers,
                                      apr_interval_time_t timeout, saml_store_t **out,
                                      saml_err_t *err);

#endif
