/* Sessions, pending requests and the replay cache in Redis, for a farm.
 *
 * Our own small RESP client (httpd's socache has neither add-if-absent nor
 * get-and-delete, which the replay check and one-time requests need):
 *   add    SET key value PX ms NX   nil answer -> APR_EEXIST
 *   set    SET key value PX ms      (DEL when the expiry is already past)
 *   get    GET
 *   take   GETDEL (Redis >= 6.2): atomic, one caller gets the value
 *   remove DEL
 * Expiry is sent relative (PX, milliseconds from now, rounded up), so the
 * Redis server's clock does not matter. Values are binary-safe.
 *
 * Several servers: as for memcached, each key lives on the one server a
 * stable hash of the key picks, and an operation on a key whose server is
 * down fails (the caller answers 503) rather than going elsewhere; that is
 * what keeps add and take atomic across the farm. For redundancy, put one
 * Redis with a replica behind a failover address instead. */
#ifndef SAML_STORE_REDIS_H
#define SAML_STORE_REDIS_H

#include "saml/store.h"

#define SAML_REDIS_DEFAULT_PORT 6379
#define SAML_REDIS_VALUE_MAX (512 * 1024)

/* servers: "HOST:PORT[,HOST:PORT...]". timeout bounds each connect, read and
 * write (0: one second). Nothing is connected until the first operation, in
 * the process that makes it. */
apr_status_t saml_store_redis_open(apr_pool_t *p, const char *servers,
                                   apr_interval_time_t timeout, saml_store_t **out,
                                   saml_err_t *err);

#endif
