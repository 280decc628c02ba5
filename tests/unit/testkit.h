/* Test-time material: throwaway keys and certificates made fresh by each run,
 * so no fixture ever expires. Shared by every unit test program. */
#ifndef SEQUR_TESTKIT_H
#define SEQUR_TESTKIT_H

#include <apr_pools.h>
#include <apr_time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <limits.h>
#include <apr_tables.h>

#include "saml/response.h"

typedef struct tk_keypair {
    EVP_PKEY *key;
    X509 *cert;       /* self-signed, valid from now-1h for `days` */
} tk_keypair_t;

/* Run a suite (forking per test, as check does by default) and give main()'s
 * exit status: 0 when every test passed. */
#include <check.h>
int tk_run_suite(Suite *s);

/* A pool for one test, created on first use and destroyed by tk_teardown. */
apr_pool_t *tk_pool(void);
void tk_setup(void);     /* apr_initialize + saml_crypto_init; idempotent */
void tk_teardown(void);  /* clears tk_pool */

/* RSA (bits) or EC P-256 (bits == 0) key with a self-signed certificate
 * CN=cn, valid for days (negative: already expired). Freed with p. */
tk_keypair_t *tk_keypair_new(apr_pool_t *p, int bits, const char *cn, int days);

typedef enum { TK_PEM, TK_BASE64_DER, TK_BASE64_DER_ONE_LINE, TK_DER } tk_cert_format_t;

/* Write cert in the given format to a fresh file under a temporary directory;
 * returns its path (removed with p). */
const char *tk_write_cert(apr_pool_t *p, X509 *cert, tk_cert_format_t fmt);
/* Write an unencrypted PEM private key; returns its path. */
const char *tk_write_key(apr_pool_t *p, EVP_PKEY *key);
/* One scratch directory per test program: main() makes it before the runner
 * forks and removes it afterwards, so files of a test whose process ended
 * early (a failed check _exits before teardown) are still cleaned up. */
void tk_run_dir_make(const char *name);
void tk_run_dir_remove(void);
/* A fresh path in the run directory, unique across forked tests, unlinked
 * when p is cleared. The file itself is not created. */
const char *tk_run_path(apr_pool_t *p, const char *prefix);

/* A fresh file store (1024 entries, 4096-byte values) in the run directory. */
struct saml_store *tk_file_store(apr_pool_t *p);

/* Write arbitrary bytes to a fresh temp file; returns its path. */
const char *tk_write_file(apr_pool_t *p, const char *data, apr_size_t len);

/* ---- SAML responses shaped like Microsoft Entra ID's, signed at test time ----
 *
 * Typical use:
 *     tk_response_opts_t o;
 *     tk_keypair_t *idp = tk_keypair_new(p, 2048, "idp", 30);
 *     saml_response_policy_t pol = tk_policy(p, idp);
 *     tk_response_defaults(p, &o);
 *     o.name_id = "bob@contoso.example";           // change what the test is about
 *     const char *xml = tk_response_signed(p, &o, idp);
 *     rv = saml_response_validate(p, xml, strlen(xml), &pol, &a, &err);
 *
 * To break a rule that the options cannot express, build, mutate the string
 * with tk_replace, then sign: tk_response_sign(p, tk_replace(p, tk_response_build(p, &o),
 * "Version=\"2.0\"", "Version=\"2.1\""), &o, idp). Mutating after signing tests
 * what a verifier does with a tampered document.
 *
 * The defaults (tk_response_defaults) are an unsolicited (IdP-initiated)
 * Azure response: samlp:Response with Issuer, Status Success, Destination
 * TK_ACS_URL; an Assertion in the default namespace with Issuer
 * TK_IDP_ENTITY_ID, NameID (emailAddress format) "alice@contoso.example", a
 * bearer SubjectConfirmation (Recipient TK_ACS_URL, NotOnOrAfter now+5 min),
 * Conditions NotBefore=now, NotOnOrAfter=now+70 min, Audience
 * TK_SP_ENTITY_ID, Azure's claims (name, emailaddress, objectidentifier,
 * tenantid, displayname, two groups) and an AuthnStatement with SessionIndex =
 * assertion ID. Signed: assertion only, rsa-sha256 / sha256, exc-c14n.
 * Every timestamp is o.now + an offset in seconds, written with milliseconds
 * like Azure ("2026-11-25T14:56:23.123Z"); o.now has millisecond precision, so a
 * test may set policy.now = o.now + k seconds and hit a boundary exactly.
 *
 * Signed output is re-serialised by libxml2: it starts with <?xml version="1.0"?>,
 * empty elements become <x/>, the Signature is in the default dsig namespace
 * (no prefix) right after the signed element's Issuer, its children on their
 * own lines. Write string surgery against those forms (tk_replace aborts when
 * its needle is missing, so a wrong needle fails loudly).
 *
 * InResponseTo: set o.in_response_to for an SP-initiated answer; it is written
 * on the Response and on SubjectConfirmationData. The validator trusts a
 * Response-only InResponseTo only when the Response itself is signed. */

#define TK_TENANT_ID     "8c2f5e1a-3b7d-4c9e-a1f0-6d2b9e7c4a15"
#define TK_IDP_ENTITY_ID "https://sts.windows.net/" TK_TENANT_ID "/"
#define TK_IDP_SSO_URL   "https://login.microsoftonline.com/" TK_TENANT_ID "/saml2"
#define TK_SP_ENTITY_ID  "https://sp.example.test/saml/metadata"
#define TK_ACS_URL       "https://sp.example.test/saml/acs"

#define TK_CLAIM_NAME        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
#define TK_CLAIM_EMAIL       "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
#define TK_CLAIM_OBJECTID    "http://schemas.microsoft.com/identity/claims/objectidentifier"
#define TK_CLAIM_TENANTID    "http://schemas.microsoft.com/identity/claims/tenantid"
#define TK_CLAIM_DISPLAYNAME "http://schemas.microsoft.com/identity/claims/displayname"
#define TK_CLAIM_GROUPS      "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"

#define TK_STATUS_SUCCESS "urn:oasis:names:tc:SAML:2.0:status:Success"
#define TK_CM_BEARER      "urn:oasis:names:tc:SAML:2.0:cm:bearer"

/* Algorithm URIs for tk_sign / opts.sig_alg / opts.digest_alg. */
#define TK_RSA_SHA1     "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
#define TK_RSA_SHA256   "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define TK_RSA_SHA384   "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
#define TK_RSA_SHA512   "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
#define TK_ECDSA_SHA1   "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"
#define TK_ECDSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define TK_HMAC_SHA256  "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
#define TK_RSA_MD5      "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"
#define TK_SHA1         "http://www.w3.org/2000/09/xmldsig#sha1"
#define TK_SHA256       "http://www.w3.org/2001/04/xmlenc#sha256"
#define TK_SHA512       "http://www.w3.org/2001/04/xmlenc#sha512"
#define TK_MD5          "http://www.w3.org/2001/04/xmldsig-more#md5"
#define TK_EXC_C14N     "http://www.w3.org/2001/10/xml-exc-c14n#"
#define TK_ENVELOPED    "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

/* Time offsets (seconds from opts.now) use this to leave the attribute out. */
#define TK_NO_TIME LONG_MIN

typedef enum { TK_SIGN_ASSERTION = 0, TK_SIGN_RESPONSE, TK_SIGN_BOTH, TK_SIGN_NONE } tk_sign_t;

typedef struct tk_attribute {
    const char *name;
    apr_array_header_t *values;   /* const char*, XML-escaped when written */
} tk_attribute_t;

/* Every string is XML-escaped when written; NULL leaves the element or
 * attribute out (except where noted). */
typedef struct tk_response_opts {
    apr_time_t now;                    /* base of every offset, ms precision */
    const char *response_id;           /* "_" + GUID */
    const char *assertion_id;          /* "_" + GUID */
    const char *response_issuer;       /* Response/Issuer: TK_IDP_ENTITY_ID */
    const char *assertion_issuer;      /* Assertion/Issuer: TK_IDP_ENTITY_ID */
    const char *destination;           /* TK_ACS_URL */
    const char *in_response_to;        /* Response/@InResponseTo: NULL (unsolicited) */
    const char *scd_in_response_to;    /* NULL: same as in_response_to; TK_OMIT: left out */
    const char *status_code;           /* TK_STATUS_SUCCESS */
    const char *status_code2;          /* nested second-level StatusCode: NULL */
    const char *status_message;        /* NULL */
    const char *name_id;               /* "alice@contoso.example" */
    const char *name_id_format;        /* emailAddress */
    const char *subject_confirmation_method; /* TK_CM_BEARER */
    const char *recipient;             /* SCD Recipient: TK_ACS_URL */
    const char *audience;              /* TK_SP_ENTITY_ID; NULL: no AudienceRestriction */
    const char *audience2;             /* a second AudienceRestriction if set: NULL */
    const char *session_index;         /* = assertion_id when NULL after defaults */
    long issue_instant;                /* 0 (both Response and Assertion) */
    long not_before;                   /* Conditions: 0 */
    long not_on_or_after;              /* Conditions: +4200 (70 min) */
    long scd_not_before;               /* TK_NO_TIME */
    long scd_not_on_or_after;          /* +300 */
    long authn_instant;                /* -60 */
    long session_not_on_or_after;      /* TK_NO_TIME */
    int no_conditions;                 /* leave Conditions out */
    int no_authn_statement;            /* leave AuthnStatement out */
    int no_subject_confirmation;       /* leave SubjectConfirmation out */
    apr_array_header_t *attributes;    /* tk_attribute_t, Azure's claims */
    tk_sign_t sign;                    /* TK_SIGN_ASSERTION */
    const char *sig_alg;               /* TK_RSA_SHA256 */
    const char *digest_alg;            /* TK_SHA256 */
} tk_response_opts_t;

extern const char tk_omit[];
#define TK_OMIT tk_omit

void tk_response_defaults(apr_pool_t *p, tk_response_opts_t *o);
/* Append an Attribute with the given values (NULL-terminated list). */
void tk_add_attribute(apr_pool_t *p, tk_response_opts_t *o, const char *name, ...);
/* "_" + a random GUID, as Azure writes IDs. */
const char *tk_guid_id(apr_pool_t *p);
/* xs:dateTime with milliseconds, UTC. */
const char *tk_time(apr_pool_t *p, apr_time_t t);

/* The unsigned response XML. */
const char *tk_response_build(apr_pool_t *p, const tk_response_opts_t *o);
/* Sign xml as o->sign says (assertion first, then response for TK_SIGN_BOTH). */
const char *tk_response_sign(apr_pool_t *p, const char *xml, const tk_response_opts_t *o,
                             const tk_keypair_t *kp);
/* tk_response_build then tk_response_sign. */
const char *tk_response_signed(apr_pool_t *p, const tk_response_opts_t *o,
                               const tk_keypair_t *kp);

/* Fine control of one enveloped signature. */
typedef struct tk_sign_opts {
    const char *sig_alg;          /* TK_RSA_SHA256 */
    const char *digest_alg;       /* TK_SHA256 */
    const char *c14n_alg;         /* TK_EXC_C14N */
    const char *transforms[4];    /* {TK_ENVELOPED, TK_EXC_C14N, NULL} */
    const char *reference_uri;    /* "#" + element_id */
    X509 *keyinfo_cert;           /* cert written into KeyInfo: the signer's; */
    int no_keyinfo;               /* 1: no KeyInfo at all */
} tk_sign_opts_t;

void tk_sign_defaults(tk_sign_opts_t *so);
/* xml with an enveloped Signature inserted into the element whose ID
 * attribute is element_id, right after its Issuer child (first child if it
 * has none), signed by kp with xmlsec. Aborts if the element is missing. */
const char *tk_sign(apr_pool_t *p, const char *xml, const char *element_id,
                    const tk_keypair_t *kp, const char *sig_alg, const char *digest_alg);
const char *tk_sign_ex(apr_pool_t *p, const char *xml, const char *element_id,
                       const tk_keypair_t *kp, const tk_sign_opts_t *so);

/* Policy matching the defaults: TK_SP_ENTITY_ID, TK_ACS_URL, TK_IDP_ENTITY_ID,
 * a verifier for kp->cert (SHA-1 off), skew 180 s, now = apr_time_now(),
 * default XML limits, identity from the NameID. */
saml_response_policy_t tk_policy(apr_pool_t *p, const tk_keypair_t *kp);

/* The browser that started req, as the login handler leaves it: req sealed
 * (until expiry) into its cookie, appended to pol's Cookie header, and pol
 * set to read such cookies (a fixed test key and scope). */
#include "saml/acs.h"
void tk_browser_started(apr_pool_t *p, saml_acs_policy_t *pol, const saml_pending_request_t *req,
                        apr_time_t expiry);
extern const saml_pending_key_t tk_pending_key;
#define TK_PENDING_SCOPE "http://sp.example:80|sequr_saml_session|" TK_SP_ENTITY_ID
#define TK_PENDING_BASE  "sequr_saml_session-req"
/* A verifier over one or two certificates (second may be NULL). */
saml_verifier_t *tk_verifier(apr_pool_t *p, X509 *a, X509 *b, int allow_sha1);

/* String surgery for attack documents. tk_replace replaces the first
 * occurrence of needle (aborts when absent: a test must not silently test
 * nothing); tk_replace_all every occurrence; tk_between returns the first
 * substring that starts with `start` and ends with the next `end`, both
 * included (aborts when absent). */
const char *tk_replace(apr_pool_t *p, const char *s, const char *needle, const char *with);
const char *tk_replace_all(apr_pool_t *p, const char *s, const char *needle, const char *with);
const char *tk_between(apr_pool_t *p, const char *s, const char *start, const char *end);

#endif
