/* memcached text-protocol replies: what one answer is, and whether it is
 * one the command that was sent can have. Pure (reads from a
 * saml_reply_reader_t), shared by the client (store_memcache.c) and the
 * fuzzer (fuzz_memcache_reply.c).
 *
 * An answer the command cannot have (STORED to a get, VALUE for another key,
 * END to a delete, a VALUE line with a bad flags or length field) is never
 * taken as data nor as success: it is SAML_NET_EPROTO, a store error (503
 * upstream), and the connection is closed; memcached's own error lines
 * (ERROR, CLIENT_ERROR ..., SERVER_ERROR ...) are SAML_NET_EREMOTE. */
#ifndef SAML_MEMCACHE_REPLY_H
#define SAML_MEMCACHE_REPLY_H

#include <apr_pools.h>

#include "saml/store_reply.h"

/* The answer to "get KEY": "END" (APR_NOTFOUND), or "VALUE KEY FLAGS BYTES
 * [CAS]" (each number plain decimal digits), BYTES bytes, CRLF, then "END"
 * (APR_SUCCESS, *val a NUL-terminated copy in p, *len). BYTES over max_value:
 * SAML_ETOOLARGE. */
apr_status_t saml_memcache_get_read(const saml_reply_reader_t *rd, const char *key,
                                    apr_size_t max_value, apr_pool_t *p, char **val,
                                    apr_size_t *len);

/* What a one-line answer may be. */
typedef enum {
    SAML_MEMCACHE_EXPECT_STORE,   /* set, add: STORED (APR_SUCCESS), NOT_STORED (APR_EEXIST) */
    SAML_MEMCACHE_EXPECT_DELETE   /* delete: DELETED (APR_SUCCESS), NOT_FOUND (APR_NOTFOUND) */
} saml_memcache_expect_t;

/* Read one line from rd and check it against expect. */
apr_status_t saml_memcache_line_read(const saml_reply_reader_t *rd,
                                     saml_memcache_expect_t expect);

/* The meaning of one line (len bytes, without CRLF) for expect. */
apr_status_t saml_memcache_line_check(const char *line, apr_size_t len,
                                      saml_memcache_expect_t expect);

#endif
