/* The one-machine default store: a hash table in a file mapped MAP_SHARED.
 *
 * Why a file: mod_auth_mellon keeps its sessions in shared memory owned by the
 * configuration pool, so every `apachectl graceful` logs everybody out. Here
 * the table lives in a file that the parent maps before forking (children
 * inherit the mapping) and that is reopened, not wiped, at every restart.
 *
 * Layout: a header (magic, layout, per-file SipHash seed, one robust
 * process-shared mutex per stripe), then 128-byte slots (state, key, expiry:
 * all a probe reads), then one value_max area per slot. The file is sized
 * with ftruncate: value areas never written cost no disk or memory.
 *
 * Capacity: the table has SF_HEADROOM slots per configured entry, so that
 * SequrSAMLCacheEntries means what it says. Open addressing with a bounded
 * probe refuses a key once every slot of its window is taken, which happens
 * long before the table is full: with one slot per entry and 64-slot windows
 * a table refused new keys at 59 to 78 per cent of its entries (measured,
 * 4 096 to 262 144 entries), so sign-ins failed with 503 at about two thirds
 * of the capacity an admin had sized. Twice the slots and 128-slot windows
 * hold at least 1.37 times the configured entries at every size measured up
 * to 1 048 576, and keep probes short (the table is at most half full at the
 * configured capacity). The extra slots cost 128 bytes each; value areas stay
 * sparse, so memory follows the entries in use, not the slots.
 *
 * Locking: the slots are cut into at most 64 stripes of consecutive slots, one
 * mutex each. A key's whole probe sequence stays inside the stripe of its home
 * slot (it wraps within the stripe), so one lock covers every slot a key can
 * live in: correct without lock ordering, and contention is 1/64th of a global
 * lock. Probes are bounded (SF_PROBE_MAX slots): every operation is O(1).
 *
 * Deletion leaves tombstones (chains stay intact); a tombstone followed by an
 * empty slot is turned back into an empty slot, so tombstones do not pile up.
 * Expired entries count as free when a new key needs a slot.
 *
 * Crashes: a slot is marked WRITING while its bytes change and USED last, and
 * only USED slots are ever matched; so a child killed inside the lock leaves
 * at worst an abandoned slot (free for reuse, like a tombstone), never a torn
 * value. The next locker gets EOWNERDEAD and marks the mutex consistent.
 *
 * Reopening: every process holding the file open keeps a shared flock() on it.
 * An opener that obtains the exclusive flock is alone (the parent at first
 * start, or after every old child has gone): only then may it initialise the
 * mutexes, which it does at every such open, keeping the data. An opener that
 * only gets the shared lock finds the file in use and takes it as it is; if
 * its layout differs (the admin changed the size and ran graceful), the old
 * file is unlinked for the old generation to finish with, and a fresh one is
 * made. */
#include "saml/store_file.h"
#include "saml/siphash.h"

#include <apr_strings.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "saml/random.h"
#include "saml/store_error.h"
#include "saml/store_file_access.h"

#define SF_MAGIC           "SQSAMLS\x01"
#define SF_LAYOUT_VERSION  3u
#define SF_STRIPES_MAX     64u
#define SF_PROBE_MAX       128u
#define SF_HEADROOM        2u     /* slots per configured entry: see Capacity */
#define SF_ENTRIES_LIMIT   (1u << 24)
#define SF_VALUE_MAX_LIMIT (16u << 20)
#define SF_OPEN_ATTEMPTS   3

enum { SLOT_EMPTY = 0, SLOT_USED = 1, SLOT_TOMBSTONE = 2, SLOT_WRITING = 3 };

typedef struct sf_header {
    char magic[8];
    uint32_t layout_version;
    uint32_t header_size;     /* catches another build's pthread_mutex_t size */
    uint64_t entries;         /* stripes * stripe_len */
    uint64_t value_max;
    uint64_t value_stride;
    uint32_t stripes;
    uint32_t stripe_len;
    uint64_t seed[2];         /* SipHash key: keys cannot be chosen to collide */
    uint64_t checksum;        /* FNV-1a of every field above */
    pthread_mutex_t locks[SF_STRIPES_MAX];
} sf_header_t;

typedef struct sf_slot {
    uint32_t state;
    uint32_t key_len;
    uint64_t val_len;
    int64_t expiry;
    char key[SAML_STORE_KEY_MAX];
    char pad[8];              /* 128 bytes: a probe reads two slots per cache line */
} sf_slot_t;

typedef struct sf_store {
    int fd;
    unsigned char *base;
    apr_size_t size;
    apr_size_t slots_offset;
    apr_size_t values_offset;
    sf_header_t *hdr;
    int private_only;     /* refuse a file or directory others may reach */
    long run_uid;         /* besides ours, the owner such a file may have */
} sf_store_t;

/* ---- layout checksum ---------------------------------------------------- */

static uint64_t header_checksum(const sf_header_t *h)
{
    const unsigned char *b = (const unsigned char *)h;
    uint64_t x = 0xcbf29ce484222325ULL;
    apr_size_t i;
    for (i = 0; i < offsetof(sf_header_t, checksum); i++)
        x = (x ^ b[i]) * 0x100000001b3ULL;
    return x;
}

/* ---- layout --------------------------------------------------------------- */

static apr_size_t round_up(apr_size_t n, apr_size_t to)
{
    return (n + to - 1) / to * to;
}

/* The header the file must carry for this size request (seed left blank),
 * and where its parts lie: header, then every slot's small fixed part (what a
 * probe reads, densely packed), then the values, one stride per slot. */
static apr_status_t plan_layout(apr_size_t entries, apr_size_t value_max,
                                sf_header_t *want, sf_store_t *s)
{
    apr_size_t slots, stripes, stripe_len, stride, n;

    if (entries < 1 || entries > SF_ENTRIES_LIMIT || value_max < 1
        || value_max > SF_VALUE_MAX_LIMIT)
        return APR_EINVAL;
    slots = entries * SF_HEADROOM;
    /* Stripes of at least one probe window, so a small table is not cut
     * into stripes too short to hold a probe sequence. */
    stripes = slots / SF_PROBE_MAX;
    if (stripes < 1)
        stripes = 1;
    if (stripes > SF_STRIPES_MAX)
        stripes = SF_STRIPES_MAX;
    stripe_len = (slots + stripes - 1) / stripes;
    n = stripes * stripe_len;
    stride = round_up(value_max, 8);
    s->slots_offset = round_up(sizeof(sf_header_t), 128);
    s->values_offset = round_up(s->slots_offset + n * sizeof(sf_slot_t), 4096);
    if ((apr_uint64_t)n * stride > (apr_uint64_t)(SIZE_MAX / 2) - s->values_offset)
        return APR_EINVAL;
    s->size = s->values_offset + n * stride;

    memset(want, 0, sizeof(*want));
    memcpy(want->magic, SF_MAGIC, sizeof(want->magic));
    want->layout_version = SF_LAYOUT_VERSION;
    want->header_size = (uint32_t)sizeof(sf_header_t);
    want->entries = n;
    want->value_max = value_max;
    want->value_stride = stride;
    want->stripes = (uint32_t)stripes;
    want->stripe_len = (uint32_t)stripe_len;
    return APR_SUCCESS;
}

static int header_matches(const sf_header_t *have, const sf_header_t *want)
{
    return memcmp(have->magic, want->magic, sizeof(have->magic)) == 0
        && have->layout_version == want->layout_version
        && have->header_size == want->header_size
        && have->entries == want->entries
        && have->value_max == want->value_max
        && have->value_stride == want->value_stride
        && have->stripes == want->stripes
        && have->stripe_len == want->stripe_len
        && have->checksum == header_checksum(have);
}

static sf_slot_t *slot_at(sf_store_t *s, uint32_t stripe, uint32_t index)
{
    apr_size_t n = (apr_size_t)stripe * s->hdr->stripe_len + index;
    return (sf_slot_t *)(s->base + s->slots_offset + n * sizeof(sf_slot_t));
}

static apr_size_t value_offset(sf_store_t *s, const sf_slot_t *slot)
{
    apr_size_t n = (apr_size_t)((const unsigned char *)slot - (s->base + s->slots_offset))
                   / sizeof(sf_slot_t);
    return s->values_offset + n * s->hdr->value_stride;
}

static unsigned char *slot_value(sf_store_t *s, const sf_slot_t *slot)
{
    return s->base + value_offset(s, slot);
}

/* Give bytes about to be written real blocks. Storing into a hole of a
 * shared mapping on a full file system (a small /run tmpfs, say) raises
 * SIGBUS; allocating first turns that into APR_ENOSPC. Where fallocate is
 * not supported we write as before. */
static apr_status_t reserve(int fd, apr_size_t offset, apr_size_t len)
{
    if (len == 0 || fallocate(fd, 0, (off_t)offset, (off_t)len) == 0)
        return APR_SUCCESS;
    if (errno == EOPNOTSUPP || errno == ENOSYS)
        return APR_SUCCESS;
    return APR_FROM_OS_ERROR(errno);
}

static uint32_t slot_state(const sf_slot_t *slot)
{
    return __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE);
}

static void set_slot_state(sf_slot_t *slot, uint32_t state)
{
    __atomic_store_n(&slot->state, state, __ATOMIC_RELEASE);
}

/* ---- locks ---------------------------------------------------------------- */

static apr_status_t init_mutexes(sf_header_t *h)
{
    pthread_mutexattr_t attr;
    uint32_t i;
    int rc = pthread_mutexattr_init(&attr);

    if (rc == 0)
        rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    for (i = 0; rc == 0 && i < h->stripes; i++)
        rc = pthread_mutex_init(&h->locks[i], &attr);
    pthread_mutexattr_destroy(&attr);
    return rc == 0 ? APR_SUCCESS : APR_FROM_OS_ERROR(rc);
}

static apr_status_t lock_stripe(sf_store_t *s, uint32_t stripe)
{
    int rc = pthread_mutex_lock(&s->hdr->locks[stripe]);
    /* The holder died. What it was writing is marked WRITING, which no
     * lookup matches and any new key may take: the stripe is consistent. */
    if (rc == EOWNERDEAD)
        rc = pthread_mutex_consistent(&s->hdr->locks[stripe]);
    return rc == 0 ? APR_SUCCESS : APR_FROM_OS_ERROR(rc);
}

static void unlock_stripe(sf_store_t *s, uint32_t stripe)
{
    pthread_mutex_unlock(&s->hdr->locks[stripe]);
}

/* ---- probing -------------------------------------------------------------- */

typedef struct sf_probe {
    uint32_t stripe;
    uint32_t home;
    sf_slot_t *match;     /* the key's slot, expired or not */
    uint32_t match_index;
    sf_slot_t *vacant;    /* first slot a new key may take */
} sf_probe_t;

static apr_status_t check_key(const char *key, apr_size_t *klen)
{
    if (key == NULL)
        return APR_EINVAL;
    *klen = strlen(key);
    return (*klen == 0 || *klen > SAML_STORE_KEY_MAX) ? APR_EINVAL : APR_SUCCESS;
}

static void locate(sf_store_t *s, const char *key, apr_size_t klen, sf_probe_t *pr)
{
    uint64_t h = saml_siphash24(s->hdr->seed, key, klen);
    pr->stripe = (uint32_t)(h % s->hdr->stripes);
    pr->home = (uint32_t)((h >> 32) % s->hdr->stripe_len);
    pr->match = NULL;
    pr->vacant = NULL;
}

static int slot_expired(const sf_slot_t *slot, apr_time_t now)
{
    return now >= slot->expiry;
}

/* Walk the key's probe window (stripe lock held). Stops at the key or at an
 * empty slot, past which no chain continues. */
static void probe(sf_store_t *s, const char *key, apr_size_t klen, apr_time_t now,
                  sf_probe_t *pr)
{
    uint32_t len = s->hdr->stripe_len;
    uint32_t limit = len < SF_PROBE_MAX ? len : SF_PROBE_MAX;
    uint32_t i;

    for (i = 0; i < limit; i++) {
        uint32_t index = (pr->home + i) % len;
        sf_slot_t *slot = slot_at(s, pr->stripe, index);
        uint32_t state = slot_state(slot);

        if (state == SLOT_EMPTY) {
            if (pr->vacant == NULL)
                pr->vacant = slot;
            return;
        }
        if (state == SLOT_USED && slot->key_len == klen
            && memcmp(slot->key, key, klen) == 0) {
            pr->match = slot;
            pr->match_index = index;
            return;
        }
        if (pr->vacant == NULL && (state != SLOT_USED || slot_expired(slot, now)))
            pr->vacant = slot;
    }
}

/* Tombstone the slot; then, if it sits just before an empty slot, no chain
 * runs through it or the tombstones (or abandoned WRITING slots) before it,
 * so they become empty again. */
static void free_slot(sf_store_t *s, uint32_t stripe, uint32_t index)
{
    uint32_t len = s->hdr->stripe_len;
    uint32_t steps;

    set_slot_state(slot_at(s, stripe, index), SLOT_TOMBSTONE);
    if (slot_state(slot_at(s, stripe, (index + 1) % len)) != SLOT_EMPTY)
        return;
    for (steps = 0; steps < len; steps++) {
        sf_slot_t *slot = slot_at(s, stripe, index);
        uint32_t state = slot_state(slot);
        if (state == SLOT_USED || state == SLOT_EMPTY)
            break;
        set_slot_state(slot, SLOT_EMPTY);
        index = (index + len - 1) % len;
    }
}

static void write_slot(sf_store_t *s, sf_slot_t *slot, const char *key, apr_size_t klen,
                       const char *val, apr_size_t len, apr_time_t expiry)
{
    set_slot_state(slot, SLOT_WRITING);
    slot->key_len = (uint32_t)klen;
    memcpy(slot->key, key, klen);
    slot->val_len = len;
    if (len)
        memcpy(slot_value(s, slot), val, len);
    slot->expiry = expiry;
    set_slot_state(slot, SLOT_USED);
}

static void copy_out(apr_pool_t *p, sf_store_t *s, sf_slot_t *slot, char **val,
                     apr_size_t *len)
{
    char *copy = apr_palloc(p, slot->val_len + 1);
    memcpy(copy, slot_value(s, slot), slot->val_len);
    copy[slot->val_len] = '\0';
    *val = copy;
    if (len)
        *len = slot->val_len;
}

/* ---- provider ------------------------------------------------------------- */

static apr_status_t sf_read(saml_store_t *st, const char *key, apr_pool_t *p,
                            char **val, apr_size_t *len, int delete_it)
{
    sf_store_t *s = st->impl;
    apr_time_t now = apr_time_now();
    apr_status_t rv;
    apr_size_t klen;
    sf_probe_t pr;

    if ((rv = check_key(key, &klen)) != APR_SUCCESS)
        return rv;
    locate(s, key, klen, &pr);
    if ((rv = lock_stripe(s, pr.stripe)) != APR_SUCCESS)
        return rv;
    probe(s, key, klen, now, &pr);
    if (pr.match == NULL) {
        rv = APR_NOTFOUND;
    }
    else if (slot_expired(pr.match, now) || pr.match->val_len > s->hdr->value_max) {
        /* (A length beyond value_max can only be damage: never read past.) */
        free_slot(s, pr.stripe, pr.match_index);
        rv = APR_NOTFOUND;
    }
    else {
        copy_out(p, s, pr.match, val, len);
        if (delete_it)
            free_slot(s, pr.stripe, pr.match_index);
        rv = APR_SUCCESS;
    }
    unlock_stripe(s, pr.stripe);
    return rv;
}

static apr_status_t sf_get(saml_store_t *st, const char *key, apr_pool_t *p,
                           char **val, apr_size_t *len)
{
    return sf_read(st, key, p, val, len, 0);
}

static apr_status_t sf_take(saml_store_t *st, const char *key, apr_pool_t *p,
                            char **val, apr_size_t *len)
{
    return sf_read(st, key, p, val, len, 1);
}

/* How sf_write treats an entry already there. */
enum { SF_SET, SF_ADD, SF_REPLACE };

static apr_status_t sf_write(saml_store_t *st, const char *key, const char *val,
                             apr_size_t len, apr_time_t expiry, int mode)
{
    sf_store_t *s = st->impl;
    apr_time_t now = apr_time_now();
    apr_status_t rv;
    apr_size_t klen;
    sf_probe_t pr;

    if ((rv = check_key(key, &klen)) != APR_SUCCESS)
        return rv;
    if (len > s->hdr->value_max)
        return SAML_ETOOLARGE;
    if (val == NULL && len > 0)
        return APR_EINVAL;
    locate(s, key, klen, &pr);
    if ((rv = lock_stripe(s, pr.stripe)) != APR_SUCCESS)
        return rv;
    probe(s, key, klen, now, &pr);
    if (pr.match && mode == SF_ADD && !slot_expired(pr.match, now)) {
        rv = APR_EEXIST;
    }
    else if (mode == SF_REPLACE && (pr.match == NULL || slot_expired(pr.match, now))) {
        rv = APR_NOTFOUND;
    }
    else if (pr.match || pr.vacant) {
        sf_slot_t *slot = pr.match ? pr.match : pr.vacant;
        rv = reserve(s->fd, value_offset(s, slot), len);
        if (rv == APR_SUCCESS)
            write_slot(s, slot, key, klen, val, len, expiry);
        else {
            char why[120];
            saml_store_error_note(rv, "file store: the file system holding it gave no room "
                                  "for the value (%s)", apr_strerror(rv, why, sizeof(why)));
        }
    }
    else {
        rv = APR_ENOSPC;
        saml_store_error_note(rv, "file store full: every slot a new key may take is in use "
                              "(%lu slots, %u per entry); raise SequrSAMLCacheEntries",
                              (unsigned long)s->hdr->entries, SF_HEADROOM);
    }
    unlock_stripe(s, pr.stripe);
    return rv;
}

static apr_status_t sf_set(saml_store_t *st, const char *key, const char *val,
                           apr_size_t len, apr_time_t expiry)
{
    return sf_write(st, key, val, len, expiry, SF_SET);
}

static apr_status_t sf_add(saml_store_t *st, const char *key, const char *val,
                           apr_size_t len, apr_time_t expiry)
{
    return sf_write(st, key, val, len, expiry, SF_ADD);
}

static apr_status_t sf_replace(saml_store_t *st, const char *key, const char *val,
                               apr_size_t len, apr_time_t expiry)
{
    return sf_write(st, key, val, len, expiry, SF_REPLACE);
}

static apr_status_t sf_remove(saml_store_t *st, const char *key)
{
    sf_store_t *s = st->impl;
    apr_status_t rv;
    apr_size_t klen;
    sf_probe_t pr;

    if ((rv = check_key(key, &klen)) != APR_SUCCESS)
        return rv;
    locate(s, key, klen, &pr);
    if ((rv = lock_stripe(s, pr.stripe)) != APR_SUCCESS)
        return rv;
    probe(s, key, klen, apr_time_now(), &pr);
    if (pr.match)
        free_slot(s, pr.stripe, pr.match_index);
    unlock_stripe(s, pr.stripe);
    return APR_SUCCESS;
}

static const saml_store_provider_t file_provider = {
    "file", sf_get, sf_set, sf_add, sf_take, sf_remove, sf_replace
};

/* Test hook, deliberately absent from store_file.h: take the lock that
 * guards key and return without releasing it, so a test can kill the holder
 * and check that nobody deadlocks. */
apr_status_t saml_store_file_hold_lock_for_test(saml_store_t *st, const char *key);
apr_status_t saml_store_file_hold_lock_for_test(saml_store_t *st, const char *key)
{
    sf_store_t *s = st->impl;
    apr_size_t klen;
    sf_probe_t pr;
    apr_status_t rv = check_key(key, &klen);

    if (rv != APR_SUCCESS)
        return rv;
    locate(s, key, klen, &pr);
    return lock_stripe(s, pr.stripe);
}

/* ---- opening -------------------------------------------------------------- */

static apr_status_t unmap_store(void *data)
{
    sf_store_t *s = data;
    if (s->base) {
        munmap(s->base, s->size);
        s->base = NULL;
    }
    if (s->fd >= 0) {
        close(s->fd);   /* drops our flock with the last descriptor */
        s->fd = -1;
    }
    return APR_SUCCESS;
}

/* Exclusive owner: reuse a matching file (new mutexes, data kept) or lay a
 * fresh one out. Zero-length truncation wipes old slots without writing them. */
static apr_status_t initialise(sf_store_t *s, const sf_header_t *want, int reuse)
{
    apr_status_t rv;

    if (reuse)
        return init_mutexes(s->hdr);
    memcpy(s->hdr, want, offsetof(sf_header_t, locks));
    if ((rv = saml_random_bytes((unsigned char *)s->hdr->seed, sizeof(s->hdr->seed)))
        != APR_SUCCESS)
        return rv;
    if ((rv = init_mutexes(s->hdr)) != APR_SUCCESS)
        return rv;
    s->hdr->checksum = header_checksum(s->hdr);
    return APR_SUCCESS;
}

static apr_status_t map_file(sf_store_t *s)
{
    void *m = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
    if (m == MAP_FAILED)
        return APR_FROM_OS_ERROR(errno);
    s->base = m;
    s->hdr = m;
    return APR_SUCCESS;
}

static int same_file(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0
        && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static apr_status_t step_failure(const char **why, const char *step, apr_status_t rv)
{
    *why = step;
    return rv;
}

static apr_status_t os_failure(const char **why, const char *step)
{
    return step_failure(why, step, APR_FROM_OS_ERROR(errno));
}

/* One attempt; APR_EAGAIN asks for another after an in-use file of another
 * layout was unlinked. */
static apr_status_t open_once(apr_pool_t *p, sf_store_t *s, const char *path,
                              const sf_header_t *want, const char **why)
{
    struct stat sb;
    sf_header_t have;
    ssize_t got;
    int exclusive, matches;
    apr_status_t rv;

    s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s->fd < 0)
        return os_failure(why, "open");
    exclusive = flock(s->fd, LOCK_EX | LOCK_NB) == 0;
    /* Blocks while an exclusive opener initialises. */
    if (!exclusive && flock(s->fd, LOCK_SH) != 0)
        return os_failure(why, "flock");
    if (fstat(s->fd, &sb) != 0)
        return os_failure(why, "fstat");
    /* Before anything is read from or written to it. */
    if (s->private_only && (rv = saml_store_file_check_stat(p, &sb, s->run_uid, why)) != APR_SUCCESS)
        return rv;

    got = pread(s->fd, &have, sizeof(have), 0);
    matches = got == (ssize_t)sizeof(have) && header_matches(&have, want)
              && (apr_size_t)sb.st_size == s->size;
    if (!exclusive && !matches) {
        if (same_file(s->fd, path) && unlink(path) != 0)
            return os_failure(why, "unlink");
        unmap_store(s);
        return APR_EAGAIN;
    }
    if (exclusive && !matches
        && (ftruncate(s->fd, 0) != 0 || ftruncate(s->fd, (off_t)s->size) != 0))
        return os_failure(why, "ftruncate");
    /* Header and slots are written in place from now on: no holes there. */
    if (exclusive && (rv = reserve(s->fd, 0, s->values_offset)) != APR_SUCCESS)
        return step_failure(why, "fallocate", rv);
    if ((rv = map_file(s)) != APR_SUCCESS)
        return step_failure(why, "mmap", rv);
    if (exclusive) {
        if ((rv = initialise(s, want, matches)) != APR_SUCCESS)
            return step_failure(why, "initialise", rv);
        /* Keep a shared lock for as long as this mapping lives, so that no
         * later opener re-initialises mutexes we (or our children) use. */
        if (flock(s->fd, LOCK_SH) != 0)
            return os_failure(why, "flock");
    }
    return APR_SUCCESS;
}

static apr_status_t open_store(apr_pool_t *p, const char *path, apr_size_t entries,
                               apr_size_t value_max, int persistent, int private_only,
                               long run_uid, saml_store_t **out, saml_err_t *err)
{
    sf_store_t *s = apr_pcalloc(p, sizeof(*s));
    saml_store_t *st;
    sf_header_t want;
    const char *why = "open";
    apr_status_t rv;
    int attempt;

    if (path == NULL || plan_layout(entries, value_max, &want, s) != APR_SUCCESS)
        return saml_fail(p, err, APR_EINVAL, "store-file",
                         "unusable size: %" APR_SIZE_T_FMT " entries of %" APR_SIZE_T_FMT
                         " bytes (at most %u entries of %u bytes)",
                         entries, value_max, SF_ENTRIES_LIMIT, SF_VALUE_MAX_LIMIT);
    s->fd = -1;
    s->private_only = private_only;
    s->run_uid = run_uid;
    if (private_only && (rv = saml_store_file_check_directory(p, path, run_uid, &why)) != APR_SUCCESS)
        return saml_fail(p, err, rv, "store-file", "%s", why);
    for (attempt = 0; attempt < SF_OPEN_ATTEMPTS; attempt++) {
        rv = open_once(p, s, path, &want, &why);
        if (rv != APR_EAGAIN)
            break;
    }
    if (rv != APR_SUCCESS) {
        char buf[120];
        unmap_store(s);
        if (rv == APR_EACCES && private_only)
            return saml_fail(p, err, rv, "store-file", "%s", why);
        return saml_fail(p, err, rv, "store-file", "%s of %s failed: %s", why, path,
                         rv == APR_EAGAIN ? "file keeps changing layout"
                                          : apr_strerror(rv, buf, sizeof(buf)));
    }
    if (!persistent)
        apr_pool_cleanup_register(p, s, unmap_store, apr_pool_cleanup_null);
    st = apr_pcalloc(p, sizeof(*st));
    st->provider = &file_provider;
    st->impl = s;
    *out = st;
    return APR_SUCCESS;
}

apr_status_t saml_store_file_open(apr_pool_t *p, const char *path, apr_size_t entries,
                                  apr_size_t value_max, saml_store_t **out,
                                  saml_err_t *err)
{
    return open_store(p, path, entries, value_max, 0, 0, -1, out, err);
}

apr_status_t saml_store_file_open_persistent(apr_pool_t *p, const char *path,
                                             apr_size_t entries, apr_size_t value_max,
                                             saml_store_t **out, saml_err_t *err)
{
    return open_store(p, path, entries, value_max, 1, 0, -1, out, err);
}

apr_status_t saml_store_file_open_private(apr_pool_t *p, const char *path, apr_size_t entries,
                                          apr_size_t value_max, long run_uid,
                                          saml_store_t **out, saml_err_t *err)
{
    return open_store(p, path, entries, value_max, 1, 1, run_uid, out, err);
}

saml_store_t *saml_store_file_rebind(apr_pool_t *p, const saml_store_t *st)
{
    saml_store_t *fresh = apr_pcalloc(p, sizeof(*fresh));
    fresh->provider = &file_provider;
    fresh->impl = st->impl;
    return fresh;
}

apr_status_t saml_store_file_chown(saml_store_t *st, long uid, long gid)
{
    sf_store_t *s = st->impl;
    if (fchown(s->fd, (uid_t)uid, (gid_t)gid) != 0)
        return APR_FROM_OS_ERROR(errno);
    return APR_SUCCESS;
}
