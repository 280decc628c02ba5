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

/* ---- full URLs of this site (Entra's "Relay State" box as admins fill it) ---- */

#define SITE "https://www.example.com"

START_TEST(follows_urls_of_this_site)
{
    static const struct { const char *site, *in, *out; } ok[] = {
        { SITE, "https://www.example.com/app/report?id=7", "/app/report?id=7" },
        { SITE, "HTTPS://WWW.Example.COM/app/report?id=7", "/app/report?id=7" },
        { SITE, "https://www.example.com:443/app", "/app" },
        { SITE, "https://www.example.com", "/" },
        { SITE, "https://www.example.com/", "/" },
        { SITE, "https://www.example.com?x=1", "/?x=1" },
        { SITE, "https://www.example.com/a/b#frag", "/a/b#frag" },
        /* The fragment is ours too: "#@evil" is a place on our page. */
        { SITE, "https://www.example.com#@evil.example", "/#@evil.example" },
        { SITE, "https://www.example.com/search?q=a%20b&next=//x", "/search?q=a%20b&next=//x" },
        { SITE, "/app/report?id=7", "/app/report?id=7" },
        /* However the site's own base URL is spelled. */
        { "https://WWW.EXAMPLE.com:443/", "https://www.example.com/app", "/app" },
        { "https://www.example.com/", "https://www.example.com:443/app", "/app" },
        { "http://sp.example:8080", "http://SP.example:8080/x?y", "/x?y" },
        { "http://sp.example:80", "http://sp.example/x", "/x" },
        { "http://[::1]:8080", "http://[::1]:8080/x", "/x" },
        { "http://127.0.0.1:8080", "http://127.0.0.1:8080/x", "/x" },
        { "https://xn--bcher-kva.example", "https://XN--BCHER-KVA.example/x", "/x" },
    };
    size_t i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        const char *got = saml_relay_target(tk_pool(), ok[i].in, ok[i].site);
        ck_assert_msg(got && !strcmp(got, ok[i].out), "site %s: \"%s\" gave %s, not %s",
                      ok[i].site, ok[i].in, got ? got : "(refused)", ok[i].out);
        ck_assert(saml_is_local_path(got));
    }
}
END_TEST

START_TEST(refuses_other_origins_and_tricks)
{
    static const char *bad[] = {
        /* another origin: host, scheme, port */
        "https://evil.example/app", "http://www.example.com/app", "https://www.example.com:8443/app",
        "https://example.com/app", "https://www.example.com.evil.example/",
        "https://evil.example#https://www.example.com/", "https://evil.example/https://www.example.com/",
        "https://evil.example?https://www.example.com/",
        /* userinfo, either way round */
        "https://user@www.example.com/app", "https://user:pw@www.example.com/app",
        "https://www.example.com@evil.example/", "https://www.example.com:443@evil.example/",
        "https://@www.example.com/",
        /* ports a parser might read as 443 */
        "https://www.example.com:0443/app", "https://www.example.com:00443/",
        "https://www.example.com:/app", "https://www.example.com:443:443/",
        "https://www.example.com:66979/", "https://www.example.com:+443/",
        "https://www.example.com:443 /", "https://www.example.com:0x1bb/",
        /* hosts written another way */
        "https://www.example.com./app", "https://www..example.com/", "https://.www.example.com/",
        "https://www.example%2Ecom/app", "https://%77ww.example.com/", "https://www.example.com%40evil.example/",
        "https://www.example.com%2F@evil.example/", "https://www.example.com%5C@evil.example/",
        "https://www_example.com/", "https:///www.example.com/app", "https://",
        "https://xn--www-example-com/", "https://www.ex\xc3\xa4mple.com/",
        "https://www.example.com\xe3\x80\x82" "evil/", "https://www\xef\xbc\x8e" "example.com/",
        "https://[::1]/", "https://[www.example.com]/",
        /* scheme and slashes */
        "https:/www.example.com/app", "https:www.example.com/app", "https:\\\\www.example.com/",
        "https:/\\www.example.com/", "//www.example.com/app", "///www.example.com/app",
        "ftp://www.example.com/", "wss://www.example.com/", "javascript://www.example.com/%0aalert(1)",
        "httpss://www.example.com/", " https://www.example.com/",
        /* backslashes, controls, spaces anywhere */
        "https://www.example.com\\@evil.example/", "https://www.example.com\\evil.example",
        "https://www.example.com/\\evil.example", "https://www.exa\tmple.com/",
        "https://www.example.com\r\n/", "https://www.example.com/\t/evil", "https://www.example.com/a b",
        "https://www.example.com\x7f/", "https://www.example.com/\n/evil",
        /* a path that leaves the site once the origin is taken off */
        "https://www.example.com//evil.example", "https://www.example.com///evil.example",
        "https://www.example.com/%2F%2Fevil.example", "https://www.example.com/%2f%2fevil",
        "https://www.example.com/%5Cevil", "https://www.example.com/%255C%255Cevil",
        "https://www.example.com/%09/evil", "https://www.example.com/%0d%0aSet-Cookie:x=1",
        "https://www.example.com/%00",
        /* not URLs */
        "", "www.example.com/app", "javascript:alert(1)",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *got = saml_relay_target(tk_pool(), bad[i], SITE);
        ck_assert_msg(got == NULL, "followed \"%s\" to %s", bad[i], got);
    }
    ck_assert_ptr_null(saml_relay_target(tk_pool(), NULL, SITE));
}
END_TEST

/* Without a usable origin for the site, only local paths are followed. */
START_TEST(no_site_origin_means_local_paths_only)
{
    static const char *sites[] = { NULL, "", "www.example.com", "https://www.example.com/base",
                                   "https://www.example.com?x", "https://user@www.example.com",
                                   "https://www.example.com." };
    size_t i;

    for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
        ck_assert_msg(saml_relay_target(tk_pool(), "https://www.example.com/app", sites[i]) == NULL,
                      "followed a URL with site %s", sites[i] ? sites[i] : "(null)");
        ck_assert_str_eq(saml_relay_target(tk_pool(), "/app?x=1", sites[i]), "/app?x=1");
    }
}
END_TEST

START_TEST(url_origin_is_canonical)
{
    const char *rest = NULL;

    ck_assert_str_eq(saml_url_origin(tk_pool(), "HTTPS://WWW.Example.com/a?b", &rest),
                     "https://www.example.com:443");
    ck_assert_str_eq(rest, "/a?b");
    ck_assert_str_eq(saml_url_origin(tk_pool(), "http://a.example", &rest), "http://a.example:80");
    ck_assert_str_eq(rest, "");
    ck_assert_str_eq(saml_url_origin(tk_pool(), "http://a.example:65535#x", &rest),
                     "http://a.example:65535");
    ck_assert_str_eq(rest, "#x");
    ck_assert_str_eq(saml_url_origin(tk_pool(), "https://[2001:DB8::1]:8443/", NULL),
                     "https://[2001:db8::1]:8443");
    ck_assert_ptr_null(saml_url_origin(tk_pool(), "https://a.example:0/", NULL));
    ck_assert_ptr_null(saml_url_origin(tk_pool(), "https://a.example:65536/", NULL));
    ck_assert_ptr_null(saml_url_origin(tk_pool(), "https://[fe80::1%25eth0]/", NULL));
    ck_assert_ptr_null(saml_url_origin(tk_pool(), NULL, NULL));
}
END_TEST

START_TEST(refuses_overlong_urls)
{
    apr_size_t n = SAML_RELAY_URL_MAX + 1, pre = strlen(SITE "/");
    char *s = apr_palloc(tk_pool(), n + 1);

    memcpy(s, SITE "/", pre);
    memset(s + pre, 'a', n - pre);
    s[n] = '\0';
    ck_assert_ptr_null(saml_relay_target(tk_pool(), s, SITE));
    /* A URL whose path alone is over the path limit is refused too. */
    s[pre + SAML_RETURN_PATH_MAX] = '\0';
    ck_assert_ptr_null(saml_relay_target(tk_pool(), s, SITE));
    s[pre + SAML_RETURN_PATH_MAX - 1] = '\0';
    ck_assert_ptr_nonnull(saml_relay_target(tk_pool(), s, SITE));
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
    tcase_add_test(tc, follows_urls_of_this_site);
    tcase_add_test(tc, refuses_other_origins_and_tricks);
    tcase_add_test(tc, no_site_origin_means_local_paths_only);
    tcase_add_test(tc, url_origin_is_canonical);
    tcase_add_test(tc, refuses_overlong_urls);
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
