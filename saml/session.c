/* Sessions: an unguessable cookie id, a compact record in the shared store
 * under a key derived from the id, and the rules that make a record usable
 * (hard expiry, idle timeout, scope).
 *
 * Record format, version 2, 3 or 4 (all integers big-endian):
 *   'S' 0x02, 0x03 or 0x04
 *   strings: user, idp_entity_id, name_id, name_id_format, session_index, scope
 *   version 3: string tenant; version 4: string tenant or NULL (default IdP)
 *   int64: created, expires, last_access, user_checked (apr_time_t, microseconds)
 *   version 4 only: int64 authn_instant
 *   u32 attribute count, then per attribute: name, u32 value count, values
 * A string is a u32 length and that many bytes; length 0xFFFFFFFF is NULL.
 * The id itself is not stored: a stolen store must not yield cookies.
 *
 * The store holds this record sealed (sealed_record.h): AES-256-GCM under a
 * key derived from the id, with the store key as associated data. The store
 * sees only a hash of the id, so whoever reads it (a memcached or Redis
 * shared with other software, a copy of the store file) learns nothing of
 * the session, and whoever writes it cannot make a record we accept, nor
 * move one under another session's key. Records written before sealing are
 * not sessions any more: after the upgrade, users sign in again. */
#include "saml/session.h"

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "saml/codec.h"
#include "saml/random.h"
#include "saml/response.h"
#include "saml/sealed_record.h"

#define SESSION_MAGIC    'S'
/* Version 1 lacked user_checked: such records are unreadable, so sessions
 * made before an upgrade sign in again rather than skip the user check. */
#define SESSION_VERSION  2
/* Version 3 adds the tenant. A default-IdP session is still written as
 * version 2, so children of the release before tenants read it during a
 * graceful upgrade; a tenant's session is refused by them (not found). */
#define SESSION_VERSION_TENANT 3
/* Version 4 adds the AuthnInstant (SequrSAMLForceAuthn) and is what every
 * session that knows it is written as (a session without it, which only
 * tests and records read back make, keeps the version 2 or 3 layout, byte
 * for byte); versions 2 and 3 stay readable (their
 * authn_instant is 0: too old for a location that forces a fresh sign-in,
 * fine everywhere else), so nobody signed in is logged out by the upgrade.
 * Children of the release before read a version 4 record as no session
 * during a graceful upgrade: those users sign in again once. */
#define SESSION_VERSION_AUTHN_INSTANT 4
#define SESSION_ID_BYTES 32
#define SESSION_ID_CHARS 43
#define NULL_STRING      0xFFFFFFFFu

/* Longest interval between two writes of last_access (see load). */
#define REFRESH_MAX      apr_time_from_sec(60)

const char *saml_session_new_id(apr_pool_t *p)
{
    unsigned char rnd[SESSION_ID_BYTES];

    /* A predictable session id is worse than no service. */
    if (saml_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS)
        abort();
    return saml_base64url_encode(p, rnd, sizeof(rnd));
}

int saml_session_id_is_wellformed(const char *id)
{
    apr_size_t i;

    if (id == NULL)
        return 0;
    for (i = 0; id[i]; i++) {
        char c = id[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                 || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok || i >= SESSION_ID_CHARS)
            return 0;
    }
    return i == SESSION_ID_CHARS;
}

/* EVP_sha256() has OpenSSL 3 look the implementation up again on every
 * digest, which costs as much as hashing a session id: fetched once per
 * process instead (kept for the process's life). */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    return sha256_md ? sha256_md : EVP_sha256();
}

/* The last id's key, per thread: a browser's requests follow one another
 * with the same cookie, and the key is a pure function of the id. */
static __thread char last_id[SESSION_ID_CHARS + 1];
static __thread char last_key[2 + SESSION_ID_CHARS + 1];

const char *saml_session_key(apr_pool_t *p, const char *id)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    apr_size_t len = strlen(id);
    const char *key;

    /* Constant time: last_id may be another user's session. */
    if (len == SESSION_ID_CHARS && last_id[0] && !CRYPTO_memcmp(id, last_id, len))
        return apr_pstrdup(p, last_key);
    if (EVP_Digest(id, len, md, &mdlen, sha256(), NULL) != 1)
        abort();
    key = apr_pstrcat(p, SAML_STORE_NS_SESSION, saml_base64url_encode(p, md, mdlen), NULL);
    if (len == SESSION_ID_CHARS && strlen(key) < sizeof(last_key)) {
        memcpy(last_id, id, len + 1);
        memcpy(last_key, key, strlen(key) + 1);
    }
    return key;
}

/* The record key of an id, per thread for the last id as above (HKDF is a
 * few HMACs, a browser's requests follow one another with one cookie). The
 * purpose string keeps the key apart from any other use of the id. */
#define RECORD_KEY_INFO "mod_sequr_saml session record v1"

static __thread char rk_id[SESSION_ID_CHARS + 1];
static __thread saml_sealed_key_t rk_key;

static apr_status_t record_key(const char *id, saml_sealed_key_t *out)
{
    apr_size_t len = strlen(id);
    apr_status_t rv;

    if (len == SESSION_ID_CHARS && rk_id[0] && !CRYPTO_memcmp(id, rk_id, len)) {
        *out = rk_key;
        return APR_SUCCESS;
    }
    if ((rv = saml_sealed_key_derive(id, len, RECORD_KEY_INFO, out)) != APR_SUCCESS)
        return rv;
    if (len == SESSION_ID_CHARS) {
        memcpy(rk_id, id, len + 1);
        rk_key = *out;
    }
    return APR_SUCCESS;
}

/* ---- encoding ------------------------------------------------------------- */

/* Writes when buf is set, only counts otherwise: one routine sizes and fills. */
typedef struct writer {
    unsigned char *buf;
    apr_size_t pos;
    int too_long;
    int missing;      /* a string decode would refuse as NULL */
} writer_t;

static void put_u32(writer_t *w, uint32_t v)
{
    if (w->buf) {
        w->buf[w->pos] = (unsigned char)(v >> 24);
        w->buf[w->pos + 1] = (unsigned char)(v >> 16);
        w->buf[w->pos + 2] = (unsigned char)(v >> 8);
        w->buf[w->pos + 3] = (unsigned char)v;
    }
    w->pos += 4;
}

static void put_time(writer_t *w, apr_time_t t)
{
    uint64_t v = (uint64_t)t;
    put_u32(w, (uint32_t)(v >> 32));
    put_u32(w, (uint32_t)v);
}

static void put_string(writer_t *w, const char *s)
{
    apr_size_t len;

    if (s == NULL) {
        put_u32(w, NULL_STRING);
        return;
    }
    len = strlen(s);
    if (len >= NULL_STRING) {
        w->too_long = 1;
        return;
    }
    put_u32(w, (uint32_t)len);
    if (w->buf)
        memcpy(w->buf + w->pos, s, len);
    w->pos += len;
}

/* What decode requires: the user, attribute names and values. */
static void put_required(writer_t *w, const char *s)
{
    if (s == NULL)
        w->missing = 1;
    put_string(w, s);
}

static void put_count(writer_t *w, const apr_array_header_t *a)
{
    if (a && (apr_size_t)a->nelts >= NULL_STRING)
        w->too_long = 1;
    put_u32(w, a ? (uint32_t)a->nelts : 0);
}

static int has_tenant(const saml_session_t *s)
{
    return s->tenant && *s->tenant;
}

static void write_session(writer_t *w, const saml_session_t *s)
{
    int i, j;

    if (w->buf) {
        w->buf[0] = SESSION_MAGIC;
        w->buf[1] = s->authn_instant ? SESSION_VERSION_AUTHN_INSTANT
                    : has_tenant(s) ? SESSION_VERSION_TENANT : SESSION_VERSION;
    }
    w->pos = 2;
    put_required(w, s->user);
    put_string(w, s->idp_entity_id);
    put_string(w, s->name_id);
    put_string(w, s->name_id_format);
    put_string(w, s->session_index);
    put_string(w, s->scope);
    if (s->authn_instant)
        put_string(w, has_tenant(s) ? s->tenant : NULL);
    else if (has_tenant(s))
        put_string(w, s->tenant);
    put_time(w, s->created);
    put_time(w, s->expires);
    put_time(w, s->last_access);
    put_time(w, s->user_checked);
    if (s->authn_instant)
        put_time(w, s->authn_instant);
    put_count(w, s->attributes);
    for (i = 0; s->attributes && i < s->attributes->nelts; i++) {
        const saml_attribute_t *a = &APR_ARRAY_IDX(s->attributes, i, saml_attribute_t);
        put_required(w, a->name);
        put_count(w, a->values);
        for (j = 0; a->values && j < a->values->nelts; j++)
            put_required(w, APR_ARRAY_IDX(a->values, j, const char *));
    }
}

apr_status_t saml_session_encode(apr_pool_t *p, const saml_session_t *s,
                                 char **buf, apr_size_t *len)
{
    writer_t sizing = { NULL, 0, 0, 0 }, w = { NULL, 0, 0, 0 };

    write_session(&sizing, s);
    if (sizing.too_long)
        return SAML_ETOOLARGE;
    if (sizing.missing)
        return APR_EINVAL;
    w.buf = apr_palloc(p, sizing.pos);
    write_session(&w, s);
    *buf = (char *)w.buf;
    *len = w.pos;
    return APR_SUCCESS;
}

/* ---- decoding: every read is checked against what is left ---------------- */

typedef struct reader {
    const unsigned char *buf;
    apr_size_t pos, len;
    int bad;
} reader_t;

static apr_size_t remaining(const reader_t *r)
{
    return r->len - r->pos;
}

static uint32_t get_u32(reader_t *r)
{
    const unsigned char *b;

    if (r->bad || remaining(r) < 4) {
        r->bad = 1;
        return 0;
    }
    b = r->buf + r->pos;
    r->pos += 4;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static apr_time_t get_time(reader_t *r)
{
    uint64_t hi = get_u32(r);
    uint64_t lo = get_u32(r);
    return (apr_time_t)((hi << 32) | lo);
}

/* NULL for the NULL marker (allowed only if nullable); embedded NULs are
 * refused, since the C string would silently be shorter than the record. */
static const char *get_string(apr_pool_t *p, reader_t *r, int nullable)
{
    uint32_t len = get_u32(r);
    const char *s;

    if (r->bad)
        return NULL;
    if (len == NULL_STRING) {
        r->bad = !nullable;
        return NULL;
    }
    if (len > remaining(r) || memchr(r->buf + r->pos, '\0', len)) {
        r->bad = 1;
        return NULL;
    }
    s = apr_pstrmemdup(p, (const char *)r->buf + r->pos, len);
    r->pos += len;
    return s;
}

/* A count of items each at least min_size bytes long, bounded by the bytes
 * left so that a forged count cannot make us allocate more than the input. */
static int get_count(reader_t *r, apr_size_t min_size)
{
    uint32_t n = get_u32(r);

    if (r->bad || n > remaining(r) / min_size) {
        r->bad = 1;
        return 0;
    }
    return (int)n;
}

static apr_array_header_t *get_values(apr_pool_t *p, reader_t *r)
{
    int n = get_count(r, 4), i;
    apr_array_header_t *values = apr_array_make(p, n > 0 ? n : 1, sizeof(const char *));

    for (i = 0; i < n && !r->bad; i++)
        APR_ARRAY_PUSH(values, const char *) = get_string(p, r, 0);
    return values;
}

static apr_array_header_t *get_attributes(apr_pool_t *p, reader_t *r)
{
    int n = get_count(r, 8), i;
    apr_array_header_t *attrs = apr_array_make(p, n > 0 ? n : 1, sizeof(saml_attribute_t));

    for (i = 0; i < n && !r->bad; i++) {
        saml_attribute_t *a = &APR_ARRAY_PUSH(attrs, saml_attribute_t);
        a->name = get_string(p, r, 0);
        a->values = get_values(p, r);
    }
    return attrs;
}

apr_status_t saml_session_decode(apr_pool_t *p, const char *buf, apr_size_t len,
                                 saml_session_t **out)
{
    reader_t r = { (const unsigned char *)buf, 2, len, 0 };
    saml_session_t *s;

    if (buf == NULL || len < 2 || r.buf[0] != SESSION_MAGIC ||
        (r.buf[1] != SESSION_VERSION && r.buf[1] != SESSION_VERSION_TENANT &&
         r.buf[1] != SESSION_VERSION_AUTHN_INSTANT))
        return SAML_EMALFORMED;
    s = apr_pcalloc(p, sizeof(*s));
    s->user = get_string(p, &r, 0);
    s->idp_entity_id = get_string(p, &r, 1);
    s->name_id = get_string(p, &r, 1);
    s->name_id_format = get_string(p, &r, 1);
    s->session_index = get_string(p, &r, 1);
    s->scope = get_string(p, &r, 1);
    if (r.buf[1] != SESSION_VERSION) {
        s->tenant = get_string(p, &r, r.buf[1] == SESSION_VERSION_AUTHN_INSTANT);
        if (s->tenant && *s->tenant == '\0')
            r.bad = 1;    /* the writer never makes it: a forged record */
    }
    s->created = get_time(&r);
    s->expires = get_time(&r);
    s->last_access = get_time(&r);
    s->user_checked = get_time(&r);
    if (r.buf[1] == SESSION_VERSION_AUTHN_INSTANT)
        s->authn_instant = get_time(&r);
    s->attributes = get_attributes(p, &r);
    if (r.bad || r.pos != r.len)
        return SAML_EMALFORMED;
    *out = s;
    return APR_SUCCESS;
}

/* ---- the store ------------------------------------------------------------ */

static apr_status_t write_session_record(apr_pool_t *p, saml_store_t *st,
                                         const saml_session_t *s, int replace_only)
{
    char *plain, *buf;
    apr_size_t plain_len, len;
    apr_status_t rv;
    saml_sealed_key_t rk;
    const char *key;

    if (!saml_session_id_is_wellformed(s->id) || s->user == NULL)
        return APR_EINVAL;
    if ((rv = saml_session_encode(p, s, &plain, &plain_len)) != APR_SUCCESS)
        return rv;
    key = saml_session_key(p, s->id);
    if ((rv = record_key(s->id, &rk)) != APR_SUCCESS)
        return rv;
    rv = saml_seal(p, &rk, key, plain, plain_len, &buf, &len);
    OPENSSL_cleanse(&rk, sizeof(rk));
    if (rv != APR_SUCCESS)
        return rv;
    if (replace_only)
        return saml_store_replace(st, key, buf, len, s->expires);
    return saml_store_set(st, key, buf, len, s->expires);
}

apr_status_t saml_session_save(apr_pool_t *p, saml_store_t *st, const saml_session_t *s)
{
    return write_session_record(p, st, s, 0);
}

apr_status_t saml_session_start(apr_pool_t *p, saml_store_t *st, saml_session_t *s,
                                apr_interval_time_t max_age, apr_time_t session_not_on_or_after,
                                apr_time_t now)
{
    apr_status_t rv;

    s->id = saml_session_new_id(p);
    s->created = now;
    s->last_access = now;
    s->expires = now + max_age;
    if (session_not_on_or_after && session_not_on_or_after < s->expires)
        s->expires = session_not_on_or_after;
    if ((rv = saml_session_save(p, st, s)) != APR_SUCCESS)
        return rv;
    return saml_session_index_add(p, st, s);
}

apr_status_t saml_session_update(apr_pool_t *p, saml_store_t *st, const saml_session_t *s)
{
    return write_session_record(p, st, s, 1);
}

static int same_scope(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* last_access is rewritten only when it has aged by a quarter of the idle
 * timeout (at most a minute): precise enough for the timeout, and most
 * requests then cost one store read and no write. */
static apr_interval_time_t refresh_interval(apr_interval_time_t idle_timeout)
{
    apr_interval_time_t quarter = idle_timeout / 4;
    return quarter < REFRESH_MAX ? quarter : REFRESH_MAX;
}

static apr_status_t load(apr_pool_t *p, saml_store_t *st, const char *id, const char *scope,
                         apr_interval_time_t idle_timeout, apr_time_t now, int touch,
                         saml_session_t **out)
{
    saml_session_t *s;
    saml_sealed_key_t rk;
    const char *key;
    char *buf, *plain;
    apr_size_t len, plain_len;
    apr_status_t rv;

    if (!saml_session_id_is_wellformed(id))
        return APR_NOTFOUND;
    key = saml_session_key(p, id);
    if ((rv = saml_store_get(st, key, p, &buf, &len)) != APR_SUCCESS)
        return rv;
    if ((rv = record_key(id, &rk)) != APR_SUCCESS)
        return rv;
    rv = saml_unseal(p, &rk, key, buf, len, &plain, &plain_len);
    OPENSSL_cleanse(&rk, sizeof(rk));
    /* Not removed when it does not open or decode: during an upgrade by
     * graceful restart, an old child must not delete a session written by a
     * newer format version; and a record planted by someone without the
     * cookie (it cannot open) is not ours to act on. */
    if (rv != APR_SUCCESS || saml_session_decode(p, plain, plain_len, &s) != APR_SUCCESS)
        return APR_NOTFOUND;
    if (now >= s->expires || (idle_timeout > 0 && now - s->last_access >= idle_timeout)) {
        saml_store_remove(st, key);
        return APR_NOTFOUND;
    }
    /* Presented on another vhost: refuse, but leave it to its owner. */
    if (!same_scope(s->scope, scope))
        return APR_NOTFOUND;
    s->id = apr_pstrdup(p, id);
    if (touch && idle_timeout > 0 && now - s->last_access >= refresh_interval(idle_timeout)) {
        s->last_access = now;
        /* Best effort: the answer is already decided; a failed refresh only
         * means the next request tries again. Replace-only: a logout that
         * removed the session since the read above must stay done. */
        saml_session_update(p, st, s);
    }
    *out = s;
    return APR_SUCCESS;
}

apr_status_t saml_session_load(apr_pool_t *p, saml_store_t *st, const char *id,
                               const char *scope, apr_interval_time_t idle_timeout,
                               apr_time_t now, saml_session_t **out)
{
    return load(p, st, id, scope, idle_timeout, now, 1, out);
}

apr_status_t saml_session_peek(apr_pool_t *p, saml_store_t *st, const char *id,
                               const char *scope, apr_interval_time_t idle_timeout,
                               apr_time_t now, saml_session_t **out)
{
    return load(p, st, id, scope, idle_timeout, now, 0, out);
}

apr_status_t saml_session_remove(apr_pool_t *p, saml_store_t *st, const char *id)
{
    if (!saml_session_id_is_wellformed(id))
        return APR_SUCCESS;
    return saml_store_remove(st, saml_session_key(p, id));
}

/* ---- the index by NameID and SessionIndex --------------------------------- */

#define INDEX_PREFIX SAML_STORE_NS_LOGOUT_INDEX

/* Parts joined with a separator no XML text can hold ('\0' is impossible in
 * XML, so it cannot be forged to make two tuples collide). */
static const char *index_key(apr_pool_t *p, const char *scope, const char *idp,
                             const char *name_id, const char *session_index)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    const char *parts[4];
    int i, ok;

    parts[0] = scope ? scope : "";
    parts[1] = idp ? idp : "";
    parts[2] = name_id;
    parts[3] = session_index ? session_index : "";
    if (ctx == NULL)
        abort();
    ok = EVP_DigestInit_ex(ctx, sha256(), NULL) == 1;
    for (i = 0; i < 4 && ok; i++)
        ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1) == 1;
    /* "no SessionIndex" and "empty SessionIndex" must differ. */
    ok = ok && EVP_DigestUpdate(ctx, session_index ? "i" : "n", 1) == 1 &&
         EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        abort();
    return apr_pstrcat(p, INDEX_PREFIX, saml_base64url_encode(p, md, mdlen), NULL);
}

/* Entry value: "KEY@EXPIRY" items (store key of a session, its hard expiry
 * in hex microseconds) separated by ' ' (base64url holds neither '@' nor ' '). */
typedef struct index_item {
    const char *key;
    apr_time_t expires;
} index_item_t;

static void parse_index(apr_pool_t *p, char *val, apr_array_header_t *items)
{
    char *tok, *last = NULL, *at, *end;

    for (tok = val ? apr_strtok(val, " ", &last) : NULL; tok; tok = apr_strtok(NULL, " ", &last)) {
        index_item_t *it;
        if ((at = strchr(tok, '@')) == NULL)
            continue;
        *at = '\0';
        it = &APR_ARRAY_PUSH(items, index_item_t);
        it->key = apr_pstrdup(p, tok);
        it->expires = (apr_time_t)apr_strtoi64(at + 1, &end, 16);
        if (*end != '\0')
            it->expires = 0;
    }
}

static apr_status_t index_append(apr_pool_t *p, saml_store_t *st, const char *key,
                                 const char *session_key, apr_time_t expires)
{
    char *old = NULL;
    apr_size_t len = 0;
    apr_array_header_t *items = apr_array_make(p, 4, sizeof(index_item_t));
    const char *val = apr_psprintf(p, "%s@%" APR_UINT64_T_HEX_FMT, session_key,
                                   (apr_uint64_t)expires);
    apr_time_t now = apr_time_now(), until = expires;
    int i, kept = 1;
    apr_status_t rv = saml_store_get(st, key, p, &old, &len);

    if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
        return rv;
    parse_index(p, rv == APR_SUCCESS ? old : NULL, items);
    /* Newest first; sessions already over are dropped, and past the cap the
     * oldest go (most likely ended already). */
    for (i = items->nelts - 1; i >= 0 && kept < SAML_SESSION_INDEX_MAX; i--) {
        const index_item_t *it = &APR_ARRAY_IDX(items, i, index_item_t);
        if (it->expires <= now)
            continue;
        val = apr_psprintf(p, "%s@%" APR_UINT64_T_HEX_FMT " %s", it->key,
                           (apr_uint64_t)it->expires, val);
        if (it->expires > until)
            until = it->expires;
        kept++;
    }
    /* The entry lives as long as the longest session it names. */
    return saml_store_set(st, key, val, strlen(val), until);
}

apr_status_t saml_session_index_add(apr_pool_t *p, saml_store_t *st, const saml_session_t *s)
{
    const char *skey;
    apr_status_t rv;

    if (s->name_id == NULL || !saml_session_id_is_wellformed(s->id))
        return APR_SUCCESS;
    skey = saml_session_key(p, s->id);
    rv = index_append(p, st, index_key(p, s->scope, s->idp_entity_id, s->name_id, NULL), skey, s->expires);
    if (rv == APR_SUCCESS && s->session_index)
        rv = index_append(p, st, index_key(p, s->scope, s->idp_entity_id, s->name_id,
                                                 s->session_index), skey,
                          s->expires);
    return rv;
}

apr_status_t saml_session_index_live(apr_pool_t *p, saml_store_t *st, const char *scope,
                                     const char *idp_entity_id, const char *name_id,
                                     const char *session_index, apr_time_t now, int *live)
{
    char *val = NULL, *sval = NULL;
    apr_size_t len = 0, slen = 0;
    apr_array_header_t *items;
    apr_status_t rv;
    int i;

    *live = 0;
    if (name_id == NULL)
        return APR_SUCCESS;
    rv = saml_store_get(st, index_key(p, scope, idp_entity_id, name_id, session_index), p,
                        &val, &len);
    if (rv == APR_NOTFOUND)
        return APR_SUCCESS;
    if (rv != APR_SUCCESS)
        return rv;
    items = apr_array_make(p, 4, sizeof(index_item_t));
    parse_index(p, val, items);
    for (i = 0; i < items->nelts && !*live; i++) {
        const index_item_t *it = &APR_ARRAY_IDX(items, i, index_item_t);
        if (strncmp(it->key, SAML_STORE_NS_SESSION, sizeof(SAML_STORE_NS_SESSION) - 1) || it->expires <= now)
            continue;
        rv = saml_store_get(st, it->key, p, &sval, &slen);
        if (rv == APR_SUCCESS)
            *live = 1;
        else if (rv != APR_NOTFOUND)
            return rv;
    }
    return APR_SUCCESS;
}

apr_status_t saml_session_end_by_name(apr_pool_t *p, saml_store_t *st, const char *scope,
                                      const char *idp_entity_id, const char *name_id,
                                      const char *session_index, int *ended)
{
    const char *key;
    char *val = NULL;
    apr_size_t len = 0;
    apr_array_header_t *items;
    apr_status_t rv;
    int i, n = 0;

    if (ended)
        *ended = 0;
    if (name_id == NULL)
        return APR_SUCCESS;
    key = index_key(p, scope, idp_entity_id, name_id, session_index);
    rv = saml_store_take(st, key, p, &val, &len);
    if (rv == APR_NOTFOUND)
        return APR_SUCCESS;
    if (rv != APR_SUCCESS)
        return rv;
    items = apr_array_make(p, 4, sizeof(index_item_t));
    parse_index(p, val, items);
    for (i = 0; i < items->nelts; i++) {
        const char *skey = APR_ARRAY_IDX(items, i, index_item_t).key;
        /* Only session keys: the store may be shared with other software. */
        if (strncmp(skey, SAML_STORE_NS_SESSION, sizeof(SAML_STORE_NS_SESSION) - 1))
            continue;
        if ((rv = saml_store_remove(st, skey)) != APR_SUCCESS)
            return rv;
        n++;
    }
    if (ended)
        *ended = n;
    return APR_SUCCESS;
}
