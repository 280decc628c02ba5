/* Finding our cookie among what a browser sends, whatever else is there. */
#include <check.h>
#include <string.h>

#include "saml/cookie.h"
#include "tests/unit/testkit.h"

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

START_TEST(several_different_values_name_no_session)
{
    int ambiguous;

    ck_assert_ptr_null(saml_cookie_single_value(values_of("", "s"), &ambiguous));
    ck_assert_int_eq(ambiguous, 0);
    ck_assert_str_eq(saml_cookie_single_value(values_of("s=victim", "s"), &ambiguous), "victim");
    ck_assert_int_eq(ambiguous, 0);
    /* The same value twice is one session (a browser may repeat itself). */
    ck_assert_str_eq(saml_cookie_single_value(values_of("s=v; s=v", "s"), &ambiguous), "v");
    ck_assert_int_eq(ambiguous, 0);
    /* Planted first or last: neither wins. */
    ck_assert_ptr_null(saml_cookie_single_value(values_of("s=planted; s=victim", "s"), &ambiguous));
    ck_assert_int_eq(ambiguous, 1);
    ck_assert_ptr_null(saml_cookie_single_value(values_of("s=victim; s=victim; s=planted", "s"),
                                                &ambiguous));
    ck_assert_int_eq(ambiguous, 1);
}
END_TEST

static int has_place(apr_array_header_t *places, const char *domain, const char *path)
{
    int i;
    for (i = 0; i < places->nelts; i++) {
        saml_cookie_place_t *pl = &APR_ARRAY_IDX(places, i, saml_cookie_place_t);
        if (((domain == NULL && pl->domain == NULL) ||
             (domain && pl->domain && !strcmp(domain, pl->domain))) && !strcmp(pl->path, path))
            return 1;
    }
    return 0;
}

START_TEST(places_cover_parent_domains_and_path_prefixes)
{
    apr_array_header_t *pl = saml_cookie_places(tk_pool(), "app.corp.example.com", "/a/b/c");
    const char *paths[] = { "/", "/a", "/a/", "/a/b", "/a/b/", "/a/b/c" };
    const char *domains[] = { NULL, "corp.example.com", "example.com" };
    int i, j;

    for (i = 0; i < 3; i++)
        for (j = 0; j < 6; j++)
            ck_assert_msg(has_place(pl, domains[i], paths[j]), "%s %s missing",
                          domains[i] ? domains[i] : "(host)", paths[j]);
    ck_assert_int_eq(pl->nelts, 18);
    ck_assert(!has_place(pl, "com", "/"));

    pl = saml_cookie_places(tk_pool(), "127.0.0.1", "/x/");
    ck_assert_int_eq(pl->nelts, 3);     /* host-only: "/", "/x", "/x/" */
    ck_assert(has_place(pl, NULL, "/x/"));
    ck_assert_int_eq(saml_cookie_places(tk_pool(), "[::1]", "/")->nelts, 1);
    ck_assert_int_eq(saml_cookie_places(tk_pool(), "localhost", NULL)->nelts, 1);
    /* Bounded however deep the path, however many labels the Host has. */
    ck_assert_int_eq(saml_cookie_places(tk_pool(), "a.b.c.d.e.f.g.h.i.j.example", "/")->nelts,
                     SAML_COOKIE_MAX_PARENTS + 1);
    ck_assert_int_le(saml_cookie_places(tk_pool(), "h.example.org",
                                        "/1/2/3/4/5/6/7/8/9/10/11/12/13")->nelts,
                     2 * (2 * SAML_COOKIE_MAX_DEPTH + 1));
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
    tcase_add_test(tc, several_different_values_name_no_session);
    tcase_add_test(tc, places_cover_parent_domains_and_path_prefixes);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
