/* The Assertion Consumer Service's decisions (see acs.h).
 *
 * Order is the point of this file: the response is validated, and a solicited
 * one matched with the sign-in request the posting browser holds, before any
 * shared state is touched, so a forged or broken response, or one posted by
 * another browser, can neither burn a request nor fill the replay cache. Then
 * the replay cache is asked (atomic add), so a response presented twice is
 * reported as the replay it is, and only then is the request marked answered.
 *
 * The pending request itself is not in the store: the browser that started
 * the sign-in keeps it, sealed, in a cookie (pending_cookie.c), so no
 * anonymous request writes anything here. What the store keeps is a
 * single-use marker per answered request ("q:" + ID, until the request would
 * have expired anyway), added atomically, so each request is answered once
 * even when two processes race with two answers. */
#include "saml/acs.h"

#include <apr_strings.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#include "saml/codec.h"
#include "saml/cookie.h"
#include "saml/idp.h"
#include "saml/relay_state.h"
#include "saml/store_error.h"
#include "saml/time.h"
#include "saml/xml.h"

#define PENDING_PREFIX SAML_STORE_NS_ANSWERED
#define REPLAY_PREFIX  SAML_STORE_NS_REPLAY

/* ---- pending requests ----------------------------------------------------- */

static const char *pending_key(apr_pool_t *p, const char *request_id)
{
    if (request_id == NULL || *request_id == '\0'
        || strlen(request_id) > SAML_STORE_KEY_MAX - strlen(PENDING_PREFIX))
        return NULL;
    return apr_pstrcat(p, PENDING_PREFIX, request_id, NULL);
}

/* ---- the decisions -------------------------------------------------------- */

static int same_relay_state(const char *sent, const char *received)
{
    if (sent == NULL || received == NULL)
        return sent == received;
    return strcmp(sent, received) == 0;
}

/* NULL and "" both name the default IdP. */
static int same_tenant(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static const char *tenant_label(const char *t)
{
    return t && *t ? t : "(default IdP)";
}

static int is_configured_tenant(const apr_array_header_t *tenants, const char *name)
{
    int i;
    for (i = 0; tenants && i < tenants->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(tenants, i, const char *), name))
            return 1;
    return 0;
}

/* IdP-initiated: Azure's "Relay State" box of tenant B must not be usable
 * with tenant A's responses. Before sign-in the admin tool printed
 * "/?sequr_tenant=NAME" for the single IdP too: the default IdP may keep a
 * name that is no configured tenant's. */
static apr_status_t check_relay_state_tenant(apr_pool_t *p, const saml_acs_policy_t *policy,
                                             const char *relay_state, saml_err_t *err)
{
    const char *named = saml_relay_state_tenant(p, relay_state);

    if (named == NULL || same_tenant(named, policy->tenant))
        return APR_SUCCESS;
    if ((policy->tenant == NULL || *policy->tenant == '\0') &&
        !is_configured_tenant(policy->tenants, named))
        return APR_SUCCESS;
    return saml_fail(p, err, SAML_EREJECTED, "tenant",
                     "RelayState names tenant %s but the response's Issuer is tenant %s's",
                     saml_log_escape(p, named, 64), tenant_label(policy->tenant));
}

/* Issuer and ID together: two IdPs may well use the same assertion ID. */
static const char *replay_key(apr_pool_t *p, const saml_assertion_t *a)
{
    const char *what = apr_pstrcat(p, a->issuer ? a->issuer : "", "\n", a->assertion_id, NULL);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(what, strlen(what), md, &mdlen, EVP_sha256(), NULL) != 1)
        return NULL;
    return apr_pstrcat(p, REPLAY_PREFIX, saml_base64url_encode(p, md, mdlen), NULL);
}

static apr_status_t store_failure(apr_pool_t *p, saml_err_t *err, apr_status_t rv,
                                  const char *doing)
{
    return saml_fail(p, err, SAML_EUNAVAILABLE, "store", "%s: %s", doing,
                     saml_store_error_text(p, rv));
}

/* Remember the assertion until it could no longer be accepted anyway. */
static apr_status_t remember_assertion(apr_pool_t *p, saml_store_t *st,
                                       const saml_acs_policy_t *policy,
                                       const saml_assertion_t *a, saml_err_t *err)
{
    const char *key = replay_key(p, a);
    apr_status_t rv;

    if (key == NULL)
        return saml_fail(p, err, SAML_EINTERNAL, "replay", "SHA-256 unavailable");
    rv = saml_store_add(st, key, "1", 1, a->not_on_or_after + policy->response.skew);
    if (rv == APR_EEXIST)
        return saml_fail(p, err, SAML_EREPLAY, "replay",
                         "assertion %s from %s was already used",
                         saml_log_escape(p, a->assertion_id, 128),
                         saml_log_escape(p, a->issuer, 256));
    if (rv != APR_SUCCESS)
        return store_failure(p, err, rv, "replay cache");
    SAML_TRACE(policy->response.trace, p, "replay",
               "assertion %s from %s not seen before: in the replay cache until %s",
               saml_log_escape(p, a->assertion_id, 128), saml_log_escape(p, a->issuer, 256),
               saml_time_format(p, a->not_on_or_after + policy->response.skew));
    return APR_SUCCESS;
}

/* The request the browser that posted the response started, read from its
 * sealed cookie: the binding that keeps a response obtained by someone else
 * (login CSRF) out of this browser. Touches no shared state. */
static apr_status_t find_pending_request(apr_pool_t *p, const saml_acs_policy_t *policy,
                                         const saml_assertion_t *a, const char *relay_state,
                                         saml_pending_request_t *req, apr_time_t *expiry,
                                         const char **cookie, saml_err_t *err)
{
    const char *irt = saml_log_escape(p, a->in_response_to, 128);
    const char *name = policy->pending_cookie_base
                       ? saml_pending_cookie_name(p, policy->pending_cookie_base,
                                                  a->in_response_to) : NULL;
    apr_array_header_t *values = apr_array_make(p, 1, sizeof(const char *));
    apr_status_t rv = SAML_EREJECTED;
    int i;

    if (name && policy->pending_key && policy->cookies)
        saml_cookie_values(policy->cookies, name, values);
    if (values->nelts == 0)
        return saml_fail(p, err, SAML_EREJECTED, "request-cookie",
                         "response to request %s, but this browser holds no sign-in cookie for "
                         "it (started in another browser, cookies blocked, or too old)", irt);
    /* Only a value that opens with our key for this site and names this very
     * request counts; anything else is another browser's or forged. */
    for (i = 0; i < values->nelts; i++) {
        rv = saml_pending_open(p, policy->pending_key, policy->pending_scope,
                               APR_ARRAY_IDX(values, i, const char *), policy->response.now,
                               req, expiry, err);
        if (rv == APR_SUCCESS && strcmp(req->request_id, a->in_response_to) != 0)
            rv = saml_fail(p, err, SAML_EREJECTED, "request-cookie",
                           "the sign-in cookie for request %s names request %s", irt,
                           saml_log_escape(p, req->request_id, 128));
        if (rv == APR_SUCCESS)
            break;
    }
    if (rv != APR_SUCCESS)
        return rv;
    if (!same_relay_state(req->relay_state, relay_state))
        return saml_fail(p, err, SAML_EREJECTED, "relay-state",
                         "RelayState \"%s\" is not the one sent with request %s",
                         relay_state ? saml_log_escape(p, relay_state, 128) : "(none)", irt);
    if (!same_tenant(req->tenant, policy->tenant))
        return saml_fail(p, err, SAML_EREJECTED, "tenant",
                         "request %s was sent to tenant %s but answered by tenant %s", irt,
                         saml_log_escape(p, tenant_label(req->tenant), 64),
                         tenant_label(policy->tenant));
    *cookie = name;
    return APR_SUCCESS;
}

/* Answered once: the first to add the marker wins, across every process and
 * server sharing the store. */
static apr_status_t mark_answered(apr_pool_t *p, saml_store_t *st, const saml_assertion_t *a,
                                  apr_time_t expiry, saml_err_t *err)
{
    const char *key = pending_key(p, a->in_response_to);
    apr_status_t rv;

    rv = key ? saml_store_add(st, key, "1", 1, expiry) : APR_EINVAL;
    if (rv == APR_EEXIST || rv == APR_EINVAL)
        return saml_fail(p, err, SAML_EREJECTED, "in-response-to",
                         "%s: request already answered",
                         saml_log_escape(p, a->in_response_to, 128));
    if (rv != APR_SUCCESS)
        return store_failure(p, err, rv, "pending requests");
    return APR_SUCCESS;
}

apr_status_t saml_acs_consume(apr_pool_t *p, saml_store_t *st, const saml_acs_policy_t *policy,
                              const char *xml, apr_size_t xml_len, const char *relay_state,
                              saml_acs_result_t **out, saml_err_t *err)
{
    saml_acs_result_t *res;
    saml_assertion_t *a = NULL;
    saml_pending_request_t req;
    apr_time_t expiry = 0;
    const char *cookie = NULL, *target = NULL;
    const char *landing = policy->landing_path ? policy->landing_path : "/";
    apr_status_t rv;

    *out = NULL;
    rv = saml_response_validate(p, xml, xml_len, &policy->response, &a, err);
    if (rv != APR_SUCCESS)
        return rv;
    if (a->in_response_to == NULL && !policy->allow_unsolicited)
        return saml_fail(p, err, SAML_EREJECTED, "unsolicited",
                         "response without InResponseTo, and unsolicited responses are off");
    /* IdP-initiated: the RelayState as the admin typed it, a local path or a
     * full URL of this site, read once as the local path it names; the tenant
     * rule sees that same path, so writing the URL out in full cannot slip a
     * sequr_tenant past it. */
    if (a->in_response_to == NULL)
        target = saml_relay_target(p, relay_state, policy->site_origin);
    if (a->in_response_to == NULL &&
        (rv = check_relay_state_tenant(p, policy, target, err)) != APR_SUCCESS)
        return rv;
    if (a->in_response_to &&
        (rv = find_pending_request(p, policy, a, relay_state, &req, &expiry, &cookie, err))
        != APR_SUCCESS)
        return rv;
    /* What the location asked for must show in the answer (ForceAuthn's
     * fresh AuthnInstant, the class, MFA): an IdP may ignore the request. */
    if (a->in_response_to &&
        (rv = saml_authn_demand_check(p, &req.demand, a, policy->response.skew,
                                      policy->response.now, err)) != APR_SUCCESS)
        return rv;
    if ((rv = remember_assertion(p, st, policy, a, err)) != APR_SUCCESS)
        return rv;

    res = apr_pcalloc(p, sizeof(*res));
    res->assertion = a;
    if (a->in_response_to) {
        if ((rv = mark_answered(p, st, a, expiry, err)) != APR_SUCCESS)
            return rv;
        /* Sealed by us, but checked again: a key that leaked must not become
         * a way to redirect our users. */
        res->return_to = saml_is_local_path(req.return_to) ? req.return_to : landing;
        res->pending_cookie = cookie;
        res->solicited = 1;
        res->demand = req.demand;
        SAML_TRACE(policy->response.trace, p, "in-response-to",
                   "request %s was started in this browser (its sealed cookie) and not answered "
                   "before, RelayState matches; returning to %s",
                   saml_log_escape(p, a->in_response_to, 128),
                   saml_log_escape(p, res->return_to, 256));
    }
    else {
        res->return_to = target ? target : landing;
        SAML_TRACE(policy->response.trace, p, "unsolicited",
                   "IdP-initiated response allowed; RelayState %s%s; landing at %s",
                   relay_state ? saml_log_escape(p, relay_state, 256) : "(none)",
                   relay_state && !target ? " is neither a local path nor a URL of this site "
                                            "(followed only as one of those)" : "",
                   saml_log_escape(p, res->return_to, 256));
    }
    *out = res;
    return APR_SUCCESS;
}
