/* What browsers and the IdP call us: the public URL of our endpoints (from
 * SequrSAMLPublicBaseURL, a trusted proxy's X-Forwarded-* or this virtual
 * host's ServerName), whether that is https, and the site a session is
 * bound to. */
#include "apache/public_url.h"

#include "apr_strings.h"
#include "apr_uri.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"

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

const char *sequr_site_origin(request_rec *r, const sequr_server_conf_t *c)
{
    return c->public_base_url ? c->public_base_url : configured_base_url(r);
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
