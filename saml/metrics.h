/* Counters for operators: what happened to sign-ins, sessions, logouts and
 * the stores, counted in one block of memory that every Apache process
 * shares (the caller provides it: apache/metrics.c maps it once per Apache
 * parent, so the counts outlive graceful restarts). Counting is a relaxed
 * atomic add on that memory, no lock; a NULL block counts nothing, so a
 * server without SequrSAMLMetrics pays one test per event.
 *
 * Which events exist and what they are called lives here and in
 * saml/metrics_text.c (the Prometheus text and the server-status lines). */
#ifndef SAML_METRICS_H
#define SAML_METRICS_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct saml_metrics saml_metrics_t;

/* The plain counters. */
typedef enum {
    SAML_METRIC_SIGNIN_ACCEPTED = 0,   /* a response accepted and a session started */
    SAML_METRIC_SIGNIN_REFUSED,        /* a POST to the ACS that started no session */
    SAML_METRIC_PENDING_STARTED,       /* a browser sent to the IdP with a sign-in request */
    SAML_METRIC_UNAUTHORIZED,          /* 401 to an API client without a session */
    SAML_METRIC_LOGOUT_LOCAL,          /* PATH/logout ended the session here only */
    SAML_METRIC_LOGOUT_SP_INITIATED,   /* PATH/logout ended it and sent a LogoutRequest */
    SAML_METRIC_LOGOUT_IDP_INITIATED,  /* an IdP LogoutRequest acted on and answered */
    SAML_METRIC_LOGOUT_IDP_CONFIRMED,  /* the IdP's LogoutResponse to ours accepted */
    SAML_METRIC_SESSION_RESUMED,       /* a request let in on its session */
    SAML_METRIC_SESSION_EXPIRED,       /* a session cookie whose session is gone */
    SAML_METRIC_SESSION_REFUSED,       /* a live session not let in here */
    SAML_METRIC_USER_ADMITTED,         /* user store: active user */
    SAML_METRIC_USER_REFUSED,          /* user store: unknown or inactive */
    SAML_METRIC_USER_ERROR,            /* user store: no answer */
    SAML_METRIC_COUNT
} saml_metric_t;

/* The store back-ends counted apart (a provider's name picks one). */
typedef enum {
    SAML_METRICS_BACKEND_FILE = 0,
    SAML_METRICS_BACKEND_MEMCACHE,
    SAML_METRICS_BACKEND_REDIS,
    SAML_METRICS_BACKEND_DBD,
    SAML_METRICS_BACKEND_OTHER,
    SAML_METRICS_BACKENDS
} saml_metrics_backend_t;

typedef enum {
    SAML_METRICS_OP_GET = 0,
    SAML_METRICS_OP_SET,
    SAML_METRICS_OP_ADD,
    SAML_METRICS_OP_TAKE,
    SAML_METRICS_OP_REMOVE,
    SAML_METRICS_OP_REPLACE,
    SAML_METRICS_OPS
} saml_metrics_op_t;

/* Refusal check names kept apart; later new names count as "other". */
#define SAML_METRICS_CHECKS 128
/* Longest check name kept (longer or odd ones count as "other"). */
#define SAML_METRICS_CHECK_NAME_MAX 47
/* Upper bounds of the store latency buckets, in microseconds (+Inf after). */
#define SAML_METRICS_BUCKETS 16
extern const apr_uint32_t saml_metrics_bucket_usec[SAML_METRICS_BUCKETS];

/* The size of the shared block. */
apr_size_t saml_metrics_size(void);

/* The block at mem (size bytes): zeroed and stamped when fresh is set,
 * otherwise only taken when it carries this layout's stamp (a block made by
 * an older build of the module, kept across a graceful restart, is not).
 * NULL when size is too small or the stamp is not ours. */
saml_metrics_t *saml_metrics_bind(void *mem, apr_size_t size, int fresh);

/* Counting; each is a no-op on a NULL block. */
void saml_metrics_count(saml_metrics_t *m, saml_metric_t which);
/* A refusal by the name of the check that failed (as the log's [check NAME]). */
void saml_metrics_refusal(saml_metrics_t *m, const char *check);
/* One store operation, how long it took, and whether it failed (an
 * absent key or an existing one for add is not a failure). */
void saml_metrics_store_op(saml_metrics_t *m, saml_metrics_backend_t backend,
                           saml_metrics_op_t op, apr_interval_time_t took, int failed);

saml_metrics_backend_t saml_metrics_backend_of(const char *provider_name);
const char *saml_metrics_backend_name(saml_metrics_backend_t b);
const char *saml_metrics_op_name(saml_metrics_op_t op);

/* Reading (for metrics_text.c and tests). */
apr_uint64_t saml_metrics_value(const saml_metrics_t *m, saml_metric_t which);
/* The i-th refusal slot: 0 when unused, else 1 with its name and count. */
int saml_metrics_refusal_at(const saml_metrics_t *m, int i, const char **name,
                            apr_uint64_t *count);
/* Refusals whose name was not kept (table full, or not a plain name). */
apr_uint64_t saml_metrics_refusals_other(const saml_metrics_t *m);

typedef struct {
    apr_uint64_t buckets[SAML_METRICS_BUCKETS + 1];  /* not cumulative; last: above all */
    apr_uint64_t count;                              /* sum of the buckets */
    apr_uint64_t sum_usec;
    apr_uint64_t errors;
} saml_metrics_store_stats_t;

void saml_metrics_store_stats(const saml_metrics_t *m, saml_metrics_backend_t backend,
                              saml_metrics_op_t op, saml_metrics_store_stats_t *out);

#endif
