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
 * the process that makes it. Plain TCP, no AUTH. */
apr_status_t saml_store_redis_open(apr_pool_t *p, const char *servers,
                                   apr_interval_time_t timeout, saml_store_t **out,
                                   saml_err_t *err);

/* Redis as the clouds run it (Azure Cache for Redis, ElastiCache, Redis 6+
 * and Valkey with ACL users): TLS and AUTH. */
typedef struct saml_redis_options {
    const char *servers;          /* "HOST:PORT[,HOST:PORT...]" */
    apr_interval_time_t timeout;  /* each connect, handshake, read, write; 0: one second */
    int tls;                      /* rediss://: TLS, the server's certificate verified */
    const char *ca_file;          /* TLS: CAs to trust (NULL: the system store) */
    const char *cert_file;        /* TLS: a client certificate and key, or NULL */
    const char *key_file;
    const char *user;             /* AUTH as this ACL user (NULL: the default user) */
    const char *password;         /* NULL: no AUTH */
} saml_redis_options_t;

/* As saml_store_redis_open, with TLS and AUTH as o says: every new
 * connection makes its handshake, then AUTH, before any command. A TLS file
 * that cannot be used fails here (check "store-tls"). */
apr_status_t saml_store_redis_open_ex(apr_pool_t *p, const saml_redis_options_t *o,
                                      saml_store_t **out, saml_err_t *err);

/* SequrSAMLCachePasswordFile: the file's first line is "USER PASSWORD" (an
 * ACL user) or "PASSWORD" alone (the default user, requirepass); the line
 * ends at LF or CRLF, the password runs to the end of the line. The file
 * must be a regular file that others may not read (mode without o+r):
 * the secret is kept out of the Apache configuration and its dumps.
 * Fails with check "store-password" and a detail naming the file (never
 * the password). */
apr_status_t saml_redis_password_file_read(apr_pool_t *p, const char *path,
                                           const char **user, const char **password,
                                           saml_err_t *err);
/* The first line's parse alone (len bytes at text). */
apr_status_t saml_redis_password_parse(apr_pool_t *p, const char *text, apr_size_t len,
                                       const char **user, const char **password);

#endif
