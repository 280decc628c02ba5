/* The session cookie: read under the name browsers hold it by here, set,
 * cleared, and cleared wherever a cookie of its name may have been planted. */
#include "apache/session_cookie.h"

#include "apr_strings.h"

#include "saml/cookie.h"
#include "apache/directives.h"
#include "apache/public_url.h"
#include "apache/settings_table.h"

typedef struct {
    const char *name;
    apr_array_header_t *values;
} cookie_scan_t;

static int collect_cookie(void *vscan, const char *key, const char *header)
{
    cookie_scan_t *scan = vscan;
    (void)key;
    saml_cookie_values(header, scan->name, scan->values);
    return 1;
}

static int has_cookie_prefix(const char *name)
{
    return !strncmp(name, "__Host-", 7) || !strncmp(name, "__Secure-", 9);
}

/* The session cookie's name as browsers hold it: on https with the __Host-
 * prefix, which a browser accepts only from this very host, Secure, with
 * Path=/ and no Domain: no related domain (and no http page) can plant one. */
static const char *session_cookie_name(request_rec *r, const sequr_server_conf_t *c)
{
    const char *name = sequr_cookie_name(c);
    if (!sequr_browser_uses_https(r, c) || has_cookie_prefix(name))
        return name;
    return apr_pstrcat(r->pool, "__Host-", name, NULL);
}

apr_array_header_t *sequr_session_cookie_values(request_rec *r, const sequr_server_conf_t *c)
{
    cookie_scan_t scan = {session_cookie_name(r, c),
                          apr_array_make(r->pool, 1, sizeof(const char *))};

    apr_table_do(collect_cookie, &scan, r->headers_in, "Cookie", NULL);
    return scan.values;
}

/* Lax (the default) keeps the cookie on the top-level redirect that follows
 * Entra's cross-site POST to the ACS, and off cross-site subresource requests
 * and frames. None sends it in other sites' iframes too (a Teams tab, a
 * SharePoint page), which browsers allow only for a Secure cookie: configtest
 * refuses None on a server browsers reach over plain http (config_check.c);
 * should a trusted proxy still say http, the cookie stays Secure and is not
 * kept rather than sent in clear. */
static const char *cookie_attributes(request_rec *r, const sequr_server_conf_t *c)
{
    if (c->cookie_samesite == SEQUR_SAMESITE_NONE)
        return "; Path=/; HttpOnly; Secure; SameSite=None";
    return sequr_browser_uses_https(r, c) ? "; Path=/; HttpOnly; Secure; SameSite=Lax"
                                          : "; Path=/; HttpOnly; SameSite=Lax";
}

/* Strict is refused as it is read: Entra's answer is a cross-site POST, and
 * the request that follows its 303 was started by Entra's page, so browsers
 * send no Strict cookie on it; nor on any link into the app from another site
 * (a Teams message, a mail). Each such visit would find no session and go back
 * to Entra, which with a live Entra session answers at once: a loop. A warning
 * would leave a server that cannot keep anyone signed in. */
const char *sequr_set_cookie_samesite(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = sequr_set_setting(cmd, dc, arg);
    if (err)
        return err;
    if (sequr_server_conf(cmd->server)->cookie_samesite == SEQUR_SAMESITE_STRICT)
        return apr_psprintf(cmd->pool, D_COOKIE_SAMESITE " Strict (line %d of %s) is refused: "
                            "Microsoft Entra ID (Azure AD) answers with a cross-site POST to "
                            "the ACS, and browsers send no SameSite=Strict cookie on the "
                            "request that follows it, nor on a link into the app from another "
                            "site; every such visit would go back to Entra to sign in again "
                            "(a loop). Use Lax (the default), or None for apps embedded in "
                            "other sites' iframes (https only)",
                            cmd->directive->line_num, cmd->directive->filename);
    return NULL;
}

void sequr_cookie_set(request_rec *r, const sequr_server_conf_t *c, const char *value)
{
    apr_table_add(r->err_headers_out, "Set-Cookie",
                  apr_pstrcat(r->pool, session_cookie_name(r, c), "=", value,
                              cookie_attributes(r, c), NULL));
}

void sequr_cookie_clear(request_rec *r, const sequr_server_conf_t *c)
{
    apr_table_add(r->err_headers_out, "Set-Cookie",
                  apr_pstrcat(r->pool, session_cookie_name(r, c), "=; Max-Age=0",
                              cookie_attributes(r, c), NULL));
}

void sequr_cookie_clear_planted(request_rec *r, const sequr_server_conf_t *c)
{
    apr_array_header_t *places;
    int i;

    /* A __Host- cookie cannot have been planted with a Domain or a Path. */
    if (sequr_browser_uses_https(r, c)) {
        sequr_cookie_clear(r, c);
        return;
    }
    places = saml_cookie_places(r->pool, r->hostname, r->uri);
    for (i = 0; i < places->nelts; i++) {
        const saml_cookie_place_t *pl = &APR_ARRAY_IDX(places, i, saml_cookie_place_t);
        apr_table_add(r->err_headers_out, "Set-Cookie",
                      apr_pstrcat(r->pool, sequr_cookie_name(c), "=; Max-Age=0; Path=", pl->path,
                                  pl->domain ? "; Domain=" : "", pl->domain ? pl->domain : "",
                                  "; HttpOnly", NULL));
    }
}
