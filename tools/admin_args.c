/* The command line of sequr-saml-admin: which command, its operands and
 * options, and every rule that can be checked without touching a file or a
 * database, so a mistake costs a usage message and nothing else. */
#include "tools/admin.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apache/directives.h"

const char admin_usage_main[] =
    "Usage: sequr-saml-admin [--db FILE | --dbd DRIVER --params STRING] COMMAND [ARGS]\n"
    "\n"
    "Set up mod_sequr_saml and manage the Sequr user store that it reads with\n"
    D_USER_STORE " dbd.\n"
    "\n"
    "Commands:\n"
    "  init [--sp-key KEY --sp-cert CERT]  create the user store (kept if it exists)\n"
    "                            with the session cache table, and, if asked,\n"
    "                            the SP's key and certificate\n"
    "  init --next-key --sp-key KEY --sp-cert CERT  the next SP key pair, for a\n"
    "                            rollover: KEY-next and CERT-next beside them\n"
    "  user add NAME             add a user, inactive until activated\n"
    "  user activate NAME        let the user sign in\n"
    "  user deactivate NAME      refuse the user (signed-in sessions end within\n"
    "                            " D_USER_RECHECK_INTERVAL ")\n"
    "  user remove NAME          delete the user\n"
    "  user list                 one line per user: name, active|inactive, created, updated\n"
    "  import-metadata FILE      check Azure's Federation Metadata XML, show what it\n"
    "                            says, write its signing certificates (--out-dir DIR)\n"
    "  relay-state TENANT        the value for Azure's \"Relay State\" box\n"
    "  check --config FILE|DIR   let Apache check its config, then check the keys,\n"
    "                            certificates and user store the module was given\n"
    "\n"
    "Options:\n"
    "  --db FILE                 the SQLite store (the file DBDParams names)\n"
    "  --dbd DRIVER --params S   any APR DBD store instead, as DBDriver and DBDParams say,\n"
    "                            e.g. --dbd pgsql --params \"host=db1 dbname=sequr user=sequr\"\n"
    "  -h, --help                this text; COMMAND --help explains a command\n"
    "  --version                 the version of sequr-saml-admin and mod_sequr_saml\n"
    "\n"
    "Names are compared in ASCII lowercase, as Azure compares user principal names;\n"
    "the spelling given to 'user add' is what REMOTE_USER becomes.\n"
    "\n"
    "Exit status: 0 done, 1 usage error, 2 refused (user unknown or already present,\n"
    "files exist, metadata invalid, check found problems), 3 system error (database,\n"
    "file that cannot be read or written).\n";

static const char usage_init[] =
    "Usage: sequr-saml-admin --db FILE init [--sp-key KEY --sp-cert CERT\n"
    "                                        [--sp-subject CN] [--days N] [--force]]\n"
    "       sequr-saml-admin init --sp-key KEY --sp-cert CERT [...]\n"
    "\n"
    "Create the user store with its table sequr_users (on an existing store it keeps\n"
    "the users; Apache's user must be able to read an SQLite FILE), and the table\n"
    "sequr_saml_cache that " D_CACHE " dbd keeps sessions and the replay cache in\n"
    "(Apache's user must then also write the FILE and its directory). With --sp-key and\n"
    "--sp-cert, also make the SP's key pair for " D_SP_PRIVATE_KEY_FILE " and\n"
    D_SP_CERTIFICATE_FILE ": an RSA-3072 key (file mode 0600) and a self-signed\n"
    "certificate.\n"
    "\n"
    "  --sp-key KEY      where to write the private key (PEM)\n"
    "  --sp-cert CERT    where to write the certificate (PEM)\n"
    "  --sp-subject CN   the certificate's common name (default: sequr-saml-sp)\n"
    "  --days N          validity in days, 1 to 36500 (default 3650)\n"
    "  --force           replace existing KEY and CERT files (exit 2 otherwise)\n"
    "  --next-key        SP key rollover: KEY and CERT are the current pair (CERT\n"
    "                    must exist); write the next pair beside them, '-next'\n"
    "                    before the extension (sp.key: sp-next.key, mode 0600), and\n"
    "                    print the steps: both pairs in the config (the first\n"
    "                    signs, both decrypt and are in the SP metadata), the new\n"
    "                    certificate uploaded to Microsoft Entra ID (Azure AD) as a\n"
    "                    verification certificate, then the order switched\n"
    "\n"
    "Exit status: 0 done, 1 usage, 2 KEY or CERT exists, 3 database error or a file\n"
    "that cannot be written (nothing is left half-written).\n";

static const char usage_user[] =
    "Usage: sequr-saml-admin --db FILE user add|activate|deactivate|remove NAME\n"
    "       sequr-saml-admin --db FILE user list\n"
    "\n"
    "  add NAME         add NAME (inactive until activated); exit 2 if a user with\n"
    "                   the same name in any letter case exists\n"
    "  activate NAME    let NAME sign in; exit 2 if unknown\n"
    "  deactivate NAME  refuse NAME from the next check on; exit 2 if unknown\n"
    "  remove NAME      delete NAME; exit 2 if unknown\n"
    "  list             print name, active|inactive, created, updated (tab-separated)\n"
    "\n"
    "NAME: 1 to 256 bytes, no control characters, no leading or trailing space.\n"
    "--dbd DRIVER --params STRING may replace --db FILE.\n"
    "\n"
    "Exit status: 0 done, 1 usage (or invalid NAME), 2 unknown or already present,\n"
    "3 database error (no store at FILE: run init; no table; locked; unreachable).\n";

static const char usage_import_metadata[] =
    "Usage: sequr-saml-admin import-metadata FILE [--out-dir DIR]\n"
    "       sequr-saml-admin import-metadata --url URL [--ca-file FILE] [--out-dir DIR]\n"
    "\n"
    "Read Azure's Federation Metadata XML (App Federation Metadata Url, or the file\n"
    "downloaded from the SAML Signing Certificate section) with the module's own parser.\n"
    "Print the entity ID, sign-on URL, logout URL and each signing certificate's subject,\n"
    "serial and validity (flagging expired ones and those expiring within 30 days), and\n"
    "the directives to paste into the Apache config.\n"
    "\n"
    "  --out-dir DIR    also write each signing certificate as DIR/idp-signing-N.pem\n"
    "  --url URL        fetch it from URL as SequrSAMLIdPMetadataURL does (https only,\n"
    "                   server certificate and host name verified, 5 s, 1 MiB), once\n"
    "  --ca-file FILE   CA bundle for --url (default: the system's)\n"
    "\n"
    "Exit status: 0 read (warnings allowed), 2 refused metadata, 3 FILE unreadable,\n"
    "URL unreachable or DIR unwritable.\n";

static const char usage_relay_state[] =
    "Usage: sequr-saml-admin relay-state TENANT [--path /landing]\n"
    "\n"
    "Print the value to paste into Azure's \"Relay State\" box (Basic SAML\n"
    "Configuration), so the My Apps tile lands on PATH: PATH?sequr_tenant=TENANT.\n"
    "The module sends the browser to that local path after an IdP-initiated sign-in.\n"
    "\n"
    "  TENANT        your Sequr tenant name: letters, digits, '.', '_', '-', at most 64\n"
    "  --path PATH   the local landing path (default /); must start with a single '/'\n"
    "\n"
    "The value is at most 80 bytes (the SAML bindings' limit for RelayState).\n"
    "Exit status: 0 printed, 1 invalid TENANT or PATH.\n";

static const char usage_check[] =
    "Usage: sequr-saml-admin check --config FILE|DIR [--apache BINARY]\n"
    "                              [--server-root DIR]\n"
    "\n"
    "Let Apache read the config (FILE; for a DIR its apache2.conf or httpd.conf): run\n"
    "`BINARY -t -D SEQUR_SAML_DUMP -f FILE [-d DIR]`, after Debian's envvars when it\n"
    "sits next to FILE, as apache2ctl does. Apache evaluates <IfModule>, <IfDefine>\n"
    "and Include, and mod_sequr_saml makes its start-up checks (IdP, certificates,\n"
    "SP key pair, tenants); its refusal is a problem, with file:line when Apache\n"
    "names them. From what the module then prints, check adds what Apache cannot\n"
    "know: key files readable by others, the user store of DBDriver/DBDParams\n"
    "(present, readable by Apache's User, with its table) and certificates that\n"
    "expire within 30 days (warnings).\n"
    "\n"
    "  --apache BINARY    the httpd to run (default $APACHE_HTTPD, else\n"
    "                     /usr/sbin/apache2)\n"
    "  --server-root DIR  passed as -d (default: Apache's own, e.g. /etc/apache2)\n"
    "\n"
    "Exit status: 0 no problem (warnings allowed), 1 usage, 2 problems found,\n"
    "3 the config or Apache cannot be found or run.\n"
    "(--no-apache is obsolete and ignored: check has no reader of its own.)\n";

static const char *const init_valued[] = {"--sp-key", "--sp-cert", "--sp-subject", "--days", NULL};
static const char *const init_flags[] = {"--force", "--next-key", NULL};
static const char *const import_valued[] = {"--out-dir", "--url", "--ca-file", NULL};
static const char *const relay_valued[] = {"--path", NULL};
static const char *const check_valued[] = {"--config", "--apache", "--server-root", NULL};
/* --no-apache is obsolete (Apache always reads the configuration now): kept
 * so that scripts written for it still run, with a note. */
static const char *const check_flags[] = {"--no-apache", NULL};
static const char *const none[] = {NULL};

static const admin_command_spec_t commands[] = {
    {"init", usage_init, init_valued, init_flags, 0, 0, 2},
    {"user", usage_user, none, none, 1, 2, 1},
    {"import-metadata", usage_import_metadata, import_valued, none, 0, 1, 0},
    {"relay-state", usage_relay_state, relay_valued, none, 1, 1, 0},
    {"check", usage_check, check_valued, check_flags, 0, 0, 0},
};

static const admin_command_spec_t *command_named(const char *name)
{
    apr_size_t i;
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

static int listed(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (!strcmp(*list, name))
            return 1;
    return 0;
}

static int is_help(const char *arg)
{
    return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

const char *admin_option(const admin_args_t *a, const char *name)
{
    return a->options ? apr_table_get(a->options, name) : NULL;
}

const char *admin_operand(const admin_args_t *a, int i)
{
    if (a->operands == NULL || i < 0 || i >= a->operands->nelts)
        return NULL;
    return APR_ARRAY_IDX(a->operands, i, const char *);
}

int admin_complain(int code, const char *fmt, ...)
{
    va_list ap;

    fputs("sequr-saml-admin: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

static int fail(apr_pool_t *p, const char **error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(apr_pool_t *p, const char **error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    *error = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return ADMIN_EXIT_USAGE;
}

/* The store options are everyone's, wherever they stand on the line. */
static const char **global_slot(admin_args_t *a, const char *name)
{
    if (!strcmp(name, "--db"))
        return &a->db_file;
    if (!strcmp(name, "--dbd"))
        return &a->dbd_driver;
    if (!strcmp(name, "--params"))
        return &a->dbd_params;
    return NULL;
}

/* One "--name[=value]" at argv[*i]; takes the next argument as the value
 * when the option needs one and none was attached. */
static int take_option(apr_pool_t *p, int argc, const char *const *argv, int *i, admin_args_t *a,
                       const char **error)
{
    const char *arg = argv[*i], *eq = strchr(arg, '=');
    const char *name = eq ? apr_pstrndup(p, arg, (apr_size_t)(eq - arg)) : arg;
    const char **slot = global_slot(a, name);
    const admin_command_spec_t *c = a->command;
    const char *value;

    if (c && listed(c->flags, name)) {
        if (eq)
            return fail(p, error, "%s takes no value", name);
        apr_table_setn(a->options, name, "1");
        return ADMIN_EXIT_OK;
    }
    if (slot == NULL && !(c && listed(c->valued, name)))
        return fail(p, error, c ? "%s has no option '%s'" : "unknown option '%s%s'",
                    c ? c->name : "", name);
    if (eq)
        value = eq + 1;
    else if (*i + 1 < argc)
        value = argv[++*i];
    else
        return fail(p, error, "%s needs a value", name);
    if (*value == '\0')
        return fail(p, error, "%s needs a non-empty value", name);
    if (slot)
        *slot = value;
    else
        apr_table_setn(a->options, name, value);
    return ADMIN_EXIT_OK;
}

static int check_store_options(apr_pool_t *p, admin_args_t *a, const char **error)
{
    const admin_command_spec_t *c = a->command;
    int given = a->db_file || a->dbd_driver || a->dbd_params;

    if (a->db_file && (a->dbd_driver || a->dbd_params))
        return fail(p, error, "give either --db FILE or --dbd DRIVER --params STRING, not both");
    if ((a->dbd_driver != NULL) != (a->dbd_params != NULL))
        return fail(p, error, "--dbd and --params go together");
    if (a->dbd_driver && strspn(a->dbd_driver, "abcdefghijklmnopqrstuvwxyz0123456789") !=
                         strlen(a->dbd_driver))
        return fail(p, error, "--dbd '%s' is not a driver name (e.g. sqlite3, pgsql)",
                    a->dbd_driver);
    if (c->store == 1 && !given)
        return fail(p, error, "--db FILE (or --dbd DRIVER --params STRING) is required");
    if (c->store == 0 && given)
        return fail(p, error, "%s does not use the user store (no --db/--dbd)", c->name);
    return ADMIN_EXIT_OK;
}

static int check_user_operands(apr_pool_t *p, const admin_args_t *a, const char **error)
{
    static const char *const verbs[] = {"add", "activate", "deactivate", "remove", NULL};
    const char *verb = admin_operand(a, 0), *name = admin_operand(a, 1);

    if (!strcmp(verb, "list")) {
        if (name)
            return fail(p, error, "user list takes no argument, got '%s'", name);
        return ADMIN_EXIT_OK;
    }
    if (!listed(verbs, verb))
        return fail(p, error, "unknown user subcommand '%s'", verb);
    if (name == NULL)
        return fail(p, error, "user %s needs exactly one NAME", verb);
    if (!saml_user_name_is_valid(name))
        return fail(p, error, "'%s' is not a valid user name (1 to 256 bytes, no control "
                    "characters, no leading or trailing space)", saml_log_escape(p, name, 64));
    return ADMIN_EXIT_OK;
}

static int check_init_options(apr_pool_t *p, const admin_args_t *a, const char **error)
{
    const char *key = admin_option(a, "--sp-key"), *cert = admin_option(a, "--sp-cert");
    const char *days = admin_option(a, "--days");
    int given = a->db_file || a->dbd_driver;

    if ((key != NULL) != (cert != NULL))
        return fail(p, error, "--sp-key and --sp-cert go together");
    if (admin_option(a, "--next-key") && key == NULL)
        return fail(p, error, "--next-key needs --sp-key KEY --sp-cert CERT, the current pair");
    if (!given && key == NULL)
        return fail(p, error, "init needs --db FILE (or --dbd DRIVER --params STRING), "
                    "--sp-key KEY --sp-cert CERT, or both");
    if (key == NULL && (admin_option(a, "--sp-subject") || days || admin_option(a, "--force")))
        return fail(p, error, "--sp-subject, --days and --force go with --sp-key/--sp-cert");
    if (key && cert && !strcmp(key, cert))
        return fail(p, error, "--sp-key and --sp-cert name the same file");
    if (days) {
        char *end = NULL;
        long n = strtol(days, &end, 10);
        if (*end != '\0' || n < 1 || n > 36500)
            return fail(p, error, "--days '%s' is not a number of days from 1 to 36500", days);
    }
    return ADMIN_EXIT_OK;
}

/* The rules that need the whole line. */
static int check_command_line(apr_pool_t *p, admin_args_t *a, const char **error)
{
    const admin_command_spec_t *c = a->command;
    int n = a->operands->nelts, rc;

    if (n < c->min_operands)
        return fail(p, error, "%s needs %s", c->name,
                    !strcmp(c->name, "user") ? "a subcommand" :
                    !strcmp(c->name, "import-metadata") ? "the metadata FILE" :
                    !strcmp(c->name, "relay-state") ? "a TENANT" : "more arguments");
    if (n > c->max_operands)
        return fail(p, error, "%s: unexpected argument '%s'", c->name, admin_operand(a, n - 1));
    if ((rc = check_store_options(p, a, error)) != ADMIN_EXIT_OK)
        return rc;
    if (!strcmp(c->name, "user"))
        return check_user_operands(p, a, error);
    if (!strcmp(c->name, "init"))
        return check_init_options(p, a, error);
    if (!strcmp(c->name, "import-metadata") && (n == 1) == (admin_option(a, "--url") != NULL))
        return fail(p, error, "import-metadata needs the metadata FILE or --url URL (one of them)");
    if (!strcmp(c->name, "import-metadata") && admin_option(a, "--ca-file") &&
        admin_option(a, "--url") == NULL)
        return fail(p, error, "--ca-file goes with --url");
    if (!strcmp(c->name, "check") && admin_option(a, "--config") == NULL)
        return fail(p, error, "check needs --config FILE|DIR");
    return ADMIN_EXIT_OK;
}

int admin_parse_args(apr_pool_t *p, int argc, const char *const *argv, admin_args_t *a,
                     const char **error)
{
    const char *first_error = NULL;
    int i, options_done = 0;

    memset(a, 0, sizeof(*a));
    a->operands = apr_array_make(p, 4, sizeof(const char *));
    a->options = apr_table_make(p, 4);
    *error = NULL;
    /* --help (then --version) anywhere wins over every mistake but an unknown
     * command, so the first error is remembered and reported only when neither
     * was asked. */
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i], *err = NULL;
        if (!options_done && is_help(arg))
            a->help = 1;
        else if (!options_done && !strcmp(arg, "--version"))
            a->version = 1;
        else if (!options_done && !strcmp(arg, "--"))
            options_done = 1;
        else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            if (arg[1] != '-')
                fail(p, &err, "unknown option '%s'", arg);
            else
                take_option(p, argc, argv, &i, a, &err);
        }
        else if (a->command == NULL) {
            if ((a->command = command_named(arg)) == NULL)
                return fail(p, error, "unknown command '%s'", arg);
        }
        else
            APR_ARRAY_PUSH(a->operands, const char *) = arg;
        if (err && !first_error)
            first_error = err;
    }
    if (a->help || a->version)
        return ADMIN_EXIT_OK;
    if (first_error) {
        *error = first_error;
        return ADMIN_EXIT_USAGE;
    }
    if (a->command == NULL)
        return fail(p, error, "no command given");
    return check_command_line(p, a, error);
}
