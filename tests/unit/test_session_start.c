/* saml_session_start: how long a new session lives (min(max age, the IdP's
 * SessionNotOnOrAfter)), and that it is saved before it is indexed for
 * logout, with what a failure of either leaves behind. */
#include <check.h>
#include <apr_strings.h>
#include <string.h>

#include "saml/session.h"
#include "saml/store_file.h"
#include "tests/unit/fault_store.h"
#include "tests/unit/testkit.h"

#define SCOPE  "sp.example.test:443|sequr_saml_session|" TK_SP_ENTITY_ID
#define USER   "alice@contoso.example"
#define HOUR   apr_time_from_sec(3600)

static void setup(void)
{
    tk_setup();
}

static void teardown(void)
{
    tk_teardown();
}

/* Who signed in, as the ACS fills it in. */
static saml_session_t signed_in(const char *session_index)
{
    saml_session_t s = {0};
    s.user = USER;
    s.idp_entity_id = TK_IDP_ENTITY_ID;
    s.name_id = USER;
    s.session_index = session_index;
    s.scope = SCOPE;
    return s;
}

static int loads(apr_pool_t *p, saml_store_t *st, const char *id, apr_time_t now)
{
    saml_session_t *out;
    return saml_session_load(p, st, id, SCOPE, 0, now, &out) == APR_SUCCESS;
}

START_TEST(lifetime_is_our_max_age_without_a_session_not_on_or_after)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_session_t s = signed_in("_i1");
    apr_time_t now = apr_time_now();

    ck_assert_int_eq(saml_session_start(p, st, &s, 8 * HOUR, 0, now), APR_SUCCESS);
    ck_assert(saml_session_id_is_wellformed(s.id));
    ck_assert_int_eq(s.created, now);
    ck_assert_int_eq(s.last_access, now);
    ck_assert_int_eq(s.expires, now + 8 * HOUR);
    ck_assert(loads(p, st, s.id, now + 8 * HOUR - 1));
    ck_assert(!loads(p, st, s.id, now + 8 * HOUR));
}
END_TEST

START_TEST(lifetime_is_the_sooner_of_max_age_and_session_not_on_or_after)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_session_t a = signed_in("_i1"), b = signed_in("_i2");
    apr_time_t now = apr_time_now();

    /* The IdP ends the session first. */
    ck_assert_int_eq(saml_session_start(p, st, &a, 8 * HOUR, now + HOUR, now), APR_SUCCESS);
    ck_assert_int_eq(a.expires, now + HOUR);
    ck_assert(!loads(p, st, a.id, now + HOUR));
    /* Our max age ends it first: a long SessionNotOnOrAfter cannot extend it. */
    ck_assert_int_eq(saml_session_start(p, st, &b, HOUR, now + 8 * HOUR, now), APR_SUCCESS);
    ck_assert_int_eq(b.expires, now + HOUR);
}
END_TEST

START_TEST(every_start_has_a_fresh_id)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_session_t s = signed_in("_i1");
    const char *first;
    apr_time_t now = apr_time_now();

    s.id = "brought-by-the-browser";
    ck_assert_int_eq(saml_session_start(p, st, &s, HOUR, 0, now), APR_SUCCESS);
    ck_assert_str_ne(s.id, "brought-by-the-browser");
    first = s.id;
    ck_assert_int_eq(saml_session_start(p, st, &s, HOUR, 0, now), APR_SUCCESS);
    ck_assert_str_ne(s.id, first);
}
END_TEST

START_TEST(started_session_is_found_by_idp_logout)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_session_t s = signed_in("_i1");
    apr_time_t now = apr_time_now();
    int ended = 0;

    ck_assert_int_eq(saml_session_start(p, st, &s, HOUR, 0, now), APR_SUCCESS);
    ck_assert_int_eq(saml_session_end_by_name(p, st, SCOPE, TK_IDP_ENTITY_ID, USER, "_i1",
                                              &ended), APR_SUCCESS);
    ck_assert_int_eq(ended, 1);
    ck_assert(!loads(p, st, s.id, now));
}
END_TEST

START_TEST(failed_save_indexes_nothing)
{
    apr_pool_t *p = tk_pool();
    fault_store_t *fault;
    saml_store_t *st = fault_store_new(p, tk_file_store(p), &fault);
    saml_session_t s = signed_in("_i1");
    apr_time_t now = apr_time_now();
    int live = 1;

    fault->prefix = SAML_STORE_NS_SESSION;
    fault->ops = FAULT_SET | FAULT_ADD | FAULT_REPLACE;
    ck_assert_int_eq(saml_session_start(p, st, &s, HOUR, 0, now), APR_EGENERAL);
    fault->prefix = NULL;
    ck_assert(!loads(p, st, s.id, now));
    ck_assert_int_eq(saml_session_index_live(p, st, SCOPE, TK_IDP_ENTITY_ID, USER, "_i1", now,
                                             &live), APR_SUCCESS);
    ck_assert_int_eq(live, 0);
}
END_TEST

/* The index is written after the record: when that fails, the start fails
 * (the caller sets no cookie), and the record stays, reachable by no one,
 * until it expires. */
START_TEST(failed_index_fails_the_start_after_the_save)
{
    apr_pool_t *p = tk_pool();
    fault_store_t *fault;
    saml_store_t *st = fault_store_new(p, tk_file_store(p), &fault);
    saml_session_t s = signed_in("_i1");
    apr_time_t now = apr_time_now();

    fault->prefix = SAML_STORE_NS_LOGOUT_INDEX;
    fault->ops = FAULT_GET | FAULT_SET | FAULT_ADD | FAULT_REPLACE;
    ck_assert_int_eq(saml_session_start(p, st, &s, HOUR, 0, now), APR_EGENERAL);
    ck_assert_int_gt(fault->failures, 0);
    fault->prefix = NULL;
    ck_assert(loads(p, st, s.id, now));
}
END_TEST

START_TEST(session_without_name_id_is_not_indexed)
{
    apr_pool_t *p = tk_pool();
    fault_store_t *fault;
    saml_store_t *st = fault_store_new(p, tk_file_store(p), &fault);
    saml_session_t s = signed_in(NULL);
    apr_time_t now = apr_time_now();

    s.name_id = NULL;
    fault->prefix = SAML_STORE_NS_LOGOUT_INDEX;
    fault->ops = FAULT_GET | FAULT_SET | FAULT_ADD | FAULT_REPLACE;
    ck_assert_int_eq(saml_session_start(p, st, &s, HOUR, 0, now), APR_SUCCESS);
    ck_assert_int_eq(fault->failures, 0);
}
END_TEST

static Suite *session_start_suite(void)
{
    Suite *s = suite_create("session_start");
    TCase *tc = tcase_create("start");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, lifetime_is_our_max_age_without_a_session_not_on_or_after);
    tcase_add_test(tc, lifetime_is_the_sooner_of_max_age_and_session_not_on_or_after);
    tcase_add_test(tc, every_start_has_a_fresh_id);
    tcase_add_test(tc, started_session_is_found_by_idp_logout);
    tcase_add_test(tc, failed_save_indexes_nothing);
    tcase_add_test(tc, failed_index_fails_the_start_after_the_save);
    tcase_add_test(tc, session_without_name_id_is_not_indexed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int failed;

    tk_run_dir_make("session_start");
    failed = tk_run_suite(session_start_suite());
    tk_run_dir_remove();
    return failed;
}
