/* Private to `check`: admin_check.c reads Apache's answer and the module's
 * dump; admin_check_store.c judges the user store. */
#ifndef SEQUR_ADMIN_CHECK_H
#define SEQUR_ADMIN_CHECK_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

typedef struct checker {
    apr_pool_t *p;
    apr_time_t now;
    const char *run_user;           /* Apache's User, as the module saw it */
    apr_array_header_t *labels;     /* const char *: "main server", "<VirtualHost ...> at ..." */
    int problems, warnings;
} checker_t;

/* "WHERE: problem: ..." (or "warning: "), counted. where may be "" or NULL. */
void admin_check_report(checker_t *c, int is_problem, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Server n's label for messages. */
const char *admin_check_label(const checker_t *c, int n);

/* The store of a server with SequrSAMLUserStore dbd: DBDriver and DBDParams
 * set; an SQLite file absolute, present and readable by Apache's user; the
 * store reachable with its table. fields: WHERE DRIVER_WHERE DRIVER
 * PARAMS_WHERE PARAMS (apache/config_dump.h). */
void admin_check_user_store(checker_t *c, int server, const apr_array_header_t *fields);

#endif
