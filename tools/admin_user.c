/* init's user store half and the user commands: the rows that
 * SequrSAMLUserStore dbd reads at every sign-in. */
#include "tools/admin.h"

#include <apr_dbd.h>
#include <stdio.h>
#include <string.h>

#include "saml/store_dbd.h"

static int list_users(apr_pool_t *p, saml_user_db_t *db)
{
    apr_array_header_t *users = NULL;
    saml_err_t err = {0};
    apr_status_t rv = saml_user_list(p, db, &users, &err);
    int i;

    if (rv != APR_SUCCESS)
        return admin_store_exit(rv, &err);
    for (i = 0; i < users->nelts; i++) {
        const saml_user_t *u = &APR_ARRAY_IDX(users, i, saml_user_t);
        printf("%s\t%s\t%s\t%s\n", u->username, u->active ? "active" : "inactive",
               u->created_at ? u->created_at : "", u->updated_at ? u->updated_at : "");
    }
    return ADMIN_EXIT_OK;
}

static apr_status_t change_user(apr_pool_t *p, saml_user_db_t *db, const char *verb,
                                const char *name, saml_err_t *err)
{
    if (!strcmp(verb, "add"))
        return saml_user_add(p, db, name, apr_time_now(), err);
    if (!strcmp(verb, "activate"))
        return saml_user_set_active(p, db, name, 1, apr_time_now(), err);
    if (!strcmp(verb, "deactivate"))
        return saml_user_set_active(p, db, name, 0, apr_time_now(), err);
    return saml_user_remove(p, db, name, err);
}

int admin_cmd_user(apr_pool_t *p, const admin_args_t *a)
{
    const char *verb = admin_operand(a, 0), *name = admin_operand(a, 1);
    saml_user_db_t db = {0};
    saml_err_t err = {0};
    int rc;

    if ((rc = admin_open_store(p, a, 0, &db)) != ADMIN_EXIT_OK)
        return rc;
    if (!strcmp(verb, "list"))
        rc = list_users(p, &db);
    else {
        rc = admin_store_exit(change_user(p, &db, verb, name, &err), &err);
        if (rc == ADMIN_EXIT_OK)
            printf("%s: %s\n", verb, name);
    }
    apr_dbd_close(db.driver, db.handle);
    return rc;
}

/* The table, made on a new or existing store (existing users are kept). */
int admin_init_store(apr_pool_t *p, const admin_args_t *a)
{
    saml_user_db_t db = {0};
    saml_err_t err = {0};
    int rc;

    if ((rc = admin_open_store(p, a, 1, &db)) != ADMIN_EXIT_OK)
        return rc;
    rc = admin_store_exit(saml_user_store_init(p, &db, &err), &err);
    /* The table SequrSAMLCache dbd keeps sessions and the replay cache in. */
    if (rc == ADMIN_EXIT_OK)
        rc = admin_store_exit(saml_store_dbd_init(p, db.driver, db.handle, &err), &err);
    apr_dbd_close(db.driver, db.handle);
    if (rc == ADMIN_EXIT_OK)
        printf("user store ready: %s\n"
               "session cache table " SAML_DBD_CACHE_TABLE " ready (for SequrSAMLCache dbd)\n",
               admin_store_name(p, a));
    return rc;
}
