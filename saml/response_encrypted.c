/* Azure's optional token encryption, as one step of validating a Response
 * (response.c applies the rules in order and calls the two functions here):
 * the shape an EncryptedAssertion must have, and how the Assertion it holds
 * gets the same signature rules as a plain one. The decryption itself is
 * decrypt.c. */
#include "saml/response_internal.h"

#include "saml/decrypt.h"

/* Token encryption: the one EncryptedAssertion is a direct child of the root,
 * with no Assertion anywhere beside it, and we hold a key to open it. */
apr_status_t saml_response_check_encrypted_shape(validation_t *v, int plain, int encrypted)
{
    int direct = 0;

    v->assertion = NULL;
    v->encrypted = saml_xml_child(v->response, SAML_NS_ASSERTION, "EncryptedAssertion", &direct);
    if (plain)
        return FAIL(v, SAML_EREJECTED, "encrypted-assertion",
                    "both an Assertion and an EncryptedAssertion are present");
    if (direct != 1 || encrypted != 1)
        return FAIL(v, SAML_EREJECTED, "encrypted-assertion",
                    "%d EncryptedAssertion(s) under Response and %d in the document, "
                    "expected exactly 1", direct, encrypted);
    if (v->pol->sp_key == NULL && (v->pol->sp_keys == NULL || v->pol->sp_keys->nelts == 0))
        return FAIL(v, SAML_EREJECTED, "encrypted-assertion",
                    "the assertion is encrypted (token encryption is on in Microsoft Entra ID, "
                    "Azure AD) but no SP private key is configured to decrypt it: configure "
                    "the SP key pair whose certificate Entra encrypts for, or turn token "
                    "encryption off");
    return APR_SUCCESS;
}

/* The decrypted Assertion gets the same rules as a plain one: the Response's
 * signature (over the EncryptedAssertion, verified before decrypting) or the
 * Assertion's own, checked in the decrypted document, where the Assertion is
 * the only one and its Signature the only one. Until that signature holds,
 * every failure is check "encryption": with AES-CBC an attacker who alters
 * ciphertext must not learn whether the plaintext still parsed (the
 * Jager-Somorovsky XML Encryption oracle); the detail, for the log, is exact. */
apr_status_t saml_response_verify_encrypted(validation_t *v, xmlNodePtr response_sig)
{
    xmlNodePtr assertion_sig = NULL;
    xmlDocPtr plain;
    saml_err_t inner = { NULL, NULL };
    apr_status_t rv;
    int total;

    total = saml_response_count(xmlDocGetRootElement(v->doc), SAML_NS_DSIG, "Signature");
    if (total != (response_sig != NULL))
        return FAIL(v, SAML_EREJECTED, "signature-shape",
                    "%d Signature element(s) beside the EncryptedAssertion, only %d where SAML "
                    "puts them", total, response_sig != NULL);
    if (response_sig &&
        (rv = saml_signature_verify(v->p, v->pol->verifier, v->response, response_sig,
                                    v->err)) != APR_SUCCESS)
        return rv;
    v->response_signed = response_sig != NULL;

    rv = v->pol->sp_keys && v->pol->sp_keys->nelts
         ? saml_decrypt_assertion_any(v->p, v->pol->sp_keys, v->encrypted, &v->pol->limits,
                                      &v->assertion, v->err)
         : saml_decrypt_assertion(v->p, v->pol->sp_key, v->encrypted, &v->pol->limits,
                                  &v->assertion, v->err);
    if (rv != APR_SUCCESS)
        return rv;
    plain = v->assertion->doc;
    if (saml_response_count(plain->children, SAML_NS_ASSERTION, "Assertion") != 1 ||
        saml_response_count(plain->children, SAML_NS_ASSERTION, "EncryptedAssertion") != 0)
        return FAIL(v, SAML_EREJECTED, "encryption",
                    "the decrypted Assertion holds another (Encrypted)Assertion");
    if ((rv = saml_signature_find(v->assertion, &assertion_sig, &inner)) != APR_SUCCESS ||
        saml_response_count(plain->children, SAML_NS_DSIG, "Signature") != (assertion_sig != NULL))
        return FAIL(v, SAML_EREJECTED, "encryption", "decrypted Assertion: signature-shape: %s",
                    inner.detail ? inner.detail : "a Signature where SAML puts none");
    if (assertion_sig == NULL && response_sig == NULL)
        return FAIL(v, SAML_EREJECTED, "encryption", "decrypted Assertion: signature-missing: "
                    "neither the Response nor the decrypted Assertion is signed");
    if (assertion_sig == NULL && !saml_decrypted_self_contained(v->assertion))
        return FAIL(v, SAML_EREJECTED, "encryption", "decrypted Assertion: signature-missing: "
                    "it uses namespaces declared outside the encrypted data, which only its "
                    "own signature would cover, and it is not signed");
    if (assertion_sig &&
        saml_signature_verify(v->p, v->pol->verifier, v->assertion, assertion_sig,
                              &inner) != APR_SUCCESS)
        return FAIL(v, SAML_EREJECTED, "encryption", "decrypted Assertion: %s: %s",
                    inner.check, inner.detail);
    TRACE(v, "signature", "EncryptedAssertion decrypted with the SP key; %s; %s",
          saml_response_signature_summary(v, "Response", response_sig),
          saml_response_signature_summary(v, "Assertion", assertion_sig));
    return APR_SUCCESS;
}
