/* A sign-in in flight, kept by the browser that started it: the pending
 * AuthnRequest (its ID, the RelayState sent with it, where the browser was
 * going, which tenant was asked) sealed with AES-256-GCM into a cookie of
 * that browser. Nothing is written to the shared store when a sign-in starts,
 * so anonymous requests cannot fill it; and only the browser holding the
 * cookie can complete the sign-in (no login CSRF with a response obtained
 * elsewhere). The ACS writes one single-use marker per answered request. */
#ifndef SAML_PENDING_COOKIE_H
#define SAML_PENDING_COOKIE_H

#include <apr_pools.h>
#include <apr_time.h>

#include "saml/authn_demand.h"
#include "saml/error.h"

#define SAML_PENDING_KEY_LEN 32
/* The longest request ID that can name a cookie (ours are 33 characters). */
#define SAML_PENDING_ID_MAX 64

typedef struct saml_pending_request {
    const char *request_id;   /* AuthnRequest ID, the InResponseTo to expect */
    const char *relay_state;  /* the opaque handle sent with it (may be NULL) */
    const char *return_to;    /* local path + query the browser wanted */
    const char *tenant;       /* the IdP the request went to: NULL or "" the default */
    /* What the request demanded (ForceAuthn and its max age, IsPassive,
     * class references, MFA step-up): the answer is checked against it
     * (saml_authn_demand_check). All zero for a plain sign-in. */
    saml_authn_demand_t demand;
} saml_pending_request_t;

/* The AES-256-GCM key that seals the cookies, derived (HKDF-SHA256) from a
 * secret of at least 32 bytes; every server of a farm derives the same key
 * from the same secret. */
typedef struct saml_pending_key {
    unsigned char bytes[SAML_PENDING_KEY_LEN];
} saml_pending_key_t;

apr_status_t saml_pending_key_derive(const unsigned char *secret, apr_size_t len,
                                     saml_pending_key_t *key);

/* The secret kept in the file at path: read it (32 to 4096 bytes, the whole
 * file); when the file does not exist and create is set, make it (mode 0600,
 * 32 random bytes, O_EXCL so two starting processes agree on one). A file
 * that others may read or anyone but its owner may write is refused, as is
 * one that is too short (check "cookie-key"). *created tells whether it was
 * made now (may be NULL). */
apr_status_t saml_pending_key_load(apr_pool_t *p, const char *path, int create,
                                   saml_pending_key_t *key, int *created, saml_err_t *err);

/* The cookie's name: base + "-" + the request ID without its leading '_'.
 * One cookie per request, so several tabs can sign in at once. NULL when the
 * ID cannot be part of a cookie name (empty, too long, other than
 * [A-Za-z0-9_-]): no such request was ours. */
const char *saml_pending_cookie_name(apr_pool_t *p, const char *base, const char *request_id);

/* The cookie's value: base64url(version 1, 12-byte nonce, ciphertext, 16-byte
 * tag) of the request and its expiry, with scope (the site: cookie, host,
 * SP) as associated data, so a value from another site of ours never opens. */
apr_status_t saml_pending_seal(apr_pool_t *p, const saml_pending_key_t *key, const char *scope,
                               const saml_pending_request_t *req, apr_time_t expiry,
                               const char **value);

/* Open a value sealed by saml_pending_seal with the same key and scope:
 * SAML_EREJECTED (check "request-cookie") when it was not (tampered, another
 * key or site, not ours at all), SAML_EREJECTED (check "in-response-to") when
 * it is past its expiry at now. *expiry may be NULL. */
apr_status_t saml_pending_open(apr_pool_t *p, const saml_pending_key_t *key, const char *scope,
                               const char *value, apr_time_t now, saml_pending_request_t *req,
                               apr_time_t *expiry, saml_err_t *err);

#endif
