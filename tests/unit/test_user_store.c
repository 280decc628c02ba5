/* The Sequr user store against a real SQLite file through APR DBD's sqlite3
 * driver, the driver mod_dbd uses for `DBDriver sqlite3`. */
#include <check.h>
#include <apr_dbd.h>
#include <apr_strings.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "saml/time.h"
#include "saml/user_store.h"
#include "tests/unit/testkit.h"

/* Every database of this run lives in one directory that main() removes:
 * a failed check ends a test's process before its teardown runs. */
static apr_status_t close_db(void *v)
{
    saml_user_db_t *db = v;
    apr_dbd_close(db->driver, db->handle);
    return APR_SUCCESS;
}

/* A fresh SQLite file, with the schema unless bare. */
static saml_user_db_t *open_db(apr_pool_t *p, int bare)
{
    saml_user_db_t *db = apr_pcalloc(p, sizeof(*db));
    const char *path = tk_run_path(p, "users");
    const char *why = NULL;
    saml_err_t err = {0};

    ck_assert_int_eq(apr_dbd_init(p), APR_SUCCESS);
    ck_assert_int_eq(apr_dbd_get_driver(p, "sqlite3", &db->driver), APR_SUCCESS);
    ck_assert_int_eq(apr_dbd_open_ex(db->driver, p, path, &db->handle, &why), APR_SUCCESS);
    apr_pool_cleanup_register(p, db, close_db, apr_pool_cleanup_null);
    if (!bare)
        ck_assert_int_eq(saml_user_store_init(p, db, &err), APR_SUCCESS);
    return db;
}

static void add_user(apr_pool_t *p, saml_user_db_t *db, const char *name, int active)
{
    saml_err_t err = {0};
    ck_assert_int_eq(saml_user_add(p, db, name, apr_time_now(), &err), APR_SUCCESS);
    if (active)
        ck_assert_int_eq(saml_user_set_active(p, db, name, 1, apr_time_now(), &err), APR_SUCCESS);
}

/* ---- names ------------------------------------------------------------------ */

START_TEST(folding_is_ascii_lowercase)
{
    apr_pool_t *p = tk_pool();

    ck_assert_str_eq(saml_user_fold(p, "Britta.Simon@CONTOSO.example"),
                     "britta.simon@contoso.example");
    ck_assert_str_eq(saml_user_fold(p, "AZaz09@-_."), "azaz09@-_.");
    /* UTF-8 is left alone: "Ä" stays, only the ASCII B folds. */
    ck_assert_str_eq(saml_user_fold(p, "\xc3\x84" "B"), "\xc3\x84" "b");
    ck_assert_str_eq(saml_user_fold(p, ""), "");
}
END_TEST

START_TEST(names_are_validated)
{
    char longest[257], too_long[258];

    memset(longest, 'a', 256);
    longest[256] = '\0';
    memset(too_long, 'a', 257);
    too_long[257] = '\0';
    ck_assert(saml_user_name_is_valid("britta.simon@contoso.example"));
    ck_assert(saml_user_name_is_valid(longest));
    ck_assert(!saml_user_name_is_valid(too_long));
    ck_assert(!saml_user_name_is_valid(NULL));
    ck_assert(!saml_user_name_is_valid(""));
    ck_assert(!saml_user_name_is_valid(" bob"));
    ck_assert(!saml_user_name_is_valid("bob "));
    ck_assert(!saml_user_name_is_valid("bob\nroot"));
    ck_assert(!saml_user_name_is_valid("bob\x7f"));
}
END_TEST

/* ---- the sign-in decision ---------------------------------------------------- */

START_TEST(active_user_is_admitted_as_stored)
{
    apr_pool_t *p = tk_pool();
    saml_user_db_t *db = open_db(p, 0);
    const char *stored = NULL;
    saml_err_t err = {0};

    add_user(p, db, "Britta.Simon@contoso.example", 1);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "britta.simon@CONTOSO.example", &stored, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(stored, "Britta.Simon@contoso.example");
}
END_TEST

START_TEST(added_user_is_inactive_until_activated)
{
    apr_pool_t *p = tk_pool();
    saml_user_db_t *db = open_db(p, 0);
    const char *stored = "x";
    saml_err_t err = {0};

    add_user(p, db, "bob@contoso.example", 0);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "BOB@contoso.example", &stored, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "user-inactive");
    ck_assert_ptr_null(stored);
    ck_assert_ptr_nonnull(strstr(err.detail, "bob@contoso.example"));

    ck_assert_int_eq(saml_user_set_active(p, db, "Bob@Contoso.Example", 1, apr_time_now(), &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "bob@contoso.example", &stored, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(stored, "bob@contoso.example");

    ck_assert_int_eq(saml_user_set_active(p, db, "bob@contoso.example", 0, apr_time_now(), &err),
                     APR_SUCCESS);
    err.check = NULL;
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "bob@contoso.example", &stored, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "user-inactive");
}
END_TEST

START_TEST(unknown_and_removed_users_are_refused)
{
    apr_pool_t *p = tk_pool();
    saml_user_db_t *db = open_db(p, 0);
    const char *stored = "x";
    saml_err_t err = {0};

    add_user(p, db, "carol@contoso.example", 1);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "mallory@contoso.example", &stored, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "user-unknown");
    ck_assert_ptr_null(stored);
    /* A prefix or a padded spelling is another name. */
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "carol@contoso", &stored, &err), SAML_EREJECTED);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "carol@contoso.example ", &stored, &err),
                     SAML_EREJECTED);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "", &stored, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "user-unknown");

    ck_assert_int_eq(saml_user_remove(p, db, "CAROL@contoso.example", &err), APR_SUCCESS);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "carol@contoso.example", &stored, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "user-unknown");
}
END_TEST

/* A name no Sequr user can have is refused as unknown without a query: with
 * no database at all the answer is still a refusal, not "unavailable". */
START_TEST(impossible_names_are_unknown_without_asking)
{
    apr_pool_t *p = tk_pool();
    const char *stored = "x";
    saml_err_t err = {0};
    char *huge = apr_palloc(p, 20001);
    static const char *const odd[] = { "", " bob@contoso.example", "bob@contoso.example ",
                                       "bob\r\nX-Injected: 1", "bob\x01" };
    apr_size_t i;

    memset(huge, 'a', 20000);
    huge[20000] = '\0';
    ck_assert_int_eq(saml_user_admit(p, NULL, NULL, huge, &stored, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "user-unknown");
    ck_assert_ptr_null(stored);
    ck_assert_ptr_nonnull(strstr(err.detail, "20000 bytes"));
    ck_assert_uint_lt(strlen(err.detail), 512);        /* the name is not logged whole */
    for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        err.check = NULL;
        ck_assert_int_eq(saml_user_admit(p, NULL, NULL, odd[i], &stored, &err), SAML_EREJECTED);
        ck_assert_str_eq(err.check, "user-unknown");
    }
    /* A valid name with no database is an outage, as before. */
    ck_assert_int_eq(saml_user_admit(p, NULL, NULL, "bob@contoso.example", &stored, &err),
                     SAML_EUNAVAILABLE);
}
END_TEST

START_TEST(names_never_become_sql)
{
    apr_pool_t *p = tk_pool();
    saml_user_db_t *db = open_db(p, 0);
    const char *stored = NULL;
    saml_err_t err = {0};
    apr_array_header_t *users = NULL;

    add_user(p, db, "dave@contoso.example", 1);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "x' OR '1'='1", &stored, &err), SAML_EREJECTED);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "%", &stored, &err), SAML_EREJECTED);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "dave@contoso.example'; DROP TABLE sequr_users;--",
                                     &stored, &err), SAML_EREJECTED);
    /* The odd name is stored verbatim and the table is intact. */
    add_user(p, db, "eve'); DELETE FROM sequr_users;--", 0);
    ck_assert_int_eq(saml_user_list(p, db, &users, &err), APR_SUCCESS);
    ck_assert_int_eq(users->nelts, 2);
    ck_assert_int_eq(saml_user_admit(p, db, NULL, "dave@contoso.example", &stored, &err),
                     APR_SUCCESS);
}
END_TEST

START_TEST(statement_prepared_like_mod_dbd_works)
{
    apr_pool_t *p = tk_pool();
    saml_user_db_t *db = open_db(p, 0);
    apr_dbd_prepared_t *stmt = NULL;
    const char *stored = NULL;
    saml_err_t err = {0};

    add_user(p, db, "Frank@contoso.example", 1);
    add_user(p, db, "grace@contoso.example", 0);
    ck_assert_int_eq(apr_dbd_prepare(db->driver, p, db->handle, SAML_USER_LOOKUP_SQL,
                                     SAML_USER_LOOKUP_LABEL, &stmt), 0);
    /* The same statement, used again and again as a pooled connection does. */
    ck_assert_int_eq(saml_user_admit(p, db, stmt, "frank@contoso.example", &stored, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(stored, "Frank@contoso.example");
    ck_assert_int_eq(saml_user_admit(p, db, stmt, "grace@contoso.example", &stored, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "user-inactive");
    ck_assert_int_eq(saml_user_admit(p, db, stmt, "FRANK@CONTOSO.EXAMPLE", &stored, &err),
                     APR_SUCCESS);
}
END_TEST

START_TEST(database_errors_are_unavailable)
{
    apr_pool_t *p = tk_pool();
    saml_user_db_t *bare = open_db(p, 1), none = {0};
    const char *stored = "x";
    saml_err_t err = {0};

    /* A file without our table (a wrong DBDParams path makes one). */
    ck_assert_int_eq(saml_user_admit(p, bare, NULL, "bob@contoso.example", &stored, &err),
                     SAML_EUNAVAILABLE);
    ck_assert_str_eq(err.check, "user-store");
    ck_assert_ptr_nonnull(strstr(err.detail, "sequr_users"));
    ck_assert_ptr_null(stored);
    err.check = NULL;
    ck_assert_int_eq(saml_user_admit(p, &none, NULL, "bob@contoso.example", &stored, &err),
                     SAML_EUNAVAILABLE);
    ck_assert_str_eq(err.check, "user-store");
    ck_assert_int_eq(saml_user_admit(p, NULL, NULL, "bob@contoso.example", &stored, &err),
                     SAML_EUNAVAILABLE);
    ck_assert_int_eq(saml_user_add(p, bare, "bob@contoso.example", apr_time_now(), &err),
                     SAML_EUNAVAILABLE);
}
END_TEST

/* ---- administration ---------------------------------------------------------- */

START_TEST(same_folded_name_cannot_be_added_twice)
{
    apr_pool_t *p = tk_pool();
    saml_user_db_t *db = open_db(p, 0);
    saml_err_t err = {0};

    add_user(p, db, "Heidi@contoso.example", 0);
    ck_assert_int_eq(saml_user_add(p, db, "heidi@CONTOSO.example", apr_time_now(), &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "user-exists");
    ck_assert_ptr_nonnull(strstr(err.detail, "Heidi@contoso.example"));
    err.check = NULL;
    ck_assert_int_eq(saml_user_add(p, db, "bad\nname", apr_time_now(), &err), APR_EINVAL);
    ck_assert_str_eq(err.check, "user-name");
    /* init again keeps the users. */
    ck_assert_int_eq(saml_user_store_init(p, db, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_user_add(p, db, "HEIDI@contoso.example", apr_time_now(), &err),
                     SAML_EREJECTED);
}
END_TEST

START_TEST(changing_an_unknown_user_is_not_found)
{
    apr_pool_t *p = tk_pool();
    saml_user_db_t *db = open_db(p, 0);
    saml_err_t err = {0};

    add_user(p, db, "ivan@contoso.example", 0);
    ck_assert_int_eq(saml_user_set_active(p, db, "judy@contoso.example", 1, apr_time_now(), &err),
                     APR_NOTFOUND);
    ck_assert_str_eq(err.check, "user-unknown");
    ck_assert_int_eq(saml_user_set_active(p, db, "judy@contoso.example", 0, apr_time_now(), &err),
                     APR_NOTFOUND);
    ck_assert_int_eq(saml_user_remove(p, db, "judy@contoso.example", &err), APR_NOTFOUND);
    ck_assert_int_eq(saml_user_remove(p, db, "ivan@contoso.example", &err), APR_SUCCESS);
    ck_assert_int_eq(saml_user_remove(p, db, "ivan@contoso.example", &err), APR_NOTFOUND);
}
END_TEST

START_TEST(list_shows_every_user_in_order)
{
    apr_pool_t *p = tk_pool();
    saml_user_db_t *db = open_db(p, 0);
    apr_array_header_t *users = NULL;
    saml_err_t err = {0};
    saml_user_t *u;
    apr_time_t then = apr_time_now() - apr_time_from_sec(3600);

    ck_assert_int_eq(saml_user_list(p, db, &users, &err), APR_SUCCESS);
    ck_assert_int_eq(users->nelts, 0);
    ck_assert_int_eq(saml_user_add(p, db, "zoe@contoso.example", then, &err), APR_SUCCESS);
    add_user(p, db, "Adam@contoso.example", 1);
    add_user(p, db, "mike@contoso.example", 0);
    ck_assert_int_eq(saml_user_list(p, db, &users, &err), APR_SUCCESS);
    ck_assert_int_eq(users->nelts, 3);
    u = &APR_ARRAY_IDX(users, 0, saml_user_t);
    ck_assert_str_eq(u->username, "Adam@contoso.example");
    ck_assert_int_eq(u->active, 1);
    u = &APR_ARRAY_IDX(users, 1, saml_user_t);
    ck_assert_str_eq(u->username, "mike@contoso.example");
    ck_assert_int_eq(u->active, 0);
    u = &APR_ARRAY_IDX(users, 2, saml_user_t);
    ck_assert_str_eq(u->username, "zoe@contoso.example");
    ck_assert_str_eq(u->created_at, saml_time_format(p, then));
    ck_assert_str_eq(u->updated_at, u->created_at);
    /* Activation moves updated_at, not created_at. */
    ck_assert_int_eq(saml_user_set_active(p, db, "zoe@contoso.example", 1, apr_time_now(), &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_user_list(p, db, &users, &err), APR_SUCCESS);
    u = &APR_ARRAY_IDX(users, 2, saml_user_t);
    ck_assert_int_eq(u->active, 1);
    ck_assert_str_eq(u->created_at, saml_time_format(p, then));
    ck_assert_str_ne(u->updated_at, u->created_at);
}
END_TEST

static Suite *user_store_suite(void)
{
    Suite *s = suite_create("user_store");
    TCase *names = tcase_create("names");
    TCase *admit = tcase_create("admit");
    TCase *admin = tcase_create("admin");

    tcase_add_checked_fixture(names, tk_setup, tk_teardown);
    tcase_add_test(names, folding_is_ascii_lowercase);
    tcase_add_test(names, names_are_validated);
    suite_add_tcase(s, names);

    tcase_add_checked_fixture(admit, tk_setup, tk_teardown);
    tcase_add_test(admit, active_user_is_admitted_as_stored);
    tcase_add_test(admit, added_user_is_inactive_until_activated);
    tcase_add_test(admit, unknown_and_removed_users_are_refused);
    tcase_add_test(admit, impossible_names_are_unknown_without_asking);
    tcase_add_test(admit, names_never_become_sql);
    tcase_add_test(admit, statement_prepared_like_mod_dbd_works);
    tcase_add_test(admit, database_errors_are_unavailable);
    suite_add_tcase(s, admit);

    tcase_add_checked_fixture(admin, tk_setup, tk_teardown);
    tcase_add_test(admin, same_folded_name_cannot_be_added_twice);
    tcase_add_test(admin, changing_an_unknown_user_is_not_found);
    tcase_add_test(admin, list_shows_every_user_in_order);
    suite_add_tcase(s, admin);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(user_store_suite());
    int failed;

    tk_run_dir_make("user-store");
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tk_run_dir_remove();
    return failed ? 1 : 0;
}
