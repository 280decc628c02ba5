/* The buffer reader of store_reply.h (tests, fuzzers). */
#include "saml/store_reply.h"

#include <string.h>

#include "saml/store_net.h"

static apr_status_t buf_line(void *ctx, char **line, apr_size_t *len)
{
    saml_reply_buffer_t *b = ctx;
    const char *from = b->buf + b->pos;
    apr_size_t avail = b->len - b->pos;
    const char *cr = memchr(from, '\r', avail);
    char *copy;

    if (cr == NULL || cr + 1 == b->buf + b->len)
        return APR_EOF;
    if (cr[1] != '\n')
        return SAML_NET_EPROTO;
    *len = (apr_size_t)(cr - from);
    copy = apr_palloc(b->pool, *len + 1);
    memcpy(copy, from, *len);
    copy[*len] = '\0';
    *line = copy;
    b->pos += *len + 2;
    return APR_SUCCESS;
}

static apr_status_t buf_block(void *ctx, apr_pool_t *p, apr_size_t n, char **out)
{
    saml_reply_buffer_t *b = ctx;
    const char *from = b->buf + b->pos;
    apr_size_t avail = b->len - b->pos;

    if (n > avail || avail - n < 2)
        return APR_EOF;
    if (from[n] != '\r' || from[n + 1] != '\n')
        return SAML_NET_EPROTO;
    if (out) {
        char *v = apr_palloc(p, n + 1);
        memcpy(v, from, n);
        v[n] = '\0';
        *out = v;
    }
    b->pos += n + 2;
    return APR_SUCCESS;
}

void saml_reply_buffer_init(saml_reply_buffer_t *b, saml_reply_reader_t *rd, apr_pool_t *p,
                            const char *buf, apr_size_t len)
{
    b->buf = buf;
    b->len = len;
    b->pos = 0;
    b->pool = p;
    rd->line = buf_line;
    rd->block = buf_block;
    rd->ctx = b;
}
