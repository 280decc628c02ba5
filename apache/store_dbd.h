/* SequrSAMLCache dbd: the SQL store (saml/store_dbd.h) on mod_dbd's pooled
 * connections. Only the lending of connections is here. */
#ifndef SEQUR_STORE_DBD_H
#define SEQUR_STORE_DBD_H

#include "httpd.h"
#include "http_config.h"

#include "saml/store.h"

/* When SequrSAMLCache dbd is read: finds mod_dbd (NULL, or why not, naming
 * the directive, line and file) and has it prepare the store's statements on
 * every connection it opens. */
const char *sequr_store_dbd_register(cmd_parms *cmd);

/* post_config: the store over the main server's mod_dbd connections, in
 * pconf (mod_dbd's pool is per configuration generation too). Connects
 * nothing: each child borrows a connection per operation. */
saml_store_t *sequr_store_dbd_open(apr_pool_t *pconf, server_rec *s);

#endif
