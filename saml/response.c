/* What a valid SAMLResponse is. Every rule lives here, in the order they are
 * applied: the document's shape first (one Assertion, signatures only where
 * SAML puts them), then the signatures, and only then anything we read out of
 * the verified elements. Nothing is taken from outside the verified Response
 * or Assertion: every element below is reached from those two nodes by
 * namespace URI and local name, never searched for in the document.
 * The rules for an EncryptedAssertion (Entra ID token encryption) are in
 * response_encrypted.c, called from steps 1 and 2 below. */
#include "saml/response.h"
#include "saml/response_internal.h"

#include <apr_strings.h>
#include <strings.h>
#include <string.h>

#include "saml/attributes.h"
#include "saml/codec.h"
#include "saml/time.h"

#define STATUS_SUCCESS  "urn:oasis:names:tc:SAML:2.0:status:Success"
#define STATUS_NO_PASSIVE "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
#define CM_BEARER       "urn:oasis:names:tc:SAML:2.0:cm:bearer"
#define NAMEID_ENTITY   "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"


apr_status_t saml_response_decode(apr_pool_t *p, const char *b64, apr_size_t max_bytes,
                                  char **xml, apr_size_t *xml_len, saml_err_t *err)
{
    unsigned char *out = NULL;
    apr_size_t len = 0;
    apr_status_t rv;

    *xml = NULL;
    *xml_len = 0;
    if (b64 == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "xml", "no SAMLResponse");
    rv = saml_base64_decode(p, b64, strlen(b64), max_bytes, &out, &len, err);
    if (rv != APR_SUCCESS)
        return rv;
    if (len == 0)
        return saml_fail(p, err, SAML_EMALFORMED, "xml", "SAMLResponse is empty");
    *xml = (char *)out;
    *xml_len = len;
    return APR_SUCCESS;
}

/* ---- small readers ------------------------------------------------------ */

/* attr parsed as xs:dateTime into *t; *present says whether it was there. */
static apr_status_t read_time(validation_t *v, const xmlNode *node, const char *attr,
                              int required, apr_time_t *t, int *present)
{
    const char *s = saml_xml_attr(v->p, node, attr);
    *present = s != NULL;
    *t = 0;
    if (s == NULL)
        return required ? FAIL(v, SAML_EREJECTED, "time-format", "%s/@%s missing",
                               (const char *)node->name, attr)
                        : APR_SUCCESS;
    if (saml_time_parse(s, t) != APR_SUCCESS)
        return FAIL(v, SAML_EMALFORMED, "time-format", "%s/@%s \"%s\" is not an xs:dateTime",
                    (const char *)node->name, attr, ESC(v, s));
    return APR_SUCCESS;
}

/* Not yet valid: NotBefore later than now + skew. */
static int in_future(const validation_t *v, apr_time_t not_before)
{
    return not_before > v->pol->now + v->pol->skew;
}

/* Expired: now at or after NotOnOrAfter + skew. */
static int expired(const validation_t *v, apr_time_t not_on_or_after)
{
    return v->pol->now >= not_on_or_after + v->pol->skew;
}

/* The single child ns:name of parent (required or not), refusing two. */
static apr_status_t only_child(validation_t *v, const xmlNode *parent, const char *ns,
                               const char *name, int required, const char *check,
                               xmlNodePtr *out)
{
    int count = 0;
    *out = saml_xml_child(parent, ns, name, &count);
    if (count > 1)
        return FAIL(v, SAML_EREJECTED, check, "%d <%s> in <%s>, expected one", count, name,
                    (const char *)parent->name);
    if (count == 0 && required)
        return FAIL(v, SAML_EREJECTED, check, "<%s> missing in <%s>", name,
                    (const char *)parent->name);
    return APR_SUCCESS;
}

int saml_response_count(const xmlNode *node, const char *ns, const char *name)
{
    int n = 0;
    for (; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        n += saml_xml_is(node, ns, name);
        n += saml_response_count(node->children, ns, name);
    }
    return n;
}

/* ---- 1. the document's shape ------------------------------------------ */

static apr_status_t check_root(validation_t *v)
{
    const char *version, *id;
    apr_time_t t;
    int present;

    v->response = xmlDocGetRootElement(v->doc);
    if (!saml_xml_is(v->response, SAML_NS_PROTOCOL, "Response"))
        return FAIL(v, SAML_EMALFORMED, "root", "root element is <%s>, not samlp:Response",
                    ESC(v, (const char *)v->response->name));
    version = saml_xml_attr(v->p, v->response, "Version");
    if (version == NULL || strcmp(version, "2.0"))
        return FAIL(v, SAML_EREJECTED, "version", "Response Version is \"%s\", not 2.0",
                    ESC(v, version));
    id = saml_xml_attr(v->p, v->response, "ID");
    if (id == NULL || *id == '\0')
        return FAIL(v, SAML_EMALFORMED, "root", "Response has no ID");
    v->out->response_id = id;
    return read_time(v, v->response, "IssueInstant", 1, &t, &present);
}

/* XSW defence: the one Assertion is a direct child of the root, and there is
 * no other Assertion (or encrypted one) anywhere for code to stumble on. */
static apr_status_t check_assertion_count(validation_t *v)
{
    int direct = 0, encrypted, total;

    encrypted = saml_response_count(xmlDocGetRootElement(v->doc), SAML_NS_ASSERTION,
                                  "EncryptedAssertion");
    v->assertion = saml_xml_child(v->response, SAML_NS_ASSERTION, "Assertion", &direct);
    total = saml_response_count(xmlDocGetRootElement(v->doc), SAML_NS_ASSERTION, "Assertion");
    /* Token encryption: one EncryptedAssertion, directly under the root, no
     * Assertion beside it, and an SP key to open it (response_encrypted.c). */
    if (encrypted)
        return saml_response_check_encrypted_shape(v, total, encrypted);
    if (direct != 1 || total != 1)
        return FAIL(v, SAML_EREJECTED, "assertion-count",
                    "%d Assertion(s) under Response and %d in the document, expected exactly 1",
                    direct, total);
    return APR_SUCCESS;
}

/* ---- 2. signatures ------------------------------------------------------ */

/* For the debug trace only: what a verified signature pointed at, and how. */
const char *saml_response_signature_summary(validation_t *v, const char *what, xmlNodePtr sig)
{
    xmlNodePtr si = sig ? saml_xml_child(sig, SAML_NS_DSIG, "SignedInfo", NULL) : NULL;
    xmlNodePtr sm = si ? saml_xml_child(si, SAML_NS_DSIG, "SignatureMethod", NULL) : NULL;
    xmlNodePtr ref = si ? saml_xml_child(si, SAML_NS_DSIG, "Reference", NULL) : NULL;
    xmlNodePtr dm = ref ? saml_xml_child(ref, SAML_NS_DSIG, "DigestMethod", NULL) : NULL;

    if (sig == NULL)
        return apr_pstrcat(v->p, what, " not signed", NULL);
    return apr_psprintf(v->p, "%s signature verified with a configured IdP key: Reference URI "
                        "\"%s\" is that element, SignatureMethod %s, DigestMethod %s", what,
                        ESC(v, ref ? saml_xml_attr(v->p, ref, "URI") : NULL),
                        ESC(v, sm ? saml_xml_attr(v->p, sm, "Algorithm") : NULL),
                        ESC(v, dm ? saml_xml_attr(v->p, dm, "Algorithm") : NULL));
}

static apr_status_t verify_signatures(validation_t *v)
{
    xmlNodePtr response_sig, assertion_sig;
    int total, expected;
    apr_status_t rv;

    /* The Response's signature is verified before decrypting; the decrypted
     * Assertion then gets the same rules as a plain one, every failure until
     * its signature holds reported alike (response_encrypted.c). */
    if (v->encrypted) {
        if ((rv = saml_signature_find(v->response, &response_sig, v->err)) != APR_SUCCESS)
            return rv;
        return saml_response_verify_encrypted(v, response_sig);
    }
    if ((rv = saml_signature_find(v->response, &response_sig, v->err)) != APR_SUCCESS ||
        (rv = saml_signature_find(v->assertion, &assertion_sig, v->err)) != APR_SUCCESS)
        return rv;
    total = saml_response_count(xmlDocGetRootElement(v->doc), SAML_NS_DSIG, "Signature");
    expected = (response_sig != NULL) + (assertion_sig != NULL);
    if (total != expected)
        return FAIL(v, SAML_EREJECTED, "signature-shape",
                    "%d Signature element(s) in the document, only %d where SAML puts them",
                    total, expected);
    if (expected == 0)
        return FAIL(v, SAML_EREJECTED, "signature-missing",
                    "neither the Response nor the Assertion is signed");
    /* When only the Response is signed, its enveloped exc-c14n digest covers
     * the Assertion, a child of the verified node. */
    if (response_sig &&
        (rv = saml_signature_verify(v->p, v->pol->verifier, v->response, response_sig,
                                    v->err)) != APR_SUCCESS)
        return rv;
    if (assertion_sig &&
        (rv = saml_signature_verify(v->p, v->pol->verifier, v->assertion, assertion_sig,
                                    v->err)) != APR_SUCCESS)
        return rv;
    TRACE(v, "signature", "%s; %s",
          saml_response_signature_summary(v, "Response", response_sig),
          saml_response_signature_summary(v, "Assertion", assertion_sig));
    v->response_signed = response_sig != NULL;
    return APR_SUCCESS;
}

/* ---- 3. the Response envelope ------------------------------------------ */

static apr_status_t check_status(validation_t *v)
{
    xmlNodePtr status, code, sub, message;
    const char *value, *subvalue = NULL, *text = NULL;
    apr_status_t rv;

    if ((rv = only_child(v, v->response, SAML_NS_PROTOCOL, "Status", 1, "status", &status)) ||
        (rv = only_child(v, status, SAML_NS_PROTOCOL, "StatusCode", 1, "status", &code)) ||
        (rv = only_child(v, status, SAML_NS_PROTOCOL, "StatusMessage", 0, "status", &message)))
        return rv;
    value = saml_xml_attr(v->p, code, "Value");
    if (value && !strcmp(value, STATUS_SUCCESS)) {
        TRACE(v, "status", "StatusCode %s", value);
        return APR_SUCCESS;
    }
    sub = saml_xml_child(code, SAML_NS_PROTOCOL, "StatusCode", NULL);
    if (sub)
        subvalue = saml_xml_attr(v->p, sub, "Value");
    if (message && saml_xml_text(v->p, message, &text, NULL) != APR_SUCCESS)
        text = NULL;
    /* The answer to IsPassive="true" when nobody is signed in at the IdP:
     * not an error of the IdP's, its own check so the user is told so. */
    if (subvalue && !strcmp(subvalue, STATUS_NO_PASSIVE))
        return FAIL(v, SAML_EREJECTED, "no-passive", "IdP answered %s / %s%s%s: nobody is "
                    "signed in there to answer a passive request", ESC(v, value),
                    ESC(v, subvalue), text ? ": " : "", text ? ESC(v, text) : "");
    return FAIL(v, SAML_EREJECTED, "status", "IdP answered %s%s%s%s%s", ESC(v, value),
                subvalue ? " / " : "", subvalue ? ESC(v, subvalue) : "",
                text ? ": " : "", text ? ESC(v, text) : "");
}

static apr_status_t check_destination(validation_t *v)
{
    const char *dest = saml_xml_attr(v->p, v->response, "Destination");
    if (dest == NULL)
        return FAIL(v, SAML_EREJECTED, "destination", "Response has no Destination");
    if (strcmp(dest, v->pol->acs_url))
        return FAIL(v, SAML_EREJECTED, "destination", "Destination \"%s\" is not \"%s\"",
                    ESC(v, dest), ESC(v, v->pol->acs_url));
    TRACE(v, "destination", "Destination \"%s\" is the ACS URL", ESC(v, dest));
    return APR_SUCCESS;
}

static apr_status_t check_issuer(validation_t *v, xmlNodePtr parent, int required)
{
    xmlNodePtr issuer;
    const char *text, *format;
    apr_status_t rv = only_child(v, parent, SAML_NS_ASSERTION, "Issuer", required, "issuer",
                                 &issuer);
    if (rv != APR_SUCCESS || issuer == NULL)
        return rv;
    if ((rv = saml_xml_text(v->p, issuer, &text, v->err)) != APR_SUCCESS)
        return rv;
    if (strcmp(text, v->pol->idp_entity_id))
        return FAIL(v, SAML_EREJECTED, "issuer", "%s Issuer \"%s\" is not \"%s\"",
                    (const char *)parent->name, ESC(v, text), ESC(v, v->pol->idp_entity_id));
    format = saml_xml_attr(v->p, issuer, "Format");
    if (format && strcmp(format, NAMEID_ENTITY))
        return FAIL(v, SAML_EREJECTED, "issuer", "%s Issuer Format \"%s\" is not entity",
                    (const char *)parent->name, ESC(v, format));
    TRACE(v, "issuer", "%s Issuer \"%s\" is the configured IdP", (const char *)parent->name,
          ESC(v, text));
    v->out->issuer = text;
    return APR_SUCCESS;
}

/* ---- 4. the Assertion --------------------------------------------------- */

static apr_status_t check_assertion_header(validation_t *v)
{
    const char *version = saml_xml_attr(v->p, v->assertion, "Version");
    const char *id = saml_xml_attr(v->p, v->assertion, "ID");
    apr_time_t t;
    int present;

    if (version == NULL || strcmp(version, "2.0"))
        return FAIL(v, SAML_EREJECTED, "version", "Assertion Version is \"%s\", not 2.0",
                    ESC(v, version));
    if (id == NULL || *id == '\0')
        return FAIL(v, SAML_EREJECTED, "assertion-count", "Assertion has no ID");
    v->out->assertion_id = id;
    return read_time(v, v->assertion, "IssueInstant", 1, &t, &present);
}

static apr_status_t read_name_id(validation_t *v, xmlNodePtr subject)
{
    xmlNodePtr name_id;
    apr_status_t rv;

    if (saml_xml_child(subject, SAML_NS_ASSERTION, "EncryptedID", NULL))
        return FAIL(v, SAML_EREJECTED, "nameid", "EncryptedID is not supported");
    if ((rv = only_child(v, subject, SAML_NS_ASSERTION, "NameID", 1, "nameid", &name_id)))
        return rv;
    if ((rv = saml_xml_text(v->p, name_id, &v->out->name_id, v->err)) != APR_SUCCESS)
        return rv;
    if (*v->out->name_id == '\0')
        return FAIL(v, SAML_EREJECTED, "nameid", "NameID is empty");
    v->out->name_id_format = saml_xml_attr(v->p, name_id, "Format");
    return APR_SUCCESS;
}

/* One bearer SubjectConfirmationData against every rule; on success its
 * NotOnOrAfter goes to *until. */
static apr_status_t check_bearer_data(validation_t *v, xmlNodePtr data, apr_time_t *until)
{
    const char *recipient, *irt, *response_irt = saml_xml_attr(v->p, v->response,
                                                               "InResponseTo");
    apr_time_t nb, noa;
    int has_nb, has_noa;
    apr_status_t rv;

    if (data == NULL)
        return FAIL(v, SAML_EREJECTED, "subject-confirmation",
                    "bearer SubjectConfirmation without SubjectConfirmationData");
    recipient = saml_xml_attr(v->p, data, "Recipient");
    if (recipient == NULL || strcmp(recipient, v->pol->acs_url))
        return FAIL(v, SAML_EREJECTED, "recipient", "Recipient \"%s\" is not \"%s\"",
                    ESC(v, recipient), ESC(v, v->pol->acs_url));
    if ((rv = read_time(v, data, "NotOnOrAfter", 0, &noa, &has_noa)) ||
        (rv = read_time(v, data, "NotBefore", 0, &nb, &has_nb)))
        return rv;
    if (!has_noa)
        return FAIL(v, SAML_EREJECTED, "not-on-or-after",
                    "SubjectConfirmationData has no NotOnOrAfter");
    if (expired(v, noa))
        return FAIL(v, SAML_EREJECTED, "not-on-or-after",
                    "SubjectConfirmationData expired at %s (skew %" APR_TIME_T_FMT " s)",
                    saml_time_format(v->p, noa), apr_time_sec(v->pol->skew));
    if (has_nb && in_future(v, nb))
        return FAIL(v, SAML_EREJECTED, "not-before",
                    "SubjectConfirmationData not valid before %s", saml_time_format(v->p, nb));
    irt = saml_xml_attr(v->p, data, "InResponseTo");
    if (irt && response_irt && strcmp(irt, response_irt))
        return FAIL(v, SAML_EREJECTED, "in-response-to",
                    "SubjectConfirmationData InResponseTo \"%s\" differs from the "
                    "Response's \"%s\"", ESC(v, irt), ESC(v, response_irt));
    /* Entra signs only the Assertion by default: the Response's InResponseTo
     * counts only when a signature covers it. */
    if (irt == NULL && response_irt && !v->response_signed)
        return FAIL(v, SAML_EREJECTED, "in-response-to",
                    "InResponseTo \"%s\" is only on the unsigned Response",
                    ESC(v, response_irt));
    v->out->in_response_to = irt ? irt : response_irt;
    TRACE(v, "recipient", "bearer Recipient \"%s\" is the ACS URL", ESC(v, recipient));
    TRACE(v, "subject-confirmation",
          "bearer NotBefore %s, NotOnOrAfter %s; now %s, skew %" APR_TIME_T_FMT " s",
          has_nb ? saml_time_format(v->p, nb) : "(none)", saml_time_format(v->p, noa),
          saml_time_format(v->p, v->pol->now), apr_time_sec(v->pol->skew));
    TRACE(v, "in-response-to", "InResponseTo %s",
          v->out->in_response_to ? ESC(v, v->out->in_response_to) : "(none: unsolicited)");
    *until = noa;
    return APR_SUCCESS;
}

static apr_status_t check_subject(validation_t *v, apr_time_t *scd_until)
{
    xmlNodePtr subject, c;
    apr_status_t rv, first_failure = APR_SUCCESS;
    saml_err_t first_err = { NULL, NULL };
    int bearers = 0;

    if ((rv = only_child(v, v->assertion, SAML_NS_ASSERTION, "Subject", 1, "nameid",
                         &subject)) ||
        (rv = read_name_id(v, subject)))
        return rv;
    /* Any one bearer confirmation that passes every rule is enough. */
    for (c = subject->children; c; c = c->next) {
        const char *method;
        xmlNodePtr data;
        if (!saml_xml_is(c, SAML_NS_ASSERTION, "SubjectConfirmation"))
            continue;
        method = saml_xml_attr(v->p, c, "Method");
        if (method == NULL || strcmp(method, CM_BEARER))
            continue;
        bearers++;
        if ((rv = only_child(v, c, SAML_NS_ASSERTION, "SubjectConfirmationData", 1,
                             "subject-confirmation", &data)) == APR_SUCCESS &&
            (rv = check_bearer_data(v, data, scd_until)) == APR_SUCCESS)
            return APR_SUCCESS;
        if (first_failure == APR_SUCCESS) {
            first_failure = rv;
            if (v->err)
                first_err = *v->err;
        }
    }
    if (bearers == 0)
        return FAIL(v, SAML_EREJECTED, "subject-confirmation",
                    "no SubjectConfirmation with Method %s", CM_BEARER);
    if (v->err)
        *v->err = first_err;
    return first_failure;
}

/* The Audience is compared byte for byte with our entity ID, and nothing
 * derived from it is accepted. Microsoft Entra ID (Azure AD) puts the
 * AuthnRequest's Issuer (the app's Identifier) in Audience as it is when it
 * is a URI, and writes "spn:<value>" when it is not (a bare application id
 * GUID). We chose not to accept "spn:" + entity ID: SequrSAMLSPEntityID must
 * be an http(s) URL (SAML core 8.3.6 wants a URI; configtest refuses a bare
 * GUID and says why), so with a valid configuration Entra's Audience is
 * exactly our entity ID and no second spelling, nor a rule on GUID case,
 * needs to be trusted. An Entra app can carry several identifiers, so adding
 * a URL one costs the admin one line. What we do give is the reason: a
 * refused "spn:" form of our own entity ID is named in the detail. */
static apr_status_t check_audiences(validation_t *v, xmlNodePtr conditions)
{
    xmlNodePtr r, a;
    int restrictions = 0;
    const char *spn_form = NULL;
    apr_status_t rv;

    for (r = conditions->children; r; r = r->next) {
        int ours = 0;
        if (!saml_xml_is(r, SAML_NS_ASSERTION, "AudienceRestriction"))
            continue;
        restrictions++;
        for (a = r->children; a; a = a->next) {
            const char *audience;
            if (!saml_xml_is(a, SAML_NS_ASSERTION, "Audience"))
                continue;
            if ((rv = saml_xml_text(v->p, a, &audience, v->err)) != APR_SUCCESS)
                return rv;
            ours |= !strcmp(audience, v->pol->sp_entity_id);
            if (!strncmp(audience, "spn:", 4) && !strcasecmp(audience + 4, v->pol->sp_entity_id))
                spn_form = audience;
        }
        if (!ours && spn_form)
            return FAIL(v, SAML_EREJECTED, "audience",
                        "AudienceRestriction %d names \"%s\", not \"%s\": Microsoft Entra "
                        "ID (Azure AD) writes spn: when the app's Identifier is not a URI; make "
                        "the Identifier (Entity ID) in Entra a URL and SequrSAMLSPEntityID the "
                        "same URL", restrictions, ESC(v, spn_form),
                        ESC(v, v->pol->sp_entity_id));
        if (!ours)
            return FAIL(v, SAML_EREJECTED, "audience",
                        "AudienceRestriction %d does not name \"%s\"", restrictions,
                        ESC(v, v->pol->sp_entity_id));
    }
    if (restrictions == 0)
        return FAIL(v, SAML_EREJECTED, "audience", "no AudienceRestriction");
    TRACE(v, "audience", "each of %d AudienceRestriction(s) names \"%s\"", restrictions,
          ESC(v, v->pol->sp_entity_id));
    return APR_SUCCESS;
}

static apr_status_t check_conditions(validation_t *v, apr_time_t *until)
{
    xmlNodePtr conditions;
    apr_time_t nb, noa;
    int has_nb, has_noa;
    apr_status_t rv;

    if ((rv = only_child(v, v->assertion, SAML_NS_ASSERTION, "Conditions", 1, "conditions",
                         &conditions)) ||
        (rv = read_time(v, conditions, "NotBefore", 0, &nb, &has_nb)) ||
        (rv = read_time(v, conditions, "NotOnOrAfter", 0, &noa, &has_noa)))
        return rv;
    if (has_nb && in_future(v, nb))
        return FAIL(v, SAML_EREJECTED, "not-before", "Conditions not valid before %s "
                    "(skew %" APR_TIME_T_FMT " s)", saml_time_format(v->p, nb),
                    apr_time_sec(v->pol->skew));
    /* Required, though SAML makes it optional: it bounds the replay cache entry. */
    if (!has_noa)
        return FAIL(v, SAML_EREJECTED, "not-on-or-after", "Conditions has no NotOnOrAfter");
    if (expired(v, noa))
        return FAIL(v, SAML_EREJECTED, "not-on-or-after", "Conditions expired at %s "
                    "(skew %" APR_TIME_T_FMT " s)", saml_time_format(v->p, noa),
                    apr_time_sec(v->pol->skew));
    TRACE(v, "conditions",
          "Conditions NotBefore %s, NotOnOrAfter %s; now %s, skew %" APR_TIME_T_FMT " s",
          has_nb ? saml_time_format(v->p, nb) : "(none)", saml_time_format(v->p, noa),
          saml_time_format(v->p, v->pol->now), apr_time_sec(v->pol->skew));
    *until = noa;
    return check_audiences(v, conditions);
}

static apr_status_t read_authn_statement(validation_t *v)
{
    xmlNodePtr st, ctx, ref;
    apr_time_t t;
    int present, n = 0;
    apr_status_t rv;

    if ((rv = only_child(v, v->assertion, SAML_NS_ASSERTION, "AuthnStatement", 1,
                         "authn-statement", &st)) ||
        (rv = read_time(v, st, "AuthnInstant", 1, &v->out->authn_instant, &present)) ||
        (rv = read_time(v, st, "SessionNotOnOrAfter", 0, &t, &present)))
        return rv;
    if (present && expired(v, t))
        return FAIL(v, SAML_EREJECTED, "authn-statement", "session ended at %s",
                    saml_time_format(v->p, t));
    v->out->session_not_on_or_after = present ? t : 0;
    v->out->session_index = saml_xml_attr(v->p, st, "SessionIndex");
    /* Read for SequrSAMLAuthnContextClassRef (authn_demand.c); what is
     * not there is NULL, and only a location that asked for a class cares. */
    ctx = saml_xml_child(st, SAML_NS_ASSERTION, "AuthnContext", &n);
    ref = ctx && n == 1 ? saml_xml_child(ctx, SAML_NS_ASSERTION, "AuthnContextClassRef", &n)
                        : NULL;
    if (ref && n == 1 && saml_xml_text(v->p, ref, &v->out->authn_context_class_ref, NULL) != APR_SUCCESS)
        v->out->authn_context_class_ref = NULL;
    TRACE(v, "authn-statement", "AuthnInstant %s, SessionNotOnOrAfter %s",
          saml_time_format(v->p, v->out->authn_instant),
          present ? saml_time_format(v->p, t) : "(none)");
    return APR_SUCCESS;
}

/* ---- 5. identity and attributes ----------------------------------------- */

static saml_attribute_t *attribute_named(apr_array_header_t *attrs, const char *name)
{
    int i;
    for (i = 0; i < attrs->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(attrs, i, saml_attribute_t).name, name))
            return &APR_ARRAY_IDX(attrs, i, saml_attribute_t);
    return NULL;
}

/* The names that may give the user name, in order (NULL: the NameID). */
static const apr_array_header_t *user_attribute_names(validation_t *v)
{
    apr_array_header_t *one;
    if (v->pol->user_attributes && v->pol->user_attributes->nelts)
        return v->pol->user_attributes;
    if (v->pol->user_attribute == NULL || *v->pol->user_attribute == '\0')
        return NULL;
    one = apr_array_make(v->p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(one, const char *) = v->pol->user_attribute;
    return one;
}

static int is_user_attribute(validation_t *v, const char *name)
{
    const apr_array_header_t *names = user_attribute_names(v);
    int i;
    for (i = 0; names && i < names->nelts; i++)
        if (!strcmp(name, APR_ARRAY_IDX(names, i, const char *)))
            return 1;
    return 0;
}

static apr_status_t read_attribute(validation_t *v, xmlNodePtr attr)
{
    const char *name = saml_xml_attr(v->p, attr, "Name"), *value;
    saml_attribute_t *a;
    xmlNodePtr val;
    apr_status_t rv;

    if (name == NULL || *name == '\0')
        return FAIL(v, SAML_EREJECTED, "attribute-name", "Attribute without Name");
    a = attribute_named(v->out->attributes, name);
    if (a && is_user_attribute(v, name))
        return FAIL(v, SAML_EREJECTED, "user-attribute",
                    "attribute \"%s\" appears more than once", ESC(v, name));
    if (a == NULL) {
        a = apr_array_push(v->out->attributes);
        a->name = name;
        a->values = apr_array_make(v->p, 2, sizeof(const char *));
    }
    for (val = attr->children; val; val = val->next) {
        if (!saml_xml_is(val, SAML_NS_ASSERTION, "AttributeValue"))
            continue;
        /* xsi:nil="true" is an explicitly empty value; saml_xml_text gives "". */
        if ((rv = saml_xml_text(v->p, val, &value, v->err)) != APR_SUCCESS)
            return rv;
        APR_ARRAY_PUSH(a->values, const char *) = value;
    }
    return APR_SUCCESS;
}

static apr_status_t read_attributes(validation_t *v)
{
    xmlNodePtr st, attr;
    apr_status_t rv;

    v->out->attributes = apr_array_make(v->p, 8, sizeof(saml_attribute_t));
    for (st = v->assertion->children; st; st = st->next) {
        if (!saml_xml_is(st, SAML_NS_ASSERTION, "AttributeStatement"))
            continue;
        for (attr = st->children; attr; attr = attr->next) {
            if (saml_xml_is(attr, SAML_NS_ASSERTION, "EncryptedAttribute"))
                return FAIL(v, SAML_EREJECTED, "attribute-name",
                            "EncryptedAttribute is not supported");
            if (saml_xml_is(attr, SAML_NS_ASSERTION, "Attribute") &&
                (rv = read_attribute(v, attr)) != APR_SUCCESS)
                return rv;
        }
    }
    return APR_SUCCESS;
}

/* A user name goes into REMOTE_USER, CGI environments, proxied headers and
 * log lines: control characters have no business there. */
static int has_control_character(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* The rule is saml_user_name_choose's (saml/attributes.c): the first of
 * SequrSAMLUserAttribute's names present wins, one non-empty value (several
 * equal ones count as one) without control characters, else refused. A user
 * name goes into REMOTE_USER, CGI environments, proxied headers and log lines. */
static apr_status_t choose_user(validation_t *v)
{
    const char *user, *source;
    apr_status_t rv = saml_user_name_choose(v->p, v->out->attributes, user_attribute_names(v),
                                            v->out->name_id, &user, &source, v->err);
    if (rv != APR_SUCCESS)
        return rv;
    TRACE(v, "user", "user \"%s\" from %s; %d attribute(s) read", ESC(v, user),
          ESC(v, source), v->out->attributes->nelts);
    v->out->user = user;
    v->out->user_source = source;
    return APR_SUCCESS;
}

/* What can become REMOTE_USER at some location, and the NameID and
 * SessionIndex, end up in request headers of a proxied backend and in log
 * lines: a line break there splits a header in two (a tenant or user header
 * of the attacker's choosing). Refused here, at sign-in, for every location
 * at once, whichever of them the user will visit. */
static apr_status_t check_identity_values(validation_t *v)
{
    const apr_array_header_t *names = v->pol->identity_attributes;
    int i;

    if (has_control_character(v->out->name_id))
        return FAIL(v, SAML_EREJECTED, "nameid", "NameID \"%s\" contains control characters",
                    ESC(v, v->out->name_id));
    if (v->out->session_index && has_control_character(v->out->session_index))
        return FAIL(v, SAML_EREJECTED, "session-index",
                    "SessionIndex \"%s\" contains control characters",
                    ESC(v, v->out->session_index));
    for (i = 0; names && i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        saml_attribute_t *a = name ? attribute_named(v->out->attributes, name) : NULL;
        const char *first;

        if (a == NULL || a->values->nelts == 0)
            continue;
        first = APR_ARRAY_IDX(a->values, 0, const char *);
        if (has_control_character(first))
            return FAIL(v, SAML_EREJECTED, "user-attribute",
                        "attribute \"%s\", a user name in some location, has control "
                        "characters in \"%s\"", ESC(v, name), ESC(v, first));
    }
    return APR_SUCCESS;
}

/* ---- the whole -------------------------------------------------------- */

apr_status_t saml_response_validate(apr_pool_t *p, const char *xml, apr_size_t len,
                                    const saml_response_policy_t *policy,
                                    saml_assertion_t **out, saml_err_t *err)
{
    validation_t v;
    apr_time_t conditions_until = 0, scd_until = 0;
    apr_status_t rv;

    *out = NULL;
    memset(&v, 0, sizeof(v));
    v.p = p;
    v.pol = policy;
    v.err = err;
    v.out = apr_pcalloc(p, sizeof(*v.out));
    if (policy == NULL || policy->verifier == NULL || policy->acs_url == NULL ||
        policy->sp_entity_id == NULL || policy->idp_entity_id == NULL)
        return FAIL(&v, SAML_EINTERNAL, "signature", "validation policy incomplete");

    if ((rv = saml_xml_parse(p, xml, len, &policy->limits, &v.doc, err)) ||
        (rv = check_root(&v)))
        return rv;
    /* An IdP's error answer (Azure's AADSTS codes) has no Assertion and is
     * usually unsigned. It is refused either way; naming its status, not the
     * missing Assertion, is what lets an admin act. Nothing here is trusted. */
    if (saml_xml_child(v.response, SAML_NS_ASSERTION, "Assertion", NULL) == NULL &&
        (rv = check_status(&v)))
        return rv;
    if ((rv = check_assertion_count(&v)) ||
        (rv = verify_signatures(&v)))
        return rv;
    /* From here on everything read is inside a verified element. */
    if ((rv = check_status(&v)) ||
        (rv = check_destination(&v)) ||
        (rv = check_issuer(&v, v.response, 0)) ||
        (rv = check_issuer(&v, v.assertion, 1)) ||
        (rv = check_assertion_header(&v)) ||
        (rv = check_subject(&v, &scd_until)) ||
        (rv = check_conditions(&v, &conditions_until)) ||
        (rv = read_authn_statement(&v)) ||
        (rv = read_attributes(&v)) ||
        (rv = choose_user(&v)) ||
        (rv = check_identity_values(&v)))
        return rv;
    v.out->not_on_or_after = scd_until < conditions_until ? scd_until : conditions_until;
    *out = v.out;
    return APR_SUCCESS;
}

const char *saml_assertion_attribute(const saml_assertion_t *a, const char *name)
{
    int i;
    if (a == NULL || a->attributes == NULL || name == NULL)
        return NULL;
    for (i = 0; i < a->attributes->nelts; i++) {
        const saml_attribute_t *at = &APR_ARRAY_IDX(a->attributes, i, saml_attribute_t);
        if (!strcmp(at->name, name) && at->values->nelts > 0)
            return APR_ARRAY_IDX(at->values, 0, const char *);
    }
    return NULL;
}
