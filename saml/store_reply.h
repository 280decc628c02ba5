/* Where the cache clients' reply parsers read from: a connection (store_net)
 * in the clients, a buffer in tests and fuzzers. The parsers
 * (redis_reply.h, memcache_reply.h) see only this interface, so the code
 * that decides what a cache server's answer means is the same code the
 * fuzzers run. */
#ifndef SAML_STORE_REPLY_H
#define SAML_STORE_REPLY_H

#include <apr_pools.h>

typedef struct saml_reply_reader {
    /* The next line without its CRLF, NUL-terminated (len excludes the NUL;
     * the line itself may hold NUL bytes, which parsers refuse), valid until
     * the next call. A CR not followed by LF: SAML_NET_EPROTO. */
    apr_status_t (*line)(void *ctx, char **line, apr_size_t *len);
    /* n bytes then CRLF: copied NUL-terminated into p (out != NULL), or
     * discarded (out == NULL). Missing CRLF: SAML_NET_EPROTO. */
    apr_status_t (*block)(void *ctx, apr_pool_t *p, apr_size_t n, char **out);
    void *ctx;
} saml_reply_reader_t;

/* A reader over len bytes at buf (not copied: they must outlive it). The
 * end of the buffer reads as APR_EOF, like a connection the server closed. */
typedef struct saml_reply_buffer {
    const char *buf;
    apr_size_t len, pos;
    apr_pool_t *pool;               /* lines are copied here */
} saml_reply_buffer_t;

void saml_reply_buffer_init(saml_reply_buffer_t *b, saml_reply_reader_t *rd, apr_pool_t *p,
                            const char *buf, apr_size_t len);

#endif
