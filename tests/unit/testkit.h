/* Test-time material: throwaway keys and certificates made fresh by each run,
 * so no fixture ever expires. Shared by every unit test program. */
#ifndef SEQUR_TESTKIT_H
#define SEQUR_TESTKIT_H

#include <apr_pools.h>
#include <apr_time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

typedef struct tk_keypair {
    EVP_PKEY *key;
    X509 *cert;       /* self-signed, valid from now-1h for `days` */
} tk_keypair_t;

/* A pool for one test, created on first use and destroyed by tk_teardown. */
apr_pool_t *tk_pool(void);
void tk_setup(void);     /* apr_initialize + saml_crypto_init; idempotent */
void tk_teardown(void);  /* clears tk_pool */

/* RSA (bits) or EC P-256 (bits == 0) key with a self-signed certificate
 * CN=cn, valid for days (negative: already expired). Freed with p. */
tk_keypair_t *tk_keypair_new(apr_pool_t *p, int bits, const char *cn, int days);

typedef enum { TK_PEM, TK_BASE64_DER, TK_BASE64_DER_ONE_LINE, TK_DER } tk_cert_format_t;

/* Write cert in the given format to a fresh file under a temporary directory;
 * returns its path (removed with p). */
const char *tk_write_cert(apr_pool_t *p, X509 *cert, tk_cert_format_t fmt);
/* Write an unencrypted PEM private key; returns its path. */
const char *tk_write_key(apr_pool_t *p, EVP_PKEY *key);
/* Write arbitrary bytes to a fresh temp file; returns its path. */
const char *tk_write_file(apr_pool_t *p, const char *data, apr_size_t len);

#endif
