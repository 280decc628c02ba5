/* mod_sequr_saml: SAML 2.0 single sign-on with Microsoft Entra ID (Azure AD)
 * for any site behind Apache httpd 2.4.
 *
 * This file is glue only: the directive table, the module record and its
 * hooks. Configuration is in apache/config*.c and apache/settings*.c, one
 * handler per endpoint in apache/handler_*.c, and everything about SAML
 * itself in saml/, which knows nothing of Apache. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_status.h"

#include "apache/authz.h"
#include "apache/cache_control.h"
#include "apache/config.h"
#include "apache/config_check.h"
#include "apache/config_dump.h"
#include "apache/config_idp.h"
#include "apache/directives.h"
#include "apache/authn.h"
#include "apache/handler_acs.h"
#include "apache/handler_logout.h"
#include "apache/handler_login.h"
#include "apache/handler_session.h"
#include "apache/handler_metadata.h"
#include "apache/log.h"
#include "apache/metrics.h"
#include "apache/session_cookie.h"
#include "apache/settings_table.h"
#include "apache/store_setup.h"
#include "apache/user_check.h"
#include "saml/crypto.h"
#include "saml/xml.h"
#include "apache/idp_metadata_url.h"
#include "saml/metadata_fetch.h"

/* The directive of a row of apache/settings_table.h: its help says the default. */
#define SETTING_COMMAND(ID, NAME, FIELD, KIND, SCOPE, CONTEXT, MIN, MAX, DEF, EXTRA, HELP) \
    COMMAND_##KIND(ID, NAME, FIELD, CONTEXT, DEF, HELP),
#define TAKE1_SETTING(ID, NAME, HANDLER, CONTEXT, HELP) \
    AP_INIT_TAKE1(NAME, HANDLER, (void *)SEQUR_SETTING(ID), CONTEXT, HELP)
#define COMMAND_SECONDS(ID, NAME, FIELD, CONTEXT, DEF, HELP) \
    TAKE1_SETTING(ID, NAME, sequr_set_setting, CONTEXT, SEQUR_HELP_SECONDS(HELP, DEF))
#define COMMAND_COUNT(ID, NAME, FIELD, CONTEXT, DEF, HELP) \
    TAKE1_SETTING(ID, NAME, sequr_set_setting, CONTEXT, SEQUR_HELP_COUNT(HELP, DEF))
#define COMMAND_BYTES(ID, NAME, FIELD, CONTEXT, DEF, HELP) \
    TAKE1_SETTING(ID, NAME, sequr_set_setting, CONTEXT, SEQUR_HELP_BYTES(HELP, DEF))
#define COMMAND_TEXT(ID, NAME, FIELD, CONTEXT, DEF, HELP) \
    TAKE1_SETTING(ID, NAME, sequr_set_setting, CONTEXT, SEQUR_HELP_TEXT(HELP, DEF))
#define COMMAND_TEXT_OPTIONAL(ID, NAME, FIELD, CONTEXT, DEF, HELP) \
    TAKE1_SETTING(ID, NAME, sequr_set_setting, CONTEXT, SEQUR_HELP_TEXT_OPTIONAL(HELP, DEF))
#define COMMAND_CHOICE(ID, NAME, FIELD, CONTEXT, DEF, HELP) \
    TAKE1_SETTING(ID, NAME, sequr_set_setting, CONTEXT, SEQUR_HELP_CHOICE(HELP, DEF))
#define COMMAND_CHOICE_OWN(ID, NAME, FIELD, CONTEXT, DEF, HELP) \
    TAKE1_SETTING(ID, NAME, sequr_set_##FIELD, CONTEXT, SEQUR_HELP_CHOICE_OWN(HELP, DEF))
#define COMMAND_FLAG(ID, NAME, FIELD, CONTEXT, DEF, HELP) \
    AP_INIT_FLAG(NAME, sequr_set_flag_setting, (void *)SEQUR_SETTING(ID), CONTEXT, \
                 SEQUR_HELP_FLAG(HELP, DEF))

#define SRV RSRC_CONF
static const command_rec sequr_directives[] = {
    AP_INIT_TAKE1(D_SP_ENTITY_ID, sequr_set_sp_entity_id, NULL, SRV,
                  "SP entity ID, an http(s) URL (the 'Identifier' in Microsoft Entra ID (Azure AD)): "
                  "the Audience assertions must carry"),
    AP_INIT_TAKE1(D_IDP_SSO_URL, sequr_set_idp_url, NULL, SRV, "the Login URL Microsoft Entra ID (Azure AD) shows (SAML Single Sign-On Service)"),
    AP_INIT_TAKE1(D_IDP_SLO_URL, sequr_set_idp_url, NULL, SRV,
                  "Azure's Logout URL (https://login.microsoftonline.com/<tenant-id>/saml2), or "
                  "none; default: the IdP metadata's SingleLogoutService"),
    AP_INIT_ITERATE(D_IDP_CERTIFICATE_FILE, sequr_set_idp_certificate, NULL, SRV,
                    "IdP signing certificate (PEM, Base64 DER or DER); repeat for key rollover"),
    AP_INIT_TAKE1(D_IDP_ENTITY_ID, sequr_set_idp_url, NULL, SRV,
                  "Expected Issuer, e.g. https://sts.windows.net/<tenant-id>/"),
    AP_INIT_TAKE1(D_IDP_METADATA_FILE, sequr_set_idp_metadata, NULL, SRV,
                  "Azure Federation Metadata XML (all signing certificates are taken)"),
    AP_INIT_TAKE1(D_IDP_METADATA_URL, sequr_set_idp_metadata_url, NULL, SRV,
                  "https URL of the app's federation metadata (https://login.microsoftonline.com/"
                  "<tenant-id>/federationmetadata/2007-06/federationmetadata.xml?appid=<app-id>), "
                  "fetched at start-up and every " D_IDP_METADATA_REFRESH " seconds; also per tenant"),
    AP_INIT_TAKE1(D_IDP_METADATA_CA_FILE, sequr_set_idp_metadata_ca_file, NULL, SRV,
                  "CA bundle (PEM) that verifies the " D_IDP_METADATA_URL " server; default: "
                  "the system's CA store"),
    AP_INIT_TAKE_ARGV(D_USER_ATTRIBUTE, sequr_set_user_attribute, NULL, SRV | ACCESS_CONF,
                      "Attribute whose value becomes REMOTE_USER, then fallbacks: the first the "
                      "assertion carries wins (default: the NameID); also per tenant"),
    AP_INIT_TAKE1(D_SP_CERTIFICATE_FILE, sequr_set_sp_certificate, NULL, SRV,
                  "The SP's certificate (PEM); repeat with " D_SP_PRIVATE_KEY_FILE " for a key "
                  "rollover: the n-th certificate goes with the n-th key, the first pair signs"),
    AP_INIT_TAKE1(D_SP_PRIVATE_KEY_FILE, sequr_set_sp_key, NULL, SRV,
                  "The SP's private key (PEM); repeat for a key rollover: every key decrypts"),
    AP_INIT_TAKE1(D_CACHE, sequr_set_cache, NULL, SRV,
                  "Where sessions and the replay cache live: file[:PATH] (default), "
                  "memcache:HOST:PORT[,HOST:PORT...], redis:HOST:PORT[,HOST:PORT...] or dbd "
                  "(the table sequr_saml_cache in mod_dbd's database)"),
    AP_INIT_TAKE1(D_COOKIE_KEY_FILE, sequr_set_cookie_key_file, NULL, SRV,
                  "Secret (32 to 4096 bytes, mode 0600) sealing the sign-in request cookies; the "
                  "same file on every server of a farm. Default: made at first start next to "
                  "the file store (PATH.key), or in the runtime directory with memcache/redis"),
    SEQUR_SERVER_SETTINGS(SETTING_COMMAND)
    AP_INIT_TAKE1(D_PUBLIC_BASE_URL, sequr_set_public_base_url, NULL, SRV,
                  "scheme://host[:port] the IdP and browsers use when a proxy or TLS terminator "
                  "is in front (ACS URL, Destination, cookie Secure)"),
    AP_INIT_ITERATE(D_TRUST_FORWARDED_HEADERS, sequr_add_trusted_proxy, NULL, SRV,
                    "Addresses or networks (ADDRESS/BITS) of proxies whose X-Forwarded-Proto "
                    "and X-Forwarded-Host give the public URL when no public base URL is set"),
    SEQUR_DIR_SETTINGS(SETTING_COMMAND)
    AP_INIT_ITERATE(D_AUTHN_CONTEXT_CLASS_REF, sequr_add_authn_context_class_ref, NULL,
                    ACCESS_CONF | OR_AUTHCFG,
                    "AuthnContextClassRef URIs sign-ins started here ask for, Comparison exact; "
                    "the answer must carry one (default: none asked, as Entra wants)"),
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


static int sequr_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)pconf;
    (void)ptemp;
    /* Once per Apache parent; children inherit the initialised libraries. */
    saml_metadata_fetch_init();
    if (saml_crypto_init() != APR_SUCCESS) {
        ap_log_perror(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, plog,
                      SEQLOGNO(01701) "cannot initialise libxml2/xmlsec/OpenSSL");
        return !OK;
    }
    return OK;
}

static int sequr_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    /* Apache reads its configuration twice at start-up: warn once. */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG)
        sequr_warn_expiring_certificates(ptemp, s, 0);
    /* Before the store, which is metered when the counters exist. */
    if (sequr_metrics_setup(pconf, s) != OK)
        return HTTP_INTERNAL_SERVER_ERROR;
    if (sequr_store_setup(pconf, s) != OK)
        return HTTP_INTERNAL_SERVER_ERROR;
    return sequr_cookie_key_setup(pconf, s);
}

/* Our endpoints are answered before any access control: they must work under
 * a "<Location />" that is itself protected, and no other handler (mod_proxy
 * in particular) may take them over. */
static int sequr_quick_handler(request_rec *r, int lookup)
{
    const sequr_server_conf_t *c;
    const char *path, *ep, *rest;
    apr_size_t n;

    if (lookup || r->main)
        return DECLINED;
    c = sequr_server_conf(r->server);
    if (c == NULL || c->sp_entity_id == NULL || c->store == NULL)
        return DECLINED;
    path = r->parsed_uri.path;
    ep = sequr_endpoint_path(c);
    n = strlen(ep);
    if (path == NULL || strncmp(path, ep, n) || path[n] != '/')
        return DECLINED;
    rest = path + n + 1;
    if (!strcmp(rest, "acs"))
        return c->verifier ? sequr_handle_acs(r, c) : DECLINED;
    if (!strcmp(rest, "metadata"))
        return sequr_handle_metadata(r, c);
    if (!strcmp(rest, "logout"))
        return sequr_handle_logout(r, c);
    if (!strcmp(rest, "login"))
        return c->verifier ? sequr_handle_login(r, c) : DECLINED;
    if (!strcmp(rest, "session"))
        return sequr_handle_session(r, c);
    return DECLINED;
}

static void sequr_register_hooks(apr_pool_t *p)
{
    static const char *const watchdog_after[] = { "mod_watchdog.c", NULL };
    ap_hook_pre_config(sequr_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    sequr_config_dump_register();       /* -D SEQUR_SAML_DUMP, ahead of the check below */
    ap_hook_check_config(sequr_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(sequr_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* Callbacks are registered before mod_watchdog's post_config starts its watchdogs. */
    ap_hook_post_config(sequr_idp_metadata_url_watch, NULL, watchdog_after, APR_HOOK_LAST);
    ap_hook_quick_handler(sequr_quick_handler, NULL, NULL, APR_HOOK_FIRST);
    /* Before any access control and whatever it decides (see authn.c). */
    ap_hook_post_perdir_config(sequr_remove_spoofed_headers, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_check_authn(sequr_check_user_id, NULL, NULL, APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
    /* First, so mod_rewrite's per-directory rules and the other fixups see the user. */
    ap_hook_fixups(sequr_pass_anonymous, NULL, NULL, APR_HOOK_REALLY_FIRST);
    sequr_register_authz_providers(p);
    sequr_register_cache_control(p);
    /* PATH/metrics is a handler, after access control: the admin's Require
     * lines guard it. First, so that no other handler takes the path. */
    ap_hook_handler(sequr_metrics_handler, NULL, NULL, APR_HOOK_FIRST);
    APR_OPTIONAL_HOOK(ap, status_hook, sequr_metrics_status, NULL, NULL, APR_HOOK_MIDDLE);
}

/* The settings, then the IdPs, which a vhost inherits as a unit (config_idp.c). */
static void *merge_server_conf(apr_pool_t *p, void *base, void *add)
{
    sequr_server_conf_t *m = sequr_merge_server_conf(p, base, add);
    sequr_merge_idps(p, m, base, add);
    return m;
}

AP_DECLARE_MODULE(sequr_saml) = {
    STANDARD20_MODULE_STUFF,
    sequr_create_dir_conf,
    sequr_merge_dir_conf,
    sequr_create_server_conf,
    merge_server_conf,
    sequr_directives,
    sequr_register_hooks,
    AP_MODULE_FLAG_NONE
};
