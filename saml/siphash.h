/* A keyed hash for tables whose keys come from the network: with a secret
 * key nobody can choose keys that collide (hash flooding). */
#ifndef SAML_SIPHASH_H
#define SAML_SIPHASH_H

#include <apr.h>
#include <stdint.h>

/* SipHash-2-4 of len bytes under the 128-bit key k (k[0] the first 8 key
 * bytes, little-endian), computed by APR-util. */
uint64_t saml_siphash24(const uint64_t k[2], const void *data, apr_size_t len);

#endif
