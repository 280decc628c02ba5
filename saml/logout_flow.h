/* The Single Logout sequence, apart from HTTP: what happens when the IdP's
 * logout message arrives (either binding), and how our own LogoutRequest
 * starts. The module reads the request and writes the answer; every decision
 * in between is here, as saml_acs_consume holds the sign-in's. */
#ifndef SAML_LOGOUT_FLOW_H
#define SAML_LOGOUT_FLOW_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <openssl/evp.h>
#include "saml/error.h"
#include "saml/idp.h"
#include "saml/logout.h"
#include "saml/session.h"
#include "saml/store.h"

/* What this SP knows for one logout request. */
typedef struct saml_logout_context {
    saml_store_t *store;
    const apr_array_header_t *idps;  /* saml_idp_t: the default IdP first, then the tenants */
    const char *sp_entity_id;        /* our Issuer */
    const char *logout_url;          /* our PATH/logout: a Destination must be this */
    EVP_PKEY *sp_key;                /* signs what we send over Redirect; NULL: unsigned */
    const char *scope;               /* the vhost and cookie whose sessions may end */
    int require_signature;           /* unsigned logout messages refused */
    saml_logout_unsigned_t unsigned_rule; /* what an unsigned LogoutRequest may end */
    int allow_sha1;                  /* query signatures */
    int allow_expired_certs;         /* query signatures by an expired certificate */
    apr_interval_time_t skew;
    apr_interval_time_t request_lifetime; /* how long our LogoutRequest waits; an IdP's
                                         is remembered at least this long */
    apr_size_t max_message_size;     /* decoded XML */
    const char *landing_path;        /* where a browser goes without a return path */
    apr_time_t now;
} saml_logout_context_t;

/* A logout message as it arrived. */
typedef struct saml_logout_received {
    const char *query;               /* HTTP-Redirect: the query string; or NULL */
    apr_table_t *form;               /* HTTP-POST (query NULL): the form's fields */
} saml_logout_received_t;

typedef enum {
    SAML_LOGOUT_REFUSED = 0,         /* nothing acted on; rv and err say why */
    /* An IdP LogoutRequest: the browser takes our LogoutResponse to url.
     * Its status is Success, Requester/RequestDenied when the request was
     * not acted on (an unsigned one without SessionIndex, check
     * "name-id-only"), or Responder when the session store failed while
     * ending sessions (check "session-store"); out->why says why when not
     * Success. status is set as soon as it is decided, so it is there even
     * when building the answer then fails. */
    SAML_LOGOUT_ANSWERED,
    /* The IdP answered our LogoutRequest with Success: on to url (local). */
    SAML_LOGOUT_CONFIRMED,
    /* ... with another status: the local session is gone but the IdP's is
     * not (rv SAML_EREJECTED, check "status"); url is where it would go. */
    SAML_LOGOUT_NOT_CONFIRMED
} saml_logout_outcome_kind_t;

typedef struct saml_logout_outcome {
    saml_logout_outcome_kind_t kind;
    const char *url;
    const saml_idp_t *idp;           /* whose message it was, once known */
    const saml_logout_message_t *message; /* once parsed */
    const char *status;              /* ANSWERED: our LogoutResponse's SAML_STATUS_* */
    int ended;                       /* ANSWERED: sessions ended */
    saml_err_t why;                  /* status set and not Success: why */
} saml_logout_outcome_t;

/* A logout message from an IdP, either binding:
 *  1. its IdP: with several, the one its (not yet verified) Issuer names by
 *     SAML_IDP_ISSUER_LOGOUT (check "issuer"); only that IdP's keys and rules
 *     decide from here on;
 *  2. a query signature that is there must verify, required or not, with
 *     that IdP's usable certificates (saml_idp_usable_certs);
 *  3. saml_logout_parse; a SAMLRequest must carry a LogoutRequest and a
 *     SAMLResponse a LogoutResponse (check "shape");
 *  4. a LogoutResponse finishes our LogoutRequest (saml_logout_finish):
 *     CONFIRMED or NOT_CONFIRMED;
 *  5. a LogoutRequest is remembered and ends the sessions it names in this
 *     scope (saml_logout_request_apply), then is ANSWERED, to the IdP's
 *     logout URL or, without one, its sign-on URL. A store failure before
 *     anything ended refuses the message (SAML_EUNAVAILABLE); one while
 *     ending answers Responder, so the IdP knows.
 * *out is always set; rv is APR_SUCCESS for ANSWERED and CONFIRMED. Refusal
 * checks are the steps' own; a step without one is named for it ("redirect",
 * "form", "base64", "logout-message", "signature", "replay",
 * "logout-response"). An Issuer that cannot be read is SAML_EMALFORMED. */
apr_status_t saml_logout_receive(apr_pool_t *p, const saml_logout_context_t *ctx,
                                 const saml_logout_received_t *in,
                                 saml_logout_outcome_t **out, saml_err_t *err);

/* SP-initiated logout of session s (signed in by idp, which has a logout
 * URL, see saml_idp_slo_url): remember the request with a fresh random
 * RelayState handle and the local return_to until now + request_lifetime
 * (SAML_EUNAVAILABLE, check "store"), then *url is the IdP's logout URL with
 * the LogoutRequest over HTTP-Redirect (signed with sp_key when there is
 * one) and *request_id its ID. The return path never travels to the IdP. */
apr_status_t saml_logout_start(apr_pool_t *p, const saml_logout_context_t *ctx,
                               const saml_idp_t *idp, const saml_session_t *s,
                               const char *return_to, const char **url,
                               const char **request_id, saml_err_t *err);

/* Local logout: remove every session of ids (const char*, the browser's
 * cookie values; malformed ones skipped) from the store. *named (if non-NULL)
 * is the first of them still live in scope with a NameID, as it was before
 * removal (the one to end at the IdP too), or NULL. A store failure stops
 * at once: SAML_EUNAVAILABLE, check "store". */
apr_status_t saml_logout_end_local(apr_pool_t *p, const saml_logout_context_t *ctx,
                                   const apr_array_header_t *ids, saml_session_t **named,
                                   saml_err_t *err);

#endif
