/* The HTTP-Redirect binding: a SAMLRequest or SAMLRequest-like value is base64
 * of raw DEFLATE of XML (AuthnRequest, LogoutRequest). The input is read two
 * ways: as the base64 query value the module receives, and as the DEFLATE
 * bytes themselves, so the fuzzer reaches inflate and the parser directly. */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "saml/codec.h"
#include "saml/xml.h"

#define REDIRECT_MAX (256 * 1024)

static void parse_xml(apr_pool_t *p, const unsigned char *xml, apr_size_t len)
{
    saml_xml_limits_t limits = { SAML_XML_DEFAULT_MAX_BYTES, SAML_XML_DEFAULT_MAX_DEPTH, 0 };
    saml_err_t err = { NULL, NULL };
    xmlDocPtr doc = NULL;
    apr_status_t rv = saml_xml_parse(p, (const char *)xml, len, &limits, &doc, &err);

    fuzz_expect_explained(rv, &err, "saml_xml_parse");
}

/* Inflate under the cap; what comes out must deflate and inflate back to itself. */
static void inflate_and_parse(apr_pool_t *p, const unsigned char *in, apr_size_t len)
{
    unsigned char *xml = NULL, *again = NULL, *packed = NULL;
    apr_size_t xml_len = 0, again_len = 0, packed_len = 0;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = saml_inflate(p, in, len, REDIRECT_MAX, &xml, &xml_len, &err);

    fuzz_expect_explained(rv, &err, "saml_inflate");
    if (rv != APR_SUCCESS)
        return;
    if (xml == NULL || xml_len > REDIRECT_MAX || xml[xml_len] != '\0')
        fuzz_violation("saml_inflate", "result over the cap or not terminated");
    if (saml_deflate(p, xml, xml_len, &packed, &packed_len) != APR_SUCCESS ||
        saml_inflate(p, packed, packed_len, REDIRECT_MAX, &again, &again_len, &err) !=
            APR_SUCCESS ||
        again_len != xml_len || memcmp(again, xml, xml_len) != 0)
        fuzz_violation("deflate/inflate", "round trip changed the data");
    parse_xml(p, xml, xml_len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();
    const char *value = fuzz_cstr(p, data, size);
    unsigned char *raw = NULL, *back = NULL;
    apr_size_t raw_len = 0, back_len = 0;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = saml_base64_decode(p, value, strlen(value), REDIRECT_MAX, &raw,
                                         &raw_len, &err);

    fuzz_expect_explained(rv, &err, "saml_base64_decode");
    if (rv == APR_SUCCESS) {
        const char *b64 = saml_base64_encode(p, raw, raw_len);
        if (saml_base64_decode(p, b64, strlen(b64), REDIRECT_MAX, &back, &back_len, &err) !=
                APR_SUCCESS ||
            back_len != raw_len || memcmp(back, raw, raw_len) != 0)
            fuzz_violation("base64", "round trip changed the data");
        inflate_and_parse(p, raw, raw_len);
    }
    inflate_and_parse(p, data, size);
    apr_pool_destroy(p);
    return 0;
}
