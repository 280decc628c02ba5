/* Everything response validation reads after the signature: Status,
 * Destination, Issuers, Subject, Conditions, times, AuthnStatement,
 * attributes. fuzz_response cannot get there (no input is signed by our key),
 * so this harness takes an unsigned Entra-shaped response, signs its
 * Assertion with the throwaway IdP key the way Entra does (assertion only,
 * rsa-sha256, exc-c14n), and validates the result. Whatever it accepts must
 * be exactly what the policy allows. */
#include "tests/fuzz/fuzz.h"

#include <apr_strings.h>
#include <string.h>

#include <xmlsec/xmlsec.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>

#include "saml/response.h"
#include "saml/xml.h"

static xmlSecKeyPtr signing_key(void)
{
    EVP_PKEY *pkey = fuzz_idp_key();
    xmlSecKeyPtr key = xmlSecKeyCreate();
    xmlSecKeyDataPtr data;

    if (key == NULL)
        return NULL;
    EVP_PKEY_up_ref(pkey);
    data = xmlSecOpenSSLEvpKeyAdopt(pkey);
    if (data == NULL) {
        EVP_PKEY_free(pkey);
        xmlSecKeyDestroy(key);
        return NULL;
    }
    if (xmlSecKeySetValue(key, data) < 0) {
        xmlSecKeyDataDestroy(data);
        xmlSecKeyDestroy(key);
        return NULL;
    }
    return key;
}

/* Entra puts the Signature right after the Assertion's Issuer. */
static void insert_signature(xmlNodePtr assertion, xmlNodePtr sig)
{
    xmlNodePtr c;

    for (c = assertion->children; c; c = c->next)
        if (saml_xml_is(c, SAML_NS_ASSERTION, "Issuer")) {
            xmlAddNextSibling(c, sig);
            return;
        }
    if (assertion->children)
        xmlAddPrevSibling(assertion->children, sig);
    else
        xmlAddChild(assertion, sig);
}

/* The document with its one Assertion signed, serialized; NULL when the
 * input has no single Assertion with an ID to sign or xmlsec cannot sign. */
static const char *signed_response(apr_pool_t *p, xmlDocPtr doc, const char **assertion_id)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), assertion, sig, ref;
    xmlSecDSigCtxPtr ctx;
    xmlChar *out = NULL;
    int count = 0, outlen = 0, signed_ok;
    const char *id, *result;

    assertion = root ? saml_xml_child(root, SAML_NS_ASSERTION, "Assertion", &count) : NULL;
    if (assertion == NULL || count != 1 ||
        (id = saml_xml_attr(p, assertion, "ID")) == NULL || *id == '\0')
        return NULL;
    sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId,
                                    xmlSecTransformRsaSha256Id, NULL);
    if (sig == NULL)
        return NULL;
    insert_signature(assertion, sig);
    ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL,
                                          (const xmlChar *)apr_pstrcat(p, "#", id, NULL), NULL);
    if (ref == NULL || xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) == NULL ||
        xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) == NULL)
        return NULL;
    if ((ctx = xmlSecDSigCtxCreate(NULL)) == NULL)
        return NULL;
    ctx->signKey = signing_key();
    signed_ok = ctx->signKey != NULL && xmlSecDSigCtxSign(ctx, sig) >= 0;
    xmlSecDSigCtxDestroy(ctx);
    if (!signed_ok)
        return NULL;
    xmlDocDumpMemory(doc, &out, &outlen);
    if (out == NULL)
        return NULL;
    result = apr_pstrmemdup(p, (const char *)out, (apr_size_t)outlen);
    xmlFree(out);
    *assertion_id = id;
    return result;
}

static void expect_within_policy(const saml_assertion_t *a, const saml_response_policy_t *pol,
                                 const char *signed_id)
{
    const char *claim;

    if (a == NULL)
        fuzz_violation("validate", "success without an assertion");
    if (a->issuer == NULL || strcmp(a->issuer, pol->idp_entity_id) != 0)
        fuzz_violation("issuer", a->issuer);
    if (a->assertion_id == NULL || strcmp(a->assertion_id, signed_id) != 0)
        fuzz_violation("assertion-id: not the one signed", a->assertion_id);
    if (a->user == NULL || *a->user == '\0')
        fuzz_violation("user", "empty identity accepted");
    if (pol->now >= a->not_on_or_after + pol->skew)
        fuzz_violation("not-on-or-after", "expired assertion accepted");
    if (pol->user_attribute == NULL) {
        if (a->name_id == NULL || strcmp(a->user, a->name_id) != 0)
            fuzz_violation("user", "identity is not the NameID");
    }
    else {
        claim = saml_assertion_attribute(a, pol->user_attribute);
        if (claim == NULL || strcmp(a->user, claim) != 0)
            fuzz_violation("user", "identity is not the configured claim");
    }
}

static void validate(apr_pool_t *p, const char *xml, const saml_response_policy_t *pol,
                     const char *signed_id)
{
    saml_assertion_t *a = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = saml_response_validate(p, xml, strlen(xml), pol, &a, &err);

    if (rv == APR_SUCCESS) {
        expect_within_policy(a, pol, signed_id);
        fuzz_trace("validate (signed): accepted user %s", a->user);
    }
    else if (a != NULL)
        fuzz_violation("validate", "refused but still handed out an assertion");
    fuzz_expect_explained(rv, &err, "validate (signed)");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    fuzz_idp_key();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();
    saml_response_policy_t by_name_id = fuzz_policy(NULL);
    saml_response_policy_t by_claim = fuzz_policy(FUZZ_CLAIM_NAME);
    saml_err_t err = { NULL, NULL };
    xmlDocPtr doc = NULL;
    const char *xml, *id = NULL;

    /* Our own parser first: the fuzzer's DOCTYPEs must never reach xmlsec. */
    if (saml_xml_parse(p, (const char *)data, size, &by_name_id.limits, &doc, &err) ==
            APR_SUCCESS &&
        (xml = signed_response(p, doc, &id)) != NULL) {
        validate(p, xml, &by_name_id, id);
        validate(p, xml, &by_claim, id);
    }
    apr_pool_destroy(p);
    return 0;
}
