/* Where a browser may be sent after sign-in: only local paths of this site. */
#ifndef SAML_RELAY_STATE_H
#define SAML_RELAY_STATE_H

#include <apr_pools.h>

#define SAML_RETURN_PATH_MAX 2048

/* True only for a path on this site: starts with exactly one '/', followed by
 * something that is not '/' or '\'; no backslash, no control character anywhere
 * and no raw space (a percent-encoded space is fine), no scheme; and the same
 * still holds after percent-decoding once and twice (so "%2F%2Fevil" and "/%5Cevil" are refused). */
int saml_is_local_path(const char *s);

/* The tenant a relay state names: the value of "sequr_tenant" in the query of
 * a local path ("/?sequr_tenant=contoso", as `sequr-saml-admin relay-state`
 * prints), percent-decoded; NULL when it names none (not a local path, no
 * such parameter). A parameter given twice with different values yields "?",
 * which is no tenant's name. */
const char *saml_relay_state_tenant(apr_pool_t *p, const char *relay_state);

#endif
