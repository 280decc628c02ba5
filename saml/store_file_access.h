/* The file store's access rules, shared by its open (a file found in place)
 * and saml_store_file_check_access() (configtest). Internal to saml/store_file*.c. */
#ifndef SAML_STORE_FILE_ACCESS_H
#define SAML_STORE_FILE_ACCESS_H

#include <apr_pools.h>
#include <sys/stat.h>

/* APR_SUCCESS when sb is a regular file owned by us or run_uid (-1: none)
 * that neither group nor others may read or write; else APR_EACCES and *why
 * (in p) says what is wrong and what to do. */
apr_status_t saml_store_file_check_stat(apr_pool_t *p, const struct stat *sb, long run_uid,
                                        const char **why);

/* The same for the directory that holds path: a directory owned by root, us
 * or run_uid that neither group nor others may write. */
apr_status_t saml_store_file_check_directory(apr_pool_t *p, const char *path, long run_uid,
                                             const char **why);

#endif
