/* The SAML HTTP-Redirect binding for messages both ways: DEFLATE + base64 in
 * a query string, and the query-string signature of bindings 3.4.4.1
 * (SigAlg + Signature over the exact URL-encoded bytes). */
#ifndef SAML_REDIRECT_BINDING_H
#define SAML_REDIRECT_BINDING_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <openssl/evp.h>
#include "saml/error.h"

#define SAML_SIGALG_RSA_SHA1   "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
#define SAML_SIGALG_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define SAML_SIGALG_ECDSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"

/* base_url + ('?' or '&') + param=urlencode(base64(deflate(xml)))
 * [&RelayState=urlencode(relay_state)], and when key is set
 * &SigAlg=..&Signature=.. (rsa-sha256 for an RSA key, ecdsa-sha256 for EC;
 * DER-encoded ECDSA as OpenSSL writes it). param is "SAMLRequest" or
 * "SAMLResponse". */
apr_status_t saml_redirect_encode(apr_pool_t *p, const char *base_url, const char *param,
                                  const char *xml, const char *relay_state, EVP_PKEY *key,
                                  const char **url, saml_err_t *err);

typedef struct saml_redirect_message {
    const char *param;                /* "SAMLRequest" or "SAMLResponse" */
    char *xml;                        /* inflated, NUL-terminated */
    apr_size_t xml_len;
    const char *relay_state;          /* decoded, or NULL */
    const char *sig_alg;              /* decoded, or NULL: unsigned */
    const unsigned char *signature;   /* decoded, or NULL */
    apr_size_t signature_len;
    const char *signed_part;          /* the bytes the signature covers, as received */
} saml_redirect_message_t;

/* Read a query string exactly as received (still URL-encoded). Exactly one of
 * SAMLRequest and SAMLResponse; any of the five SAML parameters given twice,
 * a Signature without SigAlg or the reverse is refused (SAML_EMALFORMED);
 * other parameters are ignored and not part of the signed bytes. The message
 * is inflated with max_xml as a hard cap (a deflate bomb: SAML_ETOOLARGE,
 * check "inflate-size"). Nothing is verified here. */
apr_status_t saml_redirect_parse(apr_pool_t *p, const char *query, apr_size_t max_xml,
                                 saml_redirect_message_t **out, saml_err_t *err);

/* True when the query carries a SAMLRequest or SAMLResponse parameter. */
int saml_redirect_has_message(const char *query);

/* Verify m's query signature with one of certs (X509*, the configured IdP
 * certificates only). SigAlg must be RSA or ECDSA with SHA-256/384/512 (SHA-1
 * only when allow_sha1); the key type must fit the algorithm. Refuses an
 * unsigned message (check "signature-missing"). */
apr_status_t saml_redirect_verify(apr_pool_t *p, const saml_redirect_message_t *m,
                                  const apr_array_header_t *certs, int allow_sha1,
                                  saml_err_t *err);

#endif
