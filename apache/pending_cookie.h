/* The sign-in request cookies (see saml/pending_cookie.h) as Apache reads,
 * sets and clears them. */
#ifndef SEQUR_PENDING_COOKIE_H
#define SEQUR_PENDING_COOKIE_H

#include "httpd.h"

#include "apache/config.h"

/* Every Cookie header of the request joined by "; " (NULL: none). */
const char *sequr_cookie_header(request_rec *r);
/* Their name base (the session cookie's name + "-req", __Secure- on https),
 * and setting and clearing one, limited to PATH/acs. */
const char *sequr_pending_cookie_base(request_rec *r, const sequr_server_conf_t *c);
void sequr_pending_cookie_set(request_rec *r, const sequr_server_conf_t *c, const char *name,
                              const char *value, int max_age);
void sequr_pending_cookie_clear(request_rec *r, const sequr_server_conf_t *c, const char *name);

#endif
