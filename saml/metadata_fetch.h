/* Fetching an IdP's federation metadata over https (SequrSAMLIdPMetadataURL,
 * sequr-saml-admin import-metadata --url). Only the transfer: what the
 * document must say is saml_idp_metadata_accept's. */
#ifndef SAML_METADATA_FETCH_H
#define SAML_METADATA_FETCH_H

#include <apr_pools.h>
#include "saml/error.h"

#define SAML_METADATA_FETCH_MAX_BYTES (1024 * 1024)  /* Entra's app metadata is ~5 KB */
#define SAML_METADATA_FETCH_TIMEOUT_MS 5000

typedef struct saml_fetch_options {
    const char *ca_file;      /* PEM bundle to verify the server with; NULL: the system's */
    long timeout_ms;          /* the whole transfer, connect included; 0: the default */
    apr_size_t max_bytes;     /* 0: SAML_METADATA_FETCH_MAX_BYTES */
} saml_fetch_options_t;

/* Call once per process before any thread fetches (curl_global_init is not
 * thread-safe on every build). */
void saml_metadata_fetch_init(void);

/* GET url (https only: anything else is SAML_EREJECTED "metadata-url") with
 * the server certificate verified against the CA bundle and the host name
 * checked; no redirects followed. The body (NUL-terminated) into *body. A
 * failed transfer (DNS, connect, TLS, timeout) is SAML_EUNAVAILABLE
 * "metadata-fetch", an HTTP status other than 200 SAML_EREJECTED
 * "metadata-http", a body over the cap SAML_ETOOLARGE "metadata-size"
 * (the transfer stops at the cap). Thread-safe. */
apr_status_t saml_metadata_fetch(apr_pool_t *p, const char *url, const saml_fetch_options_t *o,
                                 char **body, apr_size_t *len, saml_err_t *err);

#endif
