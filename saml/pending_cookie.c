/* The pending sign-in request sealed into the browser's cookie (see
 * pending_cookie.h).
 *
 * Plaintext: u64 expiry (apr_time_t, big-endian), then four strings, each a
 * u32 big-endian length (0xFFFFFFFF: none) and its bytes: request ID, relay
 * state, return path, tenant; a fifth, the demand (saml_authn_demand_encode),
 * only when the request demanded something, so a plain sign-in's cookie is
 * what the release before demands wrote and read. Sealed: 0x01, 12-byte random nonce, ciphertext,
 * 16-byte GCM tag, base64url without padding. Associated data: a label with
 * the version and the scope, so a cookie of another site (or another use of
 * the same key) never opens here. */
#include "saml/pending_cookie.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdint.h>
#include <string.h>

#include "saml/codec.h"
#include "saml/random.h"

#define VERSION     0x01
#define NONCE_LEN   12
#define TAG_LEN     16
#define NO_STRING   0xFFFFFFFFu
#define SECRET_MIN  32
#define SECRET_MAX  4096
#define AAD_LABEL   "mod_sequr_saml pending sign-in v1|"
#define HKDF_INFO   "mod_sequr_saml pending sign-in cookie key v1"
/* Far more than a request needs (the return path is at most 2048 bytes), far
 * less than a browser keeps. */
#define VALUE_MAX   4000

apr_status_t saml_pending_key_derive(const unsigned char *secret, apr_size_t len,
                                     saml_pending_key_t *key)
{
    EVP_PKEY_CTX *ctx;
    size_t out = sizeof(key->bytes);
    int ok;

    if (secret == NULL || len < SECRET_MIN)
        return APR_EINVAL;
    ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    ok = ctx && EVP_PKEY_derive_init(ctx) > 0
         && EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0
         && EVP_PKEY_CTX_set1_hkdf_key(ctx, secret, (int)len) > 0
         && EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)HKDF_INFO,
                                        (int)strlen(HKDF_INFO)) > 0
         && EVP_PKEY_derive(ctx, key->bytes, &out) > 0 && out == sizeof(key->bytes);
    EVP_PKEY_CTX_free(ctx);
    return ok ? APR_SUCCESS : SAML_EINTERNAL;
}

static apr_status_t create_secret(apr_pool_t *p, const char *path, saml_err_t *err)
{
    unsigned char secret[SECRET_MIN];
    apr_file_t *f;
    apr_size_t n = sizeof(secret);
    apr_status_t rv;
    char msg[120];

    if (saml_random_bytes(secret, sizeof(secret)) != APR_SUCCESS)
        return saml_fail(p, err, SAML_EINTERNAL, "cookie-key", "no random bytes for %s", path);
    rv = apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_EXCL |
                       APR_FOPEN_BINARY, APR_FPROT_UREAD | APR_FPROT_UWRITE, p);
    if (rv == APR_EEXIST)
        return APR_SUCCESS;     /* another process made it first: use theirs */
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, secret, n, NULL);
        if (rv == APR_SUCCESS)
            rv = apr_file_flush(f);
        apr_file_close(f);
        if (rv != APR_SUCCESS)
            apr_file_remove(path, p);
    }
    memset(secret, 0, sizeof(secret));
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, rv, "cookie-key", "cannot create %s: %s", path,
                         apr_strerror(rv, msg, sizeof(msg)));
    return APR_SUCCESS;
}

apr_status_t saml_pending_key_load(apr_pool_t *p, const char *path, int create,
                                   saml_pending_key_t *key, int *created, saml_err_t *err)
{
    apr_finfo_t fi;
    apr_file_t *f;
    unsigned char *secret;
    apr_size_t got = 0;
    apr_status_t rv;
    char msg[120];

    if (created)
        *created = 0;
    rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_PROT | APR_FINFO_SIZE, p);
    if (APR_STATUS_IS_ENOENT(rv) && create) {
        if ((rv = create_secret(p, path, err)) != APR_SUCCESS)
            return rv;
        if (created)
            *created = 1;
        rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_PROT | APR_FINFO_SIZE, p);
    }
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, rv, "cookie-key", "cannot read %s: %s", path,
                         apr_strerror(rv, msg, sizeof(msg)));
    if (fi.filetype != APR_REG)
        return saml_fail(p, err, SAML_EREJECTED, "cookie-key", "%s is not a regular file", path);
    /* Whoever reads it can forge sign-in requests; whoever writes it can
     * make every sign-in in flight fail. */
    if (fi.protection & (APR_FPROT_WREAD | APR_FPROT_WWRITE | APR_FPROT_GWRITE))
        return saml_fail(p, err, SAML_EREJECTED, "cookie-key", "%s may be read by others or "
                         "written by its group (mode %04o): make it 0600 or 0640",
                         path, (unsigned)fi.protection);
    if (fi.size < SECRET_MIN || fi.size > SECRET_MAX)
        return saml_fail(p, err, SAML_EREJECTED, "cookie-key", "%s holds %ld bytes: a secret "
                         "of %d to %d bytes is needed (e.g. openssl rand -base64 48)", path,
                         (long)fi.size, SECRET_MIN, SECRET_MAX);
    secret = apr_palloc(p, SECRET_MAX + 1);
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_FPROT_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read_full(f, secret, SECRET_MAX + 1, &got);
        apr_file_close(f);
        if (rv == APR_EOF)
            rv = APR_SUCCESS;
    }
    if (rv == APR_SUCCESS && (got < SECRET_MIN || got > SECRET_MAX))
        rv = APR_EGENERAL;
    if (rv == APR_SUCCESS)
        rv = saml_pending_key_derive(secret, got, key);
    memset(secret, 0, SECRET_MAX + 1);
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, rv, "cookie-key", "cannot read a secret from %s", path);
    return APR_SUCCESS;
}

const char *saml_pending_cookie_name(apr_pool_t *p, const char *base, const char *request_id)
{
    apr_size_t len;

    if (request_id == NULL)
        return NULL;
    len = strlen(request_id);
    if (len == 0 || len > SAML_PENDING_ID_MAX ||
        request_id[strspn(request_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789_-")] != '\0')
        return NULL;
    if (request_id[0] == '_' && request_id[1] != '\0')
        request_id++;
    return apr_pstrcat(p, base, "-", request_id, NULL);
}

/* ---- sealing -------------------------------------------------------------- */

static void put_u32(unsigned char *at, uint32_t n)
{
    at[0] = (unsigned char)(n >> 24);
    at[1] = (unsigned char)(n >> 16);
    at[2] = (unsigned char)(n >> 8);
    at[3] = (unsigned char)n;
}

static apr_size_t put_string(unsigned char *at, const char *s)
{
    apr_size_t len = s ? strlen(s) : 0;

    put_u32(at, s ? (uint32_t)len : NO_STRING);
    memcpy(at + 4, s ? s : "", len);
    return 4 + len;
}

static const char *aad(apr_pool_t *p, const char *scope)
{
    return apr_pstrcat(p, AAD_LABEL, scope ? scope : "", NULL);
}

/* GCM one way or the other; returns 1 on success (for opening: the tag matched). */
static int gcm(int encrypt, const saml_pending_key_t *key, const unsigned char *nonce,
               const char *ad, const unsigned char *in, apr_size_t len, unsigned char *out,
               unsigned char *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, ok;

    ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) == 1
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1
         && EVP_CipherInit_ex(ctx, NULL, NULL, key->bytes, nonce, encrypt) == 1
         && EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)ad, (int)strlen(ad)) == 1
         && (len == 0 || EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1)
         && (encrypt || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1)
         && EVP_CipherFinal_ex(ctx, out + (len ? n : 0), &n) == 1
         && (!encrypt || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

apr_status_t saml_pending_seal(apr_pool_t *p, const saml_pending_key_t *key, const char *scope,
                               const saml_pending_request_t *req, apr_time_t expiry,
                               const char **value)
{
    const char *strings[5];
    apr_size_t plain_len = 8, pos = 8, i, count;
    unsigned char *plain, *sealed;
    uint64_t t = (uint64_t)expiry;

    *value = NULL;
    strings[0] = req->request_id;
    strings[1] = req->relay_state;
    strings[2] = req->return_to;
    strings[3] = req->tenant && *req->tenant ? req->tenant : NULL;
    strings[4] = saml_authn_demand_encode(p, &req->demand);
    count = strings[4] ? 5 : 4;
    if (saml_pending_cookie_name(p, "x", req->request_id) == NULL || req->return_to == NULL)
        return APR_EINVAL;
    for (i = 0; i < count; i++)
        plain_len += 4 + (strings[i] ? strlen(strings[i]) : 0);
    if (plain_len > VALUE_MAX * 3 / 4 - 1 - NONCE_LEN - TAG_LEN)
        return APR_EINVAL;
    plain = apr_palloc(p, plain_len);
    for (i = 0; i < 8; i++)
        plain[i] = (unsigned char)(t >> (56 - 8 * i));
    for (i = 0; i < count; i++)
        pos += put_string(plain + pos, strings[i]);

    sealed = apr_palloc(p, 1 + NONCE_LEN + plain_len + TAG_LEN);
    sealed[0] = VERSION;
    if (saml_random_bytes(sealed + 1, NONCE_LEN) != APR_SUCCESS ||
        !gcm(1, key, sealed + 1, aad(p, scope), plain, plain_len, sealed + 1 + NONCE_LEN,
             sealed + 1 + NONCE_LEN + plain_len))
        return SAML_EINTERNAL;
    *value = saml_base64url_encode(p, sealed, 1 + NONCE_LEN + plain_len + TAG_LEN);
    return APR_SUCCESS;
}

/* ---- opening -------------------------------------------------------------- */

static const char *get_string(apr_pool_t *p, const unsigned char *rec, apr_size_t len,
                              apr_size_t *pos, int *ok)
{
    const unsigned char *b = rec + *pos;
    uint32_t n;

    if (!*ok || len - *pos < 4) {
        *ok = 0;
        return NULL;
    }
    n = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
    *pos += 4;
    if (n == NO_STRING)
        return NULL;
    if (n > len - *pos || memchr(rec + *pos, '\0', n)) {
        *ok = 0;
        return NULL;
    }
    *pos += n;
    return apr_pstrmemdup(p, (const char *)rec + *pos - n, n);
}

/* base64url without padding, strictly; NULL on anything else. */
static unsigned char *base64url_decode(apr_pool_t *p, const char *in, apr_size_t *out_len)
{
    apr_size_t len = strlen(in), i;
    char *std;
    unsigned char *out;
    saml_err_t err = {0};

    if (len == 0 || len > VALUE_MAX || len % 4 == 1 ||
        in[strspn(in, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")])
        return NULL;
    std = apr_palloc(p, len + 3);
    for (i = 0; i < len; i++)
        std[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
    while (i % 4)
        std[i++] = '=';
    if (saml_base64_decode(p, std, i, VALUE_MAX, &out, out_len, &err) != APR_SUCCESS)
        return NULL;
    return out;
}

apr_status_t saml_pending_open(apr_pool_t *p, const saml_pending_key_t *key, const char *scope,
                               const char *value, apr_time_t now, saml_pending_request_t *req,
                               apr_time_t *expiry, saml_err_t *err)
{
    unsigned char *sealed, *plain;
    apr_size_t len, plain_len, pos = 8, i;
    uint64_t t = 0;
    int ok = 1;

    memset(req, 0, sizeof(*req));
    sealed = value ? base64url_decode(p, value, &len) : NULL;
    if (sealed == NULL || len < 1 + NONCE_LEN + 8 + 16 + TAG_LEN || sealed[0] != VERSION)
        return saml_fail(p, err, SAML_EREJECTED, "request-cookie",
                         "the sign-in request cookie is not one of ours (%s)",
                         sealed == NULL ? "not base64url" : "wrong size or version");
    plain_len = len - 1 - NONCE_LEN - TAG_LEN;
    plain = apr_palloc(p, plain_len);
    if (!gcm(0, key, sealed + 1, aad(p, scope), sealed + 1 + NONCE_LEN, plain_len, plain,
             sealed + len - TAG_LEN))
        return saml_fail(p, err, SAML_EREJECTED, "request-cookie",
                         "the sign-in request cookie does not open with this site's key "
                         "(tampered, another site's, or the key changed)");
    for (i = 0; i < 8; i++)
        t = (t << 8) | plain[i];
    req->request_id = get_string(p, plain, plain_len, &pos, &ok);
    req->relay_state = get_string(p, plain, plain_len, &pos, &ok);
    req->return_to = get_string(p, plain, plain_len, &pos, &ok);
    req->tenant = get_string(p, plain, plain_len, &pos, &ok);
    if (ok && pos < plain_len) {
        const char *demand = get_string(p, plain, plain_len, &pos, &ok);
        if (ok && (demand == NULL ||
                   saml_authn_demand_decode(p, demand, &req->demand) != APR_SUCCESS))
            ok = 0;
    }
    if (!ok || pos != plain_len || req->request_id == NULL || req->return_to == NULL) {
        memset(req, 0, sizeof(*req));
        return saml_fail(p, err, SAML_EINTERNAL, "request-cookie",
                         "a sealed sign-in request cookie holds a malformed record");
    }
    if (expiry)
        *expiry = (apr_time_t)t;
    if ((apr_time_t)t <= now)
        return saml_fail(p, err, SAML_EREJECTED, "in-response-to",
                         "request %s expired %" APR_TIME_T_FMT " s ago",
                         saml_log_escape(p, req->request_id, 128),
                         apr_time_sec(now - (apr_time_t)t));
    return APR_SUCCESS;
}
