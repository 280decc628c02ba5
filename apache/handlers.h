/* One function per endpoint or request phase. */
#ifndef SEQUR_HANDLERS_H
#define SEQUR_HANDLERS_H

#include "httpd.h"
#include "apache/config.h"

/* check_user_id for AuthType sequr-saml: a valid session lets the request in
 * with REMOTE_USER set; otherwise sequr_start_sign_in decides. */
int sequr_check_user_id(request_rec *r);

/* post_perdir_config: where this module exports anything (AuthType
 * sequr-saml, or any of its export directives in effect), client-sent
 * headers named like the exports are removed before any access control, so
 * also where authorization lets a request in without asking for a user. */
int sequr_remove_spoofed_headers(request_rec *r);

/* No session: send a browser to Azure with an AuthnRequest, or answer 401. */
int sequr_start_sign_in(request_rec *r, const sequr_server_conf_t *c);

/* PATH/acs: the POST binding Assertion Consumer Service. */
int sequr_handle_acs(request_rec *r, const sequr_server_conf_t *c);

/* PATH/metadata: SP metadata for Azure's "Upload metadata file". */
int sequr_handle_metadata(request_rec *r, const sequr_server_conf_t *c);

/* PATH/logout: end the local session (and, when the IdP has a logout URL,
 * its SSO session with a LogoutRequest), then go to a local ReturnTo; also
 * the IdP's LogoutResponse and IdP-initiated LogoutRequest (handler_logout.c). */
int sequr_handle_logout(request_rec *r, const sequr_server_conf_t *c);

#endif
