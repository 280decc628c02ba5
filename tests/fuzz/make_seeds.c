/* Seeds only the C core can make faithfully: session records as
 * saml_session_encode writes them (for fuzz_cookie) and SAMLRequest values
 * as saml_authn_request_redirect_url sends them (for fuzz_redirect).
 * Usage: make_seeds CORPUS_DIR  (writes into CORPUS_DIR/cookie and /redirect) */
#include <apr_general.h>
#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saml/authn_request.h"
#include "saml/response.h"
#include "saml/session.h"
#include "saml/time.h"

#define TENANT "8f0c6b4e-3d2a-4c59-9a77-2f1d5e6b9c10"

static void write_seed(apr_pool_t *p, const char *dir, const char *name, const char *data,
                       apr_size_t len)
{
    const char *path = apr_pstrcat(p, dir, "/", name, NULL);
    FILE *f = fopen(path, "wb");

    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
        exit(1);
    }
}

static apr_array_header_t *claims(apr_pool_t *p, int groups)
{
    apr_array_header_t *attrs = apr_array_make(p, 3, sizeof(saml_attribute_t));
    saml_attribute_t *a = &APR_ARRAY_PUSH(attrs, saml_attribute_t);
    int i;

    a->name = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
    a->values = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(a->values, const char *) = "alice@contoso.example";
    a = &APR_ARRAY_PUSH(attrs, saml_attribute_t);
    a->name = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups";
    a->values = apr_array_make(p, groups, sizeof(const char *));
    for (i = 0; i < groups; i++)
        APR_ARRAY_PUSH(a->values, const char *) =
            apr_psprintf(p, "b1f6c6a2-0000-4000-8000-%012d", i);
    return attrs;
}

static void sessions(apr_pool_t *p, const char *dir, apr_time_t now)
{
    saml_session_t s;
    char *buf;
    apr_size_t len;

    memset(&s, 0, sizeof(s));
    s.id = saml_session_new_id(p);
    s.user = "alice@contoso.example";
    s.idp_entity_id = "https://sts.windows.net/" TENANT "/";
    s.name_id = "alice@contoso.example";
    s.name_id_format = SAML_NAMEID_EMAIL;
    s.session_index = "_3993697e-2147-4f03-b75e-e23b483e4e41";
    s.scope = "sp.example.test:443 sequr_saml_session";
    s.created = now;
    s.expires = now + apr_time_from_sec(8 * 3600);
    s.last_access = now;
    s.attributes = claims(p, 2);
    if (saml_session_encode(p, &s, &buf, &len) != APR_SUCCESS)
        exit(1);
    write_seed(p, dir, "session_azure", buf, len);

    s.name_id_format = NULL;
    s.session_index = NULL;
    s.attributes = apr_array_make(p, 1, sizeof(saml_attribute_t));
    if (saml_session_encode(p, &s, &buf, &len) != APR_SUCCESS)
        exit(1);
    write_seed(p, dir, "session_minimal", buf, len);

    s.attributes = claims(p, 150);  /* mellon CVE-2014-8566: many long groups */
    if (saml_session_encode(p, &s, &buf, &len) != APR_SUCCESS)
        exit(1);
    write_seed(p, dir, "session_150_groups", buf, len);
}

/* In place; saml_url_encode writes only %XX escapes. Returns the new length. */
static apr_size_t percent_decode(char *s)
{
    apr_size_t i, o = 0;

    for (i = 0; s[i]; i++) {
        unsigned int byte;
        if (s[i] == '%' && sscanf(s + i + 1, "%2x", &byte) == 1) {
            s[o++] = (char)byte;
            i += 2;
        }
        else {
            s[o++] = s[i];
        }
    }
    s[o] = '\0';
    return o;
}

/* The SAMLRequest query value, percent-decoded as the IdP (or our own
 * logout endpoint) would receive it. */
static void redirect_value(apr_pool_t *p, const char *dir, const char *name,
                           const saml_authn_request_t *req)
{
    const char *url, *q;
    char *value;
    apr_size_t n;

    if (saml_authn_request_redirect_url(p, req, &url) != APR_SUCCESS ||
        (q = strstr(url, "SAMLRequest=")) == NULL)
        exit(1);
    q += strlen("SAMLRequest=");
    n = strcspn(q, "&");
    value = apr_pstrmemdup(p, q, n);
    write_seed(p, dir, name, value, percent_decode(value));
}

static void authn_requests(apr_pool_t *p, const char *dir, apr_time_t now)
{
    saml_authn_request_t req;

    memset(&req, 0, sizeof(req));
    req.id = "_0123456789abcdef0123456789abcdef";
    req.sp_entity_id = "https://sp.example.test/saml/metadata";
    req.acs_url = "https://sp.example.test/saml/acs";
    req.idp_sso_url = "https://login.microsoftonline.com/" TENANT "/saml2";
    req.relay_state = "r_5f2c1b";
    req.now = now;
    redirect_value(p, dir, "authn_request.b64", &req);
    req.name_id_format = SAML_NAMEID_PERSISTENT;
    req.force_authn = 1;
    req.idp_sso_url = "https://login.microsoftonline.com/" TENANT "/saml2?whr=contoso.example";
    redirect_value(p, dir, "authn_request_force.b64", &req);
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    apr_time_t now;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    if (saml_time_parse("2026-11-25T15:00:00Z", &now) != APR_SUCCESS)
        return 1;
    sessions(p, apr_pstrcat(p, argv[1], "/cookie", NULL), now);
    authn_requests(p, apr_pstrcat(p, argv[1], "/redirect", NULL), now);
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
