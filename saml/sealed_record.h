/* Sealed records: what a shared store (memcached, Redis, the store file)
 * holds of a session is encrypted and authenticated with a key the store
 * never sees, so a dump of the store reveals nothing and a write to it
 * cannot make a record we accept.
 *
 * The key is derived from a secret the holder of the record has and the
 * store lacks (for sessions: the cookie value; the store key is a hash of
 * it): HKDF-SHA256 (RFC 5869) to a 256-bit AES-GCM key. Each seal uses a
 * fresh random 96-bit nonce; the associated data (for sessions: the store
 * key) is authenticated, so a record moved under another key is refused.
 *
 * Format: 'E' 0x01 | nonce (12) | ciphertext (as long as the plaintext) |
 * tag (16). The two header bytes are authenticated too. */
#ifndef SAML_SEALED_RECORD_H
#define SAML_SEALED_RECORD_H

#include <apr_pools.h>
#include "saml/error.h"

#define SAML_SEALED_KEY_BYTES 32
#define SAML_SEALED_OVERHEAD  (2 + 12 + 16)

typedef struct saml_sealed_key {
    unsigned char k[SAML_SEALED_KEY_BYTES];
} saml_sealed_key_t;

/* Derive the record key from secret (at least 16 bytes, e.g. the 43
 * characters of a session id) for one purpose (info, e.g. "session"), so
 * one secret never yields the same key for two kinds of record. */
apr_status_t saml_sealed_key_derive(const char *secret, apr_size_t secret_len,
                                    const char *info, saml_sealed_key_t *out);

/* Encrypt and authenticate plain (len bytes, may be 0) bound to ad (a
 * NUL-terminated string, may be ""). *out (pool memory) is len +
 * SAML_SEALED_OVERHEAD bytes long. */
apr_status_t saml_seal(apr_pool_t *p, const saml_sealed_key_t *key, const char *ad,
                       const char *plain, apr_size_t len, char **out, apr_size_t *out_len);

/* The plaintext of a record sealed with key and ad, NUL-terminated (one
 * byte beyond *out_len). SAML_EMALFORMED for anything else: another key,
 * another ad, any byte changed, truncated or extended, an old unsealed
 * record; nothing of it is returned. */
apr_status_t saml_unseal(apr_pool_t *p, const saml_sealed_key_t *key, const char *ad,
                         const char *sealed, apr_size_t len, char **out, apr_size_t *out_len);

#endif
