/* The request body of a POST to our endpoints, read whole within a limit. */
#include "apache/request_body.h"

#include "apr_strings.h"
#include "http_protocol.h"

int sequr_read_body(request_rec *r, apr_off_t max, char **body, apr_size_t *len)
{
    apr_size_t used = 0, cap = 8192;
    char *buf;
    long n;
    int rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);

    if (rc != OK)
        return rc;
    if (r->remaining > max)
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    if (!ap_should_client_block(r)) {
        *body = apr_pstrdup(r->pool, "");
        *len = 0;
        return OK;
    }
    buf = apr_palloc(r->pool, cap + 1);
    for (;;) {
        if (used == cap) {
            char *bigger;
            if ((apr_off_t)cap > max)
                return HTTP_REQUEST_ENTITY_TOO_LARGE;
            bigger = apr_palloc(r->pool, cap * 2 + 1);
            memcpy(bigger, buf, used);
            buf = bigger;
            cap *= 2;
        }
        n = ap_get_client_block(r, buf + used, cap - used);
        if (n < 0)
            return HTTP_BAD_REQUEST;
        if (n == 0)
            break;
        used += (apr_size_t)n;
        if ((apr_off_t)used > max)
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
    buf[used] = '\0';
    *body = buf;
    *len = used;
    return OK;
}
