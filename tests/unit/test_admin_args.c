/* sequr-saml-admin's command line (tools/admin_args.c) and the relay-state
 * value (tools/admin_relay_state.c): everything decided before a file or a
 * database is touched. */
#include <check.h>
#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>

#include "tools/admin.h"
#include "saml/relay_state.h"
#include "tests/unit/testkit.h"

static admin_args_t args;
static const char *error;

/* Parse a NULL-terminated list of words (the program name is added). */
static int parse_words(const char *first, ...)
{
    const char *argv[32];
    va_list ap;
    const char *w;
    int argc = 0;

    argv[argc++] = "sequr-saml-admin";
    va_start(ap, first);
    for (w = first; w && argc < 31; w = va_arg(ap, const char *))
        argv[argc++] = w;
    va_end(ap);
    argv[argc] = NULL;
    error = NULL;
    return admin_parse_args(tk_pool(), argc, argv, &args, &error);
}
#define parse(...) parse_words(__VA_ARGS__, (const char *)NULL)

static void assert_usage_error(int rc, const char *says)
{
    ck_assert_int_eq(rc, ADMIN_EXIT_USAGE);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(strstr(error, says) != NULL, "error '%s' does not say '%s'", error, says);
}

START_TEST(no_command_or_unknown_command)
{
    ck_assert_int_eq(parse_words(NULL), ADMIN_EXIT_USAGE);
    assert_usage_error(parse("--db", "x.db"), "no command given");
    assert_usage_error(parse("--db", "x.db", "frob"), "unknown command 'frob'");
    ck_assert_ptr_null(args.command);
    /* An unknown command is reported even next to --help. */
    assert_usage_error(parse("frob", "--help"), "unknown command 'frob'");
}
END_TEST

START_TEST(unknown_or_incomplete_options)
{
    assert_usage_error(parse("--bogus", "init"), "unknown option '--bogus'");
    assert_usage_error(parse("-x", "user", "list"), "unknown option '-x'");
    assert_usage_error(parse("--db", "x.db", "user", "list", "--out-dir", "d"),
                       "user has no option '--out-dir'");
    ck_assert_str_eq(args.command->name, "user");      /* so its usage can follow */
    assert_usage_error(parse("user", "list", "--db"), "--db needs a value");
    assert_usage_error(parse("--db=", "user", "list"), "non-empty");
    assert_usage_error(parse("--db", "x.db", "init", "--force=yes", "--sp-key", "k",
                             "--sp-cert", "c"), "--force takes no value");
}
END_TEST

START_TEST(help_anywhere)
{
    ck_assert_int_eq(parse("--help"), ADMIN_EXIT_OK);
    ck_assert(args.help);
    ck_assert_ptr_null(args.command);
    ck_assert_int_eq(parse("-h"), ADMIN_EXIT_OK);
    /* Help wins over what would be a mistake without it. */
    ck_assert_int_eq(parse("user", "add", "--help"), ADMIN_EXIT_OK);
    ck_assert_str_eq(args.command->name, "user");
    ck_assert_int_eq(parse("import-metadata", "--help", "--bogus"), ADMIN_EXIT_OK);
    ck_assert_str_eq(args.command->name, "import-metadata");
    ck_assert_int_eq(parse("--db", "x.db", "user", "list", "--help"), ADMIN_EXIT_OK);
    ck_assert_int_eq(parse("check", "-h"), ADMIN_EXIT_OK);
    ck_assert_ptr_nonnull(strstr(args.command->usage, "Exit status"));
    /* After "--" it is an operand, and not a valid user name either. */
    ck_assert_int_eq(parse("--db", "x.db", "user", "add", "--", "--help"), ADMIN_EXIT_OK);
    ck_assert(!args.help);
    ck_assert_str_eq(admin_operand(&args, 1), "--help");
    ck_assert_ptr_nonnull(strstr(admin_usage_main, "Exit status"));
    /* Every command documents its exit status in its own help. */
    {
        static const char *const names[] = {"init", "user", "import-metadata", "relay-state",
                                            "check", NULL};
        int i;
        for (i = 0; names[i]; i++) {
            ck_assert_int_eq(parse(names[i], "--help"), ADMIN_EXIT_OK);
            ck_assert_msg(strstr(args.command->usage, "Exit status") != NULL, "%s", names[i]);
        }
    }
}
END_TEST

START_TEST(version_anywhere)
{
    ck_assert_int_eq(parse("--version"), ADMIN_EXIT_OK);
    ck_assert(args.version);
    ck_assert(!args.help);
    ck_assert_ptr_null(args.command);
    /* Like --help, it wins over a mistake elsewhere on the line ... */
    ck_assert_int_eq(parse("user", "frob", "--version"), ADMIN_EXIT_OK);
    ck_assert(args.version);
    ck_assert_int_eq(parse("--bogus", "--version"), ADMIN_EXIT_OK);
    /* ... and --help wins over it. */
    ck_assert_int_eq(parse("--version", "--help"), ADMIN_EXIT_OK);
    ck_assert(args.help);
    /* An operand, not the option, after "--". */
    ck_assert_int_eq(parse("--db", "x.db", "user", "add", "--", "--version"), ADMIN_EXIT_OK);
    ck_assert(!args.version);
    ck_assert_str_eq(admin_operand(&args, 1), "--version");
    assert_usage_error(parse("frob", "--version"), "unknown command 'frob'");
}
END_TEST

START_TEST(missing_or_extra_operands)
{
    assert_usage_error(parse("--db", "x.db", "user"), "user needs a subcommand");
    assert_usage_error(parse("--db", "x.db", "user", "add"), "user add needs exactly one NAME");
    assert_usage_error(parse("--db", "x.db", "user", "add", "a", "b"), "unexpected argument 'b'");
    assert_usage_error(parse("--db", "x.db", "user", "list", "a"), "user list takes no argument");
    assert_usage_error(parse("--db", "x.db", "user", "promote", "a"), "unknown user subcommand");
    assert_usage_error(parse("--db", "x.db", "init", "x"), "unexpected argument 'x'");
    assert_usage_error(parse("import-metadata"), "needs the metadata FILE");
    assert_usage_error(parse("import-metadata", "f.xml", "--url", "https://x.example/m.xml"),
                       "one of them");
    assert_usage_error(parse("import-metadata", "f.xml", "--ca-file", "ca.pem"),
                       "--ca-file goes with --url");
    ck_assert_int_eq(parse("import-metadata", "--url", "https://x.example/m.xml", "--ca-file",
                           "ca.pem"), ADMIN_EXIT_OK);
    assert_usage_error(parse("relay-state"), "needs a TENANT");
    assert_usage_error(parse("relay-state", "a", "b"), "unexpected argument 'b'");
    assert_usage_error(parse("check"), "check needs --config");
}
END_TEST

START_TEST(store_options)
{
    assert_usage_error(parse("user", "list"), "--db FILE (or --dbd DRIVER --params STRING) is required");
    assert_usage_error(parse("init"), "init needs --db FILE");
    assert_usage_error(parse("--db", "a", "--dbd", "pgsql", "--params", "x", "user", "list"),
                       "not both");
    assert_usage_error(parse("--dbd", "pgsql", "user", "list"), "--dbd and --params go together");
    assert_usage_error(parse("--params", "host=x", "user", "list"), "go together");
    assert_usage_error(parse("--dbd", "pg;sql", "--params", "x", "user", "list"), "not a driver");
    assert_usage_error(parse("--db", "x.db", "relay-state", "acme"), "does not use the user store");
    assert_usage_error(parse("--db", "x.db", "import-metadata", "f.xml"), "does not use");

    ck_assert_int_eq(parse("user", "list", "--db", "x.db"), ADMIN_EXIT_OK);   /* after: fine */
    ck_assert_str_eq(args.db_file, "x.db");
    ck_assert_int_eq(parse("--db=y.db", "user", "list"), ADMIN_EXIT_OK);
    ck_assert_str_eq(args.db_file, "y.db");
    ck_assert_int_eq(parse("--dbd", "pgsql", "--params", "host=127.0.0.1 dbname=s", "user",
                           "activate", "Britta.Simon@contoso.example"), ADMIN_EXIT_OK);
    ck_assert_str_eq(args.dbd_driver, "pgsql");
    ck_assert_str_eq(args.dbd_params, "host=127.0.0.1 dbname=s");
    ck_assert_str_eq(admin_operand(&args, 0), "activate");
    ck_assert_str_eq(admin_operand(&args, 1), "Britta.Simon@contoso.example");
    ck_assert_ptr_null(admin_operand(&args, 2));
}
END_TEST

START_TEST(bad_user_names)
{
    assert_usage_error(parse("--db", "x.db", "user", "add", "bad\nname"), "not a valid user name");
    ck_assert_ptr_null(strchr(error, '\n'));              /* the message is one line */
    assert_usage_error(parse("--db", "x.db", "user", "add", " lead@x"), "not a valid user name");
    assert_usage_error(parse("--db", "x.db", "user", "remove", "trail@x "), "not a valid");
    assert_usage_error(parse("--db", "x.db", "user", "activate", ""), "not a valid");
    assert_usage_error(parse("--db", "x.db", "user", "add", apr_pstrcat(tk_pool(),
        "a", apr_psprintf(tk_pool(), "%0256d", 0), NULL)), "not a valid");
    ck_assert_int_eq(parse("--db", "x.db", "user", "add", "Ünïcode.Name@contoso.example"),
                     ADMIN_EXIT_OK);
}
END_TEST

START_TEST(init_options)
{
    assert_usage_error(parse("init", "--sp-key", "k.pem"), "go together");
    assert_usage_error(parse("--db", "x.db", "init", "--force"), "go with --sp-key");
    assert_usage_error(parse("init", "--sp-key", "a", "--sp-cert", "a"), "same file");
    assert_usage_error(parse("--db", "x.db", "init", "--next-key"), "--next-key needs --sp-key");
    ck_assert_int_eq(parse("init", "--next-key", "--sp-key", "k", "--sp-cert", "c"), ADMIN_EXIT_OK);
    assert_usage_error(parse("init", "--sp-key", "k", "--sp-cert", "c", "--days", "0"), "--days");
    assert_usage_error(parse("init", "--sp-key", "k", "--sp-cert", "c", "--days", "12x"), "--days");
    assert_usage_error(parse("init", "--sp-key", "k", "--sp-cert", "c", "--days", "36501"),
                       "--days");
    ck_assert_int_eq(parse("init", "--sp-key", "k", "--sp-cert=c", "--days", "30", "--force",
                           "--sp-subject", "sp.contoso.example"), ADMIN_EXIT_OK);
    ck_assert_str_eq(admin_option(&args, "--sp-cert"), "c");
    ck_assert_str_eq(admin_option(&args, "--days"), "30");
    ck_assert_str_eq(admin_option(&args, "--force"), "1");
    ck_assert_ptr_null(args.db_file);
    ck_assert_int_eq(parse("--db", "x.db", "init"), ADMIN_EXIT_OK);
    ck_assert_ptr_null(admin_option(&args, "--sp-key"));
    ck_assert_int_eq(parse("check", "--config", "/etc/apache2", "--apache", "/usr/sbin/apache2",
                           "--server-root", "/etc/apache2"), ADMIN_EXIT_OK);
    ck_assert_str_eq(admin_option(&args, "--config"), "/etc/apache2");
    ck_assert_str_eq(admin_option(&args, "--apache"), "/usr/sbin/apache2");
    ck_assert_str_eq(admin_option(&args, "--server-root"), "/etc/apache2");
    /* Obsolete (Apache always reads the configuration) but still accepted. */
    ck_assert_int_eq(parse("check", "--config", "/etc/apache2", "--no-apache"), ADMIN_EXIT_OK);
    ck_assert_str_eq(admin_option(&args, "--no-apache"), "1");
}
END_TEST

static const char *relay(const char *tenant, const char *path)
{
    error = NULL;
    return admin_relay_state_value(tk_pool(), tenant, path, &error);
}

START_TEST(relay_state_value)
{
    const char *v = relay("contoso", NULL);

    ck_assert_str_eq(v, "/?sequr_tenant=contoso");
    ck_assert(saml_is_local_path(v));
    ck_assert_str_eq(relay("Contoso-EU_2.prod", "/app/landing"),
                     "/app/landing?sequr_tenant=Contoso-EU_2.prod");
    ck_assert_str_eq(relay("acme", "/app?view=tiles"), "/app?view=tiles&sequr_tenant=acme");
    /* 64 characters still fit the 80 bytes the SAML bindings allow. */
    v = relay(apr_psprintf(tk_pool(), "%064d", 7), NULL);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_le(strlen(v), 80);
}
END_TEST

START_TEST(relay_state_refusals)
{
    static const char *const bad_tenants[] = {"", "a b", "a/b", "a?b", "a&b=c", "ü", "a\n",
                                              "%61", NULL};
    static const char *const bad_paths[] = {"app", "//evil.example", "/\\evil.example",
                                            "https://evil.example/", "/a b", "/a#frag",
                                            "/%2F%2Fevil", "/a\r\nSet-Cookie:x", NULL};
    int i;

    for (i = 0; bad_tenants[i]; i++) {
        ck_assert_msg(relay(bad_tenants[i], NULL) == NULL, "tenant '%s' accepted", bad_tenants[i]);
        ck_assert_ptr_nonnull(strstr(error, "tenant"));
    }
    ck_assert_ptr_null(relay(apr_psprintf(tk_pool(), "%065d", 7), NULL));
    ck_assert_ptr_null(relay(NULL, NULL));
    for (i = 0; bad_paths[i]; i++) {
        ck_assert_msg(relay("acme", bad_paths[i]) == NULL, "path '%s' accepted", bad_paths[i]);
        ck_assert_ptr_nonnull(strstr(error, "--path"));
    }
    /* Over 80 bytes altogether: refused, not cut. */
    ck_assert_ptr_null(relay("acme", apr_psprintf(tk_pool(), "/%070d", 1)));
    ck_assert_ptr_nonnull(strstr(error, "at most 80"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("admin_args");
    TCase *tc = tcase_create("parse");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, no_command_or_unknown_command);
    tcase_add_test(tc, unknown_or_incomplete_options);
    tcase_add_test(tc, help_anywhere);
    tcase_add_test(tc, version_anywhere);
    tcase_add_test(tc, missing_or_extra_operands);
    tcase_add_test(tc, store_options);
    tcase_add_test(tc, bad_user_names);
    tcase_add_test(tc, init_options);
    suite_add_tcase(s, tc);
    tc = tcase_create("relay_state");
    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, relay_state_value);
    tcase_add_test(tc, relay_state_refusals);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
