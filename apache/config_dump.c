/* `apache2 -t -D SEQUR_SAML_DUMP`: the settings the module resolved, printed
 * for `sequr-saml-admin check` (the contract is in config_dump.h).
 *
 * Why a define of our own rather than mod_info's `-D DUMP_CONFIG` or
 * `-D DUMP_VHOSTS`: DUMP_CONFIG needs mod_info, which Debian 12 and 13 do not
 * enable, and prints the directives as written, so a reader would still have
 * to merge virtual hosts the way this module does; DUMP_VHOSTS names the
 * hosts only. Here the module says what it loaded itself (certificates with
 * their end dates), after Apache evaluated <IfModule>, <IfDefine>, Define
 * and Include, in every Apache 2.4 (check_config runs under -t).
 *
 * File names the module does not keep (SP key and certificate, mod_dbd's
 * settings) are found in ap_conftree, Apache's parsed tree, where the
 * conditional sections are already resolved: a server's own directive, else
 * the main server's. */
#include "apache/config_dump.h"

#include <stdarg.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_main.h"
#include "unixd.h"

#include "apache/config.h"
#include "apache/directives.h"
#include "saml/certificate.h"

/* mod_dbd's directives: where SequrSAMLUserStore dbd reads users. */
#define DBD_DRIVER "DBDriver"
#define DBD_PARAMS "DBDParams"

typedef struct dump {
    apr_pool_t *p;
    apr_file_t *out;
    server_rec *main_server;
    apr_hash_t *seen;                 /* pointers already printed */
} dump_t;

static const char *escaped(apr_pool_t *p, const char *s)
{
    char *e = apr_palloc(p, 2 * strlen(s ? s : "") + 1), *o = e;

    for (; s && *s; s++) {
        if (*s == '\\' || *s == '\t' || *s == '\n') {
            *o++ = '\\';
            *o++ = *s == '\t' ? 't' : *s == '\n' ? 'n' : '\\';
        }
        else
            *o++ = *s;
    }
    *o = '\0';
    return e;
}

/* One line: the key, then the fields up to NULL, each escaped. */
static void emit(dump_t *d, const char *key, ...)
{
    const char *line = apr_pstrcat(d->p, SEQUR_DUMP_DEFINE "\t", key, NULL), *field;
    va_list ap;

    va_start(ap, key);
    while ((field = va_arg(ap, const char *)) != NULL)
        line = apr_pstrcat(d->p, line, "\t", escaped(d->p, field), NULL);
    va_end(ap);
    apr_file_printf(d->out, "%s\n", line);
}

static int first_time(dump_t *d, const void *thing)
{
    if (thing == NULL || apr_hash_get(d->seen, &thing, sizeof(thing)))
        return 0;
    apr_hash_set(d->seen, apr_pmemdup(d->p, &thing, sizeof(thing)), sizeof(thing), "");
    return 1;
}

/* Whether server s is the one a <VirtualHost> section made (vhost NULL: the
 * main server, for lines outside every section). */
static int made_by(const dump_t *d, const server_rec *s, const ap_directive_t *vhost)
{
    if (vhost == NULL)
        return s == d->main_server;
    return s != d->main_server && s->defn_name && !strcmp(s->defn_name, vhost->filename) &&
           s->defn_line_number == (unsigned)vhost->line_num;
}

/* The last `name` line of server s itself (the one in force), or NULL. */
static const ap_directive_t *own_directive(dump_t *d, server_rec *s, const char *name,
                                           const ap_directive_t *node,
                                           const ap_directive_t *vhost)
{
    const ap_directive_t *found = NULL, *inner;

    for (; node; node = node->next) {
        if (!strcasecmp(node->directive, "<VirtualHost"))
            inner = own_directive(d, s, name, node->first_child, node);
        else if (node->first_child)
            inner = own_directive(d, s, name, node->first_child, vhost);
        else
            inner = !strcasecmp(node->directive, name) && made_by(d, s, vhost) ? node : NULL;
        if (inner)
            found = inner;
    }
    return found;
}

/* What server s uses: its own line, else the main server's. */
static const ap_directive_t *directive_in_force(dump_t *d, server_rec *s, const char *name)
{
    const ap_directive_t *own = own_directive(d, s, name, ap_conftree, NULL);
    return own || s == d->main_server ? own : own_directive(d, d->main_server, name,
                                                            ap_conftree, NULL);
}

/* Every `name` line of server s itself, in order, into lines. */
static void own_directives(dump_t *d, server_rec *s, const char *name, const ap_directive_t *node,
                           const ap_directive_t *vhost, apr_array_header_t *lines)
{
    for (; node; node = node->next) {
        if (!strcasecmp(node->directive, "<VirtualHost"))
            own_directives(d, s, name, node->first_child, node, lines);
        else if (node->first_child)
            own_directives(d, s, name, node->first_child, vhost, lines);
        else if (!strcasecmp(node->directive, name) && made_by(d, s, vhost))
            APR_ARRAY_PUSH(lines, const ap_directive_t *) = node;
    }
}

/* The n-th (from 0) `name` line server s uses (repeated SP key pairs of a
 * rollover): its own lines, else the main server's; NULL when there is none. */
static const ap_directive_t *nth_directive_in_force(dump_t *d, server_rec *s, const char *name,
                                                    int n)
{
    apr_array_header_t *lines = apr_array_make(d->p, 2, sizeof(const ap_directive_t *));

    own_directives(d, s, name, ap_conftree, NULL, lines);
    if (lines->nelts == 0 && s != d->main_server)
        own_directives(d, d->main_server, name, ap_conftree, NULL, lines);
    return n < lines->nelts ? APR_ARRAY_IDX(lines, n, const ap_directive_t *) : NULL;
}

static const char *where(dump_t *d, const ap_directive_t *node)
{
    return node ? apr_psprintf(d->p, "%s:%d", node->filename, node->line_num) : "";
}

static const char *first_arg(dump_t *d, const ap_directive_t *node)
{
    const char *args = node ? node->args : NULL;
    return args ? ap_getword_conf(d->p, &args) : "";
}

static const char *seconds(dump_t *d, X509 *cert)
{
    return apr_psprintf(d->p, "%" APR_TIME_T_FMT, apr_time_sec(saml_cert_not_after(cert)));
}

/* The <VirtualHost> section that made server s, or NULL. */
static const ap_directive_t *section_of(dump_t *d, server_rec *s, const ap_directive_t *node)
{
    const ap_directive_t *found;

    for (; node; node = node->next) {
        if (!strcasecmp(node->directive, "<VirtualHost") && made_by(d, s, node))
            return node;
        if (node->first_child && (found = section_of(d, s, node->first_child)) != NULL)
            return found;
    }
    return NULL;
}

/* "main server", or "<VirtualHost ADDRESSES> at FILE:LINE" as the admin wrote it. */
static const char *label(dump_t *d, server_rec *s)
{
    const ap_directive_t *section = s == d->main_server ? NULL
                                    : section_of(d, s, ap_conftree);
    const char *args;

    if (s == d->main_server)
        return "main server";
    args = section && section->args ? section->args : "";
    return apr_psprintf(d->p, "<VirtualHost %.*s> at %s:%u",
                        (int)(strlen(args) - (*args && args[strlen(args) - 1] == '>')), args,
                        s->defn_name ? s->defn_name : "?", s->defn_line_number);
}

static void dump_idp(dump_t *d, const char *n, const sequr_idp_t *idp)
{
    int i;

    for (i = 0; idp->certs && i < idp->certs->nelts; i++) {
        X509 *cert = APR_ARRAY_IDX(idp->certs, i, X509 *);
        if (first_time(d, cert))
            emit(d, SEQUR_DUMP_IDP_CERT, n, idp->cert_source ? idp->cert_source : "",
                 idp->name ? idp->name : "", APR_ARRAY_IDX(idp->cert_names, i, const char *),
                 seconds(d, cert), saml_cert_subject(d->p, cert), NULL);
    }
}

static void dump_server(dump_t *d, server_rec *s, int index)
{
    const sequr_server_conf_t *c = sequr_server_conf(s);
    const char *n = apr_itoa(d->p, index);
    const ap_directive_t *at;
    int i;

    emit(d, SEQUR_DUMP_SERVER, n, label(d, s), NULL);
    if (c == NULL)
        return;
    /* Every pair of an SP key rollover: each key file's mode matters alike. */
    for (i = 0; c->sp_keys && i < c->sp_keys->nelts; i++) {
        if (!first_time(d, APR_ARRAY_IDX(c->sp_keys, i, EVP_PKEY *)))
            continue;
        at = nth_directive_in_force(d, s, D_SP_PRIVATE_KEY_FILE, i);
        emit(d, SEQUR_DUMP_SP_KEY, n, where(d, at),
             ap_server_root_relative(d->p, first_arg(d, at)), NULL);
    }
    if (first_time(d, c->cookie_key_file))
        emit(d, SEQUR_DUMP_COOKIE_KEY, n, where(d, directive_in_force(d, s, D_COOKIE_KEY_FILE)),
             c->cookie_key_file, NULL);
    for (i = 0; c->sp_certs && i < c->sp_certs->nelts; i++) {
        X509 *cert = APR_ARRAY_IDX(c->sp_certs, i, X509 *);
        if (!first_time(d, cert))
            continue;
        at = nth_directive_in_force(d, s, D_SP_CERTIFICATE_FILE, i);
        emit(d, SEQUR_DUMP_SP_CERT, n, where(d, at),
             ap_server_root_relative(d->p, first_arg(d, at)), seconds(d, cert),
             saml_cert_subject(d->p, cert), NULL);
    }
    dump_idp(d, n, c->idp);
    for (i = 0; c->tenants && i < c->tenants->nelts; i++)
        dump_idp(d, n, APR_ARRAY_IDX(c->tenants, i, const sequr_idp_t *));
    if (c->user_store == 1) {
        const ap_directive_t *driver = directive_in_force(d, s, DBD_DRIVER);
        const ap_directive_t *params = directive_in_force(d, s, DBD_PARAMS);
        emit(d, SEQUR_DUMP_USER_STORE, n, where(d, directive_in_force(d, s, D_USER_STORE)),
             where(d, driver), first_arg(d, driver), where(d, params), first_arg(d, params),
             NULL);
    }
}

static int dump_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    dump_t d = {ptemp, NULL, s, apr_hash_make(ptemp)};
    server_rec *vs;
    int i;
    (void)pconf;
    (void)plog;

    if (ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_CONFIG_TEST ||
        !ap_exists_config_define(SEQUR_DUMP_DEFINE) ||
        apr_file_open_stdout(&d.out, ptemp) != APR_SUCCESS)
        return OK;
    emit(&d, SEQUR_DUMP_USER, ap_unixd_config.user_name ? ap_unixd_config.user_name : "", NULL);
    for (vs = s, i = 0; vs; vs = vs->next, i++)
        dump_server(&d, vs, i);
    apr_file_flush(d.out);
    return OK;
}

void sequr_config_dump_register(void)
{
    ap_hook_check_config(dump_config, NULL, NULL, APR_HOOK_FIRST);
}
