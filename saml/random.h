/* Unguessable identifiers from the OS CSPRNG (via OpenSSL). */
#ifndef SAML_RANDOM_H
#define SAML_RANDOM_H

#include <apr_pools.h>

/* Fill buf with cryptographically strong random bytes. */
apr_status_t saml_random_bytes(unsigned char *buf, apr_size_t len);

/* prefix + 32 lowercase hex characters (128 bits). SAML message IDs use the
 * prefix "_" so they never start with a digit (Azure requires it). */
const char *saml_random_id(apr_pool_t *p, const char *prefix);

#endif
