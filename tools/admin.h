/* sequr-saml-admin: what the command files share. The argument parser is
 * apart from the commands so that unit tests can drive it without a database,
 * a key generator or a terminal. */
#ifndef SEQUR_ADMIN_H
#define SEQUR_ADMIN_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <openssl/x509.h>

#include "saml/user_store.h"

/* Exit status, the same meaning for every command. */
#define ADMIN_EXIT_OK       0  /* done (check: no problem; warnings allowed) */
#define ADMIN_EXIT_USAGE    1  /* bad command line: unknown command/option, operand, name */
#define ADMIN_EXIT_REFUSED  2  /* the data says no: user unknown/already present, files
                                * exist (init without --force), metadata refused, check
                                * found problems */
#define ADMIN_EXIT_SYSTEM   3  /* the system says no: database, unreadable/unwritable file */

typedef struct admin_command_spec admin_command_spec_t;

/* The parsed command line. Options are kept by their long name ("--out-dir");
 * a flag's value is "1". */
typedef struct admin_args {
    const admin_command_spec_t *command;  /* NULL with help and no command */
    int help;                             /* -h/--help anywhere */
    int version;                          /* --version anywhere (help wins) */
    const char *db_file;                  /* --db FILE */
    const char *dbd_driver;               /* --dbd DRIVER */
    const char *dbd_params;               /* --params STRING */
    apr_array_header_t *operands;         /* const char*, after the command name */
    apr_table_t *options;                 /* the command's own options */
} admin_args_t;

struct admin_command_spec {
    const char *name;
    const char *usage;                 /* printed for --help and after a usage error */
    const char *const *valued;         /* options taking a value, NULL-terminated */
    const char *const *flags;          /* options without one */
    int min_operands, max_operands;
    int store;                         /* 0 none, 1 required, 2 optional */
};

extern const char admin_usage_main[];

/* Parse argv (argv[0] is the program). On a usage error returns
 * ADMIN_EXIT_USAGE with *error set (without the usage text) and a->command
 * set when the command was recognised, so its usage can follow. */
int admin_parse_args(apr_pool_t *p, int argc, const char *const *argv, admin_args_t *a,
                     const char **error);

/* The command's option, or NULL. */
const char *admin_option(const admin_args_t *a, const char *name);
const char *admin_operand(const admin_args_t *a, int i);

/* Print "sequr-saml-admin: ..." on stderr and return code. */
int admin_complain(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open the store the command line names (--db FILE or --dbd DRIVER --params
 * STRING). Only init may create a missing SQLite file. */
int admin_open_store(apr_pool_t *p, const admin_args_t *a, int create, saml_user_db_t *db);
/* A printable name of the store for messages (never the params: they may
 * hold a password). */
const char *admin_store_name(apr_pool_t *p, const admin_args_t *a);
/* The exit code a user store status deserves (and its message printed). */
int admin_store_exit(apr_status_t rv, const saml_err_t *err);

/* The commands: each returns an exit status. */
int admin_init_store(apr_pool_t *p, const admin_args_t *a);
int admin_cmd_init(apr_pool_t *p, const admin_args_t *a);
int admin_cmd_user(apr_pool_t *p, const admin_args_t *a);
int admin_cmd_import_metadata(apr_pool_t *p, const admin_args_t *a);
int admin_cmd_relay_state(apr_pool_t *p, const admin_args_t *a);
int admin_cmd_check(apr_pool_t *p, const admin_args_t *a);

/* relay-state's value: PATH (default "/") plus "?sequr_tenant=TENANT" (or
 * "&..." when PATH has a query), at most 80 bytes and a local path as
 * saml_is_local_path() says; NULL with *error otherwise. */
int admin_tenant_is_valid(const char *tenant);
const char *admin_relay_state_value(apr_pool_t *p, const char *tenant, const char *path,
                                    const char **error);

/* Certificate reporting shared by import-metadata and check. */
#define ADMIN_EXPIRY_WARNING_DAYS 30
/* "EXPIRED on DATE", "expires in N day(s), on DATE" (within the warning
 * window) or NULL, for a certificate ending at not_after. */
const char *admin_expiry_problem(apr_pool_t *p, apr_time_t not_after, apr_time_t now,
                                 int *expired);
const char *admin_cert_expiry_problem(apr_pool_t *p, X509 *cert, apr_time_t now, int *expired);
/* Subject, serial, validity (with the warning) on four lines after indent.
 * Returns 0 fine, 1 expiring soon, 2 expired. */
int admin_print_cert(apr_pool_t *p, const char *indent, X509 *cert, apr_time_t now);

#endif
