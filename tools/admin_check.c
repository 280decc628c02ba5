/* check: Apache reads the configuration (tools/admin_apache.c runs `apache2
 * -t -D SEQUR_SAML_DUMP`), so what it accepts is what the tool judges:
 * <IfModule>, <IfDefine>, Include and the virtual host merge as Apache and
 * the module see them, and every start-up rule of apache/config_check.c
 * (IdP complete, SP key pair matching, tenants) in the module's own words.
 * The tool then adds what Apache cannot know at configtest, from the
 * module's dump (apache/config_dump.h): who may read the key files, the user
 * store Apache's user must open and its table, and how many days each
 * certificate has left. */
#include "tools/admin.h"
#include "tools/admin_apache.h"
#include "tools/admin_check.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apache/config_dump.h"
#include "apache/directives.h"

void admin_check_report(checker_t *c, int is_problem, const char *where, const char *fmt, ...)
{
    va_list ap;

    if (where && *where)
        printf("%s: ", where);
    printf("%s", is_problem ? "problem: " : "warning: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (is_problem)
        c->problems++;
    else
        c->warnings++;
}

const char *admin_check_label(const checker_t *c, int n)
{
    return n >= 0 && n < c->labels->nelts ? APR_ARRAY_IDX(c->labels, n, const char *)
                                          : "a server";
}

static const char *field(const admin_fact_t *f, int i)
{
    return i < f->fields->nelts ? APR_ARRAY_IDX(f->fields, i, const char *) : "";
}

static apr_time_t not_after(const admin_fact_t *f, int i)
{
    return apr_time_from_sec((apr_time_t)apr_atoi64(field(f, i)));
}

/* A key Apache's parent reads as root: nobody else needs to. */
static void check_key_file(checker_t *c, const char *where, const char *what, const char *path)
{
    struct stat st;

    if (*path && stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
        admin_check_report(c, 0, where, "%s %s is readable by others (mode %04o); chmod 600 it",
                           what, path, (unsigned)(st.st_mode & 07777));
}

/* SP certificate: fields WHERE PATH NOT_AFTER SUBJECT. */
static void check_sp_certificate(checker_t *c, const admin_fact_t *f)
{
    int expired = 0;
    const char *problem = admin_expiry_problem(c->p, not_after(f, 2), c->now, &expired);

    if (problem)
        admin_check_report(c, 0, field(f, 0), "SP certificate %s %s: make a new pair "
                           "(sequr-saml-admin init --sp-key --sp-cert) and give Azure the new "
                           "metadata", field(f, 1), problem);
}

/* IdP certificate: fields WHERE TENANT NAME NOT_AFTER SUBJECT. The module
 * leaves an expired one out (and refuses to start when all are). */
static void check_idp_certificate(checker_t *c, const admin_fact_t *f)
{
    int expired = 0;
    const char *problem = admin_expiry_problem(c->p, not_after(f, 3), c->now, &expired);

    if (problem)
        admin_check_report(c, 0, field(f, 0), "%sIdP certificate %s (%s) %s%s",
                           *field(f, 1) ? apr_psprintf(c->p, "tenant %s ", field(f, 1)) : "",
                           field(f, 2), field(f, 4), problem,
                           expired ? ": left out unless " D_ALLOW_EXPIRED_IDP_CERT " On"
                                   : ": add its successor from Azure now");
}

/* One store is checked once, however many servers share it. */
static int first_store(checker_t *c, apr_table_t *seen, const admin_fact_t *f)
{
    const char *key = apr_pstrcat(c->p, field(f, 2), "\t", field(f, 4), NULL);

    if (apr_table_get(seen, key))
        return 0;
    apr_table_setn(seen, key, "");
    return 1;
}

static void judge(checker_t *c, const apr_array_header_t *facts)
{
    apr_table_t *stores = apr_table_make(c->p, 4);
    int i;

    for (i = 0; i < facts->nelts; i++) {
        const admin_fact_t *f = &APR_ARRAY_IDX(facts, i, admin_fact_t);
        if (!strcmp(f->key, SEQUR_DUMP_USER))
            c->run_user = field(f, 0);
        else if (!strcmp(f->key, SEQUR_DUMP_SERVER))
            APR_ARRAY_PUSH(c->labels, const char *) = field(f, 0);
        else if (!strcmp(f->key, SEQUR_DUMP_SP_KEY))
            check_key_file(c, field(f, 0), "SP private key", field(f, 1));
        else if (!strcmp(f->key, SEQUR_DUMP_COOKIE_KEY))
            check_key_file(c, field(f, 0), D_COOKIE_KEY_FILE, field(f, 1));
        else if (!strcmp(f->key, SEQUR_DUMP_SP_CERT))
            check_sp_certificate(c, f);
        else if (!strcmp(f->key, SEQUR_DUMP_IDP_CERT))
            check_idp_certificate(c, f);
        else if (!strcmp(f->key, SEQUR_DUMP_USER_STORE) && first_store(c, stores, f))
            admin_check_user_store(c, f->server, f->fields);
    }
}

/* Apache's output as it printed it, then its verdict: a refusal is one
 * problem, with the file and line when Apache names them. */
static void report_configtest(checker_t *c, const admin_apache_t *a, const admin_configtest_t *t)
{
    const char *at, *reason = NULL;
    int i;

    printf("%s -t -D " SEQUR_DUMP_DEFINE " -f %s%s%s:\n", a->binary, a->config,
           a->server_root ? " -d " : "", a->server_root ? a->server_root : "");
    for (i = 0; i < t->output->nelts; i++)
        printf("    %s\n", APR_ARRAY_IDX(t->output, i, const char *));
    if (t->status == 0)
        return;
    if ((at = admin_apache_syntax_error(c->p, t->output, &reason)) != NULL)
        admin_check_report(c, 1, at, "%s", reason);
    else
        admin_check_report(c, 1, NULL, "%s -t refuses %s (its output is above)", a->binary,
                           a->config);
    /* A site's file alone (sites-enabled/x.conf) loads no MPM: Apache needs
     * the whole server, which the old reader of single files did not. */
    for (i = 0; i < t->output->nelts; i++)
        if (strstr(APR_ARRAY_IDX(t->output, i, const char *), "No MPM loaded")) {
            printf("hint: %s is not a whole Apache configuration: give the server's directory "
                   "(--config /etc/apache2) or its main file\n", a->config);
            break;
        }
}

int admin_cmd_check(apr_pool_t *p, const admin_args_t *a)
{
    const char *given = admin_option(a, "--config"), *config, *why = NULL;
    const char *server_root = admin_option(a, "--server-root");
    admin_apache_t apache;
    admin_configtest_t t;
    checker_t c = {0};
    struct stat st;

    if (admin_option(a, "--no-apache"))
        fprintf(stderr, "sequr-saml-admin: note: --no-apache is obsolete and ignored: Apache "
                "reads the configuration for check\n");
    if ((config = admin_apache_main_config(p, given, &why)) == NULL)
        return admin_complain(ADMIN_EXIT_SYSTEM, "%s", why);
    /* A directory is a server's, as apache2ctl takes APACHE_CONFDIR: -d it. */
    if (server_root == NULL && stat(given, &st) == 0 && S_ISDIR(st.st_mode))
        server_root = apr_pstrndup(p, config, (apr_size_t)(strrchr(config, '/') - config));
    admin_apache_setup(p, &apache, config, admin_option(a, "--apache"), server_root);
    if (admin_apache_configtest(p, &apache, &t, &why) != APR_SUCCESS)
        return admin_complain(ADMIN_EXIT_SYSTEM, "%s", why);
    c.p = p;
    c.now = apr_time_now();
    c.labels = apr_array_make(p, 4, sizeof(const char *));
    report_configtest(&c, &apache, &t);
    judge(&c, t.facts);
    if (t.status == 0 && c.labels->nelts == 0)
        admin_check_report(&c, 1, NULL, "%s loads no mod_sequr_saml (or one older than this "
                           "tool): nothing to check", config);
    printf("%d problem(s), %d warning(s); %d server(s) as Apache read %s\n", c.problems,
           c.warnings, c.labels->nelts, config);
    return c.problems ? ADMIN_EXIT_REFUSED : ADMIN_EXIT_OK;
}
