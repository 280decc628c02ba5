/* The edges of Azure's Federation Metadata that `sequr-saml-admin
 * import-metadata` and `check` meet through saml/idp_metadata.c, beyond
 * test_metadata.c's Azure layouts: over-size files (refused before parsing,
 * the file too), nesting bombs, a BOM alone or cut short, line breaks
 * inside the certificate text, an empty certificate, and files that are not
 * metadata at all (HTML sign-in pages, JSON, PEM, DER). */
#include <check.h>
#include <string.h>

#include <apr_strings.h>

#include "saml/certificate.h"
#include "saml/idp_metadata.h"
#include "tests/unit/testkit.h"

#define MD_NS "urn:oasis:names:tc:SAML:2.0:metadata"
#define DSIG "http://www.w3.org/2000/09/xmldsig#"
#define REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
#define SSO_URL "https://login.microsoftonline.com/t/saml2"
#define METADATA_LIMIT (1024 * 1024)

static tk_keypair_t *kp[2];
static apr_pool_t *keys_pool;

static void make_keys(void)
{
    tk_setup();
    apr_pool_create(&keys_pool, NULL);
    kp[0] = tk_keypair_new(keys_pool, 0, "one.example", 30);
    kp[1] = tk_keypair_new(keys_pool, 0, "two.example", 30);
}

static void drop_keys(void)
{
    apr_pool_destroy(keys_pool);
}

/* Minimal IdP metadata; cert_text goes into X509Certificate as is. */
static const char *metadata(const char *prefix, const char *cert_text, const char *padding)
{
    return apr_pstrcat(tk_pool(), prefix,
        "<EntityDescriptor xmlns=\"" MD_NS "\" entityID=\"https://sts.windows.net/t/\">",
        padding ? padding : "",
        "<IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
        "<KeyDescriptor use=\"signing\"><KeyInfo xmlns=\"" DSIG "\"><X509Data><X509Certificate>",
        cert_text, "</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"
        "<SingleSignOnService Binding=\"" REDIRECT "\" Location=\"" SSO_URL "\"/>"
        "</IDPSSODescriptor></EntityDescriptor>", NULL);
}

static const char *b64(int i)
{
    return saml_cert_base64(tk_pool(), kp[i]->cert);
}

static apr_status_t parse(const char *xml, apr_size_t len, saml_idp_metadata_t **md,
                          saml_err_t *err)
{
    *md = NULL;
    return saml_idp_metadata_parse(tk_pool(), xml, len, md, err);
}

START_TEST(over_size_metadata_is_refused_whole)
{
    /* Just over the limit, valid otherwise: refused as too large, not parsed. */
    const char *head = metadata("", b64(0), NULL);
    apr_size_t pad = METADATA_LIMIT - strlen(head) + 1;
    char *padding = apr_palloc(tk_pool(), pad + 1);
    const char *big, *path;
    saml_idp_metadata_t *md;
    saml_err_t err = {0};

    memset(padding, ' ', pad);
    padding[pad] = '\0';
    big = metadata("", b64(0), padding);
    ck_assert_uint_eq(strlen(big), METADATA_LIMIT + 1);
    ck_assert_int_eq(parse(big, strlen(big), &md, &err), SAML_ETOOLARGE);
    ck_assert_ptr_null(md);
    path = tk_write_file(tk_pool(), big, strlen(big));
    ck_assert_int_eq(saml_idp_metadata_load_file(tk_pool(), path, &md, &err), SAML_ETOOLARGE);
    ck_assert_ptr_nonnull(strstr(err.detail, path));
    /* One byte less fits. */
    big = metadata("", b64(0), padding + 1);
    ck_assert_msg(parse(big, strlen(big), &md, &err) == APR_SUCCESS, "%s", err.detail);
}
END_TEST

START_TEST(nesting_bomb_is_refused)
{
    apr_array_header_t *parts = apr_array_make(tk_pool(), 400, sizeof(const char *));
    saml_idp_metadata_t *md;
    saml_err_t err = {0};
    const char *xml;
    int i;

    for (i = 0; i < 200; i++)
        APR_ARRAY_PUSH(parts, const char *) = "<Extensions>";
    for (i = 0; i < 200; i++)
        APR_ARRAY_PUSH(parts, const char *) = "</Extensions>";
    xml = metadata("", b64(0), apr_array_pstrcat(tk_pool(), parts, 0));
    ck_assert_int_ne(parse(xml, strlen(xml), &md, &err), APR_SUCCESS);
    ck_assert_ptr_null(md);
}
END_TEST

START_TEST(byte_order_marks_and_encodings)
{
    saml_idp_metadata_t *md;
    saml_err_t err = {0};
    const char *xml = metadata("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n", b64(0),
                               NULL);

    ck_assert_msg(parse(xml, strlen(xml), &md, &err) == APR_SUCCESS, "%s", err.detail);
    ck_assert_str_eq(md->sso_url, SSO_URL);
    /* A BOM alone is not metadata. */
    ck_assert_int_ne(parse("\xEF\xBB\xBF", 3, &md, &err), APR_SUCCESS);
    ck_assert_ptr_null(md);
    /* Truncated in the middle of the BOM. */
    ck_assert_int_ne(parse("\xEF\xBB", 2, &md, &err), APR_SUCCESS);
}
END_TEST

START_TEST(certificate_text_with_line_breaks)
{
    saml_idp_metadata_t *md;
    saml_err_t err = {0};
    const char *cert = b64(1);
    char *wrapped = apr_palloc(tk_pool(), strlen(cert) * 2 + 8);
    const char *xml;
    apr_size_t i, o = 0;

    /* Base64 broken into 64-column lines with CRLF and indentation, as
     * pretty-printed metadata has it. */
    wrapped[o++] = '\n';
    for (i = 0; cert[i]; i++) {
        if (i % 64 == 0 && i) {
            wrapped[o++] = '\r';
            wrapped[o++] = '\n';
            wrapped[o++] = ' ';
        }
        wrapped[o++] = cert[i];
    }
    wrapped[o++] = '\n';
    wrapped[o] = '\0';
    xml = metadata("", wrapped, NULL);
    ck_assert_msg(parse(xml, strlen(xml), &md, &err) == APR_SUCCESS, "%s", err.detail);
    ck_assert_int_eq(md->certs->nelts, 1);
    ck_assert_int_eq(X509_cmp(APR_ARRAY_IDX(md->certs, 0, X509 *), kp[1]->cert), 0);
    /* Empty certificate text refuses the file (a damaged download). */
    xml = metadata("", "", NULL);
    ck_assert_int_eq(parse(xml, strlen(xml), &md, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "metadata-certificate");
}
END_TEST

START_TEST(garbage_is_refused)
{
    static const char *const junk[] = {"", " ", "null", "{\"entityID\": \"x\"}",
                                       "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                                       "<html><body>Sign in to your account</body></html>", NULL};
    saml_idp_metadata_t *md;
    saml_err_t err = {0};
    int i;

    for (i = 0; junk[i]; i++) {
        ck_assert_msg(parse(junk[i], strlen(junk[i]), &md, &err) != APR_SUCCESS, "'%s' accepted",
                      junk[i]);
        ck_assert_ptr_null(md);
        ck_assert_ptr_nonnull(err.detail);
    }
    /* Binary (a .cer where the .xml should be). */
    {
        unsigned char *der = NULL;
        int len = i2d_X509(kp[0]->cert, &der);
        ck_assert_int_ne(parse((const char *)der, (apr_size_t)len, &md, &err), APR_SUCCESS);
        OPENSSL_free(der);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("admin_metadata");
    TCase *tc = tcase_create("edges");

    tcase_add_unchecked_fixture(tc, make_keys, drop_keys);
    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, over_size_metadata_is_refused_whole);
    tcase_add_test(tc, nesting_bomb_is_refused);
    tcase_add_test(tc, byte_order_marks_and_encodings);
    tcase_add_test(tc, certificate_text_with_line_breaks);
    tcase_add_test(tc, garbage_is_refused);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
