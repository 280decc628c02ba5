/* The SP's own metadata, for Azure's "Upload metadata file". */
#ifndef SAML_SP_METADATA_H
#define SAML_SP_METADATA_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <openssl/x509.h>

typedef struct saml_sp_metadata_params {
    const char *entity_id;
    const char *acs_url;        /* AssertionConsumerService, HTTP-POST, index 0, default */
    const char *slo_url;        /* SingleLogoutService HTTP-Redirect, or NULL */
    const char *name_id_format; /* NULL = emailAddress */
    X509 *cert;                 /* SP certificate (signing + encryption), or NULL */
    /* X509*: every SP certificate of a key rollover, in order (the first
     * signs); when set, published instead of cert. May be NULL. */
    const apr_array_header_t *certs;
    int authn_requests_signed;  /* SequrSAMLSignRequests On: AuthnRequestsSigned="true" */
} saml_sp_metadata_params_t;

const char *saml_sp_metadata(apr_pool_t *p, const saml_sp_metadata_params_t *params);

#endif
