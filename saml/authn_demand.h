/* Per-location sign-in demands (SequrSAMLForceAuthn, SequrSAMLAuthnMaxAge,
 * SequrSAMLIsPassive, SequrSAMLAuthnContextClassRef, Require saml-mfa): which
 * request a location sends, when a session is too old to enter it, whether
 * it shows multi-factor authentication, and what the IdP's answer to such a
 * request must show. The browser carries the demand in its sealed sign-in
 * request cookie (pending_cookie.h), so the ACS checks the answer against
 * exactly what was asked, whatever location asked it. */
#ifndef SAML_AUTHN_DEMAND_H
#define SAML_AUTHN_DEMAND_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "saml/error.h"
#include "saml/response.h"

/* The claim Entra puts the authentication methods in, and the value that
 * means more than one factor (entra-2026 §8); "mfa" is the short form Entra
 * writes in tokens' amr. */
#define SAML_CLAIM_AUTHN_METHODS "http://schemas.microsoft.com/claims/authnmethodsreferences"
#define SAML_AUTHN_METHOD_MFA    "http://schemas.microsoft.com/claims/multipleauthn"

/* At most this many class references per location (Entra's list is short). */
#define SAML_DEMAND_CLASS_REFS_MAX 8

typedef struct saml_authn_demand {
    int force_authn;                 /* ForceAuthn="true" */
    apr_interval_time_t max_age;     /* with force_authn: AuthnInstant at most this old */
    int is_passive;                  /* IsPassive="true" */
    int mfa;                         /* step-up: the answer must show MFA */
    const apr_array_header_t *class_refs; /* const char*, Comparison="exact"; NULL: none */
} saml_authn_demand_t;

/* True when the demand asks nothing: a plain sign-in. */
int saml_authn_demand_is_empty(const saml_authn_demand_t *d);

/* A session authenticated at authn_instant is too old for a location that
 * forces authentication older than max_age: now - authn_instant > max_age.
 * authn_instant 0 (a session recorded before the instant was kept) is too
 * old: it cannot prove it is fresh. */
int saml_authn_too_old(apr_time_t authn_instant, apr_interval_time_t max_age, apr_time_t now);

/* True when attributes (saml_attribute_t) hold the authnmethodsreferences
 * claim with the multi-factor value (SAML_AUTHN_METHOD_MFA, or "mfa"). */
int saml_authn_shows_mfa(const apr_array_header_t *attributes);

/* The IdP's answer to a request that carried demand d:
 *  - force_authn: the AuthnInstant must be no older than max_age + skew
 *    (check "authn-instant"): an IdP that reuses its own sign-in session
 *    would otherwise let the demand pass without anyone typing anything;
 *  - class_refs: the AuthnContextClassRef must be one of them, exactly
 *    (check "authn-context");
 *  - mfa: the authnmethodsreferences claim must show MFA (check "mfa").
 * SAML_EREJECTED with the check named; APR_SUCCESS for an empty demand. */
apr_status_t saml_authn_demand_check(apr_pool_t *p, const saml_authn_demand_t *d,
                                     const saml_assertion_t *a, apr_interval_time_t skew,
                                     apr_time_t now, saml_err_t *err);

/* The demand as one line of text for the sign-in request cookie: words
 * "force=SECONDS", "passive", "mfa", "class=URI"; NULL for an empty demand. */
const char *saml_authn_demand_encode(apr_pool_t *p, const saml_authn_demand_t *d);

/* Read what saml_authn_demand_encode wrote (NULL text: empty demand).
 * APR_EINVAL on anything it never writes. */
apr_status_t saml_authn_demand_decode(apr_pool_t *p, const char *text, saml_authn_demand_t *d);

#endif
