/* What metadata fetched from SequrSAMLIdPMetadataURL must satisfy
 * (saml_idp_metadata_accept): its entityID, a signing certificate not
 * expired, and a signature, when present, made with a key we already trust. */
#include <check.h>
#include <string.h>

#include <apr_strings.h>

#include "saml/certificate.h"
#include "saml/idp_metadata.h"
#include "saml/file.h"
#include "tests/unit/testkit.h"

#define ED_ID "_5c0e4a3f-93b1-4b0e-9f6a-2b1c3d4e5f60"
#define SSO "https://login.microsoftonline.com/" TK_TENANT_ID "/saml2"
#define DSIG "http://www.w3.org/2000/09/xmldsig#"

static tk_keypair_t *kp[4];     /* 0, 1: the IdP's; 2: another's; 3: expired */
static apr_pool_t *keys_pool;

static void make_keys(void)
{
    int i;
    tk_setup();
    apr_pool_create(&keys_pool, NULL);
    for (i = 0; i < 4; i++)
        kp[i] = tk_keypair_new(keys_pool, 2048, apr_psprintf(keys_pool, "idp%d.example", i),
                               i == 3 ? -1 : 365);
}

static void drop_keys(void)
{
    apr_pool_destroy(keys_pool);
}

static void setup(void)
{
    tk_setup();
}

static const char *kd(int i)
{
    return apr_psprintf(tk_pool(),
        "<KeyDescriptor use=\"signing\"><KeyInfo xmlns=\"" DSIG "\"><X509Data><X509Certificate>%s"
        "</X509Certificate></X509Data></KeyInfo></KeyDescriptor>",
        saml_cert_base64(tk_pool(), kp[i]->cert));
}

/* Entra's app metadata listing the certificates a and b (b < 0: none). */
static const char *metadata(const char *entity_id, int a, int b)
{
    return apr_pstrcat(tk_pool(),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
        "<EntityDescriptor ID=\"" ED_ID "\" entityID=\"", entity_id, "\" "
        "xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\">"
        "<IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">",
        kd(a), b >= 0 ? kd(b) : "",
        "<SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
        "Location=\"" SSO "\"/></IDPSSODescriptor></EntityDescriptor>", NULL);
}

static const char *signed_by(const char *xml, int signer)
{
    /* With the BOM Entra serves in front. */
    return apr_pstrcat(tk_pool(), "\xEF\xBB\xBF",
                       tk_sign(tk_pool(), xml, ED_ID, kp[signer], TK_RSA_SHA256, TK_SHA256),
                       NULL);
}

static apr_array_header_t *trust(int a)
{
    apr_array_header_t *t = apr_array_make(tk_pool(), 1, sizeof(X509 *));
    if (a >= 0)
        APR_ARRAY_PUSH(t, X509 *) = kp[a]->cert;
    return t;
}

static apr_status_t accept_doc(const char *xml, const char *entity_id, int trusted,
                               saml_idp_metadata_t **md, saml_err_t *err)
{
    saml_idp_metadata_rules_t rules = { entity_id, trust(trusted), apr_time_now() };
    return saml_idp_metadata_accept(tk_pool(), xml, strlen(xml), &rules, md, err);
}

START_TEST(accepts_a_new_certificate_signed_with_a_trusted_key)
{
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = {0};
    /* The rollover: the document signed with the active (trusted) key 0 now
     * also lists key 1, which becomes trusted from it. */
    const char *xml = signed_by(metadata(TK_IDP_ENTITY_ID, 0, 1), 0);

    ck_assert_int_eq(accept_doc(xml, TK_IDP_ENTITY_ID, 0, &md, &err), APR_SUCCESS);
    ck_assert_int_eq(md->certs->nelts, 2);
    ck_assert_str_eq(md->entity_id, TK_IDP_ENTITY_ID);
    ck_assert_str_eq(md->sso_url, SSO);
}
END_TEST

START_TEST(refuses_another_entity_id)
{
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = {0};
    const char *xml = signed_by(metadata("https://sts.windows.net/other/", 0, -1), 0);

    ck_assert_int_eq(accept_doc(xml, TK_IDP_ENTITY_ID, 0, &md, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "metadata-entity-id");
    ck_assert_ptr_nonnull(strstr(err.detail, "https://sts.windows.net/other/"));
    /* With no entity id to hold it to (the first fetch), it is the IdP's. */
    ck_assert_int_eq(accept_doc(xml, NULL, 0, &md, &err), APR_SUCCESS);
}
END_TEST

START_TEST(refuses_only_expired_certificates)
{
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = {0};

    ck_assert_int_eq(accept_doc(metadata(TK_IDP_ENTITY_ID, 3, -1), TK_IDP_ENTITY_ID, -1, &md,
                                &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "metadata-expired");
    /* One good certificate beside the expired one is enough. */
    ck_assert_int_eq(accept_doc(metadata(TK_IDP_ENTITY_ID, 3, 1), TK_IDP_ENTITY_ID, -1, &md,
                                &err), APR_SUCCESS);
}
END_TEST

START_TEST(refuses_a_signature_by_a_key_not_trusted_even_if_listed)
{
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = {0};
    /* Signed by key 2, which the document itself lists: a document that
     * names its own signer proves nothing once we trust key 0. */
    const char *xml = signed_by(metadata(TK_IDP_ENTITY_ID, 0, 2), 2);

    ck_assert_int_eq(accept_doc(xml, TK_IDP_ENTITY_ID, 0, &md, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "metadata-signature");
}
END_TEST

START_TEST(refuses_a_changed_document)
{
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = {0};
    const char *xml = signed_by(metadata(TK_IDP_ENTITY_ID, 0, 1), 0);
    const char *changed = tk_replace(tk_pool(), xml, SSO, "https://evil.example/saml2");

    ck_assert_int_eq(accept_doc(changed, TK_IDP_ENTITY_ID, 0, &md, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "metadata-signature");
}
END_TEST

START_TEST(first_fetch_checks_the_signature_against_listed_keys)
{
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = {0};

    ck_assert_int_eq(accept_doc(signed_by(metadata(TK_IDP_ENTITY_ID, 0, 1), 1), NULL, -1, &md,
                                &err), APR_SUCCESS);
    ck_assert_int_eq(accept_doc(signed_by(metadata(TK_IDP_ENTITY_ID, 0, 1), 2), NULL, -1, &md,
                                &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "metadata-signature");
}
END_TEST

START_TEST(unsigned_is_accepted_garbage_is_not)
{
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = {0};

    ck_assert_int_eq(accept_doc(metadata(TK_IDP_ENTITY_ID, 0, -1), TK_IDP_ENTITY_ID, 0, &md,
                                &err), APR_SUCCESS);
    ck_assert_int_ne(accept_doc("<html>Service unavailable</html", TK_IDP_ENTITY_ID, 0, &md,
                                &err), APR_SUCCESS);
    ck_assert_int_ne(accept_doc("\xEF\xBB\xBF", TK_IDP_ENTITY_ID, 0, &md, &err), APR_SUCCESS);
}
END_TEST

START_TEST(file_replace_is_whole)
{
    const char *path = tk_write_file(tk_pool(), "old", 3);
    saml_err_t err = {0};
    char *buf;
    apr_size_t len;

    ck_assert_int_eq(saml_file_replace(tk_pool(), path, "new content", 11, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_file_read(tk_pool(), path, 100, &buf, &len, &err), APR_SUCCESS);
    ck_assert_str_eq(buf, "new content");
    ck_assert_int_ne(saml_file_replace(tk_pool(), "/nonexistent-dir/x.xml", "a", 1, &err),
                     APR_SUCCESS);
}
END_TEST

static Suite *accept_suite(void)
{
    Suite *s = suite_create("metadata_accept");
    TCase *t = tcase_create("accept");

    tcase_add_unchecked_fixture(t, make_keys, drop_keys);
    tcase_add_checked_fixture(t, setup, tk_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, accepts_a_new_certificate_signed_with_a_trusted_key);
    tcase_add_test(t, refuses_another_entity_id);
    tcase_add_test(t, refuses_only_expired_certificates);
    tcase_add_test(t, refuses_a_signature_by_a_key_not_trusted_even_if_listed);
    tcase_add_test(t, refuses_a_changed_document);
    tcase_add_test(t, first_fetch_checks_the_signature_against_listed_keys);
    tcase_add_test(t, unsigned_is_accepted_garbage_is_not);
    tcase_add_test(t, file_replace_is_whole);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(accept_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
