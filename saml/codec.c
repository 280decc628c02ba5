/* Encodings of the SAML bindings.
 *
 * The base64 decoder is written by hand because apr_base64_decode stops
 * silently at the first byte outside the alphabet: a SAMLResponse with junk
 * in the middle must be refused, not truncated into something else. */
#include "saml/codec.h"

#include <apr_strings.h>
#include <openssl/evp.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <zlib.h>

/* 0..63 for alphabet bytes, SKIP for XML/HTTP whitespace, PAD for '=', BAD otherwise. */
enum { B64_BAD = 0xff, B64_SKIP = 0xfe, B64_PAD = 0xfd };

static unsigned char b64_class(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return (unsigned char)(c - 'A');
    if (c >= 'a' && c <= 'z') return (unsigned char)(c - 'a' + 26);
    if (c >= '0' && c <= '9') return (unsigned char)(c - '0' + 52);
    if (c == '+') return 62;
    if (c == '/') return 63;
    if (c == '=') return B64_PAD;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return B64_SKIP;
    return B64_BAD;
}

/* b64_class as a table, built once: the SAMLResponse is the largest input of
 * a sign-in, and classifying each byte by branches cost more than parsing. */
static unsigned char b64_table[256];
static pthread_once_t b64_table_once = PTHREAD_ONCE_INIT;

static void build_b64_table(void)
{
    int c;
    for (c = 0; c < 256; c++)
        b64_table[c] = b64_class((unsigned char)c);
}

/* One more digit; every fourth completes three bytes. Returns the new n. */
static apr_size_t put_digit(unsigned char *buf, apr_size_t n, unsigned char c,
                            unsigned long *acc, int *quad)
{
    *acc = (*acc << 6) | c;
    if (++*quad == 4) {
        buf[n++] = (unsigned char)(*acc >> 16);
        buf[n++] = (unsigned char)(*acc >> 8);
        buf[n++] = (unsigned char)*acc;
        *acc = 0;
        *quad = 0;
    }
    return n;
}

apr_status_t saml_base64_decode(apr_pool_t *p, const char *in, apr_size_t inlen,
                                apr_size_t max_out, unsigned char **out,
                                apr_size_t *outlen, saml_err_t *err)
{
    apr_size_t i, n = 0, digits = 0, pads = 0, size;
    unsigned char *buf;
    unsigned long acc = 0;
    int quad = 0;

    if (in == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "base64", "no input");
    pthread_once(&b64_table_once, build_b64_table);

    /* When even an input of nothing but digits decodes within the cap, the
     * output is allocated at that bound and decoded while validating: one
     * pass. Otherwise the first pass only validates and counts, so the output
     * is allocated once and never bigger than the cap allows. */
    buf = inlen / 4 * 3 <= max_out ? apr_palloc(p, inlen / 4 * 3 + 3) : NULL;
    for (i = 0; i < inlen; i++) {
        unsigned char c = b64_table[(unsigned char)in[i]];
        if (c < 64) {
            if (pads)
                return saml_fail(p, err, SAML_EMALFORMED, "base64",
                                 "data after '=' padding at offset %" APR_SIZE_T_FMT, i);
            digits++;
            if (buf)
                n = put_digit(buf, n, c, &acc, &quad);
            continue;
        }
        if (c == B64_SKIP)
            continue;
        if (c == B64_BAD)
            return saml_fail(p, err, SAML_EMALFORMED, "base64",
                             "byte 0x%02x at offset %" APR_SIZE_T_FMT " is not base64",
                             (unsigned char)in[i], i);
        pads++;
    }
    if (digits % 4 == 1)
        return saml_fail(p, err, SAML_EMALFORMED, "base64",
                         "%" APR_SIZE_T_FMT " base64 digits cannot encode whole bytes", digits);
    if (pads && (pads > 2 || (digits + pads) % 4 != 0))
        return saml_fail(p, err, SAML_EMALFORMED, "base64",
                         "%" APR_SIZE_T_FMT " '=' after %" APR_SIZE_T_FMT " digits is bad padding",
                         pads, digits);

    size = digits / 4 * 3 + (digits % 4 ? digits % 4 - 1 : 0);
    if (size > max_out)
        return saml_fail(p, err, SAML_ETOOLARGE, "base64-size",
                         "decodes to %" APR_SIZE_T_FMT " bytes, limit %" APR_SIZE_T_FMT,
                         size, max_out);

    if (buf == NULL) {
        buf = apr_palloc(p, size + 1);
        for (i = 0; i < inlen; i++) {
            unsigned char c = b64_table[(unsigned char)in[i]];
            if (c < 64)
                n = put_digit(buf, n, c, &acc, &quad);
        }
    }
    /* Leftover bits of a short final group must be zero, or two different
     * strings would decode to the same bytes (a canonical-form guarantee). */
    if (quad == 2) {
        if (acc & 0x0f)
            return saml_fail(p, err, SAML_EMALFORMED, "base64", "non-zero trailing bits");
        buf[n++] = (unsigned char)(acc >> 4);
    }
    else if (quad == 3) {
        if (acc & 0x03)
            return saml_fail(p, err, SAML_EMALFORMED, "base64", "non-zero trailing bits");
        buf[n++] = (unsigned char)(acc >> 10);
        buf[n++] = (unsigned char)(acc >> 2);
    }
    buf[n] = '\0';
    *out = buf;
    if (outlen)
        *outlen = n;
    return APR_SUCCESS;
}

const char *saml_base64_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len)
{
    apr_size_t cap = (len + 2) / 3 * 4 + 1;
    unsigned char *out = apr_palloc(p, cap);
    apr_size_t done = 0, o = 0;

    /* EVP_EncodeBlock takes an int length: feed it in chunks that stay far
     * below INT_MAX and are multiples of 3 so no padding lands mid-stream. */
    while (done < len) {
        apr_size_t chunk = len - done;
        if (chunk > 3 * 1024 * 1024)
            chunk = 3 * 1024 * 1024;
        o += (apr_size_t)EVP_EncodeBlock(out + o, in + done, (int)chunk);
        done += chunk;
    }
    out[o] = '\0';
    return (const char *)out;
}

const char *saml_base64url_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len)
{
    char *s = (char *)saml_base64_encode(p, in, len);
    char *c;

    for (c = s; *c; c++) {
        if (*c == '+')
            *c = '-';
        else if (*c == '/')
            *c = '_';
        else if (*c == '=') {
            *c = '\0';
            break;
        }
    }
    return s;
}

apr_status_t saml_deflate(apr_pool_t *p, const unsigned char *in, apr_size_t len,
                          unsigned char **out, apr_size_t *outlen)
{
    z_stream zs;
    uLong bound;
    unsigned char *buf;
    int rc;

    if (len > UINT_MAX / 2)
        return SAML_ETOOLARGE;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return SAML_EINTERNAL;
    bound = deflateBound(&zs, (uLong)len);
    buf = apr_palloc(p, bound + 1);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)bound;
    rc = deflate(&zs, Z_FINISH);
    *outlen = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END)
        return SAML_EINTERNAL;
    *out = buf;
    return APR_SUCCESS;
}

#define INFLATE_CHUNK 16384

apr_status_t saml_inflate(apr_pool_t *p, const unsigned char *in, apr_size_t len,
                          apr_size_t max_out, unsigned char **out, apr_size_t *outlen,
                          saml_err_t *err)
{
    z_stream zs;
    unsigned char chunk[INFLATE_CHUNK];
    unsigned char *buf = NULL;
    apr_size_t used = 0, cap = 0;
    int rc;

    if (len > UINT_MAX)
        return saml_fail(p, err, SAML_ETOOLARGE, "inflate-size", "compressed input too large");
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, -15) != Z_OK)
        return saml_fail(p, err, SAML_EINTERNAL, "inflate", "zlib initialisation failed");
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;

    /* Inflate into a fixed stack chunk and copy out, checking the cap before
     * every copy: a bomb is stopped after at most max_out + one chunk of work,
     * and never gets an allocation bigger than the cap. */
    do {
        apr_size_t got;
        zs.next_out = chunk;
        zs.avail_out = sizeof(chunk);
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc == Z_BUF_ERROR) {
            /* No progress possible: input ended before the final block. */
            inflateEnd(&zs);
            return saml_fail(p, err, SAML_EMALFORMED, "inflate", "truncated DEFLATE stream");
        }
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&zs);
            return saml_fail(p, err, SAML_EMALFORMED, "inflate", "not raw DEFLATE data (zlib %d)", rc);
        }
        got = sizeof(chunk) - zs.avail_out;
        if (got > max_out - used) {
            inflateEnd(&zs);
            return saml_fail(p, err, SAML_ETOOLARGE, "inflate-size",
                             "inflated data exceeds limit %" APR_SIZE_T_FMT " bytes", max_out);
        }
        if (used + got + 1 > cap) {
            apr_size_t ncap = cap ? cap * 2 : INFLATE_CHUNK * 2;
            unsigned char *nbuf;
            while (ncap < used + got + 1)
                ncap *= 2;
            if (ncap - 1 > max_out)
                ncap = max_out + 1;
            nbuf = apr_palloc(p, ncap);
            if (used)
                memcpy(nbuf, buf, used);
            buf = nbuf;
            cap = ncap;
        }
        memcpy(buf + used, chunk, got);
        used += got;
    } while (rc != Z_STREAM_END);
    inflateEnd(&zs);
    if (zs.avail_in != 0)
        return saml_fail(p, err, SAML_EMALFORMED, "inflate",
                         "%u bytes of trailing data after the DEFLATE stream", zs.avail_in);

    if (buf == NULL)
        buf = apr_palloc(p, 1);
    buf[used] = '\0';
    *out = buf;
    if (outlen)
        *outlen = used;
    return APR_SUCCESS;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

saml_pct_result_t saml_percent_decode(const char *in, apr_size_t len, unsigned flags, char *out,
                                      apr_size_t *out_len, apr_size_t *at)
{
    apr_size_t i, o = 0;

    for (i = 0; i < len; i++) {
        char c = in[i];
        if (c == '+' && (flags & SAML_PCT_PLUS)) {
            c = ' ';
        }
        else if (c == '%') {
            int hi = i + 2 < len ? hex_value(in[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value(in[i + 2]) : -1;
            if (hi >= 0 && lo >= 0) {
                c = (char)(hi * 16 + lo);
                if (c == '\0' && (flags & SAML_PCT_NO_NUL)) {
                    *at = i;
                    return SAML_PCT_NUL;
                }
                out[o++] = c;
                i += 2;
                continue;
            }
            if (!(flags & SAML_PCT_LENIENT)) {
                *at = i;
                return SAML_PCT_BAD_ESCAPE;
            }
        }
        if (c == '\0' && (flags & SAML_PCT_NO_NUL)) {
            *at = i;
            return SAML_PCT_NUL;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    *out_len = o;
    return SAML_PCT_OK;
}

const char *saml_url_encode(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    apr_size_t n = strlen(s), i, o = 0;
    char *out = apr_palloc(p, n * 3 + 1);

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out[o++] = (char)c;
        }
        else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}
