/* SequrSAMLCacheControl: what caches may do with the pages this module lets a
 * signed-in user see. */
#ifndef SEQUR_CACHE_CONTROL_H
#define SEQUR_CACHE_CONTROL_H

#include "httpd.h"
#include "http_config.h"

/* Without the directive. private: no shared cache (proxy, CDN, mod_cache)
 * keeps one user's page for the next; no-store: after sign-out, Back and
 * history cannot show a protected page from the browser's disk. */
#define SEQUR_DEFAULT_CACHE_CONTROL "private, no-store"

/* SequrSAMLCacheControl VALUE|none (directory context): the value, or "none"
 * for no header from this module. */
const char *sequr_set_cache_control(cmd_parms *cmd, void *dc, const char *arg);

/* The filter and the hooks that add it (from register_hooks). */
void sequr_register_cache_control(apr_pool_t *p);

#endif
