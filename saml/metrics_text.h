/* The counters as operators read them: the Prometheus text exposition format
 * (PATH/metrics) and key/value lines for mod_status (server-status and its
 * ?auto form). Names and labels are decided here, once, for both. */
#ifndef SAML_METRICS_TEXT_H
#define SAML_METRICS_TEXT_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "saml/metrics.h"

/* One IdP of the server answering (its default one and each tenant). */
typedef struct {
    const char *tenant;          /* "" for the server's own IdP */
    apr_time_t first_expiry;     /* when the first of its certificates expires; 0: none */
} saml_metrics_idp_t;

/* What the counters alone do not know: the answering server's IdPs, the
 * store back-end in use (its series are shown even before its first
 * operation; -1: none) and the time now. */
typedef struct {
    const saml_metrics_idp_t *idps;
    int nidps;
    int store_backend;
    apr_time_t now;
} saml_metrics_view_t;

/* Prometheus text format 0.0.4, in p. */
const char *saml_metrics_text(apr_pool_t *p, const saml_metrics_t *m,
                              const saml_metrics_view_t *v);

/* One server-status line: "SequrSAML..." key (no spaces, no colon) and value. */
typedef struct {
    const char *key;
    apr_int64_t value;
} saml_metrics_line_t;

/* The lines for mod_status, in a stable order (saml_metrics_line_t). */
apr_array_header_t *saml_metrics_status_lines(apr_pool_t *p, const saml_metrics_t *m,
                                              const saml_metrics_view_t *v);

/* Whole days from now to t, rounded down (negative once past). */
apr_int64_t saml_metrics_days_until(apr_time_t now, apr_time_t t);

#endif
