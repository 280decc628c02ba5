/* The page a browser sees when a sign-in or logout fails: ours, or the
 * admin's ErrorDocument; with a log line and a correlation id. */
#include "apache/error_page.h"

#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_core.h"

#include "apache/config.h"
#include "apache/log.h"

APLOG_USE_MODULE(sequr_saml);

static const char *page_text(int status)
{
    switch (status) {
    case HTTP_BAD_REQUEST:
        return "The sign-in message could not be read.";
    case HTTP_FORBIDDEN:
        return "The sign-in was refused.";
    case HTTP_METHOD_NOT_ALLOWED:
        return "This address only accepts sign-in responses sent by the identity provider.";
    case HTTP_REQUEST_ENTITY_TOO_LARGE:
        return "The sign-in message is too large.";
    case HTTP_UNSUPPORTED_MEDIA_TYPE:
        return "The sign-in message was not sent as a form.";
    case HTTP_SERVICE_UNAVAILABLE:
        return "Sign-in is temporarily unavailable. Please try again in a moment.";
    default:
        return "Sign-in failed because of a problem on this server.";
    }
}

int sequr_fail(request_rec *r, int status, const char *check, const char *detail)
{
    return sequr_fail_with_text(r, status, check, detail, page_text(status));
}

/* The admin's ErrorDocument for status, if any. Our endpoints answer in the
 * quick handler, before <Location> sections are merged: merge them now, so an
 * ErrorDocument inside <Location /saml> counts as it would for a page. */
static const char *error_document(request_rec *r, int status)
{
    if (r->per_dir_config == r->server->lookup_defaults && ap_location_walk(r) != OK)
        return NULL;
    return ap_response_code_string(r, ap_index_of_response(status));
}

int sequr_fail_with_text(request_rec *r, int status, const char *check, const char *detail,
                         const char *html)
{
    const char *id = sequr_correlation_id(r);
    int level = status >= 500 ? APLOG_ERR : APLOG_WARNING;
    const sequr_server_conf_t *c = sequr_server_conf(r->server);

    /* Counted under the name the log line gives (sequr_saml_refusals_total). */
    saml_metrics_refusal(c ? c->metrics_block : NULL, check);
    ap_log_rerror(APLOG_MARK, level, 0, r,
                  SEQLOGNO(01001) "sign-in refused with %d [check %s] %s (correlation id %s, client %s)",
                  status, check, sequr_log_value(r, detail), id, r->useragent_ip);
    /* CGI and SSI ErrorDocuments see them as REDIRECT_SEQUR_SAML_ERROR(_ID). */
    apr_table_setn(r->subprocess_env, "SEQUR_SAML_ERROR", check);
    apr_table_setn(r->subprocess_env, "SEQUR_SAML_ERROR_ID", id);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (r->main == NULL && r->status == HTTP_OK && error_document(r, status)) {
        /* Apache's own error path (internal redirect, file, text or URL),
         * as if the hook had returned status; the caller's OK or DONE then
         * only finishes the request, as after mod_cgi's local redirects.
         * Not for a subrequest, whose answer is not the browser's. */
        ap_discard_request_body(r);
        ap_die(status, r);
        return OK;
    }
    ap_set_content_type(r, "text/html; charset=utf-8");
    r->status = status;
    ap_discard_request_body(r);
    ap_rprintf(r,
               "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<title>Sign-in problem</title></head>\n<body>\n<h1>Sign-in problem</h1>\n"
               "<p>%s</p>\n<p>Please go back and sign in again. If this keeps happening, give "
               "your administrator this reference: <code>%s</code></p>\n</body></html>\n",
               html, id);
    return OK;
}
