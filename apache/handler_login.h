/* A request without a session (handler_login.c). */
#ifndef SEQUR_HANDLER_LOGIN_H
#define SEQUR_HANDLER_LOGIN_H

#include "httpd.h"
#include "apache/config.h"

/* No session: send a browser to Azure with an AuthnRequest, or answer 401. */
int sequr_start_sign_in(request_rec *r, const sequr_server_conf_t *c);

/* PATH/login?ReturnTo=PATH_OR_URL_OF_THIS_SITE: a sign-in started on
 * purpose (a "Sign in" link of a public page), with the IdP of the ReturnTo's
 * location; a ReturnTo that is not of this site is refused with 400. */
int sequr_handle_login(request_rec *r, const sequr_server_conf_t *c);

#endif
