/* The Sequr user store over APR DBD: lookups for sign-in and the few writes
 * the admin tool makes. Every statement is prepared with placeholders; a name
 * is never pasted into SQL. */
#include "saml/user_store.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#include "saml/time.h"

#define MAX_USER_NAME 256

#define SELECT_ALL_SQL \
    "SELECT username, active, created_at, updated_at FROM sequr_users ORDER BY username_folded"
#define INSERT_SQL \
    "INSERT INTO sequr_users (username, username_folded, active, created_at, updated_at) " \
    "VALUES (%s, %s, 0, %s, %s)"
#define ACTIVATE_SQL \
    "UPDATE sequr_users SET active = 1, updated_at = %s WHERE username_folded = %s"
#define DEACTIVATE_SQL \
    "UPDATE sequr_users SET active = 0, updated_at = %s WHERE username_folded = %s"
#define DELETE_SQL "DELETE FROM sequr_users WHERE username_folded = %s"

const char *saml_user_fold(apr_pool_t *p, const char *name)
{
    char *folded = apr_pstrdup(p, name);
    char *c;

    for (c = folded; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return folded;
}

int saml_user_name_is_valid(const char *name)
{
    apr_size_t n, i;

    if (name == NULL || (n = strlen(name)) == 0 || n > MAX_USER_NAME)
        return 0;
    if (name[0] == ' ' || name[n - 1] == ' ')
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

/* Any database failure: the driver's message says why (a locked or missing
 * file, a missing table); it never contains a secret. */
static apr_status_t db_failure(apr_pool_t *p, const saml_user_db_t *db, int rc,
                               const char *doing, saml_err_t *err)
{
    const char *why = db->handle ? apr_dbd_error(db->driver, db->handle, rc) : NULL;
    return saml_fail(p, err, SAML_EUNAVAILABLE, "user-store", "%s: %s (code %d)", doing,
                     why ? why : "no connection", rc);
}

static apr_status_t prepare(apr_pool_t *p, const saml_user_db_t *db, const char *sql,
                            apr_dbd_prepared_t **stmt, saml_err_t *err)
{
    int rc;

    if (db == NULL || db->driver == NULL || db->handle == NULL)
        return saml_fail(p, err, SAML_EUNAVAILABLE, "user-store", "no database connection");
    rc = apr_dbd_prepare(db->driver, p, db->handle, sql, NULL, stmt);
    if (rc != 0)
        return db_failure(p, db, rc, "cannot prepare a user store statement", err);
    return APR_SUCCESS;
}

/* Reads every row, even past the ones wanted (a sequential result would
 * have to be drained before the connection can run another statement). */
static apr_array_header_t *read_users(apr_pool_t *p, const saml_user_db_t *db,
                                      apr_dbd_results_t *res, int columns)
{
    apr_array_header_t *users = apr_array_make(p, 4, sizeof(saml_user_t));
    apr_dbd_row_t *row = NULL;

    while (apr_dbd_get_row(db->driver, p, res, &row, -1) == 0) {
        saml_user_t *u = &APR_ARRAY_PUSH(users, saml_user_t);
        const char *active = apr_dbd_get_entry(db->driver, row, 1);

        u->username = apr_pstrdup(p, apr_dbd_get_entry(db->driver, row, 0));
        /* SQLite answers "1", PostgreSQL "1" or "t" depending on the type. */
        u->active = active && (atoi(active) != 0 || !strcmp(active, "t"));
        if (columns > 2) {
            u->created_at = apr_pstrdup(p, apr_dbd_get_entry(db->driver, row, 2));
            u->updated_at = apr_pstrdup(p, apr_dbd_get_entry(db->driver, row, 3));
        }
    }
    return users;
}

apr_status_t saml_user_find(apr_pool_t *p, const saml_user_db_t *db, apr_dbd_prepared_t *stmt,
                            const char *name, saml_user_t **out, saml_err_t *err)
{
    apr_dbd_results_t *res = NULL;
    apr_array_header_t *users;
    apr_status_t rv;
    int rc, given = stmt != NULL;

    *out = NULL;
    if (name == NULL || *name == '\0')
        return APR_NOTFOUND;
    if (stmt == NULL && (rv = prepare(p, db, SAML_USER_LOOKUP_SQL, &stmt, err)) != APR_SUCCESS)
        return rv;
    if (db == NULL || db->handle == NULL)
        return saml_fail(p, err, SAML_EUNAVAILABLE, "user-store", "no database connection");
    /* Random access (1): APR's pgsql driver then checks the result status.
     * Sequential results report a failed query (server gone, no table) as
     * "no more rows", which would turn an outage into "unknown user". */
    rc = apr_dbd_pvselect(db->driver, p, db->handle, &res, stmt, 1,
                          saml_user_fold(p, name), NULL);
    if (rc != 0 && given) {
        /* A pooled connection the driver re-opened after the server came
         * back (apr_dbd_check_conn resets it) has lost the statements
         * mod_dbd prepared on it: prepare ours again under its label, which
         * also mends mod_dbd's handle for the requests after this one. */
        apr_dbd_prepared_t *again = NULL;
        if (apr_dbd_prepare(db->driver, p, db->handle, SAML_USER_LOOKUP_SQL,
                            SAML_USER_LOOKUP_LABEL, &again) == 0)
            rc = apr_dbd_pvselect(db->driver, p, db->handle, &res, again, 1,
                                  saml_user_fold(p, name), NULL);
    }
    if (rc != 0)
        return db_failure(p, db, rc, "cannot look up a user", err);
    users = read_users(p, db, res, 2);
    if (users->nelts == 0)
        return APR_NOTFOUND;
    /* username_folded is UNIQUE: a second row means the schema is not ours. */
    if (users->nelts > 1)
        return saml_fail(p, err, SAML_EUNAVAILABLE, "user-store",
                         "%d users share one folded name: sequr_users lacks its UNIQUE constraint",
                         users->nelts);
    *out = &APR_ARRAY_IDX(users, 0, saml_user_t);
    return APR_SUCCESS;
}

apr_status_t saml_user_admit(apr_pool_t *p, const saml_user_db_t *db, apr_dbd_prepared_t *stmt,
                             const char *name, const char **stored, saml_err_t *err)
{
    saml_user_t *u = NULL;
    apr_status_t rv;

    *stored = NULL;
    /* A name the admin tool could never have added (too long, control
     * characters, surrounding spaces) is unknown without asking: an IdP's
     * odd or huge name is a refusal, never a database error or a query the
     * database has to bear. */
    if (!saml_user_name_is_valid(name))
        return saml_fail(p, err, SAML_EREJECTED, "user-unknown",
                         "no Sequr user can be named '%s' (%" APR_SIZE_T_FMT " bytes; at most %d, "
                         "no control characters, no surrounding spaces)",
                         saml_log_escape(p, name ? name : "", 64), name ? strlen(name) : 0,
                         MAX_USER_NAME);
    rv = saml_user_find(p, db, stmt, name, &u, err);
    if (rv == APR_NOTFOUND)
        return saml_fail(p, err, SAML_EREJECTED, "user-unknown",
                         "no Sequr user named '%s' (compared in ASCII lowercase)",
                         saml_log_escape(p, name, 256));
    if (rv != APR_SUCCESS)
        return rv;
    if (!u->active)
        return saml_fail(p, err, SAML_EREJECTED, "user-inactive",
                         "Sequr user '%s' (name from Microsoft Entra ID (Azure AD): '%s') is not activated",
                         saml_log_escape(p, u->username, 256), saml_log_escape(p, name, 256));
    *stored = u->username;
    return APR_SUCCESS;
}

/* ---- administration -------------------------------------------------------- */

static apr_status_t run(apr_pool_t *p, const saml_user_db_t *db, const char *sql, int *nrows,
                        const char *doing, saml_err_t *err, const char *a1, const char *a2,
                        const char *a3, const char *a4)
{
    apr_dbd_prepared_t *stmt = NULL;
    apr_status_t rv = prepare(p, db, sql, &stmt, err);
    int rc;

    if (rv != APR_SUCCESS)
        return rv;
    rc = apr_dbd_pvquery(db->driver, p, db->handle, nrows, stmt, a1, a2, a3, a4, NULL);
    if (rc != 0)
        return db_failure(p, db, rc, doing, err);
    return APR_SUCCESS;
}

apr_status_t saml_user_store_init(apr_pool_t *p, const saml_user_db_t *db, saml_err_t *err)
{
    int nrows = 0, rc;

    if (db == NULL || db->driver == NULL || db->handle == NULL)
        return saml_fail(p, err, SAML_EUNAVAILABLE, "user-store", "no database connection");
    rc = apr_dbd_query(db->driver, db->handle, &nrows, SAML_USER_SCHEMA_SQL);
    if (rc != 0)
        return db_failure(p, db, rc, "cannot create table sequr_users", err);
    return APR_SUCCESS;
}

static const char *iso_now(apr_pool_t *p, apr_time_t now)
{
    return saml_time_format(p, now);
}

apr_status_t saml_user_add(apr_pool_t *p, const saml_user_db_t *db, const char *name,
                           apr_time_t now, saml_err_t *err)
{
    saml_user_t *existing = NULL;
    const char *when = iso_now(p, now);
    apr_status_t rv;
    int nrows = 0;

    if (!saml_user_name_is_valid(name))
        return saml_fail(p, err, APR_EINVAL, "user-name",
                         "'%s' is not a valid user name (1 to %d bytes, no control characters, "
                         "no surrounding spaces)", saml_log_escape(p, name, 64), MAX_USER_NAME);
    rv = saml_user_find(p, db, NULL, name, &existing, err);
    if (rv == APR_SUCCESS)
        return saml_fail(p, err, SAML_EREJECTED, "user-exists",
                         "user '%s' already exists (names are compared in ASCII lowercase)",
                         existing->username);
    if (rv != APR_NOTFOUND)
        return rv;
    return run(p, db, INSERT_SQL, &nrows, "cannot add the user", err, name,
               saml_user_fold(p, name), when, when);
}

static apr_status_t changed_one(apr_pool_t *p, int nrows, const char *name, saml_err_t *err)
{
    if (nrows == 0)
        return saml_fail(p, err, APR_NOTFOUND, "user-unknown", "no user named '%s'",
                         saml_log_escape(p, name, 256));
    return APR_SUCCESS;
}

apr_status_t saml_user_set_active(apr_pool_t *p, const saml_user_db_t *db, const char *name,
                                  int active, apr_time_t now, saml_err_t *err)
{
    int nrows = 0;
    apr_status_t rv = run(p, db, active ? ACTIVATE_SQL : DEACTIVATE_SQL, &nrows,
                          "cannot change the user", err, iso_now(p, now),
                          saml_user_fold(p, name), NULL, NULL);
    return rv != APR_SUCCESS ? rv : changed_one(p, nrows, name, err);
}

apr_status_t saml_user_remove(apr_pool_t *p, const saml_user_db_t *db, const char *name,
                              saml_err_t *err)
{
    int nrows = 0;
    apr_status_t rv = run(p, db, DELETE_SQL, &nrows, "cannot remove the user", err,
                          saml_user_fold(p, name), NULL, NULL, NULL);
    return rv != APR_SUCCESS ? rv : changed_one(p, nrows, name, err);
}

apr_status_t saml_user_list(apr_pool_t *p, const saml_user_db_t *db, apr_array_header_t **users,
                            saml_err_t *err)
{
    apr_dbd_results_t *res = NULL;
    int rc;

    if (db == NULL || db->driver == NULL || db->handle == NULL)
        return saml_fail(p, err, SAML_EUNAVAILABLE, "user-store", "no database connection");
    rc = apr_dbd_select(db->driver, p, db->handle, &res, SELECT_ALL_SQL, 1);
    if (rc != 0)
        return db_failure(p, db, rc, "cannot list users", err);
    *users = read_users(p, db, res, 4);
    return APR_SUCCESS;
}
