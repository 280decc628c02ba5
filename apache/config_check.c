/* Start-up checks: a configuration that cannot work fails `apachectl
 * configtest` with the file and line, rather than failing a user later. */
#include "config.h"

#include "apr_strings.h"
#include "http_config.h"
#include "http_log.h"

#include "directives.h"
#include "log.h"

APLOG_USE_MODULE(sequr_saml);

#define DEFAULT_CLOCK_SKEW        180
#define DEFAULT_LANDING_PATH      "/"
#define DEFAULT_SESSION_MAX_AGE   28800
#define DEFAULT_IDLE_TIMEOUT      3600
#define DEFAULT_MAX_RESPONSE_SIZE (256 * 1024)
#define DEFAULT_REQUEST_LIFETIME  600

static void apply_defaults(sequr_server_conf_t *c)
{
    if (c->clock_skew == SEQUR_UNSET)
        c->clock_skew = DEFAULT_CLOCK_SKEW;
    if (c->allow_unsolicited == SEQUR_UNSET)
        c->allow_unsolicited = 1;
    if (c->landing_path == NULL)
        c->landing_path = DEFAULT_LANDING_PATH;
    if (c->session_max_age == SEQUR_UNSET)
        c->session_max_age = DEFAULT_SESSION_MAX_AGE;
    if (c->session_idle_timeout == SEQUR_UNSET)
        c->session_idle_timeout = DEFAULT_IDLE_TIMEOUT;
    if (c->allow_sha1 == SEQUR_UNSET)
        c->allow_sha1 = 0;
    if (c->max_response_size == SEQUR_UNSET)
        c->max_response_size = DEFAULT_MAX_RESPONSE_SIZE;
    if (c->request_lifetime == SEQUR_UNSET)
        c->request_lifetime = DEFAULT_REQUEST_LIFETIME;
}

/* What is missing for this server to sign anyone in, or NULL. */
static const char *missing_piece(const sequr_server_conf_t *c)
{
    if (c->sp_entity_id == NULL)
        return "no " D_SP_ENTITY_ID;
    if (c->idp_sso_url == NULL)
        return "no IdP: set " D_IDP_SSO_URL " (or " D_IDP_METADATA_FILE ")";
    if (c->idp_entity_id == NULL)
        return "no IdP: set " D_IDP_ENTITY_ID " (or " D_IDP_METADATA_FILE ")";
    if (c->idp_certs == NULL || c->idp_certs->nelts == 0)
        return "no IdP certificate: set " D_IDP_CERTIFICATE_FILE " (or " D_IDP_METADATA_FILE ")";
    return NULL;
}

static server_rec *server_of_section(server_rec *main_server, const ap_directive_t *vhost)
{
    server_rec *s;
    for (s = main_server->next; vhost && s; s = s->next)
        if (s->defn_name && !strcmp(s->defn_name, vhost->filename) &&
            s->defn_line_number == (unsigned)vhost->line_num)
            return s;
    return main_server;
}

/* Walk the configuration tree for "AuthType sequr-saml" and check the server
 * each one belongs to. */
static int check_auth_types(apr_pool_t *ptemp, server_rec *main_server, const ap_directive_t *node,
                            const ap_directive_t *vhost)
{
    int ok = 1;
    for (; node; node = node->next) {
        if (!strcasecmp(node->directive, "<VirtualHost")) {
            ok &= check_auth_types(ptemp, main_server, node->first_child, node);
            continue;
        }
        if (node->first_child)
            ok &= check_auth_types(ptemp, main_server, node->first_child, vhost);
        if (!strcasecmp(node->directive, "AuthType") && node->args) {
            const char *args = node->args;
            const char *type = ap_getword_conf(ptemp, &args);
            if (!strcasecmp(type, SEQUR_AUTH_TYPE)) {
                server_rec *s = server_of_section(main_server, vhost);
                const char *missing = missing_piece(sequr_server_conf(s));
                if (missing) {
                    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                                 SEQLOGNO(01601) "AuthType " SEQUR_AUTH_TYPE " on line %d of %s: "
                                 "server %s has %s", node->line_num, node->filename,
                                 s->server_hostname ? s->server_hostname : "(main)", missing);
                    ok = 0;
                }
            }
        }
    }
    return ok;
}

static int prepare_verifier(apr_pool_t *pconf, server_rec *s, sequr_server_conf_t *c)
{
    saml_verifier_options_t opts = {0};
    saml_err_t err = {0};

    if (c->idp_certs == NULL || c->idp_certs->nelts == 0)
        return OK;
    opts.allow_sha1 = c->allow_sha1;
    if (saml_verifier_create(pconf, c->idp_certs, &opts, &c->verifier, &err) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                     SEQLOGNO(01602) "IdP certificates given at %s for server %s cannot verify "
                     "signatures: %s", c->idp_cert_source ? c->idp_cert_source : "?",
                     s->server_hostname ? s->server_hostname : "(main)", err.detail);
        return !OK;
    }
    return OK;
}

int sequr_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;
    (void)plog;

    for (vs = s; vs; vs = vs->next) {
        sequr_server_conf_t *c = sequr_server_conf(vs);
        apply_defaults(c);
        if (prepare_verifier(pconf, vs, c) != OK)
            return HTTP_INTERNAL_SERVER_ERROR;
        if ((c->sp_key == NULL) != (c->sp_cert == NULL)) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                         SEQLOGNO(01603) "server %s: " D_SP_CERTIFICATE_FILE " and "
                         D_SP_PRIVATE_KEY_FILE " go together; only one is set",
                         vs->server_hostname ? vs->server_hostname : "(main)");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    if (!check_auth_types(ptemp, s, ap_conftree, NULL))
        return HTTP_INTERNAL_SERVER_ERROR;
    return OK;
}
