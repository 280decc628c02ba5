/* Directive values shared by config.c and config_idp.c (settings_parse.h).
 * Uses cmd_parms for its pool and the directive's name only. */
#include "apache/settings_parse.h"

#include "apr_strings.h"
#include "apr_uri.h"

/* An absolute http(s) URL with a host: anything else cannot be an entity id
 * Azure accepts or a place to send a browser. */
const char *sequr_parse_url(cmd_parms *cmd, const char *arg, const char **out)
{
    apr_uri_t uri;
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || uri.scheme == NULL ||
        (strcasecmp(uri.scheme, "https") && strcasecmp(uri.scheme, "http")) ||
        uri.hostname == NULL || *uri.hostname == '\0' || strpbrk(arg, " \t\r\n\"<>\\"))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid http(s) URL with a host",
                            cmd->cmd->name, arg);
    *out = arg;
    return NULL;
}

apr_status_t sequr_keep_error(cmd_parms *cmd, apr_status_t rv, const saml_err_t *err,
                              const char *file, const char **msg)
{
    if (rv != APR_SUCCESS)
        *msg = apr_psprintf(cmd->pool, "%s: cannot use '%s': %s", cmd->cmd->name, file,
                            err->detail ? err->detail : "unknown error");
    return rv;
}
