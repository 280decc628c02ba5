/* Redis (RESP2) reply parsing and checking. See redis_reply.h. */
#include "saml/redis_reply.h"

#include <string.h>

#include "saml/error.h"
#include "saml/store_net.h"

/* A decimal integer filling all of s[0..n): optional '-' when negative_ok,
 * digits, no leading zero (but "0"), no overflow. */
static int parse_decimal(const char *s, apr_size_t n, int negative_ok, long long *out)
{
    unsigned long long v = 0, limit = (unsigned long long)9223372036854775807LL;
    int neg = 0;
    apr_size_t i = 0;

    if (n > 0 && s[0] == '-' && negative_ok) {
        neg = 1;
        i = 1;
        limit += 1;
    }
    if (i == n || (s[i] == '0' && n - i > 1) || (neg && s[i] == '0'))
        return 0;
    for (; i < n; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9')
            return 0;
        d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    if (neg)
        *out = v == limit ? (-9223372036854775807LL - 1) : -(long long)v;
    else
        *out = (long long)v;
    return 1;
}

apr_status_t saml_redis_head_parse(const char *line, apr_size_t len, saml_redis_head_t *h)
{
    long long n;

    memset(h, 0, sizeof(*h));
    if (len == 0 || memchr(line, '\0', len))
        return SAML_NET_EPROTO;
    switch (line[0]) {
    case '+':
        h->type = SAML_REDIS_STATUS;
        h->text = line + 1;
        return APR_SUCCESS;
    case '-':
        h->type = SAML_REDIS_ERROR;
        h->text = line + 1;
        return APR_SUCCESS;
    case ':':
        if (!parse_decimal(line + 1, len - 1, 1, &h->integer))
            return SAML_NET_EPROTO;
        h->type = SAML_REDIS_INTEGER;
        return APR_SUCCESS;
    case '$':
        if (len == 3 && !memcmp(line, "$-1", 3)) {
            h->type = SAML_REDIS_NIL;
            return APR_SUCCESS;
        }
        if (!parse_decimal(line + 1, len - 1, 0, &n))
            return SAML_NET_EPROTO;
        h->type = SAML_REDIS_BULK;
        h->bulk_len = n;
        return APR_SUCCESS;
    default:
        return SAML_NET_EPROTO;
    }
}

apr_status_t saml_redis_reply_read(const saml_reply_reader_t *rd, saml_redis_expect_t expect,
                                   apr_size_t max_value, apr_pool_t *p, saml_redis_reply_t *out)
{
    saml_redis_head_t h;
    char *line;
    apr_size_t len;
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    if ((rv = rd->line(rd->ctx, &line, &len)) != APR_SUCCESS)
        return rv;
    if ((rv = saml_redis_head_parse(line, len, &h)) != APR_SUCCESS)
        return rv;
    if (h.type == SAML_REDIS_ERROR) {
        apr_size_t n = len - 1;
        if (n > SAML_REDIS_ERROR_TEXT_MAX)
            n = SAML_REDIS_ERROR_TEXT_MAX;
        memcpy(out->error_text, h.text, n);
        out->error_text[n] = '\0';
        out->error = saml_redis_error_kind(out->error_text);
        return SAML_NET_EREMOTE;
    }
    switch (expect) {
    case SAML_REDIS_EXPECT_VALUE:
        if (h.type == SAML_REDIS_NIL)
            return APR_NOTFOUND;
        if (h.type != SAML_REDIS_BULK)
            return SAML_NET_EPROTO;
        if ((unsigned long long)h.bulk_len > (unsigned long long)max_value)
            return SAML_ETOOLARGE;
        if ((rv = rd->block(rd->ctx, p, (apr_size_t)h.bulk_len, &out->value)) != APR_SUCCESS)
            return rv;
        out->len = (apr_size_t)h.bulk_len;
        return APR_SUCCESS;
    case SAML_REDIS_EXPECT_OK_OR_NIL:
        if (h.type == SAML_REDIS_NIL)
            return APR_NOTFOUND;
        /* fall through */
    case SAML_REDIS_EXPECT_OK:
        return h.type == SAML_REDIS_STATUS && !strcmp(h.text, "OK") ? APR_SUCCESS
                                                                    : SAML_NET_EPROTO;
    case SAML_REDIS_EXPECT_COUNT:
        if (h.type != SAML_REDIS_INTEGER || h.integer < 0)
            return SAML_NET_EPROTO;
        out->count = h.integer;
        return APR_SUCCESS;
    }
    return SAML_NET_EPROTO;
}

saml_redis_error_t saml_redis_error_kind(const char *text)
{
    static const struct { const char *code; saml_redis_error_t kind; } codes[] = {
        { "ERR", SAML_REDIS_E_ERR }, { "NOAUTH", SAML_REDIS_E_NOAUTH },
        { "WRONGPASS", SAML_REDIS_E_WRONGPASS }, { "NOPERM", SAML_REDIS_E_NOPERM },
        { "READONLY", SAML_REDIS_E_READONLY }, { "MOVED", SAML_REDIS_E_MOVED },
        { "ASK", SAML_REDIS_E_MOVED }, { "LOADING", SAML_REDIS_E_LOADING },
        { "OOM", SAML_REDIS_E_OOM }
    };
    apr_size_t i, n = strcspn(text, " ");

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strlen(codes[i].code) == n && !memcmp(codes[i].code, text, n))
            return codes[i].kind;
    return SAML_REDIS_E_OTHER;
}

const char *saml_redis_error_meaning(saml_redis_error_t kind)
{
    switch (kind) {
    case SAML_REDIS_E_ERR:
        return "the server refused the command";
    case SAML_REDIS_E_NOAUTH:
        return "the server requires a password: set SequrSAMLCachePasswordFile";
    case SAML_REDIS_E_WRONGPASS:
        return "user or password refused: check SequrSAMLCachePasswordFile";
    case SAML_REDIS_E_NOPERM:
        return "the ACL user may not run this command on this key: it needs GET, SET, "
               "GETDEL, DEL and EXISTS on every key";
    case SAML_REDIS_E_READONLY:
        return "a read-only replica: name the primary in SequrSAMLCache";
    case SAML_REDIS_E_MOVED:
        return "a Redis Cluster redirect: cluster mode is not supported, use a "
               "non-clustered cache";
    case SAML_REDIS_E_LOADING:
        return "the server is still loading its data";
    case SAML_REDIS_E_OOM:
        return "the server is out of memory (maxmemory)";
    case SAML_REDIS_E_OTHER:
        break;
    }
    return "an error reply";
}
