/* The SP's own metadata, for Azure's "Upload metadata file": it fills in the
 * Identifier and Reply URL, and the certificate for token encryption. */
#include "saml/sp_metadata.h"

#include <apr_escape.h>
#include <apr_strings.h>
#include <string.h>

#include "saml/authn_request.h"
#include "saml/certificate.h"
#include "saml/decrypt.h"

#define BINDING_POST     "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
#define BINDING_REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

/* Every value is escaped for both element content and attribute values. */
static const char *esc(apr_pool_t *p, const char *s)
{
    return apr_pescape_entity(p, s ? s : "", 0);
}

/* What decrypt.c accepts, strongest first: an IdP that reads metadata picks
 * from this list instead of guessing (RSA-1_5 is never offered). */
static const char *const encryption_methods[] = {
    SAML_XENC_AES256_GCM, SAML_XENC_AES128_GCM, SAML_XENC_AES256_CBC, SAML_XENC_AES128_CBC,
    SAML_XENC_RSA_OAEP, SAML_XENC_RSA_OAEP_MGF1P, NULL
};

static const char *key_descriptor(apr_pool_t *p, const char *use, const char *cert_b64)
{
    const char *methods = "";
    int i;

    for (i = 0; !strcmp(use, "encryption") && encryption_methods[i]; i++)
        methods = apr_pstrcat(p, methods, "      <md:EncryptionMethod Algorithm=\"",
                              encryption_methods[i], "\"/>\n", NULL);
    return apr_psprintf(p,
        "    <md:KeyDescriptor use=\"%s\">\n"
        "      <ds:KeyInfo>\n"
        "        <ds:X509Data>\n"
        "          <ds:X509Certificate>%s</ds:X509Certificate>\n"
        "        </ds:X509Data>\n"
        "      </ds:KeyInfo>\n"
        "%s"
        "    </md:KeyDescriptor>\n", use, cert_b64, methods);
}

const char *saml_sp_metadata(apr_pool_t *p, const saml_sp_metadata_params_t *params)
{
    const char *keys = "", *slo = "";
    const char *format = params->name_id_format ? params->name_id_format : SAML_NAMEID_EMAIL;

    int i, n = params->certs ? params->certs->nelts : params->cert != NULL;

    /* Signing descriptors first, then encryption ones, each in the configured
     * order: during an SP key rollover the IdP learns every certificate that
     * may sign a request and every one it may encrypt for. */
    for (i = 0; i < 2 * n; i++) {
        X509 *cert = params->certs ? APR_ARRAY_IDX(params->certs, i % n, X509 *) : params->cert;
        const char *b64 = saml_cert_base64(p, cert);
        if (b64)
            keys = apr_pstrcat(p, keys, key_descriptor(p, i < n ? "signing" : "encryption", b64),
                               NULL);
    }
    if (params->slo_url)
        slo = apr_psprintf(p, "    <md:SingleLogoutService Binding=\"" BINDING_REDIRECT "\" "
                              "Location=\"%s\"/>\n", esc(p, params->slo_url));

    /* Element order follows the SPSSODescriptorType schema sequence:
     * KeyDescriptor, SingleLogoutService, NameIDFormat, AssertionConsumerService. */
    return apr_pstrcat(p,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"", esc(p, params->entity_id), "\">\n"
        "  <md:SPSSODescriptor AuthnRequestsSigned=\"",
        params->authn_requests_signed ? "true" : "false", "\" WantAssertionsSigned=\"true\" "
        "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n",
        keys, slo,
        "    <md:NameIDFormat>", esc(p, format), "</md:NameIDFormat>\n"
        "    <md:AssertionConsumerService Binding=\"" BINDING_POST "\" Location=\"",
        esc(p, params->acs_url), "\" index=\"0\" isDefault=\"true\"/>\n"
        "  </md:SPSSODescriptor>\n"
        "</md:EntityDescriptor>\n", NULL);
}
