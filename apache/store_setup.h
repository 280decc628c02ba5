/* Opening the shared store once per Apache parent, so it outlives reloads. */
#ifndef SEQUR_STORE_SETUP_H
#define SEQUR_STORE_SETUP_H

#include "httpd.h"

/* post_config: open (or re-use, after a graceful restart) the store named by
 * SequrSAMLCache and hand it to every server's configuration. */
int sequr_store_setup(apr_pool_t *pconf, server_rec *s);

#endif
