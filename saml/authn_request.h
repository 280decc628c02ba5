/* Building the AuthnRequest that sends a browser to Azure AD (HTTP-Redirect binding). */
#ifndef SAML_AUTHN_REQUEST_H
#define SAML_AUTHN_REQUEST_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <openssl/evp.h>
#include "saml/error.h"

#define SAML_NAMEID_UNSPECIFIED "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
#define SAML_NAMEID_EMAIL       "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
#define SAML_NAMEID_PERSISTENT  "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
#define SAML_NAMEID_TRANSIENT   "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"

typedef struct saml_authn_request {
    const char *id;              /* "_" + 32 hex; never starts with a digit */
    const char *sp_entity_id;    /* Issuer */
    const char *acs_url;         /* AssertionConsumerServiceURL, POST binding */
    const char *idp_sso_url;     /* Destination and where the browser goes */
    const char *name_id_format;  /* NameIDPolicy/@Format; NULL = emailAddress */
    const char *relay_state;     /* opaque handle, or NULL */
    apr_time_t now;              /* IssueInstant */
    int force_authn;             /* ForceAuthn="true" */
    int is_passive;              /* IsPassive="true" */
    /* const char*: RequestedAuthnContext's AuthnContextClassRefs, always
     * Comparison="exact" (the only one Entra takes); NULL or empty: no
     * RequestedAuthnContext at all, the default, since Entra refuses MFA and
     * passwordless users when a password class is asked for (AADSTS75011). */
    const apr_array_header_t *class_refs;
    EVP_PKEY *sign_key;          /* SequrSAMLSignRequests On: the SP key that signs the
                                    query (RSA: rsa-sha256); NULL: unsigned */
} saml_authn_request_t;

/* The request document (no Subject: Azure refuses it). */
const char *saml_authn_request_xml(apr_pool_t *p, const saml_authn_request_t *req);

/* idp_sso_url + "?SAMLRequest=" + urlencode(base64(deflate(xml)))
 * [+ "&RelayState=" + urlencode(relay_state)], using '&' if the SSO URL already
 * has a query; with sign_key, + "&SigAlg=" + urlencode(SigAlg) + "&Signature="
 * + urlencode(base64(signature over the query from SAMLRequest= to the SigAlg
 * value, exactly as sent)), SAML bindings 3.4.4.1 (saml/redirect_binding.c). */
apr_status_t saml_authn_request_redirect_url(apr_pool_t *p, const saml_authn_request_t *req,
                                             const char **url);

#endif
