/* An identity provider as the protocol sees it: the default IdP of a server
 * or one of its tenants, which of them a message belongs to (by the Issuer it
 * claims, before anything is verified), and which of its certificates may
 * verify signatures. The module, the admin tool and the handlers share these
 * rules; the configuration that fills an IdP in lives outside the core. */
#ifndef SAML_IDP_H
#define SAML_IDP_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <openssl/x509.h>
#include "saml/error.h"
#include "saml/signature.h"
#include "saml/xml.h"

typedef struct saml_idp {
    const char *name;                 /* "" (or NULL) for the server's default IdP, else
                                         the tenant's name */
    const char *entity_id;            /* NULL while not configured */
    const char *sso_url;
    const char *slo_url;              /* NULL: none known; "": SLO turned off */
    const apr_array_header_t *certs;  /* X509*: every configured signing certificate */
    const saml_verifier_t *verifier;  /* NULL: this IdP cannot verify anything */
    int expired_certs;                /* configured but left out of the verifier */
} saml_idp_t;

/* ---- certificates ---------------------------------------------------------- */

/* Whether cert may verify signatures at now: an expired one is left out
 * (Azure switches to the next certificate by itself when one expires, and a
 * retired key must not keep signing people in) unless allow_expired
 * (SequrSAMLAllowExpiredIdPCertificate On). */
int saml_idp_cert_usable(X509 *cert, apr_time_t now, int allow_expired);

/* The certificates of certs (X509*, may be NULL) that saml_idp_cert_usable
 * keeps, in order; *expired (if non-NULL) counts those left out. */
apr_array_header_t *saml_idp_usable_certs(apr_pool_t *p, const apr_array_header_t *certs,
                                          apr_time_t now, int allow_expired, int *expired);

/* ---- which IdP a message belongs to ---------------------------------------- */

typedef enum {
    /* Responses (the ACS): the IdP's entity id, exactly. */
    SAML_IDP_ISSUER_EXACT = 0,
    /* Logout messages: saml_logout_issuer_ok (Entra writes
     * https://login.microsoftonline.com/<tenant>/ on them where its
     * responses say https://sts.windows.net/<tenant>/). */
    SAML_IDP_ISSUER_LOGOUT
} saml_idp_issuer_rule_t;

/* Whether idp is the one issuer names under rule. */
int saml_idp_issuer_matches(const saml_idp_t *idp, const char *issuer,
                            saml_idp_issuer_rule_t rule);

/* The IdP of idps (saml_idp_t, the default IdP first, then the tenants in
 * order) that can verify (has a verifier) and that issuer names under rule;
 * NULL when issuer is NULL or no such IdP exists. The issuer is untrusted: it
 * only chooses whose keys and rules then decide. (Entity ids are unique per
 * server, checked at start-up, so at most one IdP matches exactly.) */
const saml_idp_t *saml_idp_by_issuer(const apr_array_header_t *idps, const char *issuer,
                                     saml_idp_issuer_rule_t rule);

/* The Issuer the root element of an untrusted document claims, the root being
 * one of names (in the protocol namespace; else SAML_EMALFORMED, check
 * "shape"), or, when it has none and child names an element under the root,
 * that element's Issuer. *issuer is NULL when there is none; errors are the
 * parser's (size, DTD, shape). Read ONLY to choose an IdP. */
apr_status_t saml_idp_claimed_issuer(apr_pool_t *p, const char *xml, apr_size_t xml_len,
                                     const saml_xml_limits_t *limits,
                                     const char *const *names, const char *child,
                                     const char **issuer, saml_err_t *err);

/* The Issuer a message claims, read from the untrusted document ONLY to
 * choose which IdP's keys and rules then apply: for SAML_IDP_ISSUER_EXACT a
 * Response's (else its Assertion's), for SAML_IDP_ISSUER_LOGOUT a
 * LogoutRequest's or LogoutResponse's (saml_idp_claimed_issuer). */
apr_status_t saml_idp_message_issuer(apr_pool_t *p, const char *xml, apr_size_t xml_len,
                                     const saml_xml_limits_t *limits,
                                     saml_idp_issuer_rule_t rule, const char **issuer,
                                     saml_err_t *err);

/* Which of idps (as saml_idp_by_issuer takes them) a message is for: the only
 * one when there are no tenants; else the one the Issuer the message claims
 * names under rule, read from a SAML Response (its Assertion's Issuer when the
 * Response has none) for SAML_IDP_ISSUER_EXACT, from a LogoutRequest or
 * LogoutResponse for SAML_IDP_ISSUER_LOGOUT. Refuses an unreadable message
 * with the parser's status and check (a logout message: SAML_EMALFORMED, check
 * "logout-message" when the parser named none), and an Issuer no IdP answers
 * to with SAML_EREJECTED, check "issuer". The ACS and logout both choose here. */
apr_status_t saml_idp_choose(apr_pool_t *p, const apr_array_header_t *idps, const char *xml,
                             apr_size_t xml_len, const saml_xml_limits_t *limits,
                             saml_idp_issuer_rule_t rule, const saml_idp_t **idp,
                             saml_err_t *err);

/* ---- where to reach it ------------------------------------------------------ */

/* The IdP's logout URL, or NULL when it has none or SLO is turned off. */
const char *saml_idp_slo_url(const saml_idp_t *idp);

/* Where our LogoutResponse to the IdP's LogoutRequest goes: its logout URL,
 * else its sign-on URL (Azure's Logout URL is its sign-on URL). */
const char *saml_idp_logout_answer_url(const saml_idp_t *idp);

#endif
