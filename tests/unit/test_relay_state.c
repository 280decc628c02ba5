/* Only local paths of this site may be followed after sign-in; the list below
 * is the open-redirect history of Apache SAML modules (field notes 3.1). */
#include <check.h>
#include <string.h>

#include "saml/relay_state.h"
#include "tests/unit/testkit.h"

START_TEST(accepts_local_paths)
{
    static const char *good[] = {
        "/", "/app/page?x=1&y=%2F", "/a/b#frag", "/app", "/100%25", "/a+b",
        "/search?q=%C3%A9t%C3%A9", "/app?next=//elsewhere", "/a:b", "/;x",
        /* An encoded space is an ordinary deep link; the Location header keeps
         * it encoded, so the browser stays on this site. */
        "/search?q=a%20b", "/a%20b", "/%20/x",
    };
    size_t i;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(saml_is_local_path(good[i]), "refused local path \"%s\"", good[i]);
}
END_TEST

START_TEST(refuses_open_redirects)
{
    static const char *bad[] = {
        "//evil", "///evil", "/\\evil", "\\\\evil", "\\/evil", "%2F%2Fevil", "/%2F%2Fevil",
        "/%2f/evil", "/%5Cevil", "/%5cevil", "/%255Cevil", "/%252F%252Fevil", "/%2F%252Fevil",
        "http:evil", "http:www.evil.com", "https://evil.example/", "https:%5c%5cevil.example/",
        "/%09/evil", "/\t/evil", "/%0d%0aSet-Cookie:x=1", "%0d%0a", "/%0a", "/%00",
        "/%2500", "/a b", "/a\x7f", "/\xc3\xa9", "javascript:alert(1)",
        "data:text/html,x", "", "evil.example", "./x", " /x", "/x ", "////\\;@example.com",
        "/%", "/%zz", "/%0b", "/%1f",
    };
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!saml_is_local_path(bad[i]), "accepted \"%s\"", bad[i]);
    ck_assert(!saml_is_local_path(NULL));
}
END_TEST

START_TEST(refuses_overlong_paths)
{
    char *s = apr_palloc(tk_pool(), SAML_RETURN_PATH_MAX + 2);

    memset(s, 'a', SAML_RETURN_PATH_MAX + 1);
    s[0] = '/';
    s[SAML_RETURN_PATH_MAX] = '\0';
    ck_assert(saml_is_local_path(s));       /* exactly at the limit */
    s[SAML_RETURN_PATH_MAX] = 'a';
    s[SAML_RETURN_PATH_MAX + 1] = '\0';
    ck_assert(!saml_is_local_path(s));      /* one over */
}
END_TEST

static Suite *relay_state_suite(void)
{
    Suite *s = suite_create("relay_state");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, accepts_local_paths);
    tcase_add_test(tc, refuses_open_redirects);
    tcase_add_test(tc, refuses_overlong_paths);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(relay_state_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
