/* check: what `apachectl configtest` would say about the Sequr directives,
 * and what it would not (a certificate that expires next week), without
 * starting Apache. Every file a directive names is loaded with the module's
 * own loaders (saml/certificate.c, saml/idp_metadata.c, saml/user_store.c),
 * and the rules of apache/config_check.c are repeated per server: an
 * AuthType sequr-saml server needs an SP entity ID, an IdP and a usable IdP
 * certificate; SP key and certificate go together and must match. The IdPs
 * (the default one and the tenants) are admin_check_idp.c's. */
#include "tools/admin.h"
#include "tools/admin_check.h"

#include <apr_dbd.h>
#include <apr_strings.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "saml/certificate.h"

static void vreport(checker_t *c, int is_problem, const admin_directive_t *d, const char *fmt,
                    va_list ap)
{
    if (d)
        printf("%s:%d: ", d->file, d->line);
    printf("%s", is_problem ? "problem: " : "warning: ");
    vprintf(fmt, ap);
    putchar('\n');
    if (is_problem)
        c->problems++;
    else
        c->warnings++;
}

static void report(checker_t *c, int is_problem, const admin_directive_t *d, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(checker_t *c, int is_problem, const admin_directive_t *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(c, is_problem, d, fmt, ap);
    va_end(ap);
}

void admin_check_report(checker_t *c, int is_problem, const admin_directive_t *d,
                        const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(c, is_problem, d, fmt, ap);
    va_end(ap);
}

static const char *arg0(const admin_directive_t *d)
{
    return d->args->nelts > 0 ? APR_ARRAY_IDX(d->args, 0, const char *) : NULL;
}

const char *admin_check_arg0(const admin_directive_t *d)
{
    return arg0(d);
}

static int is(const admin_directive_t *d, const char *name)
{
    return !strcasecmp(d->name, name);
}

static void load_sp_certificate(checker_t *c, server_state_t *s, const admin_directive_t *d)
{
    const char *path = admin_conf_path(c->p, d, arg0(d));
    saml_err_t err = {0};
    int expired = 0;
    const char *problem;

    s->sp_cert_at = d;
    if (saml_cert_load_file(c->p, path, &s->sp_cert, &err) != APR_SUCCESS) {
        report(c, 1, d, "SP certificate: %s", err.detail);
        return;
    }
    if ((problem = admin_cert_expiry_problem(c->p, s->sp_cert, c->now, &expired)) != NULL)
        report(c, 0, d, "SP certificate %s %s: make a new pair (sequr-saml-admin init "
               "--sp-key --sp-cert) and give Azure the new metadata", path, problem);
}

static void load_sp_key(checker_t *c, server_state_t *s, const admin_directive_t *d)
{
    const char *path = admin_conf_path(c->p, d, arg0(d));
    saml_err_t err = {0};
    struct stat st;

    s->sp_key_at = d;
    if (saml_key_load_file(c->p, path, &s->sp_key, &err) != APR_SUCCESS) {
        report(c, 1, d, "SP private key: %s", err.detail);
        return;
    }
    if (stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
        report(c, 0, d, "SP private key %s is readable by others (mode %04o); chmod 600 it",
               path, (unsigned)(st.st_mode & 07777));
}

/* Apply one directive to the server (or the tenant) it stands in. */
static void read_directive(checker_t *c, const admin_directive_t *d)
{
    server_state_t *s = &c->servers[d->server];
    int file_directive = is(d, "SequrSAMLSPCertificateFile") || is(d, "SequrSAMLSPPrivateKeyFile");

    if (d->tenant) {
        if (admin_check_is_idp_directive(d))
            admin_check_idp_directive(c, &c->tenants[d->tenant->index], d);
        else
            report(c, 1, d, "%s is not allowed inside <SequrSAMLTenant %s> (line %d): only "
                   "SequrSAMLIdPMetadataFile, SequrSAMLIdPSSOURL, SequrSAMLIdPEntityID, "
                   "SequrSAMLIdPCertificateFile and SequrSAMLIdPSLOURL", d->name,
                   d->tenant->args, d->tenant->line);
        return;
    }
    if (file_directive && d->args->nelts != 1) {
        report(c, 1, d, "%s takes one file name", d->name);
        return;
    }
    if (admin_check_is_idp_directive(d))
        admin_check_idp_directive(c, &s->idp, d);
    else if (is(d, "SequrSAMLSPEntityID"))
        s->sp_entity_id = d;
    else if (is(d, "SequrSAMLSPCertificateFile"))
        load_sp_certificate(c, s, d);
    else if (is(d, "SequrSAMLSPPrivateKeyFile"))
        load_sp_key(c, s, d);
    else if (is(d, "SequrSAMLAllowExpiredIdPCertificate"))
        s->allow_expired = arg0(d) && !strcasecmp(arg0(d), "on");
    else if (is(d, "SequrSAMLUserStore"))
        s->user_store = d;
    else if (is(d, "User") && d->server == 0 && arg0(d))
        c->run_user = arg0(d);
    else if (is(d, "DBDriver"))
        s->dbd_driver = d;
    else if (is(d, "DBDParams"))
        s->dbd_params = d;
}

#define INHERIT(field) if (v->field == NULL) v->field = m->field

/* A virtual host as the module merges it (sequr_merge_server_conf): each
 * setting inherited on its own, except the IdP, which is one unit: a host
 * that names any part of its own IdP inherits none of the main server's. */
static server_state_t effective(const server_state_t *m, const server_state_t *vhost)
{
    server_state_t e = *vhost, *v = &e;

    INHERIT(sp_entity_id); INHERIT(user_store); INHERIT(dbd_driver); INHERIT(dbd_params);
    if (v->allow_expired < 0)
        v->allow_expired = m->allow_expired;
    if (v->sp_cert_at == NULL) {
        v->sp_cert_at = m->sp_cert_at;
        v->sp_cert = m->sp_cert;
    }
    if (v->sp_key_at == NULL) {
        v->sp_key_at = m->sp_key_at;
        v->sp_key = m->sp_key;
    }
    if (!v->idp.named)
        v->idp = m->idp;
    return e;
}

static void check_sp_pair(checker_t *c, const server_state_t *s, const char *label)
{
    if ((s->sp_cert_at == NULL) != (s->sp_key_at == NULL)) {
        report(c, 1, s->sp_cert_at ? s->sp_cert_at : s->sp_key_at, "%s: SequrSAMLSPCertificateFile"
               " and SequrSAMLSPPrivateKeyFile go together; only one is set", label);
        return;
    }
    if (s->sp_cert && s->sp_key && X509_check_private_key(s->sp_cert, s->sp_key) != 1)
        report(c, 1, s->sp_key_at, "%s: SP private key does not match the SP certificate at "
               "%s:%d", label, s->sp_cert_at->file, s->sp_cert_at->line);
    ERR_clear_error();
}

/* What the module's start-up check refuses for a server with AuthType
 * sequr-saml: a location signing in with a tenant needs only the SP entity
 * ID here (the tenant is checked with its section). */
static void check_completeness(checker_t *c, const server_state_t *s, const char *label)
{
    const admin_directive_t *at = s->auth_type ? s->auth_type : s->tenant_auth_type;

    if (at == NULL)
        return;
    if (s->sp_entity_id == NULL)
        report(c, 1, at, "AuthType sequr-saml in %s without SequrSAMLSPEntityID", label);
    if (s->auth_type)
        admin_check_idp_complete(c, &s->idp, s->auth_type, label, s->allow_expired);
}

/* Apache's children (User, e.g. www-data) open the SQLite file, not root:
 * a store only root can read answers every sign-in with 503. */
static void warn_unless_readable_by(checker_t *c, const admin_directive_t *d, const char *path,
                                    const struct stat *st)
{
    struct passwd *pw = c->run_user ? getpwnam(c->run_user[0] == '#' ? "" : c->run_user) : NULL;
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
        report(c, 0, d, "the user store %s (mode %04o) cannot be read by Apache's user %s: "
               "every sign-in would get 503", path, (unsigned)(st->st_mode & 07777),
               c->run_user);
}

/* The store a `SequrSAMLUserStore dbd` server reads: reachable, with its table. */
static void check_user_store(checker_t *c, const server_state_t *s, const char *label)
{
    const char *driver, *params, *why = NULL;
    saml_user_db_t db = {0};
    saml_user_t *u = NULL;
    saml_err_t err = {0};
    apr_status_t rv;
    struct stat st;

    if (s->user_store == NULL || !arg0(s->user_store) || strcasecmp(arg0(s->user_store), "dbd"))
        return;
    if (s->dbd_driver == NULL || s->dbd_params == NULL || !arg0(s->dbd_driver) ||
        !arg0(s->dbd_params)) {
        report(c, 1, s->user_store, "SequrSAMLUserStore dbd in %s without DBDriver and DBDParams",
               label);
        return;
    }
    driver = arg0(s->dbd_driver);
    params = arg0(s->dbd_params);
    if (!strcmp(driver, "sqlite3")) {
        /* mod_dbd hands DBDParams to SQLite as it is, not ServerRoot-relative. */
        if (params[0] != '/') {
            report(c, 1, s->dbd_params, "DBDParams %s is a relative path: SQLite would open it "
                   "relative to Apache's working directory; give the absolute path", params);
            return;
        }
        if (stat(params, &st) != 0) {
            report(c, 1, s->dbd_params, "no user store at %s (create it with sequr-saml-admin "
                   "--db %s init)", params, params);
            return;
        }
        warn_unless_readable_by(c, s->dbd_params, params, &st);
    }
    if (apr_dbd_init(c->p) != APR_SUCCESS ||
        apr_dbd_get_driver(c->p, driver, &db.driver) != APR_SUCCESS) {
        report(c, 1, s->dbd_driver, "APR DBD has no %s driver (install libaprutil1-dbd-%s)",
               driver, driver);
        return;
    }
    if (apr_dbd_open_ex(db.driver, c->p, params, &db.handle, &why) != APR_SUCCESS) {
        report(c, 1, s->dbd_params, "cannot open the %s user store: %s", driver,
               why ? why : "unknown error");
        return;
    }
    /* A lookup of a name nobody has proves the table and its columns. */
    rv = saml_user_find(c->p, &db, NULL, "sequr-saml-admin check", &u, &err);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
        report(c, 1, s->dbd_params, "user store: %s", err.detail);
    apr_dbd_close(db.driver, db.handle);
}

/* `apache2 -t` on the same file, when there is one: the checks only httpd
 * can make (syntax of every other module, LoadModule order). Debian's
 * apache2.conf needs its envvars, read the way apache2ctl does. */
static void run_apache_configtest(checker_t *c, const char *config)
{
    /* APACHE_HTTPD names another httpd binary, as it does for apache2ctl. */
    const char *apache = getenv("APACHE_HTTPD"), *dir, *cmd, *quoted;
    struct stat st;
    char line[512];
    FILE *out;
    int status;

    if (!apache || !*apache)
        apache = "/usr/sbin/apache2";
    if (stat(config, &st) != 0 || !S_ISREG(st.st_mode)) {
        printf("apache2 -t: not run (--config is a directory)\n");
        return;
    }
    if (access(apache, X_OK) != 0) {
        printf("apache2 -t: not run (no %s)\n", apache);
        return;
    }
    quoted = apr_pstrcat(c->p, "'", apr_pstrdup(c->p, config), "'", NULL);
    if (strchr(config, '\'')) {
        printf("apache2 -t: not run (quote in the file name)\n");
        return;
    }
    dir = apr_pstrndup(c->p, config, (apr_size_t)(strrchr(config, '/') ?
                                                  strrchr(config, '/') - config : 0));
    cmd = apr_psprintf(c->p, "%s%s -t -f %s 2>&1",
                       *dir && access(apr_pstrcat(c->p, dir, "/envvars", NULL), R_OK) == 0
                       ? apr_psprintf(c->p, ". '%s/envvars' && ", dir) : "",
                       apache, quoted);
    fflush(stdout);
    if ((out = popen(cmd, "r")) == NULL) {
        printf("apache2 -t: not run (cannot start it)\n");
        return;
    }
    printf("apache2 -t -f %s:\n", config);
    while (fgets(line, sizeof(line), out))
        printf("    %s", line);
    status = pclose(out);
    if (status != 0)
        report(c, 1, NULL, "apache2 -t refuses %s (its output is above)", config);
}

/* A server's config directory (/etc/apache2) is read from its main file,
 * as httpd does: the *-available directories next to it are not in force. */
static const char *main_config_of(apr_pool_t *p, const char *config)
{
    static const char *const mains[] = {"apache2.conf", "httpd.conf", NULL};
    struct stat st;
    int i;

    if (stat(config, &st) != 0 || !S_ISDIR(st.st_mode))
        return config;
    for (i = 0; mains[i]; i++) {
        const char *path = apr_pstrcat(p, config, "/", mains[i], NULL);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            return path;
    }
    return config;
}

int admin_cmd_check(apr_pool_t *p, const admin_args_t *a)
{
    const char *config = admin_option(a, "--config"), *why = NULL;
    checker_t c = {0};
    admin_conf_t conf;
    int i;

    config = main_config_of(p, config);
    if (admin_conf_read(p, config, &conf, &why) != APR_SUCCESS)
        return admin_complain(ADMIN_EXIT_SYSTEM, "%s", why);
    c.p = p;
    c.now = apr_time_now();
    c.conf = &conf;
    c.tenants = apr_pcalloc(p, sizeof(idp_state_t) * (apr_size_t)(conf.tenants->nelts + 1));
    for (i = 0; i < conf.tenants->nelts; i++)
        c.tenants[i].tenant = APR_ARRAY_IDX(conf.tenants, i, const admin_tenant_t *);
    c.nservers = conf.server_labels->nelts;
    c.servers = apr_pcalloc(p, sizeof(server_state_t) * (apr_size_t)c.nservers);
    for (i = 0; i < c.nservers; i++)
        c.servers[i].allow_expired = -1;
    for (i = 0; i < conf.problems->nelts; i++) {
        printf("%s\n", APR_ARRAY_IDX(conf.problems, i, const char *));
        c.problems++;
    }
    for (i = 0; i < conf.directives->nelts; i++)
        read_directive(&c, &APR_ARRAY_IDX(conf.directives, i, admin_directive_t));
    admin_check_tenants(&c);
    for (i = 0; i < c.nservers; i++) {
        const char *label = APR_ARRAY_IDX(conf.server_labels, i, const char *);
        server_state_t s = i == 0 ? c.servers[0] : effective(&c.servers[0], &c.servers[i]);
        /* An inherited pair was judged with the main server. */
        if (i == 0 || c.servers[i].sp_cert_at || c.servers[i].sp_key_at)
            check_sp_pair(&c, &s, label);
        check_completeness(&c, &s, label);
        /* The main server's store is checked once, not again for each host. */
        if (i == 0 || c.servers[i].user_store || c.servers[i].dbd_params)
            check_user_store(&c, &s, label);
    }
    if (!admin_option(a, "--no-apache"))
        run_apache_configtest(&c, admin_conf_absolute(p, config));
    printf("%d problem(s), %d warning(s); %d directive(s) read from %s\n", c.problems,
           c.warnings, conf.directives->nelts, config);
    return c.problems ? ADMIN_EXIT_REFUSED : ADMIN_EXIT_OK;
}
