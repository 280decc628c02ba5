#include "apache/request.h"

#include "apr_strings.h"
#include "apr_uri.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_core.h"

#include "saml/cookie.h"
#include "apache/log.h"

APLOG_USE_MODULE(sequr_saml);

/* The last of the comma-separated values of header name: the one the proxy
 * next to us added; earlier ones came from further out, or from the client. */
static const char *last_forwarded(request_rec *r, const char *name)
{
    const char *v = apr_table_get(r->headers_in, name), *comma;
    if (v == NULL)
        return NULL;
    comma = strrchr(v, ',');
    v = comma ? comma + 1 : v;
    while (*v == ' ' || *v == '\t')
        v++;
    return apr_pstrndup(r->pool, v, strcspn(v, " \t"));
}

static int peer_is_trusted_proxy(request_rec *r, const sequr_server_conf_t *c)
{
    int i;
    /* The TCP peer, not a client address mod_remoteip may have put in its place. */
    for (i = 0; c->trusted_proxies && i < c->trusted_proxies->nelts; i++)
        if (apr_ipsubnet_test(APR_ARRAY_IDX(c->trusted_proxies, i, apr_ipsubnet_t *),
                              r->connection->client_addr))
            return 1;
    return 0;
}

/* Whether name (a host, no port) is this virtual host's ServerName or one of
 * its ServerAlias names (wildcards as Apache matches them). */
static int is_our_name(request_rec *r, const char *name)
{
    const server_rec *s = r->server;
    int i;

    if (s->server_hostname && !strcasecmp(name, s->server_hostname))
        return 1;
    for (i = 0; s->names && i < s->names->nelts; i++)
        if (!strcasecmp(name, APR_ARRAY_IDX(s->names, i, const char *)))
            return 1;
    for (i = 0; s->wild_names && i < s->wild_names->nelts; i++)
        if (!ap_strcasecmp_match(name, APR_ARRAY_IDX(s->wild_names, i, const char *)))
            return 1;
    return 0;
}

/* The host part of host[:port] or [v6]:port, as ServerName spells it. */
static const char *host_part(request_rec *r, const char *host)
{
    const char *end = host[0] == '[' ? strchr(host, ']') : strchr(host, ':');
    if (end == NULL)
        return host;
    return apr_pstrndup(r->pool, host, (apr_size_t)(end - host) + (host[0] == '[' ? 1 : 0));
}

/* scheme://host[:port] from a trusted proxy's X-Forwarded-Proto/Host, or
 * NULL: a host that is not a plain host[:port] is ignored, not trusted; so is
 * a host that is none of this virtual host's names. A proxy usually copies
 * its client's Host header into X-Forwarded-Host (mod_proxy does): trusting
 * the proxy is not trusting its clients, who could otherwise name any site
 * in our AuthnRequests and metadata. The port the proxy gives is its own. */
static const char *forwarded_base_url(request_rec *r, const sequr_server_conf_t *c)
{
    const char *host, *proto;

    if (!peer_is_trusted_proxy(r, c) || (host = last_forwarded(r, "X-Forwarded-Host")) == NULL)
        return NULL;
    if (*host == '\0' || strlen(host) > 255 ||
        host[strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")]) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, SEQLOGNO(01003) "X-Forwarded-Host %s from "
                      "trusted proxy %s is not a host[:port]: ignored", sequr_log_value(r, host),
                      r->connection->client_ip);
        return NULL;
    }
    if (!is_our_name(r, host_part(r, host))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, SEQLOGNO(01031) "X-Forwarded-Host %s from "
                      "trusted proxy %s is not a name of this server (ServerName %s or a "
                      "ServerAlias): ignored", sequr_log_value(r, host), r->connection->client_ip,
                      r->server->server_hostname ? r->server->server_hostname : "(none)");
        return NULL;
    }
    /* Spelled as the IdP will echo it back in Destination. */
    proto = last_forwarded(r, "X-Forwarded-Proto");
    if (proto && !strcasecmp(proto, "https"))
        proto = "https";
    else if (proto && !strcasecmp(proto, "http"))
        proto = "http";
    else
        proto = ap_http_scheme(r);
    return apr_pstrcat(r->pool, proto, "://", host, NULL);
}

/* What browsers and the IdP call us: the configured public base URL, else
 * what a trusted proxy says, else NULL (then Apache's own view). */
static const char *public_base_url(request_rec *r, const sequr_server_conf_t *c)
{
    return c->public_base_url ? c->public_base_url : forwarded_base_url(r, c);
}

/* scheme://ServerName[:port] of the virtual host that took the request, from
 * the configuration alone. Not ap_construct_url: under UseCanonicalName Off
 * (the default) it writes the client's Host header or absolute-form target,
 * and a client naming another site would get an AuthnRequest and metadata
 * naming that site. The port is ServerName's, else the local port the
 * connection arrived on (the socket's, not a header's). The Host the client
 * sent only chose among our virtual hosts (Apache's rule); a Host naming none
 * of them got the default one, whose configured name is used just the same. */
static const char *configured_base_url(request_rec *r)
{
    const server_rec *s = r->server;
    const char *scheme = ap_http_scheme(r);
    const char *host = s->server_hostname ? s->server_hostname : "localhost";
    apr_port_t port = s->port;

    if (port == 0 && r->connection->local_addr)
        port = r->connection->local_addr->port;
    if (strchr(host, ':') && host[0] != '[')        /* an IPv6 literal */
        host = apr_pstrcat(r->pool, "[", host, "]", NULL);
    if (port == 0 || port == apr_uri_port_of_scheme(scheme))
        return apr_pstrcat(r->pool, scheme, "://", host, NULL);
    return apr_psprintf(r->pool, "%s://%s:%u", scheme, host, (unsigned)port);
}

const char *sequr_endpoint_url(request_rec *r, const sequr_server_conf_t *c, const char *name)
{
    const char *path = apr_pstrcat(r->pool, sequr_endpoint_path(c), "/", name, NULL);
    const char *base = public_base_url(r, c);
    /* Behind a TLS terminator Apache sees http://internal:port; the IdP
     * addresses its answers to the public name, and so must we. */
    if (base == NULL)
        base = configured_base_url(r);
    return apr_pstrcat(r->pool, base, path, NULL);
}

int sequr_browser_uses_https(request_rec *r, const sequr_server_conf_t *c)
{
    const char *base = public_base_url(r, c);
    if (base)
        return !strncasecmp(base, "https:", 6);
    return !strcasecmp(ap_http_scheme(r), "https");
}

/* scheme://host:port of the public base URL, lower case and with the port
 * always written, so https://SSO.example.com and https://sso.example.com:443
 * are one site; NULL without the directive. */
static const char *public_origin(request_rec *r, const sequr_server_conf_t *c)
{
    apr_uri_t u;
    char *scheme, *host;
    unsigned port;

    if (c->public_base_url == NULL || apr_uri_parse(r->pool, c->public_base_url, &u) != APR_SUCCESS ||
        u.scheme == NULL || u.hostname == NULL)
        return NULL;
    port = u.port ? u.port : apr_uri_port_of_scheme(u.scheme);
    scheme = apr_pstrdup(r->pool, u.scheme);
    host = strchr(u.hostname, ':') ? apr_pstrcat(r->pool, "[", u.hostname, "]", NULL)
                                   : apr_pstrdup(r->pool, u.hostname);
    ap_str_tolower(scheme);
    ap_str_tolower(host);
    return apr_psprintf(r->pool, "%s://%s:%u", scheme, host, port);
}

const char *sequr_session_scope(request_rec *r, const sequr_server_conf_t *c)
{
    /* Behind one public name, farm nodes with their own ServerName and port
     * are one site: each must accept the sessions the others issued. */
    const char *origin = public_origin(r, c);
    if (origin)
        return apr_psprintf(r->pool, "%s|%s|%s", origin, sequr_cookie_name(c), c->sp_entity_id);
    return apr_psprintf(r->pool, "%s:%u|%s|%s", r->server->server_hostname ? r->server->server_hostname : "",
                        (unsigned)r->server->port, sequr_cookie_name(c), c->sp_entity_id);
}

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

typedef struct {
    const char *name;
    apr_array_header_t *values;
} cookie_scan_t;

static int collect_cookie(void *vscan, const char *key, const char *header)
{
    cookie_scan_t *scan = vscan;
    (void)key;
    saml_cookie_values(header, scan->name, scan->values);
    return 1;
}

static int has_cookie_prefix(const char *name)
{
    return !strncmp(name, "__Host-", 7) || !strncmp(name, "__Secure-", 9);
}

/* The session cookie's name as browsers hold it: on https with the __Host-
 * prefix, which a browser accepts only from this very host, Secure, with
 * Path=/ and no Domain: no related domain (and no http page) can plant one. */
static const char *session_cookie_name(request_rec *r, const sequr_server_conf_t *c)
{
    const char *name = sequr_cookie_name(c);
    if (!sequr_browser_uses_https(r, c) || has_cookie_prefix(name))
        return name;
    return apr_pstrcat(r->pool, "__Host-", name, NULL);
}

apr_array_header_t *sequr_session_cookie_values(request_rec *r, const sequr_server_conf_t *c)
{
    cookie_scan_t scan = {session_cookie_name(r, c),
                          apr_array_make(r->pool, 1, sizeof(const char *))};

    apr_table_do(collect_cookie, &scan, r->headers_in, "Cookie", NULL);
    return scan.values;
}

static const char *cookie_attributes(request_rec *r, const sequr_server_conf_t *c)
{
    /* Lax keeps the cookie on the top-level redirect that follows Azure's
     * cross-site POST to the ACS, and off cross-site subresource requests. */
    int https = sequr_browser_uses_https(r, c);
    return https ? "; Path=/; HttpOnly; Secure; SameSite=Lax" : "; Path=/; HttpOnly; SameSite=Lax";
}

void sequr_cookie_set(request_rec *r, const sequr_server_conf_t *c, const char *value)
{
    apr_table_add(r->err_headers_out, "Set-Cookie",
                  apr_pstrcat(r->pool, session_cookie_name(r, c), "=", value,
                              cookie_attributes(r, c), NULL));
}

void sequr_cookie_clear(request_rec *r, const sequr_server_conf_t *c)
{
    apr_table_add(r->err_headers_out, "Set-Cookie",
                  apr_pstrcat(r->pool, session_cookie_name(r, c), "=; Max-Age=0",
                              cookie_attributes(r, c), NULL));
}

void sequr_cookie_clear_planted(request_rec *r, const sequr_server_conf_t *c)
{
    apr_array_header_t *places;
    int i;

    /* A __Host- cookie cannot have been planted with a Domain or a Path. */
    if (sequr_browser_uses_https(r, c)) {
        sequr_cookie_clear(r, c);
        return;
    }
    places = saml_cookie_places(r->pool, r->hostname, r->uri);
    for (i = 0; i < places->nelts; i++) {
        const saml_cookie_place_t *pl = &APR_ARRAY_IDX(places, i, saml_cookie_place_t);
        apr_table_add(r->err_headers_out, "Set-Cookie",
                      apr_pstrcat(r->pool, sequr_cookie_name(c), "=; Max-Age=0; Path=", pl->path,
                                  pl->domain ? "; Domain=" : "", pl->domain ? pl->domain : "",
                                  "; HttpOnly", NULL));
    }
}

/* ---- the sign-in request cookies (see pending_cookie.h) ------------------- */

const char *sequr_cookie_header(request_rec *r)
{
    const apr_array_header_t *h = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)h->elts;
    const char *joined = NULL;
    int i;

    for (i = 0; i < h->nelts; i++)
        if (e[i].key && e[i].val && !strcasecmp(e[i].key, "Cookie"))
            joined = joined ? apr_pstrcat(r->pool, joined, "; ", e[i].val, NULL) : e[i].val;
    return joined;
}

const char *sequr_pending_cookie_base(request_rec *r, const sequr_server_conf_t *c)
{
    const char *name = sequr_cookie_name(c);

    if (!strncmp(name, "__Host-", 7))
        name += 7;
    else if (!strncmp(name, "__Secure-", 9))
        name += 9;
    /* __Secure-: only a Secure cookie of an https page may carry the name. */
    return apr_pstrcat(r->pool, sequr_browser_uses_https(r, c) ? "__Secure-" : "", name,
                       "-req", NULL);
}

/* Sent only to PATH/acs. On https SameSite=None; Secure: Entra's answer is a
 * cross-site POST, on which browsers send no Lax cookie. Browsers refuse
 * SameSite=None without Secure, so on http the attribute is left out: Firefox
 * and Safari send such a cookie on the POST, Chromium (which treats it as Lax)
 * only within two minutes of setting it; later the sign-in is refused, never
 * accepted without the cookie (see docs/SECURITY.md). */
static const char *pending_cookie_attributes(request_rec *r, const sequr_server_conf_t *c,
                                             int max_age)
{
    return apr_psprintf(r->pool, "; Path=%s/acs; Max-Age=%d; HttpOnly%s", sequr_endpoint_path(c),
                        max_age, sequr_browser_uses_https(r, c) ? "; Secure; SameSite=None" : "");
}

void sequr_pending_cookie_set(request_rec *r, const sequr_server_conf_t *c, const char *name,
                              const char *value, int max_age)
{
    apr_table_add(r->err_headers_out, "Set-Cookie",
                  apr_pstrcat(r->pool, name, "=", value,
                              pending_cookie_attributes(r, c, max_age), NULL));
}

void sequr_pending_cookie_clear(request_rec *r, const sequr_server_conf_t *c, const char *name)
{
    apr_table_add(r->err_headers_out, "Set-Cookie",
                  apr_pstrcat(r->pool, name, "=", pending_cookie_attributes(r, c, 0), NULL));
}

static const char *page_text(int status)
{
    switch (status) {
    case HTTP_BAD_REQUEST:
        return "The sign-in message could not be read.";
    case HTTP_FORBIDDEN:
        return "The sign-in was refused.";
    case HTTP_METHOD_NOT_ALLOWED:
        return "This address only accepts sign-in responses sent by the identity provider.";
    case HTTP_REQUEST_ENTITY_TOO_LARGE:
        return "The sign-in message is too large.";
    case HTTP_UNSUPPORTED_MEDIA_TYPE:
        return "The sign-in message was not sent as a form.";
    case HTTP_SERVICE_UNAVAILABLE:
        return "Sign-in is temporarily unavailable. Please try again in a moment.";
    default:
        return "Sign-in failed because of a problem on this server.";
    }
}

int sequr_fail(request_rec *r, int status, const char *check, const char *detail)
{
    return sequr_fail_with_text(r, status, check, detail, page_text(status));
}

/* The admin's ErrorDocument for status, if any. Our endpoints answer in the
 * quick handler, before <Location> sections are merged: merge them now, so an
 * ErrorDocument inside <Location /saml> counts as it would for a page. */
static const char *error_document(request_rec *r, int status)
{
    if (r->per_dir_config == r->server->lookup_defaults && ap_location_walk(r) != OK)
        return NULL;
    return ap_response_code_string(r, ap_index_of_response(status));
}

int sequr_fail_with_text(request_rec *r, int status, const char *check, const char *detail,
                         const char *html)
{
    const char *id = sequr_correlation_id(r);
    int level = status >= 500 ? APLOG_ERR : APLOG_WARNING;

    ap_log_rerror(APLOG_MARK, level, 0, r,
                  SEQLOGNO(01001) "sign-in refused with %d [check %s] %s (correlation id %s, client %s)",
                  status, check, sequr_log_value(r, detail), id, r->useragent_ip);
    /* CGI and SSI ErrorDocuments see them as REDIRECT_SEQUR_SAML_ERROR(_ID). */
    apr_table_setn(r->subprocess_env, "SEQUR_SAML_ERROR", check);
    apr_table_setn(r->subprocess_env, "SEQUR_SAML_ERROR_ID", id);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (r->main == NULL && r->status == HTTP_OK && error_document(r, status)) {
        /* Apache's own error path (internal redirect, file, text or URL),
         * as if the hook had returned status; the caller's OK or DONE then
         * only finishes the request, as after mod_cgi's local redirects.
         * Not for a subrequest, whose answer is not the browser's. */
        ap_discard_request_body(r);
        ap_die(status, r);
        return OK;
    }
    ap_set_content_type(r, "text/html; charset=utf-8");
    r->status = status;
    ap_discard_request_body(r);
    ap_rprintf(r,
               "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<title>Sign-in problem</title></head>\n<body>\n<h1>Sign-in problem</h1>\n"
               "<p>%s</p>\n<p>Please go back and sign in again. If this keeps happening, give "
               "your administrator this reference: <code>%s</code></p>\n</body></html>\n",
               html, id);
    return OK;
}

int sequr_see_other(request_rec *r, const char *location)
{
    apr_table_setn(r->headers_out, "Location", location);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    r->status = HTTP_SEE_OTHER;
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rputs("<!DOCTYPE html>\n<html><head><title>Signed in</title></head><body>"
             "<p>Continue to the <a href=\"", r);
    ap_rputs(ap_escape_html(r->pool, location), r);
    ap_rputs("\">requested page</a>.</p></body></html>\n", r);
    return OK;
}
