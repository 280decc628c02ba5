#include "saml/file.h"

#include <apr_file_io.h>
#include <apr_strings.h>

apr_status_t saml_file_read(apr_pool_t *p, const char *path, apr_size_t max, char **out,
                            apr_size_t *outlen, saml_err_t *err)
{
    apr_file_t *f;
    apr_status_t rv;
    char *buf = apr_palloc(p, max + 2);
    apr_size_t got = 0;
    char msg[120];

    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_FPROT_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        /* Ask for one byte more than allowed, so an oversized file shows. */
        rv = apr_file_read_full(f, buf, max + 1, &got);
        apr_file_close(f);
        if (rv == APR_EOF)
            rv = APR_SUCCESS;
    }
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, rv, "file", "cannot read %s: %s", path,
                         apr_strerror(rv, msg, sizeof(msg)));
    if (got > max)
        return saml_fail(p, err, SAML_ETOOLARGE, "file", "%s is larger than %" APR_SIZE_T_FMT
                         " bytes", path, max);
    buf[got] = '\0';
    *out = buf;
    *outlen = got;
    return APR_SUCCESS;
}

apr_status_t saml_file_replace(apr_pool_t *p, const char *path, const char *buf, apr_size_t len,
                               saml_err_t *err)
{
    const char *tmp = apr_psprintf(p, "%s.XXXXXX", path);
    char *tmpl = apr_pstrdup(p, tmp);
    apr_file_t *f;
    apr_size_t wrote = 0;
    apr_status_t rv;
    char msg[120];

    /* A unique temporary name in the same directory, so rename() is atomic
     * and two writers never share a temporary file. */
    rv = apr_file_mktemp(&f, tmpl, APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_EXCL |
                         APR_FOPEN_BINARY, p);
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, rv, "file", "cannot create a file beside %s: %s", path,
                         apr_strerror(rv, msg, sizeof(msg)));
    apr_file_perms_set(tmpl, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD |
                       APR_FPROT_WREAD);
    rv = apr_file_write_full(f, buf, len, &wrote);
    if (rv == APR_SUCCESS)
        rv = apr_file_sync(f);
    apr_file_close(f);
    if (rv == APR_SUCCESS)
        rv = apr_file_rename(tmpl, path, p);
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmpl, p);
        return saml_fail(p, err, rv, "file", "cannot write %s: %s", path,
                         apr_strerror(rv, msg, sizeof(msg)));
    }
    return APR_SUCCESS;
}
