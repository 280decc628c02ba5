/* mod_sequr_saml: SAML 2.0 single sign-on with Microsoft Entra ID (Azure AD)
 * for any site behind Apache httpd 2.4.
 *
 * This file is glue only: the module record and its hooks. Configuration is
 * in apache/config*.c, one handler per endpoint in apache/handler_*.c, and
 * everything about SAML itself in saml/, which knows nothing of Apache. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "apache/authz.h"
#include "apache/cache_control.h"
#include "apache/config.h"
#include "apache/config_dump.h"
#include "apache/directives.h"
#include "apache/handlers.h"
#include "apache/log.h"
#include "apache/store_setup.h"
#include "saml/crypto.h"
#include "saml/xml.h"


static int sequr_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)pconf;
    (void)ptemp;
    /* Once per Apache parent; children inherit the initialised libraries. */
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
    return DECLINED;
}

static void sequr_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(sequr_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    sequr_config_dump_register();       /* -D SEQUR_SAML_DUMP, ahead of the check below */
    ap_hook_check_config(sequr_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(sequr_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_quick_handler(sequr_quick_handler, NULL, NULL, APR_HOOK_FIRST);
    /* Before any access control and whatever it decides (see authn.c). */
    ap_hook_post_perdir_config(sequr_remove_spoofed_headers, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_check_authn(sequr_check_user_id, NULL, NULL, APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
    sequr_register_authz_providers(p);
    sequr_register_cache_control(p);
}

AP_DECLARE_MODULE(sequr_saml) = {
    STANDARD20_MODULE_STUFF,
    sequr_create_dir_conf,
    sequr_merge_dir_conf,
    sequr_create_server_conf,
    sequr_merge_server_conf,
    sequr_directives,
    sequr_register_hooks,
    AP_MODULE_FLAG_NONE
};
