/* The POST binding's form body: decoded strictly, duplicates refused. */
#include <apr_strings.h>
#include <check.h>
#include <string.h>

#include "saml/form.h"
#include "tests/unit/testkit.h"

static apr_status_t parse(const char *body, apr_size_t len, apr_table_t **t, saml_err_t *err)
{
    return saml_form_parse(tk_pool(), body, len, t, err);
}

#define PARSE(lit, t, err) parse(lit, sizeof(lit) - 1, t, err)

START_TEST(parses_fields_and_decodes_values)
{
    apr_table_t *t = NULL;
    saml_err_t err = { 0 };

    ck_assert_int_eq(PARSE("SAMLResponse=PHNhbWxwOlJlc3BvbnNlLz4%3D&RelayState=%2Fapp%2Fa+b%3Fx%3D1",
                           &t, &err), APR_SUCCESS);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 2);
    ck_assert_str_eq(apr_table_get(t, "SAMLResponse"), "PHNhbWxwOlJlc3BvbnNlLz4=");
    ck_assert_str_eq(apr_table_get(t, "RelayState"), "/app/a b?x=1");
}
END_TEST

START_TEST(decodes_names_plus_and_utf8)
{
    apr_table_t *t = NULL;
    saml_err_t err = { 0 };

    ck_assert_int_eq(PARSE("a+b=c+d&%41%62=%c3%A9&empty=&bare", &t, &err), APR_SUCCESS);
    ck_assert_str_eq(apr_table_get(t, "a b"), "c d");
    ck_assert_str_eq(apr_table_get(t, "Ab"), "\xc3\xa9");
    ck_assert_str_eq(apr_table_get(t, "empty"), "");
    ck_assert_str_eq(apr_table_get(t, "bare"), "");
    ck_assert_int_eq(apr_table_elts(t)->nelts, 4);
}
END_TEST

START_TEST(empty_body_is_empty_table)
{
    apr_table_t *t = NULL;
    saml_err_t err = { 0 };

    ck_assert_int_eq(parse("", 0, &t, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
    t = NULL;
    ck_assert_int_eq(parse(NULL, 0, &t, &err), APR_SUCCESS);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
    /* Empty segments carry no field. */
    ck_assert_int_eq(PARSE("&a=1&&", &t, &err), APR_SUCCESS);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 1);
    ck_assert_str_eq(apr_table_get(t, "a"), "1");
}
END_TEST

START_TEST(honours_length_not_nul)
{
    apr_table_t *t = NULL;
    saml_err_t err = { 0 };
    const char body[] = "a=1&b=2";

    /* Only the first 3 bytes are the body. */
    ck_assert_int_eq(parse(body, 3, &t, &err), APR_SUCCESS);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 1);
    ck_assert_str_eq(apr_table_get(t, "a"), "1");
    /* An escape cut off by the length is a bad escape, not a read past it. */
    ck_assert_int_eq(parse("a=%41", 4, &t, &err), SAML_EMALFORMED);
}
END_TEST

START_TEST(refuses_duplicate_fields)
{
    apr_table_t *t = NULL;
    saml_err_t err = { 0 };

    ck_assert_int_eq(PARSE("SAMLResponse=a&SAMLResponse=b", &t, &err), SAML_EMALFORMED);
    ck_assert_str_eq(err.check, "form-duplicate");
    ck_assert_ptr_nonnull(strstr(err.detail, "SAMLResponse"));
    ck_assert_int_eq(PARSE("RelayState=%2F&x=1&RelayState=%2Fother", &t, &err), SAML_EMALFORMED);
    ck_assert_int_eq(PARSE("a=1&a=1", &t, &err), SAML_EMALFORMED);
    ck_assert_int_eq(PARSE("a=&a", &t, &err), SAML_EMALFORMED);
    /* The same name spelled with an escape, or in another case, is the same field. */
    ck_assert_int_eq(PARSE("SAMLResponse=a&SAML%52esponse=b", &t, &err), SAML_EMALFORMED);
    ck_assert_int_eq(PARSE("SAMLResponse=a&samlresponse=b", &t, &err), SAML_EMALFORMED);
}
END_TEST

START_TEST(refuses_bad_escapes_and_nul)
{
    static const struct { const char *s; size_t len; } bad[] = {
        { "a=%", 3 }, { "a=%4", 4 }, { "a=%4g", 5 }, { "a=%g4", 5 }, { "a=%%41", 6 },
        { "%zz=1", 5 }, { "a=%00", 5 }, { "a%00b=1", 7 }, { "a=x\0y", 5 }, { "=1", 2 },
        { "a=1&=2", 6 },
    };
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        apr_table_t *t = NULL;
        saml_err_t err = { 0 };
        ck_assert_msg(parse(bad[i].s, bad[i].len, &t, &err) == SAML_EMALFORMED,
                      "accepted bad form #%zu", i);
        ck_assert_str_eq(err.check, "form");
        ck_assert_ptr_nonnull(err.detail);
    }
}
END_TEST

/* "Aaaa" + n in base 26: distinct names sharing their first four bytes, so
 * all land in one apr_table bucket with one checksum (the quadratic case). */
static char *colliding_fields(apr_size_t n, apr_size_t *len)
{
    char *body = apr_palloc(tk_pool(), n * 12 + 1), *o = body;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        apr_size_t v = i;
        int k;
        if (i)
            *o++ = '&';
        memcpy(o, "Aaaa", 4);
        o += 4;
        for (k = 0; k < 4; k++, v /= 26)
            *o++ = (char)('a' + v % 26);
        *o++ = '=';
    }
    *o = '\0';
    *len = (apr_size_t)(o - body);
    return body;
}

START_TEST(field_count_capped)
{
    apr_table_t *t = NULL;
    saml_err_t err = { 0 };
    apr_size_t len;
    char *body = colliding_fields(SAML_FORM_MAX_FIELDS, &len);

    /* The ACS needs two fields, logout three: the cap leaves a margin. */
    ck_assert_int_ge(SAML_FORM_MAX_FIELDS, 3);
    ck_assert_int_le(SAML_FORM_MAX_FIELDS, 16);
    ck_assert_int_eq(parse(body, len, &t, &err), APR_SUCCESS);
    ck_assert_int_eq(apr_table_elts(t)->nelts, SAML_FORM_MAX_FIELDS);
    /* One more is refused, by its own check. */
    body = colliding_fields(SAML_FORM_MAX_FIELDS + 1, &len);
    t = NULL;
    ck_assert_int_eq(parse(body, len, &t, &err), SAML_EMALFORMED);
    ck_assert_ptr_null(t);
    ck_assert_str_eq(err.check, "form-fields");
    ck_assert_ptr_nonnull(strstr(err.detail, "fields"));
    /* Empty segments carry no field and do not count. */
    ck_assert_int_eq(PARSE("&&&&&&&&&&&&&&&&a=1&&&&&&&&&&&&&&&&&&&&&b=2&&&&&&&", &t, &err),
                     APR_SUCCESS);
}
END_TEST

START_TEST(field_count_checked_before_decoding)
{
    apr_table_t *t = NULL;
    saml_err_t err = { 0 };

    /* Nine fields, the last with a bad escape and the first two the same
     * name: the count refuses first, so nothing was decoded or compared. */
    ck_assert_int_eq(PARSE("a=1&a=2&c&d&e&f&g&h&i=%zz", &t, &err), SAML_EMALFORMED);
    ck_assert_str_eq(err.check, "form-fields");
}
END_TEST

START_TEST(fifty_thousand_colliding_fields_refused)
{
    apr_table_t *t = NULL;
    saml_err_t err = { 0 };
    apr_size_t len;
    char *body = colliding_fields(50000, &len);

    /* The 354 KB body of issue #10: accepted after seconds of CPU before. */
    ck_assert_int_eq(parse(body, len, &t, &err), SAML_EMALFORMED);
    ck_assert_str_eq(err.check, "form-fields");
    ck_assert_ptr_nonnull(strstr(err.detail, "50000 fields"));
}
END_TEST

static Suite *form_suite(void)
{
    Suite *s = suite_create("form");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, parses_fields_and_decodes_values);
    tcase_add_test(tc, decodes_names_plus_and_utf8);
    tcase_add_test(tc, empty_body_is_empty_table);
    tcase_add_test(tc, honours_length_not_nul);
    tcase_add_test(tc, refuses_duplicate_fields);
    tcase_add_test(tc, refuses_bad_escapes_and_nul);
    tcase_add_test(tc, field_count_capped);
    tcase_add_test(tc, field_count_checked_before_decoding);
    tcase_add_test(tc, fifty_thousand_colliding_fields_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(form_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
