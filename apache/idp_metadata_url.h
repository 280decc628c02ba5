/* SequrSAMLIdPMetadataURL: start-up load, refresh in one process, and
 * publication of new signing certificates to every process (idp_metadata_url.c). */
#ifndef SEQUR_IDP_METADATA_URL_H
#define SEQUR_IDP_METADATA_URL_H

#include "httpd.h"
#include "http_config.h"

struct sequr_server_conf;

/* check_config: each IdP of s with a metadata URL takes its entity id, URLs
 * and certificates from the backing copy, else from the URL (then kept as the
 * backing copy). Logs why and returns !OK when neither gives acceptable
 * metadata, naming the directive and where it is. */
int sequr_idp_metadata_url_load(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

/* post_config (before mod_watchdog's): one refresh callback per backing file
 * on mod_watchdog's singleton child watchdog. */
int sequr_idp_metadata_url_watch(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                                 server_rec *s);

/* Before a SAML message is verified: an IdP whose backing copy changed since
 * this process read it gets the copy's certificates (one stat per IdP). */
void sequr_idp_metadata_url_sync(request_rec *r, const struct sequr_server_conf *c);

#endif
