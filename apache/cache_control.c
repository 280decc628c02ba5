/* Cache-Control on every response to a request this module let in (AuthType
 * sequr-saml, signed in), unless the response already has one: the
 * application (or mod_headers, mod_expires, a proxied backend) knows better
 * what a page may do, and an admin who wants to force a value has
 * `Header set Cache-Control`. Our own endpoints (ACS, logout, error pages,
 * the redirect to the IdP) set no-store themselves. */
#include "apache/cache_control.h"

#include "apr_strings.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include "apache/config.h"
#include "apache/directives.h"

#define FILTER_NAME "SEQUR_SAML_CACHE_CONTROL"

static ap_filter_rec_t *cache_control_filter_handle;

const char *sequr_set_cache_control(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_dir_conf_t *d = dc;
    const char *p;

    if (!strcasecmp(arg, "none")) {
        d->cache_control = "";
        return NULL;
    }
    for (p = arg; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            break;
    if (*arg == '\0' || *p || arg[strspn(arg, " \t")] == '\0')
        return apr_psprintf(cmd->pool, "%s: '%s' is not a Cache-Control value such as "
                            "\"private, no-store\", nor none", cmd->cmd->name, arg);
    d->cache_control = arg;
    return NULL;
}

/* The value for r, or NULL when this module adds nothing: not a request it let
 * in, a subrequest (its headers never reach the browser), or "none". */
static const char *cache_control_for(request_rec *r)
{
    const sequr_dir_conf_t *d;

    /* ap_auth_type is set only once our authentication admitted the user, and
     * an internal redirect (ErrorDocument, DirectoryIndex) carries it along. */
    if (r->main || r->user == NULL || r->ap_auth_type == NULL ||
        strcasecmp(r->ap_auth_type, SEQUR_AUTH_TYPE))
        return NULL;
    d = sequr_dir_conf(r);
    if (d && d->cache_control)
        return *d->cache_control ? d->cache_control : NULL;
    return SEQUR_DEFAULT_CACHE_CONTROL;
}

/* By the first brigade the handler (CGI, proxy, application) has set its
 * headers and none are sent yet. An error response's headers are the former
 * err_headers_out, now in headers_out: both tables are looked at. */
static apr_status_t cache_control_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;

    if (apr_table_get(r->headers_out, "Cache-Control") == NULL &&
        apr_table_get(r->err_headers_out, "Cache-Control") == NULL)
        apr_table_setn(r->headers_out, "Cache-Control", f->ctx);
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

static void insert_cache_control_filter(request_rec *r)
{
    const char *value = cache_control_for(r);
    if (value)
        ap_add_output_filter_handle(cache_control_filter_handle, (void *)value, r, r->connection);
}

void sequr_register_cache_control(apr_pool_t *p)
{
    /* After mod_headers' filter of the same type, so that `Header set` and
     * `Header always set` count as the application's (no second header); before
     * mod_cache's save filter (CONTENT_SET + 1), so that it sees "private". */
    static const char *const after_headers[] = {"mod_headers.c", NULL};
    (void)p;
    cache_control_filter_handle = ap_register_output_filter(FILTER_NAME, cache_control_filter, NULL,
                                                            AP_FTYPE_CONTENT_SET);
    ap_hook_insert_filter(insert_cache_control_filter, after_headers, NULL, APR_HOOK_LAST);
    /* Apache's own error responses (a 403 from Require, a 404 or 500 behind the
     * protected location) rebuild the filter chain and call this hook instead. */
    ap_hook_insert_error_filter(insert_cache_control_filter, after_headers, NULL, APR_HOOK_LAST);
}
