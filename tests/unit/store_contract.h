/* The store.h contract, run against a network store (memcached, Redis) by
 * test_store_memcache and test_store_redis: each test program starts its own
 * cache server(s) on 127.0.0.1 on free ports and says how to open a store. */
#ifndef SEQUR_STORE_CONTRACT_H
#define SEQUR_STORE_CONTRACT_H

#include <check.h>
#include <sys/types.h>

#include "saml/store.h"

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

/* The contract suite for backend b; shared servers are started by the caller
 * (sc_main does it all). */
Suite *sc_suite(const sc_backend_t *b);
/* main() of a backend's test program. */
int sc_main(const sc_backend_t *b);

#endif
