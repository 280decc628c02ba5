/* Requests built by hand for the in-process tests of apache/ code: a server
 * with this module's configuration, per-directory configurations, requests,
 * subrequests and internal redirects, with what the stubbed httpd functions
 * (stub.c) saw kept where a test can look. No Apache runs: the code under
 * test is the module's own, httpd's part is the fake. */
#ifndef SEQUR_TEST_REQUEST_FAKE_H
#define SEQUR_TEST_REQUEST_FAKE_H

#include "httpd.h"
#include "http_config.h"
#include "mod_auth.h"

#include "apache/config.h"

/* Module indices in the fake configuration vectors: ours, and a stand-in for
 * httpd's core (AuthType, ErrorDocument) that only the stubs read. */
#define FAKE_OUR_INDEX  0
#define FAKE_CORE_INDEX 1
#define FAKE_MODULES    2

/* What httpd's core keeps per directory and the stubs answer from. */
typedef struct fake_core_dir {
    const char *auth_type;          /* AuthType; NULL: none */
    apr_table_t *error_documents;   /* "403" -> ErrorDocument argument as core keeps it:
                                       text with a leading '"', a local URL, a full URL */
} fake_core_dir_t;

/* What a request sent and what was done to it, beyond request_rec. */
typedef struct fake_state {
    const char *scheme;             /* ap_http_scheme: "http" unless set */
    const char *body;               /* the request body ap_get_client_block hands out */
    apr_size_t body_len, body_read;
    int body_length_known;          /* Content-Length given: r->remaining = body_len */
    char *out;                      /* what ap_rwrite/ap_rputs/ap_rprintf wrote */
    apr_size_t out_len;
    int died;                       /* the status given to ap_die, 0: not called */
    int discarded;                  /* ap_discard_request_body calls */
    int location_walks;             /* ap_location_walk calls */
    ap_conf_vector_t *location_config;  /* what ap_location_walk makes per_dir_config */
    apr_table_t *custom_responses;  /* ap_custom_response: "401" -> text */
} fake_state_t;

/* A virtual host name:port (port 0: none in ServerName) with a fresh
 * configuration of ours from sequr_create_server_conf. The module's index
 * is set here: call it before anything reads a configuration. */
server_rec *fake_server(apr_pool_t *p, const char *hostname, apr_port_t port);
sequr_server_conf_t *fake_server_conf(server_rec *s);

/* A per-directory configuration vector: ours (NULL: a fresh one from
 * sequr_create_dir_conf) and core's AuthType (NULL: none). */
ap_conf_vector_t *fake_dir_config(apr_pool_t *p, sequr_dir_conf_t *ours, const char *auth_type);
fake_core_dir_t *fake_core_dir(ap_conf_vector_t *v);
sequr_dir_conf_t *fake_our_dir(ap_conf_vector_t *v);

/* A GET-like request of method for uri ("/path?query") on s, from 192.0.2.7
 * to the local port 8080, under dir (NULL: the server's lookup_defaults,
 * where our endpoints answer). */
request_rec *fake_request(apr_pool_t *p, server_rec *s, const char *method, const char *uri,
                          ap_conf_vector_t *dir);
/* A subrequest of main (r->main) and an internal redirect from prev
 * (r->prev, prev->next), for uri under dir (NULL: the same configuration as
 * the request it comes from, as httpd shares it when nothing differs). */
request_rec *fake_subrequest(request_rec *main, const char *uri, ap_conf_vector_t *dir);
request_rec *fake_internal_redirect(request_rec *prev, const char *uri, ap_conf_vector_t *dir);

fake_state_t *fake_state(const request_rec *r);
/* The request's body; length_known says whether Content-Length came with it. */
void fake_set_body(request_rec *r, const char *body, int length_known);
/* What the response body holds so far ("" when nothing was written). */
const char *fake_output(const request_rec *r);
/* The TCP peer (r->connection->client_addr and client_ip). */
void fake_set_peer(request_rec *r, const char *ip);

/* Every log line written through ap_log_rerror/ap_log_error since the last
 * fake_log_clear, one per line as "LEVEL message". */
const char *fake_log(void);
void fake_log_clear(void);
int fake_log_has(const char *needle);

/* What the module registered through the stubbed hooks. */
const authz_provider *fake_authz_provider(const char *name);
typedef int (*fake_auth_failure_fn)(request_rec *r, const char *type);
typedef void (*fake_request_fn)(request_rec *r);
fake_auth_failure_fn fake_note_auth_failure_hook(void);
/* The i-th function registered for insert_error_filter / insert_filter, or NULL. */
fake_request_fn fake_insert_error_filter_hook(int i);
fake_request_fn fake_insert_filter_hook(int i);

/* The module record (index FAKE_OUR_INDEX), with the module's merge functions. */
extern module AP_MODULE_DECLARE_DATA sequr_saml_module;

#endif
