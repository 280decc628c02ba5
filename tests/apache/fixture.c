/* A configured server and real sessions for the glue tests (fixture.h). */
#include "tests/apache/fixture.h"

#include <check.h>
#include <stdarg.h>

#include "apr_strings.h"

#include "apache/public_url.h"
#include "saml/response.h"
#include "saml/store_file.h"
#include "tests/unit/testkit.h"

static saml_verifier_t *verifier(void)
{
    tk_keypair_t *idp = tk_keypair_new(tk_pool(), 0, "idp", 30);
    return tk_verifier(tk_pool(), idp->cert, NULL, 0);
}

server_rec *fx_server(void)
{
    apr_pool_t *p = tk_pool();
    server_rec *s = fake_server(p, FX_HOST, 0);
    sequr_server_conf_t *c = fake_server_conf(s);
    saml_err_t err = {NULL, NULL};

    fake_log_clear();
    c->sp_entity_id = TK_SP_ENTITY_ID;
    c->idp->sso_url = TK_IDP_SSO_URL;
    c->idp->entity_id = TK_IDP_ENTITY_ID;
    c->idp->verifier = verifier();
    c->verifier = c->idp->verifier;
    ck_assert_int_eq(saml_store_file_open(p, tk_run_path(p, "store"), 256, 4096, &c->store, &err),
                     APR_SUCCESS);
    c->pending_key = &tk_pending_key;
    /* What the start-up checks fill in (the rows of apache/settings_table.h). */
    sequr_server_conf_defaults(c);
    return s;
}

sequr_idp_t *fx_add_tenant(server_rec *s, const char *name)
{
    apr_pool_t *p = tk_pool();
    sequr_server_conf_t *c = fake_server_conf(s);
    sequr_idp_t *t = apr_pcalloc(p, sizeof(*t));

    t->name = apr_pstrdup(p, name);
    t->entity_id = apr_psprintf(p, "https://sts.windows.net/%s/", name);
    t->sso_url = apr_psprintf(p, "https://login.microsoftonline.com/%s/saml2", name);
    t->verifier = c->idp->verifier;
    if (c->tenants == NULL)
        c->tenants = apr_array_make(p, 2, sizeof(sequr_idp_t *));
    APR_ARRAY_PUSH(c->tenants, sequr_idp_t *) = t;
    return t;
}

ap_conf_vector_t *fx_location(sequr_dir_conf_t *d, const char *auth_type)
{
    return fake_dir_config(tk_pool(), d, auth_type);
}

request_rec *fx_browser_get(server_rec *s, const char *uri, ap_conf_vector_t *dir)
{
    request_rec *r = fake_request(tk_pool(), s, "GET", uri, dir);

    apr_table_setn(r->headers_in, "Accept",
                   "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
    apr_table_setn(r->headers_in, "Sec-Fetch-Mode", "navigate");
    return r;
}

static void add_attribute(apr_pool_t *p, apr_array_header_t *attrs, const char *name, ...)
{
    saml_attribute_t *a = apr_array_push(attrs);
    const char *v;
    va_list ap;

    a->name = name;
    a->values = apr_array_make(p, 2, sizeof(const char *));
    va_start(ap, name);
    while ((v = va_arg(ap, const char *)) != NULL)
        APR_ARRAY_PUSH(a->values, const char *) = v;
    va_end(ap);
}

saml_session_t *fx_session(request_rec *r)
{
    apr_pool_t *p = r->pool;
    saml_session_t *s = apr_pcalloc(p, sizeof(*s));
    apr_time_t now = apr_time_now();

    s->id = saml_session_new_id(p);
    s->user = FX_USER;
    s->idp_entity_id = TK_IDP_ENTITY_ID;
    s->name_id = FX_USER;
    s->session_index = "_idx-1";
    s->scope = sequr_session_scope(r, fake_server_conf(r->server));
    s->created = now;
    s->expires = now + apr_time_from_sec(3600);
    s->last_access = now;
    s->attributes = apr_array_make(p, 4, sizeof(saml_attribute_t));
    add_attribute(p, s->attributes, FX_CLAIM_NAME, FX_USER, NULL);
    add_attribute(p, s->attributes, FX_CLAIM_GROUPS, "admins", "staff", NULL);
    add_attribute(p, s->attributes, FX_CLAIM_DEPARTMENT, "R&D", NULL);
    fx_save(r, s);
    return s;
}

void fx_save(request_rec *r, const saml_session_t *s)
{
    ck_assert_int_eq(saml_session_save(r->pool, fake_server_conf(r->server)->store, s),
                     APR_SUCCESS);
}

void fx_send_cookie(request_rec *r, const char *value)
{
    const char *name = sequr_cookie_name(fake_server_conf(r->server));
    if (!strcmp(fake_state(r)->scheme, "https"))
        name = apr_pstrcat(r->pool, "__Host-", name, NULL);
    apr_table_addn(r->headers_in, "Cookie", apr_pstrcat(r->pool, name, "=", value, NULL));
}
