/* Configuration: what the admin wrote (per server and per directory) and what
 * was prepared from it once at start-up (keys, verifier, store); creating and
 * merging it, its defaults (from the rows of apache/settings_table.h), and the
 * directive handlers of the server-wide settings. The IdPs' part is in
 * apache/config_idp.h, the start-up checks in apache/config_check.h. */
#ifndef SEQUR_CONFIG_H
#define SEQUR_CONFIG_H

#include "httpd.h"
#include "http_config.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "apache/config_idp.h"
#include "apache/settings.h"
#include "saml/metrics.h"
#include "saml/pending_cookie.h"
#include "saml/signature.h"
#include "saml/store.h"

typedef enum {
    SEQUR_UNAUTH_AUTO = 0,  /* browsers are redirected, API clients get 401 */
    SEQUR_UNAUTH_REDIRECT,
    SEQUR_UNAUTH_401,
    SEQUR_UNAUTH_PASS       /* let it in anonymously; a signed-in one still gets its user */
} sequr_unauth_action_t;

/* SequrSAMLCookieSameSite: the SameSite attribute of the session cookie (the
 * sign-in request cookies are SameSite=None on https whatever it says: they
 * must come back on Entra's cross-site POST). */
typedef enum {
    SEQUR_SAMESITE_LAX = 0,  /* the default: sent on top-level navigations from other sites */
    SEQUR_SAMESITE_NONE,     /* also in other sites' iframes (Teams, SharePoint); needs https */
    SEQUR_SAMESITE_STRICT    /* refused when read (apache/session_cookie.c says why) */
} sequr_samesite_t;

/* One identity provider (an Azure tenant): where browsers sign in, what its
 * responses must say and the keys they must be signed with. Each server has a
 * default one (the server-level directives, name "") and may have named ones
 * (<SequrSAMLTenant NAME>). */
struct sequr_idp {                    /* sequr_idp_t (apache/config_idp.h) */
    const char *name;                 /* "" for the server's default IdP */
    const char *sso_url;
    const char *entity_id;
    const char *slo_url;              /* "": SequrSAMLIdPSLOURL none */
    apr_array_header_t *certs;        /* X509*, loaded when the directive is read */
    apr_array_header_t *cert_names;   /* const char*: where each came from, for logs */
    const char *cert_source;          /* "file:line" of the directive that gave the IdP */
    const char *section;              /* "file:line" of its <SequrSAMLTenant>, NULL for the default */
    int from_metadata;
    apr_array_header_t *user_attributes; /* const char*: SequrSAMLUserAttribute inside the
                                            section (its users' names), or NULL: the server's */

    /* SequrSAMLIdPMetadataURL (apache/idp_metadata_url.c) */
    const char *metadata_url;         /* NULL: not fetched */
    const char *metadata_url_where;   /* "file:line" of the directive */
    const char *metadata_ca_file;     /* SequrSAMLIdPMetadataCAFile, or NULL: the system's */
    const char *metadata_backing;     /* the last good copy on disk (set in check_config) */
    apr_ino_t metadata_inode;         /* the backing copy this process runs on: its inode */
    apr_time_t metadata_mtime;        /* and mtime (each write is a new file renamed in) */

    /* prepared in check_config */
    saml_verifier_t *verifier;
    int expired_certs;                /* configured but left out of the verifier */
};

typedef struct sequr_server_conf {
    const char *sp_entity_id;
    const char *endpoint_path;
    sequr_idp_t *idp;                    /* the default IdP; never NULL */
    apr_array_header_t *tenants;         /* sequr_idp_t*: <SequrSAMLTenant NAME>, a vhost's
                                            own and then the main server's; or NULL */
    sequr_idp_t *reading_tenant;         /* while its section is read: where IdP
                                            directives go */
    X509 *sp_cert;                       /* the first SP key pair: it signs */
    EVP_PKEY *sp_key;
    const char *user_attribute;          /* the first of user_attributes */
    apr_array_header_t *user_attributes; /* const char*: SequrSAMLUserAttribute's names, the
                                            first present wins (NULL: the NameID) */
    apr_array_header_t *identity_attributes; /* const char*: every SequrSAMLUserAttribute of
                                            this server and its locations (and, in a vhost,
                                            the main server's), checked at sign-in */
    int clock_skew;
    int allow_unsolicited;
    const char *landing_path;
    int session_max_age;
    int session_idle_timeout;
    const char *cookie_name;
    int cookie_samesite;                 /* sequr_samesite_t: SequrSAMLCookieSameSite */
    int allow_sha1;
    int allow_expired_idp_cert;
    const char *name_id_format;
    apr_off_t max_response_size;
    int request_lifetime;
    const char *cache_spec;              /* main server only */
    int cache_entries;                   /* main server only */
    int cache_timeout;                   /* main server only: milliseconds, farm stores */
    const char *cache_password_file;     /* main server only: Redis AUTH */
    const char *cache_ca_file;           /* main server only: rediss:// */
    const char *cache_client_cert_file;  /* main server only: rediss:// */
    const char *cache_client_key_file;   /* main server only: rediss:// */
    const char *cookie_key_file;         /* main server only: SequrSAMLCookieKeyFile */
    int user_store;                      /* 1: admit only active Sequr users (mod_dbd) */
    int user_recheck_interval;           /* seconds between checks of a signed-in user */
    const char *user_store_contact;      /* who to ask, shown when the store refuses */
    int logout_signatures;               /* 1: unsigned logout messages refused; 0 (default):
                                            unsigned LogoutRequests end sessions by
                                            SessionIndex only; 2: by NameID alone too */
    const char *public_base_url;         /* scheme://host[:port] the IdP and browsers see, or NULL */
    apr_array_header_t *trusted_proxies; /* apr_ipsubnet_t*: peers whose X-Forwarded-* count */
    int metrics;                         /* SequrSAMLMetrics: PATH/metrics served here */
    int idp_metadata_refresh;            /* seconds between SequrSAMLIdPMetadataURL fetches */
    int session_info;                    /* 1: PATH/session answers (SequrSAMLSessionInfo) */

    /* prepared in check_config / post_config */
    saml_verifier_t *verifier;           /* non-NULL when an IdP of this server can verify
                                            responses, so the ACS is served */
    saml_store_t *store;
    const saml_pending_key_t *pending_key;  /* seals the sign-in request cookies */

    /* SP key rollover: SequrSAMLSPCertificateFile and SequrSAMLSPPrivateKeyFile
     * repeated, the n-th certificate with the n-th key; [0] is sp_cert/sp_key. */
    apr_array_header_t *sp_certs;        /* X509*: all published in SP metadata */
    apr_array_header_t *sp_keys;         /* EVP_PKEY*: each may decrypt an assertion */
    int sign_requests;                   /* SequrSAMLSignRequests: sign AuthnRequests */
    saml_metrics_t *metrics_block;       /* the shared counters when any server has
                                            SequrSAMLMetrics On (apache/metrics.c), else NULL */
} sequr_server_conf_t;

typedef struct sequr_dir_conf {
    const char *user_attribute;          /* the first of user_attributes */
    apr_array_header_t *user_attributes; /* const char*: this location's names, or NULL */
    int unauth_action;                   /* sequr_unauth_action_t or SEQUR_UNSET */
    const char *env_prefix;              /* attribute variables: PREFIX + NAME */
    const char *env_separator;           /* between the values of PREFIX + NAME */
    int request_headers;                 /* 1: attributes also as request headers (proxy) */
    const char *request_header_prefix;   /* their names: PREFIX + NAME */
    const char *tenant;                  /* SequrSAMLTenantName; NULL: the default IdP */
    const char *cache_control;           /* SequrSAMLCacheControl; "": none; NULL: default */
    /* #12 part 3: per-location sign-in demands (saml/authn_demand.h) */
    int force_authn;                     /* SequrSAMLForceAuthn: 1 On, or SEQUR_UNSET */
    int authn_max_age;                   /* SequrSAMLAuthnMaxAge seconds, or SEQUR_UNSET */
    int is_passive;                      /* SequrSAMLIsPassive: 1 On, or SEQUR_UNSET */
    apr_array_header_t *class_refs;      /* const char*: SequrSAMLAuthnContextClassRef, or NULL */
} sequr_dir_conf_t;

void *sequr_create_server_conf(apr_pool_t *p, server_rec *s);
void *sequr_merge_server_conf(apr_pool_t *p, void *base, void *add);
void *sequr_create_dir_conf(apr_pool_t *p, char *dir);
void *sequr_merge_dir_conf(apr_pool_t *p, void *base, void *add);

/* check_config: every setting of c the admin left out gets its default. */
void sequr_server_conf_defaults(sequr_server_conf_t *c);

sequr_server_conf_t *sequr_server_conf(const server_rec *s);
sequr_dir_conf_t *sequr_dir_conf(const request_rec *r);

/* Effective values with defaults applied. */
apr_interval_time_t sequr_clock_skew(const sequr_server_conf_t *c);
const char *sequr_endpoint_path(const sequr_server_conf_t *c);
const char *sequr_cookie_name(const sequr_server_conf_t *c);
const char *sequr_user_attribute(const request_rec *r);
const char *sequr_env_prefix(const request_rec *r);
const char *sequr_env_separator(const request_rec *r);
int sequr_request_headers_on(const request_rec *r);
const char *sequr_request_header_prefix(const request_rec *r);

/* Directive handlers. A row of apache/settings_table.h (cmd->info) read into
 * the server's or the directory's configuration: */
const char *sequr_set_setting(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_flag_setting(cmd_parms *cmd, void *dc, int on);
/* and the settings that are more than one value: */
const char *sequr_set_sp_entity_id(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_sp_certificate(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_sp_key(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_user_attribute(cmd_parms *cmd, void *dc, int argc, char *const argv[]);
const char *sequr_set_public_base_url(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_add_trusted_proxy(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_add_authn_context_class_ref(cmd_parms *cmd, void *dc, const char *arg);

#endif
