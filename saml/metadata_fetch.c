/* The https GET of an IdP's federation metadata, through libcurl (Debian's
 * libcurl4-openssl-dev: a well-kept client on the OpenSSL we already link,
 * with host name checking and CA handling we do not have to write). Trust in
 * the document comes from this connection: the peer certificate verified,
 * the host name checked, https only (also for redirects, which are not
 * followed anyway), a short overall timeout so a slow server cannot hold the
 * refresh, and a size cap enforced while reading. */
#include "saml/metadata_fetch.h"

#include <apr_strings.h>
#include <curl/curl.h>
#include <string.h>
#include <strings.h>

typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap, max;
    int too_large;
} body_t;

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    body_t *b = arg;
    apr_size_t add = size * n;

    if (add > b->max - b->len) {         /* stop at the cap: curl aborts on a short count */
        b->too_large = 1;
        return 0;
    }
    if (b->len + add + 1 > b->cap) {
        apr_size_t cap = b->cap ? b->cap : 16384;
        char *nb;
        while (cap < b->len + add + 1)
            cap *= 2;
        nb = apr_palloc(b->p, cap);
        if (b->len)
            memcpy(nb, b->buf, b->len);
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, data, add);
    b->len += add;
    b->buf[b->len] = '\0';
    return add;
}

void saml_metadata_fetch_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

apr_status_t saml_metadata_fetch(apr_pool_t *p, const char *url, const saml_fetch_options_t *o,
                                 char **body, apr_size_t *len, saml_err_t *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    body_t b = { p, NULL, 0, 0, 0, 0 };
    long timeout = o && o->timeout_ms > 0 ? o->timeout_ms : SAML_METADATA_FETCH_TIMEOUT_MS;
    long status = 0;
    CURLcode rc;
    CURL *h;

    b.max = o && o->max_bytes ? o->max_bytes : SAML_METADATA_FETCH_MAX_BYTES;
    if (url == NULL || strncasecmp(url, "https://", 8) != 0)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-url",
                         "%s is not an https URL; metadata is trusted only over verified TLS",
                         url ? saml_log_escape(p, url, 200) : "(none)");
    h = curl_easy_init();
    if (h == NULL)
        return saml_fail(p, err, SAML_EINTERNAL, "metadata-fetch", "curl_easy_init failed");
    curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (o && o->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);         /* we run in a thread of httpd */
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)b.max);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mod_sequr_saml metadata refresh");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);

    if (b.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return saml_fail(p, err, SAML_ETOOLARGE, "metadata-size",
                         "%s: the answer is over %" APR_SIZE_T_FMT " bytes",
                         saml_log_escape(p, url, 200), b.max);
    if (rc != CURLE_OK)
        return saml_fail(p, err, SAML_EUNAVAILABLE, "metadata-fetch", "%s: %s",
                         saml_log_escape(p, url, 200),
                         *errbuf ? saml_log_escape(p, errbuf, 200) : curl_easy_strerror(rc));
    if (status != 200)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-http", "%s answered HTTP %ld",
                         saml_log_escape(p, url, 200), status);
    if (b.len == 0)
        return saml_fail(p, err, SAML_EMALFORMED, "metadata", "%s: empty answer",
                         saml_log_escape(p, url, 200));
    *body = b.buf;
    *len = b.len;
    return APR_SUCCESS;
}
