/* PATH/logout: local logout, SAML Single Logout with the IdP both ways.
 *
 *   GET  ?ReturnTo=/path           end the local session; when the IdP has a
 *                                  logout URL and the session a NameID, 303 to
 *                                  the IdP with a LogoutRequest (Redirect)
 *   GET  ?SAMLResponse=..          the IdP's answer: back to the ReturnTo
 *   GET  ?SAMLRequest=..           the IdP ends sessions (any time): answer
 *                                  with a LogoutResponse over Redirect
 *   POST SAMLRequest/SAMLResponse  the same over the POST binding
 *
 * The sequence is saml_logout_receive and saml_logout_start (saml/
 * logout_flow.h); this file reads the request, logs and answers. The ReturnTo
 * never travels to the IdP: RelayState is a random handle, and the path waits
 * in the store with the pending request. */
#include "apache/handler_logout.h"

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "apache/config_idp.h"
#include "apache/log.h"
#include "saml/form.h"
#include "saml/logout_flow.h"
#include "saml/redirect_binding.h"
#include "saml/relay_state.h"
#include "apache/error_page.h"
#include "apache/public_url.h"
#include "apache/request_body.h"
#include "apache/see_other.h"
#include "apache/session_cookie.h"
#include "apache/idp_metadata_url.h"

APLOG_USE_MODULE(sequr_saml);

/* What the core needs to know of this server and request. */
static saml_logout_context_t logout_context(request_rec *r, const sequr_server_conf_t *c)
{
    saml_logout_context_t ctx = {0};

    ctx.store = c->store;
    ctx.idps = sequr_idp_views(r->pool, c);
    ctx.sp_entity_id = c->sp_entity_id;
    ctx.logout_url = sequr_endpoint_url(r, c, "logout");
    ctx.sp_key = c->sp_key;
    ctx.scope = sequr_session_scope(r, c);
    ctx.require_signature = c->logout_signatures == 1;
    ctx.unsigned_rule = c->logout_signatures == 2 ? SAML_LOGOUT_UNSIGNED_BY_NAME_ID
                                                  : SAML_LOGOUT_UNSIGNED_BY_INDEX;
    ctx.allow_sha1 = c->allow_sha1;
    ctx.allow_expired_certs = c->allow_expired_idp_cert;
    ctx.skew = sequr_clock_skew(c);
    ctx.request_lifetime = apr_time_from_sec(c->request_lifetime);
    ctx.max_message_size = (apr_size_t)c->max_response_size;
    ctx.landing_path = c->landing_path;
    ctx.now = apr_time_now();
    return ctx;
}

/* ReturnTo from the query string, percent-decoded, as the local path it
 * names: a local path, or a full URL of this site (saml_relay_target, with
 * the configured origin, never the Host header). */
static const char *return_to(request_rec *r, const sequr_server_conf_t *c)
{
    char *args = r->args ? apr_pstrdup(r->pool, r->args) : NULL;
    char *pair, *last = NULL;

    for (pair = args ? apr_strtok(args, "&", &last) : NULL; pair; pair = apr_strtok(NULL, "&", &last)) {
        if (!strncmp(pair, "ReturnTo=", 9)) {
            char *v = apr_pstrdup(r->pool, pair + 9);
            const char *target;
            if (ap_unescape_urlencoded(v) == OK &&
                (target = saml_relay_target(r->pool, v, sequr_site_origin(r, c))) != NULL)
                return target;
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          SEQLOGNO(01401) "logout ReturnTo %s is neither a local path nor a URL "
                          "of this site (%s): using %s", sequr_log_value(r, v),
                          sequr_site_origin(r, c), c->landing_path);
            break;
        }
    }
    return c->landing_path;
}

static const char *logout_page_text(int status)
{
    switch (status) {
    case HTTP_BAD_REQUEST:
        return "The sign-out message could not be read.";
    case HTTP_FORBIDDEN:
        return "The sign-out message was refused.";
    case HTTP_SERVICE_UNAVAILABLE:
        return "Sign-out is temporarily unavailable. Please try again in a moment.";
    default:
        return "Sign-out failed because of a problem on this server.";
    }
}

static int refuse(request_rec *r, apr_status_t rv, const saml_err_t *err, const char *fallback)
{
    int status = saml_status_to_http(rv);
    /* A deflate bomb or an oversized query is a bad message, not a large body. */
    if (status == HTTP_REQUEST_ENTITY_TOO_LARGE)
        status = HTTP_BAD_REQUEST;
    return sequr_fail_with_text(r, status, err->check ? err->check : fallback, err->detail,
                                logout_page_text(status));
}

/* The browser came with the IdP's request: if its own session is gone now,
 * let it forget the cookie too. */
static void clear_dead_cookie(request_rec *r, const sequr_server_conf_t *c)
{
    apr_array_header_t *ids = sequr_session_cookie_values(r, c);
    int i;

    for (i = 0; i < ids->nelts; i++) {
        saml_session_t *s;
        if (saml_session_load(r->pool, c->store, APR_ARRAY_IDX(ids, i, const char *),
                              sequr_session_scope(r, c), 0, apr_time_now(), &s) == APR_SUCCESS)
            return;
    }
    if (ids->nelts)
        sequr_cookie_clear(r, c);
}

/* An IdP logout message, either binding: logged and answered as the core decided. */
static int receive(request_rec *r, const sequr_server_conf_t *c, const saml_logout_received_t *in)
{
    saml_logout_context_t ctx = logout_context(r, c);
    saml_logout_outcome_t *out;
    const saml_logout_message_t *m;
    saml_err_t err = {0};
    apr_status_t rv = saml_logout_receive(r->pool, &ctx, in, &out, &err);

    m = out->message;
    if (out->status && !strcmp(out->status, SAML_STATUS_REQUESTER))
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      SEQLOGNO(01406) "IdP LogoutRequest not acted on [check %s]: %s",
                      out->why.check, out->why.detail);
    if (out->status && !strcmp(out->status, SAML_STATUS_REQUESTER))
        saml_metrics_refusal(c->metrics_block, out->why.check);
    else if (out->status && !strcmp(out->status, SAML_STATUS_RESPONDER))
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      SEQLOGNO(01404) "IdP logout of %s: session store unavailable: %s",
                      sequr_log_value(r, m->name_id), out->why.detail);
    if (out->status)
        clear_dead_cookie(r, c);
    switch (out->kind) {
    case SAML_LOGOUT_ANSWERED:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SEQLOGNO(01405) "IdP %s logged out %s (LogoutRequest %s, %s): %d "
                      "session(s) ended", sequr_log_value(r, m->issuer),
                      sequr_log_value(r, m->name_id), sequr_log_value(r, m->id),
                      m->signed_xml ? "XML-signed" : m->signed_query ? "query-signed" : "unsigned",
                      out->ended);
        saml_metrics_count(c->metrics_block, SAML_METRIC_LOGOUT_IDP_INITIATED);
        return sequr_see_other(r, out->url);
    case SAML_LOGOUT_CONFIRMED:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SEQLOGNO(01403) "logout confirmed by %s (LogoutResponse to %s), continuing "
                      "to %s", sequr_log_value(r, m->issuer),
                      sequr_log_value(r, m->in_response_to), sequr_log_value(r, out->url));
        saml_metrics_count(c->metrics_block, SAML_METRIC_LOGOUT_IDP_CONFIRMED);
        return sequr_see_other(r, out->url);
    case SAML_LOGOUT_NOT_CONFIRMED:
        return sequr_fail_with_text(r, HTTP_FORBIDDEN, err.check, err.detail,
                                    "You are signed out of this site, but the identity provider "
                                    "could not end your single sign-on session. Close your "
                                    "browser to be sure you are signed out everywhere.");
    default:
        return refuse(r, rv, &err, "logout-message");
    }
}

/* The POST binding; HTTP_METHOD_NOT_ALLOWED when it carries no SAML message
 * (the endpoint is otherwise GET). */
static int receive_post(request_rec *r, const sequr_server_conf_t *c)
{
    saml_logout_received_t in = {0};
    saml_err_t err = {0};
    apr_size_t len;
    apr_status_t rv;
    char *body;
    int rc;

    if (!saml_form_is_urlencoded(apr_table_get(r->headers_in, "Content-Type")))
        return HTTP_METHOD_NOT_ALLOWED;
    rc = sequr_read_body(r, c->max_response_size * 3 / 2 + 4096, &body, &len);
    if (rc != OK)
        return sequr_fail(r, rc, rc == HTTP_REQUEST_ENTITY_TOO_LARGE ? "size" : "body",
                          "logout POST body too large or unreadable");
    if ((rv = saml_form_parse(r->pool, body, len, &in.form, &err)) != APR_SUCCESS)
        return refuse(r, rv, &err, "form");
    if (!apr_table_get(in.form, "SAMLRequest") && !apr_table_get(in.form, "SAMLResponse"))
        return HTTP_METHOD_NOT_ALLOWED;
    return receive(r, c, &in);
}

static int local_only(request_rec *r, const sequr_server_conf_t *c, const char *back)
{
    saml_metrics_count(c->metrics_block, SAML_METRIC_LOGOUT_LOCAL);
    return sequr_see_other(r, back);
}

/* End the browser's sessions here, and its IdP's SSO session when the IdP
 * of the session has a logout URL. */
static int local_logout(request_rec *r, const sequr_server_conf_t *c)
{
    saml_logout_context_t ctx = logout_context(r, c);
    const char *back = return_to(r, c);
    const char *url, *request_id;
    saml_session_t *named;
    saml_idp_t idp;
    saml_err_t err = {0};
    apr_status_t rv;

    rv = saml_logout_end_local(r->pool, &ctx, sequr_session_cookie_values(r, c), &named, &err);
    if (rv != APR_SUCCESS)
        return sequr_fail(r, HTTP_SERVICE_UNAVAILABLE, err.check, err.detail);
    sequr_cookie_clear(r, c);
    /* The session's own tenant ends its SSO session; one whose tenant left
     * the configuration ends here only. */
    if (named == NULL || sequr_tenant(c, named->tenant) == NULL)
        return local_only(r, c, back);
    sequr_idp_view(sequr_tenant(c, named->tenant), &idp);
    if (saml_idp_slo_url(&idp) == NULL)
        return local_only(r, c, back);
    rv = saml_logout_start(r->pool, &ctx, &idp, named, back, &url, &request_id, &err);
    if (rv != APR_SUCCESS)
        return sequr_fail(r, saml_status_to_http(rv), err.check, err.detail);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  SEQLOGNO(01402) "logout of %s: LogoutRequest %s sent to %s, then %s",
                  sequr_log_value(r, named->user), request_id,
                  sequr_log_value(r, saml_idp_slo_url(&idp)), sequr_log_value(r, back));
    saml_metrics_count(c->metrics_block, SAML_METRIC_LOGOUT_SP_INITIATED);
    return sequr_see_other(r, url);
}

int sequr_handle_logout(request_rec *r, const sequr_server_conf_t *c)
{
    sequr_idp_metadata_url_sync(r, c);      /* the IdP's certificates as published now */
    if (saml_redirect_has_message(r->args) && r->method_number == M_GET) {
        saml_logout_received_t in = { r->args, NULL };
        if (c->verifier == NULL)      /* no IdP of this server can verify anything */
            return sequr_fail(r, HTTP_INTERNAL_SERVER_ERROR, "configuration",
                              "logout message received, but no IdP is configured");
        return receive(r, c, &in);
    }
    if (r->method_number == M_POST && c->verifier) {
        int rc = receive_post(r, c);
        if (rc != HTTP_METHOD_NOT_ALLOWED)
            return rc;
    }
    if (r->method_number != M_GET) {
        apr_table_setn(r->err_headers_out, "Allow", "GET, POST");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    return local_logout(r, c);
}
