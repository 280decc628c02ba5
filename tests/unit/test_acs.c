/* ACS decisions on real signed responses and a real file store: solicited
 * and unsolicited flows, one answer per request, the replay cache, and the
 * rule that nothing is touched before the response is valid. */
#include <check.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "saml/acs.h"
#include "saml/random.h"
#include "saml/store_file.h"
#include "tests/unit/testkit.h"

#define RETURN_TO "/app/report?id=42&view=full"
#define LANDING   "/welcome"

static saml_store_t *file_store(apr_pool_t *p)
{
    const char *path = tk_run_path(p, "store");
    saml_store_t *st = NULL;
    saml_err_t err;

    ck_assert_int_eq(saml_store_file_open(p, path, 1024, 4096, &st, &err), APR_SUCCESS);
    return st;
}

/* The test's IdP key, made fresh by the fixture. */
static tk_keypair_t *idp;

static void setup(void)
{
    tk_setup();
    idp = tk_keypair_new(tk_pool(), 2048, "idp", 30);
}

static void teardown(void)
{
    idp = NULL;
    tk_teardown();
}

static tk_keypair_t *idp_key(void)
{
    return idp;
}

static saml_acs_policy_t acs_policy(apr_pool_t *p)
{
    saml_acs_policy_t pol;

    memset(&pol, 0, sizeof(pol));
    pol.response = tk_policy(p, idp_key());
    pol.allow_unsolicited = 1;
    pol.landing_path = LANDING;
    return pol;
}

/* A fresh signed response answering request_id (NULL: unsolicited). */
static const char *response_to(apr_pool_t *p, const char *request_id)
{
    tk_response_opts_t o;

    tk_response_defaults(p, &o);
    o.in_response_to = request_id;
    return tk_response_signed(p, &o, idp_key());
}

/* A request the browser behind pol started (its sealed cookie in pol). */
static saml_pending_request_t *remember_request(apr_pool_t *p, saml_acs_policy_t *pol)
{
    saml_pending_request_t *req = apr_pcalloc(p, sizeof(*req));

    req->request_id = saml_random_id(p, "_");
    req->relay_state = saml_random_id(p, "rs");
    req->return_to = RETURN_TO;
    tk_browser_started(p, pol, req, apr_time_now() + apr_time_from_sec(300));
    return req;
}

static apr_status_t consume(apr_pool_t *p, saml_store_t *st, const saml_acs_policy_t *pol,
                            const char *xml, const char *relay_state,
                            saml_acs_result_t **res, saml_err_t *err)
{
    static saml_acs_result_t stale;

    err->check = err->detail = NULL;
    *res = &stale;   /* a failure must clear it */
    return saml_acs_consume(p, st, pol, xml, strlen(xml), relay_state, res, err);
}

static void assert_refused(apr_status_t rv, apr_status_t want, const saml_err_t *err,
                           const char *check, saml_acs_result_t *const *res)
{
    ck_assert_msg(rv == want, "status %d, wanted %d (%s: %s)", rv, want,
                  err->check ? err->check : "-", err->detail ? err->detail : "-");
    ck_assert_str_eq(err->check, check);
    ck_assert_ptr_nonnull(err->detail);
    ck_assert_ptr_null(*res);   /* read after the call: res is an out-parameter */
}

START_TEST(solicited_response_returns_to_stored_path)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    saml_pending_request_t *req = remember_request(p, &pol);
    saml_acs_result_t *res;
    saml_err_t err;
    apr_status_t rv = consume(p, st, &pol, response_to(p, req->request_id), req->relay_state,
                              &res, &err);

    ck_assert_msg(rv == APR_SUCCESS, "%s: %s", err.check, err.detail);
    ck_assert_str_eq(res->return_to, RETURN_TO);
    ck_assert_int_eq(res->solicited, 1);
    ck_assert_str_eq(res->assertion->user, "alice@contoso.example");
    ck_assert_str_eq(res->assertion->in_response_to, req->request_id);
}
END_TEST

START_TEST(same_response_twice_is_a_replay)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    saml_pending_request_t *req = remember_request(p, &pol);
    const char *xml = response_to(p, req->request_id), *unsolicited = response_to(p, NULL);
    saml_acs_result_t *res;
    saml_err_t err;

    ck_assert_int_eq(consume(p, st, &pol, xml, req->relay_state, &res, &err), APR_SUCCESS);
    assert_refused(consume(p, st, &pol, xml, req->relay_state, &res, &err), SAML_EREPLAY,
                   &err, "replay", &res);

    ck_assert_int_eq(consume(p, st, &pol, unsolicited, NULL, &res, &err), APR_SUCCESS);
    assert_refused(consume(p, st, &pol, unsolicited, NULL, &res, &err), SAML_EREPLAY,
                   &err, "replay", &res);
}
END_TEST

START_TEST(unknown_request_is_refused)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    saml_pending_request_t *expired = apr_pcalloc(p, sizeof(*expired));
    saml_acs_result_t *res;
    saml_err_t err;

    assert_refused(consume(p, st, &pol, response_to(p, saml_random_id(p, "_")), NULL, &res,
                           &err), SAML_EREJECTED, &err, "request-cookie", &res);

    /* A request we sent, but whose time is up. */
    expired->request_id = saml_random_id(p, "_");
    expired->return_to = RETURN_TO;
    tk_browser_started(p, &pol, expired, pol.response.now - 1);
    assert_refused(consume(p, st, &pol, response_to(p, expired->request_id), NULL, &res,
                           &err), SAML_EREJECTED, &err, "in-response-to", &res);
}
END_TEST

START_TEST(request_is_answered_only_once)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    saml_pending_request_t *req = remember_request(p, &pol);
    saml_acs_result_t *res;
    saml_err_t err;

    ck_assert_int_eq(consume(p, st, &pol, response_to(p, req->request_id), req->relay_state,
                             &res, &err), APR_SUCCESS);
    /* A second, different (and valid) response to the same request. */
    assert_refused(consume(p, st, &pol, response_to(p, req->request_id), req->relay_state,
                           &res, &err), SAML_EREJECTED, &err, "in-response-to", &res);
}
END_TEST

START_TEST(relay_state_must_be_the_one_sent)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    saml_pending_request_t *a = remember_request(p, &pol), *b = remember_request(p, &pol);
    saml_acs_result_t *res;
    saml_err_t err;

    assert_refused(consume(p, st, &pol, response_to(p, a->request_id), b->relay_state, &res,
                           &err), SAML_EREJECTED, &err, "relay-state", &res);
    assert_refused(consume(p, st, &pol, response_to(p, b->request_id), NULL, &res, &err),
                   SAML_EREJECTED, &err, "relay-state", &res);
}
END_TEST

START_TEST(request_without_relay_state_wants_none)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    saml_pending_request_t req = { NULL, NULL, "/", NULL, {0} };
    saml_acs_result_t *res;
    saml_err_t err;

    req.request_id = saml_random_id(p, "_");
    tk_browser_started(p, &pol, &req, apr_time_now() + apr_time_from_sec(60));
    assert_refused(consume(p, st, &pol, response_to(p, req.request_id), "/anything", &res,
                           &err), SAML_EREJECTED, &err, "relay-state", &res);

    req.request_id = saml_random_id(p, "_");
    tk_browser_started(p, &pol, &req, apr_time_now() + apr_time_from_sec(60));
    ck_assert_int_eq(consume(p, st, &pol, response_to(p, req.request_id), NULL, &res, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(res->return_to, "/");
}
END_TEST

START_TEST(unsolicited_follows_a_local_relay_state)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    saml_acs_result_t *res;
    saml_err_t err;

    ck_assert_int_eq(consume(p, st, &pol, response_to(p, NULL), "/reports/2026?q=open", &res,
                             &err), APR_SUCCESS);
    ck_assert_str_eq(res->return_to, "/reports/2026?q=open");
    ck_assert_int_eq(res->solicited, 0);
    ck_assert_ptr_null(res->assertion->in_response_to);
}
END_TEST

START_TEST(unsolicited_never_leaves_the_site)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    const char *relays[] = { "https://evil.example/", "//evil", "///evil.example",
                             "/\\evil.example", "/%2F%2Fevil.example", "http:evil.example",
                             "javascript:alert(1)", "", NULL };
    apr_size_t i;

    for (i = 0; i < sizeof(relays) / sizeof(relays[0]); i++) {
        saml_acs_result_t *res;
        saml_err_t err;
        apr_status_t rv = consume(p, st, &pol, response_to(p, NULL), relays[i], &res, &err);
        ck_assert_msg(rv == APR_SUCCESS, "%s: %s", err.check, err.detail);
        ck_assert_msg(strcmp(res->return_to, LANDING) == 0, "RelayState \"%s\" led to %s",
                      relays[i] ? relays[i] : "(null)", res->return_to);
    }
}
END_TEST

START_TEST(unsolicited_follows_a_full_url_of_this_site)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    saml_acs_result_t *res;
    saml_err_t err;

    pol.site_origin = "https://www.example.com";
    ck_assert_int_eq(consume(p, st, &pol, response_to(p, NULL),
                             "https://WWW.example.com:443/app/report?id=7", &res, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(res->return_to, "/app/report?id=7");
    ck_assert_int_eq(res->solicited, 0);
}
END_TEST

START_TEST(unsolicited_full_url_of_another_origin_lands)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    const char *relays[] = { "https://evil.example/app", "http://www.example.com/app",
                             "https://www.example.com:8443/app", "https://user@www.example.com/app",
                             "https://www.example.com@evil.example/app",
                             "https://www.example.com//evil.example", "https://www.example.com./app" };
    apr_size_t i;

    pol.site_origin = "https://www.example.com";
    for (i = 0; i < sizeof(relays) / sizeof(relays[0]); i++) {
        saml_acs_result_t *res;
        saml_err_t err;
        apr_status_t rv = consume(p, st, &pol, response_to(p, NULL), relays[i], &res, &err);
        ck_assert_msg(rv == APR_SUCCESS, "%s: %s", err.check, err.detail);
        ck_assert_msg(strcmp(res->return_to, LANDING) == 0, "RelayState \"%s\" led to %s",
                      relays[i], res->return_to);
    }
    /* Without the site's origin, no full URL is followed, even of the site. */
    pol.site_origin = NULL;
    {
        saml_acs_result_t *res;
        saml_err_t err;
        ck_assert_int_eq(consume(p, st, &pol, response_to(p, NULL),
                                 "https://www.example.com/app", &res, &err), APR_SUCCESS);
        ck_assert_str_eq(res->return_to, LANDING);
    }
}
END_TEST

START_TEST(unsolicited_refused_when_disabled)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    const char *xml = response_to(p, NULL);
    saml_acs_result_t *res;
    saml_err_t err;

    pol.allow_unsolicited = 0;
    assert_refused(consume(p, st, &pol, xml, "/reports", &res, &err), SAML_EREJECTED, &err,
                   "unsolicited", &res);
    /* The refusal left no trace: the replay cache did not take its ID. */
    pol.allow_unsolicited = 1;
    ck_assert_int_eq(consume(p, st, &pol, xml, "/reports", &res, &err), APR_SUCCESS);
}
END_TEST

START_TEST(invalid_response_consumes_nothing)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    saml_pending_request_t *req = remember_request(p, &pol);
    tk_response_opts_t o;
    const char *good, *tampered, *wrong_audience;
    saml_acs_result_t *res;
    saml_err_t err;
    apr_status_t rv;

    tk_response_defaults(p, &o);
    o.in_response_to = req->request_id;
    good = tk_response_signed(p, &o, idp_key());
    tampered = tk_replace(p, good, "alice@contoso.example", "mallory@contoso.example");
    o.audience = "https://somebody-else.example/";
    wrong_audience = tk_response_signed(p, &o, idp_key());

    rv = consume(p, st, &pol, tampered, req->relay_state, &res, &err);
    ck_assert_int_ne(rv, APR_SUCCESS);
    ck_assert_ptr_null(res);
    ck_assert_str_ne(err.check, "in-response-to");
    rv = consume(p, st, &pol, wrong_audience, req->relay_state, &res, &err);
    ck_assert_int_eq(rv, SAML_EREJECTED);
    ck_assert_str_eq(err.check, "audience");
    rv = consume(p, st, &pol, "<not-even-xml", req->relay_state, &res, &err);
    ck_assert_int_ne(rv, APR_SUCCESS);

    /* The request is still pending, and the good response's ID still fresh. */
    rv = consume(p, st, &pol, good, req->relay_state, &res, &err);
    ck_assert_msg(rv == APR_SUCCESS, "%s: %s", err.check, err.detail);
    ck_assert_str_eq(res->return_to, RETURN_TO);
}
END_TEST

/* The replay cache keys on Issuer and ID: another IdP may reuse an ID. */
START_TEST(replay_cache_tells_issuers_apart)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p), other = acs_policy(p);
    const char *shared_id = tk_guid_id(p), *other_issuer = "https://sts.windows.net/other/";
    tk_response_opts_t o;
    const char *first, *second;
    saml_acs_result_t *res;
    saml_err_t err;
    apr_status_t rv;

    tk_response_defaults(p, &o);
    o.assertion_id = shared_id;
    first = tk_response_signed(p, &o, idp_key());
    tk_response_defaults(p, &o);
    o.assertion_id = shared_id;
    o.response_issuer = o.assertion_issuer = other_issuer;
    second = tk_response_signed(p, &o, idp_key());
    other.response.idp_entity_id = other_issuer;

    ck_assert_int_eq(consume(p, st, &pol, first, NULL, &res, &err), APR_SUCCESS);
    rv = consume(p, st, &other, second, NULL, &res, &err);
    ck_assert_msg(rv == APR_SUCCESS, "%s: %s", err.check, err.detail);
    ck_assert_str_eq(res->assertion->assertion_id, shared_id);
    assert_refused(consume(p, st, &other, second, NULL, &res, &err), SAML_EREPLAY, &err,
                   "replay", &res);
}
END_TEST

static apr_status_t broken(void) { return APR_EGENERAL; }
static apr_status_t b_get(saml_store_t *s, const char *k, apr_pool_t *p, char **v,
                          apr_size_t *l)
{ (void)s; (void)k; (void)p; (void)v; (void)l; return broken(); }
static apr_status_t b_set(saml_store_t *s, const char *k, const char *v, apr_size_t l,
                          apr_time_t e)
{ (void)s; (void)k; (void)v; (void)l; (void)e; return broken(); }
static apr_status_t b_remove(saml_store_t *s, const char *k)
{ (void)s; (void)k; return broken(); }

static const saml_store_provider_t broken_provider = {
    "broken", b_get, b_set, b_set, b_get, b_remove, b_set
};

START_TEST(unreachable_store_is_unavailable_not_accepted)
{
    apr_pool_t *p = tk_pool();
    saml_store_t st = { &broken_provider, NULL };
    saml_acs_policy_t pol = acs_policy(p);
    saml_pending_request_t req = { "_0123456789abcdef", NULL, "/", NULL, {0} };
    saml_acs_result_t *res;
    saml_err_t err;

    tk_browser_started(p, &pol, &req, apr_time_now() + apr_time_from_sec(60));
    assert_refused(consume(p, &st, &pol, response_to(p, NULL), "/x", &res, &err),
                   SAML_EUNAVAILABLE, &err, "store", &res);
    assert_refused(consume(p, &st, &pol, response_to(p, "_0123456789abcdef"), NULL, &res,
                           &err), SAML_EUNAVAILABLE, &err, "store", &res);
}
END_TEST

/* Login CSRF: a response to a request started elsewhere (the attacker's own
 * browser) is refused in a browser that does not hold that request's cookie,
 * and the refusal burns neither the request nor the assertion. */
START_TEST(solicited_response_needs_the_browsers_cookie)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t attacker = acs_policy(p), victim = acs_policy(p);
    saml_pending_request_t *req = remember_request(p, &attacker);
    saml_pending_request_t *own = remember_request(p, &victim);
    const char *xml = response_to(p, req->request_id);
    saml_acs_result_t *res;
    saml_err_t err;
    apr_status_t rv;

    /* The victim's browser has cookies, only not this request's. */
    assert_refused(consume(p, st, &victim, xml, req->relay_state, &res, &err), SAML_EREJECTED,
                   &err, "request-cookie", &res);
    /* Nor does the victim's cookie, put under the attacker's request's name, pass. */
    victim.cookies = apr_pstrcat(p, saml_pending_cookie_name(p, TK_PENDING_BASE, req->request_id),
                                 strchr(victim.cookies, '='), NULL);
    assert_refused(consume(p, st, &victim, xml, req->relay_state, &res, &err), SAML_EREJECTED,
                   &err, "request-cookie", &res);
    (void)own;
    /* The browser that started it still can: nothing was used up. */
    rv = consume(p, st, &attacker, xml, req->relay_state, &res, &err);
    ck_assert_msg(rv == APR_SUCCESS, "%s: %s", err.check, err.detail);
    ck_assert_str_eq(res->pending_cookie,
                     saml_pending_cookie_name(p, TK_PENDING_BASE, req->request_id));
}
END_TEST

START_TEST(forged_or_foreign_cookie_is_refused)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p), other_site = acs_policy(p);
    saml_pending_request_t *req;
    const char *xml, *name, *value;
    char *flipped;
    saml_acs_result_t *res;
    saml_err_t err;

    /* Sealed for another site of ours (same key, other scope). */
    other_site.pending_key = &tk_pending_key;
    other_site.pending_scope = "http://other.example:80|sequr_saml_session|x";
    other_site.pending_cookie_base = TK_PENDING_BASE;
    req = remember_request(p, &other_site);
    xml = response_to(p, req->request_id);
    pol.cookies = other_site.cookies;
    pol.pending_key = &tk_pending_key;
    pol.pending_scope = TK_PENDING_SCOPE;
    pol.pending_cookie_base = TK_PENDING_BASE;
    assert_refused(consume(p, st, &pol, xml, req->relay_state, &res, &err), SAML_EREJECTED,
                   &err, "request-cookie", &res);

    /* One bit changed in our own. */
    pol.cookies = NULL;
    req = remember_request(p, &pol);
    xml = response_to(p, req->request_id);
    name = saml_pending_cookie_name(p, TK_PENDING_BASE, req->request_id);
    value = strchr(pol.cookies, '=') + 1;
    flipped = apr_pstrdup(p, value);
    flipped[20] = flipped[20] == 'A' ? 'B' : 'A';
    pol.cookies = apr_pstrcat(p, name, "=", flipped, NULL);
    assert_refused(consume(p, st, &pol, xml, req->relay_state, &res, &err), SAML_EREJECTED,
                   &err, "request-cookie", &res);
    pol.cookies = apr_pstrcat(p, name, "=not-a-sealed-value", NULL);
    assert_refused(consume(p, st, &pol, xml, req->relay_state, &res, &err), SAML_EREJECTED,
                   &err, "request-cookie", &res);
    /* Our key missing (the server could not load it): refused, not accepted. */
    pol.cookies = apr_pstrcat(p, name, "=", value, NULL);
    pol.pending_key = NULL;
    assert_refused(consume(p, st, &pol, xml, req->relay_state, &res, &err), SAML_EREJECTED,
                   &err, "request-cookie", &res);
    pol.pending_key = &tk_pending_key;
    ck_assert_int_eq(consume(p, st, &pol, xml, req->relay_state, &res, &err), APR_SUCCESS);
}
END_TEST

/* Several Apache children receive the same response at once: one wins. */
START_TEST(racing_processes_accept_a_response_once)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = file_store(p);
    saml_acs_policy_t pol = acs_policy(p);
    const char *xml = response_to(p, NULL);
    int go[2], i, status, accepted = 0, replays = 0;
    pid_t pids[6];

    ck_assert_int_eq(pipe(go), 0);
    for (i = 0; i < 6; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            saml_acs_result_t *res;
            saml_err_t err;
            char c;
            apr_status_t rv;
            close(go[1]);
            if (read(go[0], &c, 1) != 0)
                _exit(9);
            rv = saml_acs_consume(p, st, &pol, xml, strlen(xml), NULL, &res, &err);
            _exit(rv == APR_SUCCESS ? 0 : rv == SAML_EREPLAY ? 1 : 2);
        }
    }
    close(go[0]);
    close(go[1]);
    for (i = 0; i < 6; i++) {
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert(WIFEXITED(status));
        accepted += WEXITSTATUS(status) == 0;
        replays += WEXITSTATUS(status) == 1;
    }
    ck_assert_int_eq(accepted, 1);
    ck_assert_int_eq(replays, 5);
}
END_TEST

static Suite *acs_suite(void)
{
    Suite *s = suite_create("acs");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, solicited_response_returns_to_stored_path);
    tcase_add_test(tc, same_response_twice_is_a_replay);
    tcase_add_test(tc, unknown_request_is_refused);
    tcase_add_test(tc, request_is_answered_only_once);
    tcase_add_test(tc, relay_state_must_be_the_one_sent);
    tcase_add_test(tc, request_without_relay_state_wants_none);
    tcase_add_test(tc, unsolicited_follows_a_local_relay_state);
    tcase_add_test(tc, unsolicited_never_leaves_the_site);
    tcase_add_test(tc, unsolicited_follows_a_full_url_of_this_site);
    tcase_add_test(tc, unsolicited_full_url_of_another_origin_lands);
    tcase_add_test(tc, unsolicited_refused_when_disabled);
    tcase_add_test(tc, invalid_response_consumes_nothing);
    tcase_add_test(tc, replay_cache_tells_issuers_apart);
    tcase_add_test(tc, unreachable_store_is_unavailable_not_accepted);
    tcase_add_test(tc, solicited_response_needs_the_browsers_cookie);
    tcase_add_test(tc, forged_or_foreign_cookie_is_refused);
    tcase_add_test(tc, racing_processes_accept_a_response_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    tk_run_dir_make("acs");
    sr = srunner_create(acs_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tk_run_dir_remove();
    return failed ? 1 : 0;
}
