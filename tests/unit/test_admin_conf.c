/* The Apache config reader behind `sequr-saml-admin check` (tools/admin_conf.c):
 * words as httpd splits them, the file and line of each directive, Define and
 * ${VAR}, ServerRoot, Include/IncludeOptional with globs, directories and
 * loops, and which <VirtualHost>, <SequrSAMLTenant> and other section a line
 * belongs to. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <apr_file_io.h>
#include <apr_strings.h>

#include "tools/admin_conf.h"
#include "tests/unit/testkit.h"

static const char *dir;

static void setup(void)
{
    tk_setup();
    dir = tk_run_path(tk_pool(), "conf");
    ck_assert_int_eq(mkdir(dir, 0755), 0);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)flag; (void)f;
    return remove(path);
}

/* tk_run_path's cleanup unlinks a file, not a tree. */
static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void teardown(void)
{
    remove_tree(dir);
    tk_teardown();
}

static const char *put(const char *name, const char *text)
{
    const char *path = apr_pstrcat(tk_pool(), dir, "/", name, NULL);
    char *sub = apr_pstrdup(tk_pool(), path);
    FILE *f;

    *strrchr(sub, '/') = '\0';
    apr_dir_make_recursive(sub, APR_FPROT_OS_DEFAULT, tk_pool());
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static admin_conf_t read_ok(const char *path)
{
    admin_conf_t conf;
    const char *why = NULL;

    ck_assert_msg(admin_conf_read(tk_pool(), path, &conf, &why) == APR_SUCCESS, "%s", why);
    return conf;
}

static const admin_directive_t *nth(const admin_conf_t *c, int i)
{
    ck_assert_int_lt(i, c->directives->nelts);
    return &APR_ARRAY_IDX(c->directives, i, admin_directive_t);
}

static const char *arg(const admin_directive_t *d, int i)
{
    ck_assert_int_lt(i, d->args->nelts);
    return APR_ARRAY_IDX(d->args, i, const char *);
}

START_TEST(words_lines_and_continuations)
{
    const char *path = put("a.conf",
        "# comment\n"
        "\n"
        "   SequrSAMLIdPCertificateFile \"/etc/with space/azure.cer\"\r\n"
        "Header set X 'single quoted' \"a \\\"q\\\" b\" bare\n"
        "SequrSAMLUserStoreContact \\\n"
        "    \"the desk\" \\\n"
        "    x1234\n"
        "Last one\n");
    admin_conf_t c = read_ok(path);
    const admin_directive_t *d;

    ck_assert_int_eq(c.directives->nelts, 4);
    ck_assert_int_eq(c.problems->nelts, 0);
    d = nth(&c, 0);
    ck_assert_str_eq(d->name, "SequrSAMLIdPCertificateFile");
    ck_assert_str_eq(d->file, path);
    ck_assert_int_eq(d->line, 3);
    ck_assert_int_eq(d->args->nelts, 1);
    ck_assert_str_eq(arg(d, 0), "/etc/with space/azure.cer");    /* CR gone too */
    d = nth(&c, 1);
    ck_assert_int_eq(d->args->nelts, 5);
    ck_assert_str_eq(arg(d, 2), "single quoted");
    ck_assert_str_eq(arg(d, 3), "a \"q\" b");
    ck_assert_str_eq(arg(d, 4), "bare");
    d = nth(&c, 2);
    ck_assert_int_eq(d->line, 5);                          /* where it starts */
    ck_assert_int_eq(d->args->nelts, 2);
    ck_assert_str_eq(arg(d, 0), "the desk");
    ck_assert_str_eq(arg(d, 1), "x1234");
    ck_assert_int_eq(nth(&c, 3)->line, 8);                 /* numbering continues */
}
END_TEST

START_TEST(defines_server_root_and_relative_paths)
{
    admin_conf_t c;
    const admin_directive_t *d;

    setenv("SEQUR_TEST_ENV_DIR", "/from/env", 1);
    c = read_ok(put("d.conf",
        "SequrSAMLSPCertificateFile sp.crt\n"
        "Define CERTS /etc/certs\n"
        "SequrSAMLIdPCertificateFile ${CERTS}/azure-${CERTS}.cer\n"
        "X ${SEQUR_TEST_ENV_DIR}/y ${NOT_DEFINED_ANYWHERE}\n"
        "ServerRoot /srv/www\n"
        "SequrSAMLSPPrivateKeyFile keys/sp.key\n"
        "SequrSAMLIdPMetadataFile /abs/fm.xml\n"));
    d = nth(&c, 0);
    ck_assert_str_eq(d->server_root, dir);                 /* the config's own directory */
    ck_assert_str_eq(admin_conf_path(tk_pool(), d, arg(d, 0)),
                     apr_pstrcat(tk_pool(), dir, "/sp.crt", NULL));
    ck_assert_str_eq(arg(nth(&c, 2), 0), "/etc/certs/azure-/etc/certs.cer");
    ck_assert_str_eq(arg(nth(&c, 3), 0), "/from/env/y");
    ck_assert_str_eq(arg(nth(&c, 3), 1), "${NOT_DEFINED_ANYWHERE}");
    d = nth(&c, 5);
    ck_assert_str_eq(admin_conf_path(tk_pool(), d, arg(d, 0)), "/srv/www/keys/sp.key");
    d = nth(&c, 6);
    ck_assert_str_eq(admin_conf_path(tk_pool(), d, arg(d, 0)), "/abs/fm.xml");
}
END_TEST

START_TEST(includes_globs_directories_and_loops)
{
    const char *main_conf;
    admin_conf_t c;
    int i;

    put("mods/b.conf", "FromB 1\n");
    put("mods/a.conf", "FromA 1\nInclude main.conf\n");         /* a loop: read once */
    put("mods/skip.load", "NotMatched 1\n");
    put("sites/x/one", "FromDir 1\n");
    put("sites/two", "FromDir 2\n");
    main_conf = put("main.conf",
        "First 1\n"
        "Include mods/*.conf\n"
        "IncludeOptional nowhere/*.conf\n"
        "IncludeOptional missing-file.conf\n"
        "Include sites\n"
        "Include nowhere/*.conf\n"
        "Include missing-file.conf\n"
        "Last 1\n");
    c = read_ok(main_conf);
    {
        static const char *const order[] = {"First", "Include", "FromA", "Include", "FromB",
                                            "IncludeOptional", "IncludeOptional", "Include",
                                            "FromDir", "FromDir", "Include", "Include", "Last"};
        ck_assert_int_eq(c.directives->nelts, (int)(sizeof(order) / sizeof(order[0])));
        for (i = 0; i < c.directives->nelts; i++)
            ck_assert_str_eq(nth(&c, i)->name, order[i]);
    }
    ck_assert_str_eq(arg(nth(&c, 8), 0), "2");             /* sites/two before sites/x/one */
    ck_assert_str_eq(arg(nth(&c, 9), 0), "1");
    ck_assert_int_eq(nth(&c, 2)->line, 1);
    ck_assert_ptr_nonnull(strstr(nth(&c, 2)->file, "/mods/a.conf"));
    /* Two problems, at the lines of the two non-optional includes. */
    ck_assert_int_eq(c.problems->nelts, 2);
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(c.problems, 0, const char *),
                                 apr_psprintf(tk_pool(), "%s:6: problem: Include", main_conf)));
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(c.problems, 0, const char *), "matches no file"));
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(c.problems, 1, const char *),
                                 apr_psprintf(tk_pool(), "%s:7: problem: cannot read", main_conf)));
}
END_TEST

START_TEST(virtual_hosts)
{
    admin_conf_t c = read_ok(put("v.conf",
        "A 0\n"
        "<VirtualHost *:443>\n"
        "  B 1\n"
        "  <Location /x>\n"
        "    C 1\n"
        "  </Location>\n"
        "</VirtualHost>\n"
        "D 0\n"
        "<VirtualHost 127.0.0.1:8080 [::1]:8080>\n"
        "  E 2\n"
        "</VirtualHost>\n"));

    ck_assert_int_eq(c.server_labels->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(c.server_labels, 0, const char *), "main server");
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(c.server_labels, 1, const char *),
                                 "<VirtualHost *:443> at "));
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(c.server_labels, 2, const char *),
                                 "<VirtualHost 127.0.0.1:8080 [::1]:8080> at "));
    ck_assert_int_eq(c.directives->nelts, 5);
    ck_assert_int_eq(nth(&c, 0)->server, 0);
    ck_assert_int_eq(nth(&c, 1)->server, 1);
    ck_assert_int_eq(nth(&c, 2)->server, 1);               /* sections inside keep the host */
    ck_assert_int_eq(nth(&c, 3)->server, 0);
    ck_assert_int_eq(nth(&c, 4)->server, 2);
}
END_TEST

START_TEST(tenant_sections_and_blocks)
{
    const char *path = put("t.conf",
        "SequrSAMLIdPSSOURL https://own/\n"                         /* 1 */
        "<SequrSAMLTenant contoso >\n"                              /* 2 */
        "    SequrSAMLIdPEntityID https://sts/c/\n"                 /* 3 */
        "</SequrSAMLTenant>\n"                                      /* 4 */
        "<Location /c>\n"                                           /* 5 */
        "  <IfModule x>\n"                                          /* 6 */
        "    AuthType sequr-saml\n"                                 /* 7 */
        "  </IfModule>\n"                                           /* 8 */
        "  SequrSAMLTenantName contoso\n"                           /* 9 */
        "</Location>\n"                                             /* 10 */
        "<VirtualHost *:80>\n"                                      /* 11 */
        "  <SequrSAMLTenant v>\n"                                   /* 12 */
        "    <Location /inside>\n"                                  /* 13 */
        "    SequrSAMLIdPSSOURL https://v/\n"                       /* 14 */
        "    <SequrSAMLTenant nested>\n"                            /* 15 */
        "  </SequrSAMLTenant>\n"                                    /* 16 */
        "  Top 1\n"                                                 /* 17 */
        "</VirtualHost>\n"                                          /* 18 */
        "</SequrSAMLTenant>\n"                                      /* 19 */
        "<SequrSAMLTenant open>\n"                                  /* 20 */
        "  SequrSAMLIdPSSOURL https://o/\n");                       /* 21 */
    admin_conf_t c = read_ok(path);
    const admin_tenant_t *t;
    int parent;

    ck_assert_int_eq(c.tenants->nelts, 3);
    t = APR_ARRAY_IDX(c.tenants, 0, const admin_tenant_t *);
    ck_assert_str_eq(t->args, "contoso");                   /* trimmed */
    ck_assert_int_eq(t->line, 2);
    ck_assert_int_eq(t->server, 0);
    ck_assert_int_eq(t->index, 0);
    ck_assert_ptr_null(nth(&c, 0)->tenant);
    ck_assert_ptr_eq(nth(&c, 1)->tenant, t);
    ck_assert_int_eq(nth(&c, 0)->block, 0);
    /* AuthType in <IfModule> in <Location>: its block's parent is the
     * Location's, where SequrSAMLTenantName stands, whose parent is the
     * main server's top level. */
    ck_assert_str_eq(nth(&c, 2)->name, "AuthType");
    ck_assert_str_eq(nth(&c, 3)->name, "SequrSAMLTenantName");
    ck_assert_ptr_null(nth(&c, 2)->tenant);
    parent = APR_ARRAY_IDX(c.block_parents, nth(&c, 2)->block, int);
    ck_assert_int_eq(parent, nth(&c, 3)->block);
    ck_assert_int_eq(APR_ARRAY_IDX(c.block_parents, parent, int), 0);
    ck_assert_int_eq(APR_ARRAY_IDX(c.block_parents, 0, int), -1);
    /* A virtual host's tenant; its top level is a block of its own. */
    t = APR_ARRAY_IDX(c.tenants, 1, const admin_tenant_t *);
    ck_assert_str_eq(t->args, "v");
    ck_assert_int_eq(t->server, 1);
    ck_assert_ptr_eq(nth(&c, 4)->tenant, t);
    ck_assert_ptr_null(nth(&c, 5)->tenant);                 /* Top: after the section */
    ck_assert_int_eq(nth(&c, 5)->server, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(c.block_parents, nth(&c, 5)->block, int), -1);
    ck_assert_int_ne(nth(&c, 5)->block, 0);
    t = APR_ARRAY_IDX(c.tenants, 2, const admin_tenant_t *);
    ck_assert_str_eq(t->args, "open");
    ck_assert_int_eq(t->server, 0);
    ck_assert_ptr_eq(nth(&c, 6)->tenant, t);
    /* A section inside a tenant, a nested tenant, a stray close, an unclosed one. */
    ck_assert_int_eq(c.problems->nelts, 4);
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(c.problems, 0, const char *),
        apr_psprintf(tk_pool(), "%s:13: problem: <Location is not allowed inside "
                     "<SequrSAMLTenant v> (line 12)", path)));
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(c.problems, 1, const char *),
        apr_psprintf(tk_pool(), "%s:15: problem: <SequrSAMLTenant> cannot be nested", path)));
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(c.problems, 2, const char *),
        apr_psprintf(tk_pool(), "%s:19: problem: </SequrSAMLTenant> without matching", path)));
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(c.problems, 3, const char *),
        apr_psprintf(tk_pool(), "%s:20: problem: <SequrSAMLTenant open> is not closed", path)));
}
END_TEST

START_TEST(unreadable_config)
{
    admin_conf_t c;
    const char *why = NULL;

    ck_assert_int_ne(admin_conf_read(tk_pool(), apr_pstrcat(tk_pool(), dir, "/none.conf", NULL),
                                     &c, &why), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(why, "none.conf"));
    /* A directory without apache2.conf: every file in it, in name order. */
    put("b.conf", "B 1\n");
    put("a.conf", "A 1\n");
    c = read_ok(dir);
    ck_assert_int_eq(c.directives->nelts, 2);
    ck_assert_str_eq(nth(&c, 0)->name, "A");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("admin_conf");
    TCase *tc = tcase_create("reader");
    apr_pool_t *p;
    char *run_dir;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, words_lines_and_continuations);
    tcase_add_test(tc, defines_server_root_and_relative_paths);
    tcase_add_test(tc, includes_globs_directories_and_loops);
    tcase_add_test(tc, virtual_hosts);
    tcase_add_test(tc, tenant_sections_and_blocks);
    tcase_add_test(tc, unreadable_config);
    suite_add_tcase(s, tc);
    tk_setup();
    tk_run_dir_make("admin-conf");
    failed = tk_run_suite(s);
    /* What a failed test (ended before its teardown) left in the run directory. */
    apr_pool_create(&p, NULL);
    run_dir = apr_pstrdup(p, tk_run_path(p, "x"));
    *strrchr(run_dir, '/') = '\0';
    remove_tree(run_dir);
    apr_pool_destroy(p);
    tk_run_dir_remove();
    return failed;
}
