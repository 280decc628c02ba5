/* Start-up checks: a configuration that cannot work fails `apachectl
 * configtest` with the file and line, rather than failing a user later. */
#include "apache/config_check.h"
#include "apache/config.h"
#include "apache/config_idp.h"

#include "apr_hash.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"

#include <openssl/err.h>

#include "saml/certificate.h"
#include "saml/idp.h"
#include "apache/directives.h"
#include "apache/log.h"
#include "apache/store_setup.h"
#include "saml/time.h"
#include "apache/idp_metadata_url.h"

APLOG_USE_MODULE(sequr_saml);

/* What is missing for this IdP to sign anyone in, or NULL. */
static const char *missing_idp_piece(const sequr_idp_t *idp)
{
    if (idp->sso_url == NULL)
        return "no IdP: set " D_IDP_SSO_URL " (or " D_IDP_METADATA_FILE ")";
    if (idp->entity_id == NULL)
        return "no IdP: set " D_IDP_ENTITY_ID " (or " D_IDP_METADATA_FILE ")";
    if (idp->certs == NULL || idp->certs->nelts == 0)
        return "no IdP certificate: set " D_IDP_CERTIFICATE_FILE " (or " D_IDP_METADATA_FILE ")";
    return NULL;
}

/* What is missing for this server to sign anyone in with the IdP named
 * tenant (NULL: the default; a tenant's own gaps are reported with its
 * section), or NULL. */
static const char *missing_piece(const sequr_server_conf_t *c, const char *tenant)
{
    if (c->sp_entity_id == NULL)
        return "no " D_SP_ENTITY_ID;
    if (tenant)
        return NULL;
    return missing_idp_piece(c->idp);
}

/* A server for messages: its ServerName, or "(main)". */
static const char *host_of(const server_rec *s)
{
    return s->server_hostname ? s->server_hostname : "(main)";
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

/* The SequrSAMLTenantName among a section's directives, else the one it
 * inherits. */
static const char *tenant_named_in(apr_pool_t *ptemp, const ap_directive_t *first,
                                   const char *inherited)
{
    for (; first; first = first->next)
        if (!strcasecmp(first->directive, D_TENANT_NAME) && first->args) {
            const char *args = first->args;
            return ap_getword_conf(ptemp, &args);
        }
    return inherited;
}

/* Walk the configuration tree for "AuthType sequr-saml" and check the server
 * each one belongs to, and for SequrSAMLTenantName naming a tenant the server
 * does not have. */
static int check_auth_types(apr_pool_t *ptemp, server_rec *main_server, const ap_directive_t *node,
                            const ap_directive_t *vhost, const char *tenant)
{
    int ok = 1;
    const char *here = tenant_named_in(ptemp, node, tenant);

    for (; node; node = node->next) {
        if (!strcasecmp(node->directive, "<VirtualHost")) {
            ok &= check_auth_types(ptemp, main_server, node->first_child, node, NULL);
            continue;
        }
        if (!strcasecmp(node->directive, D_TENANT_SECTION))
            continue;     /* its IdP directives are checked with the tenant */
        if (node->first_child)
            ok &= check_auth_types(ptemp, main_server, node->first_child, vhost, here);
        if (!strcasecmp(node->directive, D_TENANT_NAME) && node->args) {
            const char *args = node->args;
            const char *name = ap_getword_conf(ptemp, &args);
            server_rec *s = server_of_section(main_server, vhost);
            if (sequr_tenant(sequr_server_conf(s), name) == NULL) {
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                             SEQLOGNO(01608) D_TENANT_NAME " %s on line %d of %s: server %s has "
                             "no " D_TENANT_SECTION " %s>", name, node->line_num, node->filename,
                             host_of(s), name);
                ok = 0;
            }
        }
        if (!strcasecmp(node->directive, "AuthType") && node->args) {
            const char *args = node->args;
            const char *type = ap_getword_conf(ptemp, &args);
            if (!strcasecmp(type, SEQUR_AUTH_TYPE)) {
                server_rec *s = server_of_section(main_server, vhost);
                const char *missing = missing_piece(sequr_server_conf(s), here);
                if (missing) {
                    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                                 SEQLOGNO(01601) "AuthType " SEQUR_AUTH_TYPE " on line %d of %s: "
                                 "server %s has %s", node->line_num, node->filename,
                                 host_of(s), missing);
                    ok = 0;
                }
            }
        }
    }
    return ok;
}

#define EXPIRY_WARNING_DAYS 30

/* The certificates that may verify signatures (saml_idp_cert_usable), each
 * one left out logged. One that expires soon is kept, with a warning each
 * start (sequr_warn_expiring_certificates). */
static apr_array_header_t *usable_certificates(apr_pool_t *p, server_rec *s,
                                               const sequr_server_conf_t *c, sequr_idp_t *idp)
{
    apr_array_header_t *usable = apr_array_make(p, idp->certs->nelts, sizeof(X509 *));
    apr_time_t now = apr_time_now();
    const char *host = host_of(s);
    int i;

    idp->expired_certs = 0;
    for (i = 0; i < idp->certs->nelts; i++) {
        X509 *cert = APR_ARRAY_IDX(idp->certs, i, X509 *);
        const char *name = APR_ARRAY_IDX(idp->cert_names, i, const char *);

        if (!saml_idp_cert_usable(cert, now, c->allow_expired_idp_cert)) {
            idp->expired_certs++;
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, NULL,
                         SEQLOGNO(01604) "server %s: %sIdP certificate %s (%s) expired on %s: not "
                         "used (" D_ALLOW_EXPIRED_IDP_CERT " On keeps it)", host,
                         *idp->name ? apr_psprintf(p, "tenant %s ", idp->name) : "", name,
                         saml_cert_subject(p, cert),
                         saml_time_format(p, saml_cert_not_after(cert)));
            continue;
        }
        APR_ARRAY_PUSH(usable, X509 *) = cert;
    }
    return usable;
}

static int prepare_verifier(apr_pool_t *pconf, server_rec *s, const sequr_server_conf_t *c,
                            sequr_idp_t *idp)
{
    saml_verifier_options_t opts = {0};
    saml_err_t err = {0};
    apr_array_header_t *certs;

    if (idp->certs == NULL || idp->certs->nelts == 0)
        return OK;
    certs = usable_certificates(pconf, s, c, idp);
    if (certs->nelts == 0) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                     SEQLOGNO(01606) "server %s: every IdP certificate (given at %s) has expired; "
                     "download the current one from Microsoft Entra ID (Azure AD)", host_of(s),
                     idp->cert_source ? idp->cert_source : "?");
        return !OK;
    }
    opts.allow_sha1 = c->allow_sha1;
    if (saml_verifier_create(pconf, certs, &opts, &idp->verifier, &err) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                     SEQLOGNO(01602) "IdP certificates given at %s for server %s cannot verify "
                     "signatures: %s", idp->cert_source ? idp->cert_source : "?",
                     host_of(s), err.detail);
        return !OK;
    }
    return OK;
}

/* Each tenant complete, with its verifier; no two IdPs with one entity id
 * (a response could not be routed to one of them). c->verifier: the first
 * IdP that can verify, so the ACS is served. */
static int prepare_tenants(apr_pool_t *pconf, server_rec *s, sequr_server_conf_t *c)
{
    int i, j;

    c->verifier = c->idp->verifier;
    for (i = 0; c->tenants && i < c->tenants->nelts; i++) {
        sequr_idp_t *t = APR_ARRAY_IDX(c->tenants, i, sequr_idp_t *);
        const char *missing = missing_idp_piece(t);
        const sequr_idp_t *same = NULL;

        if (missing) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                         SEQLOGNO(01609) D_TENANT_SECTION " %s> (%s), server %s: %s inside the "
                         "section", t->name, t->section, host_of(s), missing);
            return !OK;
        }
        if (c->idp->entity_id && !strcmp(c->idp->entity_id, t->entity_id))
            same = c->idp;
        for (j = 0; same == NULL && j < i; j++)
            if (!strcmp(APR_ARRAY_IDX(c->tenants, j, sequr_idp_t *)->entity_id, t->entity_id))
                same = APR_ARRAY_IDX(c->tenants, j, sequr_idp_t *);
        if (same) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                         SEQLOGNO(01610) D_TENANT_SECTION " %s> (%s), server %s: IdP entity ID %s "
                         "is already %s's; responses are routed to their tenant by Issuer, so "
                         "each tenant needs its own", t->name, t->section, host_of(s),
                         t->entity_id, sequr_idp_label(same));
            return !OK;
        }
        if (prepare_verifier(pconf, s, c, t) != OK)
            return !OK;
        if (c->verifier == NULL)
            c->verifier = t->verifier;
    }
    return OK;
}

/* ---- certificates that end soon ------------------------------------------ */

/* The (*nth)-th (from 0) SequrSAMLSPCertificateFile directive that configured
 * server s, or NULL when s inherits its key pairs (they are then reported with
 * the server that set them). */
static const ap_directive_t *sp_certificate_directive(server_rec *main_server, server_rec *s,
                                                      const ap_directive_t *node,
                                                      const ap_directive_t *vhost, int *nth)
{
    for (; node; node = node->next) {
        const ap_directive_t *found = NULL;
        if (!strcasecmp(node->directive, "<VirtualHost"))
            found = sp_certificate_directive(main_server, s, node->first_child, node, nth);
        else if (node->first_child)
            found = sp_certificate_directive(main_server, s, node->first_child, vhost, nth);
        else if (!strcasecmp(node->directive, D_SP_CERTIFICATE_FILE) &&
                 server_of_section(main_server, vhost) == s && (*nth)-- == 0)
            found = node;
        if (found)
            return found;
    }
    return NULL;
}

static void warn_if_ending(apr_pool_t *p, server_rec *s, int console, const char *what,
                           const char *name, X509 *cert, const char *advice)
{
    apr_time_t not_after = saml_cert_not_after(cert);
    apr_interval_time_t left = not_after - apr_time_now();

    if (left >= apr_time_from_sec(EXPIRY_WARNING_DAYS * 86400))
        return;
    ap_log_error(APLOG_MARK, (console ? APLOG_STARTUP : 0) | APLOG_WARNING, 0,
                 console ? NULL : s,
                 SEQLOGNO(01605) "server %s: %s %s (%s) %s on %s: %s",
                 host_of(s), what, name,
                 saml_cert_subject(p, cert), left > 0 ? "expires" : "expired",
                 saml_time_format(p, not_after), advice);
}

void sequr_warn_expiring_certificates(apr_pool_t *p, server_rec *main_server, int console)
{
    apr_hash_t *seen = apr_hash_make(p);
    server_rec *s;
    int i, j;

    for (s = main_server; s; s = s->next) {
        const sequr_server_conf_t *c = sequr_server_conf(s);
        const ap_directive_t *d;
        const char *args;

        for (j = -1; j < (c->tenants ? c->tenants->nelts : 0); j++) {
            const sequr_idp_t *idp = j < 0 ? c->idp : APR_ARRAY_IDX(c->tenants, j, sequr_idp_t *);
            for (i = 0; idp->certs && i < idp->certs->nelts; i++) {
                X509 *cert = APR_ARRAY_IDX(idp->certs, i, X509 *);
                if (apr_hash_get(seen, &cert, sizeof(cert)) || saml_cert_not_after(cert) <
                    apr_time_now())   /* expired ones: SEQ01604 says what happens to them */
                    continue;
                apr_hash_set(seen, apr_pmemdup(p, &cert, sizeof(cert)), sizeof(cert), "");
                warn_if_ending(p, s, console, j < 0 ? "IdP certificate" :
                               apr_psprintf(p, "tenant %s IdP certificate", idp->name),
                               APR_ARRAY_IDX(idp->cert_names, i, const char *), cert,
                               "add its successor from Microsoft Entra ID (Azure AD) now");
            }
        }
        for (i = 0; c->sp_certs && i < c->sp_certs->nelts; i++) {
            X509 *cert = APR_ARRAY_IDX(c->sp_certs, i, X509 *);
            int nth = i;
            if (apr_hash_get(seen, &cert, sizeof(X509 *)))
                continue;
            apr_hash_set(seen, apr_pmemdup(p, &cert, sizeof(X509 *)), sizeof(X509 *), "");
            d = sp_certificate_directive(main_server, s, ap_conftree, NULL, &nth);
            args = d ? d->args : NULL;
            warn_if_ending(p, s, console, "SP certificate",
                           d ? apr_psprintf(p, "%s (line %d of %s)", ap_getword_conf(p, &args),
                                            d->line_num, d->filename) : D_SP_CERTIFICATE_FILE,
                           cert, "make the next key pair (sequr-saml-admin init --next-key), "
                           "publish it in the SP metadata and upload it to Microsoft Entra ID "
                           "(Azure AD) before then");
        }
    }
}

/* ---- SequrSAMLCookieSameSite None needs https ------------------------------ */

/* The <VirtualHost> section that made server s (NULL: the main server, or
 * not found), looked for inside <IfModule> and the like too. */
static const ap_directive_t *vhost_section(const server_rec *s, const ap_directive_t *node)
{
    for (; node && s->defn_name; node = node->next) {
        const ap_directive_t *found = NULL;
        if (!strcasecmp(node->directive, "<VirtualHost")) {
            if (!strcmp(s->defn_name, node->filename) &&
                s->defn_line_number == (unsigned)node->line_num)
                return node;
            continue;
        }
        if (node->first_child && (found = vhost_section(s, node->first_child)) != NULL)
            return found;
    }
    return NULL;
}

/* The last directive called name in the section's tree (not inside a
 * <VirtualHost> of it: that is another server's). */
static const ap_directive_t *last_directive(const ap_directive_t *node, const char *name)
{
    const ap_directive_t *last = NULL, *inner;
    for (; node; node = node->next) {
        if (!strcasecmp(node->directive, "<VirtualHost"))
            continue;
        if (node->first_child && (inner = last_directive(node->first_child, name)) != NULL)
            last = inner;
        else if (!strcasecmp(node->directive, name))
            last = node;
    }
    return last;
}

/* The directive called name that server s has: its own section's, else the
 * main server's it inherits. */
static const ap_directive_t *directive_of(const server_rec *s, const char *name)
{
    const ap_directive_t *vhost = vhost_section(s, ap_conftree);
    const ap_directive_t *d = vhost ? last_directive(vhost->first_child, name) : NULL;
    return d ? d : last_directive(ap_conftree, name);
}

static int first_word_is(apr_pool_t *p, const ap_directive_t *d, const char *word)
{
    const char *args = d && d->args ? d->args : "";
    return !strcasecmp(ap_getword_conf(p, &args), word);
}

/* Why browsers reach server s over plain http, as far as the configuration
 * tells, or NULL. A server behind a trusted proxy is not judged: the proxy's
 * X-Forwarded-Proto tells per request. */
static const char *plain_http_reason(apr_pool_t *p, const server_rec *s,
                                     const sequr_server_conf_t *c)
{
    if (c->public_base_url)
        return strncasecmp(c->public_base_url, "https:", 6)
            ? apr_psprintf(p, D_PUBLIC_BASE_URL " is %s", c->public_base_url) : NULL;
    if (c->trusted_proxies && c->trusted_proxies->nelts)
        return NULL;
    /* ServerName https://... (a TLS terminator in front) or mod_ssl here. */
    if (s->server_scheme && !strcasecmp(s->server_scheme, "https"))
        return NULL;
    if (first_word_is(p, directive_of(s, "SSLEngine"), "on"))
        return NULL;
    return "it has no SSLEngine on, no ServerName https://..., no https "
           D_PUBLIC_BASE_URL " and no " D_TRUST_FORWARDED_HEADERS;
}

/* SameSite=None is kept by browsers only with Secure, and a Secure cookie
 * only from an https page: on a plain http server nobody could sign in. */
static int check_samesite_none(apr_pool_t *p, server_rec *main_server)
{
    server_rec *s;
    int ok = 1;

    for (s = main_server; s; s = s->next) {
        const sequr_server_conf_t *c = sequr_server_conf(s);
        const ap_directive_t *d;
        const char *why;

        if (c->cookie_samesite != SEQUR_SAMESITE_NONE || (why = plain_http_reason(p, s, c)) == NULL)
            continue;
        d = directive_of(s, D_COOKIE_SAMESITE);
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                     SEQLOGNO(01620) D_COOKIE_SAMESITE " None%s: server %s is plain http (%s); "
                     "browsers keep a SameSite=None cookie only with Secure, and a Secure "
                     "cookie only from https. Set it in the https <VirtualHost> alone, or, "
                     "behind a TLS terminator, set " D_PUBLIC_BASE_URL " to the https URL "
                     "browsers use",
                     d ? apr_psprintf(p, " (line %d of %s)", d->line_num, d->filename) : "",
                     host_of(s), why);
        ok = 0;
    }
    return ok;
}

/* The SP key pair is one pair: the certificate published in metadata (and
 * uploaded to Entra ID for token encryption) holds this key's public half. */
static int sp_key_pair_matches(X509 *cert, EVP_PKEY *key)
{
    int ok = X509_check_private_key(cert, key) == 1;
    ERR_clear_error();
    return ok;
}

/* Every SequrSAMLSPCertificateFile has its SequrSAMLSPPrivateKeyFile, in the
 * same order (a rollover repeats both). */
static int check_sp_key_pairs(apr_pool_t *p, const server_rec *s, const sequr_server_conf_t *c)
{
    int certs = c->sp_certs ? c->sp_certs->nelts : 0, keys = c->sp_keys ? c->sp_keys->nelts : 0;
    int i;

    if ((c->sp_key == NULL) != (c->sp_cert == NULL)) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                     SEQLOGNO(01603) "server %s: " D_SP_CERTIFICATE_FILE " and "
                     D_SP_PRIVATE_KEY_FILE " go together; only one is set",
                     host_of(s));
        return 0;
    }
    if (certs != keys) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                     SEQLOGNO(01690) "server %s: %d " D_SP_CERTIFICATE_FILE " and %d "
                     D_SP_PRIVATE_KEY_FILE ": for an SP key rollover repeat both, the n-th "
                     "certificate with the n-th key", host_of(s), certs, keys);
        return 0;
    }
    for (i = 0; i < certs; i++) {
        X509 *cert = APR_ARRAY_IDX(c->sp_certs, i, X509 *);
        if (sp_key_pair_matches(cert, APR_ARRAY_IDX(c->sp_keys, i, EVP_PKEY *)))
            continue;
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                     SEQLOGNO(01607) "server %s: the " D_SP_PRIVATE_KEY_FILE " key (pair %d of "
                     "%d) does not belong to the " D_SP_CERTIFICATE_FILE " certificate (%s): "
                     "Microsoft Entra ID (Azure AD) would encrypt for a key this server does "
                     "not hold", host_of(s), i + 1, certs, saml_cert_subject(p, cert));
        return 0;
    }
    return 1;
}

/* SequrSAMLSignRequests On signs with the first SP key, and Entra accepts
 * request signatures in RSA-SHA256 alone: without an RSA key pair Entra would
 * refuse every sign-in, so the server does not start. */
static int check_sign_requests(apr_pool_t *p, const server_rec *s, const sequr_server_conf_t *c)
{
    const ap_directive_t *d;
    const char *why;

    if (c->sign_requests != 1)
        return 1;
    if (c->sp_key == NULL)
        why = "no " D_SP_PRIVATE_KEY_FILE " and " D_SP_CERTIFICATE_FILE " (make a pair with "
              "sequr-saml-admin init --sp-key KEY --sp-cert CERT)";
    else if (EVP_PKEY_get_base_id(c->sp_key) != EVP_PKEY_RSA)
        why = apr_psprintf(p, "the first " D_SP_PRIVATE_KEY_FILE " (certificate %s) is not an "
                           "RSA key, and Microsoft Entra ID (Azure AD) accepts request "
                           "signatures in RSA-SHA256 only", saml_cert_subject(p, c->sp_cert));
    else
        return 1;
    d = directive_of(s, D_SIGN_REQUESTS);
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                 SEQLOGNO(01691) D_SIGN_REQUESTS " On%s: server %s has %s",
                 d ? apr_psprintf(p, " (line %d of %s)", d->line_num, d->filename) : "",
                 host_of(s), why);
    return 0;
}

int sequr_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    const char *why;
    server_rec *vs;
    (void)plog;

    for (vs = s; vs; vs = vs->next) {
        sequr_server_conf_t *c = sequr_server_conf(vs);
        sequr_server_conf_defaults(c);
        if (sequr_idp_metadata_url_load(pconf, ptemp, vs) != OK)
            return HTTP_INTERNAL_SERVER_ERROR;
        if (prepare_verifier(pconf, vs, c, c->idp) != OK || prepare_tenants(pconf, vs, c) != OK)
            return HTTP_INTERNAL_SERVER_ERROR;
        if (!check_sp_key_pairs(ptemp, vs, c) || !check_sign_requests(ptemp, vs, c))
            return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!check_auth_types(ptemp, s, ap_conftree, NULL, NULL) || !check_samesite_none(ptemp, s))
        return HTTP_INTERNAL_SERVER_ERROR;
    if ((why = sequr_store_access_check(ptemp, s)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL, SEQLOGNO(01641) D_CACHE " %s", why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* At start-up the error log gets these (post_config); configtest shows them. */
    if (ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST)
        sequr_warn_expiring_certificates(ptemp, s, 1);
    return OK;
}
