/* The session endpoint's answer (PATH/session): what a page's script may know
 * of the browser's own session. */
#ifndef SAML_SESSION_INFO_H
#define SAML_SESSION_INFO_H

#include <apr_pools.h>
#include <apr_time.h>

#include "saml/session.h"

/* One JSON object, UTF-8, ending in a newline:
 *   {"user": "...", "tenant": "..." or null, "idp": "...", "name_id": "...",
 *    "attributes": {"NAME": ["value", ...], ...},
 *    "expires": "2026-...Z", "idle_timeout": SECONDS, "idle_expires": "...Z" or null}
 * attributes by their names as the IdP sent them (claim URIs), in the order of
 * the assertion, the values of a name given twice joined under the first;
 * "expires" the session's hard end, "idle_timeout" the idle limit in seconds
 * (0: none) and "idle_expires" when the session ends if the browser stays
 * idle from now on (the earlier of last use + limit and "expires"; null
 * without a limit). Every string through saml_json_string. */
const char *saml_session_info_json(apr_pool_t *p, const saml_session_t *s,
                                   apr_interval_time_t idle_timeout);

#endif
