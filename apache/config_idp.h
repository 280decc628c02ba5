/* Between config.c (the directive table, the server-wide settings) and
 * config_idp.c (the default IdP and the tenants). */
#ifndef SEQUR_CONFIG_IDP_H
#define SEQUR_CONFIG_IDP_H

#include "apache/config.h"
#include "saml/error.h"
#include "saml/idp.h"

/* Into m: the IdP and the tenants a vhost (add) has on top of base. */
void sequr_merge_idps(apr_pool_t *p, sequr_server_conf_t *m, const sequr_server_conf_t *base,
                      const sequr_server_conf_t *add);

/* The protocol's view of an IdP (saml/idp.h), into out. */
void sequr_idp_view(const sequr_idp_t *idp, saml_idp_t *out);

/* The views of c's IdPs, the default first, then its tenants in order (as
 * saml_idp_by_issuer and saml_logout_receive take them); the tenant a view
 * stands for is sequr_tenant(c, view->name). */
apr_array_header_t *sequr_idp_views(apr_pool_t *p, const sequr_server_conf_t *c);

/* Directive handlers for the table in config.c. */
const char *sequr_set_idp_url(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_idp_certificate(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_idp_metadata(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_start_tenant(cmd_parms *cmd, void *dc, const char *arg);
const char *sequr_set_tenant_name(cmd_parms *cmd, void *dc, const char *arg);

/* Value parsing both files use (config.c). An absolute http(s) URL with a
 * host into *out, else the message naming the directive. */
const char *sequr_parse_url(cmd_parms *cmd, const char *arg, const char **out);

/* rv as is; when it is a failure, *msg names the directive, the file and why. */
apr_status_t sequr_keep_error(cmd_parms *cmd, apr_status_t rv, const saml_err_t *err,
                              const char *file, const char **msg);

#endif
