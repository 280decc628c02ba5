/* memcached text-protocol reply parsing and checking. See memcache_reply.h. */
#include "saml/memcache_reply.h"

#include <string.h>

#include "saml/error.h"
#include "saml/store_net.h"

static int is(const char *line, apr_size_t len, const char *want)
{
    return len == strlen(want) && !memcmp(line, want, len);
}

/* Any answer but the expected ones: memcached's own error lines, or noise. */
static apr_status_t unexpected(const char *line, apr_size_t len)
{
    if (memchr(line, '\0', len))
        return SAML_NET_EPROTO;
    if (!strncmp(line, "SERVER_ERROR", 12) || !strncmp(line, "CLIENT_ERROR", 12)
        || is(line, len, "ERROR"))
        return SAML_NET_EREMOTE;
    return SAML_NET_EPROTO;
}

/* One field of digits at *s (up to a space or the end): its value. */
static int digits(const char **s, const char *end, unsigned long long *out)
{
    const char *p = *s;
    unsigned long long v = 0;

    if (p == end || *p < '0' || *p > '9')
        return 0;
    for (; p < end && *p != ' '; p++) {
        if (*p < '0' || *p > '9' || v > (~0ULL - 9) / 10)
            return 0;
        v = v * 10 + (unsigned)(*p - '0');
    }
    *s = p;
    *out = v;
    return 1;
}

/* "VALUE KEY FLAGS BYTES[ CAS]": *bytes. */
static apr_status_t value_line(const char *line, apr_size_t len, const char *key,
                               unsigned long long *bytes)
{
    const char *s = line, *end = line + len;
    apr_size_t klen = strlen(key);
    unsigned long long flags, cas;

    if (len < 6 || memcmp(s, "VALUE ", 6))
        return unexpected(line, len);
    s += 6;
    if ((apr_size_t)(end - s) < klen + 1 || memcmp(s, key, klen) || s[klen] != ' ')
        return SAML_NET_EPROTO;
    s += klen + 1;
    if (!digits(&s, end, &flags) || flags > 0xffffffffULL || s == end || *s++ != ' '
        || !digits(&s, end, bytes))
        return SAML_NET_EPROTO;
    if (s < end && (*s++ != ' ' || !digits(&s, end, &cas) || s != end))
        return SAML_NET_EPROTO;
    return APR_SUCCESS;
}

apr_status_t saml_memcache_get_read(const saml_reply_reader_t *rd, const char *key,
                                    apr_size_t max_value, apr_pool_t *p, char **val,
                                    apr_size_t *len)
{
    unsigned long long bytes;
    char *line, *v;
    apr_size_t n;
    apr_status_t rv;

    if ((rv = rd->line(rd->ctx, &line, &n)) != APR_SUCCESS)
        return rv;
    if (is(line, n, "END"))
        return APR_NOTFOUND;
    if ((rv = value_line(line, n, key, &bytes)) != APR_SUCCESS)
        return rv;
    if (bytes > (unsigned long long)max_value)
        return SAML_ETOOLARGE;
    if ((rv = rd->block(rd->ctx, p, (apr_size_t)bytes, &v)) != APR_SUCCESS)
        return rv;
    if ((rv = rd->line(rd->ctx, &line, &n)) != APR_SUCCESS)
        return rv;
    if (!is(line, n, "END"))
        return SAML_NET_EPROTO;
    *val = v;
    *len = (apr_size_t)bytes;
    return APR_SUCCESS;
}

apr_status_t saml_memcache_line_check(const char *line, apr_size_t len,
                                      saml_memcache_expect_t expect)
{
    switch (expect) {
    case SAML_MEMCACHE_EXPECT_STORE:
        if (is(line, len, "STORED"))
            return APR_SUCCESS;
        if (is(line, len, "NOT_STORED"))
            return APR_EEXIST;
        break;
    case SAML_MEMCACHE_EXPECT_DELETE:
        if (is(line, len, "DELETED"))
            return APR_SUCCESS;
        if (is(line, len, "NOT_FOUND"))
            return APR_NOTFOUND;
        break;
    }
    return unexpected(line, len);
}

apr_status_t saml_memcache_line_read(const saml_reply_reader_t *rd,
                                     saml_memcache_expect_t expect)
{
    char *line;
    apr_size_t n;
    apr_status_t rv = rd->line(rd->ctx, &line, &n);
    return rv != APR_SUCCESS ? rv : saml_memcache_line_check(line, n, expect);
}
