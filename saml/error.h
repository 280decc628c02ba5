/* Why a SAML operation failed: a stable check name for logs and ErrorDocument,
 * and a human detail naming the values compared (never secrets). */
#ifndef SAML_ERROR_H
#define SAML_ERROR_H

#include <apr_errno.h>
#include <apr_pools.h>

/* Status codes of the core, above APR's own. Each maps to one HTTP answer. */
#define SAML_EMALFORMED   (APR_OS_START_USERERR + 1)  /* not parseable / not SAML: 400 */
#define SAML_EREJECTED    (APR_OS_START_USERERR + 2)  /* parsed but a rule failed: 403 */
#define SAML_ETOOLARGE    (APR_OS_START_USERERR + 3)  /* over a size or depth limit: 413 */
#define SAML_EREPLAY      (APR_OS_START_USERERR + 4)  /* assertion or request seen before: 403 */
#define SAML_EUNAVAILABLE (APR_OS_START_USERERR + 5)  /* shared store unreachable: 503 */
#define SAML_EINTERNAL    (APR_OS_START_USERERR + 6)  /* our own failure (memory, crypto init): 500 */

typedef struct saml_err {
    const char *check;   /* stable short id of the rule, e.g. "audience", "signature" */
    const char *detail;  /* what was found vs expected; already safe to log once escaped */
} saml_err_t;

/* Fill err (if non-NULL) and return status: `return saml_fail(p, err, SAML_EREJECTED, "audience", "...%s", x);` */
apr_status_t saml_fail(apr_pool_t *p, saml_err_t *err, apr_status_t status,
                       const char *check, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The validation path, told as it goes: every check that passed, with the
 * values compared (never secrets), for an admin reading a debug log. The core
 * knows no logger; the caller passes a trace only when it will be read. */
typedef void saml_trace_fn(void *baton, const char *check, const char *detail);

typedef struct saml_trace {
    saml_trace_fn *fn;
    void *baton;
} saml_trace_t;

/* SAML_TRACE(trace, pool, "audience", "fmt", ...): nothing is formatted or
 * even evaluated when trace is NULL, so it costs a pointer test when off. */
#define SAML_TRACE(t, p, check, ...)                                           \
    do {                                                                       \
        const saml_trace_t *saml_trace_ = (t);                                 \
        if (saml_trace_ && saml_trace_->fn)                                    \
            saml_trace_emit(saml_trace_, (p), (check), __VA_ARGS__);           \
    } while (0)

void saml_trace_emit(const saml_trace_t *t, apr_pool_t *p, const char *check,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* HTTP status an error code should be answered with. */
int saml_status_to_http(apr_status_t status);

/* Copy of s safe for one log line: control characters (CR, LF, ESC...) and
 * bytes >= 0x7f escaped as \xNN, so a value can never start a forged log line;
 * at most max bytes of input kept (then "..."). */
const char *saml_log_escape(apr_pool_t *p, const char *s, apr_size_t max);

#endif
