/* A request without a session (handler_login.c). */
#ifndef SEQUR_HANDLER_LOGIN_H
#define SEQUR_HANDLER_LOGIN_H

#include "httpd.h"
#include "apache/config.h"
#include "saml/authn_demand.h"

/* No session: send a browser to Azure with an AuthnRequest, or answer 401. */
int sequr_start_sign_in(request_rec *r, const sequr_server_conf_t *c);

/* PATH/login?ReturnTo=PATH_OR_URL_OF_THIS_SITE: a sign-in started on
 * purpose (a "Sign in" link of a public page), with the IdP of the ReturnTo's
 * location; a ReturnTo that is not of this site is refused with 400. */
int sequr_handle_login(request_rec *r, const sequr_server_conf_t *c);

/* What a sign-in started at r's location demands (ForceAuthn and its max
 * age, IsPassive, class references), from its per-directory settings. */
void sequr_location_demand(request_rec *r, saml_authn_demand_t *demand);

/* MFA step-up (Require saml-mfa): the URL that sends this browser to the
 * IdP again with ForceAuthn and the location's demand plus MFA, bound to a
 * new sealed request cookie (set on r's answer) so that an answer without
 * MFA is refused at the ACS (check "mfa", 403) instead of starting over.
 * NULL when r cannot be redirected (API client, subrequest, failure). */
const char *sequr_step_up_url(request_rec *r, const sequr_server_conf_t *c);

#endif
