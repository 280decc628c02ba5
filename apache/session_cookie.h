/* The session cookie as browsers hold it here: its values in a request, and
 * setting and clearing it. */
#ifndef SEQUR_SESSION_COOKIE_H
#define SEQUR_SESSION_COOKIE_H

#include "httpd.h"
#include "apr_tables.h"

#include "apache/config.h"

/* Every value of the session cookie in the request's Cookie headers (at most
 * 8), under the name browsers hold it by here: with the __Host- prefix on
 * https. */
apr_array_header_t *sequr_session_cookie_values(request_rec *r, const sequr_server_conf_t *c);
/* The session cookie: set, cleared, and cleared wherever a cookie of its name
 * may have been planted beside ours (each parent domain and path prefix of
 * this request; on https the __Host- cookie alone). */
void sequr_cookie_set(request_rec *r, const sequr_server_conf_t *c, const char *value);
void sequr_cookie_clear(request_rec *r, const sequr_server_conf_t *c);
void sequr_cookie_clear_planted(request_rec *r, const sequr_server_conf_t *c);

/* SequrSAMLCookieSameSite Lax|None|Strict: Strict is refused with the reason. */
const char *sequr_set_cookie_samesite(cmd_parms *cmd, void *dc, const char *arg);

#endif
