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

#endif
