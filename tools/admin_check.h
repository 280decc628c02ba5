/* Private to `check` (admin_check.c: the servers; admin_check_idp.c: their
 * IdPs, the default one and the <SequrSAMLTenant> sections). */
#ifndef SEQUR_ADMIN_CHECK_H
#define SEQUR_ADMIN_CHECK_H

#include <apr_pools.h>
#include <apr_time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tools/admin_conf.h"

/* One IdP as the directives describe it: a server's default one or a tenant. */
typedef struct idp_state {
    const admin_tenant_t *tenant;        /* NULL: a server's default IdP */
    const admin_directive_t *sso_url, *entity_id;   /* or the metadata standing in */
    const char *entity_id_value;
    int certs, expired_certs;            /* from certificate files and metadata */
    int named;                           /* names any part (a vhost then inherits none) */
} idp_state_t;

/* What one server (main or a <VirtualHost>) sets itself; a virtual host
 * inherits what it leaves unset from the main server, as the module merges. */
typedef struct server_state {
    const admin_directive_t *sp_entity_id, *user_store;
    const admin_directive_t *sp_cert_at, *sp_key_at, *dbd_driver, *dbd_params;
    const admin_directive_t *auth_type;         /* the first signing in with the default IdP */
    const admin_directive_t *tenant_auth_type;  /* the first signing in with a tenant */
    idp_state_t idp;
    X509 *sp_cert;
    EVP_PKEY *sp_key;
    int allow_expired;                   /* -1 unset, else SequrSAMLAllowExpiredIdPCertificate */
} server_state_t;

typedef struct checker {
    apr_pool_t *p;
    apr_time_t now;
    const admin_conf_t *conf;
    const char *run_user;                /* the User directive: who Apache's children are */
    server_state_t *servers;
    idp_state_t *tenants;                /* one per conf->tenants */
    int nservers, problems, warnings;
} checker_t;

void admin_check_report(checker_t *c, int is_problem, const admin_directive_t *d,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

const char *admin_check_arg0(const admin_directive_t *d);

/* Whether d is one of the five directives that describe an IdP. */
int admin_check_is_idp_directive(const admin_directive_t *d);

/* Apply one of those to idp: remember the URL or entity ID, load the
 * certificate or metadata file it names (a problem when it does not load). */
void admin_check_idp_directive(checker_t *c, idp_state_t *idp, const admin_directive_t *d);

/* Problems with idp that keep Apache from starting, at `at`: no SSO URL or
 * entity ID, no certificate that loads, every certificate expired. */
void admin_check_idp_complete(checker_t *c, const idp_state_t *idp, const admin_directive_t *at,
                              const char *label, int allow_expired);

/* After every directive is read: the tenants' names, each tenant complete,
 * one entity ID per IdP of a server, SequrSAMLTenantName naming a tenant of
 * its server, and which AuthType lines sign in with a tenant. */
void admin_check_tenants(checker_t *c);

#endif
