#include "apache/log.h"

#include "apr_strings.h"

#include "saml/error.h"
#include "saml/random.h"

APLOG_USE_MODULE(sequr_saml);

const char *sequr_log_value(request_rec *r, const char *s)
{
    return saml_log_escape(r->pool, s, 256);
}

const char *sequr_correlation_id(request_rec *r)
{
    /* Made once per request and kept in its notes, so the page the browser
     * shows and the log line the admin greps carry the same id. */
    const char *id = apr_table_get(r->notes, "sequr-saml-correlation-id");
    if (id == NULL) {
        id = apr_pstrndup(r->pool, saml_random_id(r->pool, ""), 12);
        apr_table_setn(r->notes, "sequr-saml-correlation-id", id);
    }
    return id;
}

static void trace_to_log(void *baton, const char *check, const char *detail)
{
    request_rec *r = baton;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, SEQLOGNO(01002) "check %s passed: %s",
                  check, saml_log_escape(r->pool, detail, 1024));
}

const struct saml_trace *sequr_trace(request_rec *r)
{
    saml_trace_t *t;

    if (!APLOG_R_IS_LEVEL(r, APLOG_DEBUG))
        return NULL;
    t = apr_palloc(r->pool, sizeof(*t));
    t->fn = trace_to_log;
    t->baton = r;
    return t;
}
