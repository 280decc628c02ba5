/* Where a browser may be sent after sign-in. Every open redirect in SAML
 * Apache modules so far (mellon CVE-2019-3877, CVE-2019-13038, CVE-2021-3639)
 * came from accepting something a browser reads as another host: "//host",
 * "/\host", "\\host", "http:host", tabs or newlines that browsers strip, and
 * the same again percent-encoded. So we accept one shape only, a path that
 * starts with a single '/', and demand it survives two rounds of decoding. */
#include "saml/relay_state.h"

#include <apr_strings.h>
#include <string.h>

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
