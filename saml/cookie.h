/* Reading our cookie out of a Cookie request header. */
#ifndef SAML_COOKIE_H
#define SAML_COOKIE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_pools.h>

#define SAML_COOKIE_MAX_VALUES 8

/* Append to values (const char *, allocated in its pool) every value of the
 * cookie called name in one Cookie header, until the array holds
 * SAML_COOKIE_MAX_VALUES. A browser may send the same name more than once
 * (cookies of a parent domain or another path): see saml_cookie_single_value
 * for what that means for the session cookie. */
void saml_cookie_values(const char *header, const char *name, apr_array_header_t *values);

/* The one session the browser names: NULL when values is empty, and also
 * when it holds two different values (*ambiguous then set). Two values mean
 * a cookie planted beside ours (by a related domain, or for a deeper path):
 * neither may win, since the browser sends the planted one first as often as
 * not; the caller treats the request as signed out and clears the planted
 * ones, so the user's fresh sign-in is the only session left. */
const char *saml_cookie_single_value(const apr_array_header_t *values, int *ambiguous);

/* Where a cookie sent to a request for host and path may have been set: the
 * host itself (domain NULL) and each parent domain (not for an IP address,
 * never a bare top-level label; the nearest SAML_COOKIE_MAX_PARENTS), times
 * "/" and every prefix of path that path-matches it (RFC 6265 5.1.4), with
 * and without the trailing slash, at most SAML_COOKIE_MAX_DEPTH segments deep. A Set-Cookie with Max-Age=0 for
 * each removes a planted cookie wherever it sits. */
#define SAML_COOKIE_MAX_DEPTH 8
#define SAML_COOKIE_MAX_PARENTS 4
#define SAML_COOKIE_MAX_PLACES ((SAML_COOKIE_MAX_PARENTS + 1) * (2 * SAML_COOKIE_MAX_DEPTH + 1))
typedef struct saml_cookie_place {
    const char *domain;     /* NULL: host-only */
    const char *path;
} saml_cookie_place_t;

apr_array_header_t *saml_cookie_places(apr_pool_t *p, const char *host, const char *path);

#endif
