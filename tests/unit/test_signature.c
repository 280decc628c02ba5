/* saml/signature.c: shape rules, algorithm allow-list, configured keys only.
 * Each refusal asserts the check name, so that the rule under test (not a
 * later layer that happens to catch the same document) is what refused it. */
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <check.h>
#include <string.h>

#include "saml/signature.h"
#include "tests/unit/testkit.h"
#include "saml/xml.h"

static tk_keypair_t *idp_rsa, *idp_ec, *attacker, *idp_next;

static void make_keys(void)
{
    static apr_pool_t *keys_pool;
    if (keys_pool)
        return;
    tk_setup();
    apr_pool_create(&keys_pool, NULL);
    idp_rsa = tk_keypair_new(keys_pool, 2048, "idp", 30);
    idp_next = tk_keypair_new(keys_pool, 2048, "idp-next", 30);
    idp_ec = tk_keypair_new(keys_pool, 0, "idp-ec", 30);
    attacker = tk_keypair_new(keys_pool, 2048, "attacker", 30);
}

/* A small Entra-style response, unsigned, and the assertion's ID. */
static const char *unsigned_response(const char **assertion_id)
{
    tk_response_opts_t o;
    tk_response_defaults(tk_pool(), &o);
    *assertion_id = o.assertion_id;
    return tk_response_build(tk_pool(), &o);
}

static apr_status_t verify(const char *xml, const char *id, const saml_verifier_t *v,
                           saml_err_t *err)
{
    xmlDocPtr doc;
    xmlNodePtr elem, sig;
    apr_status_t rv = saml_xml_parse(tk_pool(), xml, strlen(xml), NULL, &doc, err);

    if (rv != APR_SUCCESS)
        return rv;
    elem = saml_xml_by_id(doc, id);
    ck_assert_ptr_nonnull(elem);
    rv = saml_signature_find(elem, &sig, err);
    if (rv != APR_SUCCESS)
        return rv;
    if (sig == NULL) {
        err->check = "signature-missing";
        return SAML_EREJECTED;
    }
    return saml_signature_verify(tk_pool(), v, elem, sig, err);
}

static void expect(const char *xml, const char *id, const saml_verifier_t *v,
                   apr_status_t want, const char *check)
{
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = verify(xml, id, v, &err);
    ck_assert_msg(rv == want, "status %d, expected %d (%s: %s)", rv, want,
                  err.check ? err.check : "-", err.detail ? err.detail : "-");
    if (check)
        ck_assert_str_eq(err.check, check);
}

static const saml_verifier_t *rsa_verifier(void)
{
    return tk_verifier(tk_pool(), idp_rsa->cert, NULL, 0);
}

/* A document signed the normal way, then edited: needle -> with. */
static const char *signed_then(const char **id, const char *needle, const char *with)
{
    const char *xml = unsigned_response(id);
    xml = tk_sign(tk_pool(), xml, *id, idp_rsa, NULL, NULL);
    return needle ? tk_replace(tk_pool(), xml, needle, with) : xml;
}

START_TEST(rsa_sha256_accepted)
{
    const char *id, *xml = signed_then(&id, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(xml, TK_RSA_SHA256));
    expect(xml, id, rsa_verifier(), APR_SUCCESS, NULL);
}
END_TEST

START_TEST(ecdsa_sha256_accepted)
{
    const char *id, *xml = unsigned_response(&id);
    xml = tk_sign(tk_pool(), xml, id, idp_ec, TK_ECDSA_SHA256, TK_SHA256);
    expect(xml, id, tk_verifier(tk_pool(), idp_ec->cert, NULL, 0), APR_SUCCESS, NULL);
    /* and an RSA-only verifier does not accept it */
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature");
}
END_TEST

START_TEST(rsa_sha512_accepted)
{
    const char *id, *xml = unsigned_response(&id);
    xml = tk_sign(tk_pool(), xml, id, idp_rsa, TK_RSA_SHA512, TK_SHA512);
    expect(xml, id, rsa_verifier(), APR_SUCCESS, NULL);
}
END_TEST

START_TEST(enveloped_only_transform_accepted)
{
    const char *id, *xml = unsigned_response(&id);
    tk_sign_opts_t so;
    tk_sign_defaults(&so);
    so.transforms[1] = NULL;
    xml = tk_sign_ex(tk_pool(), xml, id, idp_rsa, &so);
    expect(xml, id, rsa_verifier(), APR_SUCCESS, NULL);
}
END_TEST

START_TEST(sha1_refused_unless_allowed)
{
    const char *id, *xml = unsigned_response(&id);
    xml = tk_sign(tk_pool(), xml, id, idp_rsa, TK_RSA_SHA1, TK_SHA1);
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
    expect(xml, id, tk_verifier(tk_pool(), idp_rsa->cert, NULL, 1), APR_SUCCESS, NULL);
}
END_TEST

START_TEST(sha1_digest_refused_unless_allowed)
{
    const char *id, *xml = unsigned_response(&id);
    xml = tk_sign(tk_pool(), xml, id, idp_rsa, TK_RSA_SHA256, TK_SHA1);
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
    expect(xml, id, tk_verifier(tk_pool(), idp_rsa->cert, NULL, 1), APR_SUCCESS, NULL);
}
END_TEST

START_TEST(hmac_refused)
{
    const char *id, *xml = signed_then(&id, TK_RSA_SHA256, TK_HMAC_SHA256);
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(hmac_output_length_refused)
{
    const char *id, *xml = signed_then(&id, "rsa-sha256\"/>",
                                       "rsa-sha256\"><HMACOutputLength>8</HMACOutputLength>"
                                       "</SignatureMethod>");
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(md5_refused)
{
    const char *id, *xml = signed_then(&id, TK_SHA256, TK_MD5);
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
    xml = signed_then(&id, TK_RSA_SHA256, TK_RSA_MD5);
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(inclusive_c14n_refused)
{
    const char *id, *xml = unsigned_response(&id);
    tk_sign_opts_t so;
    tk_sign_defaults(&so);
    so.c14n_alg = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    xml = tk_sign_ex(tk_pool(), xml, id, idp_rsa, &so);
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(attacker_key_with_its_cert_in_keyinfo_refused)
{
    const char *id, *xml = unsigned_response(&id);
    xml = tk_sign(tk_pool(), xml, id, attacker, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(xml, "X509Certificate"));
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature");
}
END_TEST

START_TEST(attacker_key_with_idp_cert_in_keyinfo_refused)
{
    const char *id, *xml = unsigned_response(&id);
    tk_sign_opts_t so;
    tk_sign_defaults(&so);
    so.keyinfo_cert = idp_rsa->cert;
    xml = tk_sign_ex(tk_pool(), xml, id, attacker, &so);
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature");
}
END_TEST

START_TEST(keyinfo_is_neither_needed_nor_fetched)
{
    const char *id, *xml = unsigned_response(&id);
    tk_sign_opts_t so;
    tk_sign_defaults(&so);
    so.no_keyinfo = 1;
    xml = tk_sign_ex(tk_pool(), xml, id, idp_rsa, &so);
    expect(xml, id, rsa_verifier(), APR_SUCCESS, NULL);
    xml = tk_replace(tk_pool(), xml, "</SignatureValue>",
                     "</SignatureValue><KeyInfo><RetrievalMethod URI=\"http://127.0.0.1:9/key\""
                     " Type=\"http://www.w3.org/2000/09/xmldsig#X509Data\"/></KeyInfo>");
    expect(xml, id, rsa_verifier(), APR_SUCCESS, NULL);
}
END_TEST

START_TEST(rollover_second_certificate_accepted)
{
    const char *id, *xml = unsigned_response(&id);
    const saml_verifier_t *both = tk_verifier(tk_pool(), idp_rsa->cert, idp_next->cert, 0);
    tk_sign_opts_t so;

    xml = tk_sign(tk_pool(), xml, id, idp_next, NULL, NULL);
    expect(xml, id, both, APR_SUCCESS, NULL);
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature");
    /* a KeyInfo naming the wrong configured cert only changes the order of tries */
    xml = unsigned_response(&id);
    tk_sign_defaults(&so);
    so.keyinfo_cert = idp_rsa->cert;
    xml = tk_sign_ex(tk_pool(), xml, id, idp_next, &so);
    expect(xml, id, both, APR_SUCCESS, NULL);
}
END_TEST

START_TEST(tampered_content_refused)
{
    const char *id, *xml = signed_then(&id, "alice@contoso.example</NameID>",
                                       "admin@contoso.example</NameID>");
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature");
}
END_TEST

START_TEST(tampered_digest_refused)
{
    const char *id, *xml = signed_then(&id, NULL, NULL);
    const char *dv = tk_between(tk_pool(), xml, "<DigestValue>", "</DigestValue>");
    char *bad = apr_pstrdup(tk_pool(), dv);
    char *c = bad + strlen("<DigestValue>");
    *c = *c == 'A' ? 'B' : 'A';
    expect(tk_replace(tk_pool(), xml, dv, bad), id, rsa_verifier(), SAML_EREJECTED, "signature");
}
END_TEST

START_TEST(tampered_signature_value_refused)
{
    const char *id, *xml = signed_then(&id, NULL, NULL);
    const char *sv = tk_between(tk_pool(), xml, "<SignatureValue>", "</SignatureValue>");
    char *bad = apr_pstrdup(tk_pool(), sv);
    char *c = bad + strlen("<SignatureValue>") + 5;
    *c = *c == 'A' ? 'B' : 'A';
    expect(tk_replace(tk_pool(), xml, sv, bad), id, rsa_verifier(), SAML_EREJECTED, "signature");
}
END_TEST

START_TEST(two_references_refused)
{
    const char *id, *xml = signed_then(&id, NULL, NULL);
    const char *ref = tk_between(tk_pool(), xml, "<Reference", "</Reference>");
    xml = tk_replace(tk_pool(), xml, ref, apr_pstrcat(tk_pool(), ref, ref, NULL));
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(empty_reference_uri_refused)
{
    const char *id, *xml = unsigned_response(&id);
    tk_sign_opts_t so;
    tk_sign_defaults(&so);
    so.reference_uri = "";   /* whole document: validly signed, but not what we check */
    xml = tk_sign_ex(tk_pool(), xml, id, idp_rsa, &so);
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(reference_to_another_element_refused)
{
    tk_response_opts_t o;
    tk_sign_opts_t so;
    const char *xml;

    tk_response_defaults(tk_pool(), &o);
    tk_sign_defaults(&so);
    /* Signature placed in the Assertion but covering the Response (which
     * contains it): cryptographically valid, the wrong target. */
    so.reference_uri = apr_pstrcat(tk_pool(), "#", o.response_id, NULL);
    so.transforms[0] = TK_ENVELOPED;
    xml = tk_sign_ex(tk_pool(), tk_response_build(tk_pool(), &o), o.assertion_id, idp_rsa, &so);
    expect(xml, o.assertion_id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

static void transform_refused(const char *transform)
{
    const char *id, *xml = signed_then(&id, NULL, NULL);
    xml = tk_replace(tk_pool(), xml, "<Transform Algorithm=\"" TK_EXC_C14N "\"/>",
                     transform);
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}

START_TEST(xpath_transform_refused)
{
    transform_refused("<Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\">"
                      "<XPath>not(ancestor-or-self::*)</XPath></Transform>");
    transform_refused("<Transform Algorithm=\"http://www.w3.org/2002/06/xmldsig-filter2\">"
                      "<XPath xmlns=\"http://www.w3.org/2002/06/xmldsig-filter2\" "
                      "Filter=\"subtract\">/</XPath></Transform>");
}
END_TEST

START_TEST(xslt_transform_refused)
{
    transform_refused("<Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\">"
                      "<xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" "
                      "version=\"1.0\"/></Transform>");
}
END_TEST

START_TEST(base64_transform_refused)
{
    transform_refused("<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#base64\"/>");
}
END_TEST

START_TEST(transforms_out_of_order_refused)
{
    const char *id, *xml = signed_then(&id, NULL, NULL);
    const char *env = "<Transform Algorithm=\"" TK_ENVELOPED "\"/>";
    const char *exc = "<Transform Algorithm=\"" TK_EXC_C14N "\"/>";
    xml = tk_replace(tk_pool(), xml, apr_pstrcat(tk_pool(), env, "\n", exc, NULL),
                     apr_pstrcat(tk_pool(), exc, "\n", env, NULL));
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(object_in_signature_refused)
{
    const char *id, *xml = signed_then(&id, "</SignatureValue>",
                                       "</SignatureValue><Object><x/></Object>");
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
    xml = signed_then(&id, "</KeyInfo>", "</KeyInfo><Object/>");
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(object_instead_of_keyinfo_refused)
{
    const char *id, *xml = unsigned_response(&id);
    tk_sign_opts_t so;
    tk_sign_defaults(&so);
    so.no_keyinfo = 1;
    xml = tk_sign_ex(tk_pool(), xml, id, idp_rsa, &so);
    xml = tk_replace(tk_pool(), xml, "</SignatureValue>", "</SignatureValue><Object><x/></Object>");
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(signature_moved_out_of_its_element_refused)
{
    /* Moved from the Assertion to the Response, the Signature still verifies
     * over the Assertion (the enveloped transform had removed it anyway), but
     * it is no longer enveloped: the contract is a direct child. */
    const char *id, *xml = signed_then(&id, NULL, NULL);
    const char *sig = tk_between(tk_pool(), xml, "<Signature", "</Signature>");
    xmlDocPtr doc;
    xmlNodePtr elem, moved;
    saml_err_t err = { NULL, NULL };

    xml = tk_replace(tk_pool(), xml, sig, "");
    xml = tk_replace(tk_pool(), xml, "<samlp:Status>",
                     apr_pstrcat(tk_pool(), sig, "<samlp:Status>", NULL));
    ck_assert_int_eq(saml_xml_parse(tk_pool(), xml, strlen(xml), NULL, &doc, &err), APR_SUCCESS);
    elem = saml_xml_by_id(doc, id);
    moved = saml_xml_child(xmlDocGetRootElement(doc), SAML_NS_DSIG, "Signature", NULL);
    ck_assert_ptr_nonnull(moved);
    ck_assert_int_eq(saml_signature_verify(tk_pool(), rsa_verifier(), elem, moved, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature-shape");
}
END_TEST

START_TEST(comment_in_digest_value_refused)
{
    /* xmlsec reads the value with the comment dropped, so only our rule sees it. */
    const char *id, *xml = signed_then(&id, "<DigestValue>", "<DigestValue><!-- x -->");
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(comment_in_signature_value_refused)
{
    const char *id, *xml = signed_then(&id, "<SignatureValue>", "<SignatureValue><!---->");
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(two_signatures_on_one_element_refused)
{
    const char *id, *xml = signed_then(&id, NULL, NULL);
    const char *sig = tk_between(tk_pool(), xml, "<Signature", "</Signature>");
    xml = tk_replace(tk_pool(), xml, sig, apr_pstrcat(tk_pool(), sig, sig, NULL));
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-shape");
}
END_TEST

START_TEST(signature_in_other_namespace_is_no_signature)
{
    const char *id, *xml = signed_then(&id, "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"",
                                       "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#x\"");
    xml = tk_replace(tk_pool(), xml, "http://www.w3.org/2000/09/xmldsig#x\"",
                     "http://www.w3.org/2000/09/xmldsig#x\" xmlns:d=\"x\"");
    expect(xml, id, rsa_verifier(), SAML_EREJECTED, "signature-missing");
}
END_TEST

START_TEST(signature_of_another_element_refused)
{
    /* A valid Signature of the assertion presented as the Response's. */
    tk_response_opts_t o;
    xmlDocPtr doc;
    xmlNodePtr assertion, sig;
    saml_err_t err = { NULL, NULL };
    const char *xml;

    tk_response_defaults(tk_pool(), &o);
    xml = tk_response_signed(tk_pool(), &o, idp_rsa);
    ck_assert_int_eq(saml_xml_parse(tk_pool(), xml, strlen(xml), NULL, &doc, &err), APR_SUCCESS);
    assertion = saml_xml_by_id(doc, o.assertion_id);
    ck_assert_int_eq(saml_signature_find(assertion, &sig, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(sig);
    ck_assert_int_eq(saml_signature_verify(tk_pool(), rsa_verifier(), assertion, sig, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_signature_verify(tk_pool(), rsa_verifier(),
                                           saml_xml_by_id(doc, o.response_id), sig, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature-shape");
}
END_TEST

/* Apache's event MPM verifies on many threads with one shared verifier. */
typedef struct {
    const saml_verifier_t *v;
    const char *good, *bad, *id;
    int wrong;
} thread_job_t;

static void *APR_THREAD_FUNC verify_many(apr_thread_t *t, void *data)
{
    thread_job_t *job = data;
    apr_pool_t *p;
    int i;

    apr_pool_create(&p, NULL);
    for (i = 0; i < 25; i++) {
        const char *xml = (i & 1) ? job->bad : job->good;
        xmlDocPtr doc;
        xmlNodePtr elem, sig;
        saml_err_t err = { NULL, NULL };
        apr_status_t rv = saml_xml_parse(p, xml, strlen(xml), NULL, &doc, &err);
        if (rv == APR_SUCCESS) {
            elem = saml_xml_by_id(doc, job->id);
            saml_signature_find(elem, &sig, &err);
            rv = saml_signature_verify(p, job->v, elem, sig, &err);
        }
        if ((rv == APR_SUCCESS) != !(i & 1))
            job->wrong++;
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

START_TEST(verify_is_thread_safe)
{
    thread_job_t jobs[4];
    apr_thread_t *threads[4];
    const saml_verifier_t *v = tk_verifier(tk_pool(), idp_rsa->cert, idp_next->cert, 0);
    const char *id, *good = signed_then(&id, NULL, NULL);
    const char *bad = tk_replace(tk_pool(), good, "alice@", "mallory@");
    int i;

    for (i = 0; i < 4; i++) {
        jobs[i].v = v;
        jobs[i].good = good;
        jobs[i].bad = bad;
        jobs[i].id = id;
        jobs[i].wrong = 0;
        ck_assert_int_eq(apr_thread_create(&threads[i], NULL, verify_many, &jobs[i], tk_pool()),
                         APR_SUCCESS);
    }
    for (i = 0; i < 4; i++) {
        apr_status_t trv;
        apr_thread_join(&trv, threads[i]);
        ck_assert_int_eq(jobs[i].wrong, 0);
    }
}
END_TEST

START_TEST(verifier_needs_a_certificate)
{
    saml_verifier_t *v = NULL;
    saml_err_t err = { NULL, NULL };
    apr_array_header_t *none = apr_array_make(tk_pool(), 1, sizeof(X509 *));
    ck_assert_int_eq(saml_verifier_create(tk_pool(), none, NULL, &v, &err), SAML_EREJECTED);
    ck_assert_ptr_null(v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("signature");
    TCase *tc = tcase_create("signature");

    make_keys();
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, NULL, tk_teardown);
    tcase_add_test(tc, rsa_sha256_accepted);
    tcase_add_test(tc, ecdsa_sha256_accepted);
    tcase_add_test(tc, rsa_sha512_accepted);
    tcase_add_test(tc, enveloped_only_transform_accepted);
    tcase_add_test(tc, sha1_refused_unless_allowed);
    tcase_add_test(tc, sha1_digest_refused_unless_allowed);
    tcase_add_test(tc, hmac_refused);
    tcase_add_test(tc, hmac_output_length_refused);
    tcase_add_test(tc, md5_refused);
    tcase_add_test(tc, inclusive_c14n_refused);
    tcase_add_test(tc, attacker_key_with_its_cert_in_keyinfo_refused);
    tcase_add_test(tc, attacker_key_with_idp_cert_in_keyinfo_refused);
    tcase_add_test(tc, keyinfo_is_neither_needed_nor_fetched);
    tcase_add_test(tc, rollover_second_certificate_accepted);
    tcase_add_test(tc, tampered_content_refused);
    tcase_add_test(tc, tampered_digest_refused);
    tcase_add_test(tc, tampered_signature_value_refused);
    tcase_add_test(tc, two_references_refused);
    tcase_add_test(tc, empty_reference_uri_refused);
    tcase_add_test(tc, reference_to_another_element_refused);
    tcase_add_test(tc, xpath_transform_refused);
    tcase_add_test(tc, xslt_transform_refused);
    tcase_add_test(tc, base64_transform_refused);
    tcase_add_test(tc, transforms_out_of_order_refused);
    tcase_add_test(tc, object_in_signature_refused);
    tcase_add_test(tc, object_instead_of_keyinfo_refused);
    tcase_add_test(tc, signature_moved_out_of_its_element_refused);
    tcase_add_test(tc, comment_in_digest_value_refused);
    tcase_add_test(tc, comment_in_signature_value_refused);
    tcase_add_test(tc, two_signatures_on_one_element_refused);
    tcase_add_test(tc, signature_in_other_namespace_is_no_signature);
    tcase_add_test(tc, signature_of_another_element_refused);
    tcase_add_test(tc, verify_is_thread_safe);
    tcase_add_test(tc, verifier_needs_a_certificate);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
