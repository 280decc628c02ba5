/* No session yet: send the browser to Azure AD, or tell an API client 401. */
#include "apache/handler_login.h"

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "saml/pending_cookie.h"
#include "saml/authn_request.h"
#include "apache/log.h"
#include "saml/random.h"
#include "saml/relay_state.h"
#include "apache/pending_cookie.h"
#include "apache/public_url.h"
#include "apache/error_page.h"
#include "apache/config_idp.h"
#include "apache/settings_table.h"

APLOG_USE_MODULE(sequr_saml);

/* A client that cannot follow a redirect to a sign-in page: an XHR/fetch, a
 * non-navigation fetch, a non-GET, or one that does not accept HTML. */
static int is_api_client(request_rec *r)
{
    const char *xrw = apr_table_get(r->headers_in, "X-Requested-With");
    const char *mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    const char *accept = apr_table_get(r->headers_in, "Accept");

    if (r->method_number != M_GET)
        return 1;
    if (xrw && !strcasecmp(xrw, "XMLHttpRequest"))
        return 1;
    if (mode && strcasecmp(mode, "navigate"))
        return 1;
    if (accept && !ap_strcasestr(accept, "text/html") && !ap_strcasestr(accept, "application/xhtml+xml") &&
        !strstr(accept, "*/*"))
        return 1;
    return 0;
}

static int want_redirect(request_rec *r)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    int action = d ? d->unauth_action : SEQUR_UNSET;

    if (r->main || r->prev)       /* a subrequest or internal redirect cannot redirect the browser */
        return 0;
    if (action == SEQUR_UNAUTH_401)
        return 0;
    if (action == SEQUR_UNAUTH_REDIRECT)
        return r->method_number == M_GET;
    return !is_api_client(r);
}

/* Where to come back to: the original path and query, if it is a local path. */
static const char *return_path(request_rec *r, const sequr_server_conf_t *c)
{
    const char *uri = r->unparsed_uri;
    if (uri && strlen(uri) <= SAML_RETURN_PATH_MAX && saml_is_local_path(uri))
        return uri;
    return c->landing_path;
}

/* What a sign-in started at this location demands of the IdP and of its
 * answer: the location's SequrSAMLForceAuthn (with its max age),
 * SequrSAMLIsPassive and SequrSAMLAuthnContextClassRef. */
void sequr_location_demand(request_rec *r, saml_authn_demand_t *demand)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);

    memset(demand, 0, sizeof(*demand));
    if (d == NULL)
        return;
    demand->force_authn = d->force_authn == 1;
    demand->max_age = apr_time_from_sec(d->authn_max_age != SEQUR_UNSET
        ? d->authn_max_age
        : (int)sequr_setting_default_number(SEQUR_SETTING(AUTHN_MAX_AGE)));
    demand->is_passive = d->is_passive == 1;
    demand->class_refs = d->class_refs;
}

/* The AuthnRequest to idp, its sealed cookie set on the answer
 * (err_headers_out, so it survives an error response that redirects): the
 * location's demand, and the MFA step-up when step_up is set; back to
 * return_to (a local path) after. */
static int sign_in_url(request_rec *r, const sequr_server_conf_t *c, const sequr_idp_t *idp,
                       const char *return_to, int step_up, const char **url)
{
    saml_authn_request_t req = {0};
    saml_pending_request_t pending = {0};
    const char *sealed = NULL;
    apr_status_t rv;

    sequr_location_demand(r, &pending.demand);
    if (step_up) {
        /* ForceAuthn so that Entra asks again instead of reusing the
         * password-only sign-in it has; the answer must show MFA. Never
         * passive: the second factor needs a page. */
        pending.demand.mfa = 1;
        pending.demand.force_authn = 1;
        pending.demand.is_passive = 0;
    }

    req.id = saml_random_id(r->pool, "_");
    req.sp_entity_id = c->sp_entity_id;
    req.acs_url = sequr_endpoint_url(r, c, "acs");
    req.idp_sso_url = idp->sso_url;
    req.name_id_format = c->name_id_format;
    req.relay_state = saml_random_id(r->pool, "");
    req.now = apr_time_now();
    /* SequrSAMLSignRequests On: the first SP key pair signs (configtest made
     * sure it is there and RSA). */
    req.sign_key = c->sign_requests == 1 ? c->sp_key : NULL;
    req.force_authn = pending.demand.force_authn;
    req.is_passive = pending.demand.is_passive;
    req.class_refs = pending.demand.class_refs;

    pending.request_id = req.id;
    pending.relay_state = req.relay_state;
    pending.return_to = return_to;
    pending.tenant = idp->name;     /* the response must come from this tenant */
    /* Kept by this browser, not by the store: an anonymous request writes
     * nothing shared, and only this browser can complete the sign-in. */
    rv = c->pending_key
         ? saml_pending_seal(r->pool, c->pending_key, sequr_session_scope(r, c), &pending,
                             req.now + apr_time_from_sec(c->request_lifetime), &sealed)
         : APR_EINIT;
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, SEQLOGNO(01204) "cannot seal the sign-in "
                      "request cookie");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = saml_authn_request_redirect_url(r->pool, &req, url);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, SEQLOGNO(01202) "cannot encode the AuthnRequest");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    sequr_pending_cookie_set(r, c, saml_pending_cookie_name(r->pool, sequr_pending_cookie_base(r, c),
                                                            req.id),
                             sealed, c->request_lifetime);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  SEQLOGNO(01203) "no session: sending the browser to the IdP %s with request %s "
                  "for %s", sequr_idp_label(idp), req.id, sequr_log_value(r, pending.return_to));
    if (!saml_authn_demand_is_empty(&pending.demand))
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      SEQLOGNO(01270) "request %s demands: %s", req.id,
                      sequr_log_value(r, saml_authn_demand_encode(r->pool, &pending.demand)));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    saml_metrics_count(c->metrics_block, SAML_METRIC_PENDING_STARTED);
    return OK;
}

int sequr_start_sign_in(request_rec *r, const sequr_server_conf_t *c)
{
    const char *url;
    int rc;

    if (!want_redirect(r)) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       apr_psprintf(r->pool, "SAML realm=\"%s\"", c->sp_entity_id));
        saml_metrics_count(c->metrics_block, SAML_METRIC_UNAUTHORIZED);
        return HTTP_UNAUTHORIZED;
    }
    if ((rc = sign_in_url(r, c, sequr_location_idp(r, c), return_path(r, c), 0, &url)) != OK)
        return rc;
    apr_table_setn(r->headers_out, "Location", url);
    return HTTP_MOVED_TEMPORARILY;
}

const char *sequr_step_up_url(request_rec *r, const sequr_server_conf_t *c)
{
    const char *url;

    if (!want_redirect(r)
        || sign_in_url(r, c, sequr_location_idp(r, c), return_path(r, c), 1, &url) != OK)
        return NULL;
    return url;
}

/* The ReturnTo of PATH/login: NULL when absent (*given 0), the local path it
 * names (saml_relay_target: a local path, or a full URL of this site's own
 * origin, never the Host header's), or NULL with *given 1 when it names
 * anything else. */
static const char *login_return_to(request_rec *r, const sequr_server_conf_t *c, int *given,
                                   const char **raw)
{
    char *args = r->args ? apr_pstrdup(r->pool, r->args) : NULL;
    char *pair, *last = NULL;

    *given = 0;
    *raw = NULL;
    for (pair = args ? apr_strtok(args, "&", &last) : NULL; pair;
         pair = apr_strtok(NULL, "&", &last)) {
        if (strncmp(pair, "ReturnTo=", 9))
            continue;
        *given = 1;
        *raw = apr_pstrdup(r->pool, pair + 9);
        if (ap_unescape_urlencoded((char *)*raw) != OK)
            return NULL;
        {
            const char *target = saml_relay_target(r->pool, *raw, sequr_site_origin(r, c));
            /* It travels in the sealed sign-in request cookie: bounded. */
            return target && strlen(target) <= SAML_RETURN_PATH_MAX ? target : NULL;
        }
    }
    return NULL;
}

/* The IdP the page at path signs in with: its location's tenant, as a visit
 * to the page itself would choose. Looked up with a subrequest, which runs
 * the configuration walk (and the page's access checks, which decide nothing
 * here: a subrequest never redirects the browser). */
static const sequr_idp_t *idp_of_page(request_rec *r, const sequr_server_conf_t *c,
                                      const char *path)
{
    const char *q = strchr(path, '?'), *hash = strchr(path, '#');
    const char *uri = apr_pstrmemdup(r->pool, path, q ? (apr_size_t)(q - path)
                                                      : hash ? (apr_size_t)(hash - path)
                                                             : strlen(path));
    request_rec *sub = ap_sub_req_lookup_uri(uri, r, NULL);
    const sequr_idp_t *idp = sequr_location_idp(sub, c);

    ap_destroy_sub_req(sub);
    return idp;
}

int sequr_handle_login(request_rec *r, const sequr_server_conf_t *c)
{
    const char *target, *raw;
    const sequr_idp_t *idp;
    int given;

    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    target = login_return_to(r, c, &given, &raw);
    if (target == NULL && given)
        /* Not followed, unlike logout's: the link is the application's own,
         * and a wrong one must be seen, not quietly sent elsewhere. */
        return sequr_fail_with_text(r, HTTP_BAD_REQUEST, "return-to",
                                    apr_psprintf(r->pool, "login ReturnTo %s is neither a local "
                                                 "path nor a URL of this site (%s)",
                                                 sequr_log_value(r, raw),
                                                 sequr_site_origin(r, c)),
                                    "The sign-in link is not valid: it would send you to "
                                    "another site afterwards.");
    if (target == NULL)
        target = c->landing_path;
    idp = idp_of_page(r, c, target);
    /* A page no IdP of this server signs in for (a server of tenants only,
     * and a page outside their locations): the link asks for what is not there. */
    if (idp == NULL || idp->sso_url == NULL || idp->entity_id == NULL || idp->verifier == NULL)
        return sequr_fail(r, HTTP_BAD_REQUEST, "return-to",
                          apr_psprintf(r->pool, "login ReturnTo %s: its location signs in "
                                       "with no configured IdP", sequr_log_value(r, target)));
    {
        const char *url;
        int rc = sign_in_url(r, c, idp, target, 0, &url);
        if (rc != OK)
            return rc;
        apr_table_setn(r->headers_out, "Location", url);
        return HTTP_MOVED_TEMPORARILY;
    }
}
