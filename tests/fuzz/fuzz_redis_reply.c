/* Redis (RESP2) replies as the cache client reads them (redis_reply.h): the
 * first byte picks what the command expects (a value, +OK, +OK or nil, a
 * count), the rest is what a hostile or broken server sends, read reply
 * after reply as on a pipelined connection. No crash; success only for a
 * reply of the expected type, with exactly the bytes it announced; a value
 * handed out only with success; an error reply's text is the line's own
 * (truncated, terminated) and its kind is the one its first word names. */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <string.h>

#include "saml/error.h"
#include "saml/redis_reply.h"
#include "saml/store_net.h"

#define MAX_VALUE 4096

static int starts(const uint8_t *at, size_t left, const char *prefix)
{
    size_t n = strlen(prefix);
    return left >= n && !memcmp(at, prefix, n);
}

/* An error reply: the text is the start of the line after '-', within
 * bounds, and the kind is what its first word says. */
static void check_error(const saml_redis_reply_t *r, const uint8_t *here, size_t left)
{
    size_t n = strnlen(r->error_text, sizeof(r->error_text));
    const uint8_t *cr = memchr(here, '\r', left);
    size_t line = cr ? (size_t)(cr - here) - 1 : 0;

    if (n == sizeof(r->error_text))
        fuzz_violation("saml_redis_reply_read", "error text not terminated");
    if (cr == NULL || n > line || n > SAML_REDIS_ERROR_TEXT_MAX
        || memcmp(r->error_text, here + 1, n)
        || (n < line && n < SAML_REDIS_ERROR_TEXT_MAX))
        fuzz_violation("saml_redis_reply_read", "error text is not the line sent");
    if (r->error != saml_redis_error_kind(r->error_text))
        fuzz_violation("saml_redis_reply_read", "error kind is not the text's");
    if (r->error == SAML_REDIS_E_WRONGPASS && strncmp(r->error_text, "WRONGPASS", 9))
        fuzz_violation("saml_redis_error_kind", "WRONGPASS without its word");
    if (saml_redis_error_meaning(r->error) == NULL)
        fuzz_violation("saml_redis_error_meaning", "no meaning");
}

static void check_reply(const uint8_t *data, size_t size, saml_redis_expect_t expect,
                        apr_pool_t *p)
{
    saml_reply_buffer_t b;
    saml_reply_reader_t rd;
    saml_redis_reply_t r;
    apr_status_t rv;

    saml_reply_buffer_init(&b, &rd, p, (const char *)data, size);
    for (;;) {
        size_t at = b.pos;
        const uint8_t *here = data + at;
        size_t left = size - at;
        char num[32];

        rv = saml_redis_reply_read(&rd, expect, MAX_VALUE, p, &r);
        if (rv != APR_SUCCESS && r.value != NULL)
            fuzz_violation("saml_redis_reply_read", "a value handed out with a failure");
        if (rv == APR_NOTFOUND) {
            if (expect != SAML_REDIS_EXPECT_VALUE && expect != SAML_REDIS_EXPECT_OK_OR_NIL)
                fuzz_violation("saml_redis_reply_read", "nil accepted where it cannot be");
            if (!starts(here, left, "$-1\r\n"))
                fuzz_violation("saml_redis_reply_read", "not-found without a nil reply");
            continue;
        }
        if (rv != APR_SUCCESS) {
            if (rv != SAML_NET_EPROTO && rv != SAML_NET_EREMOTE && rv != SAML_ETOOLARGE &&
                rv != APR_EOF)
                fuzz_violation("saml_redis_reply_read", "unknown status");
            if (rv == SAML_NET_EREMOTE && !starts(here, left, "-"))
                fuzz_violation("saml_redis_reply_read", "remote error without an error reply");
            if (rv == SAML_NET_EREMOTE)
                check_error(&r, here, left);
            else if (r.error_text[0] != '\0')
                fuzz_violation("saml_redis_reply_read", "error text without an error reply");
            return;
        }
        switch (expect) {
        case SAML_REDIS_EXPECT_VALUE:
            snprintf(num, sizeof(num), "$%zu\r\n", (size_t)r.len);
            if (r.value == NULL || r.len > MAX_VALUE || r.value[r.len] != '\0' ||
                !starts(here, left, num) || left < strlen(num) + r.len + 2 ||
                memcmp(here + strlen(num), r.value, r.len) ||
                b.pos != at + strlen(num) + r.len + 2)
                fuzz_violation("saml_redis_reply_read", "value is not the bulk string sent");
            break;
        case SAML_REDIS_EXPECT_OK:
        case SAML_REDIS_EXPECT_OK_OR_NIL:
            if (!starts(here, left, "+OK\r\n") || b.pos != at + 5 || r.value)
                fuzz_violation("saml_redis_reply_read", "success without +OK");
            break;
        case SAML_REDIS_EXPECT_COUNT:
            snprintf(num, sizeof(num), ":%lld\r\n", r.count);
            if (r.count < 0 || !starts(here, left, num) || b.pos != at + strlen(num) || r.value)
                fuzz_violation("saml_redis_reply_read", "count is not the integer sent");
            break;
        }
        fuzz_trace("reply %d: ok", (int)expect);
    }
}

/* The whole input as one first line: whatever parses prints back the same. */
static void check_head(const uint8_t *data, size_t size)
{
    saml_redis_head_t h;
    char again[40];

    if (saml_redis_head_parse((const char *)data, size, &h) != APR_SUCCESS)
        return;
    if (memchr(data, '\0', size))
        fuzz_violation("saml_redis_head_parse", "a line with NUL accepted");
    switch (h.type) {
    case SAML_REDIS_INTEGER:
        snprintf(again, sizeof(again), ":%lld", h.integer);
        break;
    case SAML_REDIS_BULK:
        snprintf(again, sizeof(again), "$%lld", h.bulk_len);
        break;
    case SAML_REDIS_NIL:
        snprintf(again, sizeof(again), "$-1");
        break;
    default:
        return;
    }
    if (strlen(again) != size || memcmp(again, data, size))
        fuzz_violation("saml_redis_head_parse", "number does not print back the same");
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
    check_reply(data + 1, size - 1, (saml_redis_expect_t)(data[0] % 4), p);
    check_head(data + 1, size - 1);
    apr_pool_destroy(p);
    return 0;
}
