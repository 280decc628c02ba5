/* The httpd functions apache/ code calls, stubbed for in-process tests (as
 * mod_auth_openidc's test/stub.c): each does what the module relies on, in
 * the simplest way, and keeps what a test may want to look at (log lines,
 * output, ap_die, registered providers and hooks) in the fake request's
 * state or here. APR is the real one. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "apr_lib.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"
#include "unixd.h"
#include "util_cfgtree.h"
#include "util_filter.h"

#include "tests/apache/request_fake.h"

/* ---- log --------------------------------------------------------------------- */

static char log_buf[64 * 1024];
static apr_size_t log_len;

static const char *level_name(int level)
{
    static const char *const names[] = {"emerg", "alert", "crit", "error", "warn",
                                        "notice", "info", "debug"};
    level &= APLOG_LEVELMASK;
    return level < 8 ? names[level] : "trace";
}

static void log_line(int level, const char *fmt, va_list ap)
{
    char msg[4096];
    int n;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = snprintf(log_buf + log_len, sizeof(log_buf) - log_len, "%s %s\n", level_name(level), msg);
    if (n > 0 && (apr_size_t)n < sizeof(log_buf) - log_len)
        log_len += (apr_size_t)n;
}

void ap_log_rerror_(const char *file, int line, int module_index, int level, apr_status_t status,
                    const request_rec *r, const char *fmt, ...)
{
    va_list ap;
    (void)file, (void)line, (void)module_index, (void)status, (void)r;
    va_start(ap, fmt);
    log_line(level, fmt, ap);
    va_end(ap);
}

void ap_log_error_(const char *file, int line, int module_index, int level, apr_status_t status,
                   const server_rec *s, const char *fmt, ...)
{
    va_list ap;
    (void)file, (void)line, (void)module_index, (void)status, (void)s;
    va_start(ap, fmt);
    log_line(level, fmt, ap);
    va_end(ap);
}

const char *fake_log(void)
{
    log_buf[log_len] = '\0';
    return log_buf;
}

void fake_log_clear(void)
{
    log_len = 0;
    log_buf[0] = '\0';
}

int fake_log_has(const char *needle)
{
    return strstr(fake_log(), needle) != NULL;
}

/* ---- what the core keeps per directory ---------------------------------------- */

const char *ap_auth_type(request_rec *r)
{
    return fake_core_dir(r->per_dir_config)->auth_type;
}

/* The fake's index of a response is its status code. */
int ap_index_of_response(int status)
{
    return status;
}

const char *ap_response_code_string(request_rec *r, int error_index)
{
    const char *key = apr_itoa(r->pool, error_index);
    const char *custom = apr_table_get(fake_state(r)->custom_responses, key);
    return custom ? custom : apr_table_get(fake_core_dir(r->per_dir_config)->error_documents, key);
}

/* As httpd keeps it: a local or full URL as given, text behind a '"'. */
void ap_custom_response(request_rec *r, int status, const char *string)
{
    int url = string[0] == '/' || ap_strstr_c(string, "://") != NULL;
    apr_table_set(fake_state(r)->custom_responses, apr_itoa(r->pool, status),
                  url ? string : apr_pstrcat(r->pool, "\"", string, NULL));
}

int ap_location_walk(request_rec *r)
{
    fake_state_t *st = fake_state(r);
    st->location_walks++;
    if (st->location_config)
        r->per_dir_config = st->location_config;
    return OK;
}

const char *ap_run_http_scheme(const request_rec *r)
{
    return fake_state(r)->scheme;
}

/* ---- request body and response ------------------------------------------------- */

int ap_setup_client_block(request_rec *r, int read_policy)
{
    fake_state_t *st = fake_state(r);
    (void)read_policy;
    if (st->body == NULL)
        return OK;
    if (st->body_length_known)
        r->remaining = (apr_off_t)st->body_len;
    else
        r->read_chunked = 1;
    return OK;
}

int ap_should_client_block(request_rec *r)
{
    if (r->read_length || (!r->read_chunked && r->remaining <= 0))
        return 0;
    return 1;
}

long ap_get_client_block(request_rec *r, char *buffer, apr_size_t bufsiz)
{
    fake_state_t *st = fake_state(r);
    apr_size_t n = st->body_len - st->body_read;

    if (n > bufsiz)
        n = bufsiz;
    memcpy(buffer, st->body + st->body_read, n);
    st->body_read += n;
    if (!r->read_chunked)
        r->remaining -= (apr_off_t)n;
    return (long)n;
}

int ap_discard_request_body(request_rec *r)
{
    fake_state(r)->discarded++;
    return OK;
}

void ap_die(int type, request_rec *r)
{
    fake_state(r)->died = type;
}

void ap_set_content_type(request_rec *r, const char *ct)
{
    r->content_type = ct;
}

int ap_rwrite(const void *buf, int nbyte, request_rec *r)
{
    fake_state_t *st = fake_state(r);
    char *out = apr_palloc(r->pool, st->out_len + (apr_size_t)nbyte + 1);

    memcpy(out, st->out, st->out_len);
    memcpy(out + st->out_len, buf, (apr_size_t)nbyte);
    st->out_len += (apr_size_t)nbyte;
    out[st->out_len] = '\0';
    st->out = out;
    return nbyte;
}

int ap_rprintf(request_rec *r, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = apr_pvsprintf(r->pool, fmt, ap);
    va_end(ap);
    return ap_rwrite(s, (int)strlen(s), r);
}

/* ---- string helpers of httpd's util.c ------------------------------------------ */

int ap_cstr_casecmp(const char *s1, const char *s2)
{
    return strcasecmp(s1, s2);
}

char *ap_strcasestr(const char *s1, const char *s2)
{
    return strcasestr(s1, s2);
}

void ap_str_tolower(char *s)
{
    for (; *s; s++)
        *s = (char)apr_tolower(*s);
}

/* 0 when str matches the wildcard pattern expected ('*' and '?'), case aside. */
int ap_strcasecmp_match(const char *str, const char *expected)
{
    for (; *expected; str++, expected++) {
        if (*expected == '*') {
            while (*expected == '*')
                expected++;
            if (*expected == '\0')
                return 0;
            for (; *str; str++)
                if (ap_strcasecmp_match(str, expected) == 0)
                    return 0;
            return -1;
        }
        if (*str == '\0')
            return -1;
        if (*expected != '?' && apr_tolower(*str) != apr_tolower(*expected))
            return 1;
    }
    return *str != '\0';
}

char *ap_escape_html2(apr_pool_t *p, const char *s, int toasc)
{
    char *out = apr_palloc(p, strlen(s) * 6 + 1), *o = out;
    (void)toasc;
    for (; *s; s++) {
        const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;"
                      : *s == '"' ? "&quot;" : NULL;
        if (e) {
            strcpy(o, e);
            o += strlen(e);
        }
        else
            *o++ = *s;
    }
    *o = '\0';
    return out;
}

/* A configuration word: quoted ("a b", 'a b', with \" inside) or up to a space. */
char *ap_getword_conf(apr_pool_t *p, const char **line)
{
    const char *str = *line, *end;
    char *res, *o;
    char quote;

    while (apr_isspace(*str))
        str++;
    if (*str == '\0') {
        *line = str;
        return apr_pstrdup(p, "");
    }
    quote = *str;
    if (quote == '"' || quote == '\'') {
        res = o = apr_palloc(p, strlen(str));
        for (end = str + 1; *end && *end != quote; end++) {
            if (*end == '\\' && (end[1] == quote || end[1] == '\\'))
                end++;
            *o++ = *end;
        }
        *o = '\0';
        if (*end == quote)
            end++;
    }
    else {
        for (end = str; *end && !apr_isspace(*end); end++)
            ;
        res = apr_pstrndup(p, str, (apr_size_t)(end - str));
    }
    while (apr_isspace(*end))
        end++;
    *line = end;
    return res;
}

int ap_unescape_urlencoded(char *query)
{
    char *in = query, *out = query;

    for (; *in; in++, out++) {
        if (*in == '+')
            *out = ' ';
        else if (*in == '%') {
            if (!apr_isxdigit(in[1]) || !apr_isxdigit(in[2]))
                return HTTP_BAD_REQUEST;
            *out = (char)((apr_isdigit(in[1]) ? in[1] - '0' : apr_tolower(in[1]) - 'a' + 10) * 16 +
                          (apr_isdigit(in[2]) ? in[2] - '0' : apr_tolower(in[2]) - 'a' + 10));
            in += 2;
        }
        else
            *out = *in;
    }
    *out = '\0';
    return OK;
}

/* ---- configuration time ------------------------------------------------------- */

AP_DECLARE_DATA unixd_config_rec ap_unixd_config;
AP_DECLARE_DATA ap_directive_t *ap_conftree;

const char *ap_check_cmd_context(cmd_parms *cmd, unsigned forbidden)
{
    (void)cmd, (void)forbidden;
    return NULL;
}

const char *ap_walk_config(ap_directive_t *conftree, cmd_parms *parms,
                           ap_conf_vector_t *section_vector)
{
    (void)conftree, (void)parms, (void)section_vector;
    return NULL;
}

char *ap_server_root_relative(apr_pool_t *p, const char *fname)
{
    return fname[0] == '/' ? apr_pstrdup(p, fname) : apr_pstrcat(p, "/tmp/", fname, NULL);
}

char *ap_runtime_dir_relative(apr_pool_t *p, const char *fname)
{
    return ap_server_root_relative(p, fname);
}

int ap_state_query(int query)
{
    (void)query;
    return AP_SQ_MS_RUN_MPM;
}

/* ---- registration: kept so that tests can call what the module registered ------- */

#define MAX_REGISTERED 8

static struct {
    const char *name;
    const authz_provider *provider;
} providers[MAX_REGISTERED];
static fake_auth_failure_fn note_auth_failure;
static fake_request_fn insert_error_filters[MAX_REGISTERED], insert_filters[MAX_REGISTERED];

apr_status_t ap_register_auth_provider(apr_pool_t *pool, const char *provider_group,
                                       const char *provider_name, const char *provider_version,
                                       const void *provider, int type)
{
    int i;
    (void)pool, (void)provider_version, (void)type;
    if (strcmp(provider_group, AUTHZ_PROVIDER_GROUP))
        return APR_SUCCESS;
    for (i = 0; i < MAX_REGISTERED; i++)
        if (providers[i].name == NULL || !strcmp(providers[i].name, provider_name)) {
            providers[i].name = provider_name;
            providers[i].provider = provider;
            break;
        }
    return APR_SUCCESS;
}

const authz_provider *fake_authz_provider(const char *name)
{
    int i;
    for (i = 0; i < MAX_REGISTERED && providers[i].name; i++)
        if (!strcmp(providers[i].name, name))
            return providers[i].provider;
    return NULL;
}

static void keep(fake_request_fn *list, fake_request_fn fn)
{
    int i;
    for (i = 0; i < MAX_REGISTERED; i++)
        if (list[i] == NULL || list[i] == fn) {
            list[i] = fn;
            return;
        }
}

void ap_hook_note_auth_failure(ap_HOOK_note_auth_failure_t *pf, const char *const *pre,
                               const char *const *succ, int order)
{
    (void)pre, (void)succ, (void)order;
    note_auth_failure = pf;
}

void ap_hook_insert_error_filter(ap_HOOK_insert_error_filter_t *pf, const char *const *pre,
                                 const char *const *succ, int order)
{
    (void)pre, (void)succ, (void)order;
    keep(insert_error_filters, pf);
}

void ap_hook_insert_filter(ap_HOOK_insert_filter_t *pf, const char *const *pre,
                           const char *const *succ, int order)
{
    (void)pre, (void)succ, (void)order;
    keep(insert_filters, pf);
}

fake_auth_failure_fn fake_note_auth_failure_hook(void)
{
    return note_auth_failure;
}

fake_request_fn fake_insert_error_filter_hook(int i)
{
    return i >= 0 && i < MAX_REGISTERED ? insert_error_filters[i] : NULL;
}

fake_request_fn fake_insert_filter_hook(int i)
{
    return i >= 0 && i < MAX_REGISTERED ? insert_filters[i] : NULL;
}

/* ---- output filters (cache_control.c): registered, never run here -------------- */

ap_filter_rec_t *ap_register_output_filter(const char *name, ap_out_filter_func filter_func,
                                           ap_init_filter_func filter_init, ap_filter_type ftype)
{
    static ap_filter_rec_t rec;
    (void)filter_func, (void)filter_init, (void)ftype;
    rec.name = name;
    return &rec;
}

ap_filter_t *ap_add_output_filter_handle(ap_filter_rec_t *f, void *ctx, request_rec *r,
                                         conn_rec *c)
{
    (void)f, (void)ctx, (void)r, (void)c;
    return NULL;
}

void ap_remove_output_filter(ap_filter_t *f)
{
    (void)f;
}

apr_status_t ap_pass_brigade(ap_filter_t *filter, apr_bucket_brigade *bucket)
{
    (void)filter, (void)bucket;
    return APR_SUCCESS;
}

/* PATH/login asks which location its ReturnTo is in: the fake's
 * configuration is the page's (no walk). */
request_rec *ap_sub_req_lookup_uri(const char *new_uri, const request_rec *r,
                                   ap_filter_t *next_filter)
{
    request_rec *sub = apr_pmemdup(r->pool, r, sizeof(*r));
    (void)next_filter;
    sub->uri = apr_pstrdup(r->pool, new_uri);
    sub->main = (request_rec *)r;
    return sub;
}

void ap_destroy_sub_req(request_rec *r)
{
    (void)r;
}

void ap_set_content_length(request_rec *r, apr_off_t length)
{
    r->clength = length;
}
