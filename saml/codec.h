/* Encodings of the SAML bindings: strict base64, raw DEFLATE, URL encoding and
 * decoding. */
#ifndef SAML_CODEC_H
#define SAML_CODEC_H

#include <apr_pools.h>
#include "saml/error.h"

/* Standard-alphabet base64 with optional '=' padding. XML/HTTP whitespace
 * (space, tab, CR, LF) is skipped; any other byte outside the alphabet, bad
 * padding, or a decoded size over max_out is refused (SAML_EMALFORMED /
 * SAML_ETOOLARGE). *out is NUL-terminated for convenience. */
apr_status_t saml_base64_decode(apr_pool_t *p, const char *in, apr_size_t inlen,
                                apr_size_t max_out, unsigned char **out,
                                apr_size_t *outlen, saml_err_t *err);

const char *saml_base64_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len);
/* RFC 4648 base64url without padding (cookies, handles). */
const char *saml_base64url_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len);

/* Raw DEFLATE (RFC 1951, no zlib header) as the HTTP-Redirect binding wants. */
apr_status_t saml_deflate(apr_pool_t *p, const unsigned char *in, apr_size_t len,
                          unsigned char **out, apr_size_t *outlen);
/* Inflate with a hard cap on output: a deflate bomb fails with SAML_ETOOLARGE
 * as soon as it passes max_out. *out is NUL-terminated. */
apr_status_t saml_inflate(apr_pool_t *p, const unsigned char *in, apr_size_t len,
                          apr_size_t max_out, unsigned char **out, apr_size_t *outlen,
                          saml_err_t *err);

/* Percent-decoding (%XX is one byte) for forms, query strings and return
 * paths, written once: in[0..len) into out, which has room for len + 1 bytes
 * and is NUL-terminated; *out_len is the decoded length. Flags:
 *   SAML_PCT_PLUS     '+' is a space (form and query encoding);
 *   SAML_PCT_LENIENT  a '%' without two hex digits is kept as it is (a second
 *                     round over text whose '%' signs may be literal); without
 *                     it such an escape is refused;
 *   SAML_PCT_NO_NUL   a NUL byte, literal or %00, is refused.
 * Returns SAML_PCT_OK, or the refusal with *at the offset in `in`. */
#define SAML_PCT_PLUS    1u
#define SAML_PCT_LENIENT 2u
#define SAML_PCT_NO_NUL  4u
typedef enum { SAML_PCT_OK = 0, SAML_PCT_BAD_ESCAPE, SAML_PCT_NUL } saml_pct_result_t;
saml_pct_result_t saml_percent_decode(const char *in, apr_size_t len, unsigned flags, char *out,
                                      apr_size_t *out_len, apr_size_t *at);

/* Percent-encode everything but RFC 3986 unreserved characters. */
const char *saml_url_encode(apr_pool_t *p, const char *s);

#endif
