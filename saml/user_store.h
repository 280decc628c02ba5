/* The Sequr user store: single sign-on admits only users that exist and are
 * active there. The SQL and the decision live here, over APR DBD, so they run
 * the same under mod_dbd, in the admin tool and in unit tests.
 *
 * Schema (SQLite; the same statement works on PostgreSQL):
 *   CREATE TABLE sequr_users (username TEXT PRIMARY KEY,
 *       username_folded TEXT UNIQUE NOT NULL, active INTEGER NOT NULL DEFAULT 0,
 *       created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
 * username is the Sequr spelling (what REMOTE_USER becomes); username_folded
 * is its ASCII lowercase, the key every lookup uses. Times are ISO 8601 UTC. */
#ifndef SAML_USER_STORE_H
#define SAML_USER_STORE_H

#include <apr_dbd.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "saml/error.h"

#define SAML_USER_SCHEMA_SQL \
    "CREATE TABLE IF NOT EXISTS sequr_users (" \
    "username TEXT PRIMARY KEY, " \
    "username_folded TEXT UNIQUE NOT NULL, " \
    "active INTEGER NOT NULL DEFAULT 0, " \
    "created_at TEXT NOT NULL, " \
    "updated_at TEXT NOT NULL)"

/* The one query the module runs per check, in apr_dbd's placeholder syntax
 * (mod_dbd prepares it on every connection under SAML_USER_LOOKUP_LABEL). */
#define SAML_USER_LOOKUP_SQL \
    "SELECT username, active FROM sequr_users WHERE username_folded = %s"
#define SAML_USER_LOOKUP_LABEL "sequr_saml_user_lookup"

/* A connection: the driver and handle apr_dbd_open (or mod_dbd) gave. */
typedef struct saml_user_db {
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
} saml_user_db_t;

typedef struct saml_user {
    const char *username;      /* as stored */
    int active;
    const char *created_at;    /* ISO 8601 UTC */
    const char *updated_at;
} saml_user_t;

/* ASCII lowercase: what Azure's case-insensitive UPN comparison needs. Bytes
 * outside A-Z (UTF-8 included) are kept as they are. */
const char *saml_user_fold(apr_pool_t *p, const char *name);

/* A name the store accepts: 1..256 bytes, no control characters, no
 * surrounding spaces. */
int saml_user_name_is_valid(const char *name);

/* The user whose folded name matches name's, or APR_NOTFOUND.
 * stmt: the prepared SAML_USER_LOOKUP_SQL, or NULL to prepare it here.
 * SAML_EUNAVAILABLE (check "user-store") on any database error. */
apr_status_t saml_user_find(apr_pool_t *p, const saml_user_db_t *db, apr_dbd_prepared_t *stmt,
                            const char *name, saml_user_t **out, saml_err_t *err);

/* The sign-in decision for an Azure user name: APR_SUCCESS with *stored set
 * to the Sequr spelling when the user exists and is active; SAML_EREJECTED
 * with check "user-unknown" or "user-inactive" otherwise; SAML_EUNAVAILABLE
 * when the store cannot answer (then nobody is admitted). */
apr_status_t saml_user_admit(apr_pool_t *p, const saml_user_db_t *db, apr_dbd_prepared_t *stmt,
                             const char *name, const char **stored, saml_err_t *err);

/* ---- administration (sequr-saml-admin) ----------------------------------- */

/* Create the table when it does not exist yet. */
apr_status_t saml_user_store_init(apr_pool_t *p, const saml_user_db_t *db, saml_err_t *err);

/* A new user, inactive until activated (as in Sequr). SAML_EREJECTED (check
 * "user-exists") when a user of the same folded name exists, APR_EINVAL
 * (check "user-name") for a name the store refuses. */
apr_status_t saml_user_add(apr_pool_t *p, const saml_user_db_t *db, const char *name,
                           apr_time_t now, saml_err_t *err);

/* APR_NOTFOUND (check "user-unknown") when nobody has that folded name. */
apr_status_t saml_user_set_active(apr_pool_t *p, const saml_user_db_t *db, const char *name,
                                  int active, apr_time_t now, saml_err_t *err);
apr_status_t saml_user_remove(apr_pool_t *p, const saml_user_db_t *db, const char *name,
                              saml_err_t *err);

/* Every user (saml_user_t), ordered by folded name. */
apr_status_t saml_user_list(apr_pool_t *p, const saml_user_db_t *db, apr_array_header_t **users,
                            saml_err_t *err);

#endif
