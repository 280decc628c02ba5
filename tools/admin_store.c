/* Reaching the user store the way mod_dbd does: through APR DBD, with the
 * driver and parameter string an admin writes in DBDriver and DBDParams.
 * --db FILE is --dbd sqlite3 --params FILE with a guard against SQLite
 * quietly creating a file nobody asked for. */
#include "tools/admin.h"

#include <apr_dbd.h>
#include <apr_strings.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *driver_of(const admin_args_t *a)
{
    return a->db_file ? "sqlite3" : a->dbd_driver;
}

static const char *params_of(const admin_args_t *a)
{
    return a->db_file ? a->db_file : a->dbd_params;
}

const char *admin_store_name(apr_pool_t *p, const admin_args_t *a)
{
    if (a->db_file)
        return a->db_file;
    /* A pgsql parameter string may carry password=...: name the driver only. */
    if (!strcmp(a->dbd_driver, "sqlite3"))
        return a->dbd_params;
    return apr_psprintf(p, "the %s database", a->dbd_driver);
}

int admin_open_store(apr_pool_t *p, const admin_args_t *a, int create, saml_user_db_t *db)
{
    const char *driver = driver_of(a), *params = params_of(a), *why = NULL;
    struct stat st;

    if (!create && !strcmp(driver, "sqlite3") && stat(params, &st) != 0)
        return admin_complain(ADMIN_EXIT_SYSTEM, "no user store at %s (create it with init)",
                              params);
    if (apr_dbd_init(p) != APR_SUCCESS ||
        apr_dbd_get_driver(p, driver, &db->driver) != APR_SUCCESS)
        return admin_complain(ADMIN_EXIT_SYSTEM, "APR DBD has no %s driver (install "
                              "libaprutil1-dbd-%s)", driver, driver);
    if (apr_dbd_open_ex(db->driver, p, params, &db->handle, &why) != APR_SUCCESS)
        return admin_complain(ADMIN_EXIT_SYSTEM, "cannot open %s: %s", admin_store_name(p, a),
                              why ? why : "unknown error");
    return ADMIN_EXIT_OK;
}

/* "Not there" and "already there" are the caller's to handle (2); a name
 * the store refuses is a usage error (1); everything else is the
 * database's (3). */
int admin_store_exit(apr_status_t rv, const saml_err_t *err)
{
    const char *detail = err && err->detail ? err->detail : "unknown error";

    if (rv == APR_SUCCESS)
        return ADMIN_EXIT_OK;
    if (rv == APR_NOTFOUND || rv == SAML_EREJECTED)
        return admin_complain(ADMIN_EXIT_REFUSED, "%s", detail);
    if (rv == APR_EINVAL)
        return admin_complain(ADMIN_EXIT_USAGE, "%s", detail);
    return admin_complain(ADMIN_EXIT_SYSTEM, "%s", detail);
}
