/* saml/response.c: one test per rule, each starting from a valid Entra-shaped
 * response signed at test time and breaking exactly one thing (the attack
 * families are in test_response_attacks.c). Refusals assert the
 * check name so that removing the rule under test makes its test fail. */
#include <apr_strings.h>
#include <check.h>
#include <string.h>

#include "saml/codec.h"
#include "tests/unit/response_fixture.h"

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

/* Entra writes "spn:<Identifier>" when the app's Identifier is not a URI
 * (an application id GUID). That form is refused, never derived from our
 * entity ID, whatever its case; the detail says why and what to change. */
START_TEST(entra_spn_audience_refused_with_the_reason)
{
    static const char *guid = "8d4b7f1e-52c3-4b8e-9a0f-1c2d3e4f5a6b";
    saml_response_policy_t pol = policy();
    saml_assertion_t *a = NULL;
    saml_err_t err = { NULL, NULL };

    o.audience = "spn:" TK_SP_ENTITY_ID;
    ck_assert_int_ne(run(signed_default(), &pol, &a, &err), APR_SUCCESS);
    ck_assert_str_eq(err.check, "audience");
    ck_assert_ptr_nonnull(strstr(err.detail, "names \"spn:" TK_SP_ENTITY_ID "\""));
    ck_assert_ptr_nonnull(strstr(err.detail, "Microsoft Entra ID (Azure AD) writes spn:"));

    /* A core caller with a bare GUID entity ID gets no spn: leniency either,
     * in either case of the GUID; only the exact value would do. */
    pol.sp_entity_id = guid;
    o.audience = apr_pstrcat(tk_pool(), "spn:", guid, NULL);
    refused_with(signed_default(), &pol, "audience");
    o.audience = "spn:8D4B7F1E-52C3-4B8E-9A0F-1C2D3E4F5A6B";
    refused_with(signed_default(), &pol, "audience");
    o.audience = "SPN:8d4b7f1e-52c3-4b8e-9a0f-1c2d3e4f5a6b";
    refused_with(signed_default(), &pol, "audience");
    o.audience = guid;
    accepted_with(signed_default(), &pol);

    /* Another audience gets the plain detail, without the Entra hint. */
    pol = policy();
    o.audience = "spn:https://other-sp.example.test/";
    err.check = err.detail = NULL;
    ck_assert_int_ne(run(signed_default(), &pol, &a, &err), APR_SUCCESS);
    ck_assert_ptr_null(strstr(err.detail, "spn:"));
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

/* Any attribute that becomes REMOTE_USER somewhere (a <Location>'s own
 * SequrSAMLUserAttribute), the NameID and the SessionIndex reach request
 * headers of a proxied backend: a line break there would be a header of its
 * own. Refused at sign-in even when the server's user is another one. */
START_TEST(control_characters_in_identity_values_refused)
{
    apr_array_header_t *names = apr_array_make(tk_pool(), 2, sizeof(const char *));
    saml_response_policy_t pol = policy();

    APR_ARRAY_PUSH(names, const char *) = "urn:sequr:test:display";
    APR_ARRAY_PUSH(names, const char *) = "urn:missing";
    pol.identity_attributes = names;
    tk_add_attribute(tk_pool(), &o, "urn:sequr:test:display", "Alice", NULL);
    /* Clean values (and an identity attribute the response lacks) pass. */
    ck_assert_str_eq(accepted_with(signed_default(), &pol)->user, "alice@contoso.example");

    setup();
    pol = policy();
    pol.identity_attributes = names;
    tk_add_attribute(tk_pool(), &o, "urn:sequr:test:display",
                     "Alice\nSequr-SAML-Tenant: contoso\nX-Injected: 1", "Bob", NULL);
    refused_with(signed_after("contoso\nX-Injected", "contoso&#13;\nX-Injected"), &pol,
                 "user-attribute");
    /* Not an identity anywhere: left to the environment export, which skips it. */
    pol.identity_attributes = NULL;
    accepted_with(signed_default(), &pol);

    /* The NameID also when the user comes from an attribute. */
    setup();
    pol = policy();
    pol.user_attribute = TK_CLAIM_NAME;
    o.name_id = "opaque\nX-Injected: 1";
    refused_with(signed_default(), &pol, "nameid");

    setup();
    o.session_index = "_idx";
    refused(signed_after("SessionIndex=\"_idx\"", "SessionIndex=\"_idx&#10;X-Injected: 1\""),
            "session-index");
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

/* SequrSAMLUserAttribute with fallbacks: the first name present wins; any
 * name of the list sent as two Attribute elements is refused. */
START_TEST(user_attribute_list_first_present_wins)
{
    apr_array_header_t *names = apr_array_make(tk_pool(), 2, sizeof(const char *));
    saml_response_policy_t pol = policy();
    const saml_assertion_t *a;

    APR_ARRAY_PUSH(names, const char *) = "urn:missing";
    APR_ARRAY_PUSH(names, const char *) = TK_CLAIM_NAME;
    pol.user_attributes = names;
    pol.user_attribute = "urn:ignored-when-a-list-is-set";
    o.name_id = "opaque";
    a = accepted_with(signed_default(), &pol);
    ck_assert_str_eq(a->user, "alice@contoso.example");
    ck_assert_str_eq(a->user_source, TK_CLAIM_NAME);
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

int main(void)
{
    Suite *s = suite_create("response");
    TCase *tc = tcase_create("response");

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
    tcase_add_test(tc, entra_spn_audience_refused_with_the_reason);
    tcase_add_test(tc, every_audience_restriction_must_be_satisfied);
    tcase_add_test(tc, conditions_not_before_skew_boundary);
    tcase_add_test(tc, conditions_not_on_or_after_skew_boundary);
    tcase_add_test(tc, scd_not_on_or_after_skew_boundary);
    tcase_add_test(tc, malformed_times_refused);
    tcase_add_test(tc, authn_statement_required);
    tcase_add_test(tc, session_not_on_or_after_honoured);
    tcase_add_test(tc, user_from_attribute);
    tcase_add_test(tc, user_attribute_twice_refused);
    tcase_add_test(tc, user_attribute_list_first_present_wins);
    tcase_add_test(tc, control_characters_in_user_refused);
    tcase_add_test(tc, control_characters_in_identity_values_refused);
    tcase_add_test(tc, attribute_without_name_refused);
    tcase_add_test(tc, nil_attribute_value_is_empty);
    tcase_add_test(tc, multi_valued_attribute);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
