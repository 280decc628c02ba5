/* Reading our cookie out of a Cookie request header. */
#ifndef SAML_COOKIE_H
#define SAML_COOKIE_H

#include <apr_pools.h>
#include <apr_tables.h>

#define SAML_COOKIE_MAX_VALUES 8

/* Append to values (const char *, allocated in its pool) every value of the
 * cookie called name in one Cookie header, until the array holds
 * SAML_COOKIE_MAX_VALUES. A browser may send the same name more than once
 * (cookies of a parent domain or another path); the caller tries each. */
void saml_cookie_values(const char *header, const char *name, apr_array_header_t *values);

#endif
