/* A reader of Apache configuration files good enough for `check`: directive
 * lines with their file and line, quoting, continuation lines, Define and
 * ${VAR}, ServerRoot, Include/IncludeOptional (files, directories, globs),
 * which <VirtualHost> and <SequrSAMLTenant> each line is in, and which section
 * (<Location>, <Directory>, ...) inside it. It does not evaluate <IfModule>,
 * <IfDefine> or <If>: every line counts. */
#ifndef SEQUR_ADMIN_CONF_H
#define SEQUR_ADMIN_CONF_H

#include <apr_pools.h>
#include <apr_tables.h>

/* A <SequrSAMLTenant ARGS> section. */
typedef struct admin_tenant {
    const char *file;
    int line;
    const char *args;               /* between the section name and '>', trimmed: the name */
    int server;                     /* as admin_directive_t.server */
    int index;                      /* in admin_conf_t.tenants */
} admin_tenant_t;

typedef struct admin_directive {
    const char *file;
    int line;
    const char *name;               /* as written, e.g. "SequrSAMLIdPCertificateFile" */
    apr_array_header_t *args;       /* const char *, quotes removed, ${VAR} expanded */
    int server;                     /* 0: main server, n: the n-th <VirtualHost> */
    const char *server_root;        /* ServerRoot in force at this line */
    const admin_tenant_t *tenant;   /* the <SequrSAMLTenant> section it is in, or NULL */
    int block;                      /* the innermost other section it is in (<Location>,
                                     * <IfModule>, ...): an index into block_parents */
} admin_directive_t;

typedef struct admin_conf {
    apr_array_header_t *directives;     /* admin_directive_t */
    apr_array_header_t *server_labels;  /* const char *, [0] "main server", [n] "<VirtualHost
                                         * ARGS> at FILE:LINE" */
    apr_array_header_t *problems;       /* const char *, "FILE:LINE: what" */
    apr_array_header_t *tenants;        /* admin_tenant_t *, in the order read */
    apr_array_header_t *block_parents;  /* int: the section around each block, -1 for a
                                         * server's top level (block 0: the main server's) */
} admin_conf_t;

/* Read path (a file, or a directory whose files are all read, as Include
 * does) and what it includes. Returns APR_SUCCESS when path itself could be
 * read (problems in included files are in conf->problems), an APR error
 * with *why otherwise. Relative paths are taken from ServerRoot, which is
 * the directory of path (path itself for a directory) until a ServerRoot
 * line says otherwise. */
apr_status_t admin_conf_read(apr_pool_t *p, const char *path, admin_conf_t *conf,
                             const char **why);

/* An argument naming a file, resolved as Apache's ap_server_root_relative does. */
const char *admin_conf_path(apr_pool_t *p, const admin_directive_t *d, const char *arg);

/* path made absolute from the current directory. */
const char *admin_conf_absolute(apr_pool_t *p, const char *path);

#endif
