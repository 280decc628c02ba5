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
 * The ReturnTo never travels to the IdP: RelayState is a random handle, and
 * the path waits in the store with the pending request. */
#include "apache/handlers.h"

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "saml/acs.h"
#include "saml/certificate.h"
#include "saml/form.h"
#include "apache/log.h"
#include "saml/logout.h"
#include "saml/random.h"
#include "saml/redirect_binding.h"
#include "saml/relay_state.h"
#include "apache/error_page.h"
#include "apache/public_url.h"
#include "apache/request_body.h"
#include "apache/see_other.h"
#include "apache/session_cookie.h"
#include "saml/response.h"
#include "saml/session.h"

APLOG_USE_MODULE(sequr_saml);

/* The IdP's logout URL, or NULL: SequrSAMLIdPSLOURL none turns SLO off. */
static const char *idp_slo_url(const sequr_idp_t *idp)
{
    return idp && idp->slo_url && *idp->slo_url ? idp->slo_url : NULL;
}

/* Which IdP sent a logout message: with tenants, the one its (not yet
 * verified) Issuer names, by saml_logout_issuer_ok (Entra writes
 * login.microsoftonline.com/<tenant-id>/ there); then only that IdP's keys
 * and rules decide. NULL: refused and answered. */
static const sequr_idp_t *choose_idp(request_rec *r, const sequr_server_conf_t *c,
                                     const char *xml, apr_size_t len)
{
    saml_xml_limits_t limits = { (apr_size_t)c->max_response_size, SAML_XML_DEFAULT_MAX_DEPTH, 0 };
    const char *issuer;
    saml_err_t err = {0};
    int i;

    if (c->tenants == NULL || c->tenants->nelts == 0)
        return c->idp;
    if (saml_logout_claimed_issuer(r->pool, xml, len, &limits, &issuer, &err) != APR_SUCCESS) {
        sequr_fail_with_text(r, HTTP_BAD_REQUEST, err.check ? err.check : "logout-message",
                             err.detail, "The sign-out message could not be read.");
        return NULL;
    }
    for (i = -1; issuer && i < c->tenants->nelts; i++) {
        const sequr_idp_t *idp = i < 0 ? c->idp : APR_ARRAY_IDX(c->tenants, i, sequr_idp_t *);
        if (idp->verifier && saml_logout_issuer_ok(idp->entity_id, issuer))
            return idp;
    }
    sequr_fail_with_text(r, HTTP_FORBIDDEN, "issuer",
                         apr_psprintf(r->pool, "logout Issuer \"%s\" is no configured IdP or "
                                      "tenant", issuer ? sequr_log_value(r, issuer) : "(none)"),
                         "The sign-out message was refused.");
    return NULL;
}

/* ReturnTo from the query string, percent-decoded, if it is a local path. */
static const char *return_to(request_rec *r, const sequr_server_conf_t *c)
{
    char *args = r->args ? apr_pstrdup(r->pool, r->args) : NULL;
    char *pair, *last = NULL;

    for (pair = args ? apr_strtok(args, "&", &last) : NULL; pair; pair = apr_strtok(NULL, "&", &last)) {
        if (!strncmp(pair, "ReturnTo=", 9)) {
            char *v = pair + 9;
            if (ap_unescape_urlencoded(v) == OK && saml_is_local_path(v))
                return v;
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          SEQLOGNO(01401) "logout ReturnTo %s is not a local path: using %s",
                          sequr_log_value(r, pair + 9), c->landing_path);
            break;
        }
    }
    return c->landing_path;
}

static void fill_policy(request_rec *r, const sequr_server_conf_t *c, const sequr_idp_t *idp,
                        saml_logout_policy_t *pol)
{
    memset(pol, 0, sizeof(*pol));
    pol->idp_entity_id = idp->entity_id;
    pol->logout_url = sequr_endpoint_url(r, c, "logout");
    pol->verifier = idp->verifier;
    pol->require_signature = c->logout_signatures == 1;
    pol->skew = sequr_clock_skew(c);
    pol->now = apr_time_now();
    pol->limits.max_bytes = (apr_size_t)c->max_response_size;
    pol->limits.max_depth = SAML_XML_DEFAULT_MAX_DEPTH;
}

/* The certificates a query signature may verify with: those the verifier
 * uses (expired ones left out unless the admin keeps them). */
static apr_array_header_t *usable_certs(request_rec *r, const sequr_server_conf_t *c,
                                        const sequr_idp_t *idp)
{
    apr_array_header_t *certs = apr_array_make(r->pool, 2, sizeof(X509 *));
    apr_time_t now = apr_time_now();
    int i;

    for (i = 0; idp->certs && i < idp->certs->nelts; i++) {
        X509 *cert = APR_ARRAY_IDX(idp->certs, i, X509 *);
        if (c->allow_expired_idp_cert || saml_cert_not_after(cert) > now)
            APR_ARRAY_PUSH(certs, X509 *) = cert;
    }
    return certs;
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

/* ---- SP-initiated: our LogoutRequest, and the IdP's answer ---------------- */

static int send_logout_request(request_rec *r, const sequr_server_conf_t *c,
                               const sequr_idp_t *idp, const saml_session_t *s, const char *back)
{
    saml_logout_request_t req = {0};
    saml_err_t err = {0};
    const char *handle = saml_random_id(r->pool, "");
    const char *url, *xml;
    apr_status_t rv;

    req.id = saml_random_id(r->pool, "_");
    req.sp_entity_id = c->sp_entity_id;
    req.destination = idp_slo_url(idp);
    req.name_id = s->name_id;
    req.name_id_format = s->name_id_format;
    req.session_index = s->session_index;
    rv = saml_logout_pending_save(r->pool, c->store, req.id, handle, back,
                                  apr_time_now() + apr_time_from_sec(c->request_lifetime));
    if (rv != APR_SUCCESS)
        return sequr_fail(r, HTTP_SERVICE_UNAVAILABLE, "store", "cannot save the logout request");
    xml = saml_logout_request_xml(r->pool, &req);
    if (xml == NULL ||
        saml_redirect_encode(r->pool, req.destination, "SAMLRequest", xml, handle, c->sp_key,
                             &url, &err) != APR_SUCCESS)
        return sequr_fail(r, HTTP_INTERNAL_SERVER_ERROR, err.check ? err.check : "logout-request",
                          err.detail ? err.detail : "cannot build the LogoutRequest");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  SEQLOGNO(01402) "logout of %s: LogoutRequest %s sent to %s, then %s",
                  sequr_log_value(r, s->user), req.id, sequr_log_value(r, req.destination),
                  sequr_log_value(r, back));
    return sequr_see_other(r, url);
}

static int finish_logout(request_rec *r, const sequr_server_conf_t *c,
                         const saml_logout_message_t *m, const char *relay)
{
    saml_err_t err = {0};
    const char *back;
    apr_status_t rv = saml_logout_finish(r->pool, c->store, m, relay, c->landing_path, &back,
                                         &err);

    if (rv != APR_SUCCESS && err.check && !strcmp(err.check, "status"))
        return sequr_fail_with_text(r, HTTP_FORBIDDEN, err.check, err.detail,
                                    "You are signed out of this site, but the identity provider "
                                    "could not end your single sign-on session. Close your "
                                    "browser to be sure you are signed out everywhere.");
    if (rv != APR_SUCCESS)
        return refuse(r, rv, &err, "logout-response");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  SEQLOGNO(01403) "logout confirmed by %s (LogoutResponse to %s), continuing to %s",
                  sequr_log_value(r, m->issuer), sequr_log_value(r, m->in_response_to),
                  sequr_log_value(r, back));
    return sequr_see_other(r, back);
}

/* ---- IdP-initiated: end the sessions named, answer ------------------------ */

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

static int answer_logout_request(request_rec *r, const sequr_server_conf_t *c,
                                 const sequr_idp_t *idp, const saml_logout_message_t *m,
                                 const char *relay)
{
    saml_logout_response_t res = {0};
    saml_err_t err = {0};
    const char *url, *xml;
    apr_status_t rv;
    int ended = 0;

    /* The rules (what an unsigned request may end, replay, nothing written
     * for requests that name nothing live) are in saml_logout_request_apply;
     * the IdP whose keys accepted m is the one whose sessions it may end. */
    rv = saml_logout_request_apply(r->pool, c->store, m,
                                   c->logout_signatures == 2 ? SAML_LOGOUT_UNSIGNED_BY_NAME_ID
                                                             : SAML_LOGOUT_UNSIGNED_BY_INDEX,
                                   sequr_session_scope(r, c), idp->entity_id, apr_time_now(),
                                   apr_time_from_sec(c->request_lifetime), &ended, &err);
    res.status = SAML_STATUS_SUCCESS;
    if (rv == SAML_EREJECTED && err.check && !strcmp(err.check, "name-id-only")) {
        /* Answered, not refused with a page: the browser may be on its way
         * through the IdP's logout chain, and the IdP learns we did nothing. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      SEQLOGNO(01406) "IdP LogoutRequest not acted on [check %s]: %s",
                      err.check, err.detail);
        res.status = SAML_STATUS_REQUESTER;
        res.sub_status = SAML_STATUS_REQUEST_DENIED;
    } else if (rv == SAML_EUNAVAILABLE && err.check && !strcmp(err.check, "session-store")) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      SEQLOGNO(01404) "IdP logout of %s: session store unavailable: %s",
                      sequr_log_value(r, m->name_id), err.detail);
        res.status = SAML_STATUS_RESPONDER;
    } else if (rv != APR_SUCCESS) {
        return refuse(r, rv, &err, "replay");
    }
    clear_dead_cookie(r, c);
    res.id = saml_random_id(r->pool, "_");
    res.sp_entity_id = c->sp_entity_id;
    /* Azure's Logout URL is its sign-on URL: answer there when none is set. */
    res.destination = idp_slo_url(idp) ? idp_slo_url(idp) : idp->sso_url;
    res.in_response_to = m->id;
    xml = saml_logout_response_xml(r->pool, &res);
    if (xml == NULL ||
        saml_redirect_encode(r->pool, res.destination, "SAMLResponse", xml, relay, c->sp_key,
                             &url, &err) != APR_SUCCESS)
        return sequr_fail(r, HTTP_INTERNAL_SERVER_ERROR, err.check ? err.check : "logout-response",
                          err.detail ? err.detail : "cannot build the LogoutResponse");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  SEQLOGNO(01405) "IdP %s logged out %s (LogoutRequest %s, %s): %d session(s) "
                  "ended", sequr_log_value(r, m->issuer), sequr_log_value(r, m->name_id),
                  sequr_log_value(r, m->id),
                  m->signed_xml ? "XML-signed" : m->signed_query ? "query-signed" : "unsigned",
                  ended);
    return sequr_see_other(r, url);
}

/* ---- both bindings ------------------------------------------------------------ */

static int handle_message(request_rec *r, const sequr_server_conf_t *c, const sequr_idp_t *idp,
                          const char *param, const char *xml, apr_size_t len, const char *relay,
                          int query_signed)
{
    saml_logout_policy_t pol;
    saml_logout_message_t *m;
    saml_err_t err = {0};
    apr_status_t rv;
    int is_request = !strcmp(param, "SAMLRequest");

    fill_policy(r, c, idp, &pol);
    rv = saml_logout_parse(r->pool, xml, len, &pol, query_signed, &m, &err);
    if (rv != APR_SUCCESS)
        return refuse(r, rv, &err, "logout-message");
    if (m->is_request != is_request)
        return sequr_fail(r, HTTP_BAD_REQUEST, "shape",
                          apr_psprintf(r->pool, "%s carries a Logout%s", param,
                                       m->is_request ? "Request" : "Response"));
    return is_request ? answer_logout_request(r, c, idp, m, relay)
                      : finish_logout(r, c, m, relay);
}

static int handle_redirect(request_rec *r, const sequr_server_conf_t *c)
{
    saml_redirect_message_t *m;
    const sequr_idp_t *idp;
    saml_err_t err = {0};
    apr_status_t rv;

    rv = saml_redirect_parse(r->pool, r->args, (apr_size_t)c->max_response_size, &m, &err);
    if (rv != APR_SUCCESS)
        return refuse(r, rv, &err, "redirect");
    if ((idp = choose_idp(r, c, m->xml, m->xml_len)) == NULL)
        return OK;
    /* A signature that is there must verify, required or not. */
    if (m->sig_alg) {
        rv = saml_redirect_verify(r->pool, m, usable_certs(r, c, idp), c->allow_sha1, &err);
        if (rv != APR_SUCCESS)
            return refuse(r, rv, &err, "signature");
    }
    return handle_message(r, c, idp, m->param, m->xml, m->xml_len, m->relay_state,
                          m->sig_alg != NULL);
}

static int handle_post(request_rec *r, const sequr_server_conf_t *c)
{
    const char *type = apr_table_get(r->headers_in, "Content-Type");
    const char *param, *b64;
    const sequr_idp_t *idp;
    apr_table_t *form;
    saml_err_t err = {0};
    char *body, *xml;
    apr_size_t len, xml_len;
    apr_status_t rv;
    int rc;

    if (!type || strncasecmp(type, "application/x-www-form-urlencoded", 33))
        return HTTP_METHOD_NOT_ALLOWED;
    rc = sequr_read_body(r, c->max_response_size * 3 / 2 + 4096, &body, &len);
    if (rc != OK)
        return sequr_fail(r, rc, rc == HTTP_REQUEST_ENTITY_TOO_LARGE ? "size" : "body",
                          "logout POST body too large or unreadable");
    if ((rv = saml_form_parse(r->pool, body, len, &form, &err)) != APR_SUCCESS)
        return refuse(r, rv, &err, "form");
    if (apr_table_get(form, "SAMLRequest") && apr_table_get(form, "SAMLResponse"))
        return sequr_fail(r, HTTP_BAD_REQUEST, "form", "both SAMLRequest and SAMLResponse");
    param = apr_table_get(form, "SAMLRequest") ? "SAMLRequest" : "SAMLResponse";
    if ((b64 = apr_table_get(form, param)) == NULL)
        return HTTP_METHOD_NOT_ALLOWED;   /* not a SAML message: the endpoint is GET */
    rv = saml_response_decode(r->pool, b64, (apr_size_t)c->max_response_size, &xml, &xml_len,
                              &err);
    if (rv != APR_SUCCESS)
        return refuse(r, rv, &err, "base64");
    if ((idp = choose_idp(r, c, xml, xml_len)) == NULL)
        return OK;
    return handle_message(r, c, idp, param, xml, xml_len, apr_table_get(form, "RelayState"), 0);
}

/* ---- local logout ------------------------------------------------------------- */

static int local_logout(request_rec *r, const sequr_server_conf_t *c)
{
    apr_array_header_t *ids = sequr_session_cookie_values(r, c);
    const char *back = return_to(r, c);
    saml_session_t *named = NULL;
    int i;

    for (i = 0; i < ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        saml_session_t *s;
        if (!saml_session_id_is_wellformed(id))
            continue;
        if (named == NULL &&
            saml_session_load(r->pool, c->store, id, sequr_session_scope(r, c), 0,
                              apr_time_now(), &s) == APR_SUCCESS && s->name_id)
            named = s;
        if (saml_session_remove(r->pool, c->store, id) != APR_SUCCESS)
            return sequr_fail(r, HTTP_SERVICE_UNAVAILABLE, "store", "cannot remove the session");
    }
    sequr_cookie_clear(r, c);
    /* The session's own tenant ends its SSO session; one whose tenant left
     * the configuration ends here only. */
    if (named && idp_slo_url(sequr_tenant(c, named->tenant)))
        return send_logout_request(r, c, sequr_tenant(c, named->tenant), named, back);
    return sequr_see_other(r, back);
}

int sequr_handle_logout(request_rec *r, const sequr_server_conf_t *c)
{
    int saml = saml_redirect_has_message(r->args);

    if (saml && r->method_number == M_GET) {
        if (c->verifier == NULL)      /* no IdP of this server can verify anything */
            return sequr_fail(r, HTTP_INTERNAL_SERVER_ERROR, "configuration",
                              "logout message received, but no IdP is configured");
        return handle_redirect(r, c);
    }
    if (r->method_number == M_POST && c->verifier) {
        int rc = handle_post(r, c);
        if (rc != HTTP_METHOD_NOT_ALLOWED)
            return rc;
    }
    if (r->method_number != M_GET) {
        apr_table_setn(r->err_headers_out, "Allow", "GET, POST");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    return local_logout(r, c);
}
