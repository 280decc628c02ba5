/* How `sequr-saml-admin check` gets the configuration from Apache
 * (tools/admin_apache.c): which file and command it runs (Debian's envvars,
 * -f, -d, the binary), how it sorts Apache's output from the module's dump
 * (apache/config_dump.h), and where Apache says it stopped reading. A fake
 * Apache (a shell script) stands in for the real one, which
 * tests/integration/test_admin_tool.py runs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_strings.h>

#include "apache/config_dump.h"
#include "tools/admin_apache.h"
#include "tests/unit/testkit.h"

static const char *dir;

static void setup(void)
{
    tk_setup();
    dir = tk_run_path(tk_pool(), "apache");
    ck_assert_int_eq(mkdir(dir, 0755), 0);
}

static void teardown(void)
{
    const char *names[] = {"apache2.conf", "httpd.conf", "site.conf", "envvars", "fake", NULL};
    int i;

    for (i = 0; names[i]; i++)
        unlink(apr_pstrcat(tk_pool(), dir, "/", names[i], NULL));
    rmdir(dir);
    tk_teardown();
}

static const char *put(const char *name, const char *text, int mode)
{
    const char *path = apr_pstrcat(tk_pool(), dir, "/", name, NULL);
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    chmod(path, (mode_t)mode);
    return path;
}

/* "FILE:LINE: REASON" of where Apache stopped, or NULL. */
static const char *stopped_at(const apr_array_header_t *output)
{
    const char *reason = NULL, *at = admin_apache_syntax_error(tk_pool(), output, &reason);
    return at ? apr_pstrcat(tk_pool(), at, ": ", reason, NULL) : NULL;
}

static const char *nth(const apr_array_header_t *a, int i)
{
    ck_assert_int_lt(i, a->nelts);
    return APR_ARRAY_IDX(a, i, const char *);
}

START_TEST(a_directory_means_its_main_file)
{
    const char *why = NULL;

    put("site.conf", "", 0644);
    ck_assert_ptr_null(admin_apache_main_config(tk_pool(), dir, &why));
    ck_assert_ptr_nonnull(strstr(why, "no apache2.conf or httpd.conf"));
    put("httpd.conf", "", 0644);
    ck_assert_str_eq(admin_apache_main_config(tk_pool(), dir, &why),
                     apr_pstrcat(tk_pool(), dir, "/httpd.conf", NULL));
    put("apache2.conf", "", 0644);
    ck_assert_str_eq(admin_apache_main_config(tk_pool(), dir, &why),
                     apr_pstrcat(tk_pool(), dir, "/apache2.conf", NULL));
    ck_assert_str_eq(admin_apache_main_config(tk_pool(),
                                              apr_pstrcat(tk_pool(), dir, "/site.conf", NULL),
                                              &why),
                     apr_pstrcat(tk_pool(), dir, "/site.conf", NULL));
    ck_assert_ptr_null(admin_apache_main_config(tk_pool(),
                                                apr_pstrcat(tk_pool(), dir, "/none", NULL), &why));
    ck_assert_ptr_nonnull(strstr(why, "No such file"));
}
END_TEST

START_TEST(a_relative_file_is_made_absolute)
{
    const char *why = NULL, *conf = put("site.conf", "", 0644), *got;
    char *cwd = getcwd(NULL, 0);

    ck_assert_int_eq(chdir(dir), 0);
    got = admin_apache_main_config(tk_pool(), "site.conf", &why);
    ck_assert_int_eq(chdir(cwd), 0);
    free(cwd);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got + strlen(got) - strlen("/site.conf"), "/site.conf");
    ck_assert_int_eq(got[0], '/');
    (void)conf;
}
END_TEST

START_TEST(the_command_apache2ctl_would_run)
{
    const char *conf = put("apache2.conf", "", 0644);
    const char *const *argv;
    admin_apache_t a;

    unsetenv("APACHE_HTTPD");
    admin_apache_setup(tk_pool(), &a, conf, NULL, NULL);
    ck_assert_str_eq(a.binary, "/usr/sbin/apache2");
    ck_assert_ptr_null(a.envvars);
    argv = admin_apache_argv(tk_pool(), &a);
    ck_assert_str_eq(argv[0], "/usr/sbin/apache2");
    ck_assert_str_eq(argv[1], "-t");
    ck_assert_str_eq(argv[2], "-D");
    ck_assert_str_eq(argv[3], SEQUR_DUMP_DEFINE);
    ck_assert_str_eq(argv[4], "-f");
    ck_assert_str_eq(argv[5], conf);
    ck_assert_ptr_null(argv[6]);

    /* APACHE_HTTPD as apache2ctl reads it; --apache wins; -d when given. */
    setenv("APACHE_HTTPD", "/opt/httpd/bin/httpd", 1);
    admin_apache_setup(tk_pool(), &a, conf, NULL, "/srv/root");
    ck_assert_str_eq(a.binary, "/opt/httpd/bin/httpd");
    argv = admin_apache_argv(tk_pool(), &a);
    ck_assert_str_eq(argv[6], "-d");
    ck_assert_str_eq(argv[7], "/srv/root");
    ck_assert_ptr_null(argv[8]);
    admin_apache_setup(tk_pool(), &a, conf, "/usr/local/apache2/bin/httpd", NULL);
    ck_assert_str_eq(a.binary, "/usr/local/apache2/bin/httpd");
    unsetenv("APACHE_HTTPD");

    /* Debian's envvars next to the file are sourced first, the words passed
     * as arguments, never through the shell's parser. */
    put("envvars", "export APACHE_RUN_USER=www-data\n", 0644);
    admin_apache_setup(tk_pool(), &a, conf, NULL, NULL);
    ck_assert_str_eq(a.envvars, apr_pstrcat(tk_pool(), dir, "/envvars", NULL));
    argv = admin_apache_argv(tk_pool(), &a);
    ck_assert_str_eq(argv[0], "/bin/sh");
    ck_assert_str_eq(argv[1], "-c");
    ck_assert_str_eq(argv[4], a.envvars);
    ck_assert_str_eq(argv[5], "/usr/sbin/apache2");
    ck_assert_str_eq(argv[10], conf);
    ck_assert_ptr_null(argv[11]);
}
END_TEST

START_TEST(dump_lines_become_facts_the_rest_output)
{
    admin_configtest_t t;
    const admin_fact_t *f;

    t.output = apr_array_make(tk_pool(), 4, sizeof(const char *));
    t.facts = apr_array_make(tk_pool(), 4, sizeof(admin_fact_t));
    admin_apache_take_line(tk_pool(), &t, SEQUR_DUMP_DEFINE "\t" SEQUR_DUMP_USER "\twww-data");
    admin_apache_take_line(tk_pool(), &t, "Syntax OK");
    admin_apache_take_line(tk_pool(), &t, SEQUR_DUMP_DEFINE "\t" SEQUR_DUMP_SP_KEY
                           "\t2\t/etc/a b.conf:7\t/etc/k\\tey\\\\s\\n");
    admin_apache_take_line(tk_pool(), &t, SEQUR_DUMP_DEFINE "-not\tuser\tx");
    ck_assert_int_eq(t.facts->nelts, 2);
    f = &APR_ARRAY_IDX(t.facts, 0, admin_fact_t);
    ck_assert_str_eq(f->key, SEQUR_DUMP_USER);
    ck_assert_int_eq(f->server, -1);
    ck_assert_str_eq(nth(f->fields, 0), "www-data");
    f = &APR_ARRAY_IDX(t.facts, 1, admin_fact_t);
    ck_assert_str_eq(f->key, SEQUR_DUMP_SP_KEY);
    ck_assert_int_eq(f->server, 2);
    ck_assert_int_eq(f->fields->nelts, 2);
    ck_assert_str_eq(nth(f->fields, 0), "/etc/a b.conf:7");
    ck_assert_str_eq(nth(f->fields, 1), "/etc/k\tey\\s\n");
    ck_assert_int_eq(t.output->nelts, 2);
    ck_assert_str_eq(nth(t.output, 0), "Syntax OK");
}
END_TEST

START_TEST(where_apache_stopped_reading)
{
    apr_array_header_t *out = apr_array_make(tk_pool(), 4, sizeof(const char *));

    APR_ARRAY_PUSH(out, const char *) = "AH00526: Syntax error on line 12 of /etc/apache2/x y.conf:";
    ck_assert_ptr_null(stopped_at(out));    /* no reason yet */
    APR_ARRAY_PUSH(out, const char *) = "SequrSAMLIdPCertificateFile: cannot read /x.pem";
    ck_assert_str_eq(stopped_at(out), "/etc/apache2/x y.conf:12: "
                     "SequrSAMLIdPCertificateFile: cannot read /x.pem");
    /* An Include names the including line first, then where it stopped. */
    out->nelts = 0;
    APR_ARRAY_PUSH(out, const char *) = "apache2: Syntax error on line 11 of /a/httpd.conf: "
        "Syntax error on line 5 of /a/site.conf: Include/IncludeOptional: Could not open";
    ck_assert_str_eq(stopped_at(out),
                     "/a/site.conf:5: Include/IncludeOptional: Could not open");
    out->nelts = 0;
    APR_ARRAY_PUSH(out, const char *) = "SEQ01606: server (main): every IdP certificate expired";
    APR_ARRAY_PUSH(out, const char *) = "AH00016: Configuration Failed";
    ck_assert_ptr_null(stopped_at(out));
}
END_TEST

START_TEST(a_fake_apache_is_run_and_heard)
{
    const char *conf = put("apache2.conf", "", 0644), *why = NULL;
    admin_configtest_t t;
    admin_apache_t a;

    /* What it was given, the dump on stdout, a refusal on stderr. */
    put("envvars", "export SEQUR_TEST_USER=www-data\n", 0644);
    put("fake", "#!/bin/sh\n"
        "echo \"args: $*\"\n"
        "printf '" SEQUR_DUMP_DEFINE "\\t" SEQUR_DUMP_USER "\\t%s\\n' \"$SEQUR_TEST_USER\"\n"
        "echo 'AH00526: Syntax error on line 3 of /x.conf:' >&2\n"
        "echo 'Invalid command' >&2\n"
        "exit 1\n", 0755);
    admin_apache_setup(tk_pool(), &a, conf, apr_pstrcat(tk_pool(), dir, "/fake", NULL),
                       "/srv/root");
    ck_assert_int_eq(admin_apache_configtest(tk_pool(), &a, &t, &why), APR_SUCCESS);
    ck_assert_int_eq(t.status, 1);
    ck_assert_str_eq(nth(t.output, 0), apr_psprintf(tk_pool(), "args: -t -D "
                     SEQUR_DUMP_DEFINE " -f %s -d /srv/root", conf));
    ck_assert_int_eq(t.facts->nelts, 1);
    ck_assert_str_eq(nth(APR_ARRAY_IDX(t.facts, 0, admin_fact_t).fields, 0), "www-data");
    ck_assert_str_eq(stopped_at(t.output), "/x.conf:3: Invalid command");

    /* No such binary: the tool cannot check at all. */
    admin_apache_setup(tk_pool(), &a, conf, apr_pstrcat(tk_pool(), dir, "/none", NULL), NULL);
    ck_assert_int_ne(admin_apache_configtest(tk_pool(), &a, &t, &why), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(why, "cannot run"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("admin_apache");
    TCase *tc = tcase_create("apache");
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_directory_means_its_main_file);
    tcase_add_test(tc, a_relative_file_is_made_absolute);
    tcase_add_test(tc, the_command_apache2ctl_would_run);
    tcase_add_test(tc, dump_lines_become_facts_the_rest_output);
    tcase_add_test(tc, where_apache_stopped_reading);
    tcase_add_test(tc, a_fake_apache_is_run_and_heard);
    suite_add_tcase(s, tc);
    tk_setup();
    tk_run_dir_make("admin-apache");
    failed = tk_run_suite(s);
    tk_run_dir_remove();
    return failed;
}
