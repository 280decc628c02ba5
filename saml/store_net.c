/* Connections to the servers of a farm store. See store_net.h for the rules;
 * the why of the less obvious parts is here.
 *
 * Each connection has its own unmanaged pool (its own allocator): connections
 * are made and dropped by whichever request thread needs one, and a pool
 * shared between threads would need a lock around every allocation. Only the
 * idle list is shared, under one mutex per server. */
#include "saml/store_net.h"
#include "saml/store.h"
#include "saml/store_error.h"
#include "saml/store_tls.h"

#include <apr_network_io.h>
#include <apr_strings.h>
#include <apr_portable.h>
#include <apr_thread_mutex.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define CONN_BUF       16384
#define IDLE_MAX       16
#define WRITEV_MAX     8

struct saml_net_server {
    const char *host;
    apr_port_t port;
    const char *name;
    apr_interval_time_t timeout;
#if APR_HAS_THREADS
    apr_thread_mutex_t *lock;
#endif
    pid_t owner;                  /* process whose connections are on the idle list */
    saml_net_conn_t *idle;
    int idle_count;
    apr_time_t down_until;        /* no connect attempt before this */
    apr_status_t down_status;     /* what the last failed connect said */
    char down_why[256];           /* and why, for the requests it turns away */
    const saml_tls_client_t *tls; /* NULL: plain TCP */
    saml_net_exchange_fn hello;   /* run on each new connection first (AUTH) */
    void *hello_ctx;
};

struct saml_net_conn {
    saml_net_server_t *srv;
    apr_pool_t *pool;
    apr_socket_t *sock;
    saml_tls_session_t *tls;      /* over sock, or NULL */
    saml_net_conn_t *next;
    int reused;                   /* came from the idle list */
    int got_bytes;                /* the current exchange has read something */
    apr_size_t start, end;        /* unread bytes are buf[start..end) */
    char buf[CONN_BUF + 1];
};

/* Why the exchange running on this thread failed, as the exchange or the
 * connection saw it; saml_net_call adds the server's name. */
static __thread char why_buf[256];

void saml_net_why(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
    va_end(ap);
}

int saml_net_why_is_set(void)
{
    return why_buf[0] != '\0';
}

static void lock(saml_net_server_t *s)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(s->lock);
#else
    (void)s;
#endif
}

static void unlock(saml_net_server_t *s)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(s->lock);
#else
    (void)s;
#endif
}

static void conn_close(saml_net_conn_t *c)
{
    apr_pool_destroy(c->pool);   /* closes the socket */
}

/* Called with the lock held. Sockets inherited from the process that forked
 * us are the parent's conversation: never speak on them. */
static void forget_inherited(saml_net_server_t *s)
{
    pid_t me = getpid();
    if (s->owner == me)
        return;
    while (s->idle) {
        saml_net_conn_t *c = s->idle;
        s->idle = c->next;
        conn_close(c);
    }
    s->idle_count = 0;
    s->down_until = 0;
    s->owner = me;
}

static apr_status_t close_idle(void *data)
{
    saml_net_server_t *s = data;
    while (s->idle) {
        saml_net_conn_t *c = s->idle;
        s->idle = c->next;
        conn_close(c);
    }
    s->idle_count = 0;
    return APR_SUCCESS;
}

static apr_status_t conn_open(saml_net_server_t *s, saml_net_conn_t **out)
{
    apr_pool_t *cp = NULL;
    apr_sockaddr_t *sa;
    saml_net_conn_t *c;
    apr_status_t rv;

    if ((rv = apr_pool_create_unmanaged_ex(&cp, NULL, NULL)) != APR_SUCCESS)
        return rv;
    c = apr_palloc(cp, sizeof(*c));
    c->srv = s;
    c->pool = cp;
    c->sock = NULL;
    c->tls = NULL;
    c->next = NULL;
    c->reused = 0;
    c->got_bytes = 0;
    c->start = c->end = 0;
    /* Resolved here, at each new connection, never cached: a cloud cache's
     * name that moves to another address (failover) is followed. */
    rv = apr_sockaddr_info_get(&sa, s->host, APR_UNSPEC, s->port, 0, cp);
    if (rv != APR_SUCCESS)
        saml_net_why("cannot resolve %s", s->host);
    /* Every address the name has, in order, until one answers. */
    for (; rv == APR_SUCCESS && sa; sa = sa->next) {
        rv = apr_socket_create(&c->sock, sa->family, SOCK_STREAM, APR_PROTO_TCP, cp);
        if (rv != APR_SUCCESS)
            continue;
        apr_socket_opt_set(c->sock, APR_TCP_NODELAY, 1);
        apr_socket_timeout_set(c->sock, s->timeout);
        rv = apr_socket_connect(c->sock, sa);
        if (rv == APR_SUCCESS)
            break;
        {
            char buf[120];
            saml_net_why("connect: %s", APR_STATUS_IS_TIMEUP(rv) ? "timed out"
                                        : apr_strerror(rv, buf, sizeof(buf)));
        }
        apr_socket_close(c->sock);
    }
    if (rv == APR_SUCCESS && s->tls) {
        apr_os_sock_t fd;
        char why[200];
        apr_os_sock_get(&fd, c->sock);
        rv = saml_tls_connect(s->tls, cp, fd, s->host, s->timeout, &c->tls, why, sizeof(why));
        if (rv != APR_SUCCESS)
            saml_net_why("%s", why);
    }
    /* AUTH before any command, on every new connection. */
    if (rv == APR_SUCCESS && s->hello)
        rv = s->hello(c, s->hello_ctx);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(cp);
        return rv;
    }
    *out = c;
    return APR_SUCCESS;
}

static apr_status_t acquire(saml_net_server_t *s, int fresh, saml_net_conn_t **out)
{
    apr_time_t now = apr_time_now();
    apr_status_t rv;

    lock(s);
    forget_inherited(s);
    if (!fresh && s->idle) {
        *out = s->idle;
        s->idle = (*out)->next;
        s->idle_count--;
        unlock(s);
        (*out)->reused = 1;
        return APR_SUCCESS;
    }
    if (now < s->down_until) {
        rv = s->down_status;
        saml_net_why("%s (not tried again for %" APR_TIME_T_FMT " ms)", s->down_why,
                     apr_time_as_msec(s->down_until - now));
        unlock(s);
        return rv;
    }
    unlock(s);

    rv = conn_open(s, out);
    if (rv != APR_SUCCESS) {
        lock(s);
        s->down_until = apr_time_now() + s->timeout;
        s->down_status = rv;
        apr_cpystrn(s->down_why, why_buf, sizeof(s->down_why));
        unlock(s);
    }
    return rv;
}

static void release(saml_net_server_t *s, saml_net_conn_t *c, int keep)
{
    lock(s);
    /* Leftover bytes mean we lost track of the protocol: drop it. */
    if (keep && c->start == c->end && !(c->tls && saml_tls_pending(c->tls))
        && s->idle_count < IDLE_MAX && s->owner == getpid()) {
        c->next = s->idle;
        s->idle = c;
        s->idle_count++;
        c = NULL;
    }
    unlock(s);
    if (c)
        conn_close(c);
}

static int is_answer(apr_status_t rv)
{
    return rv == APR_SUCCESS || rv == APR_NOTFOUND || rv == APR_EEXIST;
}

apr_status_t saml_net_call(saml_net_server_t *s, saml_net_exchange_fn fn, void *ctx)
{
    saml_net_conn_t *c = NULL;
    apr_status_t rv = APR_SUCCESS;
    int attempt, retry;

    why_buf[0] = '\0';
    for (attempt = 0; attempt < 2; attempt++) {
        if ((rv = acquire(s, attempt > 0, &c)) != APR_SUCCESS)
            break;
        c->got_bytes = 0;
        c->start = c->end = 0;
        rv = fn(c, ctx);
        /* A pooled connection the server closed meanwhile fails at once and
         * unanswered; a timeout or a half-read answer is not worth a retry. */
        retry = !is_answer(rv) && c->reused && !c->got_bytes && !APR_STATUS_IS_TIMEUP(rv)
                && rv != SAML_ETOOLARGE && rv != SAML_NET_EPROTO && rv != SAML_NET_EREMOTE;
        release(s, c, is_answer(rv));
        if (!retry)
            break;
        why_buf[0] = '\0';
    }
    if (!is_answer(rv)) {
        char buf[120];
        saml_store_error_note(rv, "cache server %s: %s", s->name,
                              why_buf[0] ? why_buf
                              : APR_STATUS_IS_TIMEUP(rv) ? "no answer within the timeout"
                              : apr_strerror(rv, buf, sizeof(buf)));
    }
    return rv;
}

/* sendmsg with MSG_NOSIGNAL rather than apr_socket_sendv: a cache server that
 * closed the connection must cost us EPIPE, not a SIGPIPE that kills a host
 * process which did not ignore it. The socket is non-blocking (APR's timeout
 * mode), so wait for room with poll. */
static apr_status_t send_some(saml_net_conn_t *c, struct iovec *v, int n, apr_size_t *sent)
{
    apr_os_sock_t fd;
    struct msghdr msg;
    ssize_t got;

    apr_os_sock_get(&fd, c->sock);
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = v;
    msg.msg_iovlen = (size_t)n;
    for (;;) {
        struct pollfd pfd;
        int ready;
        got = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (got >= 0) {
            *sent = (apr_size_t)got;
            return APR_SUCCESS;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return APR_FROM_OS_ERROR(errno);
        pfd.fd = fd;
        pfd.events = POLLOUT;
        pfd.revents = 0;
        ready = poll(&pfd, 1, (int)apr_time_as_msec(c->srv->timeout));
        if (ready == 0)
            return APR_TIMEUP;
        if (ready < 0 && errno != EINTR)
            return APR_FROM_OS_ERROR(errno);
    }
}

apr_status_t saml_net_writev(saml_net_conn_t *c, const struct iovec *vec, int n)
{
    struct iovec v[WRITEV_MAX];
    int first = 0;

    if (n > WRITEV_MAX)
        return APR_EINVAL;
    if (c->tls) {
        /* One TLS record for a small command rather than one per piece. */
        char joined[4096];
        apr_size_t total = 0;
        int i;
        for (i = 0; i < n; i++)
            total += vec[i].iov_len;
        if (total <= sizeof(joined)) {
            for (total = 0, i = 0; i < n; i++) {
                memcpy(joined + total, vec[i].iov_base, vec[i].iov_len);
                total += vec[i].iov_len;
            }
            return saml_tls_write(c->tls, joined, total, c->srv->timeout);
        }
        for (i = 0; i < n; i++) {
            apr_status_t rv = saml_tls_write(c->tls, vec[i].iov_base, vec[i].iov_len,
                                             c->srv->timeout);
            if (rv != APR_SUCCESS)
                return rv;
        }
        return APR_SUCCESS;
    }
    memcpy(v, vec, sizeof(*v) * (size_t)n);
    while (first < n) {
        apr_size_t sent = 0;
        apr_status_t rv = send_some(c, v + first, n - first, &sent);
        if (rv != APR_SUCCESS)
            return rv;
        while (first < n && sent >= v[first].iov_len) {
            sent -= v[first].iov_len;
            first++;
        }
        if (first < n) {
            v[first].iov_base = (char *)v[first].iov_base + sent;
            v[first].iov_len -= sent;
        }
    }
    return APR_SUCCESS;
}

/* Read more into the buffer (compacting it first). */
static apr_status_t fill(saml_net_conn_t *c)
{
    apr_size_t len;
    apr_status_t rv;

    if (c->start > 0) {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    if (c->end == CONN_BUF)
        return SAML_NET_EPROTO;
    len = CONN_BUF - c->end;
    rv = c->tls ? saml_tls_read(c->tls, c->buf + c->end, &len, c->srv->timeout)
                : apr_socket_recv(c->sock, c->buf + c->end, &len);
    if (len > 0) {
        c->got_bytes = 1;
        c->end += len;
        return APR_SUCCESS;
    }
    return rv == APR_SUCCESS ? APR_EOF : rv;
}

apr_status_t saml_net_read_line(saml_net_conn_t *c, char **line, apr_size_t *len)
{
    apr_size_t scanned = 0;
    apr_status_t rv;

    for (;;) {
        char *from = c->buf + c->start + scanned;
        apr_size_t avail = c->end - c->start - scanned;
        char *cr = avail ? memchr(from, '\r', avail) : NULL;
        if (cr && cr + 1 < c->buf + c->end) {
            if (cr[1] != '\n')
                return SAML_NET_EPROTO;
            *cr = '\0';
            *line = c->buf + c->start;
            *len = (apr_size_t)(cr - *line);
            c->start = (apr_size_t)(cr + 2 - c->buf);
            return APR_SUCCESS;
        }
        /* Keep a lone trailing CR for the next round. */
        scanned = cr ? (apr_size_t)(cr - (c->buf + c->start)) : c->end - c->start;
        if ((rv = fill(c)) != APR_SUCCESS)
            return rv;
    }
}

/* Copy the next n bytes to dst (NULL: discard). */
static apr_status_t read_exactly(saml_net_conn_t *c, char *dst, apr_size_t n)
{
    while (n > 0) {
        apr_size_t take;
        apr_status_t rv;
        if (c->start == c->end && (rv = fill(c)) != APR_SUCCESS)
            return rv;
        take = c->end - c->start;
        if (take > n)
            take = n;
        if (dst) {
            memcpy(dst, c->buf + c->start, take);
            dst += take;
        }
        c->start += take;
        n -= take;
    }
    return APR_SUCCESS;
}

static apr_status_t read_crlf(saml_net_conn_t *c)
{
    char crlf[2];
    apr_status_t rv = read_exactly(c, crlf, 2);
    if (rv != APR_SUCCESS)
        return rv;
    return crlf[0] == '\r' && crlf[1] == '\n' ? APR_SUCCESS : SAML_NET_EPROTO;
}

apr_status_t saml_net_read_block(saml_net_conn_t *c, apr_pool_t *p, apr_size_t n, char **out)
{
    char *v = apr_palloc(p, n + 1);
    apr_status_t rv = read_exactly(c, v, n);
    if (rv != APR_SUCCESS || (rv = read_crlf(c)) != APR_SUCCESS)
        return rv;
    v[n] = '\0';
    *out = v;
    return APR_SUCCESS;
}

apr_status_t saml_net_skip_block(saml_net_conn_t *c, apr_size_t n)
{
    apr_status_t rv = read_exactly(c, NULL, n);
    return rv != APR_SUCCESS ? rv : read_crlf(c);
}

static apr_status_t reader_line(void *ctx, char **line, apr_size_t *len)
{
    return saml_net_read_line(ctx, line, len);
}

static apr_status_t reader_block(void *ctx, apr_pool_t *p, apr_size_t n, char **out)
{
    return out ? saml_net_read_block(ctx, p, n, out) : saml_net_skip_block(ctx, n);
}

void saml_net_reader(saml_net_conn_t *c, saml_reply_reader_t *rd)
{
    rd->line = reader_line;
    rd->block = reader_block;
    rd->ctx = c;
}

/* ---- configuration ---------------------------------------------------------- */

static apr_status_t server_make(apr_pool_t *p, const char *host, apr_port_t port,
                                apr_interval_time_t timeout, saml_net_server_t **out)
{
    saml_net_server_t *s = apr_pcalloc(p, sizeof(*s));
    s->host = host;
    s->port = port;
    s->name = apr_psprintf(p, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
    s->timeout = timeout > 0 ? timeout : SAML_NET_DEFAULT_TIMEOUT;
    s->owner = getpid();
#if APR_HAS_THREADS
    {
        apr_status_t rv = apr_thread_mutex_create(&s->lock, APR_THREAD_MUTEX_DEFAULT, p);
        if (rv != APR_SUCCESS)
            return rv;
    }
#endif
    apr_pool_cleanup_register(p, s, close_idle, apr_pool_cleanup_null);
    *out = s;
    return APR_SUCCESS;
}

apr_status_t saml_net_servers_parse(apr_pool_t *p, const char *spec, apr_port_t default_port,
                                    apr_interval_time_t timeout, apr_array_header_t **out,
                                    saml_err_t *err)
{
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(saml_net_server_t *));
    char *copy, *item, *state = NULL;

    if (spec == NULL || *spec == '\0')
        return saml_fail(p, err, APR_EINVAL, "store-servers", "no server given (HOST:PORT)");
    copy = apr_pstrdup(p, spec);
    if (copy[strlen(copy) - 1] == ',' || *copy == ',' || strstr(copy, ",,"))
        return saml_fail(p, err, APR_EINVAL, "store-servers", "empty item in '%s'",
                         saml_log_escape(p, spec, 200));
    for (item = apr_strtok(copy, ",", &state); item; item = apr_strtok(NULL, ",", &state)) {
        char *host = NULL, *scope = NULL;
        apr_port_t port = 0;
        saml_net_server_t *s;
        apr_status_t rv;

        if (strpbrk(item, " \t\r\n") || *item == ':')
            return saml_fail(p, err, APR_EINVAL, "store-servers", "'%s' is not HOST:PORT",
                             saml_log_escape(p, item, 200));
        rv = apr_parse_addr_port(&host, &scope, &port, item, p);
        /* A bare IPv6 address would be read as host:port: brackets are required. */
        if (rv != APR_SUCCESS || host == NULL || scope != NULL || strchr(host, '%')
            || (strchr(host, ':') && *item != '['))
            return saml_fail(p, err, APR_EINVAL, "store-servers", "'%s' is not HOST:PORT",
                             saml_log_escape(p, item, 200));
        if ((rv = server_make(p, host, port ? port : default_port, timeout, &s)) != APR_SUCCESS)
            return saml_fail(p, err, rv, "store-servers", "cannot create a lock for %s", item);
        APR_ARRAY_PUSH(list, saml_net_server_t *) = s;
    }
    *out = list;
    return APR_SUCCESS;
}

void saml_net_servers_secure(const apr_array_header_t *servers, const saml_tls_client_t *tls,
                             saml_net_exchange_fn hello, void *hello_ctx)
{
    int i;
    for (i = 0; i < servers->nelts; i++) {
        saml_net_server_t *s = APR_ARRAY_IDX(servers, i, saml_net_server_t *);
        s->tls = tls;
        s->hello = hello;
        s->hello_ctx = hello_ctx;
    }
}

const char *saml_net_server_name(const saml_net_server_t *s)
{
    return s->name;
}

int saml_net_pick(const char *key, int n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    int64_t b = -1, j = 0;

    for (; *key; key++) {
        h ^= (unsigned char)*key;
        h *= 0x100000001b3ULL;
    }
    /* Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm". */
    while (j < n) {
        b = j;
        h = h * 2862933555777941757ULL + 1;
        j = (int64_t)((double)(b + 1) * ((double)(1LL << 31) / (double)((h >> 33) + 1)));
    }
    return (int)b;
}

saml_net_server_t *saml_net_server_for(const apr_array_header_t *servers, const char *key)
{
    return APR_ARRAY_IDX(servers, saml_net_pick(key, servers->nelts), saml_net_server_t *);
}

int saml_net_key_is_valid(const char *key)
{
    apr_size_t n = 0;

    for (; key[n]; n++)
        if ((unsigned char)key[n] <= 0x20 || (unsigned char)key[n] >= 0x7f)
            return 0;
    return n > 0 && n <= SAML_STORE_KEY_MAX;
}
