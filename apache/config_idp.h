/* The identity providers of a server (config_idp.c): its default IdP and its
 * tenants, how a vhost inherits them, how a request or a response finds its
 * IdP, and the handlers of the IdP directives. The IdP's fields are in
 * apache/config.h, which includes this header. */
#ifndef SEQUR_CONFIG_IDP_H
#define SEQUR_CONFIG_IDP_H

#include "httpd.h"
#include "http_config.h"

typedef struct sequr_idp sequr_idp_t;
struct sequr_server_conf;
#include "saml/error.h"
#include "saml/idp.h"

/* Into m: the IdP and the tenants a vhost (add) has on top of base. */
void sequr_merge_idps(apr_pool_t *p, struct sequr_server_conf *m,
                      const struct sequr_server_conf *base, const struct sequr_server_conf *add);

/* The IdP named name ("" or NULL: the default one), or NULL when this server
 * has no such tenant. */
sequr_idp_t *sequr_tenant(const struct sequr_server_conf *c, const char *name);

/* The IdP a protected location signs in with (SequrSAMLTenantName), or NULL
 * when it names a tenant this server lacks (possible only from .htaccess). */
sequr_idp_t *sequr_location_idp(const request_rec *r, const struct sequr_server_conf *c);

/* Tenant names for messages: "contoso", or "(default IdP)". */
const char *sequr_idp_label(const sequr_idp_t *idp);

/* The protocol's view of an IdP (saml/idp.h), into out. */
void sequr_idp_view(const sequr_idp_t *idp, saml_idp_t *out);

/* The views of c's IdPs, the default first, then its tenants in order (as
 * saml_idp_by_issuer and saml_logout_receive take them); the tenant a view
 * stands for is sequr_tenant(c, view->name). */
apr_array_header_t *sequr_idp_views(apr_pool_t *p, const struct sequr_server_conf *c);

/* Directive handlers for the table in mod_sequr_saml.c. */
const char *sequr_set_idp_url(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_idp_certificate(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_idp_metadata(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_idp_metadata_url(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_idp_metadata_ca_file(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_start_tenant(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_tenant_name(cmd_parms *cmd, void *dc, const char *arg);

#endif
