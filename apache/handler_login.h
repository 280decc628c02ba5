/* A request without a session (handler_login.c). */
#ifndef SEQUR_HANDLER_LOGIN_H
#define SEQUR_HANDLER_LOGIN_H

#include "httpd.h"
#include "apache/config.h"

/* No session: send a browser to Azure with an AuthnRequest, or answer 401. */
int sequr_start_sign_in(request_rec *r, const sequr_server_conf_t *c);

#endif
