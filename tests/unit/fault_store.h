/* A store that passes everything on to a real one, except the operations a
 * test names on the keys it names: those fail with APR_EGENERAL, as an
 * unreachable memcached or Redis would answer. Lets a test say "the index
 * write failed" or "the store failed while sessions were being ended". */
#ifndef SEQUR_FAULT_STORE_H
#define SEQUR_FAULT_STORE_H

#include "saml/store.h"

enum {
    FAULT_GET = 1, FAULT_SET = 2, FAULT_ADD = 4, FAULT_TAKE = 8, FAULT_REMOVE = 16,
    FAULT_REPLACE = 32
};

typedef struct fault_store {
    saml_store_t *inner;
    const char *prefix;   /* keys that fail (NULL: none) */
    int ops;              /* FAULT_* of the operations that fail on them */
    int failures;         /* how many operations failed */
} fault_store_t;

/* A store over inner; set (*fault)->prefix and ->ops to make it fail. */
saml_store_t *fault_store_new(apr_pool_t *p, saml_store_t *inner, fault_store_t **fault);

#endif
