/* What browsers and the IdP call us: URLs of our endpoints, whether browsers
 * reach us over https, and the site a session is bound to. Proxies are
 * trusted only as SequrSAMLTrustForwardedHeaders names them. */
#ifndef SEQUR_PUBLIC_URL_H
#define SEQUR_PUBLIC_URL_H

#include "httpd.h"

#include "apache/config.h"

/* Absolute URL of PATH/<name> on this server, as the IdP must see it:
 * under SequrSAMLPublicBaseURL when set, else under the X-Forwarded-Proto/Host
 * of a proxy named by SequrSAMLTrustForwardedHeaders, else under this virtual
 * host's ServerName (scheme, name, port; the local port when ServerName has
 * none). Never from the request's Host header or absolute-form target. */
const char *sequr_endpoint_url(request_rec *r, const sequr_server_conf_t *c, const char *name);

/* This site's origin as the configuration alone gives it, for reading full
 * URLs admins type as RelayState or ReturnTo (saml_relay_target):
 * SequrSAMLPublicBaseURL when set, else scheme://ServerName[:port] of this
 * virtual host (as sequr_endpoint_url builds it without the directive).
 * Never from the Host header, nor from X-Forwarded-Host: behind a proxy, set
 * SequrSAMLPublicBaseURL. */
const char *sequr_site_origin(request_rec *r, const sequr_server_conf_t *c);

/* Whether browsers reach us over https (the public base URL's scheme when
 * set): decides the cookie's Secure flag. */
int sequr_browser_uses_https(request_rec *r, const sequr_server_conf_t *c);

/* The scope a session is bound to: the public base URL's scheme, host and port
 * when SequrSAMLPublicBaseURL is set (every node behind that name is one site),
 * else this vhost's ServerName and port; and its cookie name and SP entity id. */
const char *sequr_session_scope(request_rec *r, const sequr_server_conf_t *c);

#endif
