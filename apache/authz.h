/* Require saml-attribute NAME VALUE... and Require sequr-user NAME...:
 * authorization on what the signed-in user's session holds. */
#ifndef SEQUR_AUTHZ_H
#define SEQUR_AUTHZ_H

#include "httpd.h"

#include "saml/session.h"

/* Keep the session that let r in, for the authz providers that run after
 * authentication in the same request. */
void sequr_remember_session(request_rec *r, const saml_session_t *s);

/* Register the providers and the hooks that turn their refusal of a
 * signed-in user into 403 (from register_hooks). */
void sequr_register_authz_providers(apr_pool_t *p);

#endif
