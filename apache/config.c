/* The per-server and per-directory configuration: creating and merging it,
 * its defaults, and the handlers of the server-wide directives. Settings that
 * are one value are rows of apache/settings_table.h, read, merged and
 * defaulted by apache/settings.c; the directive table is in
 * mod_sequr_saml.c, the IdP directives and <SequrSAMLTenant> sections are
 * read in config_idp.c and the start-up checks are in config_check.c. */
#include "apache/config.h"
#include "saml/authn_demand.h"

#include "apr_lib.h"
#include "apr_network_io.h"
#include "apr_strings.h"
#include "apr_uri.h"
#include "http_log.h"

#include "saml/certificate.h"
#include "apache/settings_parse.h"
#include "apache/settings_table.h"

APLOG_USE_MODULE(sequr_saml);
extern module AP_MODULE_DECLARE_DATA sequr_saml_module;

sequr_server_conf_t *sequr_server_conf(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &sequr_saml_module);
}

sequr_dir_conf_t *sequr_dir_conf(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &sequr_saml_module);
}

void *sequr_create_server_conf(apr_pool_t *p, server_rec *s)
{
    sequr_server_conf_t *c = apr_pcalloc(p, sizeof(*c));
    (void)s;
    sequr_settings_unset(sequr_settings, SEQUR_SETTINGS_COUNT, 0, c);
    c->idp = apr_pcalloc(p, sizeof(*c->idp));
    c->idp->name = "";
    c->idp->from_metadata = SEQUR_UNSET;
    return c;
}

#define MERGE_PTR(f) m->f = add->f ? add->f : base->f

/* The settings of the table, and the others here; the IdPs are merged by
 * sequr_merge_idps (config_idp.c), which the module's merge calls next. */
void *sequr_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    sequr_server_conf_t *base = basev, *add = addv;
    sequr_server_conf_t *m = apr_pcalloc(p, sizeof(*m));

    sequr_settings_merge(sequr_settings, SEQUR_SETTINGS_COUNT, 0, m, base, add);
    MERGE_PTR(sp_entity_id);
    MERGE_PTR(sp_cert);
    MERGE_PTR(sp_key);
    MERGE_PTR(sp_certs);
    MERGE_PTR(sp_keys);
    MERGE_PTR(user_attribute);
    MERGE_PTR(user_attributes);
    MERGE_PTR(public_base_url);
    MERGE_PTR(trusted_proxies);
    /* A vhost inherits the main server's <Location>s: their user attributes too. */
    m->identity_attributes = base->identity_attributes;
    if (add->identity_attributes)
        m->identity_attributes = base->identity_attributes
            ? apr_array_append(p, base->identity_attributes, add->identity_attributes)
            : add->identity_attributes;
    m->cache_spec = base->cache_spec;   /* one store per server process */
    m->cookie_key_file = base->cookie_key_file;   /* one key per server process */
    return m;
}

void sequr_server_conf_defaults(sequr_server_conf_t *c)
{
    sequr_settings_default(sequr_settings, SEQUR_SETTINGS_COUNT, 0, c);
}

void *sequr_create_dir_conf(apr_pool_t *p, char *dir)
{
    sequr_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));
    (void)dir;
    sequr_settings_unset(sequr_settings, SEQUR_SETTINGS_COUNT, 1, c);
    return c;
}

void *sequr_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    sequr_dir_conf_t *base = basev, *add = addv;
    sequr_dir_conf_t *m = apr_pcalloc(p, sizeof(*m));
    sequr_settings_merge(sequr_settings, SEQUR_SETTINGS_COUNT, 1, m, base, add);
    MERGE_PTR(user_attribute);
    MERGE_PTR(user_attributes);
    MERGE_PTR(tenant);
    MERGE_PTR(cache_control);
    MERGE_PTR(class_refs);
    return m;
}

apr_interval_time_t sequr_clock_skew(const sequr_server_conf_t *c)
{
    return apr_time_from_sec(c->clock_skew);
}

/* A server's text settings are defaulted at start-up (sequr_server_conf_defaults);
 * a directory's are defaulted here, since a request's configuration is merged
 * only then. */
static const char *text_or_default(const char *value, const sequr_setting_t *row)
{
    return value ? value : row->text;
}

const char *sequr_endpoint_path(const sequr_server_conf_t *c)
{
    return text_or_default(c->endpoint_path, SEQUR_SETTING(ENDPOINT_PATH));
}

const char *sequr_cookie_name(const sequr_server_conf_t *c)
{
    return text_or_default(c->cookie_name, SEQUR_SETTING(COOKIE_NAME));
}

const char *sequr_user_attribute(const request_rec *r)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    if (d && d->user_attribute)
        return d->user_attribute;
    return sequr_server_conf(r->server)->user_attribute;
}

const char *sequr_env_prefix(const request_rec *r)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    return text_or_default(d ? d->env_prefix : NULL, SEQUR_SETTING(ENV_PREFIX));
}

const char *sequr_env_separator(const request_rec *r)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    return text_or_default(d ? d->env_separator : NULL, SEQUR_SETTING(ENV_SEPARATOR));
}

int sequr_request_headers_on(const request_rec *r)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    return (d && d->request_headers != SEQUR_UNSET ? d->request_headers
            : sequr_setting_default_number(SEQUR_SETTING(REQUEST_HEADERS))) == 1;
}

const char *sequr_request_header_prefix(const request_rec *r)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    return text_or_default(d ? d->request_header_prefix : NULL,
                           SEQUR_SETTING(REQUEST_HEADER_PREFIX));
}

/* ---- directive handlers --------------------------------------------------- */

static sequr_server_conf_t *cmd_server_conf(cmd_parms *cmd)
{
    return sequr_server_conf(cmd->server);
}

/* The configuration a row's field is in: the directory's, or the server's. */
static void *setting_conf(cmd_parms *cmd, const sequr_setting_t *row, void *dc)
{
    return row->scope == SEQUR_SCOPE_DIR ? dc : (void *)cmd_server_conf(cmd);
}

const char *sequr_set_setting(cmd_parms *cmd, void *dc, const char *arg)
{
    const sequr_setting_t *row = cmd->info;
    const char *err;
    if (row->scope == SEQUR_SCOPE_MAIN && (err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) != NULL)
        return err;
    return sequr_setting_read(cmd->pool, row, arg, setting_conf(cmd, row, dc));
}

const char *sequr_set_flag_setting(cmd_parms *cmd, void *dc, int on)
{
    const sequr_setting_t *row = cmd->info;
    const char *err;
    if (row->scope == SEQUR_SCOPE_MAIN && (err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) != NULL)
        return err;
    sequr_setting_set_flag(row, on, setting_conf(cmd, row, dc));
    return NULL;
}

/* The SP entity ID is an http(s) URL, never a bare name or GUID. Microsoft
 * Entra ID (Azure AD) echoes a URI Identifier as the Audience unchanged, but
 * an Identifier that is not a URI (an app registration's application id
 * GUID) comes back as "spn:<GUID>". We refuse such an entity ID here, with
 * that reason, rather than accept a derived "spn:" Audience in
 * saml/response.c: the Audience check stays one exact comparison (see
 * check_audiences there). */
const char *sequr_set_sp_entity_id(cmd_parms *cmd, void *dc, const char *arg)
{
    (void)dc;
    if (!strstr(arg, "://")) {
        const char *bare = strncasecmp(arg, "spn:", 4) ? arg : arg + 4;
        return apr_psprintf(cmd->pool, "%s: '%s' is not a URL. Microsoft Entra ID (Azure AD) "
                            "writes the Audience of an Identifier that is not a URI (such as "
                            "an application id GUID) as 'spn:%s', which is not accepted: add a "
                            "URL you own, such as https://www.example.com/saml/metadata, as the "
                            "app's Identifier (Entity ID) in Entra and name the same URL here",
                            cmd->cmd->name, arg, bare);
    }
    return sequr_parse_url(cmd, arg, &cmd_server_conf(cmd)->sp_entity_id);
}

/* SequrSAMLSPCertificateFile and SequrSAMLSPPrivateKeyFile may be repeated
 * for an SP key rollover: the n-th of each form the n-th pair (configtest
 * checks that they match), the first pair signs, every pair decrypts and is
 * published in the SP metadata. */
static void add_sp_item(apr_pool_t *p, apr_array_header_t **list, void *item)
{
    if (*list == NULL)
        *list = apr_array_make(p, 2, sizeof(void *));
    APR_ARRAY_PUSH(*list, void *) = item;
}

const char *sequr_set_sp_certificate(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    const char *file = ap_server_root_relative(cmd->pool, arg);
    const char *msg = NULL;
    saml_err_t err = {0};
    X509 *cert = NULL;
    (void)dc;
    if (sequr_keep_error(cmd, saml_cert_load_file(cmd->pool, file, &cert, &err), &err, file, &msg))
        return msg;
    add_sp_item(cmd->pool, &c->sp_certs, cert);
    if (c->sp_cert == NULL)
        c->sp_cert = cert;
    return NULL;
}

const char *sequr_set_sp_key(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    const char *file = ap_server_root_relative(cmd->pool, arg);
    const char *msg = NULL;
    saml_err_t err = {0};
    EVP_PKEY *key = NULL;
    (void)dc;
    if (sequr_keep_error(cmd, saml_key_load_file(cmd->pool, file, &key, &err), &err, file, &msg))
        return msg;
    add_sp_item(cmd->pool, &c->sp_keys, key);
    if (c->sp_key == NULL)
        c->sp_key = key;
    return NULL;
}

/* SequrSAMLUserAttribute NAME [FALLBACK...]: the first name the assertion
 * carries wins (saml_user_name_choose). In a server, vhost or location; inside
 * <SequrSAMLTenant> for that tenant's users alone (a guest-heavy tenant may
 * need another claim than the home tenant). */
const char *sequr_set_user_attribute(cmd_parms *cmd, void *dc, int argc, char *const argv[])
{
    sequr_dir_conf_t *d = dc;
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    apr_array_header_t *names;
    int i;

    if (argc < 1)
        return apr_psprintf(cmd->pool, "%s needs at least one attribute name", cmd->cmd->name);
    if (argc > 8)
        return apr_psprintf(cmd->pool, "%s: at most 8 attribute names", cmd->cmd->name);
    names = apr_array_make(cmd->pool, argc, sizeof(const char *));
    for (i = 0; i < argc; i++) {
        if (*argv[i] == '\0' || strlen(argv[i]) > 1024)
            return apr_psprintf(cmd->pool, "%s: an attribute name must be 1 to 1024 characters",
                                cmd->cmd->name);
        APR_ARRAY_PUSH(names, const char *) = argv[i];
    }
    /* Whatever location a user visits later, the ACS must refuse at sign-in a
     * value that would be REMOTE_USER there: it knows them all from here. */
    if (c->identity_attributes == NULL)
        c->identity_attributes = apr_array_make(cmd->pool, 2, sizeof(const char *));
    apr_array_cat(c->identity_attributes, names);
    if (c->reading_tenant) {
        c->reading_tenant->user_attributes = names;
        return NULL;
    }
    /* In a server or vhost context dc is the server's default directory config;
     * keep the value on the server too so the ACS (outside any <Location>) sees it. */
    if (cmd->path == NULL) {
        c->user_attribute = argv[0];
        c->user_attributes = names;
    }
    d->user_attribute = argv[0];
    d->user_attributes = names;
    return NULL;
}

/* The address the IdP and browsers use when a load balancer or TLS terminator
 * sits in front: only scheme, host and port, since PATH/acs is appended. */
const char *sequr_set_public_base_url(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_uri_t uri;
    const char *url;
    apr_size_t n = strlen(arg);
    (void)dc;

    if (sequr_parse_url(cmd, arg, &url))
        return apr_psprintf(cmd->pool, "%s: '%s' is not an absolute http(s) URL such as "
                            "https://sso.example.com", cmd->cmd->name, arg);
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || uri.user || uri.password ||
        uri.query || uri.fragment || strchr(arg, '?') || strchr(arg, '#') ||
        (uri.path && *uri.path && strcmp(uri.path, "/")))
        return apr_psprintf(cmd->pool, "%s: '%s' must be scheme://host[:port] only (no user, "
                            "path, query or fragment)", cmd->cmd->name, arg);
    cmd_server_conf(cmd)->public_base_url = apr_pstrndup(cmd->pool, arg,
                                                         arg[n - 1] == '/' ? n - 1 : n);
    return NULL;
}

/* The proxies allowed to tell us the public scheme and host: addresses or
 * networks, never "any", since a client could then choose our ACS URL. */
const char *sequr_add_trusted_proxy(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    char *ip = apr_pstrdup(cmd->pool, arg), *bits = strchr(ip, '/');
    apr_ipsubnet_t *net;
    (void)dc;

    if (bits)
        *bits++ = '\0';
    if ((!apr_isxdigit(*ip) && *ip != ':') ||
        apr_ipsubnet_create(&net, ip, bits, cmd->pool) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: '%s' is not an IP address or ADDRESS/BITS network",
                            cmd->cmd->name, arg);
    if (c->trusted_proxies == NULL)
        c->trusted_proxies = apr_array_make(cmd->pool, 2, sizeof(apr_ipsubnet_t *));
    APR_ARRAY_PUSH(c->trusted_proxies, apr_ipsubnet_t *) = net;
    return NULL;
}

/* SequrSAMLAuthnContextClassRef URI...: the classes a sign-in started here
 * asks for, Comparison="exact" (the only comparison Entra takes), and the
 * answer must carry one of them. Never sent unless configured: Entra refuses
 * MFA and passwordless users when a password class is asked (AADSTS75011). */
const char *sequr_add_authn_context_class_ref(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_dir_conf_t *d = dc;
    const char *p;

    if (*arg == '\0' || strlen(arg) > 1024 || !strchr(arg, ':'))
        return apr_psprintf(cmd->pool, "%s: \"%s\" is not a class URI (such as "
                            "urn:oasis:names:tc:SAML:2.0:ac:classes:X509)", cmd->cmd->name, arg);
    for (p = arg; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return apr_psprintf(cmd->pool, "%s: a class URI holds no spaces, control or "
                                "non-ASCII characters", cmd->cmd->name);
    if (d->class_refs == NULL)
        d->class_refs = apr_array_make(cmd->pool, 2, sizeof(const char *));
    if (d->class_refs->nelts >= SAML_DEMAND_CLASS_REFS_MAX)
        return apr_psprintf(cmd->pool, "%s: at most %d classes", cmd->cmd->name,
                            SAML_DEMAND_CLASS_REFS_MAX);
    APR_ARRAY_PUSH(d->class_refs, const char *) = arg;
    return NULL;
}
