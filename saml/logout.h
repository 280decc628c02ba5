/* SAML Single Logout with Azure AD / Entra ID: the LogoutRequest we send, the
 * LogoutResponse that answers it, the LogoutRequest the IdP may send at any
 * time and our LogoutResponse to it. Bindings are in redirect_binding.h. */
#ifndef SAML_LOGOUT_H
#define SAML_LOGOUT_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "saml/error.h"
#include "saml/signature.h"
#include "saml/store.h"
#include "saml/xml.h"

#define SAML_STATUS_SUCCESS   "urn:oasis:names:tc:SAML:2.0:status:Success"
#define SAML_STATUS_REQUESTER "urn:oasis:names:tc:SAML:2.0:status:Requester"
#define SAML_STATUS_RESPONDER "urn:oasis:names:tc:SAML:2.0:status:Responder"
#define SAML_STATUS_REQUEST_DENIED "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"

typedef struct saml_logout_request {
    const char *id;              /* "_" + hex; never starts with a digit */
    const char *sp_entity_id;    /* Issuer */
    const char *destination;     /* the IdP's logout URL */
    const char *name_id;         /* as received in the assertion */
    const char *name_id_format;  /* may be NULL */
    const char *session_index;   /* may be NULL */
    apr_time_t now;              /* IssueInstant; 0 = now */
} saml_logout_request_t;

/* The LogoutRequest document; NULL when id (or its first character),
 * sp_entity_id, destination or name_id is missing or bad. */
const char *saml_logout_request_xml(apr_pool_t *p, const saml_logout_request_t *req);

typedef struct saml_logout_response {
    const char *id;              /* "_" + hex */
    const char *sp_entity_id;    /* Issuer */
    const char *destination;     /* the IdP's logout URL */
    const char *in_response_to;  /* the IdP's LogoutRequest ID */
    const char *status;          /* SAML_STATUS_*; NULL = Success */
    const char *sub_status;      /* second-level StatusCode, or NULL */
    apr_time_t now;
} saml_logout_response_t;

const char *saml_logout_response_xml(apr_pool_t *p, const saml_logout_response_t *res);

/* True when issuer names the configured IdP: its entity id, or, for an Entra
 * entity id https://sts.windows.net/<tenant>/, the form Entra writes on
 * logout messages, https://login.microsoftonline.com/<tenant>/ (same tenant
 * only; nothing else is derived). */
int saml_logout_issuer_ok(const char *idp_entity_id, const char *issuer);

typedef struct saml_logout_policy {
    const char *idp_entity_id;
    const char *logout_url;          /* our PATH/logout: a Destination must be this */
    const saml_verifier_t *verifier; /* for enveloped XML signatures (POST binding) */
    int require_signature;           /* unsigned messages refused */
    apr_interval_time_t skew;
    apr_time_t now;
    saml_xml_limits_t limits;
} saml_logout_policy_t;

typedef struct saml_logout_message {
    int is_request;                  /* LogoutRequest (1) or LogoutResponse (0) */
    const char *id;
    const char *issuer;
    const char *destination;         /* NULL when absent */
    const char *in_response_to;      /* responses */
    const char *status;              /* responses: top-level StatusCode */
    const char *name_id;             /* requests */
    const char *name_id_format;      /* requests, may be NULL */
    apr_array_header_t *session_indexes; /* requests: const char*, maybe empty */
    apr_time_t not_on_or_after;      /* requests: 0 when absent */
    int signed_xml;                  /* an enveloped signature verified */
    int signed_query;                /* the Redirect binding's query signature verified */
} saml_logout_message_t;

/* Parse and validate a logout message: safe parse (no DTD, size and depth
 * caps), root LogoutRequest or LogoutResponse in the protocol namespace,
 * Version 2.0, ID, Issuer accepted by saml_logout_issuer_ok, Destination (if
 * present) equal to policy->logout_url; requests need a NameID (whole text)
 * and an unexpired NotOnOrAfter (with skew), responses an InResponseTo and a
 * Status. An enveloped signature, when present, must verify (always); when
 * none is present and the query signature did not verify either
 * (query_signed == 0), require_signature refuses the message. Stateless. */
apr_status_t saml_logout_parse(apr_pool_t *p, const char *xml, apr_size_t len,
                               const saml_logout_policy_t *policy, int query_signed,
                               saml_logout_message_t **out, saml_err_t *err);

/* ---- shared state ------------------------------------------------------- */

/* Remember a LogoutRequest we sent until expiry: the relay handle sent with
 * it and the local path to return to. */
apr_status_t saml_logout_pending_save(apr_pool_t *p, saml_store_t *st, const char *request_id,
                                      const char *relay_state, const char *return_to,
                                      apr_time_t expiry);

/* A validated LogoutResponse: take (atomically, once) the request it answers,
 * check the RelayState is the handle sent with it, and give the return path
 * (always local). A second presentation finds nothing (SAML_EREJECTED,
 * "in-response-to"). Non-success status is reported after the pending
 * request is used up (SAML_EREJECTED, "status") with *return_to set. */
apr_status_t saml_logout_finish(apr_pool_t *p, saml_store_t *st, const saml_logout_message_t *m,
                                const char *relay_state, const char *landing,
                                const char **return_to, saml_err_t *err);

/* A validated IdP LogoutRequest is acted on once: its (Issuer, ID) is added
 * to the store until its NotOnOrAfter (or now + lifetime); seen = SAML_EREPLAY. */
apr_status_t saml_logout_request_remember(apr_pool_t *p, saml_store_t *st,
                                          const saml_logout_message_t *m, apr_time_t now,
                                          apr_interval_time_t lifetime, saml_err_t *err);

/* What an unsigned IdP LogoutRequest may end (SequrSAMLLogoutSignatures
 * optional / optional-name-only; "required" never gets this far). */
typedef enum {
    /* Only the sessions of its NameID that one of its SessionIndex values
     * names: a value only the user's browser and the IdP have seen. */
    SAML_LOGOUT_UNSIGNED_BY_INDEX = 0,
    /* Also, without a SessionIndex, every session of its NameID (usually an
     * e-mail address anyone may know): only when an admin says so. */
    SAML_LOGOUT_UNSIGNED_BY_NAME_ID
} saml_logout_unsigned_t;

/* Act on a validated IdP LogoutRequest m: end the sessions it names in
 * (scope, idp_entity_id), after remembering it (saml_logout_request_remember:
 * seen = SAML_EREPLAY). A signed message (m->signed_xml or m->signed_query)
 * is acted on as it says: its SessionIndex values, or without any, every
 * session of its NameID. An unsigned one:
 *   - names no SessionIndex and rule is BY_INDEX: SAML_EREJECTED, check
 *     "name-id-only", nothing ended and nothing written;
 *   - names nothing live (no SessionIndex, or no NameID under BY_NAME_ID, of
 *     a session that still exists): APR_SUCCESS, *ended 0, nothing written,
 *     so anonymous requests cannot fill the store;
 *   - otherwise as a signed one.
 * Store failures: SAML_EUNAVAILABLE, check "store" before anything ended
 * (refuse the message), "session-store" while ending (answer Responder). */
apr_status_t saml_logout_request_apply(apr_pool_t *p, saml_store_t *st,
                                       const saml_logout_message_t *m,
                                       saml_logout_unsigned_t rule, const char *scope,
                                       const char *idp_entity_id, apr_time_t now,
                                       apr_interval_time_t lifetime, int *ended, saml_err_t *err);

#endif
