/* Sessions, pending requests and the replay cache in SQL tables (PostgreSQL
 * for a farm, SQLite for one machine), over APR DBD connections that the
 * host lends: mod_dbd's pool under Apache, apr_dbd_open in the tests.
 *
 * The SQL and the row encoding live here; the host only hands out and takes
 * back connections (saml_dbd_source_t), so the rules run the same under
 * Apache and in unit tests. One table (SAML_DBD_CACHE_SCHEMA_SQL):
 *   add     INSERT ... ON CONFLICT (k) DO UPDATE ... WHERE the row has
 *           expired: a live row is never touched, so 0 rows written means
 *           APR_EEXIST (the database decides: one winner across every node)
 *   set     INSERT ... ON CONFLICT (k) DO UPDATE (insert or replace)
 *   get     SELECT ... WHERE k AND expires > now
 *   take    DELETE ... WHERE k AND expires > now RETURNING v: the row is
 *           gone when its value is read, and only one caller gets it
 *   replace UPDATE ... WHERE k AND expires > now: 0 rows is APR_NOTFOUND
 *   remove  DELETE ... WHERE k
 * Values are the callers' bytes (sessions are sealed records already) in
 * base64 text, so PostgreSQL's TEXT and SQLite hold them alike. Expiry is
 * the absolute time in microseconds; reads ignore expired rows.
 *
 * Expired rows are deleted by one process at a time: a write checks, at most
 * every purge interval per process, whether it may purge, by an add of the
 * key SAML_STORE_NS_DBD_PURGE (expiring one interval later): the node whose
 * add wins deletes the expired rows; every other node's add finds the live
 * claim and skips. So the farm purges at most once per interval, whatever
 * its size. */
#ifndef SAML_STORE_DBD_H
#define SAML_STORE_DBD_H

#include <apr_dbd.h>
#include <apr_hash.h>

#include "saml/store.h"

#define SAML_DBD_CACHE_TABLE "sequr_saml_cache"
/* The same text runs on PostgreSQL and SQLite (3.35 or later: RETURNING). */
#define SAML_DBD_CACHE_SCHEMA_SQL \
    "CREATE TABLE IF NOT EXISTS sequr_saml_cache (" \
    "k TEXT PRIMARY KEY, " \
    "v TEXT NOT NULL, " \
    "expires BIGINT NOT NULL)"
#define SAML_DBD_CACHE_INDEX_SQL \
    "CREATE INDEX IF NOT EXISTS sequr_saml_cache_expires ON sequr_saml_cache (expires)"

/* Raw bytes per value (base64 makes 4/3 of it in the row). */
#define SAML_DBD_VALUE_MAX (256 * 1024)
#define SAML_DBD_DEFAULT_PURGE_INTERVAL apr_time_from_sec(60)

/* A connection lent for one operation. */
typedef struct saml_dbd_conn {
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    apr_hash_t *prepared;  /* label -> apr_dbd_prepared_t*, or NULL: prepared here */
    apr_pool_t *pool;      /* the connection's: a statement added to prepared lives there */
    void *host;            /* the source's own (mod_dbd's ap_dbd_t) */
} saml_dbd_conn_t;

typedef struct saml_dbd_source {
    /* A connection (not shared with any other thread or process until
     * released), or an error status with the reason noted through
     * saml_store_error_note. p lives until after release. */
    apr_status_t (*acquire)(void *baton, apr_pool_t *p, saml_dbd_conn_t *c);
    void (*release)(void *baton, saml_dbd_conn_t *c);
    void *baton;
} saml_dbd_source_t;

/* The statements, for a host that prepares them on each connection it opens
 * (mod_dbd's ap_dbd_prepare): i from 0 until it returns 0. */
int saml_store_dbd_statement(int i, const char **label, const char **sql);

/* A store over src (which must outlive it). purge_interval: how often expired
 * rows are deleted (0: SAML_DBD_DEFAULT_PURGE_INTERVAL). Connects nothing. */
apr_status_t saml_store_dbd_open(apr_pool_t *p, const saml_dbd_source_t *src,
                                 apr_interval_time_t purge_interval, saml_store_t **out);

/* Claim the purge and delete the rows expired at now: APR_SUCCESS with
 * *deleted set when this caller won the claim, APR_EBUSY when another did
 * within the purge interval; another status when the database failed.
 * Writes call it on their own; exposed for tests and tools. */
apr_status_t saml_store_dbd_purge(saml_store_t *st, apr_time_t now, int *deleted);

/* Create the table and its index when absent (sequr-saml-admin init). */
apr_status_t saml_store_dbd_init(apr_pool_t *p, const apr_dbd_driver_t *driver,
                                 apr_dbd_t *handle, saml_err_t *err);

#endif
