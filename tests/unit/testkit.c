#include "tests/unit/testkit.h"

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <apr_escape.h>
#include <stdarg.h>
#include <stdio.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <string.h>

#include <xmlsec/xmlsec.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>

#include "saml/crypto.h"
#include "saml/store_file.h"
#include "saml/xml.h"

static apr_pool_t *global_pool;
static apr_pool_t *test_pool;

void tk_setup(void)
{
    if (global_pool == NULL) {
        apr_initialize();
        /* Every pool (keys made once per run included) is destroyed at exit,
         * in forked test children too, so LeakSanitizer sees only real leaks. */
        atexit(apr_terminate);
        apr_pool_create(&global_pool, NULL);
        if (saml_crypto_init() != APR_SUCCESS)
            abort();
    }
}

apr_pool_t *tk_pool(void)
{
    tk_setup();
    if (test_pool == NULL)
        apr_pool_create(&test_pool, global_pool);
    return test_pool;
}

void tk_teardown(void)
{
    if (test_pool) {
        apr_pool_destroy(test_pool);
        test_pool = NULL;
    }
}

static apr_status_t free_pkey(void *k) { EVP_PKEY_free(k); return APR_SUCCESS; }
static apr_status_t free_x509(void *c) { X509_free(c); return APR_SUCCESS; }

tk_keypair_t *tk_keypair_new(apr_pool_t *p, int bits, const char *cn, int days)
{
    tk_keypair_t *kp = apr_pcalloc(p, sizeof(*kp));
    X509_NAME *name;
    ASN1_INTEGER *serial;
    unsigned char rnd[8];

    kp->key = bits > 0 ? EVP_RSA_gen((unsigned)bits) : EVP_EC_gen("P-256");
    if (kp->key == NULL)
        abort();
    apr_pool_cleanup_register(p, kp->key, free_pkey, apr_pool_cleanup_null);

    kp->cert = X509_new();
    apr_pool_cleanup_register(p, kp->cert, free_x509, apr_pool_cleanup_null);
    X509_set_version(kp->cert, 2);
    apr_generate_random_bytes(rnd, sizeof(rnd));
    rnd[0] &= 0x7f;
    serial = ASN1_INTEGER_new();
    ASN1_INTEGER_set_uint64(serial, ((uint64_t)rnd[0] << 56) | ((uint64_t)rnd[1] << 48) |
                                        ((uint64_t)rnd[2] << 40) | ((uint64_t)rnd[3] << 32) |
                                        ((uint64_t)rnd[4] << 24) | ((uint64_t)rnd[5] << 16) |
                                        ((uint64_t)rnd[6] << 8) | rnd[7]);
    X509_set_serialNumber(kp->cert, serial);
    ASN1_INTEGER_free(serial);
    if (days >= 0) {
        X509_gmtime_adj(X509_getm_notBefore(kp->cert), -3600);
        X509_gmtime_adj(X509_getm_notAfter(kp->cert), (long)days * 86400L);
    }
    else {
        X509_gmtime_adj(X509_getm_notBefore(kp->cert), (long)(days - 30) * 86400L);
        X509_gmtime_adj(X509_getm_notAfter(kp->cert), (long)days * 86400L);
    }
    name = X509_get_subject_name(kp->cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(kp->cert, name);
    X509_set_pubkey(kp->cert, kp->key);
    if (X509_sign(kp->cert, kp->key, EVP_sha256()) <= 0)
        abort();
    return kp;
}

static char run_dir[64];

void tk_run_dir_make(const char *name)
{
    snprintf(run_dir, sizeof(run_dir), "/tmp/sequr-%s-XXXXXX", name);
    if (mkdtemp(run_dir) == NULL)
        abort();
}

void tk_run_dir_remove(void)
{
    DIR *d = opendir(run_dir);
    struct dirent *e;

    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    rmdir(run_dir);
}

static apr_status_t unlink_path(void *path)
{
    unlink(path);
    return APR_SUCCESS;
}

const char *tk_run_path(apr_pool_t *p, const char *prefix)
{
    static unsigned n;
    const char *path;

    if (run_dir[0] == '\0')
        abort();      /* main() must call tk_run_dir_make first */
    path = apr_psprintf(p, "%s/%s-%ld-%u", run_dir, prefix, (long)getpid(), n++);
    unlink(path);
    apr_pool_cleanup_register(p, path, unlink_path, apr_pool_cleanup_null);
    return path;
}

struct saml_store *tk_file_store(apr_pool_t *p)
{
    saml_store_t *st = NULL;
    saml_err_t err;
    ck_assert_int_eq(saml_store_file_open(p, tk_run_path(p, "store"), 1024, 4096, &st, &err),
                     APR_SUCCESS);
    return st;
}

const char *tk_write_file(apr_pool_t *p, const char *data, apr_size_t len)
{
    const char *tmpdir = NULL;
    char *path;
    apr_file_t *f;
    apr_size_t written = len;

    apr_temp_dir_get(&tmpdir, p);
    path = apr_pstrcat(p, tmpdir, "/sequr-test-XXXXXX", NULL);
    if (apr_file_mktemp(&f, path, APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE |
                                      APR_FOPEN_EXCL | APR_FOPEN_DELONCLOSE, p) != APR_SUCCESS)
        abort();
    /* DELONCLOSE: the file goes away when p is cleared; keep it open until then. */
    if (len && apr_file_write_full(f, data, len, &written) != APR_SUCCESS)
        abort();
    apr_file_flush(f);
    return path;
}

static const char *bio_to_file(apr_pool_t *p, BIO *bio)
{
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    const char *path = tk_write_file(p, data, (apr_size_t)n);
    BIO_free(bio);
    return path;
}

const char *tk_write_cert(apr_pool_t *p, X509 *cert, tk_cert_format_t fmt)
{
    BIO *bio = BIO_new(BIO_s_mem());
    unsigned char *der = NULL;
    int derlen;

    switch (fmt) {
    case TK_PEM:
        PEM_write_bio_X509(bio, cert);
        break;
    case TK_DER:
        derlen = i2d_X509(cert, &der);
        BIO_write(bio, der, derlen);
        OPENSSL_free(der);
        break;
    case TK_BASE64_DER:
    case TK_BASE64_DER_ONE_LINE: {
        BIO *b64 = BIO_new(BIO_f_base64());
        if (fmt == TK_BASE64_DER_ONE_LINE)
            BIO_set_flags(b64, BIO_FLAGS_BASE64_NO_NL);
        bio = BIO_push(b64, bio);
        derlen = i2d_X509(cert, &der);
        BIO_write(bio, der, derlen);
        (void)BIO_flush(bio);
        OPENSSL_free(der);
        bio = BIO_pop(b64);
        BIO_free(b64);
        break;
    }
    }
    return bio_to_file(p, bio);
}

const char *tk_write_key(apr_pool_t *p, EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    return bio_to_file(p, bio);
}

/* ---- Entra-shaped responses ------------------------------------------- */

const char tk_omit[] = "";

const char *tk_guid_id(apr_pool_t *p)
{
    unsigned char r[16];
    apr_generate_random_bytes(r, sizeof(r));
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    return apr_psprintf(p, "_%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
                        r[11], r[12], r[13], r[14], r[15]);
}

const char *tk_time(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t e;
    apr_time_exp_gmt(&e, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", e.tm_year + 1900,
                        e.tm_mon + 1, e.tm_mday, e.tm_hour, e.tm_min, e.tm_sec,
                        e.tm_usec / 1000);
}

void tk_add_attribute(apr_pool_t *p, tk_response_opts_t *o, const char *name, ...)
{
    tk_attribute_t *a;
    const char *v;
    va_list ap;

    if (o->attributes == NULL)
        o->attributes = apr_array_make(p, 8, sizeof(tk_attribute_t));
    a = apr_array_push(o->attributes);
    a->name = name;
    a->values = apr_array_make(p, 2, sizeof(const char *));
    va_start(ap, name);
    while ((v = va_arg(ap, const char *)) != NULL)
        APR_ARRAY_PUSH(a->values, const char *) = v;
    va_end(ap);
}

void tk_response_defaults(apr_pool_t *p, tk_response_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->now = apr_time_now() / 1000 * 1000;
    o->response_id = tk_guid_id(p);
    o->assertion_id = tk_guid_id(p);
    o->response_issuer = TK_IDP_ENTITY_ID;
    o->assertion_issuer = TK_IDP_ENTITY_ID;
    o->destination = TK_ACS_URL;
    o->status_code = TK_STATUS_SUCCESS;
    o->name_id = "alice@contoso.example";
    o->name_id_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    o->subject_confirmation_method = TK_CM_BEARER;
    o->recipient = TK_ACS_URL;
    o->audience = TK_SP_ENTITY_ID;
    o->issue_instant = 0;
    o->not_before = 0;
    o->not_on_or_after = 4200;
    o->scd_not_before = TK_NO_TIME;
    o->scd_not_on_or_after = 300;
    o->authn_instant = -60;
    o->session_not_on_or_after = TK_NO_TIME;
    o->sign = TK_SIGN_ASSERTION;
    o->sig_alg = TK_RSA_SHA256;
    o->digest_alg = TK_SHA256;
    tk_add_attribute(p, o, TK_CLAIM_TENANTID, TK_TENANT_ID, NULL);
    tk_add_attribute(p, o, TK_CLAIM_OBJECTID, "0b1c8f52-7a3e-4d6b-9c21-5e8f3a7d2b10", NULL);
    tk_add_attribute(p, o, TK_CLAIM_DISPLAYNAME, "Alice Example", NULL);
    tk_add_attribute(p, o, TK_CLAIM_EMAIL, "alice@contoso.example", NULL);
    tk_add_attribute(p, o, TK_CLAIM_NAME, "alice@contoso.example", NULL);
    tk_add_attribute(p, o, TK_CLAIM_GROUPS, "5d2e8a4f-1b3c-4e7d-8f90-a1b2c3d4e5f6",
                     "e7f6a5b4-c3d2-4e1f-9a8b-7c6d5e4f3a2b", NULL);
}

static const char *esc(apr_pool_t *p, const char *s)
{
    return apr_pescape_entity(p, s, 1);
}

/* ` name="value"`, or "" when value is NULL. */
static const char *xattr(apr_pool_t *p, const char *name, const char *value)
{
    return value ? apr_psprintf(p, " %s=\"%s\"", name, esc(p, value)) : "";
}

static const char *xtime(apr_pool_t *p, const tk_response_opts_t *o, const char *name, long off)
{
    if (off == TK_NO_TIME)
        return "";
    return apr_psprintf(p, " %s=\"%s\"", name,
                        tk_time(p, o->now + apr_time_from_sec((apr_time_t)off)));
}

static const char *build_attributes(apr_pool_t *p, const tk_response_opts_t *o)
{
    const char *out = "";
    int i, j;

    if (o->attributes == NULL || o->attributes->nelts == 0)
        return "";
    for (i = 0; i < o->attributes->nelts; i++) {
        const tk_attribute_t *a = &APR_ARRAY_IDX(o->attributes, i, tk_attribute_t);
        out = apr_pstrcat(p, out, "<Attribute", xattr(p, "Name", a->name), ">", NULL);
        for (j = 0; j < a->values->nelts; j++)
            out = apr_pstrcat(p, out, "<AttributeValue>",
                              esc(p, APR_ARRAY_IDX(a->values, j, const char *)),
                              "</AttributeValue>", NULL);
        out = apr_pstrcat(p, out, "</Attribute>", NULL);
    }
    return apr_pstrcat(p, "<AttributeStatement>", out, "</AttributeStatement>", NULL);
}

static const char *build_subject(apr_pool_t *p, const tk_response_opts_t *o)
{
    const char *scd_irt = o->scd_in_response_to == TK_OMIT ? NULL
                        : o->scd_in_response_to ? o->scd_in_response_to : o->in_response_to;
    const char *nameid = o->name_id
        ? apr_pstrcat(p, "<NameID", xattr(p, "Format", o->name_id_format), ">",
                      esc(p, o->name_id), "</NameID>", NULL)
        : "";
    const char *confirmation = o->no_subject_confirmation ? ""
        : apr_pstrcat(p, "<SubjectConfirmation", xattr(p, "Method", o->subject_confirmation_method),
                      "><SubjectConfirmationData", xattr(p, "InResponseTo", scd_irt),
                      xtime(p, o, "NotBefore", o->scd_not_before),
                      xtime(p, o, "NotOnOrAfter", o->scd_not_on_or_after),
                      xattr(p, "Recipient", o->recipient), "/></SubjectConfirmation>", NULL);
    return apr_pstrcat(p, "<Subject>", nameid, confirmation, "</Subject>", NULL);
}

static const char *build_conditions(apr_pool_t *p, const tk_response_opts_t *o)
{
    const char *aud = "";
    if (o->no_conditions)
        return "";
    if (o->audience)
        aud = apr_pstrcat(p, "<AudienceRestriction><Audience>", esc(p, o->audience),
                          "</Audience></AudienceRestriction>", NULL);
    if (o->audience2)
        aud = apr_pstrcat(p, aud, "<AudienceRestriction><Audience>", esc(p, o->audience2),
                          "</Audience></AudienceRestriction>", NULL);
    return apr_pstrcat(p, "<Conditions", xtime(p, o, "NotBefore", o->not_before),
                       xtime(p, o, "NotOnOrAfter", o->not_on_or_after), ">", aud,
                       "</Conditions>", NULL);
}

static const char *build_authn_statement(apr_pool_t *p, const tk_response_opts_t *o)
{
    if (o->no_authn_statement)
        return "";
    return apr_pstrcat(p, "<AuthnStatement", xtime(p, o, "AuthnInstant", o->authn_instant),
                       xtime(p, o, "SessionNotOnOrAfter", o->session_not_on_or_after),
                       xattr(p, "SessionIndex",
                             o->session_index ? o->session_index : o->assertion_id),
                       "><AuthnContext><AuthnContextClassRef>"
                       "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
                       "</AuthnContextClassRef></AuthnContext></AuthnStatement>", NULL);
}

static const char *build_status(apr_pool_t *p, const tk_response_opts_t *o)
{
    const char *inner = o->status_code2
        ? apr_pstrcat(p, "<samlp:StatusCode", xattr(p, "Value", o->status_code2), "/>", NULL)
        : "";
    const char *msg = o->status_message
        ? apr_pstrcat(p, "<samlp:StatusMessage>", esc(p, o->status_message),
                      "</samlp:StatusMessage>", NULL)
        : "";
    return apr_pstrcat(p, "<samlp:Status><samlp:StatusCode", xattr(p, "Value", o->status_code),
                       ">", inner, "</samlp:StatusCode>", msg, "</samlp:Status>", NULL);
}

const char *tk_response_build(apr_pool_t *p, const tk_response_opts_t *o)
{
    const char *instant = tk_time(p, o->now + apr_time_from_sec((apr_time_t)o->issue_instant));
    const char *response_issuer = o->response_issuer
        ? apr_pstrcat(p, "<Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">",
                      esc(p, o->response_issuer), "</Issuer>", NULL)
        : "";
    const char *assertion_issuer = o->assertion_issuer
        ? apr_pstrcat(p, "<Issuer>", esc(p, o->assertion_issuer), "</Issuer>", NULL)
        : "";

    return apr_pstrcat(p,
        "<samlp:Response", xattr(p, "ID", o->response_id), " Version=\"2.0\"",
        " IssueInstant=\"", instant, "\"", xattr(p, "Destination", o->destination),
        xattr(p, "InResponseTo", o->in_response_to),
        " xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">",
        response_issuer, build_status(p, o),
        "<Assertion", xattr(p, "ID", o->assertion_id), " IssueInstant=\"", instant, "\"",
        " Version=\"2.0\" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">",
        assertion_issuer, build_subject(p, o), build_conditions(p, o), build_attributes(p, o),
        build_authn_statement(p, o), "</Assertion></samlp:Response>", NULL);
}

const char *tk_response_sign(apr_pool_t *p, const char *xml, const tk_response_opts_t *o,
                             const tk_keypair_t *kp)
{
    if (o->sign == TK_SIGN_ASSERTION || o->sign == TK_SIGN_BOTH)
        xml = tk_sign(p, xml, o->assertion_id, kp, o->sig_alg, o->digest_alg);
    if (o->sign == TK_SIGN_RESPONSE || o->sign == TK_SIGN_BOTH)
        xml = tk_sign(p, xml, o->response_id, kp, o->sig_alg, o->digest_alg);
    return xml;
}

const char *tk_response_signed(apr_pool_t *p, const tk_response_opts_t *o,
                               const tk_keypair_t *kp)
{
    return tk_response_sign(p, tk_response_build(p, o), o, kp);
}

/* ---- signing ------------------------------------------------------------ */

void tk_sign_defaults(tk_sign_opts_t *so)
{
    memset(so, 0, sizeof(*so));
    so->sig_alg = TK_RSA_SHA256;
    so->digest_alg = TK_SHA256;
    so->c14n_alg = TK_EXC_C14N;
    so->transforms[0] = TK_ENVELOPED;
    so->transforms[1] = TK_EXC_C14N;
}

static xmlSecTransformId transform_by_uri(const char *uri)
{
    xmlSecTransformId id = xmlSecTransformIdListFindByHref(xmlSecTransformIdsGet(),
                                                           (const xmlChar *)uri,
                                                           xmlSecTransformUsageAny);
    if (id == xmlSecTransformIdUnknown) {
        fprintf(stderr, "testkit: xmlsec does not know %s\n", uri);
        abort();
    }
    return id;
}

static xmlNodePtr element_with_id(xmlNodePtr n, const char *id)
{
    for (; n; n = n->next) {
        xmlChar *v;
        xmlNodePtr found;
        if (n->type != XML_ELEMENT_NODE)
            continue;
        v = xmlGetNoNsProp(n, (const xmlChar *)"ID");
        if (v && !strcmp((const char *)v, id)) {
            xmlFree(v);
            return n;
        }
        xmlFree(v);
        if ((found = element_with_id(n->children, id)) != NULL)
            return found;
    }
    return NULL;
}

static void register_ids(xmlDocPtr doc, xmlNodePtr n)
{
    for (; n; n = n->next) {
        xmlAttrPtr a;
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (a = n->properties; a; a = a->next) {
            if (a->ns == NULL && !strcmp((const char *)a->name, "ID")) {
                xmlChar *v = xmlNodeListGetString(doc, a->children, 1);
                if (v && xmlGetID(doc, v) == NULL)
                    xmlAddID(NULL, doc, v, a);
                xmlFree(v);
            }
        }
        register_ids(doc, n->children);
    }
}

static void insert_signature(xmlNodePtr elem, xmlNodePtr sig)
{
    xmlNodePtr c;
    for (c = elem->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "Issuer")) {
            xmlAddNextSibling(c, sig);
            return;
        }
    }
    if (elem->children)
        xmlAddPrevSibling(elem->children, sig);
    else
        xmlAddChild(elem, sig);
}

static xmlSecKeyPtr signing_key(const tk_keypair_t *kp)
{
    xmlSecKeyDataPtr data;
    xmlSecKeyPtr key = xmlSecKeyCreate();

    EVP_PKEY_up_ref(kp->key);
    data = xmlSecOpenSSLEvpKeyAdopt(kp->key);
    if (key == NULL || data == NULL || xmlSecKeySetValue(key, data) < 0)
        abort();
    return key;
}

static const char *cert_base64(apr_pool_t *p, X509 *cert)
{
    unsigned char *der = NULL;
    int len = i2d_X509(cert, &der);
    char *b64 = apr_palloc(p, ((apr_size_t)len + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)b64, der, len);
    OPENSSL_free(der);
    return b64;
}

const char *tk_sign_ex(apr_pool_t *p, const char *xml, const char *element_id,
                       const tk_keypair_t *kp, const tk_sign_opts_t *so)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "tk.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr elem, sig, ref;
    xmlSecDSigCtxPtr ctx;
    xmlChar *out = NULL;
    int outlen = 0, i;
    const char *result;

    if (doc == NULL || (elem = element_with_id(xmlDocGetRootElement(doc), element_id)) == NULL) {
        fprintf(stderr, "testkit: cannot sign: no element with ID %s\n", element_id);
        abort();
    }
    register_ids(doc, xmlDocGetRootElement(doc));
    sig = xmlSecTmplSignatureCreate(doc, transform_by_uri(so->c14n_alg),
                                    transform_by_uri(so->sig_alg), NULL);
    insert_signature(elem, sig);
    ref = xmlSecTmplSignatureAddReference(
        sig, transform_by_uri(so->digest_alg), NULL,
        (const xmlChar *)(so->reference_uri ? so->reference_uri
                                            : apr_pstrcat(p, "#", element_id, NULL)),
        NULL);
    for (i = 0; i < 4 && so->transforms[i]; i++)
        xmlSecTmplReferenceAddTransform(ref, transform_by_uri(so->transforms[i]));

    ctx = xmlSecDSigCtxCreate(NULL);
    ctx->signKey = signing_key(kp);
    if (xmlSecDSigCtxSign(ctx, sig) < 0) {
        fprintf(stderr, "testkit: xmlsec signing failed\n");
        abort();
    }
    xmlSecDSigCtxDestroy(ctx);

    /* KeyInfo is outside SignedInfo: written after signing, as any attacker could. */
    if (!so->no_keyinfo) {
        xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
        xmlNodePtr x509 = xmlSecTmplKeyInfoAddX509Data(ki);
        xmlNewTextChild(x509, sig->ns, (const xmlChar *)"X509Certificate",
                        (const xmlChar *)cert_base64(p, so->keyinfo_cert ? so->keyinfo_cert
                                                                          : kp->cert));
    }
    xmlDocDumpMemory(doc, &out, &outlen);
    result = apr_pstrmemdup(p, (const char *)out, (apr_size_t)outlen);
    xmlFree(out);
    xmlFreeDoc(doc);
    return result;
}

const char *tk_sign(apr_pool_t *p, const char *xml, const char *element_id,
                    const tk_keypair_t *kp, const char *sig_alg, const char *digest_alg)
{
    tk_sign_opts_t so;
    tk_sign_defaults(&so);
    if (sig_alg)
        so.sig_alg = sig_alg;
    if (digest_alg)
        so.digest_alg = digest_alg;
    return tk_sign_ex(p, xml, element_id, kp, &so);
}

/* ---- policy ------------------------------------------------------------- */

saml_verifier_t *tk_verifier(apr_pool_t *p, X509 *a, X509 *b, int allow_sha1)
{
    apr_array_header_t *certs = apr_array_make(p, 2, sizeof(X509 *));
    saml_verifier_options_t vo = { allow_sha1 };
    saml_verifier_t *v = NULL;
    saml_err_t err = { NULL, NULL };

    APR_ARRAY_PUSH(certs, X509 *) = a;
    if (b)
        APR_ARRAY_PUSH(certs, X509 *) = b;
    if (saml_verifier_create(p, certs, &vo, &v, &err) != APR_SUCCESS) {
        fprintf(stderr, "testkit: verifier: %s: %s\n", err.check, err.detail);
        abort();
    }
    return v;
}

saml_response_policy_t tk_policy(apr_pool_t *p, const tk_keypair_t *kp)
{
    saml_response_policy_t pol;
    memset(&pol, 0, sizeof(pol));
    pol.sp_entity_id = TK_SP_ENTITY_ID;
    pol.acs_url = TK_ACS_URL;
    pol.idp_entity_id = TK_IDP_ENTITY_ID;
    pol.verifier = tk_verifier(p, kp->cert, NULL, 0);
    pol.skew = apr_time_from_sec(180);
    pol.now = apr_time_now();
    pol.user_attribute = NULL;
    pol.limits.max_bytes = SAML_XML_DEFAULT_MAX_BYTES;
    pol.limits.max_depth = SAML_XML_DEFAULT_MAX_DEPTH;
    return pol;
}

/* ---- string surgery ----------------------------------------------------- */

const char *tk_replace(apr_pool_t *p, const char *s, const char *needle, const char *with)
{
    const char *at = strstr(s, needle);
    if (at == NULL) {
        fprintf(stderr, "testkit: tk_replace: \"%s\" not found\n", needle);
        abort();
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, s, (apr_size_t)(at - s)), with,
                       at + strlen(needle), NULL);
}

const char *tk_replace_all(apr_pool_t *p, const char *s, const char *needle, const char *with)
{
    const char *out = "", *at;
    while ((at = strstr(s, needle)) != NULL) {
        out = apr_pstrcat(p, out, apr_pstrmemdup(p, s, (apr_size_t)(at - s)), with, NULL);
        s = at + strlen(needle);
    }
    return apr_pstrcat(p, out, s, NULL);
}

const char *tk_between(apr_pool_t *p, const char *s, const char *start, const char *end)
{
    const char *a = strstr(s, start), *b = a ? strstr(a + strlen(start), end) : NULL;
    if (b == NULL) {
        fprintf(stderr, "testkit: tk_between: \"%s\"...\"%s\" not found\n", start, end);
        abort();
    }
    return apr_pstrmemdup(p, a, (apr_size_t)(b + strlen(end) - a));
}

int tk_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

const saml_pending_key_t tk_pending_key = {
    { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 }
};

void tk_browser_started(apr_pool_t *p, saml_acs_policy_t *pol, const saml_pending_request_t *req,
                        apr_time_t expiry)
{
    const char *value, *name;

    if (pol->pending_key == NULL) {
        pol->pending_key = &tk_pending_key;
        pol->pending_scope = TK_PENDING_SCOPE;
        pol->pending_cookie_base = TK_PENDING_BASE;
    }
    ck_assert_int_eq(saml_pending_seal(p, pol->pending_key, pol->pending_scope, req, expiry,
                                       &value), APR_SUCCESS);
    name = saml_pending_cookie_name(p, pol->pending_cookie_base, req->request_id);
    ck_assert_ptr_nonnull(name);
    pol->cookies = pol->cookies ? apr_pstrcat(p, pol->cookies, "; ", name, "=", value, NULL)
                                : apr_pstrcat(p, name, "=", value, NULL);
}
