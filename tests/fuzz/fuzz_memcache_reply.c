/* memcached text-protocol answers as the cache client reads them
 * (memcache_reply.h): the first byte picks the command (get, set/add,
 * delete), the rest is what a hostile or broken server sends. No crash; a
 * get succeeds only with "VALUE <our key> <flags> <n>", exactly n bytes and
 * END, and hands out exactly those bytes; a one-line answer succeeds only as
 * the exact word the command answers with; nothing is handed out with a
 * failure. */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <string.h>

#include "saml/error.h"
#include "saml/memcache_reply.h"
#include "saml/store_net.h"

#define KEY "s:Zm9vYmFy"
#define MAX_VALUE 4096

static int starts(const uint8_t *at, size_t left, const char *prefix)
{
    size_t n = strlen(prefix);
    return left >= n && !memcmp(at, prefix, n);
}

static int known(apr_status_t rv)
{
    return rv == SAML_NET_EPROTO || rv == SAML_NET_EREMOTE || rv == SAML_ETOOLARGE ||
           rv == APR_EOF;
}

static void check_get(const uint8_t *data, size_t size, apr_pool_t *p)
{
    saml_reply_buffer_t b;
    saml_reply_reader_t rd;
    char *val = NULL;
    apr_size_t len = 0;
    apr_status_t rv;
    const char *tail;

    saml_reply_buffer_init(&b, &rd, p, (const char *)data, size);
    rv = saml_memcache_get_read(&rd, KEY, MAX_VALUE, p, &val, &len);
    if (rv != APR_SUCCESS && val != NULL)
        fuzz_violation("saml_memcache_get_read", "a value handed out with a failure");
    if (rv == APR_NOTFOUND && !starts(data, size, "END\r\n"))
        fuzz_violation("saml_memcache_get_read", "not-found without END");
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND && !known(rv))
        fuzz_violation("saml_memcache_get_read", "unknown status");
    if (rv != APR_SUCCESS)
        return;
    /* VALUE KEY ... CRLF, the bytes, CRLF, END CRLF: the value sits just
     * before the final "\r\nEND\r\n" of what was consumed. */
    tail = (const char *)data + b.pos;
    if (!starts(data, size, "VALUE " KEY " ") || val == NULL || len > MAX_VALUE ||
        val[len] != '\0' || b.pos < len + 9 || memcmp(tail - 7, "\r\nEND\r\n", 7) ||
        memcmp(tail - 7 - len, val, len) || memcmp(tail - 9 - len, "\r\n", 2))
        fuzz_violation("saml_memcache_get_read", "value is not the block sent");
    fuzz_trace("get: %zu bytes", (size_t)len);
}

static void check_line(const uint8_t *data, size_t size, saml_memcache_expect_t expect,
                       apr_pool_t *p)
{
    saml_reply_buffer_t b;
    saml_reply_reader_t rd;
    apr_status_t rv;
    const char *ok = expect == SAML_MEMCACHE_EXPECT_STORE ? "STORED\r\n" : "DELETED\r\n";
    const char *no = expect == SAML_MEMCACHE_EXPECT_STORE ? "NOT_STORED\r\n" : "NOT_FOUND\r\n";

    saml_reply_buffer_init(&b, &rd, p, (const char *)data, size);
    rv = saml_memcache_line_read(&rd, expect);
    if (rv == APR_SUCCESS && (!starts(data, size, ok) || b.pos != strlen(ok)))
        fuzz_violation("saml_memcache_line_read", "success without the exact word");
    if ((rv == APR_EEXIST || rv == APR_NOTFOUND) &&
        (!starts(data, size, no) || b.pos != strlen(no) ||
         rv != (expect == SAML_MEMCACHE_EXPECT_STORE ? APR_EEXIST : APR_NOTFOUND)))
        fuzz_violation("saml_memcache_line_read", "negative answer without the exact word");
    if (rv != APR_SUCCESS && rv != APR_EEXIST && rv != APR_NOTFOUND && !known(rv))
        fuzz_violation("saml_memcache_line_read", "unknown status");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;

    if (size < 1)
        return 0;
    p = fuzz_input_pool();
    switch (data[0] % 3) {
    case 0:
        check_get(data + 1, size - 1, p);
        break;
    case 1:
        check_line(data + 1, size - 1, SAML_MEMCACHE_EXPECT_STORE, p);
        break;
    default:
        check_line(data + 1, size - 1, SAML_MEMCACHE_EXPECT_DELETE, p);
        break;
    }
    apr_pool_destroy(p);
    return 0;
}
