/* PATH/session's JSON: escaping of whatever the IdP sent, and the document. */
#include <check.h>
#include <string.h>
#include <apr_strings.h>

#include "tests/unit/testkit.h"
#include "saml/json.h"
#include "saml/response.h"
#include "saml/session_info.h"
#include "saml/time.h"

#define J(s) saml_json_string(tk_pool(), s)

START_TEST(escapes_quotes_backslashes_and_controls)
{
    ck_assert_str_eq(J(NULL), "null");
    ck_assert_str_eq(J(""), "\"\"");
    ck_assert_str_eq(J("alice"), "\"alice\"");
    ck_assert_str_eq(J("a\"b\\c"), "\"a\\\"b\\\\c\"");
    ck_assert_str_eq(J("a\nb\rc\td\x01" "e\x1f" "f\x7f"),
                     "\"a\\u000ab\\u000dc\\u0009d\\u0001e\\u001ff\\u007f\"");
    /* A value can never close a <script> or start markup. */
    ck_assert_str_eq(J("</script><b>&"), "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\"");
}
END_TEST

START_TEST(passes_utf8_and_replaces_what_is_not)
{
    /* é, €, 😀 (2, 3 and 4 bytes) pass as they are. */
    ck_assert_str_eq(J("Ren\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                     "\"Ren\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* JavaScript line terminators U+2028 and U+2029. */
    ck_assert_str_eq(J("a\xe2\x80\xa8" "b\xe2\x80\xa9"), "\"a\\u2028b\\u2029\"");
    /* A lone continuation byte, a truncated sequence, an overlong '/', a
     * surrogate, beyond U+10FFFF, 0xff: each offending byte is U+FFFD. */
    ck_assert_str_eq(J("a\x80" "b"), "\"a\xef\xbf\xbd" "b\"");
    ck_assert_str_eq(J("a\xc3"), "\"a\xef\xbf\xbd\"");
    ck_assert_str_eq(J("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    ck_assert_str_eq(J("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    ck_assert_str_eq(J("\xf4\x90\x80\x80"),
                     "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    ck_assert_str_eq(J("\xff"), "\"\xef\xbf\xbd\"");
    /* A truncated 3-byte sequence before the end does not swallow the quote. */
    ck_assert_str_eq(J("\xe2\x82"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
}
END_TEST

START_TEST(worst_case_fits)
{
    char in[257];
    const char *out;
    memset(in, 0x01, 256);
    in[256] = '\0';
    out = J(in);
    ck_assert_uint_eq(strlen(out), 256 * 6 + 2);
}
END_TEST

static void add_attribute(apr_array_header_t *attrs, const char *name, const char *v1,
                          const char *v2)
{
    saml_attribute_t *a = apr_array_push(attrs);
    a->name = name;
    a->values = apr_array_make(tk_pool(), 2, sizeof(const char *));
    APR_ARRAY_PUSH(a->values, const char *) = v1;
    if (v2)
        APR_ARRAY_PUSH(a->values, const char *) = v2;
}

static saml_session_t *session(void)
{
    saml_session_t *s = apr_pcalloc(tk_pool(), sizeof(*s));
    apr_time_t t;
    s->user = "alice@contoso.example";
    s->idp_entity_id = "https://sts.windows.net/t/";
    s->name_id = "alice@contoso.example";
    ck_assert_int_eq(saml_time_parse("2026-12-08T08:00:00Z", &t), APR_SUCCESS);
    s->expires = t;
    ck_assert_int_eq(saml_time_parse("2026-12-08T00:00:00Z", &t), APR_SUCCESS);
    s->last_access = t;
    s->attributes = apr_array_make(tk_pool(), 4, sizeof(saml_attribute_t));
    return s;
}

START_TEST(document_of_a_session)
{
    saml_session_t *s = session();
    const char *doc;

    add_attribute(s->attributes, "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
                  "g1", "g2");
    add_attribute(s->attributes, "name", "Ren\xc3\xa9 \"R\"", NULL);
    add_attribute(s->attributes, "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
                  "g3", NULL);
    doc = saml_session_info_json(tk_pool(), s, apr_time_from_sec(3600));
    ck_assert_str_eq(doc,
        "{\"user\": \"alice@contoso.example\", \"tenant\": null, "
        "\"idp\": \"https://sts.windows.net/t/\", \"name_id\": \"alice@contoso.example\", "
        "\"attributes\": {\"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups\": "
        "[\"g1\",\"g2\",\"g3\"],\"name\": [\"Ren\xc3\xa9 \\\"R\\\"\"]}, "
        "\"expires\": \"2026-12-08T08:00:00Z\", \"idle_timeout\": 3600, "
        "\"idle_expires\": \"2026-12-08T01:00:00Z\"}\n");
}
END_TEST

START_TEST(tenant_no_idle_limit_and_idle_past_the_end)
{
    saml_session_t *s = session();
    const char *doc;

    s->tenant = "contoso";
    s->attributes = NULL;
    doc = saml_session_info_json(tk_pool(), s, 0);
    ck_assert_ptr_nonnull(strstr(doc, "\"tenant\": \"contoso\""));
    ck_assert_ptr_nonnull(strstr(doc, "\"attributes\": {}"));
    ck_assert_ptr_nonnull(strstr(doc, "\"idle_timeout\": 0, \"idle_expires\": null}"));
    /* An idle limit reaching past the hard end ends with it. */
    doc = saml_session_info_json(tk_pool(), s, apr_time_from_sec(86400));
    ck_assert_ptr_nonnull(strstr(doc, "\"idle_expires\": \"2026-12-08T08:00:00Z\""));
    s->tenant = "";
    doc = saml_session_info_json(tk_pool(), s, 0);
    ck_assert_ptr_nonnull(strstr(doc, "\"tenant\": null"));
}
END_TEST

START_TEST(hostile_values_stay_inside_their_strings)
{
    saml_session_t *s = session();
    const char *doc;

    s->user = "x\", \"user\": \"admin";
    add_attribute(s->attributes, "role\"]}, \"user\": \"root", "\n</script>", "\xc3");
    doc = saml_session_info_json(tk_pool(), s, 0);
    ck_assert_ptr_nonnull(strstr(doc, "\"user\": \"x\\\", \\\"user\\\": \\\"admin\""));
    ck_assert_ptr_nonnull(strstr(doc, "\"role\\\"]}, \\\"user\\\": \\\"root\": "
                                      "[\"\\u000a\\u003c/script\\u003e\",\"\xef\xbf\xbd\"]"));
    ck_assert_ptr_null(strchr(doc, '<'));
    ck_assert_ptr_eq(strchr(doc, '\n'), doc + strlen(doc) - 1);
}
END_TEST

static Suite *session_info_suite(void)
{
    Suite *s = suite_create("session_info");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, escapes_quotes_backslashes_and_controls);
    tcase_add_test(tc, passes_utf8_and_replaces_what_is_not);
    tcase_add_test(tc, worst_case_fits);
    tcase_add_test(tc, document_of_a_session);
    tcase_add_test(tc, tenant_no_idle_limit_and_idle_past_the_end);
    tcase_add_test(tc, hostile_values_stay_inside_their_strings);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(session_info_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
