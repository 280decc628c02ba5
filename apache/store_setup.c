#include "store_setup.h"

#include "apr_strings.h"
#include "http_config.h"
#include "http_log.h"
#include "unixd.h"

#include <unistd.h>

#include "config.h"
#include "log.h"
#include "store_file.h"

APLOG_USE_MODULE(sequr_saml);

#define DEFAULT_STORE_FILE "sequr_saml.store"

static const char *store_path(apr_pool_t *pconf, const char *spec)
{
    if (spec && spec[4] == ':' && spec[5] != '\0')
        return ap_server_root_relative(pconf, spec + 5);
    return ap_runtime_dir_relative(pconf, DEFAULT_STORE_FILE);
}

/* The store's mapping hangs off the process pool, not the configuration
 * pool: pconf is cleared at every graceful restart (which is how
 * mod_auth_mellon loses every session), the process pool lives as long as the
 * Apache parent. Apache also unloads this module with pconf, so nothing of
 * ours (no cleanup, no function pointer) may be left in the process pool:
 * each configuration generation gets a handle of its own in pconf. */
static saml_store_t *open_store(apr_pool_t *pconf, server_rec *s, const char *path,
                                apr_size_t entries)
{
    apr_pool_t *ppool = s->process->pool;
    const char *key = apr_psprintf(ppool, "sequr_saml_store:%s:%" APR_SIZE_T_FMT, path, entries);
    saml_store_t *st = NULL;
    saml_err_t err = {0};
    apr_status_t rv;

    apr_pool_userdata_get((void **)&st, key, ppool);
    if (st)
        return saml_store_file_rebind(pconf, st);
    rv = saml_store_file_open_persistent(ppool, path, entries,
                              SAML_STORE_FILE_DEFAULT_VALUE_MAX, &st, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     SEQLOGNO(01501) "cannot open the session store %s: %s", path,
                     err.detail ? err.detail : "error");
        return NULL;
    }
    if (geteuid() == 0 &&
        saml_store_file_chown(st, (long)ap_unixd_config.user_id, (long)ap_unixd_config.group_id) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     SEQLOGNO(01502) "cannot give the session store %s to the Apache user", path);
    apr_pool_userdata_set(st, key, apr_pool_cleanup_null, ppool);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, SEQLOGNO(01503) "session store: %s", path);
    return saml_store_file_rebind(pconf, st);
}

int sequr_store_setup(apr_pool_t *pconf, server_rec *s)
{
    sequr_server_conf_t *main_conf = sequr_server_conf(s);
    saml_store_t *st = NULL;
    server_rec *vs;
    int needed = 0;

    for (vs = s; vs; vs = vs->next)
        if (sequr_server_conf(vs)->sp_entity_id)
            needed = 1;
    if (!needed)
        return OK;
    st = open_store(pconf, s, store_path(pconf, main_conf->cache_spec),
                    main_conf->cache_entries == SEQUR_UNSET ? SAML_STORE_FILE_DEFAULT_ENTRIES
                                                            : (apr_size_t)main_conf->cache_entries);
    if (st == NULL)
        return HTTP_INTERNAL_SERVER_ERROR;
    for (vs = s; vs; vs = vs->next)
        sequr_server_conf(vs)->store = st;
    return OK;
}
