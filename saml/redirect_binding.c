/* The HTTP-Redirect binding (SAML bindings 3.4) for logout messages.
 *
 * The signature covers "SAMLRequest=v&RelayState=v&SigAlg=v" (or
 * SAMLResponse) built from the values exactly as they arrived, still
 * URL-encoded: re-encoding them would make us disagree with senders about
 * upper/lower-case hex (the ruby-saml/ADFS "lowercase_url_encoding" trouble).
 * Only the configured certificates verify, and the algorithm list is the one
 * used for XML signatures: SHA-256 or better, SHA-1 on request, never MD5. */
#include "saml/redirect_binding.h"

#include <apr_strings.h>
#include <openssl/x509.h>
#include <string.h>

#include "saml/codec.h"

/* Signature values are a few hundred bytes; this only stops silliness. */
#define SIGNATURE_MAX 2048

typedef struct sig_algorithm {
    const char *uri;
    int key_type;        /* EVP_PKEY_RSA or EVP_PKEY_EC */
    const char *digest;  /* OpenSSL name */
    int sha1;
} sig_algorithm_t;

static const sig_algorithm_t sig_algorithms[] = {
    { SAML_SIGALG_RSA_SHA256, EVP_PKEY_RSA, "SHA256", 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", EVP_PKEY_RSA, "SHA384", 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", EVP_PKEY_RSA, "SHA512", 0 },
    { SAML_SIGALG_ECDSA_SHA256, EVP_PKEY_EC, "SHA256", 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", EVP_PKEY_EC, "SHA384", 0 },
    { "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", EVP_PKEY_EC, "SHA512", 0 },
    { SAML_SIGALG_RSA_SHA1, EVP_PKEY_RSA, "SHA1", 1 },
    { "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", EVP_PKEY_EC, "SHA1", 1 },
    { NULL, 0, NULL, 0 }
};

static const sig_algorithm_t *find_algorithm(const char *uri)
{
    const sig_algorithm_t *a;
    for (a = sig_algorithms; uri && a->uri; a++)
        if (!strcmp(a->uri, uri))
            return a;
    return NULL;
}

/* ---- signing and encoding ------------------------------------------------- */

static apr_status_t sign_bytes(apr_pool_t *p, EVP_PKEY *key, const char *digest,
                               const char *data, const char **b64, saml_err_t *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t len = 0;
    int ok;

    if (ctx == NULL)
        return saml_fail(p, err, SAML_EINTERNAL, "sign", "out of memory");
    ok = EVP_DigestSignInit_ex(ctx, NULL, digest, NULL, NULL, key, NULL) == 1 &&
         EVP_DigestSign(ctx, NULL, &len, (const unsigned char *)data, strlen(data)) == 1 &&
         (sig = apr_palloc(p, len)) != NULL &&
         EVP_DigestSign(ctx, sig, &len, (const unsigned char *)data, strlen(data)) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return saml_fail(p, err, SAML_EINTERNAL, "sign", "could not sign the query string");
    *b64 = saml_base64_encode(p, sig, len);
    return APR_SUCCESS;
}

apr_status_t saml_redirect_encode(apr_pool_t *p, const char *base_url, const char *param,
                                  const char *xml, const char *relay_state, EVP_PKEY *key,
                                  const char **url, saml_err_t *err)
{
    unsigned char *z;
    apr_size_t zlen;
    const char *query, *sig_alg = NULL, *signature = NULL;
    apr_status_t rv;

    if (base_url == NULL || param == NULL || xml == NULL)
        return saml_fail(p, err, SAML_EINTERNAL, "redirect", "missing URL, parameter or message");
    rv = saml_deflate(p, (const unsigned char *)xml, strlen(xml), &z, &zlen);
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, SAML_EINTERNAL, "deflate", "could not compress the message");
    query = apr_pstrcat(p, param, "=", saml_url_encode(p, saml_base64_encode(p, z, zlen)),
                        relay_state ? "&RelayState=" : "",
                        relay_state ? saml_url_encode(p, relay_state) : "", NULL);
    if (key) {
        int type = EVP_PKEY_get_base_id(key);
        if (type == EVP_PKEY_RSA)
            sig_alg = SAML_SIGALG_RSA_SHA256;
        else if (type == EVP_PKEY_EC)
            sig_alg = SAML_SIGALG_ECDSA_SHA256;
        else
            return saml_fail(p, err, SAML_EINTERNAL, "sign", "SP key is neither RSA nor EC");
        query = apr_pstrcat(p, query, "&SigAlg=", saml_url_encode(p, sig_alg), NULL);
        if ((rv = sign_bytes(p, key, "SHA256", query, &signature, err)) != APR_SUCCESS)
            return rv;
        query = apr_pstrcat(p, query, "&Signature=", saml_url_encode(p, signature), NULL);
    }
    *url = apr_pstrcat(p, base_url, strchr(base_url, '?') ? "&" : "?", query, NULL);
    return APR_SUCCESS;
}

/* ---- parsing --------------------------------------------------------------- */

/* URL-decode ('+' is a space); NULL on a bad escape or a NUL byte. */
static char *url_decode(apr_pool_t *p, const char *in, apr_size_t len)
{
    char *out = apr_palloc(p, len + 1);
    apr_size_t n, at;

    if (saml_percent_decode(in, len, SAML_PCT_PLUS | SAML_PCT_NO_NUL, out, &n, &at) != SAML_PCT_OK)
        return NULL;
    return out;
}

enum { P_REQUEST, P_RESPONSE, P_RELAY, P_SIGALG, P_SIGNATURE, P_COUNT };
static const char *const param_names[P_COUNT] = {
    "SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature"
};

/* Raw (still encoded) values of the five SAML parameters; NULL when absent.
 * Names are compared exactly: a query parameter is case-sensitive, and
 * "samlrequest" is simply not ours. */
static apr_status_t split_query(apr_pool_t *p, const char *query, const char **raw,
                                saml_err_t *err)
{
    const char *at = query;
    int i;

    for (i = 0; i < P_COUNT; i++)
        raw[i] = NULL;
    while (at && *at) {
        const char *end = strchr(at, '&');
        apr_size_t len = end ? (apr_size_t)(end - at) : strlen(at);
        const char *eq = memchr(at, '=', len);
        apr_size_t nlen = eq ? (apr_size_t)(eq - at) : len;

        for (i = 0; i < P_COUNT; i++) {
            if (strlen(param_names[i]) != nlen || strncmp(at, param_names[i], nlen))
                continue;
            if (raw[i])
                return saml_fail(p, err, SAML_EMALFORMED, "redirect-duplicate",
                                 "query parameter %s given more than once", param_names[i]);
            raw[i] = eq ? apr_pstrmemdup(p, eq + 1, len - nlen - 1) : "";
        }
        at = end ? end + 1 : NULL;
    }
    return APR_SUCCESS;
}

int saml_redirect_has_message(const char *query)
{
    apr_pool_t *p;
    const char *raw[P_COUNT];
    int has;

    if (query == NULL || apr_pool_create(&p, NULL) != APR_SUCCESS)
        return 0;
    has = split_query(p, query, raw, NULL) != APR_SUCCESS || raw[P_REQUEST] || raw[P_RESPONSE];
    apr_pool_destroy(p);
    return has;
}

static apr_status_t decode_message(apr_pool_t *p, const char *raw, apr_size_t max_xml,
                                   saml_redirect_message_t *m, saml_err_t *err)
{
    const char *b64 = url_decode(p, raw, strlen(raw));
    unsigned char *z, *xml;
    apr_size_t zlen, xml_len;
    apr_status_t rv;

    if (b64 == NULL || *b64 == '\0')
        return saml_fail(p, err, SAML_EMALFORMED, "redirect", "%s is empty or badly URL-encoded",
                         m->param);
    /* The compressed form can never be larger than what it inflates to. */
    rv = saml_base64_decode(p, b64, strlen(b64), max_xml, &z, &zlen, err);
    if (rv != APR_SUCCESS)
        return rv;
    rv = saml_inflate(p, z, zlen, max_xml, &xml, &xml_len, err);
    if (rv != APR_SUCCESS)
        return rv;
    m->xml = (char *)xml;
    m->xml_len = xml_len;
    return APR_SUCCESS;
}

apr_status_t saml_redirect_parse(apr_pool_t *p, const char *query, apr_size_t max_xml,
                                 saml_redirect_message_t **out, saml_err_t *err)
{
    const char *raw[P_COUNT];
    saml_redirect_message_t *m;
    int which;
    apr_status_t rv;

    *out = NULL;
    if (query == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "redirect", "no query string");
    if ((rv = split_query(p, query, raw, err)) != APR_SUCCESS)
        return rv;
    if ((raw[P_REQUEST] == NULL) == (raw[P_RESPONSE] == NULL))
        return saml_fail(p, err, SAML_EMALFORMED, "redirect",
                         "need exactly one of SAMLRequest and SAMLResponse");
    if ((raw[P_SIGALG] == NULL) != (raw[P_SIGNATURE] == NULL))
        return saml_fail(p, err, SAML_EMALFORMED, "redirect",
                         "SigAlg and Signature must come together");
    which = raw[P_REQUEST] ? P_REQUEST : P_RESPONSE;
    m = apr_pcalloc(p, sizeof(*m));
    m->param = param_names[which];
    if (raw[P_RELAY] && (m->relay_state = url_decode(p, raw[P_RELAY], strlen(raw[P_RELAY]))) == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "redirect", "RelayState badly URL-encoded");
    if (raw[P_SIGALG]) {
        const char *sig_b64 = url_decode(p, raw[P_SIGNATURE], strlen(raw[P_SIGNATURE]));
        unsigned char *sig;
        m->sig_alg = url_decode(p, raw[P_SIGALG], strlen(raw[P_SIGALG]));
        if (m->sig_alg == NULL || sig_b64 == NULL)
            return saml_fail(p, err, SAML_EMALFORMED, "redirect",
                             "SigAlg or Signature badly URL-encoded");
        rv = saml_base64_decode(p, sig_b64, strlen(sig_b64), SIGNATURE_MAX, &sig,
                                &m->signature_len, err);
        if (rv != APR_SUCCESS || m->signature_len == 0)
            return saml_fail(p, err, SAML_EMALFORMED, "redirect", "Signature is not base64");
        m->signature = sig;
        m->signed_part = apr_pstrcat(p, m->param, "=", raw[which],
                                     raw[P_RELAY] ? "&RelayState=" : "",
                                     raw[P_RELAY] ? raw[P_RELAY] : "",
                                     "&SigAlg=", raw[P_SIGALG], NULL);
    }
    if ((rv = decode_message(p, raw[which], max_xml, m, err)) != APR_SUCCESS)
        return rv;
    *out = m;
    return APR_SUCCESS;
}

/* ---- verification ---------------------------------------------------------- */

/* 1 verified, 0 not. */
static int verified_with(EVP_PKEY *pub, const sig_algorithm_t *alg,
                         const saml_redirect_message_t *m)
{
    EVP_MD_CTX *ctx;
    int ok;

    if (pub == NULL || EVP_PKEY_get_base_id(pub) != alg->key_type)
        return 0;
    if ((ctx = EVP_MD_CTX_new()) == NULL)
        return 0;
    ok = EVP_DigestVerifyInit_ex(ctx, NULL, alg->digest, NULL, NULL, pub, NULL) == 1 &&
         EVP_DigestVerify(ctx, m->signature, m->signature_len,
                          (const unsigned char *)m->signed_part, strlen(m->signed_part)) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

apr_status_t saml_redirect_verify(apr_pool_t *p, const saml_redirect_message_t *m,
                                  const apr_array_header_t *certs, int allow_sha1,
                                  saml_err_t *err)
{
    const sig_algorithm_t *alg;
    int i;

    if (m->sig_alg == NULL || m->signature == NULL || m->signed_part == NULL)
        return saml_fail(p, err, SAML_EREJECTED, "signature-missing",
                         "%s without SigAlg/Signature", m->param);
    alg = find_algorithm(m->sig_alg);
    if (alg == NULL || (alg->sha1 && !allow_sha1))
        return saml_fail(p, err, SAML_EREJECTED, "signature-algorithm",
                         "SigAlg %s not allowed", saml_log_escape(p, m->sig_alg, 100));
    for (i = 0; certs && i < certs->nelts; i++) {
        X509 *cert = APR_ARRAY_IDX(certs, i, X509 *);
        if (cert && verified_with(X509_get0_pubkey(cert), alg, m))
            return APR_SUCCESS;
    }
    return saml_fail(p, err, SAML_EREJECTED, "signature",
                     "%s query signature (%s) does not verify with any of the %d configured "
                     "certificate(s)", m->param, saml_log_escape(p, m->sig_alg, 100),
                     certs ? certs->nelts : 0);
}
