/* IdP metadata as Azure serves it (built here with fresh certificates), and
 * the SP metadata we hand to Azure. */
#include <check.h>
#include <libxml/parser.h>
#include <string.h>

#include <apr_strings.h>

#include "saml/authn_request.h"
#include "saml/certificate.h"
#include "saml/idp_metadata.h"
#include "saml/sp_metadata.h"
#include "tests/unit/testkit.h"
#include "saml/xml.h"

#define TENANT "4a3c1e2d-8b9f-4c6e-a1d2-7f0e9b8c6d5a"
#define ISSUER "https://sts.windows.net/" TENANT "/"
#define SAML2_URL "https://login.microsoftonline.com/" TENANT "/saml2"
#define REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
#define POST "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
#define DSIG "http://www.w3.org/2000/09/xmldsig#"

static tk_keypair_t *kp[5];   /* 0..2 signing, 3 WS-Fed only, 4 encryption only */

static apr_pool_t *keys_pool;

/* Keys are made once per run (unchecked fixture, before any fork): RSA key
 * generation under valgrind is slow. */
static void make_keys(void)
{
    int i;
    tk_setup();
    apr_pool_create(&keys_pool, NULL);
    for (i = 0; i < 5; i++)
        kp[i] = tk_keypair_new(keys_pool, i == 0 ? 2048 : 0,
                               apr_psprintf(keys_pool, "key%d.example", i), 365);
}

static void drop_keys(void)
{
    apr_pool_destroy(keys_pool);
}

static void setup(void)
{
    tk_setup();
}

static const char *b64(int i)
{
    return saml_cert_base64(tk_pool(), kp[i]->cert);
}

static const char *key_descriptor(const char *use, const char *cert)
{
    return apr_psprintf(tk_pool(),
        "<KeyDescriptor%s%s%s><KeyInfo xmlns=\"" DSIG "\"><X509Data><X509Certificate>%s"
        "</X509Certificate></X509Data></KeyInfo></KeyDescriptor>",
        use ? " use=\"" : "", use ? use : "", use ? "\"" : "", cert);
}

/* Azure's layout: BOM, declaration, a (here unverifiable) Signature on the
 * EntityDescriptor, WS-Fed RoleDescriptors carrying keys, then the
 * IDPSSODescriptor with several signing keys (one listed twice). */
static const char *azure_metadata(const char *idpsso_inner)
{
    return apr_pstrcat(tk_pool(),
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>"
        "<EntityDescriptor ID=\"_5c0e4a3f-93b1-4b0e-9f6a-2b1c3d4e5f60\" entityID=\"" ISSUER "\" "
        "xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\">"
        "<Signature xmlns=\"" DSIG "\"><SignedInfo>"
        "<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
        "<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>"
        "<Reference URI=\"#_5c0e4a3f-93b1-4b0e-9f6a-2b1c3d4e5f60\"><Transforms>"
        "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
        "<Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></Transforms>"
        "<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
        "<DigestValue>AAAA</DigestValue></Reference></SignedInfo>"
        "<SignatureValue>AAAA</SignatureValue><KeyInfo><X509Data><X509Certificate>", b64(3),
        "</X509Certificate></X509Data></KeyInfo></Signature>"
        "<RoleDescriptor xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xmlns:fed=\"http://docs.oasis-open.org/wsfed/federation/200706\" "
        "xsi:type=\"fed:SecurityTokenServiceType\" "
        "protocolSupportEnumeration=\"http://docs.oasis-open.org/wsfed/federation/200706\">",
        key_descriptor("signing", b64(3)),
        "<fed:ClaimTypesOffered><auth:ClaimType Uri=\"http://schemas.xmlsoap.org/ws/2005/05/"
        "identity/claims/name\" xmlns:auth=\"http://docs.oasis-open.org/wsfed/authorization/200706\">"
        "<auth:DisplayName>Name</auth:DisplayName></auth:ClaimType></fed:ClaimTypesOffered>"
        "</RoleDescriptor>"
        "<IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">",
        idpsso_inner,
        "</IDPSSODescriptor></EntityDescriptor>", NULL);
}

static const char *azure_idpsso(void)
{
    return apr_pstrcat(tk_pool(),
        key_descriptor("signing", b64(0)),
        key_descriptor("encryption", b64(4)),
        key_descriptor("signing", b64(1)),
        key_descriptor(NULL, b64(2)),            /* no use: both purposes */
        key_descriptor("signing", b64(0)),       /* listed twice: taken once */
        "<SingleLogoutService Binding=\"" REDIRECT "\" Location=\"" SAML2_URL "/logout\"/>"
        "<SingleSignOnService Binding=\"" POST "\" Location=\"" SAML2_URL "/post\"/>"
        "<SingleSignOnService Binding=\"" REDIRECT "\" Location=\"" SAML2_URL "\"/>", NULL);
}

static apr_status_t parse(const char *xml, saml_idp_metadata_t **md, saml_err_t *err)
{
    return saml_idp_metadata_parse(tk_pool(), xml, strlen(xml), md, err);
}

static int has_cert(const saml_idp_metadata_t *md, X509 *cert)
{
    int i;
    for (i = 0; i < md->certs->nelts; i++)
        if (X509_cmp(APR_ARRAY_IDX(md->certs, i, X509 *), cert) == 0)
            return 1;
    return 0;
}

START_TEST(reads_azure_metadata)
{
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = { 0 };

    ck_assert_msg(parse(azure_metadata(azure_idpsso()), &md, &err) == APR_SUCCESS, "%s: %s",
                  err.check, err.detail);
    ck_assert_str_eq(md->entity_id, ISSUER);
    ck_assert_str_eq(md->sso_url, SAML2_URL);            /* Redirect preferred over POST */
    ck_assert_str_eq(md->slo_url, SAML2_URL "/logout");
    ck_assert_int_eq(md->certs->nelts, 3);
    ck_assert(has_cert(md, kp[0]->cert));
    ck_assert(has_cert(md, kp[1]->cert));
    ck_assert(has_cert(md, kp[2]->cert));
    ck_assert(!has_cert(md, kp[3]->cert));               /* WS-Fed / Signature KeyInfo ignored */
    ck_assert(!has_cert(md, kp[4]->cert));               /* encryption key ignored */
}
END_TEST

START_TEST(reads_large_metadata_and_files)
{
    /* Tenant-wide Azure metadata is ~100 KB: pad a RoleDescriptor with claims. */
    apr_array_header_t *parts = apr_array_make(tk_pool(), 1200, sizeof(const char *));
    const char *big, *path;
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = { 0 };
    int i;

    for (i = 0; i < 1200; i++)
        APR_ARRAY_PUSH(parts, const char *) = apr_psprintf(tk_pool(),
            "<Extensions><x:Claim xmlns:x=\"urn:example\" Uri=\"http://schemas.example/claims/%04d\"/>"
            "</Extensions>", i);
    big = azure_metadata(apr_pstrcat(tk_pool(), apr_array_pstrcat(tk_pool(), parts, 0),
                                     azure_idpsso(), NULL));
    ck_assert_uint_gt(strlen(big), 100 * 1024);
    ck_assert_msg(parse(big, &md, &err) == APR_SUCCESS, "%s", err.detail);
    ck_assert_int_eq(md->certs->nelts, 3);

    path = tk_write_file(tk_pool(), big, strlen(big));
    md = NULL;
    ck_assert_msg(saml_idp_metadata_load_file(tk_pool(), path, &md, &err) == APR_SUCCESS, "%s",
                  err.detail);
    ck_assert_str_eq(md->sso_url, SAML2_URL);

    ck_assert_int_ne(saml_idp_metadata_load_file(tk_pool(), "/nonexistent/fm.xml", &md, &err),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err.detail, "No such file or directory"));
    ck_assert_int_eq(saml_idp_metadata_load_file(tk_pool(), tk_write_file(tk_pool(), "", 0), &md,
                                                 &err), SAML_EMALFORMED);
}
END_TEST

START_TEST(falls_back_to_any_binding_and_optional_slo)
{
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = { 0 };
    const char *inner = apr_pstrcat(tk_pool(), key_descriptor("signing", b64(0)),
        "<SingleSignOnService Binding=\"" POST "\" Location=\"" SAML2_URL "/post\"/>", NULL);

    ck_assert_int_eq(parse(azure_metadata(inner), &md, &err), APR_SUCCESS);
    ck_assert_str_eq(md->sso_url, SAML2_URL "/post");
    ck_assert_ptr_null(md->slo_url);
    ck_assert_int_eq(md->certs->nelts, 1);
}
END_TEST

static void assert_refused(const char *xml, apr_status_t want, const char *check, const char *says)
{
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = { 0 };
    apr_status_t rv = parse(xml, &md, &err);

    /* want 0: any refusal will do (the status is xml.c's business). */
    ck_assert_msg(want ? rv == want : rv != APR_SUCCESS, "status %d, want %d (%s: %s)", rv, want,
                  err.check, err.detail);
    ck_assert_ptr_null(md);
    if (check)
        ck_assert_str_eq(err.check, check);
    if (says)
        ck_assert_msg(strstr(err.detail, says) != NULL, "detail: %s", err.detail);
}

START_TEST(refuses_incomplete_metadata)
{
    const char *sso = "<SingleSignOnService Binding=\"" REDIRECT "\" Location=\"" SAML2_URL "\"/>";
    const char *sp = "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
                     "entityID=\"https://sp.example/\"><SPSSODescriptor "
                     "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>"
                     "</EntityDescriptor>";

    assert_refused(sp, SAML_EREJECTED, "metadata-idpsso", "no IDPSSODescriptor");
    assert_refused(azure_metadata(apr_pstrcat(tk_pool(), key_descriptor("encryption", b64(0)),
                                              sso, NULL)),
                   SAML_EREJECTED, "metadata-signing-key", NULL);
    assert_refused(azure_metadata(sso), SAML_EREJECTED, "metadata-signing-key", NULL);
    assert_refused(azure_metadata(apr_pstrcat(tk_pool(), key_descriptor("signing", b64(0)),
                                              key_descriptor("signing", "SGVsbG8gd29ybGQ="), sso,
                                              NULL)),
                   SAML_EREJECTED, "metadata-certificate", "not a certificate");
    assert_refused(azure_metadata(apr_pstrcat(tk_pool(), key_descriptor("signing", "@@@"), sso,
                                              NULL)),
                   SAML_EREJECTED, "metadata-certificate", NULL);
    assert_refused(azure_metadata(key_descriptor("signing", b64(0))), SAML_EREJECTED,
                   "metadata-sso-url", NULL);
    assert_refused(azure_metadata(apr_pstrcat(tk_pool(), key_descriptor("signing", b64(0)),
                   "<SingleSignOnService Binding=\"" REDIRECT "\"/>", NULL)),
                   SAML_EREJECTED, "metadata-sso-url", NULL);
    assert_refused(apr_pstrcat(tk_pool(), "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\">"
                               "<IDPSSODescriptor>", key_descriptor("signing", b64(0)), sso,
                               "</IDPSSODescriptor></EntityDescriptor>", NULL),
                   SAML_EREJECTED, "metadata-entity-id", NULL);
    /* Right names in the wrong namespace are not metadata. */
    assert_refused("<EntityDescriptor entityID=\"x\"/>", SAML_EREJECTED, "metadata-root", NULL);
}
END_TEST

START_TEST(refuses_unsafe_or_broken_xml)
{
    assert_refused("<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\"", SAML_EMALFORMED,
                   NULL, NULL);
    assert_refused("<!DOCTYPE x [<!ENTITY e \"" ISSUER "\">]>"
                   "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"&e;\"/>",
                   0, NULL, "DOCTYPE");
    assert_refused("", SAML_EMALFORMED, NULL, NULL);
}
END_TEST

static const char *entity(const char *id, const char *role_inner, int idp)
{
    return apr_psprintf(tk_pool(), "<EntityDescriptor entityID=\"%s\">%s%s%s</EntityDescriptor>",
                        id, idp ? "<IDPSSODescriptor protocolSupportEnumeration=\"x\">"
                                : "<SPSSODescriptor protocolSupportEnumeration=\"x\">",
                        role_inner, idp ? "</IDPSSODescriptor>" : "</SPSSODescriptor>");
}

START_TEST(reads_entities_descriptor_with_one_idp)
{
    const char *inner = apr_pstrcat(tk_pool(), key_descriptor("signing", b64(1)),
        "<SingleSignOnService Binding=\"" REDIRECT "\" Location=\"" SAML2_URL "\"/>", NULL);
    const char *open = "\xEF\xBB\xBF<EntitiesDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\">";
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = { 0 };

    ck_assert_msg(parse(apr_pstrcat(tk_pool(), open, entity("https://sp.example/", "", 0),
                                    entity(ISSUER, inner, 1), "</EntitiesDescriptor>", NULL),
                        &md, &err) == APR_SUCCESS, "%s", err.detail);
    ck_assert_str_eq(md->entity_id, ISSUER);
    ck_assert_int_eq(md->certs->nelts, 1);
    ck_assert(has_cert(md, kp[1]->cert));

    assert_refused(apr_pstrcat(tk_pool(), open, entity(ISSUER, inner, 1),
                               entity("https://other.example/", inner, 1), "</EntitiesDescriptor>",
                               NULL), SAML_EREJECTED, "metadata-idpsso", "2 IdP");
    assert_refused(apr_pstrcat(tk_pool(), open, entity("https://sp.example/", "", 0),
                               "</EntitiesDescriptor>", NULL),
                   SAML_EREJECTED, "metadata-idpsso", NULL);
}
END_TEST

/* ---- SP metadata -------------------------------------------------------- */

#define MD "urn:oasis:names:tc:SAML:2.0:metadata"

static apr_status_t free_doc(void *d) { xmlFreeDoc(d); return APR_SUCCESS; }

static xmlNodePtr parse_sp(const char *xml)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "sp.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    ck_assert_ptr_nonnull(doc);
    apr_pool_cleanup_register(tk_pool(), doc, free_doc, apr_pool_cleanup_null);
    return xmlDocGetRootElement(doc);
}

static const char *attr(xmlNodePtr n, const char *name)
{
    const char *v = saml_xml_attr(tk_pool(), n, name);
    ck_assert_msg(v != NULL, "<%s> lacks %s", n ? (const char *)n->name : "?", name);
    return v;
}

static const char *text(xmlNodePtr n)
{
    const char *t = NULL;
    ck_assert_int_eq(saml_xml_text(tk_pool(), n, &t, NULL), APR_SUCCESS);
    return t;
}

static xmlNodePtr only_child(xmlNodePtr parent, const char *ns, const char *name)
{
    int count = 0;
    xmlNodePtr c = saml_xml_child(parent, ns, name, &count);
    ck_assert_msg(count == 1, "%d <%s> elements", count, name);
    return c;
}

START_TEST(sp_metadata_with_certificate)
{
    saml_sp_metadata_params_t params = {
        "https://sequr.example/saml", "https://sequr.example/saml/acs",
        "https://sequr.example/saml/logout", NULL, kp[0]->cert,
    };
    xmlNodePtr root = parse_sp(saml_sp_metadata(tk_pool(), &params));
    xmlNodePtr sso, c, slo, acs;
    int keys = 0, seen_signing = 0, seen_encryption = 0;

    ck_assert(saml_xml_is(root, MD, "EntityDescriptor"));
    ck_assert_str_eq(attr(root, "entityID"), "https://sequr.example/saml");
    sso = only_child(root, MD, "SPSSODescriptor");
    ck_assert_str_eq(attr(sso, "protocolSupportEnumeration"), "urn:oasis:names:tc:SAML:2.0:protocol");
    ck_assert_str_eq(attr(sso, "AuthnRequestsSigned"), "false");
    ck_assert_str_eq(attr(sso, "WantAssertionsSigned"), "true");
    for (c = sso->children; c; c = c->next) {
        xmlNodePtr x509;
        if (!saml_xml_is(c, MD, "KeyDescriptor"))
            continue;
        keys++;
        if (strcmp(attr(c, "use"), "signing") == 0)
            seen_signing++;
        else if (strcmp(attr(c, "use"), "encryption") == 0)
            seen_encryption++;
        x509 = only_child(only_child(only_child(c, DSIG, "KeyInfo"), DSIG, "X509Data"), DSIG,
                          "X509Certificate");
        ck_assert_str_eq(text(x509), b64(0));
    }
    ck_assert_int_eq(keys, 2);
    ck_assert_int_eq(seen_signing, 1);
    ck_assert_int_eq(seen_encryption, 1);
    slo = only_child(sso, MD, "SingleLogoutService");
    ck_assert_str_eq(attr(slo, "Binding"), REDIRECT);
    ck_assert_str_eq(attr(slo, "Location"), "https://sequr.example/saml/logout");
    ck_assert_str_eq(text(only_child(sso, MD, "NameIDFormat")), SAML_NAMEID_EMAIL);
    acs = only_child(sso, MD, "AssertionConsumerService");
    ck_assert_str_eq(attr(acs, "Binding"), POST);
    ck_assert_str_eq(attr(acs, "Location"), "https://sequr.example/saml/acs");
    ck_assert_str_eq(attr(acs, "index"), "0");
    ck_assert_str_eq(attr(acs, "isDefault"), "true");
}
END_TEST

START_TEST(sp_metadata_without_certificate_escapes_values)
{
    saml_sp_metadata_params_t params = {
        "https://sequr.example/\"<&>'", "https://sequr.example/acs?a=1&b=<2>", NULL,
        SAML_NAMEID_PERSISTENT, NULL,
    };
    const char *xml = saml_sp_metadata(tk_pool(), &params);
    xmlNodePtr root = parse_sp(xml), sso;
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = { 0 };

    ck_assert_str_eq(attr(root, "entityID"), "https://sequr.example/\"<&>'");
    sso = only_child(root, MD, "SPSSODescriptor");
    ck_assert_ptr_null(saml_xml_child(sso, MD, "KeyDescriptor", NULL));
    ck_assert_ptr_null(saml_xml_child(sso, MD, "SingleLogoutService", NULL));
    ck_assert_str_eq(text(only_child(sso, MD, "NameIDFormat")), SAML_NAMEID_PERSISTENT);
    ck_assert_str_eq(attr(only_child(sso, MD, "AssertionConsumerService"), "Location"),
                     "https://sequr.example/acs?a=1&b=<2>");
    /* Our own safe parser reads it too, and knows it is not IdP metadata. */
    ck_assert_int_eq(saml_idp_metadata_parse(tk_pool(), xml, strlen(xml), &md, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "metadata-idpsso");
}
END_TEST

static Suite *metadata_suite(void)
{
    Suite *s = suite_create("metadata");
    TCase *idp = tcase_create("idp");
    TCase *sp = tcase_create("sp");

    tcase_add_unchecked_fixture(idp, make_keys, drop_keys);
    tcase_add_checked_fixture(idp, setup, tk_teardown);
    tcase_set_timeout(idp, 60);
    tcase_add_test(idp, reads_azure_metadata);
    tcase_add_test(idp, reads_large_metadata_and_files);
    tcase_add_test(idp, falls_back_to_any_binding_and_optional_slo);
    tcase_add_test(idp, refuses_incomplete_metadata);
    tcase_add_test(idp, refuses_unsafe_or_broken_xml);
    tcase_add_test(idp, reads_entities_descriptor_with_one_idp);
    suite_add_tcase(s, idp);

    tcase_add_unchecked_fixture(sp, make_keys, drop_keys);
    tcase_add_checked_fixture(sp, setup, tk_teardown);
    tcase_set_timeout(sp, 60);
    tcase_add_test(sp, sp_metadata_with_certificate);
    tcase_add_test(sp, sp_metadata_without_certificate_escapes_values);
    suite_add_tcase(s, sp);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(metadata_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
