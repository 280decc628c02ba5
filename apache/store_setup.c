#include "apache/store_setup.h"

#include "apr_strings.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "unixd.h"

#include <unistd.h>

#include "apache/config.h"
#include "apache/directives.h"
#include "apache/log.h"
#include "apache/store_dbd.h"
#include "saml/error.h"
#include "saml/pending_cookie.h"
#include "saml/store_file.h"
#include "saml/store_memcache.h"
#include "saml/store_metered.h"
#include "saml/store_redis.h"

APLOG_USE_MODULE(sequr_saml);

#define DEFAULT_STORE_FILE "sequr_saml.store"
#define DEFAULT_KEY_FILE   "sequr_saml.key"

typedef enum { STORE_FILE, STORE_MEMCACHE, STORE_REDIS, STORE_REDISS, STORE_DBD,
               STORE_UNKNOWN } store_kind_t;

/* The provider of a SequrSAMLCache value, and where its arguments start.
 * "redis://" is a synonym of "redis:"; "rediss://" is Redis over TLS. */
static store_kind_t store_kind(const char *spec, const char **args)
{
    static const struct { const char *prefix; store_kind_t kind; } urls[] = {
        { "rediss://", STORE_REDISS }, { "redis://", STORE_REDIS }
    };
    static const struct { const char *name; store_kind_t kind; } known[] = {
        { "file", STORE_FILE }, { "memcache", STORE_MEMCACHE }, { "redis", STORE_REDIS },
        { "dbd", STORE_DBD }
    };
    apr_size_t i;

    *args = NULL;
    if (spec == NULL)
        return STORE_FILE;
    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        apr_size_t n = strlen(urls[i].prefix);
        if (strncasecmp(spec, urls[i].prefix, n) == 0) {
            *args = spec + n;
            return urls[i].kind;
        }
    }
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        apr_size_t n = strlen(known[i].name);
        if (strncasecmp(spec, known[i].name, n) == 0 && (spec[n] == '\0' || spec[n] == ':')) {
            *args = spec[n] == ':' ? spec + n + 1 : NULL;
            return known[i].kind;
        }
    }
    return STORE_UNKNOWN;
}

static int is_redis(store_kind_t kind)
{
    return kind == STORE_REDIS || kind == STORE_REDISS;
}

static const char *store_path(apr_pool_t *pconf, const char *spec)
{
    const char *args = NULL;
    if (store_kind(spec, &args) == STORE_FILE && args && *args)
        return ap_server_root_relative(pconf, args);
    return ap_runtime_dir_relative(pconf, DEFAULT_STORE_FILE);
}

/* SequrSAMLCache's argument, checked when the directive is read: NULL when
 * usable, else why not (the caller prefixes the directive name; Apache adds
 * the file and line). */
static const char *store_spec_check(apr_pool_t *p, const char *spec)
{
    const char *args;
    saml_store_t *st = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv;

    switch (store_kind(spec, &args)) {
    case STORE_FILE:
        return NULL;
    case STORE_MEMCACHE:
        rv = saml_store_memcache_open(p, args, 0, &st, &err);
        break;
    case STORE_REDIS:
    case STORE_REDISS:
        /* A URL's user:password@ would put the secret in the configuration. */
        if (args && strchr(args, '@'))
            return apr_psprintf(p, "'%s': no user or password in the URL: put them in "
                                "the file " D_CACHE_PASSWORD_FILE " names",
                                saml_log_escape(p, spec, 40));
        rv = saml_store_redis_open(p, args, 0, &st, &err);
        break;
    case STORE_DBD:
        /* The database is mod_dbd's (DBDriver, DBDParams). */
        if (args)
            return apr_psprintf(p, "'%s': dbd takes no argument (mod_dbd's DBDriver and "
                                "DBDParams name the database)", saml_log_escape(p, spec, 40));
        return NULL;
    default:
        return apr_psprintf(p, "unknown provider in '%s' (this build knows 'file[:PATH]', "
                            "'memcache:HOST:PORT[,HOST:PORT...]', "
                            "'redis:HOST:PORT[,HOST:PORT...]' (or redis://...) and "
                            "'rediss://HOST:PORT[,HOST:PORT...]' (TLS) and 'dbd' (mod_dbd))", spec);
    }
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "'%s': %s", spec, err.detail ? err.detail : "unusable server list");
    return NULL;
}

const char *sequr_set_cache(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *args, *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)dc;
    if (err)
        return err;
    if ((err = store_spec_check(cmd->temp_pool, arg)) != NULL)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    if (store_kind(arg, &args) == STORE_DBD && (err = sequr_store_dbd_register(cmd)) != NULL)
        return err;
    sequr_server_conf(cmd->server)->cache_spec = arg;
    return NULL;
}

const char *sequr_set_cookie_key_file(cmd_parms *cmd, void *dc, const char *arg)
{
    sequr_server_conf_t *c = sequr_server_conf(cmd->server);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)dc;
    if (err)
        return err;
    c->cookie_key_file = ap_server_root_relative(cmd->pool, arg);
    if (c->cookie_key_file == NULL)
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name, arg);
    return NULL;
}

/* A path of a SequrSAMLCache* file directive, relative to ServerRoot. */
static const char *file_of(apr_pool_t *p, const char *arg)
{
    return arg ? ap_server_root_relative(p, arg) : NULL;
}

/* The Redis options of the configuration, the password file read. NULL when
 * fine, else why not (naming the directive and the file). */
static const char *redis_options(apr_pool_t *p, const sequr_server_conf_t *c,
                                 store_kind_t kind, const char *servers,
                                 saml_redis_options_t *o)
{
    saml_err_t err = { NULL, NULL };

    memset(o, 0, sizeof(*o));
    o->servers = servers;
    o->timeout = apr_time_from_msec(c->cache_timeout > 0 ? c->cache_timeout : 1000);
    o->tls = kind == STORE_REDISS;
    o->ca_file = file_of(p, c->cache_ca_file);
    o->cert_file = file_of(p, c->cache_client_cert_file);
    o->key_file = file_of(p, c->cache_client_key_file);
    if (c->cache_password_file
        && saml_redis_password_file_read(p, file_of(p, c->cache_password_file), &o->user,
                                         &o->password, &err) != APR_SUCCESS)
        return apr_psprintf(p, D_CACHE_PASSWORD_FILE " %s", err.detail);
    return NULL;
}

/* What the log says the store is: never the password, only whether there
 * is one and the user. */
static const char *store_label(apr_pool_t *p, const saml_store_t *st, store_kind_t kind,
                               const char *servers, const saml_redis_options_t *o)
{
    if (!is_redis(kind))
        return apr_psprintf(p, "%s %s", st->provider->name, servers);
    return apr_psprintf(p, "%s %s (%s%s%s%s%s)", st->provider->name, servers,
                        o->tls ? "TLS" : "plain TCP",
                        o->tls && o->ca_file ? ", CAs of " : "",
                        o->tls && o->ca_file ? o->ca_file : "",
                        o->password ? ", AUTH as " : ", no AUTH",
                        o->password ? (o->user ? o->user : "the default user") : "");
}

/* memcached or Redis: nothing to keep across reloads (the state is in the
 * cache servers), so each configuration generation makes its own handle in
 * pconf. No connection is made here: each child connects on first use, so no
 * socket is ever shared between processes. The password file is read here,
 * in the parent (which may be root: the file may be root's alone). */
static saml_store_t *open_network_store(apr_pool_t *pconf, server_rec *s, store_kind_t kind,
                                        const char *servers)
{
    const sequr_server_conf_t *c = sequr_server_conf(s);
    saml_store_t *st = NULL;
    saml_err_t err = { NULL, NULL };
    saml_redis_options_t o;
    const char *why;
    apr_status_t rv;

    if (kind == STORE_MEMCACHE)
        rv = saml_store_memcache_open(pconf, servers, apr_time_from_msec(c->cache_timeout),
                                      &st, &err);
    else if ((why = redis_options(pconf, c, kind, servers, &o)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, SEQLOGNO(01509) "%s", why);
        return NULL;
    }
    else
        rv = saml_store_redis_open_ex(pconf, &o, &st, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     SEQLOGNO(01504) "cannot use the session store %s: %s",
                     servers, err.detail ? err.detail : "error");
        return NULL;
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, SEQLOGNO(01505) "session store: %s",
                 store_label(pconf, st, kind, servers, &o));
    return st;
}

/* configtest: the Redis password file and TLS files are usable, and none of
 * them is set where it would be ignored. NULL when fine. */
static const char *network_store_check(apr_pool_t *p, const sequr_server_conf_t *c,
                                       store_kind_t kind, const char *args)
{
    saml_redis_options_t o;
    saml_store_t *st;
    saml_err_t err = { NULL, NULL };
    const char *why;

    if (kind != STORE_REDISS && (c->cache_ca_file || c->cache_client_cert_file
                                 || c->cache_client_key_file))
        return apr_psprintf(p, "%s: " D_CACHE_CA_FILE ", " D_CACHE_CLIENT_CERT_FILE " and "
                            D_CACHE_CLIENT_KEY_FILE " apply to rediss:// only (TLS)",
                            c->cache_spec ? c->cache_spec : "file");
    if (!is_redis(kind)) {
        if (c->cache_password_file)
            return apr_psprintf(p, "%s: " D_CACHE_PASSWORD_FILE " applies to Redis only",
                                c->cache_spec ? c->cache_spec : "file");
        return NULL;
    }
    if ((why = redis_options(p, c, kind, args, &o)) != NULL)
        return why;
    if (saml_store_redis_open_ex(p, &o, &st, &err) != APR_SUCCESS)
        return apr_psprintf(p, "%s: %s", c->cache_spec, err.detail ? err.detail : "unusable");
    return NULL;
}

/* The user the children run as, to whom the parent (when root) gives the
 * store file; -1 when not root (then the file is ours and stays ours). */
static long run_uid(void)
{
    return geteuid() == 0 ? (long)ap_unixd_config.user_id : -1;
}

const char *sequr_store_access_check(apr_pool_t *p, server_rec *s)
{
    const sequr_server_conf_t *c = sequr_server_conf(s);
    const char *args, *path;
    saml_err_t err = { NULL, NULL };
    server_rec *vs;
    int needed = 0;

    for (vs = s; vs; vs = vs->next)
        if (sequr_server_conf(vs)->sp_entity_id)
            needed = 1;
    if (!needed)
        return NULL;
    if (store_kind(c->cache_spec, &args) != STORE_FILE)
        return network_store_check(p, c, store_kind(c->cache_spec, &args), args);
    if ((path = network_store_check(p, c, STORE_FILE, NULL)) != NULL)
        return path;
    path = store_path(p, c->cache_spec);
    if (saml_store_file_check_access(p, path, run_uid(), &err) != APR_SUCCESS)
        return apr_psprintf(p, "%s: session store %s: %s",
                            c->cache_spec ? c->cache_spec : "(default: file store)", path,
                            err.detail ? err.detail : "unusable");
    return NULL;
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
    rv = saml_store_file_open_private(ppool, path, entries, SAML_STORE_FILE_DEFAULT_VALUE_MAX,
                                      run_uid(), &st, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, rv, s,
                     SEQLOGNO(01501) "%s: cannot open the session store %s: %s", D_CACHE, path,
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

static saml_store_t *open_configured_store(apr_pool_t *pconf, server_rec *s)
{
    const sequr_server_conf_t *c = sequr_server_conf(s);
    const char *args;
    store_kind_t kind = store_kind(c->cache_spec, &args);

    if (kind == STORE_MEMCACHE || is_redis(kind))
        return open_network_store(pconf, s, kind, args);
    if (kind == STORE_DBD)
        return sequr_store_dbd_open(pconf, s);
    /* SequrSAMLCacheEntries has its default since check_config. */
    return open_store(pconf, s, store_path(pconf, c->cache_spec), (apr_size_t)c->cache_entries);
}

int sequr_store_setup(apr_pool_t *pconf, server_rec *s)
{
    saml_store_t *st;
    server_rec *vs;
    int needed = 0;

    for (vs = s; vs; vs = vs->next)
        if (sequr_server_conf(vs)->sp_entity_id)
            needed = 1;
    if (!needed)
        return OK;
    if ((st = open_configured_store(pconf, s)) == NULL)
        return HTTP_INTERNAL_SERVER_ERROR;
    /* Each operation timed and counted when SequrSAMLMetrics is on somewhere. */
    st = saml_store_metered(pconf, st, sequr_server_conf(s)->metrics_block);
    for (vs = s; vs; vs = vs->next)
        sequr_server_conf(vs)->store = st;
    return OK;
}

int sequr_cookie_key_setup(apr_pool_t *pconf, server_rec *s)
{
    const sequr_server_conf_t *c = sequr_server_conf(s);
    saml_pending_key_t *key = apr_palloc(pconf, sizeof(*key));
    const char *args, *path = c->cookie_key_file;
    store_kind_t kind = store_kind(c->cache_spec, &args);
    saml_err_t err = {0};
    server_rec *vs;
    int created = 0;
    apr_status_t rv;

    if (sequr_server_conf(s)->store == NULL)
        return OK;          /* no SAML here (or the store failed and said so) */
    if (path == NULL && kind == STORE_FILE)
        path = apr_pstrcat(pconf, store_path(pconf, c->cache_spec), ".key", NULL);
    else if (path == NULL)
        path = ap_runtime_dir_relative(pconf, DEFAULT_KEY_FILE);
    rv = saml_pending_key_load(pconf, path, c->cookie_key_file == NULL, key, &created, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, SEQLOGNO(01506) "%s: %s",
                     D_COOKIE_KEY_FILE, err.detail ? err.detail : "cannot read the key");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (created)
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, SEQLOGNO(01507) "made the sign-in cookie "
                     "secret %s (" D_COOKIE_KEY_FILE " names another)", path);
    if (c->cookie_key_file == NULL && kind != STORE_FILE &&
        ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, SEQLOGNO(01508) "the sign-in cookie "
                     "secret %s is this server's own: in a farm, a sign-in started on one "
                     "server and answered at another fails; give every server the same "
                     D_COOKIE_KEY_FILE, path);
    for (vs = s; vs; vs = vs->next)
        sequr_server_conf(vs)->pending_key = key;
    return OK;
}

const char *sequr_store_file_path(apr_pool_t *p, server_rec *s)
{
    return store_path(p, sequr_server_conf(s)->cache_spec);
}
