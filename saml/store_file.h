/* The one-machine default store: a hash table in a memory-mapped file.
 *
 * Every Apache process maps the same file (the parent maps it before forking,
 * so children inherit it). Because the table lives in a file and not in the
 * configuration pool, it outlives `apachectl graceful`, `-k restart` and even a
 * full stop/start. Lookups are O(1): open addressing on a hash of the key, with
 * process-shared robust mutexes striped over the buckets, so a crashed child
 * never leaves a lock held. */
#ifndef SAML_STORE_FILE_H
#define SAML_STORE_FILE_H

#include "saml/store.h"

#define SAML_STORE_FILE_DEFAULT_ENTRIES   65536
#define SAML_STORE_FILE_DEFAULT_VALUE_MAX 16384

/* Open (creating or re-initialising when absent, of another layout, or
 * corrupt) the file at path with room for `entries` values of at most
 * `value_max` bytes each. The mapping lives as long as p. A value larger than
 * value_max is refused by set/add with SAML_ETOOLARGE; a full table refuses new
 * keys with APR_ENOSPC after evicting expired entries it meets. */
apr_status_t saml_store_file_open(apr_pool_t *p, const char *path, apr_size_t entries,
                                  apr_size_t value_max, saml_store_t **out,
                                  saml_err_t *err);

/* For a host that unloads and reloads code while the store must live on:
 * Apache unloads every module at each graceful restart, so a cleanup or a
 * function pointer left in a long-lived pool would point into unmapped code.
 * This variant registers nothing in p: the mapping lasts until the process
 * exits (the kernel unmaps it), and saml_store_file_rebind() hands each new
 * configuration generation a handle, allocated in its own pool, that uses the
 * code loaded now on the same mapping. */
apr_status_t saml_store_file_open_persistent(apr_pool_t *p, const char *path,
                                             apr_size_t entries, apr_size_t value_max,
                                             saml_store_t **out, saml_err_t *err);
saml_store_t *saml_store_file_rebind(apr_pool_t *p, const saml_store_t *st);

/* The server's store: persistent as above, and private. The file's directory
 * must be owned by root, the caller or run_uid (the unprivileged user the
 * file is handed to; -1 for none) and writable by its owner only; a file
 * found in place must be a regular file owned by the caller or run_uid that
 * neither group nor others may read or write. Otherwise APR_EACCES, before
 * anything is read from or written to the file, with err->detail saying what
 * is wrong (the caller names the path). A file this makes is 0600. */
apr_status_t saml_store_file_open_private(apr_pool_t *p, const char *path, apr_size_t entries,
                                          apr_size_t value_max, long run_uid,
                                          saml_store_t **out, saml_err_t *err);

/* The same checks without opening or creating anything (for configtest):
 * APR_SUCCESS when the directory is fine and the file is absent or fine, or
 * when the directory does not exist yet (opening will say so). */
apr_status_t saml_store_file_check_access(apr_pool_t *p, const char *path, long run_uid,
                                          saml_err_t *err);

/* Let the unprivileged child user read and write it (called by the parent as root). */
apr_status_t saml_store_file_chown(saml_store_t *st, long uid, long gid);

#endif
