/* PATH/logout (handler_logout.c). */
#ifndef SEQUR_HANDLER_LOGOUT_H
#define SEQUR_HANDLER_LOGOUT_H

#include "httpd.h"
#include "apache/config.h"

/* PATH/logout: end the local session (and, when the IdP has a logout URL,
 * its SSO session with a LogoutRequest), then go to a local ReturnTo; also
 * the IdP's LogoutResponse and IdP-initiated LogoutRequest. */
int sequr_handle_logout(request_rec *r, const sequr_server_conf_t *c);

#endif
