/* saml/response.c: one test per rule, each starting from a valid Entra-shaped
 * response signed at test time and breaking exactly one thing; then the
 * wrapping (XSW) family and comment/CDATA splitting. Refusals assert the
 * check name so that removing the rule under test makes its test fail. */
#include <apr_strings.h>
#include <check.h>
#include <string.h>

#include "codec.h"
#include "response.h"
#include "testkit.h"

static tk_keypair_t *idp, *attacker;
static tk_response_opts_t o;

/* Keys are made once in main(), before check forks a process per test. */
static void make_keys(void)
{
    static apr_pool_t *keys;
    tk_setup();
    apr_pool_create(&keys, NULL);
    idp = tk_keypair_new(keys, 2048, "idp", 30);
    attacker = tk_keypair_new(keys, 2048, "attacker", 30);
}

static void setup(void)
{
    tk_response_defaults(tk_pool(), &o);
}

static saml_response_policy_t policy(void)
{
    saml_response_policy_t pol = tk_policy(tk_pool(), idp);
    pol.now = o.now + apr_time_from_sec(1);
    return pol;
}

static apr_status_t run(const char *xml, const saml_response_policy_t *pol,
                        saml_assertion_t **a, saml_err_t *err)
{
    return saml_response_validate(tk_pool(), xml, strlen(xml), pol, a, err);
}

static saml_assertion_t *accepted_with(const char *xml, const saml_response_policy_t *pol)
{
    saml_assertion_t *a = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = run(xml, pol, &a, &err);
    ck_assert_msg(rv == APR_SUCCESS, "refused: %s: %s", err.check, err.detail);
    ck_assert_ptr_nonnull(a);
    return a;
}

static saml_assertion_t *accepted(const char *xml)
{
    saml_response_policy_t pol = policy();
    return accepted_with(xml, &pol);
}

static void refused_with(const char *xml, const saml_response_policy_t *pol, const char *check)
{
    saml_assertion_t *a = (saml_assertion_t *)1;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = run(xml, pol, &a, &err);
    ck_assert_msg(rv != APR_SUCCESS, "accepted, expected refusal by %s", check);
    ck_assert_ptr_null(a);
    ck_assert_msg(err.check && !strcmp(err.check, check), "refused by %s (%s), expected %s",
                  err.check, err.detail, check);
}

static void refused(const char *xml, const char *check)
{
    saml_response_policy_t pol = policy();
    refused_with(xml, &pol, check);
}

/* Build from o, replace needle, then sign as o says. */
static const char *signed_after(const char *needle, const char *with)
{
    return tk_response_sign(tk_pool(), tk_replace(tk_pool(), tk_response_build(tk_pool(), &o),
                                                  needle, with), &o, idp);
}

static const char *signed_default(void)
{
    return tk_response_signed(tk_pool(), &o, idp);
}

/* ---- the three Entra signing options, and what comes out ---------------- */

START_TEST(assertion_signed_accepted_and_read)
{
    saml_assertion_t *a = accepted(signed_default());
    ck_assert_str_eq(a->user, "alice@contoso.example");
    ck_assert_str_eq(a->name_id, "alice@contoso.example");
    ck_assert_str_eq(a->name_id_format, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
    ck_assert_str_eq(a->issuer, TK_IDP_ENTITY_ID);
    ck_assert_str_eq(a->response_id, o.response_id);
    ck_assert_str_eq(a->assertion_id, o.assertion_id);
    ck_assert_str_eq(a->session_index, o.assertion_id);
    ck_assert_ptr_null(a->in_response_to);
    ck_assert_int_eq(a->session_not_on_or_after, 0);
    ck_assert_int_eq(a->authn_instant, o.now - apr_time_from_sec(60));
    /* the replay cache must remember the ID as long as the SCD allows use */
    ck_assert_int_eq(a->not_on_or_after, o.now + apr_time_from_sec(300));
    ck_assert_str_eq(saml_assertion_attribute(a, TK_CLAIM_TENANTID), TK_TENANT_ID);
    ck_assert_str_eq(saml_assertion_attribute(a, TK_CLAIM_NAME), "alice@contoso.example");
    ck_assert_ptr_null(saml_assertion_attribute(a, "urn:none"));
}
END_TEST

START_TEST(response_signed_accepted)
{
    o.sign = TK_SIGN_RESPONSE;
    accepted(signed_default());
}
END_TEST

START_TEST(both_signed_accepted)
{
    o.sign = TK_SIGN_BOTH;
    accepted(signed_default());
}
END_TEST

START_TEST(unsigned_refused)
{
    o.sign = TK_SIGN_NONE;
    refused(signed_default(), "signature-missing");
}
END_TEST

START_TEST(signed_by_attacker_refused)
{
    refused(tk_response_signed(tk_pool(), &o, attacker), "signature");
    o.sign = TK_SIGN_RESPONSE;
    refused(tk_response_signed(tk_pool(), &o, attacker), "signature");
}
END_TEST

START_TEST(response_signature_must_verify_when_assertion_also_signed)
{
    /* Both signed; the Response part outside the Assertion is then edited. */
    o.sign = TK_SIGN_BOTH;
    o.in_response_to = "id-aaaa";
    o.scd_in_response_to = TK_OMIT;
    refused(tk_replace(tk_pool(), signed_default(), "InResponseTo=\"id-aaaa\"",
                       "InResponseTo=\"id-bbbb\""), "signature");
}
END_TEST

START_TEST(expiry_value_is_the_earlier_of_conditions_and_scd)
{
    o.scd_not_on_or_after = 5000;
    ck_assert_int_eq(accepted(signed_default())->not_on_or_after,
                     o.now + apr_time_from_sec(4200));
}
END_TEST

/* ---- decode ------------------------------------------------------------- */

START_TEST(decode_round_trip_and_refusals)
{
    const char *xml = signed_default();
    const char *b64 = saml_base64_encode(tk_pool(), (const unsigned char *)xml, strlen(xml));
    char *out;
    apr_size_t len;
    saml_err_t err = { NULL, NULL };

    ck_assert_int_eq(saml_response_decode(tk_pool(), b64, 1 << 20, &out, &len, &err),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, strlen(xml));
    accepted(out);
    ck_assert_int_eq(saml_response_decode(tk_pool(), "", 1 << 20, &out, &len, &err),
                     SAML_EMALFORMED);
    ck_assert_int_ne(saml_response_decode(tk_pool(), "PHNhbWw+*PC9zYW1sPg==", 1 << 20, &out,
                                          &len, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_response_decode(tk_pool(), b64, 100, &out, &len, &err),
                     SAML_ETOOLARGE);
}
END_TEST

START_TEST(size_limit)
{
    saml_response_policy_t pol = policy();
    pol.limits.max_bytes = 1024;
    refused_with(signed_default(), &pol, "size");
}
END_TEST

/* ---- root --------------------------------------------------------------- */

START_TEST(root_must_be_protocol_response)
{
    const char *xml = tk_replace_all(tk_pool(), signed_default(), "samlp:Response",
                                     "samlp:ArtifactResponse");
    refused(xml, "root");
    xml = tk_replace(tk_pool(), signed_default(), "xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"",
                     "xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol-evil\"");
    refused(xml, "root");
}
END_TEST

START_TEST(response_version)
{
    refused(tk_replace(tk_pool(), signed_default(), "Version=\"2.0\"", "Version=\"2.1\""),
            "version");
}
END_TEST

START_TEST(response_issue_instant_must_parse)
{
    refused(tk_replace(tk_pool(), signed_default(), "IssueInstant=\"", "IssueInstant=\"x"),
            "time-format");
}
END_TEST

/* ---- assertion count, encryption --------------------------------------- */

START_TEST(encrypted_assertion_refused)
{
    const char *enc = "<EncryptedAssertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">"
                      "<xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/>"
                      "</EncryptedAssertion>";
    const char *xml = signed_default();
    const char *assertion = tk_between(tk_pool(), xml, "<Assertion ", "</Assertion>");
    refused(tk_replace(tk_pool(), xml, assertion, enc), "encrypted-assertion");
    refused(tk_replace(tk_pool(), xml, "</samlp:Response>",
                       apr_pstrcat(tk_pool(), enc, "</samlp:Response>", NULL)),
            "encrypted-assertion");
}
END_TEST

START_TEST(no_assertion_refused)
{
    o.sign = TK_SIGN_RESPONSE;
    refused(tk_response_sign(tk_pool(),
                             tk_replace(tk_pool(), tk_response_build(tk_pool(), &o),
                                        tk_between(tk_pool(), tk_response_build(tk_pool(), &o),
                                                   "<Assertion ", "</Assertion>"), ""),
                             &o, idp),
            "assertion-count");
}
END_TEST

/* ---- signatures elsewhere ---------------------------------------------- */

START_TEST(signature_outside_the_two_places_refused)
{
    const char *xml = signed_default();
    const char *sig = tk_between(tk_pool(), xml, "<Signature", "</Signature>");
    refused(tk_replace(tk_pool(), xml, "<samlp:Status>",
                       apr_pstrcat(tk_pool(), "<samlp:Extensions>", sig,
                                   "</samlp:Extensions><samlp:Status>", NULL)),
            "signature-shape");
}
END_TEST

START_TEST(digest_value_planted_elsewhere_is_not_used)
{
    /* CVE-2024-45409: a DigestValue matching the forged content, planted
     * outside the Signature; only SignedInfo/Reference/DigestValue may count.
     * The digest does not depend on the key, so any key computes it. */
    const char *xml = signed_default(), *forged, *dv;
    o.name_id = "admin@contoso.example";
    forged = tk_response_signed(tk_pool(), &o, attacker);
    dv = tk_between(tk_pool(), forged, "<DigestValue>", "</DigestValue>");
    ck_assert_str_ne(dv, tk_between(tk_pool(), xml, "<DigestValue>", "</DigestValue>"));
    xml = tk_replace(tk_pool(), xml, "alice@contoso.example</NameID>",
                     "admin@contoso.example</NameID>");
    xml = tk_replace(tk_pool(), xml, "</samlp:Status>",
                     apr_pstrcat(tk_pool(), "<samlp:StatusDetail xmlns=\"" SAML_NS_DSIG "\">",
                                 dv, "</samlp:StatusDetail></samlp:Status>", NULL));
    refused(xml, "signature");
}
END_TEST

START_TEST(duplicate_id_refused)
{
    const char *xml = signed_default();
    refused(tk_replace(tk_pool(), xml, "<samlp:Status>",
                       apr_pstrcat(tk_pool(), "<samlp:Extensions><x xmlns=\"urn:x\" ID=\"",
                                   o.assertion_id, "\"/></samlp:Extensions><samlp:Status>",
                                   NULL)),
            "duplicate-id");
}
END_TEST

/* ---- status, destination, issuer ---------------------------------------- */

START_TEST(status_not_success_refused_with_message)
{
    saml_assertion_t *a = NULL;
    saml_err_t err = { NULL, NULL };
    saml_response_policy_t pol = policy();

    o.status_code = "urn:oasis:names:tc:SAML:2.0:status:Requester";
    o.status_code2 = "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported";
    o.status_message = "AADSTS75006: An error occurred while processing a SAML2 Authentication request.";
    ck_assert_int_eq(run(signed_default(), &pol, &a, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "status");
    ck_assert_ptr_nonnull(strstr(err.detail, "RequestUnsupported"));
    ck_assert_ptr_nonnull(strstr(err.detail, "AADSTS75006"));
}
END_TEST

/* Azure's error answer: no Assertion, no signature. Refused, and the log
 * names the AADSTS status rather than the missing Assertion. */
START_TEST(unsigned_error_answer_refused_by_status)
{
    saml_assertion_t *a = NULL;
    saml_err_t err = { NULL, NULL };
    saml_response_policy_t pol = policy();
    const char *xml, *start, *end;

    o.status_code = "urn:oasis:names:tc:SAML:2.0:status:Requester";
    o.status_message = "AADSTS50105: The signed in user is not assigned to a role.";
    xml = tk_response_build(tk_pool(), &o);
    start = strstr(xml, "<Assertion ");
    end = strstr(xml, "</Assertion>");
    ck_assert(start && end);
    xml = apr_pstrcat(tk_pool(), apr_pstrndup(tk_pool(), xml, (apr_size_t)(start - xml)),
                      end + strlen("</Assertion>"), NULL);
    ck_assert_int_eq(run(xml, &pol, &a, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "status");
    ck_assert_ptr_nonnull(strstr(err.detail, "AADSTS50105"));
    ck_assert_ptr_null(a);
}
END_TEST

/* The same without the error status is still a missing Assertion. */
START_TEST(success_without_assertion_refused_by_count)
{
    const char *xml = tk_response_build(tk_pool(), &o);
    const char *start = strstr(xml, "<Assertion "), *end = strstr(xml, "</Assertion>");
    ck_assert(start && end);
    refused(apr_pstrcat(tk_pool(), apr_pstrndup(tk_pool(), xml, (apr_size_t)(start - xml)),
                        end + strlen("</Assertion>"), NULL), "assertion-count");
}
END_TEST

START_TEST(destination_must_match)
{
    o.destination = TK_ACS_URL "/";
    refused(signed_default(), "destination");
    o.destination = "https://sp.example.test:443/saml/acs";
    refused(signed_default(), "destination");
    o.destination = NULL;
    refused(signed_default(), "destination");
}
END_TEST

START_TEST(response_issuer_must_match_when_present)
{
    o.response_issuer = "https://sts.windows.net/" TK_TENANT_ID;   /* no trailing slash */
    refused(signed_default(), "issuer");
    o.response_issuer = NULL;
    accepted(signed_default());
}
END_TEST

START_TEST(assertion_issuer_required_and_must_match)
{
    o.assertion_issuer = "https://login.microsoftonline.com/" TK_TENANT_ID "/";
    refused(signed_default(), "issuer");
    o.assertion_issuer = NULL;
    refused(signed_default(), "issuer");
}
END_TEST

START_TEST(issuer_format_must_be_entity)
{
    refused(signed_after("<Issuer>", "<Issuer Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified\">"),
            "issuer");
    accepted(signed_after("<Issuer>", "<Issuer Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:entity\">"));
}
END_TEST

/* ---- assertion header, subject ----------------------------------------- */

START_TEST(assertion_version)
{
    refused(signed_after("Version=\"2.0\" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
                         "Version=\"2.1\" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\""),
            "version");
}
END_TEST

START_TEST(assertion_issue_instant_must_parse)
{
    refused(signed_after("\" Version=\"2.0\" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
                         "Q\" Version=\"2.0\" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\""),
            "time-format");
}
END_TEST

START_TEST(nameid_required_and_not_empty)
{
    o.name_id = "";
    refused(signed_default(), "nameid");
    o.name_id = NULL;
    refused(signed_default(), "nameid");
}
END_TEST

START_TEST(encrypted_id_refused)
{
    const char *enc = "<EncryptedID><xenc:EncryptedData "
                      "xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></EncryptedID>";
    /* beside a NameID too: which one names the subject would be ambiguous */
    refused(signed_after("<Subject>", apr_pstrcat(tk_pool(), "<Subject>", enc, NULL)), "nameid");
    o.name_id = NULL;
    refused(signed_after("<Subject>", apr_pstrcat(tk_pool(), "<Subject>", enc, NULL)), "nameid");
}
END_TEST

START_TEST(bearer_confirmation_required)
{
    o.subject_confirmation_method = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key";
    refused(signed_default(), "subject-confirmation");
    o.subject_confirmation_method = TK_CM_BEARER;
    o.no_subject_confirmation = 1;
    refused(signed_default(), "subject-confirmation");
}
END_TEST

START_TEST(recipient_must_match)
{
    o.recipient = "https://evil.example/saml/acs";
    refused(signed_default(), "recipient");
    o.recipient = NULL;
    refused(signed_default(), "recipient");
}
END_TEST

START_TEST(any_one_valid_bearer_confirmation_suffices)
{
    accepted(signed_after("<SubjectConfirmation ",
                          "<SubjectConfirmation Method=\"" TK_CM_BEARER "\">"
                          "<SubjectConfirmationData Recipient=\"https://evil.example/\" "
                          "NotOnOrAfter=\"2099-01-01T00:00:00Z\"/></SubjectConfirmation>"
                          "<SubjectConfirmation "));
}
END_TEST

START_TEST(scd_not_on_or_after_required)
{
    o.scd_not_on_or_after = TK_NO_TIME;
    refused(signed_default(), "not-on-or-after");
}
END_TEST

START_TEST(scd_not_before_in_future_refused)
{
    o.scd_not_before = 600;
    refused(signed_default(), "not-before");
    o.scd_not_before = 0;
    accepted(signed_default());
}
END_TEST

START_TEST(in_response_to_rules)
{
    saml_assertion_t *a;

    o.in_response_to = "id-request-1";
    o.scd_in_response_to = "id-request-2";
    refused(signed_default(), "in-response-to");

    o.scd_in_response_to = NULL;     /* same on both */
    ck_assert_str_eq(accepted(signed_default())->in_response_to, "id-request-1");

    /* only the Response says it: trusted only when the Response is signed,
     * or a stolen unsolicited assertion could be passed off as solicited */
    o.scd_in_response_to = TK_OMIT;
    refused(signed_default(), "in-response-to");
    o.sign = TK_SIGN_RESPONSE;
    ck_assert_str_eq(accepted(signed_default())->in_response_to, "id-request-1");
    o.sign = TK_SIGN_ASSERTION;

    o.in_response_to = NULL;         /* only the SCD says it: it is the answer's */
    o.scd_in_response_to = "id-request-3";
    a = accepted(signed_default());
    ck_assert_str_eq(a->in_response_to, "id-request-3");
}
END_TEST

/* ---- conditions ---------------------------------------------------------- */

START_TEST(conditions_required)
{
    o.no_conditions = 1;
    refused(signed_default(), "conditions");
    o.no_conditions = 0;
    o.not_on_or_after = TK_NO_TIME;
    refused(signed_default(), "not-on-or-after");
}
END_TEST

START_TEST(audience_must_name_us)
{
    o.audience = "https://other-sp.example.test/";
    refused(signed_default(), "audience");
    o.audience = "spn:" TK_SP_ENTITY_ID;
    refused(signed_default(), "audience");
    o.audience = NULL;
    refused(signed_default(), "audience");
}
END_TEST

START_TEST(every_audience_restriction_must_be_satisfied)
{
    o.audience2 = "https://other-sp.example.test/";
    refused(signed_default(), "audience");
    o.audience2 = TK_SP_ENTITY_ID;
    accepted(signed_default());
    accepted(signed_after("<Audience>", "<Audience>urn:another</Audience><Audience>"));
}
END_TEST

START_TEST(conditions_not_before_skew_boundary)
{
    saml_response_policy_t pol = policy();
    pol.now = o.now - pol.skew;                       /* NotBefore == now + skew: valid */
    accepted_with(signed_default(), &pol);
    pol.now = o.now - pol.skew - apr_time_from_sec(1);
    refused_with(signed_default(), &pol, "not-before");
}
END_TEST

START_TEST(conditions_not_on_or_after_skew_boundary)
{
    saml_response_policy_t pol = policy();
    o.not_on_or_after = 100;
    o.scd_not_on_or_after = 1000;
    pol.now = o.now + apr_time_from_sec(100) + pol.skew - apr_time_from_sec(1);
    accepted_with(signed_default(), &pol);
    pol.now = o.now + apr_time_from_sec(100) + pol.skew;   /* exactly expired */
    refused_with(signed_default(), &pol, "not-on-or-after");
}
END_TEST

START_TEST(scd_not_on_or_after_skew_boundary)
{
    saml_response_policy_t pol = policy();
    o.scd_not_on_or_after = 100;
    pol.now = o.now + apr_time_from_sec(100) + pol.skew - apr_time_from_sec(1);
    accepted_with(signed_default(), &pol);
    pol.now = o.now + apr_time_from_sec(100) + pol.skew;
    refused_with(signed_default(), &pol, "not-on-or-after");
}
END_TEST

START_TEST(malformed_times_refused)
{
    refused(signed_after("<Conditions NotBefore=\"", "<Conditions NotBefore=\"2026-13-40T99:99:99Z\" x=\""),
            "time-format");
    refused(signed_after("<AuthnStatement AuthnInstant=\"",
                         "<AuthnStatement AuthnInstant=\"2026-01-01T00:00:00\" x=\""),
            "time-format");
}
END_TEST

/* ---- authn statement ----------------------------------------------------- */

START_TEST(authn_statement_required)
{
    o.no_authn_statement = 1;
    refused(signed_default(), "authn-statement");
}
END_TEST

START_TEST(session_not_on_or_after_honoured)
{
    o.session_not_on_or_after = 3600;
    ck_assert_int_eq(accepted(signed_default())->session_not_on_or_after,
                     o.now + apr_time_from_sec(3600));
    o.session_not_on_or_after = -3600;
    refused(signed_default(), "authn-statement");
}
END_TEST

/* ---- identity and attributes --------------------------------------------- */

START_TEST(user_from_attribute)
{
    saml_response_policy_t pol = policy();
    o.name_id = "Uz2Pqz1X7pxe4XLWxV9KJQ+n59d573SepSAkuYKSde8=";   /* pairwise, opaque */
    pol.user_attribute = TK_CLAIM_NAME;
    ck_assert_str_eq(accepted_with(signed_default(), &pol)->user, "alice@contoso.example");
    pol.user_attribute = "urn:missing";
    refused_with(signed_default(), &pol, "user-attribute");
}
END_TEST

/* A signed identity with a line break or a tab would reach REMOTE_USER,
 * CGI environments and proxied headers as it is. */
START_TEST(control_characters_in_user_refused)
{
    saml_response_policy_t pol = policy();
    o.name_id = "alice@contoso.example\n[error] forged";
    refused(signed_default(), "nameid");
    o.name_id = "alice@contoso.example";
    tk_add_attribute(tk_pool(), &o, "urn:sequr:test:user", "bob\t@contoso.example", NULL);
    pol.user_attribute = "urn:sequr:test:user";
    refused_with(signed_default(), &pol, "user-attribute");
}
END_TEST

START_TEST(user_attribute_twice_refused)
{
    saml_response_policy_t pol = policy();
    pol.user_attribute = TK_CLAIM_NAME;
    tk_add_attribute(tk_pool(), &o, TK_CLAIM_NAME, "admin@contoso.example", NULL);
    refused_with(signed_default(), &pol, "user-attribute");
}
END_TEST

START_TEST(attribute_without_name_refused)
{
    refused(signed_after("<Attribute Name=\"" TK_CLAIM_DISPLAYNAME "\">", "<Attribute>"),
            "attribute-name");
}
END_TEST

START_TEST(nil_attribute_value_is_empty)
{
    saml_assertion_t *a = accepted(signed_after(
        "<AttributeValue>Alice Example</AttributeValue>",
        "<AttributeValue xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"/>"));
    ck_assert_str_eq(saml_assertion_attribute(a, TK_CLAIM_DISPLAYNAME), "");
}
END_TEST

START_TEST(multi_valued_attribute)
{
    saml_assertion_t *a = accepted(signed_default());
    int i, found = 0;
    for (i = 0; i < a->attributes->nelts; i++) {
        saml_attribute_t *at = &APR_ARRAY_IDX(a->attributes, i, saml_attribute_t);
        if (!strcmp(at->name, TK_CLAIM_GROUPS)) {
            ck_assert_int_eq(at->values->nelts, 2);
            found = 1;
        }
    }
    ck_assert(found);
}
END_TEST

/* ---- comment, CDATA, PI splitting (Duo 2018) ------------------------------ */

static void assert_assertion_signature_still_valid(const char *xml)
{
    xmlDocPtr doc;
    xmlNodePtr as, sig;
    saml_err_t err = { NULL, NULL };
    saml_response_policy_t pol = policy();
    ck_assert_int_eq(saml_xml_parse(tk_pool(), xml, strlen(xml), NULL, &doc, &err), APR_SUCCESS);
    as = saml_xml_by_id(doc, o.assertion_id);
    ck_assert_int_eq(saml_signature_find(as, &sig, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_signature_verify(tk_pool(), pol.verifier, as, sig, &err), APR_SUCCESS);
}

START_TEST(comment_in_nameid_refused)
{
    const char *xml;
    o.name_id = "alice@contoso.example.evil.test";
    xml = tk_replace(tk_pool(), signed_default(), "alice@contoso.example.evil.test</NameID>",
                     "alice@contoso.example<!---->.evil.test</NameID>");
    assert_assertion_signature_still_valid(xml);   /* the attack is real */
    refused(xml, "text-content");
}
END_TEST

START_TEST(cdata_in_nameid_yields_the_whole_value)
{
    saml_assertion_t *a;
    const char *xml;
    o.name_id = "alice@contoso.example.evil.test";
    xml = tk_replace(tk_pool(), signed_default(), "alice@contoso.example.evil.test</NameID>",
                     "alice@contoso.example<![CDATA[.evil.test]]></NameID>");
    a = accepted(xml);
    ck_assert_str_eq(a->user, "alice@contoso.example.evil.test");
}
END_TEST

START_TEST(pi_in_nameid_refused)
{
    const char *xml = tk_replace(tk_pool(), signed_default(), "@contoso.example</NameID>",
                                 "<?x y?>@contoso.example</NameID>");
    refused(xml, "xml");
}
END_TEST

START_TEST(comment_in_user_attribute_refused)
{
    saml_response_policy_t pol = policy();
    const char *xml;
    pol.user_attribute = TK_CLAIM_NAME;
    o.attributes = NULL;
    tk_add_attribute(tk_pool(), &o, TK_CLAIM_NAME, "alice@contoso.example.evil.test", NULL);
    xml = tk_replace(tk_pool(), signed_default(), "alice@contoso.example.evil.test<",
                     "alice@contoso.example<!---->.evil.test<");
    refused_with(xml, &pol, "text-content");
    xml = tk_replace(tk_pool(), signed_default(), "alice@contoso.example.evil.test<",
                     "alice@contoso.example<![CDATA[.evil.test]]><");
    ck_assert_str_eq(accepted_with(xml, &pol)->user, "alice@contoso.example.evil.test");
}
END_TEST

/* ---- signature wrapping (Somorovsky et al. XSW1-8 and kin) ---------------- */

static void refused_by_one_of(const char *xml, const char *a, const char *b)
{
    saml_assertion_t *out = NULL;
    saml_err_t err = { NULL, NULL };
    saml_response_policy_t pol = policy();
    ck_assert_int_ne(run(xml, &pol, &out, &err), APR_SUCCESS);
    ck_assert_msg(!strcmp(err.check, a) || !strcmp(err.check, b), "refused by %s (%s)",
                  err.check, err.detail);
}

static const char *body(const char *xml)   /* without the XML declaration */
{
    const char *lt = strstr(xml, "<samlp:Response");
    ck_assert_ptr_nonnull(lt);
    return lt;
}

static const char *evil_assertion(const char *signed_xml, const char *new_id)
{
    const char *as = tk_between(tk_pool(), signed_xml, "<Assertion ", "</Assertion>");
    if (strstr(as, "<Signature"))
        as = tk_replace(tk_pool(), as, tk_between(tk_pool(), as, "<Signature", "</Signature>"), "");
    as = tk_replace(tk_pool(), as, "alice@contoso.example</NameID>", "admin@contoso.example</NameID>");
    return new_id ? tk_replace(tk_pool(), as, o.assertion_id, new_id) : as;
}

START_TEST(xsw1_2_signed_response_wrapped_in_unsigned_one)
{
    const char *xml, *outer;
    o.sign = TK_SIGN_RESPONSE;
    xml = signed_default();
    outer = apr_pstrcat(tk_pool(), "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\""
                        " ID=\"_evil\" Version=\"2.0\" IssueInstant=\"", tk_time(tk_pool(), o.now),
                        "\" Destination=\"" TK_ACS_URL "\">", NULL);
    /* XSW1: original signed Response inside Extensions, forged Assertion after */
    refused_by_one_of(apr_pstrcat(tk_pool(), outer, "<samlp:Extensions>", body(xml),
                                  "</samlp:Extensions>", evil_assertion(xml, "_evil-a"),
                                  "</samlp:Response>", NULL), "assertion-count", "signature-shape");
    /* XSW2: the same with the signed Response after the forged Assertion */
    refused_by_one_of(apr_pstrcat(tk_pool(), outer, evil_assertion(xml, "_evil-a"),
                                  body(xml), "</samlp:Response>", NULL),
                      "assertion-count", "signature-shape");
}
END_TEST

START_TEST(xsw3_4_forged_assertion_beside_signed_one)
{
    const char *xml = signed_default();
    const char *signed_as = tk_between(tk_pool(), xml, "<Assertion ", "</Assertion>");
    /* same ID before / after: the ID table must refuse */
    refused(tk_replace(tk_pool(), xml, signed_as,
                       apr_pstrcat(tk_pool(), evil_assertion(xml, NULL), signed_as, NULL)),
            "duplicate-id");
    refused(tk_replace(tk_pool(), xml, signed_as,
                       apr_pstrcat(tk_pool(), signed_as, evil_assertion(xml, NULL), NULL)),
            "duplicate-id");
    /* a second assertion with its own ID, before and after the signed one */
    refused(tk_replace(tk_pool(), xml, signed_as,
                       apr_pstrcat(tk_pool(), evil_assertion(xml, "_evil-a"), signed_as, NULL)),
            "assertion-count");
    refused(tk_replace(tk_pool(), xml, signed_as,
                       apr_pstrcat(tk_pool(), signed_as, evil_assertion(xml, "_evil-a"), NULL)),
            "assertion-count");
}
END_TEST

START_TEST(xsw5_8_signed_assertion_hidden_inside_forged_one)
{
    const char *xml = signed_default();
    const char *signed_as = tk_between(tk_pool(), xml, "<Assertion ", "</Assertion>");
    const char *evil = evil_assertion(xml, "_evil-a");
    /* XSW5/6: inside the forged Assertion directly, or in its Advice */
    refused(tk_replace(tk_pool(), xml, signed_as,
                       tk_replace(tk_pool(), evil, "</Assertion>",
                                  apr_pstrcat(tk_pool(), signed_as, "</Assertion>", NULL))),
            "assertion-count");
    refused(tk_replace(tk_pool(), xml, signed_as,
                       tk_replace(tk_pool(), evil, "</Conditions>",
                                  apr_pstrcat(tk_pool(), "</Conditions><Advice>", signed_as,
                                              "</Advice>", NULL))),
            "assertion-count");
    /* XSW7/8: inside an Object of a Signature placed in the forged Assertion */
    refused_by_one_of(tk_replace(tk_pool(), xml, signed_as,
                                 tk_replace(tk_pool(), evil, "<Subject>",
                                            apr_pstrcat(tk_pool(), "<ds:Signature xmlns:ds=\""
                                                        "http://www.w3.org/2000/09/xmldsig#\">"
                                                        "<ds:Object>", signed_as,
                                                        "</ds:Object></ds:Signature><Subject>",
                                                        NULL))),
                      "assertion-count", "signature-shape");
    /* and in the Response's Extensions, with the forged one in its place */
    refused(tk_replace(tk_pool(), tk_replace(tk_pool(), xml, signed_as, evil), "<samlp:Status>",
                       apr_pstrcat(tk_pool(), "<samlp:Extensions>", signed_as,
                                   "</samlp:Extensions><samlp:Status>", NULL)),
            "assertion-count");
}
END_TEST

START_TEST(unsigned_assertion_in_signed_response_covered_by_response_signature)
{
    /* Response-only signing: swapping the Assertion breaks the Response signature. */
    const char *xml;
    o.sign = TK_SIGN_RESPONSE;
    xml = signed_default();
    refused(tk_replace(tk_pool(), xml, "alice@contoso.example</NameID>",
                       "admin@contoso.example</NameID>"), "signature");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("response");
    TCase *tc = tcase_create("response");
    SRunner *sr;
    int failed;

    make_keys();
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, tk_teardown);
    tcase_add_test(tc, assertion_signed_accepted_and_read);
    tcase_add_test(tc, response_signed_accepted);
    tcase_add_test(tc, both_signed_accepted);
    tcase_add_test(tc, unsigned_refused);
    tcase_add_test(tc, signed_by_attacker_refused);
    tcase_add_test(tc, response_signature_must_verify_when_assertion_also_signed);
    tcase_add_test(tc, expiry_value_is_the_earlier_of_conditions_and_scd);
    tcase_add_test(tc, decode_round_trip_and_refusals);
    tcase_add_test(tc, size_limit);
    tcase_add_test(tc, root_must_be_protocol_response);
    tcase_add_test(tc, response_version);
    tcase_add_test(tc, response_issue_instant_must_parse);
    tcase_add_test(tc, encrypted_assertion_refused);
    tcase_add_test(tc, no_assertion_refused);
    tcase_add_test(tc, signature_outside_the_two_places_refused);
    tcase_add_test(tc, digest_value_planted_elsewhere_is_not_used);
    tcase_add_test(tc, duplicate_id_refused);
    tcase_add_test(tc, status_not_success_refused_with_message);
    tcase_add_test(tc, unsigned_error_answer_refused_by_status);
    tcase_add_test(tc, success_without_assertion_refused_by_count);
    tcase_add_test(tc, destination_must_match);
    tcase_add_test(tc, response_issuer_must_match_when_present);
    tcase_add_test(tc, assertion_issuer_required_and_must_match);
    tcase_add_test(tc, issuer_format_must_be_entity);
    tcase_add_test(tc, assertion_version);
    tcase_add_test(tc, assertion_issue_instant_must_parse);
    tcase_add_test(tc, nameid_required_and_not_empty);
    tcase_add_test(tc, encrypted_id_refused);
    tcase_add_test(tc, bearer_confirmation_required);
    tcase_add_test(tc, recipient_must_match);
    tcase_add_test(tc, any_one_valid_bearer_confirmation_suffices);
    tcase_add_test(tc, scd_not_on_or_after_required);
    tcase_add_test(tc, scd_not_before_in_future_refused);
    tcase_add_test(tc, in_response_to_rules);
    tcase_add_test(tc, conditions_required);
    tcase_add_test(tc, audience_must_name_us);
    tcase_add_test(tc, every_audience_restriction_must_be_satisfied);
    tcase_add_test(tc, conditions_not_before_skew_boundary);
    tcase_add_test(tc, conditions_not_on_or_after_skew_boundary);
    tcase_add_test(tc, scd_not_on_or_after_skew_boundary);
    tcase_add_test(tc, malformed_times_refused);
    tcase_add_test(tc, authn_statement_required);
    tcase_add_test(tc, session_not_on_or_after_honoured);
    tcase_add_test(tc, user_from_attribute);
    tcase_add_test(tc, user_attribute_twice_refused);
    tcase_add_test(tc, control_characters_in_user_refused);
    tcase_add_test(tc, attribute_without_name_refused);
    tcase_add_test(tc, nil_attribute_value_is_empty);
    tcase_add_test(tc, multi_valued_attribute);
    tcase_add_test(tc, comment_in_nameid_refused);
    tcase_add_test(tc, cdata_in_nameid_yields_the_whole_value);
    tcase_add_test(tc, pi_in_nameid_refused);
    tcase_add_test(tc, comment_in_user_attribute_refused);
    tcase_add_test(tc, xsw1_2_signed_response_wrapped_in_unsigned_one);
    tcase_add_test(tc, xsw3_4_forged_assertion_beside_signed_one);
    tcase_add_test(tc, xsw5_8_signed_assertion_hidden_inside_forged_one);
    tcase_add_test(tc, unsigned_assertion_in_signed_response_covered_by_response_signature);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
