/* Start-up checks (config_check.c): a configuration that cannot work fails
 * `apachectl configtest` with the file and line. */
#ifndef SEQUR_CONFIG_CHECK_H
#define SEQUR_CONFIG_CHECK_H

#include "httpd.h"

/* check_config: every location using AuthType sequr-saml must sit in a server
 * with an SP entity ID and a complete IdP; builds each server's verifier.
 * Logs the precise problem and returns !OK so `apachectl configtest` fails. */
int sequr_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* Certificates (IdP and SP) that expire within 30 days or have expired, with
 * file, subject and date: into each server's error log after start-up or a
 * graceful restart (console 0, from post_config), on the console for
 * `apachectl configtest` (console 1). */
void sequr_warn_expiring_certificates(apr_pool_t *p, server_rec *s, int console);

#endif
