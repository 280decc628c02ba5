/* Names, help and labels of every metric, and their two renderings. */
#include "saml/metrics_text.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The plain counters: the Prometheus family and label, and the status key. */
static const struct {
    saml_metric_t which;
    const char *family;
    const char *labels;
    const char *status_key;
} counters[] = {
    { SAML_METRIC_SIGNIN_ACCEPTED, "sequr_saml_signins_total", "result=\"accepted\"",
      "SequrSAMLSignInsAccepted" },
    { SAML_METRIC_SIGNIN_REFUSED, "sequr_saml_signins_total", "result=\"refused\"",
      "SequrSAMLSignInsRefused" },
    { SAML_METRIC_PENDING_STARTED, "sequr_saml_pending_requests_total", NULL,
      "SequrSAMLPendingRequestsStarted" },
    { SAML_METRIC_UNAUTHORIZED, "sequr_saml_unauthorized_total", NULL,
      "SequrSAMLUnauthorized" },
    { SAML_METRIC_LOGOUT_LOCAL, "sequr_saml_logouts_total", "kind=\"local\"",
      "SequrSAMLLogoutsLocal" },
    { SAML_METRIC_LOGOUT_SP_INITIATED, "sequr_saml_logouts_total", "kind=\"sp_initiated\"",
      "SequrSAMLLogoutsSPInitiated" },
    { SAML_METRIC_LOGOUT_IDP_INITIATED, "sequr_saml_logouts_total", "kind=\"idp_initiated\"",
      "SequrSAMLLogoutsIdPInitiated" },
    { SAML_METRIC_LOGOUT_IDP_CONFIRMED, "sequr_saml_logouts_total", "kind=\"idp_confirmed\"",
      "SequrSAMLLogoutsIdPConfirmed" },
    { SAML_METRIC_SESSION_RESUMED, "sequr_saml_sessions_total", "result=\"resumed\"",
      "SequrSAMLSessionsResumed" },
    { SAML_METRIC_SESSION_EXPIRED, "sequr_saml_sessions_total", "result=\"expired\"",
      "SequrSAMLSessionsExpired" },
    { SAML_METRIC_SESSION_REFUSED, "sequr_saml_sessions_total", "result=\"refused\"",
      "SequrSAMLSessionsRefused" },
    { SAML_METRIC_USER_ADMITTED, "sequr_saml_user_store_lookups_total", "result=\"admitted\"",
      "SequrSAMLUserStoreAdmitted" },
    { SAML_METRIC_USER_REFUSED, "sequr_saml_user_store_lookups_total", "result=\"refused\"",
      "SequrSAMLUserStoreRefused" },
    { SAML_METRIC_USER_ERROR, "sequr_saml_user_store_lookups_total", "result=\"error\"",
      "SequrSAMLUserStoreErrors" },
};

static const struct {
    const char *family;
    const char *help;
} counter_help[] = {
    { "sequr_saml_signins_total", "Requests to the ACS: accepted (a session started) or refused "
      "(the check is in sequr_saml_refusals_total)" },
    { "sequr_saml_pending_requests_total", "Sign-ins started: browsers sent to the IdP with "
      "an AuthnRequest and its sign-in request cookie" },
    { "sequr_saml_unauthorized_total", "401 answers to API clients (fetch, XHR, non-GET) "
      "without a session" },
    { "sequr_saml_logouts_total", "Logouts: local (PATH/logout, this site only), "
      "sp_initiated (PATH/logout, then a LogoutRequest to the IdP), idp_initiated (the IdP's "
      "LogoutRequest acted on), idp_confirmed (the IdP's LogoutResponse accepted)" },
    { "sequr_saml_sessions_total", "Requests with a session cookie: resumed (let in), expired "
      "(no usable session: expired, idle, logged out), refused (a live session not let in "
      "here: other tenant, user store, ambiguous cookies)" },
    { "sequr_saml_user_store_lookups_total", "Sequr user store lookups (SequrSAMLUserStore "
      "dbd): admitted, refused (unknown or inactive), error (no answer)" },
};

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *out;   /* const char *: the pieces, joined at the end */
} buf_t;

static void put(buf_t *b, const char *s)
{
    APR_ARRAY_PUSH(b->out, const char *) = s;
}

static void putf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put(b, apr_pvsprintf(b->p, fmt, ap));
    va_end(ap);
}

static void header(buf_t *b, const char *family, const char *type, const char *help)
{
    putf(b, "# HELP %s %s\n# TYPE %s %s\n", family, help, family, type);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static const char *label_value(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 2 + 1), *o = out;

    for (; *s; s++) {
        if (*s == '\\' || *s == '"') {
            *o++ = '\\';
            *o++ = *s;
        }
        else if (*s == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        }
        else
            *o++ = *s;
    }
    *o = '\0';
    return out;
}

static void plain_counters(buf_t *b, const saml_metrics_t *m)
{
    apr_size_t i, j;

    for (j = 0; j < sizeof(counter_help) / sizeof(counter_help[0]); j++) {
        header(b, counter_help[j].family, "counter", counter_help[j].help);
        for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
            if (strcmp(counters[i].family, counter_help[j].family))
                continue;
            putf(b, "%s%s%s%s %" APR_UINT64_T_FMT "\n", counters[i].family,
                 counters[i].labels ? "{" : "", counters[i].labels ? counters[i].labels : "",
                 counters[i].labels ? "}" : "", saml_metrics_value(m, counters[i].which));
        }
    }
}

typedef struct {
    const char *name;
    apr_uint64_t count;
} refusal_t;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const refusal_t *)a)->name, ((const refusal_t *)b)->name);
}

/* The refusal slots by name, sorted; a name in two slots (two processes
 * claimed one each at the same instant) is summed into one series. */
static apr_array_header_t *refusals(apr_pool_t *p, const saml_metrics_t *m)
{
    apr_array_header_t *list = apr_array_make(p, 16, sizeof(refusal_t));
    apr_hash_t *seen = apr_hash_make(p);
    apr_uint64_t other = saml_metrics_refusals_other(m);
    int i;

    for (i = 0; i < SAML_METRICS_CHECKS; i++) {
        const char *name;
        apr_uint64_t count;
        refusal_t *r;

        if (!saml_metrics_refusal_at(m, i, &name, &count))
            continue;
        if (!strcmp(name, "other")) {
            other += count;
            continue;
        }
        if ((r = apr_hash_get(seen, name, APR_HASH_KEY_STRING)) != NULL) {
            r->count += count;
            continue;
        }
        r = apr_array_push(list);
        r->name = apr_pstrdup(p, name);
        r->count = count;
        apr_hash_set(seen, r->name, APR_HASH_KEY_STRING, r);
    }
    /* apr_hash keeps pointers into the array: sort only once it is full. */
    qsort(list->elts, (size_t)list->nelts, sizeof(refusal_t), by_name);
    if (other) {
        refusal_t *r = apr_array_push(list);
        r->name = "other";
        r->count = other;
    }
    return list;
}

/* Seconds with microsecond precision, as Prometheus reads them. */
static const char *seconds(apr_pool_t *p, apr_uint64_t usec)
{
    return apr_psprintf(p, "%" APR_UINT64_T_FMT ".%06" APR_UINT64_T_FMT, usec / 1000000,
                        usec % 1000000);
}

/* A back-end's series are shown once it has been used, or when it is the one
 * in use (so a dashboard sees zeros rather than nothing). */
static int backend_shown(const saml_metrics_t *m, const saml_metrics_view_t *v, int backend)
{
    int op;
    if (backend == v->store_backend)
        return 1;
    for (op = 0; op < SAML_METRICS_OPS; op++) {
        saml_metrics_store_stats_t st;
        saml_metrics_store_stats(m, backend, op, &st);
        if (st.count)
            return 1;
    }
    return 0;
}

static void store_metrics(buf_t *b, const saml_metrics_t *m, const saml_metrics_view_t *v)
{
    static const char *const families[] = {
        "sequr_saml_store_operations_total", "sequr_saml_store_errors_total"
    };
    int backend, op, k, f;

    for (f = 0; f < 2; f++) {
        header(b, families[f], "counter", f == 0
               ? "Session store operations by back-end and operation"
               : "Session store operations that failed (the server did not answer, refused, "
                 "or the store was full); an absent key is not a failure");
        for (backend = 0; backend < SAML_METRICS_BACKENDS; backend++) {
            if (!backend_shown(m, v, backend))
                continue;
            for (op = 0; op < SAML_METRICS_OPS; op++) {
                saml_metrics_store_stats_t st;
                saml_metrics_store_stats(m, backend, op, &st);
                putf(b, "%s{backend=\"%s\",operation=\"%s\"} %" APR_UINT64_T_FMT "\n",
                     families[f], saml_metrics_backend_name(backend), saml_metrics_op_name(op),
                     f == 0 ? st.count : st.errors);
            }
        }
    }
    header(b, "sequr_saml_store_operation_duration_seconds", "histogram",
           "How long session store operations took");
    for (backend = 0; backend < SAML_METRICS_BACKENDS; backend++) {
        if (!backend_shown(m, v, backend))
            continue;
        for (op = 0; op < SAML_METRICS_OPS; op++) {
            saml_metrics_store_stats_t st;
            const char *labels = apr_psprintf(b->p, "backend=\"%s\",operation=\"%s\"",
                                              saml_metrics_backend_name(backend),
                                              saml_metrics_op_name(op));
            apr_uint64_t cumulative = 0;

            saml_metrics_store_stats(m, backend, op, &st);
            for (k = 0; k < SAML_METRICS_BUCKETS; k++) {
                cumulative += st.buckets[k];
                putf(b, "sequr_saml_store_operation_duration_seconds_bucket{%s,le=\"%s\"} %"
                     APR_UINT64_T_FMT "\n", labels,
                     seconds(b->p, saml_metrics_bucket_usec[k]), cumulative);
            }
            putf(b, "sequr_saml_store_operation_duration_seconds_bucket{%s,le=\"+Inf\"} %"
                 APR_UINT64_T_FMT "\n", labels, st.count);
            putf(b, "sequr_saml_store_operation_duration_seconds_sum{%s} %s\n", labels,
                 seconds(b->p, st.sum_usec));
            putf(b, "sequr_saml_store_operation_duration_seconds_count{%s} %" APR_UINT64_T_FMT
                 "\n", labels, st.count);
        }
    }
}

apr_int64_t saml_metrics_days_until(apr_time_t now, apr_time_t t)
{
    apr_int64_t day = (apr_int64_t)apr_time_from_sec(86400);
    apr_int64_t d = (apr_int64_t)(t - now);
    return d >= 0 ? d / day : -((-d + day - 1) / day);
}

static void idp_metrics(buf_t *b, const saml_metrics_view_t *v)
{
    int i;

    header(b, "sequr_saml_idp_certificate_expiry_days", "gauge",
           "Whole days until the first of the IdP's signing certificates expires (negative: "
           "expired); tenant=\"\" is the server's own IdP");
    for (i = 0; i < v->nidps; i++)
        if (v->idps[i].first_expiry)
            putf(b, "sequr_saml_idp_certificate_expiry_days{tenant=\"%s\"} %" APR_INT64_T_FMT
                 "\n", label_value(b->p, v->idps[i].tenant ? v->idps[i].tenant : ""),
                 saml_metrics_days_until(v->now, v->idps[i].first_expiry));
    /* No samples: IdP metadata is read from files at start-up only. */
    header(b, "sequr_saml_idp_metadata_age_seconds", "gauge",
           "Seconds since the IdP's metadata was last fetched from its URL; no series until "
           "metadata refresh from a URL exists (metadata is read from files at start-up)");
}

const char *saml_metrics_text(apr_pool_t *p, const saml_metrics_t *m,
                              const saml_metrics_view_t *v)
{
    buf_t b = { p, apr_array_make(p, 512, sizeof(const char *)) };
    apr_array_header_t *list = refusals(p, m);
    int i;

    plain_counters(&b, m);
    header(&b, "sequr_saml_refusals_total", "counter",
           "Refusals by the check that failed, as the log's [check NAME] and SEQUR_SAML_ERROR "
           "name it (sign-in, logout and session checks)");
    for (i = 0; i < list->nelts; i++) {
        const refusal_t *r = &APR_ARRAY_IDX(list, i, refusal_t);
        putf(&b, "sequr_saml_refusals_total{check=\"%s\"} %" APR_UINT64_T_FMT "\n",
             label_value(p, r->name), r->count);
    }
    store_metrics(&b, m, v);
    idp_metrics(&b, v);
    return apr_array_pstrcat(p, b.out, '\0');
}

static void line(apr_array_header_t *lines, const char *key, apr_int64_t value)
{
    saml_metrics_line_t *l = apr_array_push(lines);
    l->key = key;
    l->value = value;
}

/* A tenant name as part of a status key: no spaces, colons or controls. */
static const char *key_part(apr_pool_t *p, const char *s)
{
    char *out = apr_pstrdup(p, s), *o;
    for (o = out; *o; o++)
        if (!((*o >= 'a' && *o <= 'z') || (*o >= 'A' && *o <= 'Z') || (*o >= '0' && *o <= '9') ||
              *o == '-' || *o == '_' || *o == '.'))
            *o = '_';
    return out;
}

apr_array_header_t *saml_metrics_status_lines(apr_pool_t *p, const saml_metrics_t *m,
                                              const saml_metrics_view_t *v)
{
    apr_array_header_t *lines = apr_array_make(p, 64, sizeof(saml_metrics_line_t));
    apr_array_header_t *list = refusals(p, m);
    apr_size_t i;
    int k, backend, op;

    for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        line(lines, counters[i].status_key, (apr_int64_t)saml_metrics_value(m, counters[i].which));
    for (k = 0; k < list->nelts; k++) {
        const refusal_t *r = &APR_ARRAY_IDX(list, k, refusal_t);
        line(lines, apr_pstrcat(p, "SequrSAMLRefusals-", r->name, NULL), (apr_int64_t)r->count);
    }
    for (backend = 0; backend < SAML_METRICS_BACKENDS; backend++) {
        apr_uint64_t count = 0, errors = 0, usec = 0;
        if (!backend_shown(m, v, backend))
            continue;
        for (op = 0; op < SAML_METRICS_OPS; op++) {
            saml_metrics_store_stats_t st;
            saml_metrics_store_stats(m, backend, op, &st);
            count += st.count;
            errors += st.errors;
            usec += st.sum_usec;
        }
        line(lines, apr_pstrcat(p, "SequrSAMLStoreOperations-", saml_metrics_backend_name(backend),
                                NULL), (apr_int64_t)count);
        line(lines, apr_pstrcat(p, "SequrSAMLStoreErrors-", saml_metrics_backend_name(backend),
                                NULL), (apr_int64_t)errors);
        line(lines, apr_pstrcat(p, "SequrSAMLStoreMicroseconds-",
                                saml_metrics_backend_name(backend), NULL), (apr_int64_t)usec);
    }
    for (k = 0; k < v->nidps; k++)
        if (v->idps[k].first_expiry)
            line(lines, v->idps[k].tenant && *v->idps[k].tenant
                        ? apr_pstrcat(p, "SequrSAMLIdPCertificateExpiryDays-",
                                      key_part(p, v->idps[k].tenant), NULL)
                        : "SequrSAMLIdPCertificateExpiryDays",
                 saml_metrics_days_until(v->now, v->idps[k].first_expiry));
    return lines;
}
