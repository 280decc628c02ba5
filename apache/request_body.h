/* The body of a POST to our endpoints (the ACS, logout's POST binding). */
#ifndef SEQUR_REQUEST_BODY_H
#define SEQUR_REQUEST_BODY_H

#include "httpd.h"

/* Read the whole request body, refusing more than max bytes (HTTP_REQUEST_ENTITY_TOO_LARGE
 * before reading when Content-Length says so). Returns OK or an HTTP status. */
int sequr_read_body(request_rec *r, apr_off_t max, char **body, apr_size_t *len);

#endif
