/* Where a browser may be sent after sign-in. Every open redirect in SAML
 * Apache modules so far (mellon CVE-2019-3877, CVE-2019-13038, CVE-2021-3639)
 * came from accepting something a browser reads as another host: "//host",
 * "/\host", "\\host", "http:host", tabs or newlines that browsers strip, and
 * the same again percent-encoded. So we accept one shape only, a path that
 * starts with a single '/', and demand it survives two rounds of decoding.
 *
 * Admins paste full URLs of their site in Entra's "Relay State" box
 * ("https://www.example.com/app/report?id=7"). Those are followed, but only
 * as the local path they name, and only when their origin is byte for byte
 * (after lower-casing and writing the default port) the origin the
 * configuration gives this site, never one derived from the request's Host
 * header. The origin parser is deliberately narrower than RFC 3986: a host
 * of letters, digits, dots and hyphens (or a bracketed IPv6 literal), an
 * optional decimal port, nothing else. Whatever a browser or a URL library
 * might read differently (userinfo, "%2E" in the host, a trailing dot,
 * "0443", backslashes, tabs) is simply not an origin, so it never equals
 * ours. */
#include "saml/relay_state.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>
#include <strings.h>

#include "saml/codec.h"

/* Percent-decode in[0..len) into out (at least len + 1 bytes), with the
 * decoded length in *outlen. A '%' not followed by two hex digits is refused
 * when strict and kept literally otherwise: the second round runs on text
 * whose '%' signs may be literal ("/100%25" is the path "/100%"). A decoded NUL
 * is kept: the shape rule counts it as a control character. */
static int percent_decode(const char *in, apr_size_t len, char *out, int strict,
                          apr_size_t *outlen)
{
    apr_size_t at;
    return saml_percent_decode(in, len, strict ? 0 : SAML_PCT_LENIENT, out, outlen, &at) ==
           SAML_PCT_OK;
}

/* The shape rule on one form of the string, of length len (a decoded NUL
 * shortens strlen, so the length is passed and NUL counts as a control). */
static int has_local_path_shape(const char *s, apr_size_t len, int decoded)
{
    apr_size_t i;

    if (len < 1 || s[0] != '/')
        return 0;
    if (len > 1 && (s[1] == '/' || s[1] == '\\'))
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        /* A decoded space is an ordinary deep link ("/search?q=a%20b"); the
         * controls browsers strip or act on never are. */
        if (c < 0x20 || c == 0x7f || c == '\\' || (c == ' ' && !decoded))
            return 0;
        if (c >= 0x80 && !decoded)
            return 0;
    }
    return 1;
}

int saml_is_local_path(const char *s)
{
    char once[SAML_RETURN_PATH_MAX + 1], twice[SAML_RETURN_PATH_MAX + 1];
    apr_size_t len, once_len, twice_len;

    if (s == NULL)
        return 0;
    len = strlen(s);
    if (len == 0 || len > SAML_RETURN_PATH_MAX)
        return 0;
    /* The raw form goes into a Location header: plain ASCII only. */
    return has_local_path_shape(s, len, 0) &&
           percent_decode(s, len, once, 1, &once_len) &&
           has_local_path_shape(once, once_len, 1) &&
           percent_decode(once, once_len, twice, 0, &twice_len) &&
           has_local_path_shape(twice, twice_len, 1);
}

/* A DNS name as written in a URL: labels of letters, digits and hyphens
 * separated by single dots, no leading or trailing dot (a trailing dot names
 * the same host in DNS but another origin to browsers and cookies; we do not
 * follow it rather than guess). Punycode ("xn--") labels are plain ASCII and
 * compare as written: no IDN mapping, so no confusion between two spellings. */
static int is_dns_name(const char *h, apr_size_t n)
{
    apr_size_t i;

    if (n == 0 || n > 253 || h[0] == '.' || h[n - 1] == '.')
        return 0;
    for (i = 0; i < n; i++) {
        if (h[i] == '.' && h[i + 1] == '.')
            return 0;
        if (!apr_isalnum(h[i]) && h[i] != '.' && h[i] != '-')
            return 0;
    }
    return 1;
}

/* "[...]" with only hex digits, ':' and '.' inside (no zone id: "%25"). */
static int is_ipv6_literal(const char *h, apr_size_t n)
{
    apr_size_t i;

    if (n < 4 || h[0] != '[' || h[n - 1] != ']')
        return 0;
    for (i = 1; i < n - 1; i++)
        if (!apr_isxdigit(h[i]) && h[i] != ':' && h[i] != '.')
            return 0;
    return 1;
}

/* 1 to 5 decimal digits, no leading zero, 1..65535. */
static int parse_port(const char *s, apr_size_t n, unsigned *port)
{
    apr_size_t i;
    unsigned v = 0;

    if (n == 0 || n > 5 || s[0] == '0')
        return 0;
    for (i = 0; i < n; i++) {
        if (!apr_isdigit(s[i]))
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 65535)
        return 0;
    *port = v;
    return 1;
}

const char *saml_url_origin(apr_pool_t *p, const char *url, const char **rest)
{
    const char *scheme, *h, *end, *port_at;
    unsigned port;
    apr_size_t i, hlen;
    char *host;

    if (url == NULL)
        return NULL;
    if (!strncasecmp(url, "https://", 8)) {
        scheme = "https";
        port = 443;
        h = url + 8;
    }
    else if (!strncasecmp(url, "http://", 7)) {
        scheme = "http";
        port = 80;
        h = url + 7;
    }
    else {
        return NULL;
    }
    /* The authority ends at the first '/', '?' or '#' (what browsers do for
     * http(s); a backslash would end it too, and is refused below). */
    end = h + strcspn(h, "/?#");
    for (i = 0; url[i]; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f || url[i] == '\\')
            return NULL;
    if (h[0] == '[') {
        const char *close = memchr(h, ']', (apr_size_t)(end - h));
        if (close == NULL)
            return NULL;
        port_at = close + 1;
        hlen = (apr_size_t)(port_at - h);
        if (!is_ipv6_literal(h, hlen))
            return NULL;
    }
    else {
        const char *colon = memchr(h, ':', (apr_size_t)(end - h));
        port_at = colon ? colon : end;
        hlen = (apr_size_t)(port_at - h);
        if (!is_dns_name(h, hlen))        /* '@', '%', '_' and the like end here */
            return NULL;
    }
    if (port_at != end &&
        (*port_at != ':' || !parse_port(port_at + 1, (apr_size_t)(end - port_at - 1), &port)))
        return NULL;
    host = apr_pstrmemdup(p, h, hlen);
    for (i = 0; i < hlen; i++)
        host[i] = (char)apr_tolower(host[i]);
    if (rest)
        *rest = end;
    return apr_psprintf(p, "%s://%s:%u", scheme, host, port);
}

const char *saml_relay_target(apr_pool_t *p, const char *s, const char *site_origin)
{
    const char *ours, *theirs, *rest, *path;

    if (s == NULL)
        return NULL;
    if (saml_is_local_path(s))
        return apr_pstrdup(p, s);
    if (site_origin == NULL || strlen(s) > SAML_RELAY_URL_MAX)
        return NULL;
    /* The site's own base URL: scheme://host[:port], at most a final '/'. */
    if ((ours = saml_url_origin(p, site_origin, &rest)) == NULL || (*rest && strcmp(rest, "/")))
        return NULL;
    if ((theirs = saml_url_origin(p, s, &rest)) == NULL || strcmp(ours, theirs))
        return NULL;
    /* "https://site" and "https://site?x" name "/" and "/?x". */
    path = *rest == '/' ? apr_pstrdup(p, rest) : apr_pstrcat(p, "/", rest, NULL);
    return saml_is_local_path(path) ? path : NULL;
}

#define TENANT_PARAM "sequr_tenant="

const char *saml_relay_state_tenant(apr_pool_t *p, const char *relay_state)
{
    const char *query, *found = NULL;
    char *copy, *pair, *last = NULL;

    if (!saml_is_local_path(relay_state) || (query = strchr(relay_state, '?')) == NULL)
        return NULL;
    copy = apr_pstrdup(p, query + 1);
    if ((pair = strchr(copy, '#')) != NULL)
        *pair = '\0';
    for (pair = apr_strtok(copy, "&;", &last); pair; pair = apr_strtok(NULL, "&;", &last)) {
        apr_size_t len = strlen(pair) - (sizeof(TENANT_PARAM) - 1), n;
        char *value;

        if (strncmp(pair, TENANT_PARAM, sizeof(TENANT_PARAM) - 1))
            continue;
        value = apr_palloc(p, len + 1);
        /* A broken escape names nobody; a decoded NUL would shorten the name. */
        if (!percent_decode(pair + sizeof(TENANT_PARAM) - 1, len, value, 1, &n) ||
            strlen(value) != n)
            return "?";
        if (found && strcmp(found, value))
            return "?";
        found = value;
    }
    return found;
}
