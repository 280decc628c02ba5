/* Why the last store operation of this thread failed, in words: which cache
 * server, and what it said or what happened ("cache server 10.0.0.5:6380
 * answered -WRONGPASS ...", "... TLS handshake: server certificate refused:
 * certificate has expired"). store.h returns only a status; the network
 * stores note the detail here (per thread: Apache's worker threads each run
 * their own request) and the callers that log a store failure ask for it. */
#ifndef SAML_STORE_ERROR_H
#define SAML_STORE_ERROR_H

#include <apr_pools.h>
#include <apr_errno.h>

/* Note why an operation failed with rv (replacing any earlier note). */
void saml_store_error_note(apr_status_t rv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void saml_store_error_clear(void);

/* The note when it is about rv, else apr_strerror's text for rv; in p,
 * safe for one log line. */
const char *saml_store_error_text(apr_pool_t *p, apr_status_t rv);

#endif
