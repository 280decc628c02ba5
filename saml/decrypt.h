/* Azure's optional token encryption: one EncryptedAssertion opened with the
 * SP's own private key (see decrypt.c for the allowed algorithms). */
#ifndef SAML_DECRYPT_H
#define SAML_DECRYPT_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include "saml/error.h"
#include "saml/xml.h"

/* Algorithms we accept, for the SP metadata's EncryptionMethod list. */
#define SAML_XENC_AES128_CBC  "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
#define SAML_XENC_AES256_CBC  "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
#define SAML_XENC_AES128_GCM  "http://www.w3.org/2009/xmlenc11#aes128-gcm"
#define SAML_XENC_AES256_GCM  "http://www.w3.org/2009/xmlenc11#aes256-gcm"
#define SAML_XENC_RSA_OAEP_MGF1P "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
#define SAML_XENC_RSA_OAEP    "http://www.w3.org/2009/xmlenc11#rsa-oaep"

/* Decrypt `encrypted_assertion` (a saml:EncryptedAssertion element) with
 * sp_key (RSA) and parse the plaintext with the same guarded parser and
 * limits as the response, in the namespace context of the EncryptedData (as
 * XML Encryption decrypts in place). On success *assertion is the decrypted
 * saml:Assertion, the only element under the root of a new document freed
 * with p (the root stands in for the EncryptedAssertion and carries those
 * namespace declarations); nothing about it is verified yet.
 *
 * Every failure is SAML_EREJECTED with check "encryption". Failures that
 * depend on the ciphertext (key transport, padding, GCM tag, key length,
 * plaintext not an Assertion) share one detail, and a failed key transport
 * goes on with a random key, so neither the answer nor the path taken tells
 * an attacker which one it was. Shape and algorithm refusals (RSA-1_5,
 * CipherReference, a RetrievalMethod that leaves the EncryptedAssertion) are
 * named, as they depend only on what the sender wrote. */
apr_status_t saml_decrypt_assertion(apr_pool_t *p, EVP_PKEY *sp_key,
                                    const xmlNode *encrypted_assertion,
                                    const saml_xml_limits_t *limits,
                                    xmlNodePtr *assertion, saml_err_t *err);

/* The same with any of sp_keys (EVP_PKEY*, RSA; at least one): an SP key
 * rollover keeps the old key pair next to the new one while Entra may still
 * encrypt for either. Every key is tried on the wrapped key (none is skipped
 * once one fits), and the one whose RSA-OAEP unwrap succeeds opens the content;
 * when none does, a random key does, as above. */
apr_status_t saml_decrypt_assertion_any(apr_pool_t *p, const apr_array_header_t *sp_keys,
                                        const xmlNode *encrypted_assertion,
                                        const saml_xml_limits_t *limits,
                                        xmlNodePtr *assertion, saml_err_t *err);

/* True when every namespace the decrypted Assertion's elements and attributes
 * use is declared inside it. Namespaces it takes from the EncryptedData's
 * context are covered by no Response signature (exclusive c14n leaves out a
 * declaration the signed elements do not use, so one could be added there to
 * rebind a prefix); only the Assertion's own signature covers them. */
int saml_decrypted_self_contained(const xmlNode *assertion);

/* The one detail of every ciphertext-dependent failure (tests compare it). */
#define SAML_DECRYPT_FAILED "the EncryptedAssertion does not decrypt with the SP key into one " \
    "Assertion (Microsoft Entra ID, Azure AD, has another token encryption certificate, or " \
    "the data was altered)"

#endif
