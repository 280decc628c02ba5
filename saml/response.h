/* What a valid SAMLResponse is: every rule in one place (see response.c). */
#ifndef SAML_RESPONSE_H
#define SAML_RESPONSE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <openssl/evp.h>
#include "saml/error.h"
#include "saml/signature.h"
#include "saml/xml.h"

typedef struct saml_attribute {
    const char *name;                 /* Attribute/@Name */
    apr_array_header_t *values;       /* const char*, whole text of each AttributeValue */
} saml_attribute_t;

typedef struct saml_response_policy {
    const char *sp_entity_id;         /* required Audience */
    const char *acs_url;              /* required Destination and Recipient */
    const char *idp_entity_id;        /* required Issuer (Response if present, Assertion) */
    const saml_verifier_t *verifier;  /* the configured IdP keys */
    apr_interval_time_t skew;         /* tolerance on every time comparison */
    apr_time_t now;
    const char *user_attribute;       /* NULL: identity is the NameID; else attribute Name */
    /* const char*: SequrSAMLUserAttribute's names in order, the first present
     * wins (saml_user_name_choose); when set, user_attribute is ignored. May be NULL. */
    const apr_array_header_t *user_attributes;
    /* const char*: every attribute Name that can become REMOTE_USER anywhere
     * (the server's and each location's user attribute); a first value holding
     * a control character is refused, as are such a NameID and SessionIndex,
     * since all of them can reach a proxied backend's request headers. May be NULL. */
    const apr_array_header_t *identity_attributes;
    saml_xml_limits_t limits;
    EVP_PKEY *sp_key;                 /* decrypts an EncryptedAssertion; NULL: refused */
    const saml_trace_t *trace;        /* NULL: say nothing about checks that pass */
    /* EVP_PKEY*: every SP key that may decrypt (an SP key rollover keeps the
     * old pair beside the new one); when set, used instead of sp_key. May be NULL. */
    const apr_array_header_t *sp_keys;
} saml_response_policy_t;

typedef struct saml_assertion {
    const char *response_id;
    const char *assertion_id;
    const char *issuer;
    const char *in_response_to;       /* NULL for unsolicited (IdP-initiated) */
    const char *name_id;
    const char *name_id_format;       /* NULL when absent */
    const char *session_index;        /* NULL when absent */
    const char *user;                 /* the identity chosen by policy->user_attribute(s) */
    const char *user_source;          /* the attribute it came from, or "NameID" */
    apr_time_t not_on_or_after;       /* min of Conditions and SubjectConfirmationData:
                                         how long the replay cache must remember the ID */
    apr_time_t session_not_on_or_after; /* 0 when absent */
    apr_time_t authn_instant;
    const char *authn_context_class_ref; /* AuthnStatement/AuthnContext/AuthnContextClassRef,
                                            whole text; NULL when absent */
    apr_array_header_t *attributes;   /* saml_attribute_t */
} saml_assertion_t;

/* Decode the SAMLResponse form value: strict base64 (whitespace allowed, any
 * other non-alphabet byte refused), decoded size capped by max_bytes. */
apr_status_t saml_response_decode(apr_pool_t *p, const char *b64, apr_size_t max_bytes,
                                  char **xml, apr_size_t *xml_len, saml_err_t *err);

/* Parse and validate a decoded response. Verifies first, then reads only the
 * verified Assertion. Stateless: InResponseTo matching and the replay cache are
 * the caller's (see acs.h). On success *out describes the assertion. */
apr_status_t saml_response_validate(apr_pool_t *p, const char *xml, apr_size_t len,
                                    const saml_response_policy_t *policy,
                                    saml_assertion_t **out, saml_err_t *err);

/* First value of the attribute called name, or NULL. */
const char *saml_assertion_attribute(const saml_assertion_t *a, const char *name);

#endif
