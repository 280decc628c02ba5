#include "saml/cookie.h"

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

const char *saml_cookie_single_value(const apr_array_header_t *values, int *ambiguous)
{
    const char *first;
    int i;

    *ambiguous = 0;
    if (values == NULL || values->nelts == 0)
        return NULL;
    first = APR_ARRAY_IDX(values, 0, const char *);
    for (i = 1; i < values->nelts; i++)
        if (strcmp(first, APR_ARRAY_IDX(values, i, const char *)) != 0) {
            *ambiguous = 1;
            return NULL;
        }
    return first;
}

static int is_ip_literal(const char *host)
{
    return strchr(host, ':') != NULL || host[strspn(host, "0123456789.")] == '\0';
}

apr_array_header_t *saml_cookie_places(apr_pool_t *p, const char *host, const char *path)
{
    apr_array_header_t *domains = apr_array_make(p, 4, sizeof(const char *));
    apr_array_header_t *paths = apr_array_make(p, 2 * SAML_COOKIE_MAX_DEPTH + 1, sizeof(const char *));
    apr_array_header_t *places = apr_array_make(p, 8, sizeof(saml_cookie_place_t));
    const char *d, *s;
    int i, j, depth = 0;

    APR_ARRAY_PUSH(domains, const char *) = NULL;
    if (host && *host && !is_ip_literal(host))
        for (d = strchr(host, '.');
             d && strchr(d + 1, '.') && domains->nelts <= SAML_COOKIE_MAX_PARENTS;
             d = strchr(d + 1, '.'))
            APR_ARRAY_PUSH(domains, const char *) = apr_pstrdup(p, d + 1);
    APR_ARRAY_PUSH(paths, const char *) = "/";
    if (path && path[0] == '/')
        for (s = path + 1; *s && depth < SAML_COOKIE_MAX_DEPTH; depth++) {
            const char *end = s + strcspn(s, "/?");
            if (end == s)
                break;
            APR_ARRAY_PUSH(paths, const char *) = apr_pstrndup(p, path, (apr_size_t)(end - path));
            if (*end != '/')
                break;
            APR_ARRAY_PUSH(paths, const char *) = apr_pstrndup(p, path, (apr_size_t)(end + 1 - path));
            s = end + 1;
        }
    for (i = 0; i < domains->nelts; i++)
        for (j = 0; j < paths->nelts; j++) {
            saml_cookie_place_t *pl = apr_array_push(places);
            pl->domain = APR_ARRAY_IDX(domains, i, const char *);
            pl->path = APR_ARRAY_IDX(paths, j, const char *);
        }
    return places;
}
