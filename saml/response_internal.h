/* Private to response.c and response_encrypted.c: one validation in
 * progress, shared by the steps of saml_response_validate. Not an API. */
#ifndef SAML_RESPONSE_INTERNAL_H
#define SAML_RESPONSE_INTERNAL_H

#include "saml/response.h"

typedef struct validation {
    apr_pool_t *p;
    const saml_response_policy_t *pol;
    saml_err_t *err;
    xmlDocPtr doc;
    xmlNodePtr response;
    xmlNodePtr assertion;       /* with token encryption: in the decrypted document */
    xmlNodePtr encrypted;       /* the one EncryptedAssertion, or NULL */
    int response_signed;        /* the Response's own signature verified */
    saml_assertion_t *out;
} validation_t;

#define FAIL(v, status, check, ...) saml_fail((v)->p, (v)->err, status, check, __VA_ARGS__)
#define ESC(v, s) saml_log_escape((v)->p, (s), 200)
#define TRACE(v, check, ...) SAML_TRACE((v)->pol->trace, (v)->p, check, __VA_ARGS__)

/* response.c: elements ns:name at node, its siblings and below. */
int saml_response_count(const xmlNode *node, const char *ns, const char *name);

/* response.c: for the debug trace, what a verified signature pointed at. */
const char *saml_response_signature_summary(validation_t *v, const char *what, xmlNodePtr sig);

/* response_encrypted.c: the shape rules when the document holds `encrypted`
 * EncryptedAssertion(s) and `plain` Assertion(s); sets v->encrypted. */
apr_status_t saml_response_check_encrypted_shape(validation_t *v, int plain, int encrypted);

/* response_encrypted.c: the signatures of a Response carrying the
 * EncryptedAssertion, decrypting it into v->assertion on the way. */
apr_status_t saml_response_verify_encrypted(validation_t *v, xmlNodePtr response_sig);

#endif
