/* PATH/session: what a page of this site (a single-page app) may learn of the
 * browser's own session: who, which tenant, the attributes, when it ends.
 *
 * The answer carries the user's attributes, so only the site's own pages may
 * read it: a request another site's page makes (Sec-Fetch-Site other than
 * same-origin or none, or an Origin that is not this site's configured one)
 * is refused, and no CORS header is ever sent, so a browser never lets another
 * origin's script read it anyway. Never cached (no-store). Asking is not a use
 * of the session: the idle clock is not reset (saml_session_peek). */
#include "apache/handler_session.h"

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "apache/log.h"
#include "apache/public_url.h"
#include "apache/session_cookie.h"
#include "apache/user_check.h"
#include "saml/cookie.h"
#include "saml/relay_state.h"
#include "saml/session.h"
#include "saml/session_info.h"
#include "saml/store_error.h"

APLOG_USE_MODULE(sequr_saml);

static int answer(request_rec *r, int status, const char *json)
{
    r->status = status;
    ap_set_content_type(r, "application/json; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_mergen(r->headers_out, "Vary", "Cookie, Origin, Sec-Fetch-Site");
    ap_set_content_length(r, strlen(json));
    if (!r->header_only)
        ap_rputs(json, r);
    return OK;
}

/* NULL when the request may come from a page of this site, else why not. */
static const char *cross_site(request_rec *r, const sequr_server_conf_t *c)
{
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    const char *origin = apr_table_get(r->headers_in, "Origin");

    /* "none": the user opened it (address bar, bookmark). "same-site" is
     * another origin of the same site (a sibling subdomain): not ours. */
    if (site && strcmp(site, "same-origin") && strcmp(site, "none"))
        return apr_psprintf(r->pool, "Sec-Fetch-Site %s", sequr_log_value(r, site));
    if (origin) {
        const char *rest = NULL;
        const char *theirs = saml_url_origin(r->pool, origin, &rest);
        const char *ours = saml_url_origin(r->pool, sequr_site_origin(r, c), NULL);
        if (theirs == NULL || rest == NULL || *rest || ours == NULL || strcmp(theirs, ours))
            return apr_psprintf(r->pool, "Origin %s, not this site's %s",
                                sequr_log_value(r, origin), sequr_site_origin(r, c));
    }
    return NULL;
}

int sequr_handle_session(request_rec *r, const sequr_server_conf_t *c)
{
    apr_array_header_t *ids;
    const char *single, *why;
    saml_session_t *s;
    apr_status_t rv;
    int ambiguous;

    if (c->session_info != 1)
        return HTTP_NOT_FOUND;
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    if ((why = cross_site(r, c)) != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      SEQLOGNO(02201) "[check cross-origin] session info refused to a page of "
                      "another site: %s", why);
        return answer(r, HTTP_FORBIDDEN, "{\"error\": \"cross-origin\"}\n");
    }
    ids = sequr_session_cookie_values(r, c);
    single = saml_cookie_single_value(ids, &ambiguous);
    rv = single && !ambiguous
         ? saml_session_peek(r->pool, c->store, single, sequr_session_scope(r, c),
                             apr_time_from_sec(c->session_idle_timeout), apr_time_now(), &s)
         : APR_NOTFOUND;
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      SEQLOGNO(02202) "session info: session store unavailable: %s",
                      saml_store_error_text(r->pool, rv));
        return answer(r, HTTP_SERVICE_UNAVAILABLE, "{\"error\": \"store-unavailable\"}\n");
    }
    if (rv != APR_SUCCESS) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       apr_psprintf(r->pool, "SAML realm=\"%s\"", c->sp_entity_id));
        return answer(r, HTTP_UNAUTHORIZED, "{\"error\": \"no-session\"}\n");
    }
    /* A user the Sequr user store no longer admits has no session to show
     * (the recheck ends it and answers with its refusal page). */
    if (sequr_user_recheck(r, c, s) != OK)
        return DONE;
    return answer(r, HTTP_OK, saml_session_info_json(r->pool, s,
                                                     apr_time_from_sec(c->session_idle_timeout)));
}
