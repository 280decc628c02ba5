/* Who a request is, for AuthType sequr-saml (authn.c). */
#ifndef SEQUR_AUTHN_H
#define SEQUR_AUTHN_H

#include "httpd.h"

/* check_user_id for AuthType sequr-saml: a valid session lets the request in
 * with REMOTE_USER set; otherwise sequr_start_sign_in decides. */
int sequr_check_user_id(request_rec *r);

/* post_perdir_config: where this module exports anything (AuthType
 * sequr-saml, or any of its export directives in effect), client-sent
 * headers named like the exports are removed before any access control, so
 * also where authorization lets a request in without asking for a user. */
int sequr_remove_spoofed_headers(request_rec *r);

/* fixups for SequrSAMLUnauthenticatedAction pass: httpd authenticates only
 * when a Require line needs a user, so where the request was let in without
 * one (Require all granted), a browser with a session still gets its user and
 * attributes here; one without goes on anonymously. */
int sequr_pass_anonymous(request_rec *r);

#endif
