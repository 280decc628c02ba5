/* The network side of the farm stores (memcached, Redis): a list of servers
 * from the configuration, the server a key belongs to, and for each server a
 * small pool of TCP connections owned by one process.
 *
 * Connections are made on first use, never by the process that parsed the
 * configuration for its children: a pool notices it was inherited through
 * fork() (its owner pid changed) and forgets the parent's sockets. Every
 * connect and every read or write has a short timeout; a connection that saw
 * any error is closed, never reused. After a failed connect the server is
 * not tried again for one timeout, so a dead cache costs one timeout per
 * process and second, not one per request. Host names are resolved at each
 * new connection (not once at start), so a name that moves is followed.
 *
 * Connections may speak TLS (store_tls.h) and authenticate first (a hello
 * exchange, saml_net_servers_secure). A failed operation leaves a note naming
 * the server and the reason (store_error.h) for the caller's log line. */
#ifndef SAML_STORE_NET_H
#define SAML_STORE_NET_H

#include <apr_pools.h>
#include <apr_network_io.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <errno.h>
#include <sys/uio.h>

#include "saml/error.h"
#include "saml/store_reply.h"
#include "saml/store_tls.h"

#define SAML_NET_DEFAULT_TIMEOUT apr_time_from_msec(1000)

/* Failures that are not the network's, with a text in logs that says so:
 * an answer we cannot parse ("Protocol error"), and an error answer from the
 * cache server, e.g. out of memory or authentication required ("Remote I/O
 * error"). Neither is retried. */
#define SAML_NET_EPROTO  APR_FROM_OS_ERROR(EPROTO)
#define SAML_NET_EREMOTE APR_FROM_OS_ERROR(EREMOTEIO)

typedef struct saml_net_server saml_net_server_t;
typedef struct saml_net_conn saml_net_conn_t;

/* Parse "HOST:PORT[,HOST:PORT...]" (IPv6 as [ADDR]:PORT; PORT defaults to
 * default_port) into an array of saml_net_server_t*, in order. Nothing is
 * resolved or connected here. A bad list fails with APR_EINVAL and a detail
 * naming the faulty item. */
apr_status_t saml_net_servers_parse(apr_pool_t *p, const char *spec, apr_port_t default_port,
                                    apr_interval_time_t timeout, apr_array_header_t **out,
                                    saml_err_t *err);

/* One exchange on a connection (see saml_net_call below). */
typedef apr_status_t (*saml_net_exchange_fn)(saml_net_conn_t *c, void *ctx);

/* Every server of the list speaks TLS with tls (NULL: plain TCP), and on
 * every new connection, after the handshake and before any command, hello
 * runs (e.g. Redis AUTH; NULL: none); a hello that fails fails the
 * connection. Set once, before the first operation. */
void saml_net_servers_secure(const apr_array_header_t *servers, const saml_tls_client_t *tls,
                             saml_net_exchange_fn hello, void *hello_ctx);

/* Say why the current exchange fails (printf format), for the log line:
 * saml_net_call notes "cache server HOST:PORT: <this>" (store_error.h) when
 * the operation fails, or the status's own text when nothing was said. */
void saml_net_why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether something was said already (a lower layer, e.g. TLS, said why). */
int saml_net_why_is_set(void);

/* "host:port", for logs. */
const char *saml_net_server_name(const saml_net_server_t *s);

/* Which of n servers owns key: jump consistent hash of a 64-bit FNV-1a, so
 * every process of every farm node agrees, and adding a server moves only
 * the keys that the new server takes. */
int saml_net_pick(const char *key, int n);

/* The server of `servers` (saml_net_server_t*) that owns key. */
saml_net_server_t *saml_net_server_for(const apr_array_header_t *servers, const char *key);

/* A key is one protocol token: printable ASCII without spaces, 1 to
 * SAML_STORE_KEY_MAX bytes. Ours always are; a key is still input to a
 * protocol line, so both clients check rather than assume. */
int saml_net_key_is_valid(const char *key);

/* One exchange on a connection (saml_net_exchange_fn): write the request,
 * read the answer. Returns APR_SUCCESS, APR_NOTFOUND or APR_EEXIST for a
 * complete answer (the connection stays usable); any other status closes the
 * connection. */

/* Run fn on a pooled connection to s. When a reused connection fails with a
 * connection error before anything was read (the cache server restarted since
 * it was pooled), fn runs once more on a fresh connection. */
apr_status_t saml_net_call(saml_net_server_t *s, saml_net_exchange_fn fn, void *ctx);

/* Write every byte of the vectors (at most 8). */
apr_status_t saml_net_writev(saml_net_conn_t *c, const struct iovec *vec, int n);
/* The next line, without its CRLF, NUL-terminated, valid until the next read.
 * A line longer than the connection buffer is SAML_NET_EPROTO. */
apr_status_t saml_net_read_line(saml_net_conn_t *c, char **line, apr_size_t *len);
/* n bytes then CRLF, copied NUL-terminated into p. */
apr_status_t saml_net_read_block(saml_net_conn_t *c, apr_pool_t *p, apr_size_t n, char **out);
/* n bytes then CRLF, discarded (an answer the caller does not want). */
apr_status_t saml_net_skip_block(saml_net_conn_t *c, apr_size_t n);

/* A reader (store_reply.h) over c, for the reply parsers. */
void saml_net_reader(saml_net_conn_t *c, saml_reply_reader_t *rd);

#endif
