/* saml/response.c against the published attacks: text splitting inside
 * identities (Duo 2018, CVE-2017-11427 family) and XML signature wrapping
 * (Somorovsky et al., XSW1-8). Each starts from a genuinely signed response. */
#include <apr_strings.h>
#include <check.h>
#include <string.h>

#include "saml/codec.h"
#include "tests/unit/response_fixture.h"

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
    Suite *s = suite_create("response_attacks");
    TCase *tc = tcase_create("response_attacks");

    make_keys();
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, tk_teardown);
    tcase_add_test(tc, comment_in_nameid_refused);
    tcase_add_test(tc, cdata_in_nameid_yields_the_whole_value);
    tcase_add_test(tc, pi_in_nameid_refused);
    tcase_add_test(tc, comment_in_user_attribute_refused);
    tcase_add_test(tc, xsw1_2_signed_response_wrapped_in_unsigned_one);
    tcase_add_test(tc, xsw3_4_forged_assertion_beside_signed_one);
    tcase_add_test(tc, xsw5_8_signed_assertion_hidden_inside_forged_one);
    tcase_add_test(tc, unsigned_assertion_in_signed_response_covered_by_response_signature);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
