/* Where a browser may be sent after sign-in or logout: local paths of this
 * site, and absolute URLs of this very site turned into their local path. */
#ifndef SAML_RELAY_STATE_H
#define SAML_RELAY_STATE_H

#include <apr_pools.h>

#define SAML_RETURN_PATH_MAX 2048

/* True only for a path on this site: starts with exactly one '/', followed by
 * something that is not '/' or '\'; no backslash, no control character anywhere
 * and no raw space (a percent-encoded space is fine), no scheme; and the same
 * still holds after percent-decoding once and twice (so "%2F%2Fevil" and "/%5Cevil" are refused). */
int saml_is_local_path(const char *s);

/* Longest absolute URL saml_relay_target reads: a return path plus the
 * longest origin (scheme, 253-character host, port). */
#define SAML_RELAY_URL_MAX (SAML_RETURN_PATH_MAX + 300)

/* The canonical origin "scheme://host:port" (scheme and host in lower case,
 * the port always written: https 443, http 80) of an absolute http(s) URL
 * that is exactly scheme "://" host [":" port] followed by nothing, '/', '?'
 * or '#'; *rest (if rest is not NULL) points at what follows. NULL for
 * anything else: userinfo, an empty or percent-encoded host, a trailing dot,
 * a port with a leading zero or out of range, any byte that is not printable
 * ASCII. */
const char *saml_url_origin(apr_pool_t *p, const char *url, const char **rest);

/* Where the browser goes for a RelayState or ReturnTo as admins type it:
 *  - a local path (saml_is_local_path): itself;
 *  - an absolute URL whose origin (saml_url_origin) equals that of
 *    site_origin, the site's public base URL ("https://www.example.com"):
 *    its path, query and fragment ("/" when there is no path), which must
 *    itself be a local path ("https://site//evil" is not followed);
 *  - anything else, or any absolute URL when site_origin is NULL or not an
 *    origin: NULL (the caller's landing path).
 * The result is always a local path; never the absolute URL. */
const char *saml_relay_target(apr_pool_t *p, const char *s, const char *site_origin);

/* The tenant a relay state names: the value of "sequr_tenant" in the query of
 * a local path ("/?sequr_tenant=contoso", as `sequr-saml-admin relay-state`
 * prints), percent-decoded; NULL when it names none (not a local path, no
 * such parameter). A parameter given twice with different values yields "?",
 * which is no tenant's name. */
const char *saml_relay_state_tenant(apr_pool_t *p, const char *relay_state);

#endif
