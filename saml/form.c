/* application/x-www-form-urlencoded, strictly. The POST binding carries the
 * SAMLResponse this way; a lenient parser would let an attacker add a second
 * SAMLResponse or RelayState and hope the last one wins. */
#include "saml/form.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

#include "saml/codec.h"

int saml_form_is_urlencoded(const char *type)
{
    static const char media[] = "application/x-www-form-urlencoded";
    apr_size_t n = sizeof(media) - 1;

    return type && !strncasecmp(type, media, n) &&
           (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* Decode in[0..len) ('+' is a space, %XX a byte) into a fresh string.
 * what names the part for the error detail. */
static apr_status_t form_decode(apr_pool_t *p, const char *in, apr_size_t len,
                                const char *what, char **out, saml_err_t *err)
{
    char *buf = apr_palloc(p, len + 1);
    apr_size_t n, at;

    switch (saml_percent_decode(in, len, SAML_PCT_PLUS | SAML_PCT_NO_NUL, buf, &n, &at)) {
    case SAML_PCT_BAD_ESCAPE:
        return saml_fail(p, err, SAML_EMALFORMED, "form",
                         "bad percent escape in %s at offset %" APR_SIZE_T_FMT, what, at);
    case SAML_PCT_NUL:
        return saml_fail(p, err, SAML_EMALFORMED, "form", "NUL byte in %s", what);
    case SAML_PCT_OK:
        break;
    }
    *out = buf;
    return APR_SUCCESS;
}

/* Non-empty '&'-separated segments of body[0..len): the fields the parser
 * below would read (an empty segment carries none). */
static apr_size_t count_fields(const char *body, apr_size_t len)
{
    apr_size_t n = 0, start = 0;

    while (start < len) {
        const char *amp = memchr(body + start, '&', len - start);
        apr_size_t end = amp ? (apr_size_t)(amp - body) : len;
        if (end > start)
            n++;
        start = end + 1;
    }
    return n;
}

apr_status_t saml_form_parse(apr_pool_t *p, const char *body, apr_size_t len,
                             apr_table_t **out, saml_err_t *err)
{
    apr_table_t *t = apr_table_make(p, SAML_FORM_MAX_FIELDS);
    apr_size_t start = 0, fields;

    if (body == NULL && len > 0)
        return saml_fail(p, err, SAML_EMALFORMED, "form", "no body");
    /* Count first, decode after: a body of fifty thousand tiny fields is
     * refused for the cost of one memchr pass, before anything is decoded or
     * looked up. With at most SAML_FORM_MAX_FIELDS names in the table, the
     * duplicate lookup below is bounded too, so the whole parse is linear in
     * the body (it was quadratic: names sharing their first bytes share an
     * apr_table bucket and checksum, and each lookup compared them all). */
    if ((fields = count_fields(body, len)) > SAML_FORM_MAX_FIELDS)
        return saml_fail(p, err, SAML_EMALFORMED, "form-fields",
                         "%" APR_SIZE_T_FMT " fields in the form, at most %d accepted",
                         fields, SAML_FORM_MAX_FIELDS);

    while (start < len) {
        const char *amp = memchr(body + start, '&', len - start), *eqp;
        apr_size_t end, eq;
        char *name, *value;
        apr_status_t rv;

        end = amp ? (apr_size_t)(amp - body) : len;
        /* "a=1&&b=2" or a trailing '&' carries no field: nothing to confuse. */
        if (end == start) {
            start = end + 1;
            continue;
        }
        eqp = memchr(body + start, '=', end - start);
        eq = eqp ? (apr_size_t)(eqp - body) : end;
        if (eq == start)
            return saml_fail(p, err, SAML_EMALFORMED, "form",
                             "field without a name at offset %" APR_SIZE_T_FMT, start);
        rv = form_decode(p, body + start, eq - start, "a field name", &name, err);
        if (rv == APR_SUCCESS)
            rv = eq < end ? form_decode(p, body + eq + 1, end - eq - 1, "a field value",
                                        &value, err)
                          : (value = apr_pstrdup(p, ""), APR_SUCCESS);
        if (rv != APR_SUCCESS)
            return rv;
        /* apr_table compares names case-insensitively, so "samlresponse"
         * after "SAMLResponse" is refused too: no reader can be fooled. */
        if (apr_table_get(t, name) != NULL)
            return saml_fail(p, err, SAML_EMALFORMED, "form-duplicate",
                             "field \"%s\" given more than once",
                             saml_log_escape(p, name, 64));
        apr_table_addn(t, name, value);
        start = end + 1;
    }
    *out = t;
    return APR_SUCCESS;
}
