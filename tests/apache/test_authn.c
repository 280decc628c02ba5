/* The authentication decision of AuthType sequr-saml (apache/authn.c and the
 * unauthenticated answer of apache/handler_login.c), on a file store with
 * real sessions: cookie absent, valid, expired, idle, of another site or
 * tenant, planted twice; browser, API client and XHR; each
 * SequrSAMLUnauthenticatedAction. */
#include <check.h>
#include <string.h>

#include "apr_strings.h"

#include "apache/authn.h"
#include "apache/public_url.h"
#include "saml/session.h"
#include "tests/apache/fixture.h"
#include "tests/unit/testkit.h"

/* ---- helpers ------------------------------------------------------------------ */

static server_rec *S;

static void setup(void)
{
    tk_setup();
    S = fx_server();
}

static sequr_server_conf_t *conf(void)
{
    return fake_server_conf(S);
}

static sequr_dir_conf_t *dir_with_action(int action)
{
    sequr_dir_conf_t *d = sequr_create_dir_conf(tk_pool(), NULL);
    d->unauth_action = action;
    return d;
}

static request_rec *browser(void)
{
    return fx_browser_get(S, "/app/page?x=1", fx_location(NULL, "sequr-saml"));
}

/* The Set-Cookie of the sign-in request cookie (__Secure- on https), or NULL. */
static const char *request_cookie(request_rec *r)
{
    const apr_array_header_t *h = apr_table_elts(r->err_headers_out);
    int i;

    for (i = 0; i < h->nelts; i++) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(h, i, apr_table_entry_t);
        const char *v = e->val;
        if (strcasecmp(e->key, "Set-Cookie"))
            continue;
        if (!strncmp(v, "__Secure-", 9))
            v += 9;
        if (!strncmp(v, "sequr_saml_session-req-", 23))
            return e->val;
    }
    return NULL;
}

/* A request sent to the IdP: 302 to its SSO URL with a sealed request cookie. */
static void assert_sent_to_idp(request_rec *r, int rc, const char *sso_url)
{
    const char *location = apr_table_get(r->headers_out, "Location");
    const char *cookie = request_cookie(r);

    ck_assert_msg(rc == HTTP_MOVED_TEMPORARILY, "answer %d, log:\n%s", rc, fake_log());
    ck_assert_ptr_nonnull(location);
    ck_assert_msg(!strncmp(location, apr_pstrcat(r->pool, sso_url, "?SAMLRequest=", NULL),
                           strlen(sso_url) + 13), "%s", location);
    ck_assert_ptr_nonnull(strstr(location, "&RelayState="));
    ck_assert_ptr_nonnull(cookie);
    ck_assert_ptr_nonnull(strstr(cookie, "; Path=/saml/acs; Max-Age=600; HttpOnly"));
    ck_assert_str_eq(apr_table_get(r->err_headers_out, "Cache-Control"), "no-store");
    ck_assert_ptr_null(apr_table_get(r->err_headers_out, "WWW-Authenticate"));
    ck_assert_ptr_null(r->user);
}

static void assert_told_401(request_rec *r, int rc)
{
    ck_assert_msg(rc == HTTP_UNAUTHORIZED, "answer %d", rc);
    ck_assert_str_eq(apr_table_get(r->err_headers_out, "WWW-Authenticate"),
                     "SAML realm=\"" TK_SP_ENTITY_ID "\"");
    ck_assert_ptr_null(apr_table_get(r->headers_out, "Location"));
    ck_assert_ptr_null(apr_table_get(r->err_headers_out, "Set-Cookie"));
    ck_assert_ptr_null(r->user);
}

static void assert_admitted(request_rec *r, int rc)
{
    ck_assert_msg(rc == OK, "answer %d, log:\n%s", rc, fake_log());
    ck_assert_str_eq(r->user, FX_USER);
    ck_assert_str_eq(r->ap_auth_type, "sequr-saml");
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_NAME_ID"), FX_USER);
}

/* ---- no session --------------------------------------------------------------- */

START_TEST(other_auth_type_is_not_ours)
{
    request_rec *r = fx_browser_get(S, "/app/", fx_location(NULL, "Basic"));

    ck_assert_int_eq(sequr_check_user_id(r), DECLINED);
    r = fx_browser_get(S, "/app/", fx_location(NULL, NULL));
    ck_assert_int_eq(sequr_check_user_id(r), DECLINED);
    r = fx_browser_get(S, "/app/", fx_location(NULL, "SEQUR-SAML"));
    ck_assert_int_ne(sequr_check_user_id(r), DECLINED);
}
END_TEST

START_TEST(browser_without_cookie_is_sent_to_the_idp)
{
    request_rec *r = browser();
    const char *cookie;
    int rc = sequr_check_user_id(r);

    assert_sent_to_idp(r, rc, TK_IDP_SSO_URL);
    /* The return path is the page asked for; it is sealed in the cookie, not
     * in the URL sent to the IdP. */
    cookie = request_cookie(r);
    /* Not "app" alone: three base64 letters of the deflated request or the
     * random RelayState spell that now and then. */
    ck_assert_ptr_null(strstr(apr_table_get(r->headers_out, "Location"), "%2Fapp%2Fpage"));
    ck_assert_ptr_null(strstr(apr_table_get(r->headers_out, "Location"), "/app/page"));
    ck_assert_ptr_null(strstr(cookie, "/app/page"));
    ck_assert(fake_log_has("SEQ01203"));
    ck_assert(!fake_log_has("SEQ01103"));
}
END_TEST

/* What a browser sends on a navigation, and what an API client sends. */
START_TEST(api_clients_get_401)
{
    static const struct {
        const char *header, *value;
        int api;
    } cases[] = {
        {"Accept", "application/json", 1},
        {"Accept", "text/plain", 1},
        {"Accept", "*/*", 0},
        {"Accept", "application/xhtml+xml", 0},
        {"Accept", "TEXT/HTML", 0},
        {"X-Requested-With", "XMLHttpRequest", 1},
        {"X-Requested-With", "xmlhttprequest", 1},
        {"X-Requested-With", "com.example.app", 0},
        {"Sec-Fetch-Mode", "cors", 1},
        {"Sec-Fetch-Mode", "no-cors", 1},
        {"Sec-Fetch-Mode", "navigate", 0},
        {"Sec-Fetch-Mode", "NAVIGATE", 0},
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        request_rec *r = fake_request(tk_pool(), S, "GET", "/app/", fx_location(NULL, "sequr-saml"));
        int rc;
        apr_table_setn(r->headers_in, cases[i].header, cases[i].value);
        rc = sequr_check_user_id(r);
        ck_assert_msg(rc == (cases[i].api ? HTTP_UNAUTHORIZED : HTTP_MOVED_TEMPORARILY),
                      "%s: %s answered %d", cases[i].header, cases[i].value, rc);
        if (cases[i].api)
            assert_told_401(r, rc);
    }
}
END_TEST

START_TEST(request_without_headers_is_a_browser)
{
    request_rec *r = fake_request(tk_pool(), S, "GET", "/app/", fx_location(NULL, "sequr-saml"));
    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);
}
END_TEST

START_TEST(other_methods_get_401)
{
    static const char *const methods[] = {"POST", "PUT", "DELETE", "OPTIONS", NULL};
    int i;

    for (i = 0; methods[i]; i++) {
        request_rec *r = fx_browser_get(S, "/app/", fx_location(NULL, "sequr-saml"));
        r->method = methods[i];
        r->method_number = i == 0 ? M_POST : i == 1 ? M_PUT : i == 2 ? M_DELETE : M_OPTIONS;
        assert_told_401(r, sequr_check_user_id(r));
    }
}
END_TEST

START_TEST(action_redirect_sends_every_get_to_the_idp)
{
    ap_conf_vector_t *dir = fx_location(dir_with_action(SEQUR_UNAUTH_REDIRECT), "sequr-saml");
    request_rec *r = fake_request(tk_pool(), S, "GET", "/api/x", dir);

    apr_table_setn(r->headers_in, "Accept", "application/json");
    apr_table_setn(r->headers_in, "X-Requested-With", "XMLHttpRequest");
    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);
    /* A POST cannot be replayed after the trip: still 401. */
    r = fake_request(tk_pool(), S, "POST", "/api/x", dir);
    assert_told_401(r, sequr_check_user_id(r));
}
END_TEST

START_TEST(action_401_answers_browsers_too)
{
    ap_conf_vector_t *dir = fx_location(dir_with_action(SEQUR_UNAUTH_401), "sequr-saml");
    request_rec *r = fx_browser_get(S, "/app/", dir);
    assert_told_401(r, sequr_check_user_id(r));
}
END_TEST

START_TEST(action_auto_is_the_default)
{
    ap_conf_vector_t *dir = fx_location(dir_with_action(SEQUR_UNAUTH_AUTO), "sequr-saml");
    request_rec *r = fx_browser_get(S, "/app/", dir);

    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);
    r = fx_browser_get(S, "/app/", dir);
    apr_table_setn(r->headers_in, "X-Requested-With", "XMLHttpRequest");
    assert_told_401(r, sequr_check_user_id(r));
}
END_TEST

/* A subrequest or internal redirect cannot send the browser anywhere. */
START_TEST(subrequests_and_internal_redirects_get_401)
{
    ap_conf_vector_t *dir = fx_location(dir_with_action(SEQUR_UNAUTH_REDIRECT), "sequr-saml");
    request_rec *main = fx_browser_get(S, "/index.shtml", fx_location(NULL, NULL));
    request_rec *sub = fake_subrequest(main, "/app/fragment", dir);
    request_rec *redirected = fake_internal_redirect(main, "/app/", dir);

    assert_told_401(sub, sequr_check_user_id(sub));
    assert_told_401(redirected, sequr_check_user_id(redirected));
}
END_TEST

START_TEST(location_of_a_tenant_signs_in_there)
{
    sequr_dir_conf_t *d = sequr_create_dir_conf(tk_pool(), NULL);
    request_rec *r;

    fx_add_tenant(S, "fabrikam");
    d->tenant = "fabrikam";
    r = fx_browser_get(S, "/fabrikam/", fx_location(d, "sequr-saml"));
    assert_sent_to_idp(r, sequr_check_user_id(r), "https://login.microsoftonline.com/fabrikam/saml2");
}
END_TEST

START_TEST(incomplete_configuration_is_a_server_error)
{
    request_rec *r = browser();

    conf()->idp->sso_url = NULL;
    ck_assert_int_eq(sequr_check_user_id(r), HTTP_INTERNAL_SERVER_ERROR);
    ck_assert(fake_log_has("error SEQ01101"));

    /* A location naming a tenant this server lacks (only .htaccess can). */
    conf()->idp->sso_url = TK_IDP_SSO_URL;
    {
        sequr_dir_conf_t *d = sequr_create_dir_conf(tk_pool(), NULL);
        d->tenant = "nowhere";
        r = fx_browser_get(S, "/x/", fx_location(d, "sequr-saml"));
        ck_assert_int_eq(sequr_check_user_id(r), HTTP_INTERNAL_SERVER_ERROR);
        ck_assert(fake_log_has("of tenant nowhere"));
    }
}
END_TEST

/* ---- with a cookie -------------------------------------------------------------- */

START_TEST(valid_session_lets_the_request_in)
{
    request_rec *r = browser();
    saml_session_t *s = fx_session(r);

    fx_send_cookie(r, s->id);
    assert_admitted(r, sequr_check_user_id(r));
    ck_assert_ptr_null(apr_table_get(r->headers_out, "Location"));
    ck_assert_ptr_null(apr_table_get(r->err_headers_out, "Set-Cookie"));
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_IDP"), TK_IDP_ENTITY_ID);
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_SESSION_INDEX"), "_idx-1");
    ck_assert_ptr_null(apr_table_get(r->subprocess_env, "SEQUR_SAML_TENANT"));
}
END_TEST

/* SequrSAMLForceAuthn: a session signed in longer ago than the location's
 * max age (or at an unknown time: a record from before the instant was
 * kept) goes to sign in again, with the demand sealed in its request cookie. */
START_TEST(force_authn_sends_an_old_session_to_sign_in)
{
    sequr_dir_conf_t *d = sequr_create_dir_conf(tk_pool(), NULL);
    request_rec *r;
    saml_session_t *s;

    d->force_authn = 1;
    d->authn_max_age = 60;
    r = fx_browser_get(S, "/admin/x", fx_location(d, "sequr-saml"));
    s = fx_session(r);
    fx_send_cookie(r, s->id);
    ck_assert_int_eq(sequr_check_user_id(r), HTTP_MOVED_TEMPORARILY);
    ck_assert(fake_log_has("SEQ01170: [check authn-age]"));
    ck_assert(fake_log_has("at an unknown time"));
    ck_assert_ptr_nonnull(request_cookie(r));

    r = fx_browser_get(S, "/admin/x", fx_location(d, "sequr-saml"));
    s = fx_session(r);
    s->authn_instant = apr_time_now() - apr_time_from_sec(61);
    ck_assert_int_eq(saml_session_update(tk_pool(), conf()->store, s), APR_SUCCESS);
    fx_send_cookie(r, s->id);
    ck_assert_int_eq(sequr_check_user_id(r), HTTP_MOVED_TEMPORARILY);

    r = fx_browser_get(S, "/admin/x", fx_location(d, "sequr-saml"));
    s = fx_session(r);
    s->authn_instant = apr_time_now() - apr_time_from_sec(30);
    ck_assert_int_eq(saml_session_update(tk_pool(), conf()->store, s), APR_SUCCESS);
    fx_send_cookie(r, s->id);
    assert_admitted(r, sequr_check_user_id(r));

    /* Elsewhere the same old session is fine. */
    r = browser();
    s = fx_session(r);
    fx_send_cookie(r, s->id);
    assert_admitted(r, sequr_check_user_id(r));
}
END_TEST

/* An API client with a session is let in like a browser. */
START_TEST(api_client_with_session_is_let_in)
{
    request_rec *r = fake_request(tk_pool(), S, "POST", "/app/api", fx_location(NULL, "sequr-saml"));
    saml_session_t *s = fx_session(r);

    apr_table_setn(r->headers_in, "X-Requested-With", "XMLHttpRequest");
    fx_send_cookie(r, s->id);
    assert_admitted(r, sequr_check_user_id(r));
}
END_TEST

START_TEST(cookie_among_others_is_found)
{
    request_rec *r = browser();
    saml_session_t *s = fx_session(r);

    apr_table_addn(r->headers_in, "Cookie", "theme=dark; other=1");
    apr_table_addn(r->headers_in, "Cookie",
                   apr_pstrcat(r->pool, "a=b; sequr_saml_session=", s->id, "; c=d", NULL));
    assert_admitted(r, sequr_check_user_id(r));
}
END_TEST

START_TEST(unknown_session_is_sent_to_sign_in)
{
    request_rec *r = browser();

    fx_send_cookie(r, saml_session_new_id(r->pool));   /* well formed, never stored */
    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);
    ck_assert(fake_log_has("debug SEQ01103"));
}
END_TEST

START_TEST(malformed_cookie_is_no_session)
{
    request_rec *r = browser();

    fx_send_cookie(r, "not-a-session-id");
    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);
    ck_assert(fake_log_has("debug SEQ01103"));
}
END_TEST

START_TEST(expired_session_is_sent_to_sign_in_and_removed)
{
    request_rec *r = browser();
    saml_session_t *s = fx_session(r);
    char *buf;
    apr_size_t len;

    s->expires = apr_time_now() - apr_time_from_sec(1);
    fx_save(r, s);
    fx_send_cookie(r, s->id);
    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);
    ck_assert_int_eq(saml_store_get(conf()->store, saml_session_key(r->pool, s->id), r->pool, &buf,
                                    &len), APR_NOTFOUND);
}
END_TEST

START_TEST(idle_session_is_sent_to_sign_in)
{
    request_rec *r = browser();
    saml_session_t *s = fx_session(r);

    s->last_access = apr_time_now() - apr_time_from_sec(3601);
    fx_save(r, s);
    fx_send_cookie(r, s->id);
    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);

    /* SequrSAMLSessionIdleTimeout 0: no idle limit. */
    conf()->session_idle_timeout = 0;
    r = browser();
    s = fx_session(r);
    s->last_access = apr_time_now() - apr_time_from_sec(86400);
    fx_save(r, s);
    fx_send_cookie(r, s->id);
    assert_admitted(r, sequr_check_user_id(r));
}
END_TEST

/* A session issued for another vhost (or cookie name, or SP) is none here,
 * and stays in the store for its owner. */
START_TEST(session_of_another_site_is_no_session_here)
{
    server_rec *other = fx_server();
    request_rec *there = fx_browser_get(other, "/", fx_location(NULL, "sequr-saml"));
    request_rec *r = browser();
    saml_session_t *s;
    char *buf;
    apr_size_t len;

    other->server_hostname = "other.example.test";
    s = fx_session(there);
    s->scope = sequr_session_scope(there, fake_server_conf(other));
    fx_save(r, s);                                  /* into our store */
    fx_send_cookie(r, s->id);
    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);
    ck_assert_int_eq(saml_store_get(conf()->store, saml_session_key(r->pool, s->id), r->pool, &buf,
                                    &len), APR_SUCCESS);
}
END_TEST

START_TEST(session_of_another_tenant_is_no_session_here)
{
    request_rec *r = browser();
    saml_session_t *s = fx_session(r);

    fx_add_tenant(S, "fabrikam");
    s->tenant = "fabrikam";
    fx_save(r, s);
    fx_send_cookie(r, s->id);
    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);
    ck_assert(fake_log_has("info SEQ01106"));
    ck_assert(!fake_log_has("SEQ01103"));
}
END_TEST

START_TEST(tenant_session_in_its_tenant_exports_the_tenant)
{
    sequr_dir_conf_t *d = sequr_create_dir_conf(tk_pool(), NULL);
    request_rec *r;
    saml_session_t *s;

    fx_add_tenant(S, "fabrikam");
    d->tenant = "fabrikam";
    d->request_headers = 1;
    r = fx_browser_get(S, "/fabrikam/", fx_location(d, "sequr-saml"));
    s = fx_session(r);
    s->tenant = "fabrikam";
    fx_save(r, s);
    fx_send_cookie(r, s->id);
    assert_admitted(r, sequr_check_user_id(r));
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_TENANT"), "fabrikam");
    ck_assert_str_eq(apr_table_get(r->headers_in, "Sequr-SAML-Tenant"), "fabrikam");
}
END_TEST

/* Two different session cookies: one was planted. Neither counts, both go. */
START_TEST(two_different_cookies_count_as_none)
{
    request_rec *r = browser();
    saml_session_t *mine = fx_session(r), *planted = fx_session(r);
    const apr_array_header_t *h;
    int i, clears = 0;

    fx_send_cookie(r, mine->id);
    fx_send_cookie(r, planted->id);
    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);
    ck_assert(fake_log_has("warn SEQ01108: [check cookie-ambiguous] 2 different session cookies"));
    /* Cleared on each path prefix and parent domain they may sit on. */
    h = apr_table_elts(r->err_headers_out);
    for (i = 0; i < h->nelts; i++) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(h, i, apr_table_entry_t);
        if (!strcasecmp(e->key, "Set-Cookie") && !strncmp(e->val, "sequr_saml_session=; Max-Age=0", 30))
            clears++;
    }
    ck_assert_int_ge(clears, 2);
}
END_TEST

START_TEST(the_same_cookie_twice_is_one)
{
    request_rec *r = browser();
    saml_session_t *s = fx_session(r);

    fx_send_cookie(r, s->id);
    fx_send_cookie(r, s->id);
    assert_admitted(r, sequr_check_user_id(r));
}
END_TEST

/* On https the cookie is __Host-: the bare name (which any related http
 * site could have planted) is not read. */
START_TEST(https_reads_only_the_host_cookie)
{
    request_rec *r = browser();
    saml_session_t *s;

    fake_state(r)->scheme = "https";
    s = fx_session(r);
    apr_table_addn(r->headers_in, "Cookie", apr_pstrcat(r->pool, "sequr_saml_session=", s->id, NULL));
    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);

    r = browser();
    fake_state(r)->scheme = "https";
    s = fx_session(r);
    fx_send_cookie(r, s->id);
    assert_admitted(r, sequr_check_user_id(r));
}
END_TEST

/* ---- who the user is here -------------------------------------------------------- */

START_TEST(location_user_attribute_names_remote_user)
{
    sequr_dir_conf_t *d = sequr_create_dir_conf(tk_pool(), NULL);
    request_rec *r;
    saml_session_t *s;

    d->user_attribute = FX_CLAIM_DEPARTMENT;
    r = fx_browser_get(S, "/dept/", fx_location(d, "sequr-saml"));
    s = fx_session(r);
    fx_send_cookie(r, s->id);
    ck_assert_int_eq(sequr_check_user_id(r), OK);
    ck_assert_str_eq(r->user, "R&D");
}
END_TEST

START_TEST(missing_user_attribute_is_refused)
{
    sequr_dir_conf_t *d = sequr_create_dir_conf(tk_pool(), NULL);
    request_rec *r;
    saml_session_t *s;

    d->user_attribute = "http://schemas.example.test/claims/employeeid";
    r = fx_browser_get(S, "/hr/", fx_location(d, "sequr-saml"));
    s = fx_session(r);
    fx_send_cookie(r, s->id);
    ck_assert_int_eq(sequr_check_user_id(r), HTTP_FORBIDDEN);
    ck_assert_ptr_null(r->user);
    ck_assert(fake_log_has("warn SEQ01104"));
}
END_TEST

/* A location's list: the first name the session's attributes carry wins;
 * an unclear value there is refused, not passed over. */
START_TEST(location_user_attribute_list_falls_back)
{
    sequr_dir_conf_t *d = sequr_create_dir_conf(tk_pool(), NULL);
    request_rec *r;
    saml_session_t *s;
    saml_attribute_t *a;

    d->user_attributes = apr_array_make(tk_pool(), 2, sizeof(const char *));
    APR_ARRAY_PUSH(d->user_attributes, const char *) = "http://schemas.example.test/claims/eid";
    APR_ARRAY_PUSH(d->user_attributes, const char *) = FX_CLAIM_DEPARTMENT;
    d->user_attribute = "http://schemas.example.test/claims/eid";
    r = fx_browser_get(S, "/dept/", fx_location(d, "sequr-saml"));
    s = fx_session(r);
    fx_send_cookie(r, s->id);
    ck_assert_int_eq(sequr_check_user_id(r), OK);
    ck_assert_str_eq(r->user, "R&D");

    /* Two different values of the attribute that wins: whose name is it? */
    r = fx_browser_get(S, "/dept/", fx_location(d, "sequr-saml"));
    s = fx_session(r);
    a = apr_array_push(s->attributes);
    a->name = "http://schemas.example.test/claims/eid";
    a->values = apr_array_make(tk_pool(), 2, sizeof(const char *));
    APR_ARRAY_PUSH(a->values, const char *) = "E1";
    APR_ARRAY_PUSH(a->values, const char *) = "E2";
    fx_save(r, s);
    fx_send_cookie(r, s->id);
    fake_log_clear();
    ck_assert_int_eq(sequr_check_user_id(r), HTTP_FORBIDDEN);
    ck_assert_ptr_null(r->user);
    ck_assert(fake_log_has("warn SEQ01104"));
    ck_assert(fake_log_has("several different values"));
}
END_TEST

START_TEST(user_with_control_characters_is_refused)
{
    request_rec *r = browser();
    saml_session_t *s = fx_session(r);

    s->user = "alice\r\nX-Admin: 1";
    fx_save(r, s);
    fx_send_cookie(r, s->id);
    ck_assert_int_eq(sequr_check_user_id(r), HTTP_FORBIDDEN);
    ck_assert_ptr_null(r->user);
    ck_assert(fake_log_has("warn SEQ01107"));
}
END_TEST

/* ---- the store cannot answer ------------------------------------------------------- */

static apr_status_t broken_get(saml_store_t *st, const char *key, apr_pool_t *p, char **val,
                               apr_size_t *len)
{
    (void)st, (void)key, (void)p, (void)val, (void)len;
    return APR_ECONNREFUSED;
}

START_TEST(store_failure_is_503_not_a_sign_in)
{
    static const saml_store_provider_t broken = {"broken", broken_get, NULL, NULL, NULL, NULL, NULL};
    saml_store_t st = {&broken, NULL};
    request_rec *r = browser();

    conf()->store = &st;
    fx_send_cookie(r, saml_session_new_id(r->pool));
    ck_assert_int_eq(sequr_check_user_id(r), DONE);
    ck_assert_int_eq(r->status, HTTP_SERVICE_UNAVAILABLE);
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "SEQUR_SAML_ERROR"), "store");
    ck_assert_ptr_null(apr_table_get(r->headers_out, "Location"));
    ck_assert(fake_log_has("[check store] session store unavailable"));
}
END_TEST

/* ---- SequrSAMLUnauthenticatedAction pass (the fixups hook) -------------------- */

static request_rec *pass_request(void)
{
    return fx_browser_get(S, "/shop/page", fx_location(dir_with_action(SEQUR_UNAUTH_PASS),
                                                       "sequr-saml"));
}

START_TEST(pass_lets_an_anonymous_request_go_on)
{
    request_rec *r = pass_request();

    ck_assert_int_eq(sequr_pass_anonymous(r), DECLINED);
    ck_assert_ptr_null(r->user);
    ck_assert_ptr_null(apr_table_get(r->headers_out, "Location"));
    ck_assert_ptr_null(apr_table_get(r->err_headers_out, "Set-Cookie"));
    ck_assert_ptr_null(apr_table_get(r->err_headers_out, "WWW-Authenticate"));
    ck_assert_ptr_null(apr_table_get(r->subprocess_env, "SEQUR_SAML_NAME_ID"));
    ck_assert_str_eq(apr_table_get(r->err_headers_out, "Vary"), "Cookie");
    /* A dead cookie is no session either: still anonymous, no sign-in. */
    r = pass_request();
    fx_send_cookie(r, saml_session_new_id(r->pool));
    ck_assert_int_eq(sequr_pass_anonymous(r), DECLINED);
    ck_assert_ptr_null(r->user);
    ck_assert_ptr_null(apr_table_get(r->headers_out, "Location"));
}
END_TEST

START_TEST(pass_gives_a_signed_in_browser_its_user)
{
    request_rec *r = pass_request();
    saml_session_t *s = fx_session(r);

    fx_send_cookie(r, s->id);
    assert_admitted(r, sequr_pass_anonymous(r));
}
END_TEST

/* Where Require needed a user, check_user_id ran and pass has nothing to add;
 * there, without a session, pass signs in as auto does. */
START_TEST(pass_with_a_required_user_signs_in)
{
    request_rec *r = pass_request();

    assert_sent_to_idp(r, sequr_check_user_id(r), TK_IDP_SSO_URL);
    r = pass_request();
    r->user = "someone";
    ck_assert_int_eq(sequr_pass_anonymous(r), DECLINED);
    ck_assert_str_eq(r->user, "someone");
}
END_TEST

START_TEST(pass_is_only_for_its_locations)
{
    request_rec *r = browser();       /* auto */
    saml_session_t *s = fx_session(r);

    fx_send_cookie(r, s->id);
    ck_assert_int_eq(sequr_pass_anonymous(r), DECLINED);
    ck_assert_ptr_null(r->user);
    ck_assert_ptr_null(apr_table_get(r->err_headers_out, "Vary"));
    r = fx_browser_get(S, "/", fx_location(dir_with_action(SEQUR_UNAUTH_PASS), "Basic"));
    ck_assert_int_eq(sequr_pass_anonymous(r), DECLINED);
    ck_assert_ptr_null(r->user);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apache_authn");
    TCase *tc = tcase_create("authn");
    int rc;

    tk_run_dir_make("glue-authn");
    tcase_add_checked_fixture(tc, setup, tk_teardown);
    tcase_add_test(tc, other_auth_type_is_not_ours);
    tcase_add_test(tc, browser_without_cookie_is_sent_to_the_idp);
    tcase_add_test(tc, api_clients_get_401);
    tcase_add_test(tc, request_without_headers_is_a_browser);
    tcase_add_test(tc, other_methods_get_401);
    tcase_add_test(tc, action_redirect_sends_every_get_to_the_idp);
    tcase_add_test(tc, action_401_answers_browsers_too);
    tcase_add_test(tc, action_auto_is_the_default);
    tcase_add_test(tc, subrequests_and_internal_redirects_get_401);
    tcase_add_test(tc, location_of_a_tenant_signs_in_there);
    tcase_add_test(tc, incomplete_configuration_is_a_server_error);
    tcase_add_test(tc, valid_session_lets_the_request_in);
    tcase_add_test(tc, api_client_with_session_is_let_in);
    tcase_add_test(tc, cookie_among_others_is_found);
    tcase_add_test(tc, unknown_session_is_sent_to_sign_in);
    tcase_add_test(tc, malformed_cookie_is_no_session);
    tcase_add_test(tc, expired_session_is_sent_to_sign_in_and_removed);
    tcase_add_test(tc, idle_session_is_sent_to_sign_in);
    tcase_add_test(tc, session_of_another_site_is_no_session_here);
    tcase_add_test(tc, session_of_another_tenant_is_no_session_here);
    tcase_add_test(tc, tenant_session_in_its_tenant_exports_the_tenant);
    tcase_add_test(tc, two_different_cookies_count_as_none);
    tcase_add_test(tc, the_same_cookie_twice_is_one);
    tcase_add_test(tc, https_reads_only_the_host_cookie);
    tcase_add_test(tc, location_user_attribute_names_remote_user);
    tcase_add_test(tc, missing_user_attribute_is_refused);
    tcase_add_test(tc, location_user_attribute_list_falls_back);
    tcase_add_test(tc, user_with_control_characters_is_refused);
    tcase_add_test(tc, store_failure_is_503_not_a_sign_in);
    tcase_add_test(tc, pass_lets_an_anonymous_request_go_on);
    tcase_add_test(tc, pass_gives_a_signed_in_browser_its_user);
    tcase_add_test(tc, pass_with_a_required_user_signs_in);
    tcase_add_test(tc, pass_is_only_for_its_locations);
    tcase_add_test(tc, force_authn_sends_an_old_session_to_sign_in);
    suite_add_tcase(s, tc);
    rc = tk_run_suite(s);
    tk_run_dir_remove();
    return rc;
}
