/* Reading Azure's Federation Metadata XML for one IdP. */
#ifndef SAML_IDP_METADATA_H
#define SAML_IDP_METADATA_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "saml/error.h"

typedef struct saml_idp_metadata {
    const char *entity_id;          /* EntityDescriptor/@entityID */
    const char *sso_url;            /* SingleSignOnService HTTP-Redirect Location */
    const char *slo_url;            /* SingleLogoutService HTTP-Redirect Location, or NULL */
    apr_array_header_t *certs;      /* X509* of every KeyDescriptor use="signing" (or no use)
                                     * in IDPSSODescriptor, deduplicated */
} saml_idp_metadata_t;

/* Parse metadata from memory; tolerates a UTF-8 byte-order mark. Refuses
 * (SAML_EREJECTED) metadata without an IDPSSODescriptor or without any signing key. */
apr_status_t saml_idp_metadata_parse(apr_pool_t *p, const char *buf, apr_size_t len,
                                     saml_idp_metadata_t **out, saml_err_t *err);

/* What metadata fetched from a URL must satisfy beyond saml_idp_metadata_parse. */
typedef struct saml_idp_metadata_rules {
    const char *entity_id;              /* the entityID it must have; NULL: any (first fetch) */
    const apr_array_header_t *trusted;  /* X509*: the IdP's signing certificates trusted now
                                           (the copy accepted last); NULL or empty: none yet */
    apr_time_t now;
} saml_idp_metadata_rules_t;

/* Parse and accept fetched metadata: entityID as rules say (check
 * "metadata-entity-id"), at least one signing certificate not expired at
 * rules->now ("metadata-expired"), and an EntityDescriptor signature, when
 * present, that verifies with rules->trusted ("metadata-signature"; see
 * idp_metadata.c for which key and why). Every refusal is SAML_EREJECTED or
 * the parser's status, with a detail fit for a log line. */
apr_status_t saml_idp_metadata_accept(apr_pool_t *p, const char *buf, apr_size_t len,
                                      const saml_idp_metadata_rules_t *rules,
                                      saml_idp_metadata_t **out, saml_err_t *err);

apr_status_t saml_idp_metadata_load_file(apr_pool_t *p, const char *path,
                                         saml_idp_metadata_t **out, saml_err_t *err);

#endif
