/* JSON string escaping: every byte of a value from the IdP is either written
 * as well-formed UTF-8 that cannot end the string, or escaped. */
#include "saml/json.h"

#include <apr_strings.h>
#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd"   /* U+FFFD */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 table 3-7), or 0. */
static apr_size_t utf8_sequence(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c >= 0xc2 && c <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80
               ? 4 : 0;
    }
    return 0;
}

const char *saml_json_string(apr_pool_t *p, const char *s)
{
    const unsigned char *in = (const unsigned char *)s;
    char *out, *o;

    if (s == NULL)
        return "null";
    /* Worst case: every byte becomes \u00XX (6) or U+FFFD (3). */
    out = o = apr_palloc(p, strlen(s) * 6 + 3);
    *o++ = '"';
    while (*in) {
        unsigned char c = *in;
        apr_size_t n;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
            in++;
        }
        else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            apr_snprintf(o, 7, "\\u%04x", c);
            o += 6;
            in++;
        }
        else if (c < 0x80) {
            *o++ = (char)*in++;
        }
        else if ((n = utf8_sequence(in)) == 0) {
            memcpy(o, REPLACEMENT, 3);
            o += 3;
            in++;
        }
        else if (n == 3 && in[0] == 0xe2 && in[1] == 0x80 && (in[2] == 0xa8 || in[2] == 0xa9)) {
            memcpy(o, in[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
            o += 6;
            in += 3;
        }
        else {
            memcpy(o, in, n);
            o += n;
            in += n;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}
