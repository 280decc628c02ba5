/* The store.h contract, run against every back-end: the file store
 * (test_store_file) and the network stores (test_store_memcache and
 * test_store_redis, whose programs start their own cache servers on
 * 127.0.0.1 on free ports and say how to open a store). */
#ifndef SEQUR_STORE_CONTRACT_H
#define SEQUR_STORE_CONTRACT_H

#include <check.h>
#include <sys/types.h>

#include "saml/store.h"

/* ---- the contract, whatever the back-end (store_contract.c) ------------------- */

typedef struct sc_contract {
    const char *name;               /* the provider's name: "file", "memcache", ... */
    /* A store for one test (allocated in tk_pool()), shared with the
     * processes the test forks. */
    saml_store_t *(*open)(void);
    apr_size_t large_value;         /* a value size it must keep whole */
    apr_size_t too_large_value;     /* a value size it must refuse with SAML_ETOOLARGE */
    int keys_are_tokens;            /* keys with spaces or line breaks are refused */
    int short_expiry_ms;            /* an entry that expires this soon... */
    int expiry_wait_ms;             /* ...is gone this long after it was written */
} sc_contract_t;

/* The contract's tests (with tk_setup/tk_teardown) for k; k must outlive the run. */
TCase *sc_contract_tcase(const sc_contract_t *k);

/* Shared with store_contract_net.c: keys unique to this test process, times
 * from now, and checks of what a key holds. */
const char *sc_key(const char *name);
apr_time_t sc_in_seconds(int s);
void sc_assert_value(saml_store_t *st, const char *k, const char *want, apr_size_t want_len);
void sc_assert_absent(saml_store_t *st, const char *k);
/* Threads of one process write, read back and take keys on st at once. */
void sc_threads_share(saml_store_t *st);

/* ---- network stores (store_contract_net.c, cache_server.c) ---------------------- */

typedef struct sc_backend {
    const char *name;               /* "memcache", "redis" */
    const char *binary;             /* /usr/bin/memcached ... */
    /* argv for the server on port (NULL-terminated, static storage is fine). */
    char **(*argv)(int port);
    /* argv for a server that answers a 2000-byte set with an error reply. */
    char **(*argv_refusing)(int port);
    /* A store over "127.0.0.1:P[,127.0.0.1:Q]" with the given I/O timeout. */
    apr_status_t (*open)(apr_pool_t *p, const char *servers, apr_interval_time_t timeout,
                         saml_store_t **out, saml_err_t *err);
    /* Optional: more test cases of this back-end, added to its suite. */
    void (*extra)(Suite *s);
} sc_backend_t;

typedef struct sc_server {
    int port;                       /* 0: a free one is chosen at start */
    pid_t pid;
    int refusing;                   /* run b->argv_refusing */
} sc_server_t;

/* (cache_server.c) Start b's server on a free port (or on s->port when
 * non-zero) and wait until it accepts connections; the server dies with the
 * process that started it. Exits the test program with a clear message when
 * the binary is missing. */
void sc_server_start(const sc_backend_t *b, sc_server_t *s);
/* SIGKILL: the server dies as in a crash. */
void sc_server_stop(sc_server_t *s);

/* (cache_server.c) A fake cache server on 127.0.0.1 that answers, on each
 * connection, the i-th request (whatever one read returns) with replies[i]
 * as raw bytes, then closes the connection after the last one: it sends
 * what no real server would (wrong-typed or malformed replies). */
typedef struct sc_fake {
    int port;
    pid_t pid;
} sc_fake_t;

void sc_fake_start(sc_fake_t *f, const char *const *replies);
void sc_fake_stop(sc_fake_t *f);

/* The contract and the network tests for backend b; shared servers are
 * started by the caller (sc_main does it all). */
Suite *sc_suite(const sc_backend_t *b);
/* main() of a backend's test program. */
int sc_main(const sc_backend_t *b);

#endif
