/* Mapping the shared counters, serving them, and the server-status section.
 * What is counted and how it reads is in saml/metrics*.c. */
#include "apache/metrics.h"

#include "apr_shm.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_status.h"

#include "apache/config.h"
#include "apache/log.h"
#include "saml/certificate.h"
#include "saml/metrics_text.h"

APLOG_USE_MODULE(sequr_saml);

static int wanted(server_rec *s)
{
    for (; s; s = s->next)
        if (sequr_server_conf(s)->metrics == 1)
            return 1;
    return 0;
}

/* Anonymous shared memory in the process pool, as the file store keeps its
 * mapping (apache/store_setup.c): pconf is cleared at every graceful
 * restart, the process pool lives as long as the Apache parent, and the
 * children inherit the mapping when they are forked. Only APR's own cleanup
 * is left in the process pool (this module is unloaded with pconf); the key
 * is allocated there too, for the same reason. */
int sequr_metrics_setup(apr_pool_t *pconf, server_rec *s)
{
    apr_pool_t *ppool = s->process->pool;
    apr_size_t size = saml_metrics_size();
    const char *key;
    saml_metrics_t *m = NULL;
    apr_shm_t *shm = NULL;
    server_rec *vs;
    apr_status_t rv;

    (void)pconf;
    if (wanted(s)) {
        key = apr_psprintf(ppool, "sequr_saml_metrics:%" APR_SIZE_T_FMT, size);
        apr_pool_userdata_get((void **)&shm, key, ppool);
        if (shm)
            m = saml_metrics_bind(apr_shm_baseaddr_get(shm), apr_shm_size_get(shm), 0);
        if (m == NULL) {
            /* First start, or a block of another build: a fresh one (an
             * older block stays with the older generation's children). */
            if ((rv = apr_shm_create(&shm, size, NULL, ppool)) != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, rv, s,
                             SEQLOGNO(02101) "SequrSAMLMetrics: cannot map %" APR_SIZE_T_FMT
                             " bytes of shared memory for the counters", size);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            m = saml_metrics_bind(apr_shm_baseaddr_get(shm), apr_shm_size_get(shm), 1);
            apr_pool_userdata_set(shm, key, apr_pool_cleanup_null, ppool);
        }
    }
    for (vs = s; vs; vs = vs->next)
        sequr_server_conf(vs)->metrics_block = m;
    return OK;
}

/* What the counters do not know: this server's IdPs and their certificates,
 * the store in use. */
static saml_metrics_view_t view_of(request_rec *r, const sequr_server_conf_t *c)
{
    saml_metrics_view_t v = { NULL, 0, -1, apr_time_now() };
    int n = 1 + (c->tenants ? c->tenants->nelts : 0), j, i;
    saml_metrics_idp_t *idps = apr_pcalloc(r->pool, sizeof(*idps) * (apr_size_t)n);

    for (j = -1; j < n - 1; j++) {
        const sequr_idp_t *idp = j < 0 ? c->idp : APR_ARRAY_IDX(c->tenants, j, sequr_idp_t *);
        saml_metrics_idp_t *out = &idps[v.nidps++];

        out->tenant = idp && idp->name ? idp->name : "";
        for (i = 0; idp && idp->certs && i < idp->certs->nelts; i++) {
            apr_time_t t = saml_cert_not_after(APR_ARRAY_IDX(idp->certs, i, X509 *));
            if (out->first_expiry == 0 || t < out->first_expiry)
                out->first_expiry = t;
        }
    }
    v.idps = idps;
    if (c->store)
        v.store_backend = saml_metrics_backend_of(c->store->provider->name);
    return v;
}

static int is_metrics_path(request_rec *r, const sequr_server_conf_t *c)
{
    const char *ep = sequr_endpoint_path(c), *path = r->parsed_uri.path;
    apr_size_t n = strlen(ep);

    return path && !strncmp(path, ep, n) && !strcmp(path + n, "/metrics");
}

int sequr_metrics_handler(request_rec *r)
{
    const sequr_server_conf_t *c = sequr_server_conf(r->server);
    saml_metrics_view_t v;

    if (r->main || c == NULL || c->metrics != 1 || c->metrics_block == NULL ||
        !is_metrics_path(r, c))
        return DECLINED;
    r->allowed |= (AP_METHOD_BIT << M_GET);
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    v = view_of(r, c);
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (!r->header_only)
        ap_rputs(saml_metrics_text(r->pool, c->metrics_block, &v), r);
    return OK;
}

int sequr_metrics_status(request_rec *r, int flags)
{
    const sequr_server_conf_t *c = sequr_server_conf(r->server);
    apr_array_header_t *lines;
    saml_metrics_view_t v;
    int i;

    if (c == NULL || c->metrics_block == NULL)
        return OK;
    v = view_of(r, c);
    lines = saml_metrics_status_lines(r->pool, c->metrics_block, &v);
    if (flags & AP_STATUS_SHORT) {
        for (i = 0; i < lines->nelts; i++) {
            const saml_metrics_line_t *l = &APR_ARRAY_IDX(lines, i, saml_metrics_line_t);
            ap_rprintf(r, "%s: %" APR_INT64_T_FMT "\n", l->key, l->value);
        }
        return OK;
    }
    ap_rputs("<hr />\n<h2>mod_sequr_saml</h2>\n<table border=\"0\">\n", r);
    for (i = 0; i < lines->nelts; i++) {
        const saml_metrics_line_t *l = &APR_ARRAY_IDX(lines, i, saml_metrics_line_t);
        ap_rprintf(r, "<tr><td>%s</td><td>%" APR_INT64_T_FMT "</td></tr>\n",
                   ap_escape_html(r->pool, l->key), l->value);
    }
    ap_rputs("</table>\n", r);
    return OK;
}
