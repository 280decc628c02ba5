/* XML-DSig verification of one enveloped signature against configured keys only. */
#ifndef SAML_SIGNATURE_H
#define SAML_SIGNATURE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <libxml/tree.h>
#include "saml/error.h"

/* Keys prepared once at start-up from the configured IdP certificates
 * (several = rollover). Read-only after creation; safe to share between threads. */
typedef struct saml_verifier saml_verifier_t;

typedef struct saml_verifier_options {
    int allow_sha1;   /* accept rsa-sha1 / ecdsa-sha1 and the sha1 digest */
} saml_verifier_options_t;

/* certs: array of X509* (not taken over; the verifier keeps its own copies,
 * freed with p). Refuses an empty list and certificates whose key type is not
 * RSA or EC. */
apr_status_t saml_verifier_create(apr_pool_t *p, const apr_array_header_t *certs,
                                  const saml_verifier_options_t *opts,
                                  saml_verifier_t **out, saml_err_t *err);

/* If `signed_elem` carries an enveloped ds:Signature as a direct child, sets
 * *sig to it; refuses (SAML_EREJECTED, "signature-shape") more than one. *sig is
 * NULL when the element is not signed. */
apr_status_t saml_signature_find(const xmlNode *signed_elem, xmlNodePtr *sig,
                                 saml_err_t *err);

/* Verify `sig`, an enveloped signature over `signed_elem`:
 *  - shape: SignedInfo, SignatureValue, optional KeyInfo, nothing else; exactly
 *    one Reference whose URI is "#" + signed_elem's ID, and the document's ID
 *    lookup of that value is signed_elem itself (pointer identity);
 *  - algorithms: exclusive c14n (with or without comments) for SignedInfo;
 *    transforms exactly enveloped-signature then exclusive c14n (or enveloped
 *    alone); RSA or ECDSA with SHA-256/384/512, SHA-1 only when allowed; no HMAC,
 *    MD5, XPath, XSLT, base64 or unknown algorithm;
 *  - key: one of the configured certificates' keys; KeyInfo is never trusted;
 *  - crypto: xmlsec verifies digest and signature, status must be Succeeded.
 * p is for error strings. */
apr_status_t saml_signature_verify(apr_pool_t *p, const saml_verifier_t *v,
                                   xmlNodePtr signed_elem, xmlNodePtr sig,
                                   saml_err_t *err);

#endif
