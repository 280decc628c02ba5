/* sequr-saml-admin: setting up mod_sequr_saml and managing the Sequr user
 * store (what `SequrSAMLUserStore dbd` reads through mod_dbd) from the
 * command line. The command line is parsed in admin_args.c, each command
 * group lives in its own admin_*.c.
 *
 * Exit codes (admin.h): 0 done, 1 usage error, 2 refused (user unknown or
 * already present, files exist, metadata refused, check found problems),
 * 3 system error (database, unreadable or unwritable file). */
#include "build-config.h"     /* PACKAGE_VERSION, from configure.ac's AC_INIT */

#include <apr_general.h>
#include <stdio.h>
#include <string.h>

#include "tools/admin.h"
#include "saml/crypto.h"
#include "saml/xml.h"

typedef struct {
    const char *name;
    int (*run)(apr_pool_t *p, const admin_args_t *a);
} admin_runner_t;

static const admin_runner_t runners[] = {
    {"init", admin_cmd_init},
    {"user", admin_cmd_user},
    {"import-metadata", admin_cmd_import_metadata},
    {"relay-state", admin_cmd_relay_state},
    {"check", admin_cmd_check},
};

static int run_command(apr_pool_t *p, const admin_args_t *a)
{
    apr_size_t i;

    for (i = 0; i < sizeof(runners) / sizeof(runners[0]); i++)
        if (!strcmp(runners[i].name, a->command->name))
            return runners[i].run(p, a);
    return admin_complain(ADMIN_EXIT_USAGE, "no code for command '%s'", a->command->name);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    admin_args_t args;
    const char *error = NULL;
    int rc;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS ||
        apr_pool_create(&p, NULL) != APR_SUCCESS) {
        fprintf(stderr, "sequr-saml-admin: cannot initialise APR\n");
        return ADMIN_EXIT_SYSTEM;
    }
    rc = admin_parse_args(p, argc, argv, &args, &error);
    if (rc != ADMIN_EXIT_OK) {
        fprintf(stderr, "sequr-saml-admin: %s\n\n%s", error,
                args.command ? args.command->usage : admin_usage_main);
    }
    else if (args.help)
        fputs(args.command ? args.command->usage : admin_usage_main, stdout);
    else if (args.version)
        printf("sequr-saml-admin (mod_sequr_saml) %s\n", PACKAGE_VERSION);
    else if (saml_crypto_init() != APR_SUCCESS)
        rc = admin_complain(ADMIN_EXIT_SYSTEM, "cannot initialise libxml2/xmlsec");
    else
        rc = run_command(p, &args);
    fflush(stdout);
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
