#include "cookie.h"

#include <apr_strings.h>
#include <string.h>

void saml_cookie_values(const char *header, const char *name, apr_array_header_t *values)
{
    apr_size_t nlen = strlen(name);
    const char *p = header;

    while (p && *p && values->nelts < SAML_COOKIE_MAX_VALUES) {
        const char *end;
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        end = p + strcspn(p, ";");
        if (nlen && !strncmp(p, name, nlen) && p[nlen] == '=') {
            const char *v = p + nlen + 1;
            APR_ARRAY_PUSH(values, const char *) = apr_pstrndup(values->pool, v, (apr_size_t)(end - v));
        }
        p = end;
    }
}
