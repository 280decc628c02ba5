/* One-time libxml2/xmlsec set-up for the process. */
#ifndef SAML_CRYPTO_H
#define SAML_CRYPTO_H

#include <apr_errno.h>

/* Initialises libxml2, xmlsec and its OpenSSL back end and silences xmlsec's
 * stderr reports (failures are reported through saml_err_t). Idempotent. */
apr_status_t saml_crypto_init(void);
void saml_crypto_shutdown(void);

#endif
