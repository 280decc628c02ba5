#include "log.h"

#include "apr_strings.h"

#include "error.h"
#include "random.h"

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
