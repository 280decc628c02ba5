/* Opening the shared store once per Apache parent, so it outlives reloads, and
 * the directives that name it and the key of the sign-in request cookies. */
#ifndef SEQUR_STORE_SETUP_H
#define SEQUR_STORE_SETUP_H

#include "httpd.h"
#include "http_config.h"

/* SequrSAMLCache (main server only): file[:PATH], memcache:HOST:PORT[,HOST:PORT...]
 * or redis:HOST:PORT[,HOST:PORT...], checked when the directive is read. */
const char *sequr_set_cache(cmd_parms *cmd, void *dc, const char *arg);

/* SequrSAMLCookieKeyFile (main server only), relative to the ServerRoot. */
const char *sequr_set_cookie_key_file(cmd_parms *cmd, void *dc, const char *arg);

/* check_config (configtest too): NULL, or why the file store's file or
 * directory may be reached by others than root and the server (the message
 * names the directive's argument and the path; the caller prefixes the
 * directive). Creates nothing. */
const char *sequr_store_access_check(apr_pool_t *p, server_rec *s);

/* post_config: open (or re-use, after a graceful restart) the store named by
 * SequrSAMLCache and hand it to every server's configuration. */
int sequr_store_setup(apr_pool_t *pconf, server_rec *s);

/* post_config: the key that seals the sign-in request cookies, from
 * SequrSAMLCookieKeyFile, else from a secret made at first start next to the
 * file store (its path + ".key") or, with memcache/redis, in the runtime
 * directory (then each server of a farm has its own: a warning says so).
 * Refuses to start on a key file that others may read. */
int sequr_cookie_key_setup(apr_pool_t *pconf, server_rec *s);

/* The file store's path (SequrSAMLCache file:PATH, else the default in the
 * runtime directory), also where files kept beside the store go. */
const char *sequr_store_file_path(apr_pool_t *p, server_rec *s);

#endif
