/* The AuthnRequest for Azure AD, read back the way Azure reads it: from the
 * redirect URL, url-decoded, base64-decoded, inflated and parsed. */
#include <check.h>
#include <string.h>

#include <apr_strings.h>

#include "saml/authn_request.h"
#include "saml/codec.h"
#include "saml/form.h"
#include "saml/random.h"
#include "tests/unit/testkit.h"
#include "saml/time.h"
#include "saml/xml.h"

#define SSO_URL "https://login.microsoftonline.com/4a3c1e2d-8b9f-4c6e-a1d2-7f0e9b8c6d5a/saml2"

static saml_authn_request_t base_request(void)
{
    saml_authn_request_t req;
    memset(&req, 0, sizeof(req));
    req.id = saml_random_id(tk_pool(), "_");
    req.sp_entity_id = "https://sequr.example/saml";
    req.acs_url = "https://sequr.example/saml/acs";
    req.idp_sso_url = SSO_URL;
    req.now = apr_time_now();
    return req;
}

/* The query of url as a table (our strict form parser reads queries too). */
static apr_table_t *query_of(const char *url, const char *expect_prefix)
{
    apr_table_t *t = NULL;
    saml_err_t err = { 0 };
    const char *q;

    ck_assert_msg(strncmp(url, expect_prefix, strlen(expect_prefix)) == 0, "url %s", url);
    q = url + strlen(expect_prefix);
    ck_assert_msg(saml_form_parse(tk_pool(), q, strlen(q), &t, &err) == APR_SUCCESS, "%s", err.detail);
    return t;
}

/* SAMLRequest back to a parsed document. */
static xmlNodePtr decode_request(const char *param, const char **xml_out)
{
    unsigned char *z, *xml;
    apr_size_t zlen, xlen;
    saml_err_t err = { 0 };
    saml_xml_limits_t limits = { SAML_XML_DEFAULT_MAX_BYTES, SAML_XML_DEFAULT_MAX_DEPTH, 0 };
    xmlDocPtr doc;

    ck_assert_ptr_nonnull(param);
    ck_assert_int_eq(saml_base64_decode(tk_pool(), param, strlen(param), 64 * 1024, &z, &zlen, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_inflate(tk_pool(), z, zlen, 64 * 1024, &xml, &xlen, &err), APR_SUCCESS);
    ck_assert_msg(saml_xml_parse(tk_pool(), (char *)xml, xlen, &limits, &doc, &err) == APR_SUCCESS,
                  "%s: %s", err.detail, xml);
    if (xml_out)
        *xml_out = (const char *)xml;
    return xmlDocGetRootElement(doc);
}

static const char *attr(xmlNodePtr n, const char *name)
{
    return saml_xml_attr(tk_pool(), n, name);
}

START_TEST(redirect_url_carries_the_request_azure_wants)
{
    saml_authn_request_t req = base_request();
    const char *url = NULL, *issued, *text = NULL;
    apr_table_t *q;
    xmlNodePtr root, issuer, policy;
    apr_time_t instant;
    int count;

    req.relay_state = "/app/page?x=1&y=2";
    ck_assert_int_eq(saml_authn_request_redirect_url(tk_pool(), &req, &url), APR_SUCCESS);
    q = query_of(url, SSO_URL "?");
    ck_assert_int_eq(apr_table_elts(q)->nelts, 2);
    ck_assert_str_eq(apr_table_get(q, "RelayState"), "/app/page?x=1&y=2");
    root = decode_request(apr_table_get(q, "SAMLRequest"), NULL);

    ck_assert(saml_xml_is(root, SAML_NS_PROTOCOL, "AuthnRequest"));
    ck_assert_str_eq((const char *)root->ns->prefix, "samlp");
    ck_assert_str_eq(attr(root, "ID"), req.id);
    ck_assert_uint_eq(strlen(req.id), 33);
    ck_assert_int_eq(req.id[0], '_');
    ck_assert_str_eq(attr(root, "Version"), "2.0");
    ck_assert_str_eq(attr(root, "Destination"), SSO_URL);
    ck_assert_str_eq(attr(root, "AssertionConsumerServiceURL"), "https://sequr.example/saml/acs");
    ck_assert_str_eq(attr(root, "ProtocolBinding"), "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
    ck_assert_ptr_null(attr(root, "ForceAuthn"));
    issued = attr(root, "IssueInstant");
    ck_assert_ptr_nonnull(issued);
    ck_assert_int_eq(saml_time_parse(issued, &instant), APR_SUCCESS);
    ck_assert_int_eq(instant, req.now - req.now % APR_USEC_PER_SEC);
    ck_assert_int_eq(issued[strlen(issued) - 1], 'Z');

    issuer = saml_xml_child(root, SAML_NS_ASSERTION, "Issuer", &count);
    ck_assert_int_eq(count, 1);
    ck_assert_str_eq((const char *)issuer->ns->prefix, "saml");
    ck_assert_int_eq(saml_xml_text(tk_pool(), issuer, &text, NULL), APR_SUCCESS);
    ck_assert_str_eq(text, "https://sequr.example/saml");
    policy = saml_xml_child(root, SAML_NS_PROTOCOL, "NameIDPolicy", &count);
    ck_assert_int_eq(count, 1);
    ck_assert_str_eq(attr(policy, "Format"), SAML_NAMEID_EMAIL);
    ck_assert_str_eq(attr(policy, "AllowCreate"), "true");
    /* Azure refuses a Subject (AADSTS900236); nothing else is sent either. */
    ck_assert_ptr_null(saml_xml_child(root, SAML_NS_ASSERTION, "Subject", NULL));
    ck_assert_int_eq(saml_xml_element_count(root), 2);
}
END_TEST

START_TEST(force_authn_and_name_id_format)
{
    saml_authn_request_t req = base_request();
    const char *url = NULL;
    xmlNodePtr root;

    req.force_authn = 1;
    req.name_id_format = SAML_NAMEID_PERSISTENT;
    ck_assert_int_eq(saml_authn_request_redirect_url(tk_pool(), &req, &url), APR_SUCCESS);
    root = decode_request(apr_table_get(query_of(url, SSO_URL "?"), "SAMLRequest"), NULL);
    ck_assert_str_eq(attr(root, "ForceAuthn"), "true");
    ck_assert_str_eq(attr(saml_xml_child(root, SAML_NS_PROTOCOL, "NameIDPolicy", NULL), "Format"),
                     SAML_NAMEID_PERSISTENT);
}
END_TEST

START_TEST(appends_to_an_sso_url_with_a_query)
{
    saml_authn_request_t req = base_request();
    const char *url = NULL;
    apr_table_t *q;

    req.idp_sso_url = SSO_URL "?login_hint=user%40contoso.com";
    ck_assert_int_eq(saml_authn_request_redirect_url(tk_pool(), &req, &url), APR_SUCCESS);
    ck_assert_ptr_null(strstr(url + strlen(SSO_URL) + 1, "?"));
    q = query_of(url, SSO_URL "?");
    ck_assert_str_eq(apr_table_get(q, "login_hint"), "user@contoso.com");
    ck_assert_ptr_nonnull(apr_table_get(q, "SAMLRequest"));
    ck_assert_ptr_null(apr_table_get(q, "RelayState"));   /* none given */
    ck_assert_ptr_null(strstr(url, "RelayState"));
    ck_assert_str_eq(attr(decode_request(apr_table_get(q, "SAMLRequest"), NULL), "Destination"),
                     req.idp_sso_url);
}
END_TEST

START_TEST(escapes_hostile_values)
{
    saml_authn_request_t req = base_request();
    const char *url = NULL, *xml = NULL, *text = NULL;
    apr_table_t *q;
    xmlNodePtr root;

    req.sp_entity_id = "https://evil\"<&>'.example/\"><saml:Subject/>";
    req.acs_url = "https://sequr.example/acs?a=1&b=\"2\"";
    req.relay_state = "/x?a=1&RelayState=/evil#frag %+";
    ck_assert_int_eq(saml_authn_request_redirect_url(tk_pool(), &req, &url), APR_SUCCESS);
    q = query_of(url, SSO_URL "?");
    ck_assert_int_eq(apr_table_elts(q)->nelts, 2);
    ck_assert_str_eq(apr_table_get(q, "RelayState"), "/x?a=1&RelayState=/evil#frag %+");
    ck_assert_ptr_null(strchr(url, '#'));
    ck_assert_ptr_null(strchr(url, ' '));
    root = decode_request(apr_table_get(q, "SAMLRequest"), &xml);
    ck_assert_ptr_null(strstr(xml, "<saml:Subject"));
    ck_assert_int_eq(saml_xml_text(tk_pool(), saml_xml_child(root, SAML_NS_ASSERTION, "Issuer", NULL),
                                   &text, NULL), APR_SUCCESS);
    ck_assert_str_eq(text, req.sp_entity_id);
    ck_assert_str_eq(attr(root, "AssertionConsumerServiceURL"), req.acs_url);
    ck_assert_int_eq(saml_xml_element_count(root), 2);
}
END_TEST

START_TEST(ids_never_start_with_a_digit_and_are_fresh)
{
    saml_authn_request_t req = base_request();
    const char *url = NULL;
    int i;

    for (i = 0; i < 50; i++) {
        const char *id = saml_random_id(tk_pool(), "_");
        ck_assert(!(id[0] >= '0' && id[0] <= '9'));
        ck_assert_str_ne(id, req.id);
    }
    /* A caller's id starting with a digit, or a missing field, is refused. */
    req.id = "0abc";
    ck_assert_ptr_null(saml_authn_request_xml(tk_pool(), &req));
    ck_assert_int_ne(saml_authn_request_redirect_url(tk_pool(), &req, &url), APR_SUCCESS);
    req = base_request();
    req.acs_url = NULL;
    ck_assert_ptr_null(saml_authn_request_xml(tk_pool(), &req));
    req = base_request();
    ck_assert_ptr_nonnull(saml_authn_request_xml(tk_pool(), &req));
}
END_TEST

static Suite *authn_request_suite(void)
{
    Suite *s = suite_create("authn_request");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, redirect_url_carries_the_request_azure_wants);
    tcase_add_test(tc, force_authn_and_name_id_format);
    tcase_add_test(tc, appends_to_an_sso_url_with_a_query);
    tcase_add_test(tc, escapes_hostile_values);
    tcase_add_test(tc, ids_never_start_with_a_digit_and_are_fresh);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(authn_request_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
