/* check's way to the configuration: Apache reads it, not the tool. The tool
 * runs `apache2 -t -D SEQUR_SAML_DUMP -f CONFIG [-d ROOT]` (Debian's envvars
 * first, as apache2ctl does) and gets back Apache's verdict, its output and
 * the module's dump of what it resolved (apache/config_dump.h). */
#ifndef SEQUR_ADMIN_APACHE_H
#define SEQUR_ADMIN_APACHE_H

#include <apr_pools.h>
#include <apr_tables.h>

/* How to run Apache. */
typedef struct admin_apache {
    const char *binary;           /* --apache, else $APACHE_HTTPD, else /usr/sbin/apache2 */
    const char *config;           /* -f: the main file, absolute */
    const char *server_root;      /* -d, or NULL: Apache's own (ServerRoot, compiled-in) */
    const char *envvars;          /* sourced first (Debian's envvars next to config), or NULL */
} admin_apache_t;

/* One line of the module's dump: SEQUR_SAML_DUMP KEY [N] FIELDS... */
typedef struct admin_fact {
    const char *key;              /* SEQUR_DUMP_SERVER, ... */
    int server;                   /* N, or -1 for a fact about Apache (SEQUR_DUMP_USER) */
    apr_array_header_t *fields;   /* const char *, unescaped, after N */
} admin_fact_t;

/* What `apache2 -t` said. */
typedef struct admin_configtest {
    int status;                   /* its exit status (0: Syntax OK) */
    apr_array_header_t *output;   /* const char *: its lines, the dump left out */
    apr_array_header_t *facts;    /* admin_fact_t: the dump */
} admin_configtest_t;

/* The main file of config: config itself, or for a directory its apache2.conf
 * or httpd.conf (NULL with *why when there is none or nothing at config). */
const char *admin_apache_main_config(apr_pool_t *p, const char *config, const char **why);

/* a->binary, a->envvars and a->server_root filled in for the main file
 * config (absolute), binary and server_root as given (NULL: the defaults). */
void admin_apache_setup(apr_pool_t *p, admin_apache_t *a, const char *config,
                        const char *binary, const char *server_root);

/* The argv that runs the configtest (NULL-terminated), through /bin/sh only
 * to source envvars; no word is ever parsed by a shell. */
const char *const *admin_apache_argv(apr_pool_t *p, const admin_apache_t *a);

/* Run it. APR_SUCCESS when Apache ran (whatever it said); otherwise an error
 * with *why. */
apr_status_t admin_apache_configtest(apr_pool_t *p, const admin_apache_t *a,
                                     admin_configtest_t *t, const char **why);

/* Sort one line of Apache's output into t: a fact of the dump, or output. */
void admin_apache_take_line(apr_pool_t *p, admin_configtest_t *t, const char *line);

/* Where Apache says it stopped reading ("Syntax error on line N of FILE:"
 * followed by the reason): "FILE:N" with *reason, or NULL. */
const char *admin_apache_syntax_error(apr_pool_t *p, const apr_array_header_t *output,
                                      const char **reason);

#endif
