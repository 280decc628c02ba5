/* The identity providers of a server: its default IdP (the server-level IdP
 * directives) and its tenants (<SequrSAMLTenant NAME> sections), how a vhost
 * inherits them, how a request or a response finds its IdP, and the directive
 * handlers that fill them in. The directive table itself is in mod_sequr_saml.c. */
#include "apache/config.h"
#include "apache/config_idp.h"

#include "apr_strings.h"
#include "apr_uri.h"

#include "saml/certificate.h"
#include "apache/directives.h"
#include "saml/idp_metadata.h"
#include "apache/settings_parse.h"

/* Whether the directives gave this IdP anything but a logout URL. */
static int idp_is_named(const sequr_idp_t *idp)
{
    return idp->sso_url || idp->entity_id || idp->certs || idp->metadata_url;
}

static int find_tenant(const apr_array_header_t *tenants, const char *name)
{
    int i;
    for (i = 0; tenants && i < tenants->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(tenants, i, sequr_idp_t *)->name, name))
            return i;
    return -1;
}

/* A vhost has its own tenants and the main server's (its own win by name),
 * each a copy, since each server builds its own verifiers. */
static apr_array_header_t *merge_tenants(apr_pool_t *p, const apr_array_header_t *base,
                                         const apr_array_header_t *add)
{
    apr_array_header_t *m;
    int i;

    if (base == NULL && add == NULL)
        return NULL;
    m = apr_array_make(p, 4, sizeof(sequr_idp_t *));
    for (i = 0; add && i < add->nelts; i++)
        APR_ARRAY_PUSH(m, sequr_idp_t *) =
            apr_pmemdup(p, APR_ARRAY_IDX(add, i, sequr_idp_t *), sizeof(sequr_idp_t));
    for (i = 0; base && i < base->nelts; i++) {
        const sequr_idp_t *t = APR_ARRAY_IDX(base, i, sequr_idp_t *);
        if (find_tenant(add, t->name) < 0)
            APR_ARRAY_PUSH(m, sequr_idp_t *) = apr_pmemdup(p, t, sizeof(*t));
    }
    return m;
}

void sequr_merge_idps(apr_pool_t *p, sequr_server_conf_t *m, const sequr_server_conf_t *base,
                      const sequr_server_conf_t *add)
{
    /* The IdP is one unit: a vhost that names any part of its own IdP does not
     * inherit certificates or URLs of the main server's IdP piecemeal. Each
     * server gets its own copy, since its verifier is built into it. */
    m->idp = apr_pmemdup(p, idp_is_named(add->idp) ? add->idp : base->idp, sizeof(*m->idp));
    /* A vhost may name only its own logout URL (or none) for the IdP it inherits. */
    if (add->idp->slo_url)
        m->idp->slo_url = add->idp->slo_url;
    m->tenants = merge_tenants(p, base->tenants, add->tenants);
}

sequr_idp_t *sequr_tenant(const sequr_server_conf_t *c, const char *name)
{
    int i;
    if (name == NULL || *name == '\0')
        return c->idp;
    i = find_tenant(c->tenants, name);
    return i < 0 ? NULL : APR_ARRAY_IDX(c->tenants, i, sequr_idp_t *);
}

sequr_idp_t *sequr_location_idp(const request_rec *r, const sequr_server_conf_t *c)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    return sequr_tenant(c, d ? d->tenant : NULL);
}

void sequr_idp_view(const sequr_idp_t *idp, saml_idp_t *out)
{
    memset(out, 0, sizeof(*out));
    out->name = idp->name;
    out->entity_id = idp->entity_id;
    out->sso_url = idp->sso_url;
    out->slo_url = idp->slo_url;
    out->certs = idp->certs;
    out->verifier = idp->verifier;
    out->expired_certs = idp->expired_certs;
}

apr_array_header_t *sequr_idp_views(apr_pool_t *p, const sequr_server_conf_t *c)
{
    int n = c->tenants ? c->tenants->nelts : 0, i;
    apr_array_header_t *idps = apr_array_make(p, n + 1, sizeof(saml_idp_t));

    sequr_idp_view(c->idp, apr_array_push(idps));
    for (i = 0; i < n; i++)
        sequr_idp_view(APR_ARRAY_IDX(c->tenants, i, sequr_idp_t *), apr_array_push(idps));
    return idps;
}

const char *sequr_idp_label(const sequr_idp_t *idp)
{
    return idp && idp->name && *idp->name ? idp->name : "(default IdP)";
}

/* ---- IdP directives ---------------------------------------------------------- */

/* The IdP an IdP directive describes: the tenant whose section is being
 * read, else the server's default IdP. */
static sequr_idp_t *cmd_idp(cmd_parms *cmd)
{
    sequr_server_conf_t *c = sequr_server_conf(cmd->server);
    return c->reading_tenant ? c->reading_tenant : c->idp;
}

static const char *where(cmd_parms *cmd)
{
    return apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename, cmd->directive->line_num);
}

const char *sequr_set_idp_url(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *name = cmd->cmd->name;
    (void)dc;
    if (!strcasecmp(name, D_IDP_SSO_URL))
        return sequr_parse_url(cmd, arg, &cmd_idp(cmd)->sso_url);
    if (!strcasecmp(name, D_IDP_SLO_URL)) {
        if (!strcasecmp(arg, "none")) {
            cmd_idp(cmd)->slo_url = "";      /* local logout only, even with metadata */
            return NULL;
        }
        return sequr_parse_url(cmd, arg, &cmd_idp(cmd)->slo_url);
    }
    if (!strcasecmp(name, D_IDP_ENTITY_ID)) {
        /* Azure's Issuer is a URL; other IdPs may use a URN. Refuse only what
         * cannot be an entity id at all. */
        if (*arg == '\0' || strlen(arg) > 1024 || strpbrk(arg, " \t\r\n\"<>"))
            return apr_psprintf(cmd->pool, "%s: '%s' is not a valid entity id", name, arg);
        cmd_idp(cmd)->entity_id = arg;
        return NULL;
    }
    return "unknown URL directive";
}

const char *sequr_set_idp_certificate(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_idp_t *c = cmd_idp(cmd);
    const char *file = ap_server_root_relative(cmd->pool, arg);
    const char *msg = NULL;
    saml_err_t err = {0};
    X509 *cert;
    (void)dc;

    if (c->from_metadata == 1 || c->metadata_url)
        return apr_psprintf(cmd->pool, "%s: this server already takes its IdP from "
                            D_IDP_METADATA_FILE " or " D_IDP_METADATA_URL "; use one or the other",
                            cmd->cmd->name);
    if (sequr_keep_error(cmd, saml_cert_load_file(cmd->pool, file, &cert, &err), &err, file, &msg))
        return msg;
    if (c->certs == NULL) {
        c->certs = apr_array_make(cmd->pool, 2, sizeof(X509 *));
        c->cert_names = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    APR_ARRAY_PUSH(c->certs, X509 *) = cert;
    APR_ARRAY_PUSH(c->cert_names, const char *) = file;
    c->cert_source = where(cmd);
    c->from_metadata = 0;
    return NULL;
}

const char *sequr_set_idp_metadata(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_idp_t *c = cmd_idp(cmd);
    const char *file = ap_server_root_relative(cmd->pool, arg);
    const char *msg = NULL;
    saml_err_t err = {0};
    saml_idp_metadata_t *md;
    int i;
    (void)dc;

    if (c->from_metadata == 0 || c->sso_url || c->entity_id || c->metadata_url)
        return apr_psprintf(cmd->pool, "%s: this server already names its IdP with "
                            D_IDP_SSO_URL "/" D_IDP_ENTITY_ID "/" D_IDP_CERTIFICATE_FILE
                            "; use one or the other", cmd->cmd->name);
    if (sequr_keep_error(cmd, saml_idp_metadata_load_file(cmd->pool, file, &md, &err), &err, file,
                         &msg))
        return msg;
    c->entity_id = md->entity_id;
    c->sso_url = md->sso_url;
    if (c->slo_url == NULL)       /* SequrSAMLIdPSLOURL wins */
        c->slo_url = md->slo_url;
    c->certs = md->certs;
    c->cert_names = apr_array_make(cmd->pool, md->certs->nelts, sizeof(const char *));
    for (i = 0; i < md->certs->nelts; i++)
        APR_ARRAY_PUSH(c->cert_names, const char *) =
            apr_psprintf(cmd->pool, "signing certificate %d of %s", i + 1, file);
    c->cert_source = where(cmd);
    c->from_metadata = 1;
    return NULL;
}

/* SequrSAMLIdPMetadataURL: the IdP is what the document at URL says, fetched
 * at start-up (or read from its backing copy) and refreshed while running
 * (apache/idp_metadata_url.c). SequrSAMLIdPEntityID may stand beside it: the
 * entityID every fetched document must then carry. */
const char *sequr_set_idp_metadata_url(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_idp_t *c = cmd_idp(cmd);
    apr_uri_t u;
    (void)dc;

    if (c->from_metadata == 0 || c->from_metadata == 1 || c->sso_url)
        return apr_psprintf(cmd->pool, "%s: this server already names its IdP with "
                            D_IDP_METADATA_FILE ", " D_IDP_SSO_URL " or " D_IDP_CERTIFICATE_FILE
                            "; use one or the other", cmd->cmd->name);
    if (strncasecmp(arg, "https://", 8) != 0 || apr_uri_parse(cmd->pool, arg, &u) != APR_SUCCESS ||
        u.hostname == NULL || *u.hostname == '\0' || strpbrk(arg, " \t\r\n\"<>"))
        return apr_psprintf(cmd->pool, "%s: '%s' is not an https URL (plain http is refused: the "
                            "metadata is trusted because TLS verified where it came from)",
                            cmd->cmd->name, arg);
    c->metadata_url = arg;
    c->metadata_url_where = where(cmd);
    return NULL;
}

const char *sequr_set_idp_metadata_ca_file(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_idp_t *c = cmd_idp(cmd);
    const char *file = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;
    (void)dc;

    if (file == NULL || apr_stat(&fi, file, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS ||
        fi.filetype != APR_REG)
        return apr_psprintf(cmd->pool, "%s: %s is not a readable file", cmd->cmd->name, arg);
    c->metadata_ca_file = file;
    return NULL;
}

/* ---- tenants ---------------------------------------------------------------- */

static int is_tenant_name(const char *name)
{
    apr_size_t n = strlen(name);
    return n >= 1 && n <= 64 &&
           name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")]
           == '\0';
}

static const char *const tenant_directives[] = {
    D_IDP_SSO_URL, D_IDP_ENTITY_ID, D_IDP_CERTIFICATE_FILE, D_IDP_METADATA_FILE, D_IDP_SLO_URL,
    D_USER_ATTRIBUTE, D_IDP_METADATA_URL, D_IDP_METADATA_CA_FILE, NULL
};

/* Only what describes the tenant's IdP: anything else would silently apply
 * to the whole server while reading as if it were the tenant's. */
static const char *check_tenant_children(cmd_parms *cmd, const char *name)
{
    const ap_directive_t *d;
    int i;

    for (d = cmd->directive->first_child; d; d = d->next) {
        for (i = 0; tenant_directives[i] && strcasecmp(d->directive, tenant_directives[i]); i++)
            ;
        if (tenant_directives[i] == NULL) {
            cmd->err_directive = (ap_directive_t *)d;
            return apr_psprintf(cmd->pool, "%s is not allowed inside " D_TENANT_SECTION " %s> "
                                "(line %d of %s): only " D_IDP_METADATA_FILE ", " D_IDP_SSO_URL
                                ", " D_IDP_ENTITY_ID ", " D_IDP_CERTIFICATE_FILE ", "
                                D_IDP_SLO_URL ", " D_USER_ATTRIBUTE ", " D_IDP_METADATA_URL " and "
                                D_IDP_METADATA_CA_FILE, d->directive, name,
                                d->line_num, d->filename);
        }
    }
    return NULL;
}

const char *sequr_start_tenant(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = sequr_server_conf(cmd->server);
    const char *endp = ap_strrchr_c(arg, '>');
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    const char *args;
    char *name;
    sequr_idp_t *t;

    if (err)
        return err;
    if (endp == NULL)
        return D_TENANT_SECTION "> directive missing closing '>'";
    args = apr_pstrndup(cmd->temp_pool, arg, endp - arg);
    name = ap_getword_conf(cmd->pool, &args);
    if (!is_tenant_name(name) || *args)
        return apr_psprintf(cmd->pool, D_TENANT_SECTION " %s>: the name must be 1 to 64 letters, "
                            "digits, '.', '_' or '-'", apr_pstrndup(cmd->pool, arg, endp - arg));
    if (c->reading_tenant)
        return D_TENANT_SECTION "> cannot be nested";
    if (find_tenant(c->tenants, name) >= 0)
        return apr_psprintf(cmd->pool, D_TENANT_SECTION " %s>: this server already has a tenant "
                            "named %s", name, name);
    if ((err = check_tenant_children(cmd, name)) != NULL)
        return err;

    t = apr_pcalloc(cmd->pool, sizeof(*t));
    t->name = name;
    t->from_metadata = SEQUR_UNSET;
    t->section = where(cmd);
    if (c->tenants == NULL)
        c->tenants = apr_array_make(cmd->pool, 4, sizeof(sequr_idp_t *));
    APR_ARRAY_PUSH(c->tenants, sequr_idp_t *) = t;
    c->reading_tenant = t;
    err = ap_walk_config(cmd->directive->first_child, cmd, cmd->context);
    c->reading_tenant = NULL;
    (void)dc;
    return err;
}

/* Whether the name is a tenant of the server is checked at start-up, when
 * every section has been read (sequr_check_config). */
const char *sequr_set_tenant_name(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_dir_conf_t *d = dc;
    if (!is_tenant_name(arg))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a tenant name (1 to 64 letters, digits, "
                            "'.', '_' or '-')", cmd->cmd->name, arg);
    d->tenant = arg;
    return NULL;
}
