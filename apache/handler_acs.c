/* PATH/acs: Azure AD POSTs the SAMLResponse here. Nothing becomes a session
 * unless saml_acs_consume says every rule holds. */
#include "apache/handler_acs.h"

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "saml/acs.h"
#include "apache/attributes_env.h"
#include "apache/config_idp.h"
#include "saml/form.h"
#include "saml/idp.h"
#include "apache/log.h"
#include "apache/error_page.h"
#include "apache/idp_metadata_url.h"
#include "apache/pending_cookie.h"
#include "apache/public_url.h"
#include "apache/request_body.h"
#include "apache/see_other.h"
#include "apache/session_cookie.h"
#include "saml/session.h"
#include "saml/store_error.h"
#include "apache/user_check.h"

APLOG_USE_MODULE(sequr_saml);

static apr_array_header_t *tenant_names(apr_pool_t *p, const sequr_server_conf_t *c)
{
    apr_array_header_t *names = apr_array_make(p, c->tenants ? c->tenants->nelts : 1,
                                               sizeof(const char *));
    int i;
    for (i = 0; c->tenants && i < c->tenants->nelts; i++)
        APR_ARRAY_PUSH(names, const char *) = APR_ARRAY_IDX(c->tenants, i, sequr_idp_t *)->name;
    return names;
}

/* Everything is checked against idp only: its entity id as the Issuer, its
 * certificates for the signature. */
static void fill_policy(request_rec *r, const sequr_server_conf_t *c, const sequr_idp_t *idp,
                        saml_acs_policy_t *pol)
{
    memset(pol, 0, sizeof(*pol));
    pol->response.sp_entity_id = c->sp_entity_id;
    pol->response.acs_url = sequr_endpoint_url(r, c, "acs");
    pol->response.idp_entity_id = idp->entity_id;
    pol->response.verifier = idp->verifier;
    pol->tenant = idp->name;
    pol->tenants = c->tenants ? tenant_names(r->pool, c) : NULL;
    pol->response.skew = sequr_clock_skew(c);
    pol->response.now = apr_time_now();
    pol->response.user_attribute = c->user_attribute;
    /* A tenant's own SequrSAMLUserAttribute names its users; else the server's. */
    pol->response.user_attributes = idp->user_attributes ? idp->user_attributes
                                                         : c->user_attributes;
    pol->response.identity_attributes = c->identity_attributes;
    pol->response.limits.max_bytes = (apr_size_t)c->max_response_size;
    pol->response.limits.max_depth = SAML_XML_DEFAULT_MAX_DEPTH;
    pol->response.sp_key = c->sp_key;
    pol->response.sp_keys = c->sp_keys;     /* every pair of an SP key rollover decrypts */
    pol->response.trace = sequr_trace(r);
    pol->allow_unsolicited = c->allow_unsolicited;
    pol->landing_path = c->landing_path;
    pol->site_origin = sequr_site_origin(r, c);
    pol->cookies = sequr_cookie_header(r);
    pol->pending_key = c->pending_key;
    pol->pending_scope = sequr_session_scope(r, c);
    pol->pending_cookie_base = sequr_pending_cookie_base(r, c);
}

/* Which of this server's IdPs the response is for (saml_idp_choose: with
 * tenants, by the Issuer it claims, untrusted: it only chooses whose keys and
 * rules decide). *idp is NULL when the response was refused (and answered:
 * return what we return). */
static int choose_idp(request_rec *r, const sequr_server_conf_t *c, const char *xml,
                      apr_size_t len, const sequr_idp_t **idp)
{
    saml_xml_limits_t limits = { (apr_size_t)c->max_response_size, SAML_XML_DEFAULT_MAX_DEPTH, 0 };
    const saml_idp_t *chosen;
    saml_err_t err = {0};
    apr_status_t rv;

    *idp = NULL;
    rv = saml_idp_choose(r->pool, sequr_idp_views(r->pool, c), xml, len, &limits,
                         SAML_IDP_ISSUER_EXACT, &chosen, &err);
    if (rv != APR_SUCCESS)
        return sequr_fail(r, saml_status_to_http(rv), err.check ? err.check : "response",
                          err.detail);
    *idp = sequr_tenant(c, chosen->name);
    if (c->tenants && c->tenants->nelts)
        SAML_TRACE(sequr_trace(r), r->pool, "tenant", "the response's Issuer claims tenant %s: "
                   "verifying with its certificates and rules only", sequr_idp_label(*idp));
    return OK;
}

/* Why a verified assertion makes a session the store cannot hold (a value
 * over its per-entry limit: 16 KB for the file store, 512 KB for memcached
 * and Redis): the sizes first, so the log line's length cap never hides
 * them, then the attribute to blame. It is the IdP's input, not a store
 * outage: the browser gets 413, not 503. */
static const char *session_size_detail(request_rec *r, const char *user,
                                       const apr_array_header_t *attributes)
{
    const char *largest_name = "(none)";
    apr_size_t largest = 0, total = 0;
    int i, j;

    for (i = 0; attributes && i < attributes->nelts; i++) {
        const saml_attribute_t *a = &APR_ARRAY_IDX(attributes, i, saml_attribute_t);
        for (j = 0; a->values && j < a->values->nelts; j++) {
            apr_size_t n = strlen(APR_ARRAY_IDX(a->values, j, const char *));
            total += n;
            if (n > largest) {
                largest = n;
                largest_name = a->name ? a->name : "(unnamed)";
            }
        }
    }
    return apr_psprintf(r->pool, "the new session is too large for the session store (user "
                        "name %" APR_SIZE_T_FMT " bytes, attribute values %" APR_SIZE_T_FMT
                        " bytes, largest %" APR_SIZE_T_FMT " bytes in %s); user %s",
                        strlen(user), total, largest, largest_name,
                        saml_log_escape(r->pool, user, 48));
}

/* The session a verified assertion earns (saml_session_start: a fresh id,
 * bounded by our max age and the IdP's SessionNotOnOrAfter, saved and
 * indexed for logout). */
static apr_status_t open_session(request_rec *r, const sequr_server_conf_t *c,
                                 const sequr_idp_t *idp,
                                 const saml_assertion_t *a, const char *user, const char **id)
{
    saml_session_t s = {0};
    apr_time_t now = apr_time_now();
    apr_status_t rv;

    s.user = user;
    s.idp_entity_id = a->issuer;
    s.name_id = a->name_id;
    s.name_id_format = a->name_id_format;
    s.session_index = a->session_index;
    s.scope = sequr_session_scope(r, c);
    s.tenant = idp->name;
    if (c->user_store)
        s.user_checked = now;
    s.attributes = a->attributes;
    s.authn_instant = a->authn_instant;     /* for SequrSAMLForceAuthn locations */
    rv = saml_session_start(r->pool, c->store, &s, apr_time_from_sec(c->session_max_age),
                            a->session_not_on_or_after, now);
    *id = s.id;
    return rv;
}

/* What the user reads when the IdP's answer does not show what the
 * location demanded (saml/authn_demand.c), or the IdP had nobody to sign in
 * silently; NULL for every other refusal. */
static const char *demand_text(const char *check)
{
    if (!strcmp(check, "authn-instant"))
        return "This page asks for a fresh sign-in, but Microsoft Entra ID (Azure AD) answered "
               "with an earlier one. Sign in again; if this page comes back, tell your "
               "administrator.";
    if (!strcmp(check, "mfa"))
        return "This page needs a sign-in with multi-factor authentication, and this sign-in "
               "was not one. Sign in again with a second factor, or ask your administrator to "
               "require multi-factor authentication for this application in Microsoft Entra "
               "ID (Azure AD).";
    if (!strcmp(check, "authn-context"))
        return "This page needs another kind of sign-in than the one Microsoft Entra ID "
               "(Azure AD) made.";
    if (!strcmp(check, "no-passive"))
        return "You are not signed in at Microsoft Entra ID (Azure AD), and this page only "
               "checks silently. Sign in there first, then come back.";
    return NULL;
}

/* A sign-in that answered a demand (ForceAuthn, MFA step-up) replaces the
 * session the browser came with: that session is ended, not only
 * forgotten, so its cookie value (wherever else it is) no longer enters. */
static void end_replaced_session(request_rec *r, const sequr_server_conf_t *c,
                                 const char *new_id)
{
    apr_array_header_t *ids = sequr_session_cookie_values(r, c);
    int i;

    for (i = 0; ids && i < ids->nelts; i++) {
        const char *old = APR_ARRAY_IDX(ids, i, const char *);
        apr_status_t rv;
        if (!saml_session_id_is_wellformed(old) || !strcmp(old, new_id))
            continue;
        rv = saml_session_remove(r->pool, c->store, old);
        ap_log_rerror(APLOG_MARK, rv == APR_SUCCESS || rv == APR_NOTFOUND ? APLOG_INFO
                      : APLOG_WARNING, 0, r,
                      SEQLOGNO(01370) "the browser's previous session %s by the sign-in that "
                      "answered a demand (ForceAuthn or MFA step-up)%s",
                      rv == APR_SUCCESS ? "ended" : rv == APR_NOTFOUND ? "was already gone"
                      : "could not be ended", rv == APR_SUCCESS || rv == APR_NOTFOUND ? ""
                      : apr_psprintf(r->pool, ": %s", saml_store_error_text(r->pool, rv)));
    }
}

/* The ACS itself; *accepted set once a session started. */
static int consume(request_rec *r, const sequr_server_conf_t *c, int *accepted)
{
    saml_acs_policy_t policy;
    saml_acs_result_t *result;
    const sequr_idp_t *idp = c->idp;
    saml_err_t err = {0};
    apr_table_t *form;
    const char *b64, *relay, *session_id, *user;
    char *body, *xml;
    apr_size_t len, xml_len;
    apr_status_t rv;
    int rc;

    if (r->method_number != M_POST) {
        apr_table_setn(r->err_headers_out, "Allow", "POST");
        return sequr_fail(r, HTTP_METHOD_NOT_ALLOWED, "method",
                          apr_psprintf(r->pool, "%s to the ACS", r->method));
    }
    if (!saml_form_is_urlencoded(apr_table_get(r->headers_in, "Content-Type")))
        return sequr_fail(r, HTTP_UNSUPPORTED_MEDIA_TYPE, "content-type",
                          apr_table_get(r->headers_in, "Content-Type"));
    /* base64 grows the XML by a third; the form encoding a little more. */
    rc = sequr_read_body(r, c->max_response_size * 3 / 2 + 4096, &body, &len);
    if (rc != OK)
        return sequr_fail(r, rc, rc == HTTP_REQUEST_ENTITY_TOO_LARGE ? "size" : "body",
                          rc == HTTP_REQUEST_ENTITY_TOO_LARGE ? "request body over "
                          "SequrSAMLMaxResponseSize" : "request body could not be read");

    rv = saml_form_parse(r->pool, body, len, &form, &err);
    if (rv != APR_SUCCESS)
        return sequr_fail(r, saml_status_to_http(rv), err.check, err.detail);
    b64 = apr_table_get(form, "SAMLResponse");
    relay = apr_table_get(form, "RelayState");
    if (b64 == NULL || *b64 == '\0')
        return sequr_fail(r, HTTP_BAD_REQUEST, "form", "no SAMLResponse field in the POST");

    /* Certificates Entra published since this process last looked. */
    sequr_idp_metadata_url_sync(r, c);
    rv = saml_response_decode(r->pool, b64, (apr_size_t)c->max_response_size, &xml, &xml_len, &err);
    if (rv == APR_SUCCESS) {
        rc = choose_idp(r, c, xml, xml_len, &idp);
        if (idp == NULL)
            return rc;
        fill_policy(r, c, idp, &policy);
        rv = saml_acs_consume(r->pool, c->store, &policy, xml, xml_len, relay, &result, &err);
    }
    if (rv != APR_SUCCESS) {
        if (err.check && !strcmp(err.check, "signature") && idp->expired_certs)
            err.detail = apr_psprintf(r->pool, "%s; %d configured IdP certificate(s) expired and "
                                      "are not used", err.detail, idp->expired_certs);
        if (c->tenants && c->tenants->nelts)
            err.detail = apr_psprintf(r->pool, "%s (tenant %s)", err.detail,
                                      sequr_idp_label(idp));
        if (err.check && demand_text(err.check))
            return sequr_fail_with_text(r, saml_status_to_http(rv), err.check, err.detail,
                                        demand_text(err.check));
        if (err.check && !strcmp(err.check, "request-cookie"))
            return sequr_fail_with_text(r, saml_status_to_http(rv), err.check, err.detail,
                                        "This sign-in was not started in this browser, or it "
                                        "took too long.");
        return sequr_fail(r, saml_status_to_http(rv), err.check ? err.check : "response", err.detail);
    }
    /* Used up: the browser need not keep it, whatever follows. */
    if (result->pending_cookie)
        sequr_pending_cookie_clear(r, c, result->pending_cookie);

    /* The Azure name is a Sequr user's only when the store says so; the
     * session carries the Sequr spelling. */
    if (sequr_user_check_sign_in(r, c, result->assertion->user, &user) != OK)
        return OK;
    SAML_TRACE(sequr_trace(r), r->pool, "user-mapping", "IdP user %s is Sequr user %s (%s)",
               sequr_log_value(r, result->assertion->user), sequr_log_value(r, user),
               c->user_store ? "active in the user store" : "no user store: taken as is");
    rv = open_session(r, c, idp, result->assertion, user, &session_id);
    if (rv == SAML_ETOOLARGE)
        return sequr_fail(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "session-size",
                          session_size_detail(r, user, result->assertion->attributes));
    if (rv != APR_SUCCESS) {
        return sequr_fail(r, HTTP_SERVICE_UNAVAILABLE, "store",
                          apr_psprintf(r->pool, "cannot save the new session: %s",
                                       saml_store_error_text(r->pool, rv)));
    }
    SAML_TRACE(sequr_trace(r), r->pool, "session",
               "new session for %s (max age %d s, idle timeout %d s), cookie %s%s",
               sequr_log_value(r, user), c->session_max_age, c->session_idle_timeout,
               sequr_cookie_name(c), sequr_browser_uses_https(r, c) ? " (Secure)" : "");

    if (result->demand.force_authn || result->demand.mfa)
        end_replaced_session(r, c, session_id);
    sequr_cookie_set(r, c, session_id);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  SEQLOGNO(01301) "signed in %s (%s, assertion %s from %s%s%s), continuing to %s",
                  sequr_log_value(r, user),
                  result->solicited ? "SP-initiated" : "IdP-initiated",
                  sequr_log_value(r, result->assertion->assertion_id),
                  sequr_log_value(r, result->assertion->issuer), *idp->name ? ", tenant " : "",
                  idp->name, sequr_log_value(r, result->return_to));
    sequr_log_attribute_notes(r, user, result->assertion->attributes);
    *accepted = 1;
    return sequr_see_other(r, result->return_to);
}

/* Every POST that reaches the ACS is counted once, accepted or refused (the
 * refusal's check is counted by sequr_fail). */
int sequr_handle_acs(request_rec *r, const sequr_server_conf_t *c)
{
    int accepted = 0, rc = consume(r, c, &accepted);

    saml_metrics_count(c->metrics_block, accepted ? SAML_METRIC_SIGNIN_ACCEPTED
                                                  : SAML_METRIC_SIGNIN_REFUSED);
    return rc;
}
