/* The Assertion Consumer Service's decisions, apart from HTTP: a response is
 * turned into a sign-in only if it is valid, answers a request we sent and
 * nobody answered yet (or is an allowed unsolicited one), and was never seen
 * before by any process sharing the store. */
#ifndef SAML_ACS_H
#define SAML_ACS_H

#include "response.h"
#include "store.h"

typedef struct saml_pending_request {
    const char *request_id;   /* AuthnRequest ID, the InResponseTo to expect */
    const char *relay_state;  /* the opaque handle sent with it */
    const char *return_to;    /* local path + query the browser wanted */
} saml_pending_request_t;

/* Remember an AuthnRequest until expiry, keyed by its ID. */
apr_status_t saml_pending_save(apr_pool_t *p, saml_store_t *st,
                               const saml_pending_request_t *req, apr_time_t expiry);

typedef struct saml_acs_policy {
    saml_response_policy_t response;
    int allow_unsolicited;
    const char *landing_path;       /* for unsolicited responses without a local RelayState */
} saml_acs_policy_t;

typedef struct saml_acs_result {
    saml_assertion_t *assertion;
    const char *return_to;          /* always a local path */
    int solicited;
} saml_acs_result_t;

/* Validate the decoded response, then:
 *  - InResponseTo present: it must name a pending request of ours (taken from
 *    the store atomically, so it is answered once), and RelayState must be the
 *    handle sent with it; the browser returns to that request's path;
 *  - absent: refused unless allow_unsolicited; a RelayState that is a local
 *    path is honoured, anything else lands on landing_path;
 *  - the assertion ID (with its Issuer) is added to the replay cache until it
 *    expires; already there = SAML_EREPLAY.
 * relay_state may be NULL. */
apr_status_t saml_acs_consume(apr_pool_t *p, saml_store_t *st, const saml_acs_policy_t *policy,
                              const char *xml, apr_size_t xml_len, const char *relay_state,
                              saml_acs_result_t **out, saml_err_t *err);

#endif
