/* Values of directives that are more than a row of apache/settings_table.h,
 * read by config.c and config_idp.c alike; each message names the directive. */
#ifndef SEQUR_SETTINGS_PARSE_H
#define SEQUR_SETTINGS_PARSE_H

#include "httpd.h"
#include "http_config.h"

#include "saml/error.h"

/* An absolute http(s) URL with a host into *out, else the message naming
 * the directive. */
const char *sequr_parse_url(cmd_parms *cmd, const char *arg, const char **out);

/* rv as is; when it is a failure, *msg names the directive, the file and why. */
apr_status_t sequr_keep_error(cmd_parms *cmd, apr_status_t rv, const saml_err_t *err,
                              const char *file, const char **msg);

#endif
