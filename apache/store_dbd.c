/* The SQL store's connections: borrowed from mod_dbd for each operation and
 * given back at once, so a request holds none while it waits on anything
 * else, and the statements are those mod_dbd prepared on the connection. */
#include "apache/store_dbd.h"

#include "apr_strings.h"
#include "http_log.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "apache/directives.h"
#include "apache/log.h"
#include "saml/store_dbd.h"
#include "saml/store_error.h"

APLOG_USE_MODULE(sequr_saml);

/* Found when the directive is read; the children inherit them. */
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;
static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;

/* As for the user store (apache/user_check.c): a new SQLite connection
 * prepares its statements at once and may meet "database is locked" while
 * another process writes; mod_dbd gives up at the first refusal. A database
 * that is really down still answers 503 within about half a second. */
#define ACQUIRE_PATIENCE_MS 500
#define ACQUIRE_RETRY_MS 20

const char *sequr_store_dbd_register(cmd_parms *cmd)
{
    const char *label, *sql;
    int i;

    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    if (dbd_open == NULL || dbd_close == NULL || dbd_prepare == NULL)
        return apr_psprintf(cmd->pool, "%s dbd (line %d of %s) needs mod_dbd: load it first "
                            "(LoadModule dbd_module) and set DBDriver and DBDParams",
                            cmd->cmd->name, cmd->directive->line_num,
                            cmd->directive->filename);
    for (i = 0; saml_store_dbd_statement(i, &label, &sql); i++)
        dbd_prepare(cmd->server, sql, label);
    return NULL;
}

static apr_status_t acquire(void *baton, apr_pool_t *p, saml_dbd_conn_t *c)
{
    server_rec *s = baton;
    apr_time_t give_up = apr_time_now() + apr_time_from_msec(ACQUIRE_PATIENCE_MS);
    ap_dbd_t *dbd;

    while ((dbd = dbd_open(p, s)) == NULL && apr_time_now() < give_up)
        apr_sleep(apr_time_from_msec(ACQUIRE_RETRY_MS));
    if (dbd == NULL) {
        saml_store_error_note(SAML_EUNAVAILABLE, "no database connection from mod_dbd "
                              "(its log lines say why)");
        return SAML_EUNAVAILABLE;
    }
    c->driver = dbd->driver;
    c->handle = dbd->handle;
    c->prepared = dbd->prepared;
    c->pool = dbd->pool;
    c->host = dbd;
    return APR_SUCCESS;
}

static void release(void *baton, saml_dbd_conn_t *c)
{
    dbd_close(baton, c->host);
}

saml_store_t *sequr_store_dbd_open(apr_pool_t *pconf, server_rec *s)
{
    saml_dbd_source_t *src = apr_pcalloc(pconf, sizeof(*src));
    saml_store_t *st = NULL;

    if (dbd_open == NULL) {
        /* Cannot happen: the directive refused to be read without mod_dbd. */
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, SEQLOGNO(02401) "%s dbd needs mod_dbd",
                     D_CACHE);
        return NULL;
    }
    src->acquire = acquire;
    src->release = release;
    src->baton = s;
    saml_store_dbd_open(pconf, src, 0, &st);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, SEQLOGNO(02402) "session store: dbd (table "
                 SAML_DBD_CACHE_TABLE " through mod_dbd)");
    return st;
}
