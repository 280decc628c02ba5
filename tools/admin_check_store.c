/* check, for the user store (SequrSAMLUserStore dbd): what Apache's configtest
 * cannot know, because it opens no database and runs as root. Apache's
 * children (User, e.g. www-data) open the SQLite file, and a lookup proves
 * the table and its columns. */
#include "tools/admin.h"
#include "tools/admin_check.h"

#include <apr_dbd.h>
#include <apr_strings.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

#include "apache/directives.h"

static const char *field(const apr_array_header_t *fields, int i)
{
    return i < fields->nelts ? APR_ARRAY_IDX(fields, i, const char *) : "";
}

/* A store only root can read answers every sign-in with 503. */
static void warn_unless_readable_by(checker_t *c, const char *where, const char *path,
                                    const struct stat *st)
{
    struct passwd *pw = c->run_user && c->run_user[0] != '#' ? getpwnam(c->run_user) : NULL;
    gid_t groups[64];
    int n = 64, i, readable;

    if (pw == NULL)
        return;
    if (pw->pw_uid == 0 || pw->pw_uid == st->st_uid)
        readable = pw->pw_uid == 0 || (st->st_mode & S_IRUSR);
    else {
        int in_group = 0;
        if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
            n = 0;
        for (i = 0; i < n; i++)
            in_group |= groups[i] == st->st_gid;
        readable = (st->st_mode & (in_group ? S_IRGRP : S_IROTH)) != 0;
    }
    if (!readable)
        admin_check_report(c, 0, where, "the user store %s (mode %04o) cannot be read by "
                           "Apache's user %s: every sign-in would get 503", path,
                           (unsigned)(st->st_mode & 07777), c->run_user);
}

/* mod_dbd hands DBDParams to SQLite as it is, not ServerRoot-relative. */
static int sqlite_file_usable(checker_t *c, const char *where, const char *path)
{
    struct stat st;

    if (path[0] != '/') {
        admin_check_report(c, 1, where, "DBDParams %s is a relative path: SQLite would open it "
                           "relative to Apache's working directory; give the absolute path",
                           path);
        return 0;
    }
    if (stat(path, &st) != 0) {
        admin_check_report(c, 1, where, "no user store at %s (create it with sequr-saml-admin "
                           "--db %s init)", path, path);
        return 0;
    }
    warn_unless_readable_by(c, where, path, &st);
    return 1;
}

void admin_check_user_store(checker_t *c, int server, const apr_array_header_t *fields)
{
    const char *at = field(fields, 0), *driver_at = field(fields, 1), *driver = field(fields, 2);
    const char *params_at = field(fields, 3), *params = field(fields, 4), *why = NULL;
    saml_user_db_t db = {0};
    saml_user_t *u = NULL;
    saml_err_t err = {0};
    apr_status_t rv;

    if (!*driver || !*params) {
        admin_check_report(c, 1, at, D_USER_STORE " dbd in %s without DBDriver and DBDParams",
                           admin_check_label(c, server));
        return;
    }
    if (!strcmp(driver, "sqlite3") && !sqlite_file_usable(c, params_at, params))
        return;
    if (apr_dbd_init(c->p) != APR_SUCCESS ||
        apr_dbd_get_driver(c->p, driver, &db.driver) != APR_SUCCESS) {
        admin_check_report(c, 1, driver_at, "APR DBD has no %s driver (install "
                           "libaprutil1-dbd-%s)", driver, driver);
        return;
    }
    if (apr_dbd_open_ex(db.driver, c->p, params, &db.handle, &why) != APR_SUCCESS) {
        admin_check_report(c, 1, params_at, "cannot open the %s user store: %s", driver,
                           why ? why : "unknown error");
        return;
    }
    /* A lookup of a name nobody has proves the table and its columns. */
    rv = saml_user_find(c->p, &db, NULL, "sequr-saml-admin check", &u, &err);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
        admin_check_report(c, 1, params_at, "user store: %s", err.detail);
    apr_dbd_close(db.driver, db.handle);
}
