/* Requests built by hand (see request_fake.h): the parts of request_rec,
 * conn_rec and server_rec that apache/ code reads, filled as httpd fills them. */
#include "tests/apache/request_fake.h"

#include "apache/config_idp.h"

#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "http_log.h"

/* The server merge as mod_sequr_saml.c's module record makes it: the
 * settings, then the IdPs, which a vhost inherits as a unit. */
static void *merge_server_conf(apr_pool_t *p, void *base, void *add)
{
    sequr_server_conf_t *m = sequr_merge_server_conf(p, base, add);
    sequr_merge_idps(p, m, base, add);
    return m;
}

/* The module record as httpd would load it: index 0 in every vector. The
 * directive table stays in mod_sequr_saml.c: no test here reads directives. */
module AP_MODULE_DECLARE_DATA sequr_saml_module = {
    MODULE_MAGIC_NUMBER_MAJOR, MODULE_MAGIC_NUMBER_MINOR, FAKE_OUR_INDEX, __FILE__, NULL, NULL,
    MODULE_MAGIC_COOKIE, NULL,
    sequr_create_dir_conf, sequr_merge_dir_conf,
    sequr_create_server_conf, merge_server_conf,
    NULL, NULL, AP_MODULE_FLAG_NONE
};

static void **new_vector(apr_pool_t *p)
{
    return apr_pcalloc(p, sizeof(void *) * FAKE_MODULES);
}

server_rec *fake_server(apr_pool_t *p, const char *hostname, apr_port_t port)
{
    server_rec *s = apr_pcalloc(p, sizeof(*s));
    void **sv = new_vector(p);

    s->server_hostname = apr_pstrdup(p, hostname);
    s->port = port;
    s->names = apr_array_make(p, 1, sizeof(const char *));
    s->wild_names = apr_array_make(p, 1, sizeof(const char *));
    /* Every level reaches the log stub: a test can see debug lines too. */
    s->log.level = APLOG_TRACE8;
    sv[FAKE_OUR_INDEX] = sequr_create_server_conf(p, s);
    s->module_config = (ap_conf_vector_t *)sv;
    s->lookup_defaults = fake_dir_config(p, NULL, NULL);
    s->timeout = apr_time_from_sec(60);
    return s;
}

sequr_server_conf_t *fake_server_conf(server_rec *s)
{
    return ((void **)s->module_config)[FAKE_OUR_INDEX];
}

ap_conf_vector_t *fake_dir_config(apr_pool_t *p, sequr_dir_conf_t *ours, const char *auth_type)
{
    void **v = new_vector(p);
    fake_core_dir_t *core = apr_pcalloc(p, sizeof(*core));

    core->auth_type = auth_type;
    core->error_documents = apr_table_make(p, 2);
    v[FAKE_OUR_INDEX] = ours ? ours : sequr_create_dir_conf(p, NULL);
    v[FAKE_CORE_INDEX] = core;
    return (ap_conf_vector_t *)v;
}

fake_core_dir_t *fake_core_dir(ap_conf_vector_t *v)
{
    return ((void **)v)[FAKE_CORE_INDEX];
}

sequr_dir_conf_t *fake_our_dir(ap_conf_vector_t *v)
{
    return ((void **)v)[FAKE_OUR_INDEX];
}

static conn_rec *fake_connection(apr_pool_t *p, server_rec *s)
{
    conn_rec *c = apr_pcalloc(p, sizeof(*c));

    c->pool = p;
    c->base_server = s;
    c->id = 1;
    apr_sockaddr_info_get(&c->local_addr, "127.0.0.1", APR_INET, 8080, 0, p);
    c->local_ip = "127.0.0.1";
    apr_sockaddr_info_get(&c->client_addr, "192.0.2.7", APR_INET, 50000, 0, p);
    c->client_ip = "192.0.2.7";
    c->notes = apr_table_make(p, 2);
    return c;
}

void fake_set_peer(request_rec *r, const char *ip)
{
    apr_sockaddr_info_get(&r->connection->client_addr, ip, APR_UNSPEC, 50000, 0, r->pool);
    r->connection->client_ip = apr_pstrdup(r->pool, ip);
}

/* ap_method_number_of lives in httpd: the methods the tests use. */
static int method_number(const char *method)
{
    static const char *const names[] = {"GET", "PUT", "POST", "DELETE", "CONNECT", "OPTIONS"};
    int i;
    for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (!strcmp(method, names[i]))
            return i;           /* M_GET 0, M_PUT 1, M_POST 2, ... */
    return M_INVALID;
}

static request_rec *new_request(apr_pool_t *p, server_rec *s, conn_rec *c, const char *method,
                                const char *uri, ap_conf_vector_t *dir)
{
    request_rec *r = apr_pcalloc(p, sizeof(*r));
    void **rc = new_vector(p);
    fake_state_t *st = apr_pcalloc(p, sizeof(*st));

    r->pool = p;
    r->connection = c;
    r->server = s;
    r->method = apr_pstrdup(p, method);
    r->method_number = method_number(method);
    r->protocol = "HTTP/1.1";
    r->proto_num = HTTP_VERSION(1, 1);
    r->the_request = apr_pstrcat(p, method, " ", uri, " HTTP/1.1", NULL);
    r->unparsed_uri = apr_pstrdup(p, uri);
    apr_uri_parse(p, uri, &r->parsed_uri);
    r->uri = r->parsed_uri.path ? r->parsed_uri.path : apr_pstrdup(p, "/");
    r->args = r->parsed_uri.query;
    r->hostname = s->server_hostname;
    r->status = HTTP_OK;
    r->request_time = apr_time_now();
    r->headers_in = apr_table_make(p, 8);
    r->headers_out = apr_table_make(p, 4);
    r->err_headers_out = apr_table_make(p, 4);
    r->subprocess_env = apr_table_make(p, 8);
    r->notes = apr_table_make(p, 4);
    r->per_dir_config = dir ? dir : s->lookup_defaults;
    st->scheme = "http";
    st->out = apr_pstrdup(p, "");
    st->custom_responses = apr_table_make(p, 2);
    rc[FAKE_CORE_INDEX] = st;
    r->request_config = (ap_conf_vector_t *)rc;
    r->useragent_addr = c->client_addr;
    r->useragent_ip = c->client_ip;
    r->remaining = 0;
    return r;
}

request_rec *fake_request(apr_pool_t *p, server_rec *s, const char *method, const char *uri,
                          ap_conf_vector_t *dir)
{
    return new_request(p, s, fake_connection(p, s), method, uri, dir);
}

request_rec *fake_subrequest(request_rec *main, const char *uri, ap_conf_vector_t *dir)
{
    request_rec *r = new_request(main->pool, main->server, main->connection, "GET", uri,
                                 dir ? dir : main->per_dir_config);

    /* httpd copies the main request's headers in, and its user. */
    r->main = main;
    r->headers_in = apr_table_copy(r->pool, main->headers_in);
    r->user = main->user;
    r->ap_auth_type = main->ap_auth_type;
    fake_state(r)->scheme = fake_state(main)->scheme;
    return r;
}

request_rec *fake_internal_redirect(request_rec *prev, const char *uri, ap_conf_vector_t *dir)
{
    request_rec *r = new_request(prev->pool, prev->server, prev->connection, prev->method, uri,
                                 dir ? dir : prev->per_dir_config);

    /* ap_internal_redirect: the same headers_in, the user carried over, the
     * old environment under REDIRECT_ names (left out here). */
    r->prev = prev;
    prev->next = r;
    r->headers_in = prev->headers_in;
    r->user = prev->user;
    r->ap_auth_type = prev->ap_auth_type;
    fake_state(r)->scheme = fake_state(prev)->scheme;
    return r;
}

fake_state_t *fake_state(const request_rec *r)
{
    return ((void **)r->request_config)[FAKE_CORE_INDEX];
}

void fake_set_body(request_rec *r, const char *body, int length_known)
{
    fake_state_t *st = fake_state(r);

    st->body = body;
    st->body_len = strlen(body);
    st->body_read = 0;
    st->body_length_known = length_known;
    if (length_known)
        apr_table_setn(r->headers_in, "Content-Length",
                       apr_psprintf(r->pool, "%" APR_SIZE_T_FMT, st->body_len));
    else
        apr_table_setn(r->headers_in, "Transfer-Encoding", "chunked");
}

const char *fake_output(const request_rec *r)
{
    return fake_state(r)->out;
}
