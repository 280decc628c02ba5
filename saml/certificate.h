/* Loading the IdP's and SP's certificates and keys from what admins download. */
#ifndef SAML_CERTIFICATE_H
#define SAML_CERTIFICATE_H

#include <apr_pools.h>
#include <openssl/x509.h>
#include <openssl/evp.h>
#include "saml/error.h"

/* Load one X.509 certificate from a file holding PEM, bare Base64 DER (Azure's
 * "Certificate (Base64)" download, with or without line breaks) or raw DER.
 * The certificate is freed with p. err->detail says what is wrong ("cannot
 * read: Permission denied", "not a certificate"). */
apr_status_t saml_cert_load_file(apr_pool_t *p, const char *path, X509 **out,
                                 saml_err_t *err);

/* Same from memory (base64 text with optional whitespace, as in metadata). */
apr_status_t saml_cert_from_base64(apr_pool_t *p, const char *b64, X509 **out,
                                   saml_err_t *err);

/* A private key from a PEM file (unencrypted), freed with p. */
apr_status_t saml_key_load_file(apr_pool_t *p, const char *path, EVP_PKEY **out,
                                saml_err_t *err);

/* Base64 of the DER encoding (no line breaks), for metadata and KeyInfo. */
const char *saml_cert_base64(apr_pool_t *p, X509 *cert);

/* "CN=..., O=..." one-line subject, and notAfter as apr_time_t. */
const char *saml_cert_subject(apr_pool_t *p, X509 *cert);
apr_time_t saml_cert_not_after(X509 *cert);

#endif
