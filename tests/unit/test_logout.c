/* Single Logout: the LogoutRequest we send (and its Redirect-binding query
 * signature), the LogoutResponse that answers it (once, from the right
 * issuer, to the right request), the IdP's own LogoutRequests (signed and
 * not), the session index that finds the sessions they end, and the attacks:
 * other tenants, bad or weak signatures, deflate bombs, DTDs, replays. */
#include <check.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "saml/codec.h"
#include "saml/logout.h"
#include "saml/redirect_binding.h"
#include "saml/relay_state.h"
#include "saml/session.h"
#include "saml/store_file.h"
#include "tests/unit/testkit.h"

#define SLO_URL     TK_IDP_SSO_URL
#define LOGOUT_URL  "https://sp.example.test/saml/logout"
#define LOGIN_ISSUER "https://login.microsoftonline.com/" TK_TENANT_ID "/"
#define OTHER_TENANT "https://login.microsoftonline.com/0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/"
#define USER        "alice@contoso.example"
#define SAML_NAMEID_TRANSIENT_FOR_TEST "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
#define SCOPE       "sp.example.test:443|sequr_saml_session|" TK_SP_ENTITY_ID

static tk_keypair_t *idp;

static void setup(void)
{
    tk_setup();
    idp = tk_keypair_new(tk_pool(), 2048, "idp", 30);
}

static void teardown(void)
{
    tk_teardown();
}

static saml_logout_policy_t policy(apr_pool_t *p, int require)
{
    saml_logout_policy_t pol;
    memset(&pol, 0, sizeof(pol));
    pol.idp_entity_id = TK_IDP_ENTITY_ID;
    pol.logout_url = LOGOUT_URL;
    pol.verifier = tk_verifier(p, idp->cert, NULL, 0);
    pol.require_signature = require;
    pol.skew = apr_time_from_sec(180);
    pol.now = apr_time_now();
    pol.limits.max_bytes = SAML_XML_DEFAULT_MAX_BYTES;
    pol.limits.max_depth = SAML_XML_DEFAULT_MAX_DEPTH;
    return pol;
}

static apr_array_header_t *certs_of(apr_pool_t *p, X509 *a)
{
    apr_array_header_t *certs = apr_array_make(p, 1, sizeof(X509 *));
    APR_ARRAY_PUSH(certs, X509 *) = a;
    return certs;
}

/* What Azure sends back: LogoutResponse, Issuer in the login.microsoftonline.com form. */
static const char *azure_logout_response(apr_pool_t *p, const char *id, const char *irt,
                                         const char *issuer, const char *status)
{
    return apr_psprintf(p,
        "<samlp:LogoutResponse xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
        "ID=\"%s\" Version=\"2.0\" IssueInstant=\"%s\" Destination=\"%s\" InResponseTo=\"%s\">"
        "<Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">%s</Issuer>"
        "<samlp:Status><samlp:StatusCode Value=\"%s\"/></samlp:Status>"
        "</samlp:LogoutResponse>", id, tk_time(p, apr_time_now()), LOGOUT_URL, irt, issuer,
        status);
}

/* An IdP-initiated LogoutRequest; not_after in seconds from now. */
static const char *idp_logout_request(apr_pool_t *p, const char *id, const char *name_id,
                                      const char *session_index, long not_after)
{
    return apr_psprintf(p,
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
        "ID=\"%s\" Version=\"2.0\" IssueInstant=\"%s\" Destination=\"%s\" NotOnOrAfter=\"%s\">"
        "<Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">%s</Issuer>"
        "<NameID xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" "
        "Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">%s</NameID>"
        "%s%s%s</samlp:LogoutRequest>", id, tk_time(p, apr_time_now()), LOGOUT_URL,
        tk_time(p, apr_time_now() + apr_time_from_sec(not_after)), LOGIN_ISSUER, name_id,
        session_index ? "<samlp:SessionIndex>" : "", session_index ? session_index : "",
        session_index ? "</samlp:SessionIndex>" : "");
}

static apr_status_t parse(apr_pool_t *p, const char *xml, const saml_logout_policy_t *pol,
                          int query_signed, saml_logout_message_t **m, saml_err_t *err)
{
    return saml_logout_parse(p, xml, strlen(xml), pol, query_signed, m, err);
}

static const char *query_of(const char *url)
{
    return strchr(url, '?') + 1;
}

/* ---- building ------------------------------------------------------------ */

START_TEST(request_names_the_session_as_received)
{
    apr_pool_t *p = tk_pool();
    saml_logout_request_t req = {0};
    saml_xml_limits_t lim = { SAML_XML_DEFAULT_MAX_BYTES, SAML_XML_DEFAULT_MAX_DEPTH, 0 };
    saml_err_t err = {0};
    xmlDocPtr doc;
    xmlNodePtr root, name_id;
    const char *xml, *text;

    req.id = "_0123abcd";
    req.sp_entity_id = TK_SP_ENTITY_ID;
    req.destination = SLO_URL;
    req.name_id = "a<b>&c@contoso.example";
    req.name_id_format = SAML_NAMEID_TRANSIENT_FOR_TEST;
    req.session_index = "_sess-1";
    xml = saml_logout_request_xml(p, &req);
    ck_assert_ptr_nonnull(xml);
    ck_assert_int_eq(saml_xml_parse(p, xml, strlen(xml), &lim, &doc, &err), APR_SUCCESS);
    root = xmlDocGetRootElement(doc);
    ck_assert(saml_xml_is(root, SAML_NS_PROTOCOL, "LogoutRequest"));
    ck_assert_str_eq(saml_xml_attr(p, root, "ID"), "_0123abcd");
    ck_assert_str_eq(saml_xml_attr(p, root, "Destination"), SLO_URL);
    ck_assert_str_eq(saml_xml_attr(p, root, "Version"), "2.0");
    ck_assert_int_eq(saml_xml_text(p, saml_xml_child(root, SAML_NS_ASSERTION, "Issuer", NULL),
                                   &text, &err), APR_SUCCESS);
    ck_assert_str_eq(text, TK_SP_ENTITY_ID);
    name_id = saml_xml_child(root, SAML_NS_ASSERTION, "NameID", NULL);
    ck_assert_int_eq(saml_xml_text(p, name_id, &text, &err), APR_SUCCESS);
    ck_assert_str_eq(text, "a<b>&c@contoso.example");
    ck_assert_str_eq(saml_xml_attr(p, name_id, "Format"), SAML_NAMEID_TRANSIENT_FOR_TEST);
    ck_assert_int_eq(saml_xml_text(p, saml_xml_child(root, SAML_NS_PROTOCOL, "SessionIndex",
                                                     NULL), &text, &err), APR_SUCCESS);
    ck_assert_str_eq(text, "_sess-1");

    req.id = "0123abcd";          /* Azure refuses IDs starting with a digit */
    ck_assert_ptr_null(saml_logout_request_xml(p, &req));
    req.id = "_x";
    req.name_id = NULL;
    ck_assert_ptr_null(saml_logout_request_xml(p, &req));
}
END_TEST

START_TEST(unsigned_redirect_round_trip)
{
    apr_pool_t *p = tk_pool();
    saml_logout_response_t res = {0};
    saml_redirect_message_t *m;
    saml_err_t err = {0};
    const char *xml, *url;

    res.id = "_r1";
    res.sp_entity_id = TK_SP_ENTITY_ID;
    res.destination = SLO_URL "?existing=1";
    res.in_response_to = "_idp-req";
    res.status = SAML_STATUS_SUCCESS;
    xml = saml_logout_response_xml(p, &res);
    ck_assert_ptr_nonnull(strstr(xml, "InResponseTo=\"_idp-req\""));
    ck_assert_int_eq(saml_redirect_encode(p, res.destination, "SAMLResponse", xml, "a b&c",
                                          NULL, &url, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(url, SLO_URL "?existing=1&SAMLResponse="));
    ck_assert_ptr_null(strstr(url, "Signature="));
    ck_assert_int_eq(saml_redirect_parse(p, query_of(url), 65536, &m, &err), APR_SUCCESS);
    ck_assert_str_eq(m->param, "SAMLResponse");
    ck_assert_str_eq(m->xml, xml);
    ck_assert_str_eq(m->relay_state, "a b&c");
    ck_assert_ptr_null(m->sig_alg);
    ck_assert_int_eq(saml_redirect_verify(p, m, certs_of(p, idp->cert), 0, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature-missing");
}
END_TEST

static void check_signed_round_trip(int bits)
{
    apr_pool_t *p = tk_pool();
    tk_keypair_t *sp = tk_keypair_new(p, bits, "sp", 30);
    tk_keypair_t *other = tk_keypair_new(p, bits, "other", 30);
    saml_redirect_message_t *m;
    saml_err_t err = {0};
    const char *url;

    ck_assert_int_eq(saml_redirect_encode(p, SLO_URL, "SAMLRequest", "<x/>", "_relay", sp->key,
                                          &url, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_redirect_parse(p, query_of(url), 65536, &m, &err), APR_SUCCESS);
    ck_assert_str_eq(m->sig_alg, bits ? SAML_SIGALG_RSA_SHA256 : SAML_SIGALG_ECDSA_SHA256);
    ck_assert_int_eq(saml_redirect_verify(p, m, certs_of(p, sp->cert), 0, &err), APR_SUCCESS);
    /* Only the configured certificates count. */
    ck_assert_int_eq(saml_redirect_verify(p, m, certs_of(p, other->cert), 0, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature");
    /* The RelayState is covered. */
    url = tk_replace(p, url, "RelayState=_relay", "RelayState=_relaz");
    ck_assert_int_eq(saml_redirect_parse(p, query_of(url), 65536, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_redirect_verify(p, m, certs_of(p, sp->cert), 0, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature");
}

START_TEST(rsa_signed_redirect_round_trip)
{
    check_signed_round_trip(2048);
}
END_TEST

START_TEST(ecdsa_signed_redirect_round_trip)
{
    check_signed_round_trip(0);
}
END_TEST

/* A query signed by hand with any SigAlg/digest, as an attacker or an old IdP would. */
static const char *signed_query(apr_pool_t *p, const char *xml, const char *sig_alg,
                                const EVP_MD *md, EVP_PKEY *key)
{
    unsigned char *z, sig[1024];
    apr_size_t zlen;
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const char *q;

    ck_assert_int_eq(saml_deflate(p, (const unsigned char *)xml, strlen(xml), &z, &zlen),
                     APR_SUCCESS);
    q = apr_pstrcat(p, "SAMLRequest=", saml_url_encode(p, saml_base64_encode(p, z, zlen)),
                    "&SigAlg=", saml_url_encode(p, sig_alg), NULL);
    ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, md, NULL, key), 1);
    ck_assert_int_eq(EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)q, strlen(q)), 1);
    EVP_MD_CTX_free(ctx);
    return apr_pstrcat(p, q, "&Signature=", saml_url_encode(p, saml_base64_encode(p, sig, siglen)),
                       NULL);
}

START_TEST(weak_sigalg_refused)
{
    apr_pool_t *p = tk_pool();
    saml_redirect_message_t *m;
    saml_err_t err = {0};
    const char *q = signed_query(p, "<x/>", SAML_SIGALG_RSA_SHA1, EVP_sha1(), idp->key);

    ck_assert_int_eq(saml_redirect_parse(p, q, 65536, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_redirect_verify(p, m, certs_of(p, idp->cert), 0, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature-algorithm");
    /* Turned on by the admin, the same signature verifies: the refusal was the policy. */
    ck_assert_int_eq(saml_redirect_verify(p, m, certs_of(p, idp->cert), 1, &err), APR_SUCCESS);

    q = signed_query(p, "<x/>", "http://www.w3.org/2001/04/xmldsig-more#rsa-md5", EVP_md5(),
                     idp->key);
    ck_assert_int_eq(saml_redirect_parse(p, q, 65536, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_redirect_verify(p, m, certs_of(p, idp->cert), 1, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature-algorithm");
    /* An RSA signature called ECDSA: the key type must fit the algorithm. */
    q = signed_query(p, "<x/>", SAML_SIGALG_ECDSA_SHA256, EVP_sha256(), idp->key);
    ck_assert_int_eq(saml_redirect_parse(p, q, 65536, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_redirect_verify(p, m, certs_of(p, idp->cert), 0, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature");
}
END_TEST

START_TEST(query_shape_refused)
{
    apr_pool_t *p = tk_pool();
    saml_redirect_message_t *m;
    saml_err_t err = {0};
    const char *url, *q;

    ck_assert_int_eq(saml_redirect_encode(p, SLO_URL, "SAMLRequest", "<x/>", "r", NULL, &url,
                                          &err), APR_SUCCESS);
    q = query_of(url);
    ck_assert_int_eq(saml_redirect_parse(p, apr_pstrcat(p, q, "&", q, NULL), 65536, &m, &err),
                     SAML_EMALFORMED);
    ck_assert_str_eq(err.check, "redirect-duplicate");
    ck_assert_int_eq(saml_redirect_parse(p, apr_pstrcat(p, q, "&SAMLResponse=eA", NULL), 65536,
                                         &m, &err), SAML_EMALFORMED);
    ck_assert_int_eq(saml_redirect_parse(p, apr_pstrcat(p, q, "&SigAlg=x", NULL), 65536, &m,
                                         &err), SAML_EMALFORMED);
    ck_assert_int_eq(saml_redirect_parse(p, "RelayState=x", 65536, &m, &err), SAML_EMALFORMED);
    ck_assert_int_eq(saml_redirect_parse(p, "SAMLRequest=%zz", 65536, &m, &err),
                     SAML_EMALFORMED);
    ck_assert_int_eq(saml_redirect_parse(p, "SAMLRequest=AAAA*", 65536, &m, &err),
                     SAML_EMALFORMED);
    ck_assert(saml_redirect_has_message(q));
    ck_assert(!saml_redirect_has_message("ReturnTo=%2F"));
    /* Other parameters are ignored, not signed, not fatal. */
    ck_assert_int_eq(saml_redirect_parse(p, apr_pstrcat(p, "x=1&", q, NULL), 65536, &m, &err),
                     APR_SUCCESS);
}
END_TEST

START_TEST(deflate_bomb_stops_at_the_cap)
{
    apr_pool_t *p = tk_pool();
    apr_size_t big = 20 * 1024 * 1024, zlen;
    unsigned char *zeros = calloc(1, big), *z;
    saml_redirect_message_t *m;
    saml_err_t err = {0};
    const char *q;

    ck_assert_ptr_nonnull(zeros);
    memset(zeros, 'A', big);
    ck_assert_int_eq(saml_deflate(p, zeros, big, &z, &zlen), APR_SUCCESS);
    free(zeros);
    ck_assert_uint_lt(zlen, 64 * 1024);     /* fits a long query string */
    q = apr_pstrcat(p, "SAMLRequest=", saml_url_encode(p, saml_base64_encode(p, z, zlen)), NULL);
    ck_assert_int_eq(saml_redirect_parse(p, q, 256 * 1024, &m, &err), SAML_ETOOLARGE);
    ck_assert_str_eq(err.check, "inflate-size");
}
END_TEST

/* ---- the LogoutResponse to our request ---------------------------------- */

START_TEST(issuer_forms)
{
    ck_assert(saml_logout_issuer_ok(TK_IDP_ENTITY_ID, TK_IDP_ENTITY_ID));
    ck_assert(saml_logout_issuer_ok(TK_IDP_ENTITY_ID, LOGIN_ISSUER));
    ck_assert(!saml_logout_issuer_ok(TK_IDP_ENTITY_ID, OTHER_TENANT));
    ck_assert(!saml_logout_issuer_ok(TK_IDP_ENTITY_ID,
                                     "https://login.microsoftonline.com/" TK_TENANT_ID));
    ck_assert(!saml_logout_issuer_ok(TK_IDP_ENTITY_ID,
                                     "https://login.microsoftonline.com/" TK_TENANT_ID "/x/"));
    ck_assert(!saml_logout_issuer_ok(TK_IDP_ENTITY_ID, "https://evil.example/"));
    /* Not an Entra entity id: nothing is derived. */
    ck_assert(saml_logout_issuer_ok("urn:idp", "urn:idp"));
    ck_assert(!saml_logout_issuer_ok("urn:idp", LOGIN_ISSUER));
    ck_assert(!saml_logout_issuer_ok(NULL, LOGIN_ISSUER));
}
END_TEST

START_TEST(response_finishes_its_request_once)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_logout_policy_t pol = policy(p, 0);
    saml_logout_message_t *m;
    saml_err_t err = {0};
    const char *back, *xml = azure_logout_response(p, "_a1", "_req1", LOGIN_ISSUER,
                                                   SAML_STATUS_SUCCESS);
    apr_time_t later = apr_time_now() + apr_time_from_sec(600);

    ck_assert_int_eq(saml_logout_pending_save(p, st, "_req1", "_h1", "/bye?x=1", later),
                     APR_SUCCESS);
    ck_assert_int_eq(parse(p, xml, &pol, 0, &m, &err), APR_SUCCESS);
    ck_assert(!m->is_request);
    ck_assert_str_eq(m->in_response_to, "_req1");
    ck_assert_str_eq(m->issuer, LOGIN_ISSUER);
    ck_assert_int_eq(saml_logout_finish(p, st, m, "_h1", "/", &back, &err), APR_SUCCESS);
    ck_assert_str_eq(back, "/bye?x=1");
    /* Replayed: the request was answered. */
    ck_assert_int_eq(saml_logout_finish(p, st, m, "_h1", "/", &back, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "in-response-to");
    ck_assert_str_eq(back, "/");
}
END_TEST

START_TEST(response_to_another_request_refused)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_logout_policy_t pol = policy(p, 0);
    saml_logout_message_t *m;
    saml_err_t err = {0};
    const char *back;
    apr_time_t later = apr_time_now() + apr_time_from_sec(600);

    ck_assert_int_eq(saml_logout_pending_save(p, st, "_req2", "_h2", "/bye", later), APR_SUCCESS);
    ck_assert_int_eq(parse(p, azure_logout_response(p, "_a2", "_never-sent", LOGIN_ISSUER,
                                                    SAML_STATUS_SUCCESS), &pol, 0, &m, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_logout_finish(p, st, m, "_h2", "/", &back, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "in-response-to");
    /* The right id with another request's handle. */
    ck_assert_int_eq(parse(p, azure_logout_response(p, "_a3", "_req2", LOGIN_ISSUER,
                                                    SAML_STATUS_SUCCESS), &pol, 0, &m, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_logout_finish(p, st, m, "_other", "/", &back, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "relay-state");
    ck_assert_str_eq(back, "/");
}
END_TEST

START_TEST(response_status_failure_reported)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_logout_policy_t pol = policy(p, 0);
    saml_logout_message_t *m;
    saml_err_t err = {0};
    const char *back;

    ck_assert_int_eq(saml_logout_pending_save(p, st, "_req3", "_h3", "/bye",
                                              apr_time_now() + apr_time_from_sec(60)),
                     APR_SUCCESS);
    ck_assert_int_eq(parse(p, azure_logout_response(p, "_a4", "_req3", LOGIN_ISSUER,
                                                    SAML_STATUS_REQUESTER), &pol, 0, &m, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_logout_finish(p, st, m, "_h3", "/", &back, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "status");
    ck_assert_str_eq(back, "/bye");
}
END_TEST

START_TEST(response_rules)
{
    apr_pool_t *p = tk_pool();
    saml_logout_policy_t pol = policy(p, 0);
    saml_logout_message_t *m;
    saml_err_t err = {0};
    const char *good = azure_logout_response(p, "_a5", "_r", LOGIN_ISSUER, SAML_STATUS_SUCCESS);

    ck_assert_int_eq(parse(p, azure_logout_response(p, "_a", "_r", TK_IDP_ENTITY_ID,
                                                    SAML_STATUS_SUCCESS), &pol, 0, &m, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(parse(p, azure_logout_response(p, "_a", "_r", OTHER_TENANT,
                                                    SAML_STATUS_SUCCESS), &pol, 0, &m, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "issuer");
    ck_assert_int_eq(parse(p, azure_logout_response(p, "_a", "_r", "https://evil.example/",
                                                    SAML_STATUS_SUCCESS), &pol, 0, &m, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "issuer");
    ck_assert_int_eq(parse(p, tk_replace(p, good, LOGOUT_URL, "https://evil.example/logout"),
                           &pol, 0, &m, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "destination");
    ck_assert_int_eq(parse(p, tk_replace(p, good, " InResponseTo=\"_r\"", ""), &pol, 0, &m, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "in-response-to");
    ck_assert_int_eq(parse(p, tk_replace(p, good, "Version=\"2.0\"", "Version=\"1.1\""), &pol, 0,
                           &m, &err), SAML_EREJECTED);
    ck_assert_int_eq(parse(p, tk_replace(p, good, "<samlp:Status><samlp:StatusCode Value=\""
                                         SAML_STATUS_SUCCESS "\"/></samlp:Status>", ""),
                           &pol, 0, &m, &err), SAML_EREJECTED);
    ck_assert_int_eq(parse(p, apr_pstrcat(p, "<!DOCTYPE x [<!ENTITY e \"y\">]>", good, NULL),
                           &pol, 0, &m, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "xml");
    ck_assert_int_eq(parse(p, "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:"
                              "protocol\" ID=\"_x\" Version=\"2.0\"/>", &pol, 0, &m, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "shape");
    /* Required signatures: an unsigned response is refused before anything else. */
    pol.require_signature = 1;
    ck_assert_int_eq(parse(p, good, &pol, 0, &m, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature-missing");
    ck_assert_int_eq(parse(p, good, &pol, 1, &m, &err), APR_SUCCESS);
}
END_TEST

START_TEST(response_enveloped_signature)
{
    apr_pool_t *p = tk_pool();
    saml_logout_policy_t pol = policy(p, 1);
    tk_keypair_t *evil = tk_keypair_new(p, 2048, "evil", 30);
    saml_logout_message_t *m;
    saml_err_t err = {0};
    const char *xml = azure_logout_response(p, "_sig1", "_r", LOGIN_ISSUER, SAML_STATUS_SUCCESS);
    const char *good = tk_sign(p, xml, "_sig1", idp, TK_RSA_SHA256, TK_SHA256);

    ck_assert_int_eq(parse(p, good, &pol, 0, &m, &err), APR_SUCCESS);
    ck_assert(m->signed_xml);
    ck_assert_int_eq(parse(p, tk_sign(p, xml, "_sig1", evil, TK_RSA_SHA256, TK_SHA256), &pol, 0,
                           &m, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature");
    /* Pointed elsewhere: InResponseTo changed after signing. */
    ck_assert_int_eq(parse(p, tk_replace(p, good, "InResponseTo=\"_r\"", "InResponseTo=\"_q\""),
                           &pol, 0, &m, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature");
}
END_TEST

START_TEST(return_to_must_be_local)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    apr_time_t later = apr_time_now() + apr_time_from_sec(60);
    const char *bad[] = { "//evil.example/", "https://evil.example/", "/\\evil.example",
                          "/%2F%2Fevil", "", NULL };
    int i;

    for (i = 0; bad[i]; i++) {
        ck_assert(!saml_is_local_path(bad[i]));
        ck_assert_int_eq(saml_logout_pending_save(p, st, "_q", "_h", bad[i], later), APR_EINVAL);
    }
    ck_assert_int_eq(saml_logout_pending_save(p, st, "_q", "_h", "/ok", later), APR_SUCCESS);
}
END_TEST

/* ---- the IdP's LogoutRequest ---------------------------------------------- */

START_TEST(idp_request_read)
{
    apr_pool_t *p = tk_pool();
    saml_logout_policy_t pol = policy(p, 0);
    saml_logout_message_t *m;
    saml_err_t err = {0};
    const char *xml = idp_logout_request(p, "_lr1", USER, "_s1", 300);

    xml = tk_replace(p, xml, "</samlp:LogoutRequest>",
                     "<samlp:SessionIndex>_s2</samlp:SessionIndex></samlp:LogoutRequest>");
    ck_assert_int_eq(parse(p, xml, &pol, 0, &m, &err), APR_SUCCESS);
    ck_assert(m->is_request);
    ck_assert(!m->signed_xml);
    ck_assert_str_eq(m->name_id, USER);
    ck_assert_int_eq(m->session_indexes->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(m->session_indexes, 1, const char *), "_s2");
    /* Required signatures: refused unsigned, accepted when the query was signed. */
    pol.require_signature = 1;
    ck_assert_int_eq(parse(p, xml, &pol, 0, &m, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature-missing");
    ck_assert_int_eq(parse(p, xml, &pol, 1, &m, &err), APR_SUCCESS);
}
END_TEST

START_TEST(idp_request_enveloped_signature)
{
    apr_pool_t *p = tk_pool();
    saml_logout_policy_t pol = policy(p, 1);
    tk_keypair_t *evil = tk_keypair_new(p, 2048, "evil", 30);
    saml_logout_message_t *m;
    saml_err_t err = {0};
    const char *xml = idp_logout_request(p, "_lr2", USER, "_s1", 300);
    const char *good = tk_sign(p, xml, "_lr2", idp, TK_RSA_SHA256, TK_SHA256);

    ck_assert_int_eq(parse(p, good, &pol, 0, &m, &err), APR_SUCCESS);
    ck_assert(m->signed_xml);
    ck_assert_int_eq(parse(p, tk_sign(p, xml, "_lr2", evil, TK_RSA_SHA256, TK_SHA256), &pol, 0,
                           &m, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature");
    /* Tampered after signing: another user logged out. */
    ck_assert_int_eq(parse(p, tk_replace(p, good, USER, "bob@contoso.example"), &pol, 0, &m,
                           &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature");
    /* A bad signature is refused even when signatures are optional. */
    pol.require_signature = 0;
    ck_assert_int_eq(parse(p, tk_replace(p, good, USER, "bob@contoso.example"), &pol, 0, &m,
                           &err), SAML_EREJECTED);
    ck_assert_int_eq(parse(p, tk_sign(p, xml, "_lr2", idp, TK_RSA_SHA1, TK_SHA1), &pol, 0, &m,
                           &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature-shape");
}
END_TEST

START_TEST(idp_request_rules)
{
    apr_pool_t *p = tk_pool();
    saml_logout_policy_t pol = policy(p, 0);
    saml_logout_message_t *m;
    saml_err_t err = {0};

    ck_assert_int_eq(parse(p, idp_logout_request(p, "_e", USER, NULL, -600), &pol, 0, &m, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "expired");
    /* Within the skew it is still fine. */
    ck_assert_int_eq(parse(p, idp_logout_request(p, "_e", USER, NULL, -60), &pol, 0, &m, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(m->session_indexes->nelts, 0);
    ck_assert_int_eq(parse(p, idp_logout_request(p, "_c", "alice@contoso.example<!---->.evil",
                                                 NULL, 60), &pol, 0, &m, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "text-content");
    ck_assert_int_eq(parse(p, idp_logout_request(p, "_n", "", NULL, 60), &pol, 0, &m, &err),
                     SAML_EREJECTED);
    ck_assert_int_eq(parse(p, tk_replace(p, idp_logout_request(p, "_o", USER, NULL, 60),
                                         LOGIN_ISSUER, OTHER_TENANT), &pol, 0, &m, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "issuer");
}
END_TEST

START_TEST(idp_request_acted_on_once)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    saml_logout_policy_t pol = policy(p, 0);
    saml_logout_message_t *m;
    saml_err_t err = {0};
    apr_time_t now = apr_time_now();

    ck_assert_int_eq(parse(p, idp_logout_request(p, "_once", USER, NULL, 60), &pol, 0, &m, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_logout_request_remember(p, st, m, now, apr_time_from_sec(600), &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_logout_request_remember(p, st, m, now, apr_time_from_sec(600), &err),
                     SAML_EREPLAY);
    ck_assert_str_eq(err.check, "replay");
}
END_TEST

/* ---- the session index ------------------------------------------------------ */

static const char *idp_of_next_session = TK_IDP_ENTITY_ID;

static const char *open_session_until(apr_pool_t *p, saml_store_t *st, const char *scope,
                                      const char *name_id, const char *session_index,
                                      apr_interval_time_t lifetime)
{
    saml_session_t s = {0};
    apr_time_t now = apr_time_now();

    s.id = saml_session_new_id(p);
    s.user = name_id;
    s.idp_entity_id = idp_of_next_session;
    s.name_id = name_id;
    s.session_index = session_index;
    s.scope = scope;
    s.created = s.last_access = now;
    s.expires = now + lifetime;
    ck_assert_int_eq(saml_session_save(p, st, &s), APR_SUCCESS);
    ck_assert_int_eq(saml_session_index_add(p, st, &s), APR_SUCCESS);
    return s.id;
}

static const char *open_session(apr_pool_t *p, saml_store_t *st, const char *scope,
                                const char *name_id, const char *session_index)
{
    return open_session_until(p, st, scope, name_id, session_index, apr_time_from_sec(3600));
}

static int alive(apr_pool_t *p, saml_store_t *st, const char *scope, const char *id)
{
    saml_session_t *s;
    return saml_session_load(p, st, id, scope, 0, apr_time_now(), &s) == APR_SUCCESS;
}

START_TEST(index_ends_the_named_sessions_only)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    const char *other_idp;
    const char *a1 = open_session(p, st, SCOPE, USER, "_s1");
    const char *a2 = open_session(p, st, SCOPE, USER, "_s2");
    const char *b = open_session(p, st, SCOPE, "bob@contoso.example", "_s1");
    const char *elsewhere = open_session(p, st, "other-vhost", USER, "_s1");
    int ended;

    /* The same NameID and SessionIndex from another IdP (another tenant). */
    idp_of_next_session = "https://sts.windows.net/0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/";
    other_idp = open_session(p, st, SCOPE, USER, "_s1");
    idp_of_next_session = TK_IDP_ENTITY_ID;

    ck_assert_int_eq(saml_session_end_by_name(p, st, SCOPE, TK_IDP_ENTITY_ID, USER, "_s1", &ended), APR_SUCCESS);
    ck_assert_int_eq(ended, 1);
    ck_assert(!alive(p, st, SCOPE, a1));
    ck_assert(alive(p, st, SCOPE, a2));
    ck_assert(alive(p, st, SCOPE, b));
    ck_assert(alive(p, st, "other-vhost", elsewhere));
    ck_assert(alive(p, st, SCOPE, other_idp));
    /* Without a SessionIndex: every session of the user in this scope. */
    ck_assert_int_eq(saml_session_end_by_name(p, st, SCOPE, TK_IDP_ENTITY_ID, USER, NULL, &ended), APR_SUCCESS);
    ck_assert_int_eq(ended, 2);      /* a1 (already gone) and a2 */
    ck_assert(!alive(p, st, SCOPE, a2));
    ck_assert(alive(p, st, SCOPE, b));
    ck_assert(alive(p, st, "other-vhost", elsewhere));
    /* Nothing left to end: fine, and nothing else touched. */
    ck_assert_int_eq(saml_session_end_by_name(p, st, SCOPE, TK_IDP_ENTITY_ID, USER, NULL, &ended), APR_SUCCESS);
    ck_assert_int_eq(ended, 0);
    ck_assert(alive(p, st, SCOPE, b));
    ck_assert(alive(p, st, SCOPE, other_idp));
}
END_TEST

START_TEST(index_keeps_the_newest)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    const char *ids[SAML_SESSION_INDEX_MAX + 2];
    int i, ended;

    for (i = 0; i < SAML_SESSION_INDEX_MAX + 2; i++)
        ids[i] = open_session(p, st, SCOPE, USER, NULL);
    ck_assert_int_eq(saml_session_end_by_name(p, st, SCOPE, TK_IDP_ENTITY_ID, USER, NULL, &ended), APR_SUCCESS);
    ck_assert_int_eq(ended, SAML_SESSION_INDEX_MAX);
    ck_assert(alive(p, st, SCOPE, ids[0]));
    ck_assert(!alive(p, st, SCOPE, ids[SAML_SESSION_INDEX_MAX + 1]));
}
END_TEST

/* A newer session cut short by the IdP (SessionNotOnOrAfter) must not take
 * the index entry of an older, longer one with it. */
START_TEST(index_outlives_a_shorter_newer_session)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    const char *longer = open_session(p, st, SCOPE, USER, NULL);
    int ended;

    open_session_until(p, st, SCOPE, USER, NULL, apr_time_from_msec(300));
    apr_sleep(apr_time_from_msec(600));
    ck_assert_int_eq(saml_session_end_by_name(p, st, SCOPE, TK_IDP_ENTITY_ID, USER, NULL, &ended), APR_SUCCESS);
    ck_assert_int_ge(ended, 1);
    ck_assert(!alive(p, st, SCOPE, longer));
}
END_TEST

/* ---- acting on an IdP LogoutRequest (issue #10 item 10) ----------------------- */

/* A store that counts writes and passes everything on: "nothing written" is
 * something a test can assert. */
typedef struct counting {
    saml_store_t *inner;
    int writes;
} counting_t;

static apr_status_t cs_get(saml_store_t *st, const char *k, apr_pool_t *p, char **v,
                           apr_size_t *l)
{
    counting_t *c = st->impl;
    return saml_store_get(c->inner, k, p, v, l);
}

static apr_status_t cs_set(saml_store_t *st, const char *k, const char *v, apr_size_t l,
                           apr_time_t e)
{
    counting_t *c = st->impl;
    c->writes++;
    return saml_store_set(c->inner, k, v, l, e);
}

static apr_status_t cs_add(saml_store_t *st, const char *k, const char *v, apr_size_t l,
                           apr_time_t e)
{
    counting_t *c = st->impl;
    c->writes++;
    return saml_store_add(c->inner, k, v, l, e);
}

static apr_status_t cs_take(saml_store_t *st, const char *k, apr_pool_t *p, char **v,
                            apr_size_t *l)
{
    counting_t *c = st->impl;
    c->writes++;
    return saml_store_take(c->inner, k, p, v, l);
}

static apr_status_t cs_remove(saml_store_t *st, const char *k)
{
    counting_t *c = st->impl;
    c->writes++;
    return saml_store_remove(c->inner, k);
}

static const saml_store_provider_t counting_provider = {
    .name = "counting", .get = cs_get, .set = cs_set, .add = cs_add, .take = cs_take,
    .remove = cs_remove,
};

static saml_store_t *counting_store(apr_pool_t *p, saml_store_t *inner, counting_t **out)
{
    saml_store_t *st = apr_pcalloc(p, sizeof(*st));
    counting_t *c = apr_pcalloc(p, sizeof(*c));
    c->inner = inner;
    st->provider = &counting_provider;
    st->impl = c;
    *out = c;
    return st;
}

static saml_logout_message_t *idp_request(apr_pool_t *p, const char *id, const char *name_id,
                                          const char *session_index, int sign, int query_signed)
{
    saml_logout_policy_t pol = policy(p, 0);
    saml_logout_message_t *m;
    saml_err_t err = {0};
    const char *xml = idp_logout_request(p, id, name_id, session_index, 300);

    if (sign)
        xml = tk_sign(p, xml, id, idp, TK_RSA_SHA256, TK_SHA256);
    ck_assert_int_eq(parse(p, xml, &pol, query_signed, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(m->signed_xml || m->signed_query, sign || query_signed);
    return m;
}

static apr_status_t apply(apr_pool_t *p, saml_store_t *st, const saml_logout_message_t *m,
                          saml_logout_unsigned_t rule, int *ended, saml_err_t *err)
{
    return saml_logout_request_apply(p, st, m, rule, SCOPE, TK_IDP_ENTITY_ID, apr_time_now(),
                                     apr_time_from_sec(600), ended, err);
}

START_TEST(unsigned_name_id_only_ends_nothing)
{
    apr_pool_t *p = tk_pool();
    counting_t *c;
    saml_store_t *st = counting_store(p, tk_file_store(p), &c);
    const char *a1 = open_session(p, st, SCOPE, USER, "_s1");
    const char *a2 = open_session(p, st, SCOPE, USER, "_s2");
    saml_err_t err = {0};
    int ended = -1, before = c->writes;

    ck_assert_int_eq(apply(p, st, idp_request(p, "_n1", USER, NULL, 0, 0),
                           SAML_LOGOUT_UNSIGNED_BY_INDEX, &ended, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "name-id-only");
    ck_assert_int_eq(ended, 0);
    ck_assert_int_eq(c->writes, before);
    ck_assert(alive(p, st, SCOPE, a1));
    ck_assert(alive(p, st, SCOPE, a2));
}
END_TEST

START_TEST(signed_name_id_only_ends_every_session)
{
    apr_pool_t *p = tk_pool();
    saml_store_t *st = tk_file_store(p);
    const char *a1 = open_session(p, st, SCOPE, USER, "_s1");
    const char *a2 = open_session(p, st, SCOPE, USER, "_s2");
    const char *b = open_session(p, st, SCOPE, "bob@contoso.example", "_s1");
    saml_logout_message_t *xml_signed = idp_request(p, "_sx", USER, NULL, 1, 0);
    saml_err_t err = {0};
    int ended = 0;

    ck_assert_int_eq(apply(p, st, xml_signed, SAML_LOGOUT_UNSIGNED_BY_INDEX, &ended, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(ended, 2);
    ck_assert(!alive(p, st, SCOPE, a1));
    ck_assert(!alive(p, st, SCOPE, a2));
    ck_assert(alive(p, st, SCOPE, b));
    ck_assert_int_eq(apply(p, st, xml_signed, SAML_LOGOUT_UNSIGNED_BY_INDEX, &ended, &err),
                     SAML_EREPLAY);
    /* Query-signed (Redirect binding) counts as signed too. */
    a1 = open_session(p, st, SCOPE, USER, "_s3");
    ck_assert_int_eq(apply(p, st, idp_request(p, "_sq", USER, NULL, 0, 1),
                           SAML_LOGOUT_UNSIGNED_BY_INDEX, &ended, &err), APR_SUCCESS);
    ck_assert_int_eq(ended, 1);
    ck_assert(!alive(p, st, SCOPE, a1));
}
END_TEST

START_TEST(unsigned_live_session_index_ends_that_session)
{
    apr_pool_t *p = tk_pool();
    counting_t *c;
    saml_store_t *st = counting_store(p, tk_file_store(p), &c);
    const char *a1 = open_session(p, st, SCOPE, USER, "_s1");
    const char *a2 = open_session(p, st, SCOPE, USER, "_s2");
    saml_logout_message_t *m = idp_request(p, "_u1", USER, "_s1", 0, 0);
    saml_err_t err = {0};
    int ended = 0, before;

    ck_assert_int_eq(apply(p, st, m, SAML_LOGOUT_UNSIGNED_BY_INDEX, &ended, &err), APR_SUCCESS);
    ck_assert_int_eq(ended, 1);
    ck_assert(!alive(p, st, SCOPE, a1));
    ck_assert(alive(p, st, SCOPE, a2));
    /* Again: acted on once (told apart without writing anything). */
    before = c->writes;
    ck_assert_int_eq(apply(p, st, m, SAML_LOGOUT_UNSIGNED_BY_INDEX, &ended, &err), SAML_EREPLAY);
    ck_assert_str_eq(err.check, "replay");
    ck_assert_int_eq(c->writes, before);
    ck_assert(alive(p, st, SCOPE, a2));
}
END_TEST

START_TEST(unsigned_wrong_session_index_ends_nothing_writes_nothing)
{
    apr_pool_t *p = tk_pool();
    counting_t *c;
    saml_store_t *st = counting_store(p, tk_file_store(p), &c);
    const char *a1 = open_session(p, st, SCOPE, USER, "_s1");
    const char *b = open_session(p, st, SCOPE, "bob@contoso.example", "_s2");
    saml_err_t err = {0};
    int ended = -1, before = c->writes;

    /* Another's SessionIndex, a made-up one, another scope's: nothing. */
    ck_assert_int_eq(apply(p, st, idp_request(p, "_w1", USER, "_s2", 0, 0),
                           SAML_LOGOUT_UNSIGNED_BY_INDEX, &ended, &err), APR_SUCCESS);
    ck_assert_int_eq(ended, 0);
    ck_assert_int_eq(apply(p, st, idp_request(p, "_w2", USER, "_guess", 0, 0),
                           SAML_LOGOUT_UNSIGNED_BY_NAME_ID, &ended, &err), APR_SUCCESS);
    ck_assert_int_eq(ended, 0);
    ck_assert_int_eq(c->writes, before);
    ck_assert(alive(p, st, SCOPE, a1));
    ck_assert(alive(p, st, SCOPE, b));
    /* The session index of a session already gone is not live either. */
    ck_assert_int_eq(saml_session_remove(p, st, a1), APR_SUCCESS);
    before = c->writes;
    ck_assert_int_eq(apply(p, st, idp_request(p, "_w3", USER, "_s1", 0, 0),
                           SAML_LOGOUT_UNSIGNED_BY_INDEX, &ended, &err), APR_SUCCESS);
    ck_assert_int_eq(ended, 0);
    ck_assert_int_eq(c->writes, before);
}
END_TEST

START_TEST(unsigned_name_id_only_when_the_admin_allows_it)
{
    apr_pool_t *p = tk_pool();
    counting_t *c;
    saml_store_t *st = counting_store(p, tk_file_store(p), &c);
    const char *a1 = open_session(p, st, SCOPE, USER, "_s1");
    const char *a2 = open_session(p, st, SCOPE, USER, NULL);
    saml_err_t err = {0};
    int ended = 0, before;

    ck_assert_int_eq(apply(p, st, idp_request(p, "_a1", USER, NULL, 0, 0),
                           SAML_LOGOUT_UNSIGNED_BY_NAME_ID, &ended, &err), APR_SUCCESS);
    ck_assert_int_eq(ended, 2);
    ck_assert(!alive(p, st, SCOPE, a1));
    ck_assert(!alive(p, st, SCOPE, a2));
    /* A NameID with no live session: nothing written. */
    before = c->writes;
    ck_assert_int_eq(apply(p, st, idp_request(p, "_a2", "nobody@contoso.example", NULL, 0, 0),
                           SAML_LOGOUT_UNSIGNED_BY_NAME_ID, &ended, &err), APR_SUCCESS);
    ck_assert_int_eq(ended, 0);
    ck_assert_int_eq(c->writes, before);
}
END_TEST

START_TEST(response_with_sub_status)
{
    apr_pool_t *p = tk_pool();
    saml_logout_response_t res = {0};
    const char *xml;

    res.id = "_r1";
    res.sp_entity_id = "https://sp.example/";
    res.destination = "https://idp.example/slo";
    res.in_response_to = "_lr1";
    res.status = SAML_STATUS_REQUESTER;
    res.sub_status = SAML_STATUS_REQUEST_DENIED;
    xml = saml_logout_response_xml(p, &res);
    ck_assert_ptr_nonnull(strstr(xml, "<samlp:Status><samlp:StatusCode Value=\""
                                 SAML_STATUS_REQUESTER "\"><samlp:StatusCode Value=\""
                                 SAML_STATUS_REQUEST_DENIED "\"/></samlp:StatusCode>"
                                 "</samlp:Status>"));
    res.sub_status = NULL;
    xml = saml_logout_response_xml(p, &res);
    ck_assert_ptr_nonnull(strstr(xml, "<samlp:Status><samlp:StatusCode Value=\""
                                 SAML_STATUS_REQUESTER "\"/></samlp:Status>"));
}
END_TEST

static Suite *logout_suite(void)
{
    Suite *s = suite_create("logout");
    TCase *tc = tcase_create("logout");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, request_names_the_session_as_received);
    tcase_add_test(tc, unsigned_redirect_round_trip);
    tcase_add_test(tc, rsa_signed_redirect_round_trip);
    tcase_add_test(tc, ecdsa_signed_redirect_round_trip);
    tcase_add_test(tc, weak_sigalg_refused);
    tcase_add_test(tc, query_shape_refused);
    tcase_add_test(tc, deflate_bomb_stops_at_the_cap);
    tcase_add_test(tc, issuer_forms);
    tcase_add_test(tc, response_finishes_its_request_once);
    tcase_add_test(tc, response_to_another_request_refused);
    tcase_add_test(tc, response_status_failure_reported);
    tcase_add_test(tc, response_rules);
    tcase_add_test(tc, response_enveloped_signature);
    tcase_add_test(tc, return_to_must_be_local);
    tcase_add_test(tc, idp_request_read);
    tcase_add_test(tc, idp_request_enveloped_signature);
    tcase_add_test(tc, idp_request_rules);
    tcase_add_test(tc, idp_request_acted_on_once);
    tcase_add_test(tc, index_ends_the_named_sessions_only);
    tcase_add_test(tc, index_keeps_the_newest);
    tcase_add_test(tc, index_outlives_a_shorter_newer_session);
    tcase_add_test(tc, unsigned_name_id_only_ends_nothing);
    tcase_add_test(tc, signed_name_id_only_ends_every_session);
    tcase_add_test(tc, unsigned_live_session_index_ends_that_session);
    tcase_add_test(tc, unsigned_wrong_session_index_ends_nothing_writes_nothing);
    tcase_add_test(tc, unsigned_name_id_only_when_the_admin_allows_it);
    tcase_add_test(tc, response_with_sub_status);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int rc;

    tk_run_dir_make("logout");
    rc = tk_run_suite(logout_suite());
    tk_run_dir_remove();
    return rc;
}
