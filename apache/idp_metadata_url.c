/* SequrSAMLIdPMetadataURL: an IdP whose signing certificates come from its
 * federation metadata, fetched over verified https and refreshed while Apache
 * runs, so Entra's certificate rollover needs no admin.
 *
 * Three moving parts:
 *  - start-up (check_config): the last good copy on disk (the backing file)
 *    is the IdP, so Apache starts with no network; with no backing copy the
 *    URL is fetched then, and configtest fails naming the directive when
 *    neither works;
 *  - refresh: ONE process fetches, every SequrSAMLIdPMetadataRefresh seconds,
 *    on mod_watchdog's singleton child watchdog (compiled into Debian's
 *    apache2; httpd's own way to run periodic work in exactly one child, with
 *    its own mutex, so no child is slowed and the IdP is not asked once per
 *    child). An accepted document that differs from the backing copy replaces
 *    it atomically (temporary file + rename). A refused or failed fetch
 *    changes nothing and warns, once per reason and then at most every
 *    FAILURE_WARN_EVERY;
 *  - publication: every process checks the backing file's inode and mtime
 *    (one stat) when a SAML message arrives, and on a change rebuilds its
 *    verifier from the file, so a new certificate signs in from the next
 *    sign-in in every process and a removed one stops, without a restart.
 *
 * What a document must satisfy is saml_idp_metadata_accept's
 * (saml/idp_metadata.c); the transfer is saml_metadata_fetch's
 * (saml/metadata_fetch.c). */
#include "apache/idp_metadata_url.h"

#include "apr_atomic.h"
#include "apr_file_io.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "mod_watchdog.h"
#include "mpm_common.h"
#include "unixd.h"

#include "apache/config.h"
#include "apache/directives.h"
#include "apache/log.h"
#include "apache/store_setup.h"
#include "saml/certificate.h"
#include "saml/file.h"
#include "saml/idp_metadata.h"
#include "saml/metadata_fetch.h"
#include "saml/siphash.h"
#include "saml/time.h"

#include <unistd.h>

APLOG_USE_MODULE(sequr_saml);

#define FAILURE_WARN_EVERY apr_time_from_sec(900)
#define EXPIRY_WARNING_DAYS 30     /* as for configured certificates (config_check.c) */
#define WATCHDOG_NAME "sequr-saml-metadata"

/* One IdP the watchdog refreshes (several servers' copies of one IdP share
 * its backing file and are refreshed once). */
typedef struct {
    server_rec *s;
    const sequr_idp_t *idp;
    char last_check[64];         /* check of the last warning, "" after a success */
    apr_time_t last_warned;
    int failures;                /* since the last success */
} refresh_t;

static const char *label(apr_pool_t *p, const sequr_idp_t *idp)
{
    return *idp->name ? apr_psprintf(p, "tenant %s", idp->name) : "the default IdP";
}

/* The backing copy: in a directory beside the file store (its path +
 * ".metadata/idp-<hash of the URL>.xml"), so it lives where the module
 * already keeps state that must outlast a restart, and each URL has its own.
 * A directory of its own because the refreshing child runs as Apache's User
 * and must create files where it writes (temporary file + rename), which the
 * runtime directory (root's on Debian) does not allow. */
static const char *backing_path(apr_pool_t *p, server_rec *s, const sequr_idp_t *idp)
{
    /* A fixed key: the name must be the same at every start; nobody gains by
     * choosing URLs whose names collide in an admin's own configuration. */
    static const uint64_t key[2] = { 0x7365717572736d6cULL, 0x6d657461646174aULL };
    uint64_t h = saml_siphash24(key, idp->metadata_url, strlen(idp->metadata_url));
    return apr_psprintf(p, "%s.metadata/idp-%016" APR_UINT64_T_HEX_FMT ".xml",
                        sequr_store_file_path(p, s), (apr_uint64_t)h);
}

/* The backing copy's directory, made at start-up (as root when Apache starts
 * as root) and given to Apache's User, who refreshes it. */
static void make_backing_dir(apr_pool_t *p, const char *backing)
{
    char *dir = apr_pstrdup(p, backing);
    char *slash = strrchr(dir, '/');

    if (slash == NULL)
        return;
    *slash = '\0';
    if (apr_dir_make(dir, APR_FPROT_OS_DEFAULT, p) == APR_SUCCESS && geteuid() == 0 &&
        chown(dir, ap_unixd_config.user_id, ap_unixd_config.group_id) != 0)
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, errno, NULL,
                     SEQLOGNO(02611) "cannot give %s to the Apache user: refreshes will fail",
                     dir);
}

static void remember_file(sequr_idp_t *idp, apr_pool_t *p)
{
    apr_finfo_t fi;
    if (apr_stat(&fi, idp->metadata_backing, APR_FINFO_INODE | APR_FINFO_MTIME, p) == APR_SUCCESS) {
        idp->metadata_inode = fi.inode;
        idp->metadata_mtime = fi.mtime;
    }
}

/* The IdP from an accepted document: entity id (unless configured), URLs
 * (unless configured) and every signing certificate. */
static void take(apr_pool_t *p, sequr_idp_t *idp, const saml_idp_metadata_t *md,
                 const char *from)
{
    int i;
    if (idp->entity_id == NULL)
        idp->entity_id = md->entity_id;
    if (idp->sso_url == NULL)
        idp->sso_url = md->sso_url;
    if (idp->slo_url == NULL)
        idp->slo_url = md->slo_url;
    idp->certs = md->certs;
    idp->cert_names = apr_array_make(p, md->certs->nelts, sizeof(const char *));
    for (i = 0; i < md->certs->nelts; i++)
        APR_ARRAY_PUSH(idp->cert_names, const char *) =
            apr_psprintf(p, "signing certificate %d of %s", i + 1, from);
    idp->cert_source = idp->metadata_url_where;
}

/* The backing copy, accepted by the same rules as a fetched document but with
 * no signature key to compare with (we wrote it after accepting it). */
static apr_status_t read_backing(apr_pool_t *p, const sequr_idp_t *idp, saml_idp_metadata_t **md,
                                 saml_err_t *err)
{
    saml_idp_metadata_rules_t rules = { idp->entity_id, NULL, apr_time_now() };
    char *buf;
    apr_size_t len;
    apr_status_t rv = saml_file_read(p, idp->metadata_backing, SAML_METADATA_FETCH_MAX_BYTES,
                                     &buf, &len, err);
    if (rv != APR_SUCCESS)
        return rv;
    return saml_idp_metadata_accept(p, buf, len, &rules, md, err);
}

static int load_one(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s, sequr_idp_t *idp)
{
    saml_fetch_options_t fo = { idp->metadata_ca_file, 0, 0 };
    saml_idp_metadata_rules_t rules = { idp->entity_id, NULL, apr_time_now() };
    saml_idp_metadata_t *md = NULL;
    saml_err_t berr = {0}, ferr = {0};
    char *body;
    apr_size_t len;

    idp->metadata_backing = backing_path(pconf, s, idp);
    make_backing_dir(ptemp, idp->metadata_backing);
    if (read_backing(pconf, idp, &md, &berr) == APR_SUCCESS) {
        take(pconf, idp, md, apr_psprintf(pconf, "%s (backing copy %s)", idp->metadata_url,
                                          idp->metadata_backing));
        remember_file(idp, ptemp);
        return OK;
    }
    if (saml_metadata_fetch(ptemp, idp->metadata_url, &fo, &body, &len, &ferr) == APR_SUCCESS &&
        saml_idp_metadata_accept(pconf, body, len, &rules, &md, &ferr) == APR_SUCCESS) {
        saml_err_t werr = {0};
        if (saml_file_replace(ptemp, idp->metadata_backing, body, len, &werr) != APR_SUCCESS)
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, NULL,
                         SEQLOGNO(02601) D_IDP_METADATA_URL " %s (%s): cannot keep a backing "
                         "copy, so the next start needs the network: %s", idp->metadata_url,
                         idp->metadata_url_where, werr.detail);
        else if (geteuid() == 0 && chown(idp->metadata_backing, ap_unixd_config.user_id, -1) != 0)
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, errno, NULL,
                         SEQLOGNO(02602) "cannot give %s to the Apache user",
                         idp->metadata_backing);
        take(pconf, idp, md, idp->metadata_url);
        remember_file(idp, ptemp);
        return OK;
    }
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                 SEQLOGNO(02603) D_IDP_METADATA_URL " %s (%s), %s of server %s:%d: the URL gives "
                 "no acceptable metadata (%s: %s) and there is no usable backing copy (%s)",
                 idp->metadata_url, idp->metadata_url_where, label(ptemp, idp),
                 s->server_hostname ? s->server_hostname : "?", s->port,
                 ferr.check ? ferr.check : "?", ferr.detail ? ferr.detail : "",
                 berr.detail ? berr.detail : "?");
    return !OK;
}

int sequr_idp_metadata_url_load(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    sequr_server_conf_t *c = sequr_server_conf(s);
    int i;

    if (c->idp->metadata_url && load_one(pconf, ptemp, s, c->idp) != OK)
        return !OK;
    for (i = 0; c->tenants && i < c->tenants->nelts; i++) {
        sequr_idp_t *t = APR_ARRAY_IDX(c->tenants, i, sequr_idp_t *);
        if (t->metadata_url && load_one(pconf, ptemp, s, t) != OK)
            return !OK;
    }
    return OK;
}

/* ---- publication: every process ------------------------------------------ */

/* The backing file changed under this process: its certificates become the
 * IdP's verifier. The new verifier lives in a pool of its own that is never
 * freed: a request in another thread may still hold the old one, and a
 * change happens only when Entra publishes or retires a certificate. */
static void reload(request_rec *r, const sequr_server_conf_t *c, sequr_idp_t *idp,
                   const apr_finfo_t *fi)
{
    saml_verifier_options_t opts = {0};
    saml_idp_metadata_t *md;
    saml_verifier_t *v;
    apr_array_header_t *usable;
    saml_err_t err = {0};
    apr_pool_t *p;

    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS)
        return;
    opts.allow_sha1 = c->allow_sha1;
    if (read_backing(p, idp, &md, &err) != APR_SUCCESS ||
        (usable = saml_idp_usable_certs(p, md->certs, apr_time_now(),
                                        c->allow_expired_idp_cert, NULL))->nelts == 0 ||
        saml_verifier_create(p, usable, &opts, &v, &err) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      SEQLOGNO(02604) "%s: the new backing copy %s of " D_IDP_METADATA_URL
                      " %s is not usable, keeping the certificates in use: %s",
                      label(r->pool, idp), idp->metadata_backing, idp->metadata_url,
                      err.detail ? err.detail : "no usable signing certificate");
        apr_pool_destroy(p);
    }
    else {
        idp->certs = md->certs;
        apr_atomic_xchgptr((void *)&idp->verifier, v);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SEQLOGNO(02605) "%s: signing certificates from %s now in use (%d)",
                      label(r->pool, idp), idp->metadata_backing, usable->nelts);
    }
    idp->metadata_inode = fi->inode;
    idp->metadata_mtime = fi->mtime;
}

static void sync_one(request_rec *r, const sequr_server_conf_t *c, sequr_idp_t *idp)
{
    apr_finfo_t fi;

    if (idp->metadata_url == NULL || idp->metadata_backing == NULL ||
        apr_stat(&fi, idp->metadata_backing, APR_FINFO_INODE | APR_FINFO_MTIME, r->pool)
        != APR_SUCCESS)
        return;
    if (fi.inode != idp->metadata_inode || fi.mtime != idp->metadata_mtime)
        reload(r, c, idp, &fi);
}

void sequr_idp_metadata_url_sync(request_rec *r, const sequr_server_conf_t *c)
{
    int i;
    sync_one(r, c, c->idp);
    for (i = 0; c->tenants && i < c->tenants->nelts; i++)
        sync_one(r, c, APR_ARRAY_IDX(c->tenants, i, sequr_idp_t *));
}

/* ---- refresh: one process ------------------------------------------------- */

static void warn(refresh_t *rf, apr_pool_t *p, const saml_err_t *err)
{
    apr_time_t now = apr_time_now();
    const char *check = err->check ? err->check : "metadata";

    rf->failures++;
    if (!strcmp(rf->last_check, check) &&
        now - rf->last_warned < FAILURE_WARN_EVERY)
        return;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, rf->s,
                 SEQLOGNO(02606) D_IDP_METADATA_URL " %s (%s): refresh refused (%s: %s); "
                 "keeping the certificates of %s (%d failed refreshes in a row)",
                 rf->idp->metadata_url, label(p, rf->idp), check,
                 err->detail ? err->detail : "", rf->idp->metadata_backing, rf->failures);
    apr_cpystrn(rf->last_check, check, sizeof(rf->last_check));
    rf->last_warned = now;
}

/* The start-up warning about certificates that end soon (SEQ01605), for
 * what a refresh brought in while Apache runs: the start-up one sees only
 * the copy of that moment. */
static void warn_expiring(refresh_t *rf, apr_pool_t *p, const saml_idp_metadata_t *md)
{
    apr_time_t now = apr_time_now();
    int i;

    for (i = 0; i < md->certs->nelts; i++) {
        X509 *cert = APR_ARRAY_IDX(md->certs, i, X509 *);
        apr_time_t end = saml_cert_not_after(cert);
        if (end - now >= apr_time_from_sec(EXPIRY_WARNING_DAYS * 86400))
            continue;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, rf->s,
                     SEQLOGNO(02612) D_IDP_METADATA_URL " %s (%s): signing certificate %d (%s) "
                     "%s on %s", rf->idp->metadata_url, label(p, rf->idp), i + 1,
                     saml_cert_subject(p, cert), end <= now ? "expired" : "expires",
                     saml_time_format(p, end));
    }
}

static void refresh(refresh_t *rf, apr_pool_t *p)
{
    const sequr_idp_t *idp = rf->idp;
    saml_fetch_options_t fo = { idp->metadata_ca_file, 0, 0 };
    saml_idp_metadata_rules_t rules = { idp->entity_id, NULL, apr_time_now() };
    saml_idp_metadata_t *md, *now_md = NULL;
    saml_err_t err = {0};
    char *body, *old = NULL;
    apr_size_t len, old_len = 0;

    /* The certificates trusted now are the backing copy's: they check the
     * signature of what comes next (saml_idp_metadata_accept). */
    if (saml_file_read(p, idp->metadata_backing, SAML_METADATA_FETCH_MAX_BYTES, &old, &old_len,
                       NULL) == APR_SUCCESS &&
        saml_idp_metadata_parse(p, old, old_len, &now_md, NULL) == APR_SUCCESS)
        rules.trusted = now_md->certs;
    if (saml_metadata_fetch(p, idp->metadata_url, &fo, &body, &len, &err) != APR_SUCCESS ||
        saml_idp_metadata_accept(p, body, len, &rules, &md, &err) != APR_SUCCESS) {
        warn(rf, p, &err);
        return;
    }
    if (rf->failures)
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, rf->s,
                     SEQLOGNO(02607) D_IDP_METADATA_URL " %s (%s): fetched again after %d "
                     "failed refreshes", idp->metadata_url, label(p, idp), rf->failures);
    rf->failures = 0;
    rf->last_check[0] = '\0';
    if (old && old_len == len && memcmp(old, body, len) == 0)
        return;
    if (saml_file_replace(p, idp->metadata_backing, body, len, &err) != APR_SUCCESS) {
        warn(rf, p, &err);
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, rf->s,
                 SEQLOGNO(02608) D_IDP_METADATA_URL " %s (%s): new metadata with %d signing "
                 "certificate(s) kept in %s; every process uses it from its next SAML message",
                 idp->metadata_url, label(p, idp), md->certs->nelts, idp->metadata_backing);
    warn_expiring(rf, p, md);
}

static apr_status_t on_watchdog(int state, void *data, apr_pool_t *p)
{
    if (state != AP_WATCHDOG_STATE_STOPPING)
        refresh(data, p);
    return APR_SUCCESS;
}

static int registered(apr_array_header_t *seen, const char *backing)
{
    int i;
    for (i = 0; i < seen->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(seen, i, const char *), backing))
            return 1;
    APR_ARRAY_PUSH(seen, const char *) = backing;
    return 0;
}

static int watch(apr_pool_t *pconf, server_rec *s, sequr_idp_t *idp, apr_array_header_t *seen,
                 ap_watchdog_t **wd)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance =
        APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback =
        APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    const sequr_server_conf_t *c = sequr_server_conf(s);
    refresh_t *rf;

    if (idp->metadata_url == NULL || idp->metadata_backing == NULL ||
        registered(seen, idp->metadata_backing))
        return OK;
    if (get_instance == NULL || register_callback == NULL) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                     SEQLOGNO(02609) D_IDP_METADATA_URL " (%s) needs mod_watchdog, which "
                     "refreshes it in one process: load it (LoadModule watchdog_module)",
                     idp->metadata_url_where);
        return !OK;
    }
    if (*wd == NULL && get_instance(wd, WATCHDOG_NAME, 0, 1, pconf) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                     SEQLOGNO(02610) "cannot get a watchdog to refresh " D_IDP_METADATA_URL);
        return !OK;
    }
    rf = apr_pcalloc(pconf, sizeof(*rf));
    rf->s = s;
    rf->idp = idp;
    register_callback(*wd, apr_time_from_sec(c->idp_metadata_refresh), rf, on_watchdog);
    return OK;
}

int sequr_idp_metadata_url_watch(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                                 server_rec *s)
{
    apr_array_header_t *seen = apr_array_make(ptemp, 4, sizeof(const char *));
    ap_watchdog_t *wd = NULL;
    int i;
    (void)plog;

    /* The dry run before Apache detaches starts no thread. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    for (; s; s = s->next) {
        sequr_server_conf_t *c = sequr_server_conf(s);
        if (watch(pconf, s, c->idp, seen, &wd) != OK)
            return HTTP_INTERNAL_SERVER_ERROR;
        for (i = 0; c->tenants && i < c->tenants->nelts; i++)
            if (watch(pconf, s, APR_ARRAY_IDX(c->tenants, i, sequr_idp_t *), seen, &wd) != OK)
                return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}
