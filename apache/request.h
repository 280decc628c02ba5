/* Small request helpers shared by the handlers: URLs of our endpoints, the
 * request body, cookies, and the pages a browser sees when something fails. */
#ifndef SEQUR_REQUEST_H
#define SEQUR_REQUEST_H

#include "httpd.h"
#include "apr_tables.h"

#include "apache/config.h"

/* Absolute URL of PATH/<name> on this server, as the IdP must see it:
 * under SequrSAMLPublicBaseURL when set, else under the X-Forwarded-Proto/Host
 * of a proxy named by SequrSAMLTrustForwardedHeaders, else under this virtual
 * host's ServerName (scheme, name, port; the local port when ServerName has
 * none). Never from the request's Host header or absolute-form target. */
const char *sequr_endpoint_url(request_rec *r, const sequr_server_conf_t *c, const char *name);

/* Whether browsers reach us over https (the public base URL's scheme when
 * set): decides the cookie's Secure flag. */
int sequr_browser_uses_https(request_rec *r, const sequr_server_conf_t *c);

/* The scope a session is bound to: the public base URL's scheme, host and port
 * when SequrSAMLPublicBaseURL is set (every node behind that name is one site),
 * else this vhost's ServerName and port; and its cookie name and SP entity id. */
const char *sequr_session_scope(request_rec *r, const sequr_server_conf_t *c);

/* Read the whole request body, refusing more than max bytes (HTTP_REQUEST_ENTITY_TOO_LARGE
 * before reading when Content-Length says so). Returns OK or an HTTP status. */
int sequr_read_body(request_rec *r, apr_off_t max, char **body, apr_size_t *len);

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

/* Every Cookie header of the request joined by "; " (NULL: none). */
const char *sequr_cookie_header(request_rec *r);
/* The sign-in request cookies (see saml/pending_cookie.h): their name base
 * (the session cookie's name + "-req", __Secure- on https), and setting and
 * clearing one, limited to PATH/acs. */
const char *sequr_pending_cookie_base(request_rec *r, const sequr_server_conf_t *c);
void sequr_pending_cookie_set(request_rec *r, const sequr_server_conf_t *c, const char *name,
                              const char *value, int max_age);
void sequr_pending_cookie_clear(request_rec *r, const sequr_server_conf_t *c, const char *name);

/* Answer with a short human page: status, what happened, a correlation id;
 * the log line with the same id names the check that failed and why.
 * SEQUR_SAML_ERROR (the check) and SEQUR_SAML_ERROR_ID (the id) go into the
 * environment; when an ErrorDocument is configured for status, Apache's error
 * path answers with it instead of our page. Returns OK (the response is
 * written): return it from a handler, DONE from a hook. */
int sequr_fail(request_rec *r, int status, const char *check, const char *detail);
/* The same page and log line with another explanation (already HTML). */
int sequr_fail_with_text(request_rec *r, int status, const char *check, const char *detail,
                         const char *html);

/* 303 to a local path or our IdP URL; never a redirect built from input that
 * was not validated. Returns OK. */
int sequr_see_other(request_rec *r, const char *location);

#endif
