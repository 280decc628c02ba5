/* The SQL store behind store.h. See store_dbd.h. */
#include "saml/store_dbd.h"

#include <apr_atomic.h>
#include <apr_base64.h>
#include <apr_strings.h>
#include <string.h>

#include "saml/store_error.h"

#define PURGE_KEY SAML_STORE_NS_DBD_PURGE "purge"

/* Placeholders in apr_dbd's syntax; every value is bound, nothing pasted. */
enum { Q_GET, Q_SET, Q_ADD, Q_TAKE, Q_REPLACE, Q_REMOVE, Q_PURGE, Q_COUNT };

static const struct {
    const char *label;
    const char *sql;
} statements[Q_COUNT] = {
    { "sequr_saml_cache_get",
      "SELECT v FROM sequr_saml_cache WHERE k = %s AND expires > %lld" },
    { "sequr_saml_cache_set",
      "INSERT INTO sequr_saml_cache (k, v, expires) VALUES (%s, %s, %lld) "
      "ON CONFLICT (k) DO UPDATE SET v = excluded.v, expires = excluded.expires" },
    /* The replay rule: a live row is never overwritten, so a second add of
     * a live key writes nothing. An expired row counts as absent (store.h);
     * the update is what DO NOTHING would do on a live row, and takes over a
     * dead one in the same atomic statement. */
    { "sequr_saml_cache_add",
      "INSERT INTO sequr_saml_cache (k, v, expires) VALUES (%s, %s, %lld) "
      "ON CONFLICT (k) DO UPDATE SET v = excluded.v, expires = excluded.expires "
      "WHERE sequr_saml_cache.expires <= %lld" },
    { "sequr_saml_cache_take",
      "DELETE FROM sequr_saml_cache WHERE k = %s AND expires > %lld RETURNING v" },
    { "sequr_saml_cache_replace",
      "UPDATE sequr_saml_cache SET v = %s, expires = %lld WHERE k = %s AND expires > %lld" },
    { "sequr_saml_cache_remove",
      "DELETE FROM sequr_saml_cache WHERE k = %s" },
    { "sequr_saml_cache_purge",
      "DELETE FROM sequr_saml_cache WHERE expires <= %lld" },
};

typedef struct dbd_store {
    const saml_dbd_source_t *src;
    apr_interval_time_t purge_interval;
    /* This process's next purge attempt, in seconds (atomic: threads). */
    volatile apr_uint32_t next_purge;
} dbd_store_t;

typedef struct op {
    dbd_store_t *d;
    apr_pool_t *tmp;
    saml_dbd_conn_t c;
} op_t;

int saml_store_dbd_statement(int i, const char **label, const char **sql)
{
    if (i < 0 || i >= Q_COUNT)
        return 0;
    *label = statements[i].label;
    *sql = statements[i].sql;
    return 1;
}

static int key_is_valid(const char *key)
{
    apr_size_t n = 0;

    for (; key[n]; n++)
        if ((unsigned char)key[n] <= 0x20 || (unsigned char)key[n] >= 0x7f)
            return 0;
    return n > 0 && n <= SAML_STORE_KEY_MAX;
}

static apr_status_t begin(dbd_store_t *d, op_t *o)
{
    apr_status_t rv;

    memset(o, 0, sizeof(*o));
    o->d = d;
    if (apr_pool_create(&o->tmp, NULL) != APR_SUCCESS)
        return APR_ENOMEM;
    rv = d->src->acquire(d->src->baton, o->tmp, &o->c);
    if (rv != APR_SUCCESS || o->c.handle == NULL) {
        if (rv == APR_SUCCESS)
            rv = SAML_EUNAVAILABLE;
        apr_pool_destroy(o->tmp);
        o->tmp = NULL;
        return rv;
    }
    return APR_SUCCESS;
}

static void end(op_t *o)
{
    o->d->src->release(o->d->src->baton, &o->c);
    apr_pool_destroy(o->tmp);
}

/* The statement under its label as the host prepared it, else prepared
 * now (0, or the driver's code); again: the host's statement is gone. */
static int statement(op_t *o, int q, int again, apr_dbd_prepared_t **stmt)
{
    int rc, keep = o->c.prepared != NULL && o->c.pool != NULL;

    *stmt = (!again && o->c.prepared)
        ? apr_hash_get(o->c.prepared, statements[q].label, APR_HASH_KEY_STRING) : NULL;
    if (*stmt)
        return 0;
    /* Under the label, in the connection's pool: this mends the host's
     * statements for the later users of the connection too. */
    rc = apr_dbd_prepare(o->c.driver, keep ? o->c.pool : o->tmp, o->c.handle,
                         statements[q].sql, keep ? statements[q].label : NULL, stmt);
    if (rc == 0 && keep)
        apr_hash_set(o->c.prepared, statements[q].label, APR_HASH_KEY_STRING, *stmt);
    return rc;
}

/* Run statement q: a write (its changed rows in *nrows) or, with res, a
 * read. Random access for reads, so that the driver checks the result's
 * status (a sequential pgsql result reports a failed query as "no rows",
 * which would turn an outage into "absent") and SQLite runs a DELETE ...
 * RETURNING to its end.
 *
 * A pooled connection whose server went away (a PostgreSQL restart) fails
 * once; the driver's check then opens it again, without the statements the
 * host prepared on it. So on a first failure: check (reconnect) the
 * connection, prepare again under the label and run once more. Should the
 * first attempt have run after all, the second finds its row (an add
 * reports APR_EEXIST): never a double success. The failure reported is the
 * first one, which says why. */
static apr_status_t execute(op_t *o, int q, const char **args, int *nrows,
                            apr_dbd_results_t **res)
{
    apr_dbd_prepared_t *stmt;
    const char *first = NULL;
    int attempt, rc = 0;

    for (attempt = 0; attempt < 2; attempt++) {
        if ((rc = statement(o, q, attempt, &stmt)) == 0) {
            if (res) {
                *res = NULL;
                rc = apr_dbd_pselect(o->c.driver, o->tmp, o->c.handle, res, stmt, 1, 0, args);
            }
            else {
                *nrows = 0;
                rc = apr_dbd_pquery(o->c.driver, o->tmp, o->c.handle, nrows, stmt, 0, args);
            }
            if (rc == 0)
                return APR_SUCCESS;
        }
        if (attempt == 0) {
            first = apr_dbd_error(o->c.driver, o->c.handle, rc);
            first = apr_pstrdup(o->tmp, first ? first : "failed");
            if (o->c.prepared == NULL || o->c.pool == NULL
                || apr_dbd_check_conn(o->c.driver, o->tmp, o->c.handle) != APR_SUCCESS)
                break;
        }
    }
    saml_store_error_note(SAML_EUNAVAILABLE, "database (%s) refused %s: %s",
                          apr_dbd_name(o->c.driver), statements[q].label, first);
    return SAML_EUNAVAILABLE;
}

static apr_status_t run_write(op_t *o, int q, int *nrows, const char **args)
{
    return execute(o, q, args, nrows, NULL);
}

/* A statement that answers at most one row of one column (the value, in
 * base64): APR_NOTFOUND when no row. */
static apr_status_t run_read(op_t *o, int q, const char **args, apr_pool_t *p, char **val,
                             apr_size_t *len)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *text = NULL;
    apr_status_t rv;
    int rows = 0;

    if ((rv = execute(o, q, args, NULL, &res)) != APR_SUCCESS)
        return rv;
    /* Copied: reading past the last row frees a pgsql result. */
    while (apr_dbd_get_row(o->c.driver, o->tmp, res, &row, -1) == 0) {
        const char *entry = apr_dbd_get_entry(o->c.driver, row, 0);
        if (rows++ == 0 && entry)
            text = apr_pstrdup(o->tmp, entry);
    }
    if (rows == 0)
        return APR_NOTFOUND;
    if (text == NULL || rows > 1) {
        saml_store_error_note(SAML_EUNAVAILABLE, "database (%s): %d rows for one key: "
                              SAML_DBD_CACHE_TABLE " lacks its primary key",
                              apr_dbd_name(o->c.driver), rows);
        return SAML_EUNAVAILABLE;
    }
    {
        apr_size_t n = strlen(text);
        int max = apr_base64_decode_len(text);
        char *out;
        if (n > (SAML_DBD_VALUE_MAX / 3 + 1) * 4 || max <= 0) {
            saml_store_error_note(SAML_EUNAVAILABLE, "database (%s): a value of %"
                                  APR_SIZE_T_FMT " characters is not one of ours",
                                  apr_dbd_name(o->c.driver), n);
            return SAML_EUNAVAILABLE;
        }
        out = apr_palloc(p, (apr_size_t)max + 1);
        *len = (apr_size_t)apr_base64_decode_binary((unsigned char *)out, text);
        out[*len] = '\0';
        *val = out;
    }
    return APR_SUCCESS;
}

static const char *encode(apr_pool_t *p, const char *val, apr_size_t len)
{
    char *text = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)len));
    apr_base64_encode_binary(text, (const unsigned char *)val, (int)len);
    return text;
}

static const char *micros(apr_pool_t *p, apr_time_t t)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)t);
}

static apr_status_t dbd_get(saml_store_t *st, const char *key, apr_pool_t *p, char **val,
                            apr_size_t *len)
{
    op_t o;
    apr_status_t rv;
    const char *args[2];

    if (!key_is_valid(key))
        return APR_EINVAL;
    if ((rv = begin(st->impl, &o)) != APR_SUCCESS)
        return rv;
    args[0] = key;
    args[1] = micros(o.tmp, apr_time_now());
    rv = run_read(&o, Q_GET, args, p, val, len);
    end(&o);
    return rv;
}

static apr_status_t dbd_take(saml_store_t *st, const char *key, apr_pool_t *p, char **val,
                             apr_size_t *len)
{
    op_t o;
    apr_status_t rv;
    const char *args[2];

    if (!key_is_valid(key))
        return APR_EINVAL;
    if ((rv = begin(st->impl, &o)) != APR_SUCCESS)
        return rv;
    args[0] = key;
    args[1] = micros(o.tmp, apr_time_now());
    rv = run_read(&o, Q_TAKE, args, p, val, len);
    end(&o);
    return rv;
}

static apr_status_t write_value(op_t *o, int q, const char *key, const char *val,
                                apr_size_t len, apr_time_t expiry, apr_time_t now, int *nrows)
{
    const char *args[4];
    const char *v = encode(o->tmp, val, len);
    const char *e = micros(o->tmp, expiry);

    if (q == Q_REPLACE) {
        args[0] = v;
        args[1] = e;
        args[2] = key;
        args[3] = micros(o->tmp, now);
    }
    else {
        args[0] = key;
        args[1] = v;
        args[2] = e;
        args[3] = micros(o->tmp, now);
    }
    return run_write(o, q, nrows, args);
}

static apr_status_t purge(op_t *o, apr_time_t now, int *deleted);

/* At most once per purge interval per process, and then only if no other
 * process of the farm has purged within the interval. A failed purge is
 * no failure of the write that tried it. */
static void maybe_purge(op_t *o)
{
    dbd_store_t *d = o->d;
    apr_time_t now = apr_time_now();
    apr_uint32_t secs = (apr_uint32_t)apr_time_sec(now), due = apr_atomic_read32(&d->next_purge);
    apr_uint32_t next = secs + (apr_uint32_t)apr_time_sec(d->purge_interval + APR_USEC_PER_SEC - 1);
    int deleted;

    if (secs < due || apr_atomic_cas32(&d->next_purge, next, due) != due)
        return;
    purge(o, now, &deleted);
}

static apr_status_t store_value(saml_store_t *st, int q, const char *key, const char *val,
                                apr_size_t len, apr_time_t expiry, int *nrows)
{
    op_t o;
    apr_status_t rv;

    if (!key_is_valid(key))
        return APR_EINVAL;
    if (len > SAML_DBD_VALUE_MAX)
        return SAML_ETOOLARGE;
    if ((rv = begin(st->impl, &o)) != APR_SUCCESS)
        return rv;
    rv = write_value(&o, q, key, val, len, expiry, apr_time_now(), nrows);
    if (rv == APR_SUCCESS && q != Q_REPLACE)
        maybe_purge(&o);
    end(&o);
    return rv;
}

static apr_status_t dbd_set(saml_store_t *st, const char *key, const char *val, apr_size_t len,
                            apr_time_t expiry)
{
    int nrows;
    return store_value(st, Q_SET, key, val, len, expiry, &nrows);
}

static apr_status_t dbd_add(saml_store_t *st, const char *key, const char *val, apr_size_t len,
                            apr_time_t expiry)
{
    int nrows = 0;
    apr_status_t rv = store_value(st, Q_ADD, key, val, len, expiry, &nrows);
    return rv != APR_SUCCESS ? rv : nrows > 0 ? APR_SUCCESS : APR_EEXIST;
}

static apr_status_t dbd_replace(saml_store_t *st, const char *key, const char *val,
                                apr_size_t len, apr_time_t expiry)
{
    int nrows = 0;
    apr_status_t rv = store_value(st, Q_REPLACE, key, val, len, expiry, &nrows);
    return rv != APR_SUCCESS ? rv : nrows > 0 ? APR_SUCCESS : APR_NOTFOUND;
}

static apr_status_t dbd_remove(saml_store_t *st, const char *key)
{
    op_t o;
    apr_status_t rv;
    const char *args[1];
    int nrows;

    if (!key_is_valid(key))
        return APR_EINVAL;
    if ((rv = begin(st->impl, &o)) != APR_SUCCESS)
        return rv;
    args[0] = key;
    rv = run_write(&o, Q_REMOVE, &nrows, args);
    end(&o);
    return rv;
}

static apr_status_t purge(op_t *o, apr_time_t now, int *deleted)
{
    const char *args[1];
    apr_status_t rv;
    int claimed = 0;

    *deleted = 0;
    rv = write_value(o, Q_ADD, PURGE_KEY, "", 0, now + o->d->purge_interval, now, &claimed);
    if (rv != APR_SUCCESS)
        return rv;
    if (claimed == 0)
        return APR_EBUSY;
    args[0] = micros(o->tmp, now);
    return run_write(o, Q_PURGE, deleted, args);
}

apr_status_t saml_store_dbd_purge(saml_store_t *st, apr_time_t now, int *deleted)
{
    op_t o;
    apr_status_t rv;

    *deleted = 0;
    if ((rv = begin(st->impl, &o)) != APR_SUCCESS)
        return rv;
    rv = purge(&o, now, deleted);
    end(&o);
    return rv;
}

static const saml_store_provider_t dbd_provider = {
    "dbd", dbd_get, dbd_set, dbd_add, dbd_take, dbd_remove, dbd_replace
};

apr_status_t saml_store_dbd_open(apr_pool_t *p, const saml_dbd_source_t *src,
                                 apr_interval_time_t purge_interval, saml_store_t **out)
{
    dbd_store_t *d = apr_pcalloc(p, sizeof(*d));
    saml_store_t *st = apr_pcalloc(p, sizeof(*st));

    d->src = src;
    d->purge_interval = purge_interval > 0 ? purge_interval : SAML_DBD_DEFAULT_PURGE_INTERVAL;
    st->provider = &dbd_provider;
    st->impl = d;
    *out = st;
    return APR_SUCCESS;
}

apr_status_t saml_store_dbd_init(apr_pool_t *p, const apr_dbd_driver_t *driver,
                                 apr_dbd_t *handle, saml_err_t *err)
{
    int nrows = 0, rc;

    if ((rc = apr_dbd_query(driver, handle, &nrows, SAML_DBD_CACHE_SCHEMA_SQL)) != 0
        || (rc = apr_dbd_query(driver, handle, &nrows, SAML_DBD_CACHE_INDEX_SQL)) != 0) {
        const char *why = apr_dbd_error(driver, handle, rc);
        return saml_fail(p, err, SAML_EUNAVAILABLE, "cache-store",
                         "cannot create table " SAML_DBD_CACHE_TABLE ": %s (code %d)",
                         why ? why : "failed", rc);
    }
    return APR_SUCCESS;
}
