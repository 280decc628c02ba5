/* check, for the IdPs of each server: the default one (the server-level IdP
 * directives) and the tenants (<SequrSAMLTenant NAME> sections), by the rules
 * of apache/config_idp.c and apache/config_check.c: each tenant a complete
 * IdP of its own with its own certificates, names valid and unique per
 * server, one entity ID per IdP of a server (responses are routed by Issuer),
 * SequrSAMLTenantName naming a tenant its server has. */
#include "tools/admin.h"
#include "tools/admin_check.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

#include "saml/certificate.h"
#include "saml/idp_metadata.h"

static int is(const admin_directive_t *d, const char *name)
{
    return !strcasecmp(d->name, name);
}

static const char *tenant_prefix(checker_t *c, const idp_state_t *idp)
{
    return idp->tenant ? apr_psprintf(c->p, "tenant %s ", idp->tenant->args) : "";
}

/* One IdP certificate: usable unless expired (the module leaves expired
 * ones out unless SequrSAMLAllowExpiredIdPCertificate On). */
static void judge_idp_cert(checker_t *c, idp_state_t *idp, const admin_directive_t *d,
                           X509 *cert, const char *what)
{
    int expired = 0;
    const char *problem = admin_cert_expiry_problem(c->p, cert, c->now, &expired);

    idp->certs++;
    idp->expired_certs += expired;
    if (problem)
        admin_check_report(c, 0, d, "%s%s (%s) %s%s", tenant_prefix(c, idp), what,
                           saml_cert_subject(c->p, cert), problem,
                           expired ? ": left out unless SequrSAMLAllowExpiredIdPCertificate On"
                           : ": add its successor from Azure now");
}

static void load_idp_certificate(checker_t *c, idp_state_t *idp, const admin_directive_t *d)
{
    const char *path = admin_conf_path(c->p, d, admin_check_arg0(d));
    saml_err_t err = {0};
    X509 *cert = NULL;

    if (saml_cert_load_file(c->p, path, &cert, &err) != APR_SUCCESS)
        admin_check_report(c, 1, d, "%sIdP certificate: %s", tenant_prefix(c, idp), err.detail);
    else
        judge_idp_cert(c, idp, d, cert, apr_psprintf(c->p, "IdP certificate %s", path));
}

static void load_idp_metadata(checker_t *c, idp_state_t *idp, const admin_directive_t *d)
{
    const char *path = admin_conf_path(c->p, d, admin_check_arg0(d));
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = {0};
    int i;

    if (saml_idp_metadata_load_file(c->p, path, &md, &err) != APR_SUCCESS) {
        admin_check_report(c, 1, d, "%sIdP metadata: %s", tenant_prefix(c, idp), err.detail);
        return;
    }
    /* The metadata stands in for the three IdP directives. */
    if (idp->sso_url == NULL)
        idp->sso_url = d;
    if (idp->entity_id == NULL) {
        idp->entity_id = d;
        idp->entity_id_value = md->entity_id;
    }
    for (i = 0; i < md->certs->nelts; i++)
        judge_idp_cert(c, idp, d, APR_ARRAY_IDX(md->certs, i, X509 *),
                       apr_psprintf(c->p, "signing certificate %d of %s", i + 1, path));
}

int admin_check_is_idp_directive(const admin_directive_t *d)
{
    return is(d, "SequrSAMLIdPSSOURL") || is(d, "SequrSAMLIdPEntityID") ||
           is(d, "SequrSAMLIdPCertificateFile") || is(d, "SequrSAMLIdPMetadataFile") ||
           is(d, "SequrSAMLIdPSLOURL");
}

void admin_check_idp_directive(checker_t *c, idp_state_t *idp, const admin_directive_t *d)
{
    int file = is(d, "SequrSAMLIdPCertificateFile") || is(d, "SequrSAMLIdPMetadataFile");

    if (is(d, "SequrSAMLIdPSLOURL"))
        return;                          /* a logout URL alone names no IdP */
    idp->named = 1;
    if (file && d->args->nelts != 1)
        admin_check_report(c, 1, d, "%s takes one file name", d->name);
    else if (is(d, "SequrSAMLIdPSSOURL"))
        idp->sso_url = d;
    else if (is(d, "SequrSAMLIdPEntityID")) {
        idp->entity_id = d;
        idp->entity_id_value = admin_check_arg0(d);
    }
    else if (is(d, "SequrSAMLIdPCertificateFile"))
        load_idp_certificate(c, idp, d);
    else
        load_idp_metadata(c, idp, d);
}

void admin_check_idp_complete(checker_t *c, const idp_state_t *idp, const admin_directive_t *at,
                              const char *label, int allow_expired)
{
    const char *who = idp->tenant
        ? apr_psprintf(c->p, "<SequrSAMLTenant %s> in %s", idp->tenant->args, label)
        : apr_psprintf(c->p, "AuthType sequr-saml in %s", label);
    const char *inside = idp->tenant ? " inside the section" : "";

    if (idp->sso_url == NULL || idp->entity_id == NULL)
        admin_check_report(c, 1, at, "%s without an IdP: set SequrSAMLIdPSSOURL and "
                           "SequrSAMLIdPEntityID (or SequrSAMLIdPMetadataFile)%s", who, inside);
    if (idp->certs == 0)
        admin_check_report(c, 1, at, "%s without an IdP certificate that loads%s", who, inside);
    else if (idp->expired_certs == idp->certs && allow_expired != 1)
        admin_check_report(c, 1, at, "every IdP certificate of %s has expired: Apache will not "
                           "start; download the current one from Azure",
                           idp->tenant ? apr_psprintf(c->p, "tenant %s", idp->tenant->args)
                           : label);
}

/* ---- tenants --------------------------------------------------------------- */

static int is_tenant_name(const char *name)
{
    apr_size_t n = strlen(name);
    return n >= 1 && n <= 64 &&
           name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")]
           == '\0';
}

static const char *server_label(checker_t *c, int server)
{
    return APR_ARRAY_IDX(c->conf->server_labels, server, const char *);
}

/* The section's line stands in for the tenant in messages. */
static admin_directive_t *section_line(checker_t *c, const admin_tenant_t *t)
{
    admin_directive_t *d = apr_pcalloc(c->p, sizeof(*d));
    d->file = t->file;
    d->line = t->line;
    d->name = "<SequrSAMLTenant";
    return d;
}

static const admin_tenant_t *tenant_at(checker_t *c, int i)
{
    return APR_ARRAY_IDX(c->conf->tenants, i, const admin_tenant_t *);
}

/* The tenant named name that server has: its own, else the main server's. */
static const idp_state_t *find_tenant(checker_t *c, int server, const char *name)
{
    const idp_state_t *inherited = NULL;
    int i;

    for (i = 0; i < c->conf->tenants->nelts; i++) {
        const admin_tenant_t *t = tenant_at(c, i);
        if (strcmp(t->args, name))
            continue;
        if (t->server == server)
            return &c->tenants[i];
        if (t->server == 0 && inherited == NULL)
            inherited = &c->tenants[i];
    }
    return server ? inherited : NULL;
}

static int allow_expired_in(checker_t *c, int server)
{
    int own = c->servers[server].allow_expired;
    return own >= 0 ? own : c->servers[0].allow_expired;
}

static void check_each_tenant(checker_t *c)
{
    int i, j;

    for (i = 0; i < c->conf->tenants->nelts; i++) {
        const admin_tenant_t *t = tenant_at(c, i);
        const admin_directive_t *at = section_line(c, t);

        if (!is_tenant_name(t->args)) {
            admin_check_report(c, 1, at, "<SequrSAMLTenant %s>: the name must be 1 to 64 "
                               "letters, digits, '.', '_' or '-'", t->args);
            continue;
        }
        for (j = 0; j < i; j++)
            if (tenant_at(c, j)->server == t->server && !strcmp(tenant_at(c, j)->args, t->args))
                break;
        if (j < i) {
            admin_check_report(c, 1, at, "<SequrSAMLTenant %s>: %s already has a tenant named "
                               "%s (at %s:%d)", t->args, server_label(c, t->server), t->args,
                               tenant_at(c, j)->file, tenant_at(c, j)->line);
            continue;
        }
        admin_check_idp_complete(c, &c->tenants[i], at, server_label(c, t->server),
                                 allow_expired_in(c, t->server));
    }
}

/* Where an IdP is reported: a tenant at its section, the default at its entity ID. */
static const admin_directive_t *idp_line(checker_t *c, const idp_state_t *idp)
{
    return idp->tenant ? section_line(c, idp->tenant) : idp->entity_id;
}

static const char *idp_name(checker_t *c, const idp_state_t *idp)
{
    return idp->tenant ? apr_psprintf(c->p, "tenant %s's", idp->tenant->args)
                       : "the default IdP's";
}

/* No two IdPs of one server with one entity ID: the module could not tell
 * whose a response is. A pair the main server has is reported with it only. */
static void check_entity_ids(checker_t *c, int server)
{
    const idp_state_t **idps = apr_pcalloc(c->p, sizeof(*idps) *
                                           (apr_size_t)(c->conf->tenants->nelts + 1));
    int *own = apr_pcalloc(c->p, sizeof(int) * (apr_size_t)(c->conf->tenants->nelts + 1));
    const server_state_t *s = &c->servers[server];
    int n = 0, i, j;

    idps[n] = s->idp.named || server == 0 ? &s->idp : &c->servers[0].idp;
    own[n++] = s->idp.named || server == 0;
    for (i = 0; i < c->conf->tenants->nelts; i++) {
        const admin_tenant_t *t = tenant_at(c, i);
        if ((t->server == server || t->server == 0) && find_tenant(c, server, t->args) ==
            &c->tenants[i]) {
            idps[n] = &c->tenants[i];
            own[n++] = t->server == server;
        }
    }
    for (i = 1; i < n; i++)
        for (j = 0; j < i; j++) {
            const idp_state_t *a = idps[j], *b = idps[i];
            if (!a->entity_id_value || !b->entity_id_value ||
                strcmp(a->entity_id_value, b->entity_id_value) || (!own[i] && !own[j]))
                continue;
            admin_check_report(c, 1, idp_line(c, own[i] ? b : a), "%s: IdP entity ID %s is "
                               "already %s; responses are routed to their tenant by Issuer, "
                               "so each tenant needs its own", server_label(c, server),
                               b->entity_id_value, idp_name(c, own[i] ? a : b));
            break;
        }
}

/* The tenant a section signs in with: its SequrSAMLTenantName, else the one
 * of the section around it (as config_check.c walks the tree). */
static const char *tenant_of_block(checker_t *c, const char **block_tenant, int block)
{
    for (; block >= 0; block = APR_ARRAY_IDX(c->conf->block_parents, block, int))
        if (block_tenant[block])
            return block_tenant[block];
    return NULL;
}

void admin_check_tenants(checker_t *c)
{
    const apr_array_header_t *ds = c->conf->directives;
    const char **block_tenant = apr_pcalloc(c->p, sizeof(const char *) *
                                            (apr_size_t)c->conf->block_parents->nelts);
    int i;

    check_each_tenant(c);
    for (i = 0; i < c->nservers; i++)
        check_entity_ids(c, i);
    for (i = 0; i < ds->nelts; i++) {
        const admin_directive_t *d = &APR_ARRAY_IDX(ds, i, admin_directive_t);
        const char *name = admin_check_arg0(d);
        if (d->tenant || !is(d, "SequrSAMLTenantName") || name == NULL)
            continue;
        block_tenant[d->block] = name;
        if (!is_tenant_name(name))
            admin_check_report(c, 1, d, "SequrSAMLTenantName: '%s' is not a tenant name (1 to "
                               "64 letters, digits, '.', '_' or '-')", name);
        else if (find_tenant(c, d->server, name) == NULL)
            admin_check_report(c, 1, d, "SequrSAMLTenantName %s: %s has no <SequrSAMLTenant "
                               "%s>", name, server_label(c, d->server), name);
    }
    for (i = 0; i < ds->nelts; i++) {
        const admin_directive_t *d = &APR_ARRAY_IDX(ds, i, admin_directive_t);
        server_state_t *s = &c->servers[d->server];
        if (d->tenant || !is(d, "AuthType") || !admin_check_arg0(d) ||
            strcasecmp(admin_check_arg0(d), "sequr-saml"))
            continue;
        if (tenant_of_block(c, block_tenant, d->block)) {
            if (s->tenant_auth_type == NULL)
                s->tenant_auth_type = d;
        }
        else if (s->auth_type == NULL)
            s->auth_type = d;
    }
}
