/* The shared counters: their layout and the atomic adds on them. */
#include "saml/metrics.h"

#include <string.h>

/* Bumped whenever the layout below changes, so that a block kept across a
 * graceful restart by an older build is not read with the new layout. */
#define METRICS_STAMP 0x53514d02u

#define SLOT_EMPTY    0u
#define SLOT_CLAIMING 1u
#define SLOT_READY    2u
/* How long to wait for another process to finish writing a slot's name
 * (a few dozen instructions) before counting elsewhere. */
#define CLAIM_PATIENCE 100000

typedef struct {
    apr_uint32_t state;
    char name[SAML_METRICS_CHECK_NAME_MAX + 1];
    apr_uint64_t count;
} refusal_slot_t;

typedef struct {
    apr_uint64_t buckets[SAML_METRICS_BUCKETS + 1];
    apr_uint64_t sum_usec;
    apr_uint64_t errors;
} store_slot_t;

struct saml_metrics {
    apr_uint32_t stamp;
    apr_uint32_t size;
    apr_uint64_t counters[SAML_METRIC_COUNT];
    apr_uint64_t refusals_other;
    refusal_slot_t refusals[SAML_METRICS_CHECKS];
    store_slot_t store[SAML_METRICS_BACKENDS][SAML_METRICS_OPS];
};

/* 25 us to 2.5 s: a file store answers in microseconds, a farm store over
 * the network in a millisecond or so, and SequrSAMLCacheTimeout (1 s by
 * default) bounds a server that does not answer. */
const apr_uint32_t saml_metrics_bucket_usec[SAML_METRICS_BUCKETS] = {
    25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000
};

static void add(apr_uint64_t *counter, apr_uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static apr_uint64_t load(const apr_uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

apr_size_t saml_metrics_size(void)
{
    return sizeof(saml_metrics_t);
}

saml_metrics_t *saml_metrics_bind(void *mem, apr_size_t size, int fresh)
{
    saml_metrics_t *m = mem;

    if (m == NULL || size < sizeof(*m))
        return NULL;
    if (fresh) {
        memset(m, 0, sizeof(*m));
        m->stamp = METRICS_STAMP;
        m->size = (apr_uint32_t)sizeof(*m);
        return m;
    }
    return m->stamp == METRICS_STAMP && m->size == sizeof(*m) ? m : NULL;
}

void saml_metrics_count(saml_metrics_t *m, saml_metric_t which)
{
    if (m && (unsigned)which < SAML_METRIC_COUNT)
        add(&m->counters[which], 1);
}

/* A name safe as a Prometheus label value and a status key as it is. */
static int plain_name(const char *s)
{
    apr_size_t n = 0;

    if (s == NULL || *s == '\0')
        return 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= SAML_METRICS_CHECK_NAME_MAX ||
            !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* Slots are claimed once, for good: the first refusal of a check name takes
 * the next empty slot (compare-and-swap, so two processes never write the
 * same one), every later one finds it by name. Check names are the code's
 * own words, a few dozen of them, so the table never fills in practice. */
void saml_metrics_refusal(saml_metrics_t *m, const char *check)
{
    int i;

    if (m == NULL)
        return;
    if (!plain_name(check)) {
        add(&m->refusals_other, 1);
        return;
    }
    for (i = 0; i < SAML_METRICS_CHECKS; i++) {
        refusal_slot_t *slot = &m->refusals[i];
        apr_uint32_t state = __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE);
        apr_uint32_t expected = SLOT_EMPTY;
        long patience = CLAIM_PATIENCE;

        if (state == SLOT_EMPTY &&
            __atomic_compare_exchange_n(&slot->state, &expected, SLOT_CLAIMING, 0,
                                        __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
            strcpy(slot->name, check);
            __atomic_store_n(&slot->state, SLOT_READY, __ATOMIC_RELEASE);
            add(&slot->count, 1);
            return;
        }
        while ((state = __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE)) == SLOT_CLAIMING &&
               --patience > 0)
            ;
        if (state == SLOT_READY && !strcmp(slot->name, check)) {
            add(&slot->count, 1);
            return;
        }
    }
    add(&m->refusals_other, 1);
}

void saml_metrics_store_op(saml_metrics_t *m, saml_metrics_backend_t backend,
                           saml_metrics_op_t op, apr_interval_time_t took, int failed)
{
    store_slot_t *slot;
    int b;

    if (m == NULL || (unsigned)backend >= SAML_METRICS_BACKENDS ||
        (unsigned)op >= SAML_METRICS_OPS)
        return;
    slot = &m->store[backend][op];
    if (took < 0)
        took = 0;
    for (b = 0; b < SAML_METRICS_BUCKETS && took > saml_metrics_bucket_usec[b]; b++)
        ;
    add(&slot->buckets[b], 1);
    add(&slot->sum_usec, (apr_uint64_t)took);
    if (failed)
        add(&slot->errors, 1);
}

static const char *const backend_names[SAML_METRICS_BACKENDS] = {
    "file", "memcache", "redis", "dbd", "other"
};

static const char *const op_names[SAML_METRICS_OPS] = {
    "get", "set", "add", "take", "remove", "replace"
};

saml_metrics_backend_t saml_metrics_backend_of(const char *provider_name)
{
    int i;
    for (i = 0; provider_name && i < SAML_METRICS_BACKEND_OTHER; i++)
        if (!strcmp(provider_name, backend_names[i]))
            return (saml_metrics_backend_t)i;
    return SAML_METRICS_BACKEND_OTHER;
}

const char *saml_metrics_backend_name(saml_metrics_backend_t b)
{
    return (unsigned)b < SAML_METRICS_BACKENDS ? backend_names[b] : "other";
}

const char *saml_metrics_op_name(saml_metrics_op_t op)
{
    return (unsigned)op < SAML_METRICS_OPS ? op_names[op] : "other";
}

apr_uint64_t saml_metrics_value(const saml_metrics_t *m, saml_metric_t which)
{
    return m && (unsigned)which < SAML_METRIC_COUNT ? load(&m->counters[which]) : 0;
}

int saml_metrics_refusal_at(const saml_metrics_t *m, int i, const char **name,
                            apr_uint64_t *count)
{
    const refusal_slot_t *slot;

    if (m == NULL || i < 0 || i >= SAML_METRICS_CHECKS)
        return 0;
    slot = &m->refusals[i];
    if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != SLOT_READY)
        return 0;
    *name = slot->name;
    *count = load(&slot->count);
    return 1;
}

apr_uint64_t saml_metrics_refusals_other(const saml_metrics_t *m)
{
    return m ? load(&m->refusals_other) : 0;
}

void saml_metrics_store_stats(const saml_metrics_t *m, saml_metrics_backend_t backend,
                              saml_metrics_op_t op, saml_metrics_store_stats_t *out)
{
    const store_slot_t *slot;
    int b;

    memset(out, 0, sizeof(*out));
    if (m == NULL || (unsigned)backend >= SAML_METRICS_BACKENDS ||
        (unsigned)op >= SAML_METRICS_OPS)
        return;
    slot = &m->store[backend][op];
    for (b = 0; b <= SAML_METRICS_BUCKETS; b++) {
        out->buckets[b] = load(&slot->buckets[b]);
        out->count += out->buckets[b];
    }
    out->sum_usec = load(&slot->sum_usec);
    out->errors = load(&slot->errors);
}
