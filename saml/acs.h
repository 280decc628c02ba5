/* The Assertion Consumer Service's decisions, apart from HTTP: a response is
 * turned into a sign-in only if it is valid, answers a request we sent and
 * nobody answered yet (or is an allowed unsolicited one), and was never seen
 * before by any process sharing the store. */
#ifndef SAML_ACS_H
#define SAML_ACS_H

#include "saml/pending_cookie.h"
#include "saml/response.h"
#include "saml/store.h"

typedef struct saml_acs_policy {
    saml_response_policy_t response;
    int allow_unsolicited;
    const char *landing_path;       /* for unsolicited responses without a local RelayState */
    /* This site's public base URL ("https://www.example.com": the configured
     * one, never the request's Host), so that an unsolicited RelayState that
     * is a full URL of this site is followed as its local path
     * (saml_relay_target); NULL: local paths only. */
    const char *site_origin;
    /* Several IdPs (tenants) on one SP: the response was routed by its Issuer
     * to tenant (NULL or "": the default IdP) and response.idp_entity_id and
     * response.verifier are that tenant's. tenants: const char*, the name of
     * every configured tenant (may be NULL). */
    const char *tenant;
    const apr_array_header_t *tenants;
    /* The browser that posted the response: its Cookie header(s) joined by
     * "; " (NULL: none), and how our sign-in request cookies are read there:
     * named pending_cookie_base + request ID, sealed with pending_key for
     * pending_scope (see pending_cookie.h). */
    const char *cookies;
    const saml_pending_key_t *pending_key;
    const char *pending_scope;
    const char *pending_cookie_base;
} saml_acs_policy_t;

typedef struct saml_acs_result {
    saml_assertion_t *assertion;
    const char *return_to;          /* always a local path */
    int solicited;
    const char *pending_cookie;     /* solicited: the request cookie now used up */
    saml_authn_demand_t demand;     /* solicited: what the request demanded, now shown */
} saml_acs_result_t;

/* Validate the decoded response, then:
 *  - InResponseTo present: the posting browser must hold the sealed cookie of
 *    that request (check "request-cookie": no cookie, or one that does not
 *    open, or names another request; the binding that stops login CSRF),
 *    still unexpired, RelayState must be the handle sent with it, and the
 *    request must not have been answered before (a single-use marker added
 *    atomically to the store; check "in-response-to"); the browser returns
 *    to that request's path;
 *  - absent: refused unless allow_unsolicited; a RelayState that is a local
 *    path, or an absolute URL of site_origin, is honoured as that local path
 *    (saml_relay_target), anything else lands on landing_path;
 *  - a solicited response must show what its request demanded
 *    (saml_authn_demand_check: checks "authn-instant", "authn-context", "mfa");
 *  - the assertion ID (with its Issuer) is added to the replay cache until it
 *    expires; already there = SAML_EREPLAY;
 *  - tenants (check "tenant"): a solicited response must come from the tenant
 *    the request was sent to; an unsolicited one whose RelayState names a
 *    tenant (saml_relay_state_tenant of its local path) must come from that tenant, except that
 *    the default IdP may keep a name that is no configured tenant's.
 * relay_state may be NULL. */
apr_status_t saml_acs_consume(apr_pool_t *p, saml_store_t *st, const saml_acs_policy_t *policy,
                              const char *xml, apr_size_t xml_len, const char *relay_state,
                              saml_acs_result_t **out, saml_err_t *err);

#endif
