#include "saml/error.h"

#include <apr_strings.h>
#include <stdarg.h>

apr_status_t saml_fail(apr_pool_t *p, saml_err_t *err, apr_status_t status,
                       const char *check, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->check = check;
        err->detail = apr_pvsprintf(p, fmt, ap);
        va_end(ap);
    }
    return status;
}

void saml_trace_emit(const saml_trace_t *t, apr_pool_t *p, const char *check,
                     const char *fmt, ...)
{
    va_list ap;
    const char *detail;

    va_start(ap, fmt);
    detail = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    t->fn(t->baton, check, detail);
}

int saml_status_to_http(apr_status_t status)
{
    switch (status) {
    case APR_SUCCESS:       return 200;
    case SAML_EMALFORMED:   return 400;
    case SAML_EREJECTED:    return 403;
    case SAML_EREPLAY:      return 403;
    case SAML_ETOOLARGE:    return 413;
    case SAML_EUNAVAILABLE: return 503;
    default:                return 500;
    }
}

const char *saml_log_escape(apr_pool_t *p, const char *s, apr_size_t max)
{
    static const char hex[] = "0123456789abcdef";
    apr_size_t n, i, o = 0;
    char *out;

    if (s == NULL)
        return "(none)";
    for (n = 0; s[n] && n < max; n++)
        ;
    out = apr_palloc(p, n * 4 + 4);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
        else {
            out[o++] = (char)c;
        }
    }
    if (s[n]) {
        out[o++] = '.';
        out[o++] = '.';
        out[o++] = '.';
    }
    out[o] = '\0';
    return out;
}
