/* Only active Sequr users get in: asked of the user store through mod_dbd at
 * sign-in, and again on later requests once the recheck interval has passed,
 * so deactivating someone takes effect without waiting for their next
 * sign-in. */
#include "apache/user_check.h"

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "apache/directives.h"
#include "apache/log.h"
#include "apache/error_page.h"
#include "apache/session_cookie.h"
#include "saml/user_store.h"

APLOG_USE_MODULE(sequr_saml);

/* Found when the directive is read; the children inherit them. */
static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;
static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;

const char *sequr_set_user_store(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = sequr_server_conf(cmd->server);
    (void)dc;

    if (!strcasecmp(arg, "none")) {
        c->user_store = 0;
        return NULL;
    }
    if (strcasecmp(arg, "dbd"))
        return apr_psprintf(cmd->pool, "%s: '%s' must be dbd or none", cmd->cmd->name, arg);
    dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    if (dbd_prepare == NULL || dbd_acquire == NULL)
        return apr_psprintf(cmd->pool, "%s dbd (line %d of %s) needs mod_dbd: load it first "
                            "(LoadModule dbd_module) and set DBDriver and DBDParams",
                            cmd->cmd->name, cmd->directive->line_num, cmd->directive->filename);
    /* mod_dbd prepares it on every connection it opens; a server it missed
     * still works (the lookup prepares it per request). */
    dbd_prepare(cmd->server, SAML_USER_LOOKUP_SQL, SAML_USER_LOOKUP_LABEL);
    c->user_store = 1;
    return NULL;
}

/* A connection mod_dbd opens prepares its statements at once, and SQLite
 * answers "database is locked" while a writer (sequr-saml-admin committing a
 * change) holds the file. mod_dbd gives up at the first refusal, so without
 * retrying, whoever needed a new connection during a user store change (every
 * child of a new generation after a graceful) got a 503. Retries for a short
 * while outlast a commit; a database that is really down still gets its 503
 * within about half a second. */
#define ACQUIRE_PATIENCE_MS 500
#define ACQUIRE_RETRY_MS 20

static ap_dbd_t *acquire_connection(request_rec *r)
{
    apr_time_t give_up = apr_time_now() + apr_time_from_msec(ACQUIRE_PATIENCE_MS);
    ap_dbd_t *dbd;

    if (dbd_acquire == NULL)
        return NULL;
    while ((dbd = dbd_acquire(r)) == NULL && apr_time_now() < give_up)
        apr_sleep(apr_time_from_msec(ACQUIRE_RETRY_MS));
    return dbd;
}

static apr_status_t counted(const sequr_server_conf_t *c, apr_status_t rv)
{
    saml_metrics_count(c->metrics_block, rv == APR_SUCCESS ? SAML_METRIC_USER_ADMITTED
                                         : rv == SAML_EREJECTED ? SAML_METRIC_USER_REFUSED
                                         : SAML_METRIC_USER_ERROR);
    return rv;
}

/* The store's answer for name: APR_SUCCESS (active, *stored set),
 * SAML_EREJECTED (unknown or inactive) or SAML_EUNAVAILABLE. */
static apr_status_t ask_store(request_rec *r, const sequr_server_conf_t *c, const char *name,
                              const char **stored, saml_err_t *err)
{
    ap_dbd_t *dbd = acquire_connection(r);
    saml_user_db_t db;
    apr_dbd_prepared_t *stmt;

    if (dbd == NULL)
        return counted(c, saml_fail(r->pool, err, SAML_EUNAVAILABLE, "user-store",
                                    "no database connection from mod_dbd (see its log lines "
                                    "for why)"));
    db.driver = dbd->driver;
    db.handle = dbd->handle;
    stmt = dbd->prepared ? apr_hash_get(dbd->prepared, SAML_USER_LOOKUP_LABEL,
                                        APR_HASH_KEY_STRING) : NULL;
    return counted(c, saml_user_admit(r->pool, &db, stmt, name, stored, err));
}

/* One page for an unknown and an inactive user, so the page does not tell
 * which Azure names exist in Sequr; the log line says which. */
static int refuse(request_rec *r, const sequr_server_conf_t *c, apr_status_t rv,
                  const saml_err_t *err)
{
    const char *check = err->check ? err->check : "user-store";

    if (rv != SAML_EREJECTED) {
        sequr_fail(r, HTTP_SERVICE_UNAVAILABLE, check, err->detail);
        return DONE;
    }
    sequr_fail_with_text(r, HTTP_FORBIDDEN, check, err->detail,
                         apr_psprintf(r->pool, "Your account is not activated in Sequr. "
                                      "Please ask %s to activate it.",
                                      ap_escape_html(r->pool, c->user_store_contact)));
    return DONE;
}

int sequr_user_check_sign_in(request_rec *r, const sequr_server_conf_t *c, const char *name,
                             const char **stored)
{
    saml_err_t err = {0};
    apr_status_t rv;

    *stored = name;
    if (!c->user_store)
        return OK;
    rv = ask_store(r, c, name, stored, &err);
    if (rv != APR_SUCCESS)
        return refuse(r, c, rv, &err);
    return OK;
}

int sequr_user_recheck(request_rec *r, const sequr_server_conf_t *c, saml_session_t *s)
{
    apr_time_t now = apr_time_now();
    apr_interval_time_t interval = apr_time_from_sec(c->user_recheck_interval);
    const char *stored = NULL;
    saml_err_t err = {0};
    apr_status_t rv;

    /* A subrequest rides on its main request's check. A user_checked in the
     * future (clock stepped back) counts as due. */
    if (!c->user_store || r->main ||
        (s->user_checked && s->user_checked <= now && now - s->user_checked < interval))
        return OK;
    rv = ask_store(r, c, s->user, &stored, &err);
    if (rv == APR_SUCCESS) {
        s->user = stored;
        s->user_checked = now;
        /* Best effort: a failed write only means the next request asks again.
         * Replace-only: a logout meanwhile is not undone. */
        saml_session_update(r->pool, c->store, s);
        return OK;
    }
    if (rv == SAML_EREJECTED) {
        saml_session_remove(r->pool, c->store, s->id);
        sequr_cookie_clear(r, c);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SEQLOGNO(01801) "session of %s ended: the user store no longer admits them",
                      sequr_log_value(r, s->user));
    }
    return refuse(r, c, rv, &err);
}
