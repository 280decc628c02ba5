/* PATH/metadata (handler_metadata.c). */
#ifndef SEQUR_HANDLER_METADATA_H
#define SEQUR_HANDLER_METADATA_H

#include "httpd.h"
#include "apache/config.h"

/* PATH/metadata: SP metadata for Azure's "Upload metadata file". */
int sequr_handle_metadata(request_rec *r, const sequr_server_conf_t *c);

#endif
