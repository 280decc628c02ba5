/* Log lines with stable message ids, and values made safe to log. */
#ifndef SEQUR_LOG_H
#define SEQUR_LOG_H

#include "httpd.h"
#include "http_log.h"

/* Our own stable id namespace ("SEQ" + 5 digits), so ids never collide with
 * httpd's AHnnnnn. Grep the source for the number to find the line. */
#define SEQLOGNO(n) "SEQ" #n ": "

/* A value from the network, escaped for one log line and truncated. */
const char *sequr_log_value(request_rec *r, const char *s);

/* A short id shared by the browser's error page and the log line. */
const char *sequr_correlation_id(request_rec *r);

/* The core's trace of passed checks as debug lines (SEQ01002) of this
 * request, or NULL when the request's log level would drop them: then the
 * core formats nothing. */
struct saml_trace;
const struct saml_trace *sequr_trace(request_rec *r);

#endif
