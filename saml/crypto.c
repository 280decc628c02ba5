/* The process-wide libxml2 and xmlsec set-up, kept apart from xml.c (parsing)
 * because every program calls it once at start: the module in post_config,
 * the admin tool, the unit tests and the fuzzers. */
#include "saml/crypto.h"

#include "saml/error.h"

#include <libxml/parser.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>

static int crypto_ready;

/* xmlsec prints to stderr by default; the reason a signature failed is
 * reported through saml_err_t instead (see signature.c). */
static void silence_xmlsec(const char *file, int line, const char *func,
                           const char *object, const char *subject, int reason,
                           const char *msg)
{
    (void)file; (void)line; (void)func; (void)object; (void)subject; (void)reason; (void)msg;
}

apr_status_t saml_crypto_init(void)
{
    if (crypto_ready)
        return APR_SUCCESS;
    xmlInitParser();
    if (xmlSecInit() < 0)
        return SAML_EINTERNAL;
    if (xmlSecCheckVersion() != 1) {
        xmlSecShutdown();
        return SAML_EINTERNAL;
    }
    if (xmlSecCryptoAppInit(NULL) < 0) {
        xmlSecShutdown();
        return SAML_EINTERNAL;
    }
    if (xmlSecCryptoInit() < 0) {
        xmlSecCryptoAppShutdown();
        xmlSecShutdown();
        return SAML_EINTERNAL;
    }
    xmlSecErrorsSetCallback(silence_xmlsec);
    crypto_ready = 1;
    return APR_SUCCESS;
}

void saml_crypto_shutdown(void)
{
    if (!crypto_ready)
        return;
    xmlSecCryptoShutdown();
    xmlSecCryptoAppShutdown();
    xmlSecShutdown();
    crypto_ready = 0;
}
