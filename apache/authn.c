/* Who is this request? For AuthType sequr-saml: the session behind the cookie. */
#include "apache/authn.h"
#include "apache/handler_login.h"

#include "apr_lib.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "saml/attributes.h"
#include "saml/authn_demand.h"
#include "apache/attributes_env.h"
#include "saml/cookie.h"
#include "apache/authz.h"
#include "apache/directives.h"
#include "apache/log.h"
#include "apache/error_page.h"
#include "apache/public_url.h"
#include "apache/session_cookie.h"
#include "saml/response.h"
#include "saml/session.h"
#include "saml/store_error.h"
#include "apache/user_check.h"

APLOG_USE_MODULE(sequr_saml);

static int is_configured(const sequr_server_conf_t *c, const sequr_idp_t *idp)
{
    return c->sp_entity_id && idp && idp->sso_url && idp->entity_id && idp->verifier &&
           c->store;
}

/* NULL and "" both name the default IdP. */
static int same_tenant(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The names a location's SequrSAMLUserAttribute lists (one name when only
 * user_attribute was set), or NULL. */
static const apr_array_header_t *names_of(apr_pool_t *p, const char *one,
                                          const apr_array_header_t *list)
{
    apr_array_header_t *names;
    if (list && list->nelts)
        return list;
    if (one == NULL)
        return NULL;
    names = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(names, const char *) = one;
    return names;
}

static int same_names(const apr_array_header_t *a, const apr_array_header_t *b)
{
    int i;
    if (a == NULL || b == NULL)
        return a == b;
    if (a->nelts != b->nelts)
        return 0;
    for (i = 0; i < a->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), APR_ARRAY_IDX(b, i, const char *)))
            return 0;
    return 1;
}

/* PREFIX + TENANT (and the Tenant request header when headers are on): the
 * session's tenant, or nothing for the default IdP. Set after the attributes,
 * so an IdP attribute that maps to the same name cannot pose as a tenant. */
static void export_tenant(request_rec *r, const saml_session_t *s)
{
    const char *env = apr_pstrcat(r->pool, sequr_env_prefix(r), "TENANT", NULL);
    const char *header = apr_pstrcat(r->pool, sequr_request_header_prefix(r), "Tenant", NULL);
    int has = s->tenant && *s->tenant;

    if (has)
        apr_table_set(r->subprocess_env, env, s->tenant);
    else
        apr_table_unset(r->subprocess_env, env);
    if (!sequr_request_headers_on(r))
        return;
    sequr_set_request_header(r, header, has ? s->tenant : NULL);
}

/* Let the request in as the session's user. A <Location> may name another
 * attribute for REMOTE_USER than the server does; the session keeps them all. */
static int admit(request_rec *r, const sequr_server_conf_t *c, const saml_session_t *s)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    const apr_array_header_t *here = d ? names_of(r->pool, d->user_attribute, d->user_attributes)
                                       : NULL;
    const char *user = s->user;

    /* The session's user was named by the server's (or its tenant's) list; a
     * location with a list of its own names it by the same rule from the
     * session's attributes. */
    if (here && !same_names(here, names_of(r->pool, c->user_attribute, c->user_attributes))) {
        saml_err_t err = {0};
        if (saml_user_name_choose(r->pool, s->attributes, here, s->name_id, &user, NULL, &err)
            != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          SEQLOGNO(01104) "session of %s has no user name for this location "
                          "(" D_USER_ATTRIBUTE " %s): %s", sequr_log_value(r, s->user),
                          sequr_log_value(r, apr_array_pstrcat(r->pool, here, ' ')),
                          sequr_log_value(r, err.detail));
            return HTTP_FORBIDDEN;
        }
    }
    /* Refused at sign-in since the identity check covers every location's
     * user attribute; a session made before that, or a store written by
     * someone else, must still not split REMOTE_USER's request header. */
    if (saml_value_has_control_character(user)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      SEQLOGNO(01107) "session of %s refused here: its user name for this "
                      "location, %s, holds control characters", sequr_log_value(r, s->user),
                      sequr_log_value(r, user));
        return HTTP_FORBIDDEN;
    }
    r->user = apr_pstrdup(r->pool, user);
    r->ap_auth_type = SEQUR_AUTH_TYPE;
    sequr_remember_session(r, s);
    /* Also sets SEQUR_SAML_IDP, _NAME_ID, _SESSION_INDEX and _SESSION_EXPIRES,
     * which win any name clash with an attribute. */
    sequr_export_attributes(r, s);
    export_tenant(r, s);
    return OK;
}

/* name starts with prefix, case aside and with '-' and '_' the same: both
 * become the same CGI variable name, and some proxies turn one into the other. */
static int starts_like(const char *name, const char *prefix)
{
    for (; *prefix; prefix++, name++) {
        char a = *name == '_' ? '-' : *name, b = *prefix == '_' ? '-' : *prefix;
        if (*name == '\0' || apr_tolower(a) != apr_tolower(b))
            return 0;
    }
    return 1;
}

/* A client must not be able to pose as what this module tells the
 * application: headers named like our exports (the fixed Sequr-SAML names,
 * this location's request header prefix and its environment prefix), or like
 * the usual ways a reverse proxy passes the user on, are dropped before
 * any access control runs. */
static int mimics_our_exports(request_rec *r, const char *name)
{
    static const char *const exact[] = {"Remote-User", "X-Remote-User", NULL};
    int i;

    if (starts_like(name, "Sequr-SAML") || starts_like(name, sequr_request_header_prefix(r)) ||
        starts_like(name, sequr_env_prefix(r)))
        return 1;
    for (i = 0; exact[i]; i++)
        if (starts_like(name, exact[i]) && strlen(name) == strlen(exact[i]))
            return 1;
    return 0;
}

static void remove_mimicking_headers(request_rec *r)
{
    const apr_array_header_t *h = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)h->elts;
    apr_array_header_t *doomed = apr_array_make(r->pool, 1, sizeof(const char *));
    int i;

    for (i = 0; i < h->nelts; i++)
        if (e[i].key && mimics_our_exports(r, e[i].key))
            APR_ARRAY_PUSH(doomed, const char *) = e[i].key;
    for (i = 0; i < doomed->nelts; i++) {
        const char *name = APR_ARRAY_IDX(doomed, i, const char *);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SEQLOGNO(01105) "removed request header %s sent by the client",
                      sequr_log_value(r, name));
        apr_table_unset(r->headers_in, name);
    }
}

/* Where something of ours may reach the application: the location is
 * protected by us (whatever its Require lines decide), or names a prefix,
 * headers or a user attribute of ours. */
static int exports_here(request_rec *r)
{
    const char *type = ap_auth_type(r);
    const sequr_dir_conf_t *d = sequr_dir_conf(r);

    if (type && !strcasecmp(type, SEQUR_AUTH_TYPE))
        return 1;
    return d && (d->env_prefix || d->request_header_prefix ||
                 d->request_headers != SEQUR_UNSET || d->user_attribute);
}

/* Run once the request's per-directory configuration is final, before access
 * control: check_user_id is not enough, since httpd skips it whenever
 * authorization is decided without a user (Require all granted in a
 * sub-location, Require ip inside RequireAny). Runs for subrequests and
 * internal redirects too, whose location may name other prefixes. */
int sequr_remove_spoofed_headers(request_rec *r)
{
    /* httpd gives a subrequest or internal redirect under the very same
     * configuration the user of the request it came from, without
     * authenticating again: its headers were cleaned under this configuration
     * and now hold what we exported, which must stay. */
    if ((r->prev && r->prev->per_dir_config == r->per_dir_config) ||
        (r->main && r->main->per_dir_config == r->per_dir_config))
        return DECLINED;
    if (exports_here(r))
        remove_mimicking_headers(r);
    return DECLINED;
}

/* SequrSAMLForceAuthn: a session whose sign-in (AuthnInstant) is older than
 * this location's max age does not enter; the browser signs in again with
 * ForceAuthn and comes back here (sequr_start_sign_in carries the demand). */
static int too_old_here(request_rec *r, const saml_session_t *s)
{
    saml_authn_demand_t demand;
    apr_time_t now = apr_time_now();

    sequr_location_demand(r, &demand);
    if (!demand.force_authn || !saml_authn_too_old(s->authn_instant, demand.max_age, now))
        return 0;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  SEQLOGNO(01170) "[check authn-age] session of %s signed in %s (%s); %s "
                  "admits sign-ins at most %" APR_TIME_T_FMT " s old (" D_FORCE_AUTHN "): "
                  "signing in again with ForceAuthn", sequr_log_value(r, s->user),
                  s->authn_instant ? apr_psprintf(r->pool, "%" APR_TIME_T_FMT " s ago",
                                                  apr_time_sec(now - s->authn_instant))
                                   : "at an unknown time",
                  s->authn_instant ? "AuthnInstant" : "a session from before the instant was kept",
                  sequr_log_value(r, r->uri), apr_time_sec(demand.max_age));
    return 1;
}

/* Once per browser request: subrequests and internal redirects (mod_dir,
 * SSI, ErrorDocument) check the same session again. */
static void count_session(request_rec *r, const sequr_server_conf_t *c, saml_metric_t which)
{
    if (r->main == NULL && r->prev == NULL)
        saml_metrics_count(c->metrics_block, which);
}

/* The location's IdP, or NULL after logging why there is none to use. */
static const sequr_idp_t *configured_idp(request_rec *r, const sequr_server_conf_t *c)
{
    const sequr_idp_t *idp = sequr_location_idp(r, c);

    if (is_configured(c, idp))
        return idp;
    /* configtest catches this for the main config; .htaccess can still get here. */
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  SEQLOGNO(01101) "AuthType " SEQUR_AUTH_TYPE " used for %s but server %s has no "
                  "complete SP/IdP configuration (" D_SP_ENTITY_ID ", IdP%s%s, store)",
                  sequr_log_value(r, r->uri), r->server->server_hostname,
                  sequr_dir_conf(r)->tenant ? " of tenant " : "",
                  sequr_dir_conf(r)->tenant ? sequr_dir_conf(r)->tenant : "");
    return NULL;
}

/* The session the browser's cookie names, usable at this location and still
 * admitted by the user store: OK with *out set; DECLINED when there is none
 * (no cookie, expired, logged out, another tenant's, or several cookies, which
 * are then told to go); otherwise the answer already decided (a store
 * failure's page, the user store's refusal). */
static int find_session(request_rec *r, const sequr_server_conf_t *c, const sequr_idp_t *idp,
                        saml_session_t **out)
{
    apr_array_header_t *ids;
    const char *single;
    int ambiguous, other_tenant = 0;

    ids = sequr_session_cookie_values(r, c);
    single = saml_cookie_single_value(ids, &ambiguous);
    if (ambiguous) {
        /* One of them was planted (a related domain, a deeper path): taking
         * either could keep the user in someone else's account. Neither
         * counts; both go, and the sign-in that follows leaves only the
         * user's own. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      SEQLOGNO(01108) "[check cookie-ambiguous] %d different session cookies "
                      "sent for %s: none is used, the browser is told to drop them and sign in "
                      "again", ids->nelts, sequr_log_value(r, r->uri));
        saml_metrics_refusal(c->metrics_block, "cookie-ambiguous");
        count_session(r, c, SAML_METRIC_SESSION_REFUSED);
        sequr_cookie_clear_planted(r, c);
        return DECLINED;
    }
    if (single && saml_session_id_is_wellformed(single)) {
        saml_session_t *s;
        apr_status_t rv = saml_session_load(r->pool, c->store, single, sequr_session_scope(r, c),
                                            apr_time_from_sec(c->session_idle_timeout),
                                            apr_time_now(), &s);

        /* Another tenant's session is no session here, and is left alone:
         * this location's users are the ones its own tenant signs in. */
        if (rv == APR_SUCCESS && !same_tenant(s->tenant, idp->name)) {
            other_tenant = 1;
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          SEQLOGNO(01106) "session of %s is tenant %s's; %s signs in with %s",
                          sequr_log_value(r, s->user),
                          s->tenant && *s->tenant ? sequr_log_value(r, s->tenant) : "(default IdP)",
                          sequr_log_value(r, r->uri), sequr_idp_label(idp));
        }
        else if (rv == APR_SUCCESS) {
            int rc = sequr_user_recheck(r, c, s);
            if (rc != OK)
                count_session(r, c, SAML_METRIC_SESSION_REFUSED);
            *out = s;
            return rc;
        }
        else if (rv != APR_NOTFOUND) {
            sequr_fail(r, HTTP_SERVICE_UNAVAILABLE, "store",
                       apr_psprintf(r->pool, "session store unavailable while checking a "
                                    "session: %s", saml_store_error_text(r->pool, rv)));
            return DONE;
        }
    }
    if (other_tenant)
        count_session(r, c, SAML_METRIC_SESSION_REFUSED);
    else if (ids->nelts)
        count_session(r, c, SAML_METRIC_SESSION_EXPIRED);
    if (ids->nelts && !other_tenant)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      SEQLOGNO(01103) "session cookie present but no valid session (expired, "
                      "logged out, idle, or issued for another site)");
    return DECLINED;
}

/* admit(), counted as a session resumed or refused here. */
static int admit_counted(request_rec *r, const sequr_server_conf_t *c, saml_session_t *s)
{
    int rc = admit(r, c, s);
    count_session(r, c, rc == OK ? SAML_METRIC_SESSION_RESUMED : SAML_METRIC_SESSION_REFUSED);
    return rc;
}

static int is_ours(request_rec *r)
{
    const char *type = ap_auth_type(r);
    return type && !strcasecmp(type, SEQUR_AUTH_TYPE);
}

int sequr_check_user_id(request_rec *r)
{
    const sequr_server_conf_t *c;
    const sequr_idp_t *idp;
    saml_session_t *s = NULL;
    int rc;

    if (!is_ours(r))
        return DECLINED;
    /* Client headers named like ours are gone already: sequr_remove_spoofed_headers. */
    c = sequr_server_conf(r->server);
    if ((idp = configured_idp(r, c)) == NULL)
        return HTTP_INTERNAL_SERVER_ERROR;
    rc = find_session(r, c, idp, &s);
    if (rc == OK && too_old_here(r, s))
        return sequr_start_sign_in(r, c);
    if (rc == OK)
        return admit_counted(r, c, s);
    /* With SequrSAMLUnauthenticatedAction pass httpd asks us only when the
     * Require lines need a user (Require valid-user, saml-attribute...): there
     * is none to give, so the browser signs in as with auto. */
    return rc == DECLINED ? sequr_start_sign_in(r, c) : rc;
}

int sequr_pass_anonymous(request_rec *r)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    const sequr_server_conf_t *c;
    const sequr_idp_t *idp;
    saml_session_t *s = NULL;
    int rc;

    if (!is_ours(r) || d == NULL || d->unauth_action != SEQUR_UNAUTH_PASS)
        return DECLINED;
    /* The same URL answers differently with and without a session: a shared
     * cache must not hand one to the other. */
    if (r->main == NULL)
        apr_table_mergen(r->err_headers_out, "Vary", "Cookie");
    /* Authenticated already (the Require lines asked for a user), or an
     * internal redirect that carries its request's user along. */
    if (r->user)
        return DECLINED;
    c = sequr_server_conf(r->server);
    if ((idp = configured_idp(r, c)) == NULL)
        return DECLINED;        /* nobody can be signed in here: anonymous it is */
    rc = find_session(r, c, idp, &s);
    /* A sign-in older than SequrSAMLForceAuthn admits is no user here; the
     * page is public, so it is shown as to anyone, not sent to sign in. */
    if (rc == DECLINED || (rc == OK && too_old_here(r, s)))
        return DECLINED;        /* anonymous: no user, no attributes, headers already stripped */
    return rc == OK ? admit_counted(r, c, s) : rc;
}
