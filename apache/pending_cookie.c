/* The sign-in request cookies (see saml/pending_cookie.h) as Apache sets,
 * clears and reads them. */
#include "apache/pending_cookie.h"

#include "apr_strings.h"

#include "apache/public_url.h"

const char *sequr_cookie_header(request_rec *r)
{
    const apr_array_header_t *h = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)h->elts;
    const char *joined = NULL;
    int i;

    for (i = 0; i < h->nelts; i++)
        if (e[i].key && e[i].val && !strcasecmp(e[i].key, "Cookie"))
            joined = joined ? apr_pstrcat(r->pool, joined, "; ", e[i].val, NULL) : e[i].val;
    return joined;
}

const char *sequr_pending_cookie_base(request_rec *r, const sequr_server_conf_t *c)
{
    const char *name = sequr_cookie_name(c);

    if (!strncmp(name, "__Host-", 7))
        name += 7;
    else if (!strncmp(name, "__Secure-", 9))
        name += 9;
    /* __Secure-: only a Secure cookie of an https page may carry the name. */
    return apr_pstrcat(r->pool, sequr_browser_uses_https(r, c) ? "__Secure-" : "", name,
                       "-req", NULL);
}

/* Sent only to PATH/acs. On https SameSite=None; Secure: Entra's answer is a
 * cross-site POST, on which browsers send no Lax cookie. Browsers refuse
 * SameSite=None without Secure, so on http the attribute is left out: Firefox
 * and Safari send such a cookie on the POST, Chromium (which treats it as Lax)
 * only within two minutes of setting it; later the sign-in is refused, never
 * accepted without the cookie (see docs/SECURITY.md). With
 * SequrSAMLCookieSameSite None (a sign-in inside another site's iframe, where
 * a cookie without SameSite=None is neither kept nor sent) it is always
 * SameSite=None; Secure, like the session cookie. */
static const char *pending_cookie_attributes(request_rec *r, const sequr_server_conf_t *c,
                                             int max_age)
{
    int none = sequr_browser_uses_https(r, c) || c->cookie_samesite == SEQUR_SAMESITE_NONE;
    return apr_psprintf(r->pool, "; Path=%s/acs; Max-Age=%d; HttpOnly%s", sequr_endpoint_path(c),
                        max_age, none ? "; Secure; SameSite=None" : "");
}

void sequr_pending_cookie_set(request_rec *r, const sequr_server_conf_t *c, const char *name,
                              const char *value, int max_age)
{
    apr_table_add(r->err_headers_out, "Set-Cookie",
                  apr_pstrcat(r->pool, name, "=", value,
                              pending_cookie_attributes(r, c, max_age), NULL));
}

void sequr_pending_cookie_clear(request_rec *r, const sequr_server_conf_t *c, const char *name)
{
    apr_table_add(r->err_headers_out, "Set-Cookie",
                  apr_pstrcat(r->pool, name, "=", pending_cookie_attributes(r, c, 0), NULL));
}
