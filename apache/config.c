/* The directive table, and the per-server and per-directory configuration
 * with its defaults. The IdP directives and <SequrSAMLTenant> sections are
 * read in config_idp.c; the start-up checks are in config_check.c. */
#include "apache/config.h"
#include "apache/config_idp.h"

#include "apr_lib.h"
#include "apr_network_io.h"
#include "apr_strings.h"
#include "apr_uri.h"
#include "http_log.h"

#include "apache/cache_control.h"
#include "saml/certificate.h"
#include "apache/directives.h"
#include "apache/log.h"
#include "saml/relay_state.h"
#include "apache/store_setup.h"
#include "apache/user_check.h"

APLOG_USE_MODULE(sequr_saml);
extern module AP_MODULE_DECLARE_DATA sequr_saml_module;

/* The other defaults are applied once at start-up (config_check.c). */
#define DEFAULT_ENDPOINT_PATH     "/saml"
#define DEFAULT_COOKIE_NAME       "sequr_saml_session"
#define DEFAULT_ENV_PREFIX        "SEQUR_SAML_"
#define DEFAULT_ENV_SEPARATOR     ";"
#define DEFAULT_HEADER_PREFIX     "Sequr-SAML-"

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
    c->clock_skew = SEQUR_UNSET;
    c->allow_unsolicited = SEQUR_UNSET;
    c->session_max_age = SEQUR_UNSET;
    c->session_idle_timeout = SEQUR_UNSET;
    c->allow_sha1 = SEQUR_UNSET;
    c->allow_expired_idp_cert = SEQUR_UNSET;
    c->max_response_size = SEQUR_UNSET;
    c->request_lifetime = SEQUR_UNSET;
    c->cache_entries = SEQUR_UNSET;
    c->idp = apr_pcalloc(p, sizeof(*c->idp));
    c->idp->name = "";
    c->idp->from_metadata = SEQUR_UNSET;
    c->user_store = SEQUR_UNSET;
    c->user_recheck_interval = SEQUR_UNSET;
    c->logout_signatures = SEQUR_UNSET;
    return c;
}

#define MERGE_PTR(f) m->f = add->f ? add->f : base->f
#define MERGE_INT(f) m->f = add->f != SEQUR_UNSET ? add->f : base->f

void *sequr_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    sequr_server_conf_t *base = basev, *add = addv;
    sequr_server_conf_t *m = apr_pcalloc(p, sizeof(*m));

    MERGE_PTR(sp_entity_id);
    MERGE_PTR(endpoint_path);
    MERGE_PTR(sp_cert);
    MERGE_PTR(sp_key);
    MERGE_PTR(user_attribute);
    MERGE_PTR(landing_path);
    MERGE_PTR(cookie_name);
    MERGE_PTR(name_id_format);
    MERGE_INT(clock_skew);
    MERGE_INT(allow_unsolicited);
    MERGE_INT(session_max_age);
    MERGE_INT(session_idle_timeout);
    MERGE_INT(allow_sha1);
    MERGE_INT(allow_expired_idp_cert);
    MERGE_INT(max_response_size);
    MERGE_INT(request_lifetime);
    MERGE_INT(user_store);
    MERGE_INT(user_recheck_interval);
    MERGE_PTR(user_store_contact);
    MERGE_INT(logout_signatures);
    MERGE_PTR(public_base_url);
    MERGE_PTR(trusted_proxies);
    /* A vhost inherits the main server's <Location>s: their user attributes too. */
    m->identity_attributes = base->identity_attributes;
    if (add->identity_attributes)
        m->identity_attributes = base->identity_attributes
            ? apr_array_append(p, base->identity_attributes, add->identity_attributes)
            : add->identity_attributes;
    sequr_merge_idps(p, m, base, add);
    m->cache_spec = base->cache_spec;   /* one store per server process */
    m->cache_entries = base->cache_entries;
    m->cookie_key_file = base->cookie_key_file;   /* one key per server process */
    return m;
}

void *sequr_create_dir_conf(apr_pool_t *p, char *dir)
{
    sequr_dir_conf_t *c = apr_pcalloc(p, sizeof(*c));
    (void)dir;
    c->unauth_action = SEQUR_UNSET;
    c->request_headers = SEQUR_UNSET;
    return c;
}

void *sequr_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    sequr_dir_conf_t *base = basev, *add = addv;
    sequr_dir_conf_t *m = apr_pcalloc(p, sizeof(*m));
    MERGE_PTR(user_attribute);
    MERGE_INT(unauth_action);
    MERGE_PTR(env_prefix);
    MERGE_PTR(env_separator);
    MERGE_INT(request_headers);
    MERGE_PTR(request_header_prefix);
    MERGE_PTR(tenant);
    MERGE_PTR(cache_control);
    return m;
}

apr_interval_time_t sequr_clock_skew(const sequr_server_conf_t *c)
{
    return apr_time_from_sec(c->clock_skew);
}

const char *sequr_endpoint_path(const sequr_server_conf_t *c)
{
    return c->endpoint_path ? c->endpoint_path : DEFAULT_ENDPOINT_PATH;
}

const char *sequr_cookie_name(const sequr_server_conf_t *c)
{
    return c->cookie_name ? c->cookie_name : DEFAULT_COOKIE_NAME;
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
    return d && d->env_prefix ? d->env_prefix : DEFAULT_ENV_PREFIX;
}

const char *sequr_env_separator(const request_rec *r)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    return d && d->env_separator ? d->env_separator : DEFAULT_ENV_SEPARATOR;
}

int sequr_request_headers_on(const request_rec *r)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    return d && d->request_headers == 1;
}

const char *sequr_request_header_prefix(const request_rec *r)
{
    const sequr_dir_conf_t *d = sequr_dir_conf(r);
    return d && d->request_header_prefix ? d->request_header_prefix : DEFAULT_HEADER_PREFIX;
}

/* ---- value parsing ------------------------------------------------------- */

static sequr_server_conf_t *cmd_server_conf(cmd_parms *cmd)
{
    return sequr_server_conf(cmd->server);
}

/* An absolute http(s) URL with a host: anything else cannot be an entity id
 * Azure accepts or a place to send a browser. */
const char *sequr_parse_url(cmd_parms *cmd, const char *arg, const char **out)
{
    apr_uri_t uri;
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || uri.scheme == NULL ||
        (strcasecmp(uri.scheme, "https") && strcasecmp(uri.scheme, "http")) ||
        uri.hostname == NULL || *uri.hostname == '\0' || strpbrk(arg, " \t\r\n\"<>\\"))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid http(s) URL with a host",
                            cmd->cmd->name, arg);
    *out = arg;
    return NULL;
}

static const char *parse_seconds(cmd_parms *cmd, const char *arg, int min, int max, int *out)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' must be a whole number of seconds from %d to %d",
                            cmd->cmd->name, arg, min, max);
    *out = (int)v;
    return NULL;
}

static const char *parse_local_path(cmd_parms *cmd, const char *arg, const char **out)
{
    if (!saml_is_local_path(arg))
        return apr_psprintf(cmd->pool, "%s: '%s' must be a local path starting with one '/'",
                            cmd->cmd->name, arg);
    *out = arg;
    return NULL;
}

/* ---- directive handlers --------------------------------------------------- */

static const char *set_sp_entity_id(cmd_parms *cmd, void *dc, const char *arg)
{
    (void)dc;
    return sequr_parse_url(cmd, arg, &cmd_server_conf(cmd)->sp_entity_id);
}

static const char *set_endpoint_path(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    apr_size_t n = strlen(arg);
    (void)dc;
    if (!saml_is_local_path(arg) || strchr(arg, '?') || strchr(arg, '#') || n < 2)
        return apr_psprintf(cmd->pool, "%s: '%s' must be a path such as /saml", cmd->cmd->name, arg);
    c->endpoint_path = apr_pstrndup(cmd->pool, arg, arg[n - 1] == '/' ? n - 1 : n);
    return NULL;
}

apr_status_t sequr_keep_error(cmd_parms *cmd, apr_status_t rv, const saml_err_t *err,
                              const char *file, const char **msg)
{
    if (rv != APR_SUCCESS)
        *msg = apr_psprintf(cmd->pool, "%s: cannot use '%s': %s", cmd->cmd->name, file,
                            err->detail ? err->detail : "unknown error");
    return rv;
}

static const char *set_sp_certificate(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    const char *file = ap_server_root_relative(cmd->pool, arg);
    const char *msg = NULL;
    saml_err_t err = {0};
    (void)dc;
    if (sequr_keep_error(cmd, saml_cert_load_file(cmd->pool, file, &c->sp_cert, &err), &err, file, &msg))
        return msg;
    return NULL;
}

static const char *set_sp_key(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    const char *file = ap_server_root_relative(cmd->pool, arg);
    const char *msg = NULL;
    saml_err_t err = {0};
    (void)dc;
    if (sequr_keep_error(cmd, saml_key_load_file(cmd->pool, file, &c->sp_key, &err), &err, file, &msg))
        return msg;
    return NULL;
}

static const char *set_user_attribute(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_dir_conf_t *d = dc;
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    if (*arg == '\0' || strlen(arg) > 1024)
        return apr_psprintf(cmd->pool, "%s: the attribute name must not be empty", cmd->cmd->name);
    /* Whatever location a user visits later, the ACS must refuse at sign-in a
     * value that would be REMOTE_USER there: it knows them all from here. */
    if (c->identity_attributes == NULL)
        c->identity_attributes = apr_array_make(cmd->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(c->identity_attributes, const char *) = arg;
    /* In a server or vhost context dc is the server's default directory config;
     * keep the value on the server too so the ACS (outside any <Location>) sees it. */
    if (cmd->path == NULL)
        cmd_server_conf(cmd)->user_attribute = arg;
    d->user_attribute = arg;
    return NULL;
}

static const char *set_cache(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)dc;
    if (err)
        return err;
    if ((err = sequr_store_spec_check(cmd->temp_pool, arg)) != NULL)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    cmd_server_conf(cmd)->cache_spec = arg;
    return NULL;
}

static const char *set_cookie_key_file(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)dc;
    if (err)
        return err;
    cmd_server_conf(cmd)->cookie_key_file = ap_server_root_relative(cmd->pool, arg);
    if (cmd_server_conf(cmd)->cookie_key_file == NULL)
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name, arg);
    return NULL;
}

static const char *set_int(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    const char *name = cmd->cmd->name;
    (void)dc;
    if (!strcasecmp(name, D_CLOCK_SKEW))
        return parse_seconds(cmd, arg, 0, 3600, &c->clock_skew);
    if (!strcasecmp(name, D_SESSION_MAX_AGE))
        return parse_seconds(cmd, arg, 1, 366 * 86400, &c->session_max_age);
    if (!strcasecmp(name, D_SESSION_IDLE_TIMEOUT))
        return parse_seconds(cmd, arg, 0, 366 * 86400, &c->session_idle_timeout);
    if (!strcasecmp(name, D_CACHE_ENTRIES)) {
        const char *e = ap_check_cmd_context(cmd, GLOBAL_ONLY);
        if (e)
            return e;
        if (parse_seconds(cmd, arg, 1024, 1 << 24, &c->cache_entries))
            return apr_psprintf(cmd->pool, "%s: '%s' must be a number of entries from 1024 to "
                                "16777216", name, arg);
        return NULL;
    }
    if (!strcasecmp(name, D_REQUEST_LIFETIME))
        return parse_seconds(cmd, arg, 10, 86400, &c->request_lifetime);
    if (!strcasecmp(name, D_USER_RECHECK_INTERVAL))
        return parse_seconds(cmd, arg, 0, 86400, &c->user_recheck_interval);
    if (!strcasecmp(name, D_MAX_RESPONSE_SIZE)) {
        int v;
        const char *e = parse_seconds(cmd, arg, 4096, 16 * 1024 * 1024, &v);
        if (e)
            return apr_psprintf(cmd->pool, "%s: '%s' must be a size in bytes from 4096 to 16777216",
                                name, arg);
        c->max_response_size = v;
        return NULL;
    }
    return "unknown numeric directive";
}

static const char *set_flag(cmd_parms *cmd, void *dc, int on)
{
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    (void)dc;
    if (!strcasecmp(cmd->cmd->name, D_ALLOW_UNSOLICITED))
        c->allow_unsolicited = on;
    else if (!strcasecmp(cmd->cmd->name, D_ALLOW_EXPIRED_IDP_CERT))
        c->allow_expired_idp_cert = on;
    else
        c->allow_sha1 = on;
    return NULL;
}

static const char *set_string(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    const char *name = cmd->cmd->name;
    (void)dc;
    if (!strcasecmp(name, D_LANDING_PATH))
        return parse_local_path(cmd, arg, &c->landing_path);
    if (!strcasecmp(name, D_COOKIE_NAME)) {
        /* RFC 6265 token characters only: the name is written into Set-Cookie. */
        if (*arg == '\0' || strlen(arg) > 64 ||
            arg[strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")])
            return apr_psprintf(cmd->pool, "%s: '%s' is not a valid cookie name", name, arg);
        c->cookie_name = arg;
        return NULL;
    }
    if (!strcasecmp(name, D_NAMEID_FORMAT)) {
        if (strncmp(arg, "urn:oasis:names:tc:SAML:", 24))
            return apr_psprintf(cmd->pool, "%s: '%s' is not a SAML NameID format URN", name, arg);
        c->name_id_format = arg;
        return NULL;
    }
    if (!strcasecmp(name, D_USER_STORE_CONTACT)) {
        if (*arg == '\0' || strlen(arg) > 512)
            return apr_psprintf(cmd->pool, "%s: give 1 to 512 characters", name);
        c->user_store_contact = arg;
        return NULL;
    }
    return "unknown directive";
}

static const char *set_logout_signatures(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = cmd_server_conf(cmd);
    (void)dc;
    if (!strcasecmp(arg, "required"))
        c->logout_signatures = 1;
    else if (!strcasecmp(arg, "optional"))
        c->logout_signatures = 0;
    else if (!strcasecmp(arg, "optional-name-only"))
        c->logout_signatures = 2;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' must be required, optional or "
                            "optional-name-only", cmd->cmd->name, arg);
    return NULL;
}

static const char *set_unauth_action(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_dir_conf_t *d = dc;
    if (!strcasecmp(arg, "auto"))
        d->unauth_action = SEQUR_UNAUTH_AUTO;
    else if (!strcasecmp(arg, "redirect"))
        d->unauth_action = SEQUR_UNAUTH_REDIRECT;
    else if (!strcmp(arg, "401"))
        d->unauth_action = SEQUR_UNAUTH_401;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' must be auto, redirect or 401", cmd->cmd->name, arg);
    return NULL;
}

/* The prefix is the namespace the application trusts: it must make variable
 * names, must not be empty (an attribute could then be called PATH) and must
 * not be HTTP_ (where CGI puts the client's own headers). */
static const char *set_env_prefix(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_dir_conf_t *d = dc;
    apr_size_t n = strlen(arg);
    if (n == 0 || n > 32 || !apr_isalpha(*arg) || strncasecmp(arg, "HTTP_", 5) == 0 ||
        arg[strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")])
        return apr_psprintf(cmd->pool, "%s: '%s' must be 1 to 32 letters, digits and '_', "
                            "start with a letter and not start with HTTP_", cmd->cmd->name, arg);
    d->env_prefix = arg;
    return NULL;
}

static const char *set_env_separator(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_dir_conf_t *d = dc;
    const char *c;
    if (*arg == '\0' || strlen(arg) > 16)
        return apr_psprintf(cmd->pool, "%s: give 1 to 16 characters", cmd->cmd->name);
    for (c = arg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return apr_psprintf(cmd->pool, "%s: no control characters", cmd->cmd->name);
    d->env_separator = arg;
    return NULL;
}

/* The address the IdP and browsers use when a load balancer or TLS terminator
 * sits in front: only scheme, host and port, since PATH/acs is appended. */
static const char *set_public_base_url(cmd_parms *cmd, void *dc, const char *arg)
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
static const char *add_trusted_proxy(cmd_parms *cmd, void *dc, const char *arg)
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

/* A header name the backend can tell apart from what clients send: token
 * characters, and '_' left out since some servers turn it into '-'. */
static const char *set_request_header_prefix(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_dir_conf_t *d = dc;
    apr_size_t n = strlen(arg);
    if (n < 2 || n > 32 || !apr_isalpha(*arg) ||
        arg[strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")])
        return apr_psprintf(cmd->pool, "%s: '%s' must be 2 to 32 letters, digits and '-', "
                            "starting with a letter", cmd->cmd->name, arg);
    d->request_header_prefix = arg;
    return NULL;
}

static const char *set_request_headers(cmd_parms *cmd, void *dc, int on)
{
    sequr_dir_conf_t *d = dc;
    (void)cmd;
    d->request_headers = on;
    return NULL;
}

#define SRV RSRC_CONF
const command_rec sequr_directives[] = {
    AP_INIT_TAKE1(D_SP_ENTITY_ID, set_sp_entity_id, NULL, SRV,
                  "SP entity ID (Azure 'Identifier'): the Audience assertions must carry"),
    AP_INIT_TAKE1(D_ENDPOINT_PATH, set_endpoint_path, NULL, SRV,
                  "Path of the module's endpoints (default /saml): PATH/acs, PATH/metadata, PATH/logout"),
    AP_INIT_TAKE1(D_IDP_SSO_URL, sequr_set_idp_url, NULL, SRV, "Azure's SAML Single Sign-On Service URL"),
    AP_INIT_TAKE1(D_IDP_SLO_URL, sequr_set_idp_url, NULL, SRV,
                  "Azure's Logout URL (https://login.microsoftonline.com/<tenant-id>/saml2), or "
                  "none; default: the IdP metadata's SingleLogoutService"),
    AP_INIT_TAKE1(D_LOGOUT_SIGNATURES, set_logout_signatures, NULL, SRV,
                  "optional (default: verified when present; an unsigned LogoutRequest ends "
                  "only sessions whose SessionIndex it names), required (unsigned logout "
                  "messages from the IdP refused) or optional-name-only (unsafe: an unsigned "
                  "LogoutRequest naming only a NameID ends every session of that NameID)"),
    AP_INIT_ITERATE(D_IDP_CERTIFICATE_FILE, sequr_set_idp_certificate, NULL, SRV,
                    "IdP signing certificate (PEM, Base64 DER or DER); repeat for key rollover"),
    AP_INIT_TAKE1(D_IDP_ENTITY_ID, sequr_set_idp_url, NULL, SRV,
                  "Expected Issuer, e.g. https://sts.windows.net/<tenant-id>/"),
    AP_INIT_TAKE1(D_IDP_METADATA_FILE, sequr_set_idp_metadata, NULL, SRV,
                  "Azure Federation Metadata XML (all signing certificates are taken)"),
    AP_INIT_TAKE1(D_USER_ATTRIBUTE, set_user_attribute, NULL, SRV | ACCESS_CONF,
                  "Attribute whose value becomes REMOTE_USER (default: the NameID)"),
    AP_INIT_TAKE1(D_SP_CERTIFICATE_FILE, set_sp_certificate, NULL, SRV, "The SP's certificate (PEM)"),
    AP_INIT_TAKE1(D_SP_PRIVATE_KEY_FILE, set_sp_key, NULL, SRV, "The SP's private key (PEM)"),
    AP_INIT_TAKE1(D_CACHE, set_cache, NULL, SRV,
                  "Where sessions and the replay cache live: file[:PATH] (default), "
                  "memcache:HOST:PORT[,HOST:PORT...] or redis:HOST:PORT[,HOST:PORT...]"),
    AP_INIT_TAKE1(D_COOKIE_KEY_FILE, set_cookie_key_file, NULL, SRV,
                  "Secret (32 to 4096 bytes, mode 0600) sealing the sign-in request cookies; the "
                  "same file on every server of a farm. Default: made at first start next to "
                  "the file store (PATH.key), or in the runtime directory with memcache/redis"),
    AP_INIT_TAKE1(D_CACHE_ENTRIES, set_int, NULL, SRV,
                  "Capacity of the file store: sessions + replay entries + answered-request markers "
                  "(default 65536)"),
    AP_INIT_TAKE1(D_CLOCK_SKEW, set_int, NULL, SRV, "Allowed clock skew in seconds (default 180)"),
    AP_INIT_FLAG(D_ALLOW_UNSOLICITED, set_flag, NULL, SRV,
                 "Accept IdP-initiated (unsolicited) responses (default On)"),
    AP_INIT_TAKE1(D_LANDING_PATH, set_string, NULL, SRV,
                  "Where IdP-initiated sign-in lands without a local RelayState (default /)"),
    AP_INIT_TAKE1(D_SESSION_MAX_AGE, set_int, NULL, SRV, "Session lifetime in seconds (default 28800)"),
    AP_INIT_TAKE1(D_SESSION_IDLE_TIMEOUT, set_int, NULL, SRV,
                  "Session idle timeout in seconds, 0 = none (default 3600)"),
    AP_INIT_TAKE1(D_COOKIE_NAME, set_string, NULL, SRV, "Session cookie name (default sequr_saml_session)"),
    AP_INIT_FLAG(D_ALLOW_SHA1, set_flag, NULL, SRV, "Accept SHA-1 signatures (default Off)"),
    AP_INIT_FLAG(D_ALLOW_EXPIRED_IDP_CERT, set_flag, NULL, SRV,
                 "Keep verifying with IdP certificates past their expiry date (default Off)"),
    AP_INIT_TAKE1(D_NAMEID_FORMAT, set_string, NULL, SRV,
                  "NameIDPolicy Format asked of the IdP (default emailAddress)"),
    AP_INIT_TAKE1(D_MAX_RESPONSE_SIZE, set_int, NULL, SRV,
                  "Largest SAML message accepted, in bytes (default 49152)"),
    AP_INIT_TAKE1(D_REQUEST_LIFETIME, set_int, NULL, SRV,
                  "How long a sign-in request may stay unanswered, in seconds (default 600)"),
    AP_INIT_TAKE1(D_USER_STORE, sequr_set_user_store, NULL, SRV,
                  "dbd: admit only users active in the Sequr user store (needs mod_dbd); none (default)"),
    AP_INIT_TAKE1(D_USER_RECHECK_INTERVAL, set_int, NULL, SRV,
                  "Seconds between user store checks of a signed-in user (default 60)"),
    AP_INIT_TAKE1(D_USER_STORE_CONTACT, set_string, NULL, SRV,
                  "Who to ask for Sequr activation, shown on the refusal page"),
    AP_INIT_TAKE1(D_UNAUTHENTICATED, set_unauth_action, NULL, ACCESS_CONF | OR_AUTHCFG,
                  "What a request without a session gets: auto (default), redirect or 401"),
    AP_INIT_TAKE1(D_ENV_PREFIX, set_env_prefix, NULL, SRV | ACCESS_CONF,
                  "Prefix of the attribute variables given to the application (default SEQUR_SAML_)"),
    AP_INIT_TAKE1(D_ENV_SEPARATOR, set_env_separator, NULL, SRV | ACCESS_CONF,
                  "Between the values of a multi-valued attribute variable (default ;)"),
    AP_INIT_TAKE1(D_PUBLIC_BASE_URL, set_public_base_url, NULL, SRV,
                  "scheme://host[:port] the IdP and browsers use when a proxy or TLS terminator "
                  "is in front (ACS URL, Destination, cookie Secure)"),
    AP_INIT_ITERATE(D_TRUST_FORWARDED_HEADERS, add_trusted_proxy, NULL, SRV,
                    "Addresses or networks (ADDRESS/BITS) of proxies whose X-Forwarded-Proto "
                    "and X-Forwarded-Host give the public URL when no public base URL is set"),
    AP_INIT_FLAG(D_REQUEST_HEADERS, set_request_headers, NULL, SRV | ACCESS_CONF,
                 "Also pass the user and attributes to a proxied backend as request headers "
                 "(default Off)"),
    AP_INIT_TAKE1(D_REQUEST_HEADER_PREFIX, set_request_header_prefix, NULL, SRV | ACCESS_CONF,
                  "Prefix of those request headers (default Sequr-SAML-)"),
    AP_INIT_RAW_ARGS(D_TENANT_SECTION, sequr_start_tenant, NULL, SRV,
                     "<SequrSAMLTenant NAME>: an Azure tenant (IdP) of this server, described "
                     "by the IdP directives inside"),
    AP_INIT_TAKE1(D_TENANT_NAME, sequr_set_tenant_name, NULL, ACCESS_CONF | OR_AUTHCFG,
                  "The tenant (<SequrSAMLTenant NAME>) this location signs in with; default: "
                  "the server's own IdP directives"),
    AP_INIT_TAKE1(D_CACHE_CONTROL, sequr_set_cache_control, NULL, SRV | ACCESS_CONF | OR_AUTHCFG,
                  "Cache-Control of pages a signed-in user is let in to, unless the application "
                  "sets one; none for no header. Default 'private, no-store': no shared cache keeps "
                  "one user's page, and Back after sign-out cannot show it"),
    {NULL}
};
