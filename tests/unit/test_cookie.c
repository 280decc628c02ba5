/* Finding our cookie among what a browser sends, whatever else is there. */
#include <check.h>
#include <string.h>

#include "cookie.h"
#include "testkit.h"

static apr_array_header_t *values_of(const char *header, const char *name)
{
    apr_array_header_t *v = apr_array_make(tk_pool(), 1, sizeof(const char *));
    saml_cookie_values(header, name, v);
    return v;
}

#define VALUE(arr, i) APR_ARRAY_IDX(arr, i, const char *)

START_TEST(finds_the_named_cookie_only)
{
    apr_array_header_t *v = values_of("a=1; sequr=abc; sequr_x=no; xsequr=no;sequr=def", "sequr");
    ck_assert_int_eq(v->nelts, 2);
    ck_assert_str_eq(VALUE(v, 0), "abc");
    ck_assert_str_eq(VALUE(v, 1), "def");
}
END_TEST

START_TEST(tolerates_odd_headers)
{
    ck_assert_int_eq(values_of("", "sequr")->nelts, 0);
    ck_assert_int_eq(values_of(";;;  ; =;=x", "sequr")->nelts, 0);
    ck_assert_int_eq(values_of("sequr", "sequr")->nelts, 0);
    ck_assert_str_eq(VALUE(values_of("sequr=", "sequr"), 0), "");
    ck_assert_str_eq(VALUE(values_of("\tsequr=v ; b=2", "sequr"), 0), "v ");
    ck_assert_int_eq(values_of("sequr=x", "")->nelts, 0);
    ck_assert_int_eq(values_of(NULL, "sequr")->nelts, 0);
}
END_TEST

START_TEST(bounds_how_many_values_are_kept)
{
    char header[4096] = "";
    int i;
    for (i = 0; i < 100; i++)
        strcat(header, "sequr=v; ");
    ck_assert_int_eq(values_of(header, "sequr")->nelts, SAML_COOKIE_MAX_VALUES);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cookie");
    TCase *tc = tcase_create("cookie");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, finds_the_named_cookie_only);
    tcase_add_test(tc, tolerates_odd_headers);
    tcase_add_test(tc, bounds_how_many_values_are_kept);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
