/* sequr-saml-admin: the Sequr user store from the command line (the SQLite
 * file that `SequrSAMLUserStore dbd` reads through mod_dbd).
 *
 * Exit codes: 0 done, 1 usage error, 2 the user is unknown or already exists,
 * 3 the database failed (missing file, no table, locked, unwritable). */
#include <apr_dbd.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user_store.h"

#define EXIT_OK       0
#define EXIT_USAGE    1
#define EXIT_NOTFOUND 2
#define EXIT_DATABASE 3

static const char *const usage_main =
    "Usage: sequr-saml-admin --db FILE COMMAND [ARGS]\n"
    "\n"
    "Manage the Sequr user store that mod_sequr_saml reads with SequrSAMLUserStore dbd.\n"
    "\n"
    "Commands:\n"
    "  init                      create the SQLite store (kept if it already exists)\n"
    "  user add NAME             add a user, inactive until activated\n"
    "  user activate NAME        let the user sign in\n"
    "  user deactivate NAME      refuse the user (signed-in sessions end within\n"
    "                            SequrSAMLUserRecheckInterval)\n"
    "  user remove NAME          delete the user\n"
    "  user list                 one line per user: name, active|inactive, created, updated\n"
    "\n"
    "Options:\n"
    "  --db FILE                 the SQLite store (the file DBDParams names)\n"
    "  -h, --help                this text; COMMAND --help explains a command\n"
    "\n"
    "Names are compared in ASCII lowercase, as Azure compares user principal names;\n"
    "the spelling given to 'user add' is what REMOTE_USER becomes.\n"
    "\n"
    "Exit status: 0 done, 1 usage error, 2 user unknown or already present,\n"
    "3 database error.\n";

static const char *const usage_init =
    "Usage: sequr-saml-admin --db FILE init\n"
    "\n"
    "Create the SQLite user store FILE with its table sequr_users. Running it on an\n"
    "existing store keeps its users. Apache's user must be able to read FILE.\n";

static const char *const usage_user =
    "Usage: sequr-saml-admin --db FILE user add|activate|deactivate|remove NAME\n"
    "       sequr-saml-admin --db FILE user list\n"
    "\n"
    "  add NAME         add NAME (inactive until activated); exit 2 if a user with\n"
    "                   the same name in any letter case exists\n"
    "  activate NAME    let NAME sign in; exit 2 if unknown\n"
    "  deactivate NAME  refuse NAME from the next check on; exit 2 if unknown\n"
    "  remove NAME      delete NAME; exit 2 if unknown\n"
    "  list             print name, active|inactive, created, updated (tab-separated)\n";

static int wants_help(const char *arg)
{
    return arg && (!strcmp(arg, "--help") || !strcmp(arg, "-h"));
}

static int usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "sequr-saml-admin: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n\n%s", usage);
    return EXIT_USAGE;
}

static int fail(const saml_err_t *err)
{
    fprintf(stderr, "sequr-saml-admin: %s\n", err->detail ? err->detail : "unknown error");
    return EXIT_DATABASE;
}

/* The exit code an error deserves: "not there" and "already there" are the
 * caller's to handle (2); everything else is the database's (3). */
static int exit_code(apr_status_t rv, const saml_err_t *err)
{
    if (rv == APR_SUCCESS)
        return EXIT_OK;
    if (rv == APR_NOTFOUND || rv == SAML_EREJECTED) {
        fprintf(stderr, "sequr-saml-admin: %s\n", err->detail);
        return EXIT_NOTFOUND;
    }
    if (rv == APR_EINVAL) {
        fprintf(stderr, "sequr-saml-admin: %s\n", err->detail);
        return EXIT_USAGE;
    }
    return fail(err);
}

/* Open FILE with APR DBD's sqlite3 driver, the one mod_dbd uses. SQLite would
 * create a missing file; only init may do that. */
static int open_store(apr_pool_t *p, const char *file, int create, saml_user_db_t *db)
{
    const char *why = NULL;
    apr_status_t rv;
    struct stat st;

    if (!create && stat(file, &st) != 0) {
        fprintf(stderr, "sequr-saml-admin: no user store at %s (create it with init)\n", file);
        return EXIT_DATABASE;
    }
    if ((rv = apr_dbd_init(p)) != APR_SUCCESS ||
        (rv = apr_dbd_get_driver(p, "sqlite3", &db->driver)) != APR_SUCCESS) {
        fprintf(stderr, "sequr-saml-admin: APR DBD has no sqlite3 driver (install "
                "libaprutil1-dbd-sqlite3)\n");
        return EXIT_DATABASE;
    }
    if (apr_dbd_open_ex(db->driver, p, file, &db->handle, &why) != APR_SUCCESS) {
        fprintf(stderr, "sequr-saml-admin: cannot open %s: %s\n", file, why ? why : "unknown error");
        return EXIT_DATABASE;
    }
    return EXIT_OK;
}

static int cmd_init(apr_pool_t *p, const char *file, int argc, const char *const *argv)
{
    saml_user_db_t db = {0};
    saml_err_t err = {0};
    int rc;

    if (argc > 0 && wants_help(argv[0])) {
        fputs(usage_init, stdout);
        return EXIT_OK;
    }
    if (argc > 0)
        return usage_error(usage_init, "init takes no argument, got '%s'", argv[0]);
    if ((rc = open_store(p, file, 1, &db)) != EXIT_OK)
        return rc;
    rc = exit_code(saml_user_store_init(p, &db, &err), &err);
    apr_dbd_close(db.driver, db.handle);
    if (rc == EXIT_OK)
        printf("user store ready: %s\n", file);
    return rc;
}

static int list_users(apr_pool_t *p, saml_user_db_t *db)
{
    apr_array_header_t *users = NULL;
    saml_err_t err = {0};
    apr_status_t rv = saml_user_list(p, db, &users, &err);
    int i;

    if (rv != APR_SUCCESS)
        return exit_code(rv, &err);
    for (i = 0; i < users->nelts; i++) {
        const saml_user_t *u = &APR_ARRAY_IDX(users, i, saml_user_t);
        printf("%s\t%s\t%s\t%s\n", u->username, u->active ? "active" : "inactive",
               u->created_at ? u->created_at : "", u->updated_at ? u->updated_at : "");
    }
    return EXIT_OK;
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

static int cmd_user(apr_pool_t *p, const char *file, int argc, const char *const *argv)
{
    static const char *const verbs[] = {"add", "activate", "deactivate", "remove", NULL};
    saml_user_db_t db = {0};
    saml_err_t err = {0};
    const char *verb = argc > 0 ? argv[0] : NULL;
    int rc, i, known = 0;

    if (verb == NULL)
        return usage_error(usage_user, "%s", "user needs a subcommand");
    if (wants_help(verb) || (argc > 1 && wants_help(argv[1]))) {
        fputs(usage_user, stdout);
        return EXIT_OK;
    }
    for (i = 0; verbs[i]; i++)
        known |= !strcmp(verb, verbs[i]);
    if (!strcmp(verb, "list")) {
        if (argc > 1)
            return usage_error(usage_user, "user list takes no argument, got '%s'", argv[1]);
    }
    else if (!known)
        return usage_error(usage_user, "unknown user subcommand '%s'", verb);
    else if (argc != 2)
        return usage_error(usage_user, "user %s needs exactly one NAME", verb);

    if ((rc = open_store(p, file, 0, &db)) != EXIT_OK)
        return rc;
    if (!strcmp(verb, "list"))
        rc = list_users(p, &db);
    else {
        rc = exit_code(change_user(p, &db, verb, argv[1], &err), &err);
        if (rc == EXIT_OK)
            printf("%s: %s\n", verb, argv[1]);
    }
    apr_dbd_close(db.driver, db.handle);
    return rc;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    const char *file = NULL;
    int i = 1, rc;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS ||
        apr_pool_create(&p, NULL) != APR_SUCCESS) {
        fprintf(stderr, "sequr-saml-admin: cannot initialise APR\n");
        return EXIT_DATABASE;
    }
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (wants_help(argv[i])) {
            fputs(usage_main, stdout);
            apr_terminate();
            return EXIT_OK;
        }
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            file = argv[++i];
        else if (!strncmp(argv[i], "--db=", 5))
            file = argv[i] + 5;
        else
            return usage_error(usage_main, "unknown or incomplete option '%s'", argv[i]);
    }
    if (i == argc)
        return usage_error(usage_main, "%s", "no command given");
    if (file == NULL && !wants_help(argv[argc - 1]))
        return usage_error(usage_main, "%s", "--db FILE is required");
    if (!strcmp(argv[i], "init"))
        rc = cmd_init(p, file, argc - i - 1, argv + i + 1);
    else if (!strcmp(argv[i], "user"))
        rc = cmd_user(p, file, argc - i - 1, argv + i + 1);
    else
        return usage_error(usage_main, "unknown command '%s'", argv[i]);
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
