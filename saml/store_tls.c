/* TLS client for the farm stores. See store_tls.h.
 *
 * OpenSSL's error queue is per thread and shared with mod_ssl in the same
 * process: it is cleared before each operation and after each failure, so
 * neither reads the other's errors. */
#include "saml/store_tls.h"

#include <apr_strings.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "saml/store_net.h"

struct saml_tls_client {
    SSL_CTX *ctx;
};

struct saml_tls_session {
    SSL *ssl;
    int fd;
};

static apr_status_t ctx_free(void *data)
{
    SSL_CTX_free(((saml_tls_client_t *)data)->ctx);
    return APR_SUCCESS;
}

static apr_status_t ssl_free(void *data)
{
    SSL_free(((saml_tls_session_t *)data)->ssl);
    return APR_SUCCESS;
}

/* The last OpenSSL error as text, and an empty queue. */
static const char *openssl_reason(char *buf, apr_size_t len)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    apr_cpystrn(buf, r ? r : (e ? "unknown OpenSSL error" : "no OpenSSL error"), len);
    ERR_clear_error();
    return buf;
}

apr_status_t saml_tls_client_make(apr_pool_t *p, const char *ca_file, const char *cert_file,
                                  const char *key_file, saml_tls_client_t **out,
                                  saml_err_t *err)
{
    saml_tls_client_t *t = apr_pcalloc(p, sizeof(*t));
    char why[200];

    if ((cert_file == NULL) != (key_file == NULL))
        return saml_fail(p, err, APR_EINVAL, "store-tls", "a client certificate needs both "
                         "a certificate file and a key file (%s given)",
                         cert_file ? cert_file : key_file);
    ERR_clear_error();
    if ((t->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
        return saml_fail(p, err, SAML_EINTERNAL, "store-tls", "cannot make a TLS context: %s",
                         openssl_reason(why, sizeof(why)));
    apr_pool_cleanup_register(p, t, ctx_free, apr_pool_cleanup_null);
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    /* An idle connection the server closed without close_notify is an
     * ordinary end of stream (then retried on a fresh connection), not a
     * protocol error. */
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    /* A write retried after WANT_WRITE is the same bytes from our stack copy. */
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (ca_file) {
        if (SSL_CTX_load_verify_locations(t->ctx, ca_file, NULL) != 1)
            return saml_fail(p, err, APR_EINVAL, "store-tls", "cannot read CA certificates "
                             "from %s: %s", ca_file, openssl_reason(why, sizeof(why)));
    }
    else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1)
        return saml_fail(p, err, APR_EINVAL, "store-tls", "cannot use the system CA store: %s",
                         openssl_reason(why, sizeof(why)));
    if (cert_file) {
        if (SSL_CTX_use_certificate_chain_file(t->ctx, cert_file) != 1)
            return saml_fail(p, err, APR_EINVAL, "store-tls", "cannot read the client "
                             "certificate %s: %s", cert_file, openssl_reason(why, sizeof(why)));
        if (SSL_CTX_use_PrivateKey_file(t->ctx, key_file, SSL_FILETYPE_PEM) != 1)
            return saml_fail(p, err, APR_EINVAL, "store-tls", "cannot read the client key "
                             "%s: %s", key_file, openssl_reason(why, sizeof(why)));
        if (SSL_CTX_check_private_key(t->ctx) != 1)
            return saml_fail(p, err, APR_EINVAL, "store-tls", "the client key %s does not "
                             "belong to the certificate %s", key_file, cert_file);
    }
    ERR_clear_error();
    *out = t;
    return APR_SUCCESS;
}

/* Wait until fd is ready for what OpenSSL asked, before deadline. */
static apr_status_t wait_for(int fd, int ssl_error, apr_time_t deadline)
{
    for (;;) {
        struct pollfd pfd;
        apr_time_t left = deadline - apr_time_now();
        int ready;
        if (left <= 0)
            return APR_TIMEUP;
        pfd.fd = fd;
        pfd.events = ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
        pfd.revents = 0;
        ready = poll(&pfd, 1, (int)((left + 999) / 1000));
        if (ready > 0)
            return APR_SUCCESS;
        if (ready == 0)
            return APR_TIMEUP;
        if (errno != EINTR)
            return APR_FROM_OS_ERROR(errno);
    }
}

static int is_ip_address(const char *host)
{
    /* a2i_IPADDRESS understands both families. */
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);
    if (ip == NULL)
        return 0;
    ASN1_OCTET_STRING_free(ip);
    return 1;
}

apr_status_t saml_tls_connect(const saml_tls_client_t *t, apr_pool_t *p, int fd,
                              const char *host, apr_interval_time_t timeout,
                              saml_tls_session_t **out, char *why, apr_size_t whylen)
{
    saml_tls_session_t *s = apr_pcalloc(p, sizeof(*s));
    apr_time_t deadline = apr_time_now() + timeout;

    ERR_clear_error();
    if ((s->ssl = SSL_new(t->ctx)) == NULL) {
        openssl_reason(why, whylen);
        return SAML_EINTERNAL;
    }
    apr_pool_cleanup_register(p, s, ssl_free, apr_pool_cleanup_null);
    s->fd = fd;
    SSL_set_fd(s->ssl, fd);
    if (is_ip_address(host)) {
        /* No SNI for an address (RFC 6066); the certificate must name it. */
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), host) != 1) {
            openssl_reason(why, whylen);
            return SAML_EINTERNAL;
        }
    }
    else if (SSL_set_tlsext_host_name(s->ssl, host) != 1 || SSL_set1_host(s->ssl, host) != 1) {
        openssl_reason(why, whylen);
        return SAML_EINTERNAL;
    }
    for (;;) {
        int rc = SSL_connect(s->ssl), e;
        apr_status_t rv;
        if (rc == 1)
            break;
        e = SSL_get_error(s->ssl, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if ((rv = wait_for(fd, e, deadline)) != APR_SUCCESS) {
                apr_cpystrn(why, rv == APR_TIMEUP ? "TLS handshake timed out"
                                                  : "TLS handshake: poll failed", whylen);
                ERR_clear_error();
                return rv;
            }
            continue;
        }
        {
            long vr = SSL_get_verify_result(s->ssl);
            char reason[160];
            if (vr != X509_V_OK) {
                apr_snprintf(why, whylen, "TLS handshake: server certificate refused: %s",
                             X509_verify_cert_error_string(vr));
                ERR_clear_error();
            }
            else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
                apr_snprintf(why, whylen, "TLS handshake: connection closed by the server "
                             "(not a TLS port, or it wants a client certificate)");
            else
                apr_snprintf(why, whylen, "TLS handshake: %s",
                             openssl_reason(reason, sizeof(reason)));
        }
        return APR_ECONNABORTED;
    }
    *out = s;
    return APR_SUCCESS;
}

apr_status_t saml_tls_read(saml_tls_session_t *s, char *buf, apr_size_t *len,
                           apr_interval_time_t timeout)
{
    apr_time_t deadline = apr_time_now() + timeout;
    apr_size_t want = *len;
    size_t got = 0;

    *len = 0;
    ERR_clear_error();
    for (;;) {
        int rc = SSL_read_ex(s->ssl, buf, want, &got), e;
        apr_status_t rv;
        if (rc == 1) {
            *len = got;
            return APR_SUCCESS;
        }
        e = SSL_get_error(s->ssl, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if ((rv = wait_for(s->fd, e, deadline)) != APR_SUCCESS)
                return rv;
            continue;
        }
        if (e == SSL_ERROR_SSL) {
            char reason[160];
            saml_net_why("TLS: %s", openssl_reason(reason, sizeof(reason)));
        }
        ERR_clear_error();
        if (e == SSL_ERROR_ZERO_RETURN)
            return APR_EOF;
        if (e == SSL_ERROR_SYSCALL && errno != 0)
            return APR_FROM_OS_ERROR(errno);
        return e == SSL_ERROR_SYSCALL ? APR_EOF : APR_ECONNABORTED;
    }
}

apr_status_t saml_tls_write(saml_tls_session_t *s, const char *buf, apr_size_t len,
                            apr_interval_time_t timeout)
{
    apr_time_t deadline = apr_time_now() + timeout;
    apr_status_t rv = APR_SUCCESS;
    sigset_t pipe_set, old, pending;
    int was_pending;

    /* OpenSSL writes with send() without MSG_NOSIGNAL: a server that closed
     * the connection would raise SIGPIPE. Block it in this thread for the
     * write and swallow one raised here, leaving one already pending alone. */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE);
    ERR_clear_error();
    while (len > 0) {
        size_t sent = 0;
        int rc = SSL_write_ex(s->ssl, buf, len, &sent), e;
        if (rc == 1) {
            buf += sent;
            len -= sent;
            continue;
        }
        e = SSL_get_error(s->ssl, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if ((rv = wait_for(s->fd, e, deadline)) != APR_SUCCESS)
                break;
            continue;
        }
        rv = e == SSL_ERROR_SYSCALL && errno != 0 ? APR_FROM_OS_ERROR(errno) : APR_ECONNABORTED;
        if (e == SSL_ERROR_SSL) {
            char reason[160];
            saml_net_why("TLS: %s", openssl_reason(reason, sizeof(reason)));
        }
        ERR_clear_error();
        break;
    }
    if (!was_pending) {
        struct timespec zero = { 0, 0 };
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE))
            sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rv;
}

int saml_tls_pending(const saml_tls_session_t *s)
{
    return SSL_pending(s->ssl);
}
