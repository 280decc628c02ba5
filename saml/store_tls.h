/* TLS for the farm stores' connections (store_net.c): Redis over TLS today
 * (rediss://, as Azure Cache for Redis and ElastiCache require it), memcached
 * later. OpenSSL, which the module links already.
 *
 * The server's certificate is always verified: against the system CA store,
 * or only against a CA file when one is named; its name must match the host
 * name of the server list (an IP address there must be in the certificate's
 * IP addresses), and that name is sent as SNI. There is no switch to turn
 * verification off: a cache that holds sessions is worth a certificate.
 * A client certificate is optional (servers run with tls-auth-clients yes).
 *
 * One saml_tls_client_t is made in the parent process from the configuration
 * and shared read-only by the children and their threads; each connection
 * has its own saml_tls_session_t. Sockets are APR's non-blocking ones: every
 * handshake, read and write waits with poll, bounded by the store timeout. */
#ifndef SAML_STORE_TLS_H
#define SAML_STORE_TLS_H

#include <apr_pools.h>
#include <apr_time.h>

#include "saml/error.h"

typedef struct saml_tls_client saml_tls_client_t;
typedef struct saml_tls_session saml_tls_session_t;

/* ca_file: PEM CAs to trust instead of the system store (NULL: the system
 * store). cert_file and key_file: a client certificate (chain, PEM) and its
 * key, both or neither. Freed with p. Failures name the file and OpenSSL's
 * reason (check "store-tls"). */
apr_status_t saml_tls_client_make(apr_pool_t *p, const char *ca_file, const char *cert_file,
                                  const char *key_file, saml_tls_client_t **out,
                                  saml_err_t *err);

/* Handshake as a client on the connected socket fd for host (SNI and name
 * check), within timeout. The session is freed with p. On failure, why
 * (whylen bytes) says what failed, e.g. "certificate verify failed:
 * unable to get local issuer certificate". */
apr_status_t saml_tls_connect(const saml_tls_client_t *t, apr_pool_t *p, int fd,
                              const char *host, apr_interval_time_t timeout,
                              saml_tls_session_t **out, char *why, apr_size_t whylen);

/* Up to *len bytes into buf; *len is what was read. APR_EOF when the server
 * closed the connection, APR_TIMEUP after timeout without data. */
apr_status_t saml_tls_read(saml_tls_session_t *s, char *buf, apr_size_t *len,
                           apr_interval_time_t timeout);

/* Write all of len bytes (never raising SIGPIPE). */
apr_status_t saml_tls_write(saml_tls_session_t *s, const char *buf, apr_size_t len,
                            apr_interval_time_t timeout);

/* Decrypted bytes OpenSSL holds that a read has not returned yet. */
int saml_tls_pending(const saml_tls_session_t *s);

#endif
