/* Who may reach the file store (saml/store_file.c): its file and directory.
 *
 * The table holds every session (user, NameID, attributes) and the replay
 * cache: whoever reads it reads them, whoever writes it can plant a session.
 * O_CREAT makes a fresh file 0600, but a file found in place was adopted with
 * whatever owner and mode it had (a 0666 file stayed readable by anyone); and
 * whoever may write its directory may replace it between two starts. So both
 * are checked, never repaired silently: the admin sees why and decides. */
#include "saml/store_file_access.h"

#include <apr_strings.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "saml/error.h"
#include "saml/store_file.h"

static int trusted_owner(uid_t uid, long run_uid)
{
    return uid == geteuid() || uid == 0 || (run_uid >= 0 && uid == (uid_t)run_uid);
}

static apr_status_t refuse_access(apr_pool_t *p, const char **why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    *why = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return APR_EACCES;
}

apr_status_t saml_store_file_check_stat(apr_pool_t *p, const struct stat *sb, long run_uid,
                                        const char **why)
{
    if (!S_ISREG(sb->st_mode))
        return refuse_access(p, why, "not a regular file");
    if (sb->st_uid != geteuid() && !(run_uid >= 0 && sb->st_uid == (uid_t)run_uid))
        return refuse_access(p, why, "owned by uid %ld, neither this server's nor its User's: "
                             "remove it (a fresh one is made)", (long)sb->st_uid);
    if (sb->st_mode & (S_IRWXG | S_IRWXO))
        return refuse_access(p, why, "mode %04o lets others than its owner read or write it: "
                             "chmod 0600 it or remove it (a fresh one is made 0600)",
                             (unsigned)(sb->st_mode & 07777));
    return APR_SUCCESS;
}

apr_status_t saml_store_file_check_directory(apr_pool_t *p, const char *path, long run_uid,
                                             const char **why)
{
    const char *slash = strrchr(path, '/');
    const char *dir = slash == NULL ? "." : slash == path ? "/" : apr_pstrndup(p, path, slash - path);
    struct stat sb;

    if (stat(dir, &sb) != 0)
        return refuse_access(p, why, "its directory %s cannot be examined: %s", dir, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return refuse_access(p, why, "%s is not a directory", dir);
    if (!trusted_owner(sb.st_uid, run_uid))
        return refuse_access(p, why, "its directory %s is owned by uid %ld, neither root, this "
                             "server nor its User", dir, (long)sb.st_uid);
    if (sb.st_mode & (S_IWGRP | S_IWOTH))
        return refuse_access(p, why, "its directory %s (mode %04o) lets others than its owner "
                             "create, replace or remove files in it: use a directory only root "
                             "or the server may write", dir, (unsigned)(sb.st_mode & 07777));
    return APR_SUCCESS;
}

apr_status_t saml_store_file_check_access(apr_pool_t *p, const char *path, long run_uid,
                                          saml_err_t *err)
{
    const char *why = NULL;
    const char *slash = strrchr(path, '/');
    struct stat sb;
    apr_status_t rv;

    /* A directory not made yet (a runtime dir created just before the
     * server starts) holds nothing anyone could reach: opening it will tell. */
    if (slash && slash != path && stat(apr_pstrndup(p, path, slash - path), &sb) != 0
        && errno == ENOENT)
        return APR_SUCCESS;
    rv = saml_store_file_check_directory(p, path, run_uid, &why);
    if (rv == APR_SUCCESS && lstat(path, &sb) == 0)
        rv = saml_store_file_check_stat(p, &sb, run_uid, &why);
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, rv, "store-file", "%s", why);
    return APR_SUCCESS;
}
