/* What browsers and the IdP call us (apache/public_url.c: endpoint URL,
 * https, session scope, trust in a proxy's X-Forwarded-*) and the cookies
 * set under that name (apache/session_cookie.c, apache/pending_cookie.c). */
#include <check.h>
#include <string.h>

#include "apr_strings.h"

#include "apache/pending_cookie.h"
#include "apache/public_url.h"
#include "apache/session_cookie.h"
#include "apache/settings_table.h"
#include "tests/apache/request_fake.h"
#include "tests/unit/testkit.h"

#define SP "https://sp.example.test/saml/metadata"

static server_rec *S;

static void setup(void)
{
    tk_setup();
    fake_log_clear();
    S = fake_server(tk_pool(), "sp.example.test", 0);
    fake_server_conf(S)->sp_entity_id = SP;
}

static sequr_server_conf_t *conf(void)
{
    return fake_server_conf(S);
}

static request_rec *get(const char *uri)
{
    return fake_request(tk_pool(), S, "GET", uri, NULL);
}

static void trust(const char *ip, const char *bits)
{
    apr_ipsubnet_t *net;
    if (conf()->trusted_proxies == NULL)
        conf()->trusted_proxies = apr_array_make(tk_pool(), 2, sizeof(apr_ipsubnet_t *));
    ck_assert_int_eq(apr_ipsubnet_create(&net, ip, bits, tk_pool()), APR_SUCCESS);
    APR_ARRAY_PUSH(conf()->trusted_proxies, apr_ipsubnet_t *) = net;
}

static const char *acs(request_rec *r)
{
    return sequr_endpoint_url(r, conf(), "acs");
}

/* Every Set-Cookie of r, joined by " || ". */
static const char *set_cookies(request_rec *r)
{
    const apr_array_header_t *h = apr_table_elts(r->err_headers_out);
    const char *all = "";
    int i;
    for (i = 0; i < h->nelts; i++) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(h, i, apr_table_entry_t);
        if (!strcasecmp(e->key, "Set-Cookie"))
            all = *all ? apr_pstrcat(r->pool, all, " || ", e->val, NULL) : e->val;
    }
    return all;
}

/* ---- the public URL -------------------------------------------------------------- */

START_TEST(url_comes_from_the_server_name_not_the_request)
{
    request_rec *r = get("/app/");

    /* No port in ServerName: the port the connection arrived on. */
    ck_assert_str_eq(acs(r), "http://sp.example.test:8080/saml/acs");
    r->hostname = "evil.example";
    apr_table_setn(r->headers_in, "Host", "evil.example");
    ck_assert_str_eq(acs(r), "http://sp.example.test:8080/saml/acs");
    S->port = 80;
    ck_assert_str_eq(acs(r), "http://sp.example.test/saml/acs");
    fake_state(r)->scheme = "https";
    S->port = 443;
    ck_assert_str_eq(acs(r), "https://sp.example.test/saml/acs");
    S->port = 8443;
    ck_assert_str_eq(sequr_endpoint_url(r, conf(), "metadata"),
                     "https://sp.example.test:8443/saml/metadata");
    conf()->endpoint_path = "/auth/saml";
    ck_assert_str_eq(sequr_endpoint_url(r, conf(), "logout"),
                     "https://sp.example.test:8443/auth/saml/logout");
    S->server_hostname = "2001:db8::1";
    ck_assert_str_eq(acs(r), "https://[2001:db8::1]:8443/auth/saml/acs");
}
END_TEST

START_TEST(public_base_url_wins)
{
    request_rec *r = get("/");

    conf()->public_base_url = "https://sso.example.com";
    ck_assert_str_eq(acs(r), "https://sso.example.com/saml/acs");
    ck_assert(sequr_browser_uses_https(r, conf()));
    /* Even over a trusted proxy's word. */
    trust("192.0.2.0", "24");
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "sp.example.test");
    apr_table_setn(r->headers_in, "X-Forwarded-Proto", "http");
    ck_assert_str_eq(acs(r), "https://sso.example.com/saml/acs");
}
END_TEST

START_TEST(trusted_proxy_names_scheme_and_host)
{
    request_rec *r = get("/");

    trust("192.0.2.0", "24");
    S->names = apr_array_make(r->pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(S->names, const char *) = "alias.example.test";
    apr_table_setn(r->headers_in, "X-Forwarded-Proto", "HTTPS");
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "sp.example.test");
    ck_assert_str_eq(acs(r), "https://sp.example.test/saml/acs");
    ck_assert(sequr_browser_uses_https(r, conf()));
    /* The proxy next to us added the last value; earlier ones came from further out. */
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "evil.example, alias.example.test:8443");
    apr_table_setn(r->headers_in, "X-Forwarded-Proto", "https, http");
    ck_assert_str_eq(acs(r), "http://alias.example.test:8443/saml/acs");
    ck_assert(!sequr_browser_uses_https(r, conf()));
    /* No proto: the connection's scheme. */
    apr_table_unset(r->headers_in, "X-Forwarded-Proto");
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "sp.example.test");
    ck_assert_str_eq(acs(r), "http://sp.example.test/saml/acs");
}
END_TEST

START_TEST(wildcard_alias_counts_as_our_name)
{
    request_rec *r = get("/");

    trust("192.0.2.7", NULL);
    APR_ARRAY_PUSH(S->wild_names, const char *) = "*.farm.example.test";
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "node1.farm.example.test");
    ck_assert_str_eq(acs(r), "http://node1.farm.example.test/saml/acs");
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "farm.example.test.evil");
    ck_assert_str_eq(acs(r), "http://sp.example.test:8080/saml/acs");
}
END_TEST

/* A trusted proxy passes its clients' Host on: a host that is none of ours,
 * or not a host at all, is ignored and logged. */
START_TEST(proxy_naming_another_site_is_ignored)
{
    request_rec *r = get("/");

    trust("192.0.2.0", "24");
    apr_table_setn(r->headers_in, "X-Forwarded-Proto", "https");
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "evil.example");
    ck_assert_str_eq(acs(r), "http://sp.example.test:8080/saml/acs");
    ck_assert(fake_log_has("warn SEQ01031: X-Forwarded-Host evil.example from trusted proxy "
                           "192.0.2.7 is not a name of this server"));
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "sp.example.test/x?y");
    ck_assert_str_eq(acs(r), "http://sp.example.test:8080/saml/acs");
    ck_assert(fake_log_has("warn SEQ01003"));
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "");
    ck_assert_str_eq(acs(r), "http://sp.example.test:8080/saml/acs");
}
END_TEST

START_TEST(untrusted_peer_is_not_heard)
{
    request_rec *r = get("/");

    trust("192.0.2.0", "24");
    fake_set_peer(r, "203.0.113.9");
    apr_table_setn(r->headers_in, "X-Forwarded-Proto", "https");
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "sp.example.test");
    ck_assert_str_eq(acs(r), "http://sp.example.test:8080/saml/acs");
    ck_assert(!sequr_browser_uses_https(r, conf()));
    conf()->trusted_proxies = NULL;
    fake_set_peer(r, "192.0.2.7");
    ck_assert_str_eq(acs(r), "http://sp.example.test:8080/saml/acs");
}
END_TEST

/* The origin full RelayState/ReturnTo URLs are compared with: the
 * configuration's, never the Host header or a proxy's X-Forwarded-Host. */
START_TEST(site_origin_is_the_configured_one)
{
    request_rec *r = get("/");

    r->hostname = "evil.example";
    apr_table_setn(r->headers_in, "Host", "evil.example");
    trust("192.0.2.0", "24");
    apr_table_setn(r->headers_in, "X-Forwarded-Host", "sp.example.test");
    apr_table_setn(r->headers_in, "X-Forwarded-Proto", "https");
    ck_assert_str_eq(sequr_site_origin(r, conf()), "http://sp.example.test:8080");
    S->port = 80;
    ck_assert_str_eq(sequr_site_origin(r, conf()), "http://sp.example.test");
    conf()->public_base_url = "https://sso.example.com";
    ck_assert_str_eq(sequr_site_origin(r, conf()), "https://sso.example.com");
}
END_TEST

/* Behind one public name every node is one site; else each vhost is. */
START_TEST(session_scope_is_the_site)
{
    request_rec *r = get("/");

    S->port = 443;
    ck_assert_str_eq(sequr_session_scope(r, conf()),
                     "sp.example.test:443|sequr_saml_session|" SP);
    conf()->cookie_name = "app";
    conf()->public_base_url = "https://SSO.Example.com";
    ck_assert_str_eq(sequr_session_scope(r, conf()), "https://sso.example.com:443|app|" SP);
    conf()->public_base_url = "https://sso.example.com:443";
    ck_assert_str_eq(sequr_session_scope(r, conf()), "https://sso.example.com:443|app|" SP);
    S->server_hostname = "node2.internal";
    S->port = 8080;
    ck_assert_str_eq(sequr_session_scope(r, conf()), "https://sso.example.com:443|app|" SP);
}
END_TEST

/* ---- the session cookie ------------------------------------------------------------ */

START_TEST(session_cookie_on_http)
{
    request_rec *r = get("/app/");

    sequr_cookie_set(r, conf(), "ID");
    ck_assert_str_eq(set_cookies(r), "sequr_saml_session=ID; Path=/; HttpOnly; SameSite=Lax");
    r = get("/app/");
    sequr_cookie_clear(r, conf());
    ck_assert_str_eq(set_cookies(r),
                     "sequr_saml_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
}
END_TEST

START_TEST(session_cookie_on_https_is_host_only)
{
    request_rec *r = get("/app/");

    fake_state(r)->scheme = "https";
    sequr_cookie_set(r, conf(), "ID");
    ck_assert_str_eq(set_cookies(r),
                     "__Host-sequr_saml_session=ID; Path=/; HttpOnly; Secure; SameSite=Lax");
    /* A name that has its prefix already keeps it as it is. */
    r = get("/");
    conf()->cookie_name = "__Host-app";
    conf()->public_base_url = "https://sso.example.com";
    sequr_cookie_set(r, conf(), "ID");
    ck_assert_str_eq(set_cookies(r), "__Host-app=ID; Path=/; HttpOnly; Secure; SameSite=Lax");
}
END_TEST

START_TEST(session_cookie_values_are_read_by_that_name)
{
    request_rec *r = get("/");
    apr_array_header_t *v;

    apr_table_addn(r->headers_in, "Cookie", "a=1; sequr_saml_session=one");
    apr_table_addn(r->headers_in, "Cookie", "sequr_saml_session=two; __Host-sequr_saml_session=h");
    v = sequr_session_cookie_values(r, conf());
    ck_assert_int_eq(v->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(v, 0, const char *), "one");
    ck_assert_str_eq(APR_ARRAY_IDX(v, 1, const char *), "two");
    fake_state(r)->scheme = "https";
    v = sequr_session_cookie_values(r, conf());
    ck_assert_int_eq(v->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(v, 0, const char *), "h");
    ck_assert_int_eq(sequr_session_cookie_values(get("/"), conf())->nelts, 0);
}
END_TEST

/* On http a cookie of our name may have been planted for a parent domain
 * or a deeper path: each place gets its own clearing. */
START_TEST(planted_cookies_are_cleared_where_they_may_sit)
{
    request_rec *r = get("/app/deep/page");
    const char *all;

    r->hostname = "sp.example.test";
    sequr_cookie_clear_planted(r, conf());
    all = set_cookies(r);
    ck_assert_ptr_nonnull(strstr(all, "sequr_saml_session=; Max-Age=0; Path=/; HttpOnly"));
    ck_assert_ptr_nonnull(strstr(all, "Path=/app"));
    ck_assert_ptr_nonnull(strstr(all, "Domain=example.test"));
    ck_assert_ptr_null(strstr(all, "__Host-"));

    /* On https only the __Host- cookie counts, and it has one place. */
    r = get("/app/deep/page");
    fake_state(r)->scheme = "https";
    sequr_cookie_clear_planted(r, conf());
    ck_assert_str_eq(set_cookies(r), "__Host-sequr_saml_session=; Max-Age=0; Path=/; HttpOnly; "
                     "Secure; SameSite=Lax");
}
END_TEST

/* ---- the sign-in request cookies -------------------------------------------------- */

START_TEST(request_cookies_go_only_to_the_acs)
{
    request_rec *r = get("/");

    ck_assert_str_eq(sequr_pending_cookie_base(r, conf()), "sequr_saml_session-req");
    sequr_pending_cookie_set(r, conf(), "sequr_saml_session-req-x", "SEALED", 600);
    ck_assert_str_eq(set_cookies(r),
                     "sequr_saml_session-req-x=SEALED; Path=/saml/acs; Max-Age=600; HttpOnly");
    r = get("/");
    fake_state(r)->scheme = "https";
    conf()->cookie_name = "__Host-app";
    ck_assert_str_eq(sequr_pending_cookie_base(r, conf()), "__Secure-app-req");
    sequr_pending_cookie_clear(r, conf(), "__Secure-app-req-x");
    ck_assert_str_eq(set_cookies(r), "__Secure-app-req-x=; Path=/saml/acs; Max-Age=0; HttpOnly; "
                     "Secure; SameSite=None");
}
END_TEST

/* ---- SequrSAMLCookieSameSite ------------------------------------------------------ */

/* SequrSAMLCookieSameSite ARG read as Apache would, at line 12 of FILE. */
static const char *read_samesite(const char *arg)
{
    cmd_parms cmd;
    ap_directive_t d;

    memset(&cmd, 0, sizeof(cmd));
    memset(&d, 0, sizeof(d));
    d.directive = "SequrSAMLCookieSameSite";
    d.args = arg;
    d.filename = "/etc/apache2/sites-enabled/app.conf";
    d.line_num = 12;
    cmd.pool = tk_pool();
    cmd.temp_pool = tk_pool();
    cmd.server = S;
    cmd.directive = &d;
    cmd.info = (void *)SEQUR_SETTING(COOKIE_SAMESITE);
    return sequr_set_cookie_samesite(&cmd, NULL, arg);
}

START_TEST(samesite_is_read_and_strict_refused_with_the_reason)
{
    const char *err;

    sequr_server_conf_defaults(conf());
    ck_assert_int_eq(conf()->cookie_samesite, SEQUR_SAMESITE_LAX);      /* the default */
    ck_assert_ptr_null(read_samesite("none"));
    ck_assert_int_eq(conf()->cookie_samesite, SEQUR_SAMESITE_NONE);
    ck_assert_ptr_null(read_samesite("Lax"));
    ck_assert_int_eq(conf()->cookie_samesite, SEQUR_SAMESITE_LAX);
    err = read_samesite("Strict");
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "SequrSAMLCookieSameSite Strict (line 12 of "
                          "/etc/apache2/sites-enabled/app.conf) is refused") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "cross-site POST") != NULL, "%s", err);
    err = read_samesite("Relaxed");
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, "SequrSAMLCookieSameSite: 'Relaxed' must be Lax, None or Strict");
}
END_TEST

/* None: both cookies Secure; SameSite=None, so a browser keeps and sends them
 * inside another site's iframe; the session cookie keeps its __Host- name. */
START_TEST(samesite_none_makes_both_cookies_secure_and_none)
{
    request_rec *r = get("/app/");

    conf()->cookie_samesite = SEQUR_SAMESITE_NONE;
    fake_state(r)->scheme = "https";
    sequr_cookie_set(r, conf(), "ID");
    ck_assert_str_eq(set_cookies(r),
                     "__Host-sequr_saml_session=ID; Path=/; HttpOnly; Secure; SameSite=None");
    r = get("/app/");
    fake_state(r)->scheme = "https";
    sequr_cookie_clear(r, conf());
    ck_assert_str_eq(set_cookies(r), "__Host-sequr_saml_session=; Max-Age=0; Path=/; HttpOnly; "
                     "Secure; SameSite=None");
    r = get("/");
    fake_state(r)->scheme = "https";
    sequr_pending_cookie_set(r, conf(), "__Secure-sequr_saml_session-req-x", "SEALED", 600);
    ck_assert_str_eq(set_cookies(r), "__Secure-sequr_saml_session-req-x=SEALED; Path=/saml/acs; "
                     "Max-Age=600; HttpOnly; Secure; SameSite=None");

    /* Behind a TLS terminator Apache speaks http; the public URL is https. */
    conf()->public_base_url = "https://sso.example.com";
    r = get("/app/");
    sequr_cookie_set(r, conf(), "ID");
    ck_assert_str_eq(set_cookies(r),
                     "__Host-sequr_saml_session=ID; Path=/; HttpOnly; Secure; SameSite=None");

    /* Should a trusted proxy say http after all (configtest cannot know), the
     * cookies stay Secure: not kept, rather than None without Secure, which
     * browsers refuse anyway, or a session id sent in clear. */
    conf()->public_base_url = NULL;
    r = get("/app/");
    sequr_cookie_set(r, conf(), "ID");
    sequr_pending_cookie_set(r, conf(), "sequr_saml_session-req-x", "SEALED", 600);
    ck_assert_str_eq(set_cookies(r),
                     "sequr_saml_session=ID; Path=/; HttpOnly; Secure; SameSite=None || "
                     "sequr_saml_session-req-x=SEALED; Path=/saml/acs; Max-Age=600; HttpOnly; "
                     "Secure; SameSite=None");
}
END_TEST

/* Lax (the default) leaves both cookies as they were: the session cookie Lax,
 * the request cookie None on https (Entra's POST is cross-site). */
START_TEST(samesite_lax_keeps_the_request_cookie_none_on_https)
{
    request_rec *r = get("/");

    fake_state(r)->scheme = "https";
    sequr_cookie_set(r, conf(), "ID");
    sequr_pending_cookie_set(r, conf(), "__Secure-sequr_saml_session-req-x", "SEALED", 600);
    ck_assert_str_eq(set_cookies(r),
                     "__Host-sequr_saml_session=ID; Path=/; HttpOnly; Secure; SameSite=Lax || "
                     "__Secure-sequr_saml_session-req-x=SEALED; Path=/saml/acs; Max-Age=600; "
                     "HttpOnly; Secure; SameSite=None");
}
END_TEST

START_TEST(cookie_headers_are_joined)
{
    request_rec *r = get("/");

    ck_assert_ptr_null(sequr_cookie_header(r));
    apr_table_addn(r->headers_in, "Cookie", "a=1");
    apr_table_addn(r->headers_in, "Accept", "*/*");
    apr_table_addn(r->headers_in, "cookie", "b=2; c=3");
    ck_assert_str_eq(sequr_cookie_header(r), "a=1; b=2; c=3");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apache_public_url");
    TCase *tc = tcase_create("public_url");

    tcase_add_checked_fixture(tc, setup, tk_teardown);
    tcase_add_test(tc, url_comes_from_the_server_name_not_the_request);
    tcase_add_test(tc, public_base_url_wins);
    tcase_add_test(tc, trusted_proxy_names_scheme_and_host);
    tcase_add_test(tc, wildcard_alias_counts_as_our_name);
    tcase_add_test(tc, proxy_naming_another_site_is_ignored);
    tcase_add_test(tc, untrusted_peer_is_not_heard);
    tcase_add_test(tc, site_origin_is_the_configured_one);
    tcase_add_test(tc, session_scope_is_the_site);
    tcase_add_test(tc, session_cookie_on_http);
    tcase_add_test(tc, session_cookie_on_https_is_host_only);
    tcase_add_test(tc, session_cookie_values_are_read_by_that_name);
    tcase_add_test(tc, planted_cookies_are_cleared_where_they_may_sit);
    tcase_add_test(tc, request_cookies_go_only_to_the_acs);
    tcase_add_test(tc, cookie_headers_are_joined);
    tcase_add_test(tc, samesite_is_read_and_strict_refused_with_the_reason);
    tcase_add_test(tc, samesite_none_makes_both_cookies_secure_and_none);
    tcase_add_test(tc, samesite_lax_keeps_the_request_cookie_none_on_https);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
