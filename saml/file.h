/* Reading the small files admins hand us (certificates, metadata). */
#ifndef SAML_FILE_H
#define SAML_FILE_H

#include <apr_pools.h>
#include "saml/error.h"

/* The whole file at path into p, NUL-terminated. Refuses (SAML_ETOOLARGE) a
 * file over max bytes without reading more than max + 1; a read error names
 * the path and the system's reason ("Permission denied"). */
apr_status_t saml_file_read(apr_pool_t *p, const char *path, apr_size_t max, char **out,
                            apr_size_t *outlen, saml_err_t *err);

/* Replace the file at path with buf atomically: written to a new file
 * beside it, synced, then renamed over it, so a reader sees the old or the
 * new content whole, never a part (mode 0644). */
apr_status_t saml_file_replace(apr_pool_t *p, const char *path, const char *buf, apr_size_t len,
                               saml_err_t *err);

#endif
