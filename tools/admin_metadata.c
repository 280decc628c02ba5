/* import-metadata: Azure's Federation Metadata XML read by the module's own
 * parser (saml/idp_metadata.c), so what the tool accepts is exactly what
 * Apache will accept, shown in the words of Azure's portal and turned into
 * the directives to paste. */
#include "tools/admin.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <errno.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

#include "apache/directives.h"
#include "saml/certificate.h"
#include "saml/idp_metadata.h"
#include "saml/metadata_fetch.h"

/* A file that could not be read is the system's (3); one that was read and
 * refused is the data's (2). saml_file_read reports I/O as check "file" with
 * the APR status. */
static int load_failure(const saml_err_t *err, apr_status_t rv)
{
    int io = err->check && !strcmp(err->check, "file") && rv != SAML_ETOOLARGE;
    return admin_complain(io ? ADMIN_EXIT_SYSTEM : ADMIN_EXIT_REFUSED, "%s%s",
                          io ? "" : "metadata refused: ", err->detail ? err->detail : "");
}

static const char *absolute(apr_pool_t *p, const char *path)
{
    char *abs = NULL;
    if (apr_filepath_merge(&abs, NULL, path, APR_FILEPATH_NATIVE, p) != APR_SUCCESS)
        return path;
    return abs;
}

static int write_cert(apr_pool_t *p, const char *path, X509 *cert)
{
    FILE *f = fopen(path, "w");
    int ok = f && PEM_write_X509(f, cert);

    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        return admin_complain(ADMIN_EXIT_SYSTEM, "cannot write %s: %s", path,
                              errno ? strerror(errno) : "PEM encoding failed");
    (void)p;
    return ADMIN_EXIT_OK;
}

/* DIR/idp-signing-N.pem for every certificate, in the metadata's order. */
static int write_certs(apr_pool_t *p, const char *dir, const saml_idp_metadata_t *md,
                       apr_array_header_t *paths)
{
    char msg[120];
    apr_status_t rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p);
    int i, rc;

    if (rv != APR_SUCCESS)
        return admin_complain(ADMIN_EXIT_SYSTEM, "cannot create %s: %s", dir,
                              apr_strerror(rv, msg, sizeof(msg)));
    for (i = 0; i < md->certs->nelts; i++) {
        const char *path = apr_psprintf(p, "%s/idp-signing-%d.pem", absolute(p, dir), i + 1);
        errno = 0;
        if ((rc = write_cert(p, path, APR_ARRAY_IDX(md->certs, i, X509 *))) != ADMIN_EXIT_OK)
            return rc;
        APR_ARRAY_PUSH(paths, const char *) = path;
    }
    return ADMIN_EXIT_OK;
}

static void print_directives(apr_pool_t *p, const char *file, const char *url,
                             const saml_idp_metadata_t *md, const apr_array_header_t *paths)
{
    int i;

    if (file == NULL) {
        printf("\nFor the Apache config, the URL (fetched at start-up and refreshed, so new\n"
               "signing certificates are trusted without an admin):\n"
               "    " D_IDP_METADATA_URL " %s\n", url);
        printf("or the values themselves:\n"
               "    " D_IDP_ENTITY_ID " %s\n"
               "    " D_IDP_SSO_URL " %s\n", md->entity_id, md->sso_url);
        return;
    }
    printf("\nFor the Apache config, either the metadata file (every signing certificate,\n"
           "read again at every restart or graceful):\n"
           "    " D_IDP_METADATA_FILE " %s\n", absolute(p, file));
    printf("or the values themselves:\n"
           "    " D_IDP_ENTITY_ID " %s\n"
           "    " D_IDP_SSO_URL " %s\n", md->entity_id, md->sso_url);
    if (md->slo_url)
        printf("    " D_IDP_SLO_URL " %s\n", md->slo_url);
    for (i = 0; i < paths->nelts; i++)
        printf("    " D_IDP_CERTIFICATE_FILE " %s\n", APR_ARRAY_IDX(paths, i, const char *));
    if (paths->nelts == 0)
        printf("    " D_IDP_CERTIFICATE_FILE " ...   (run again with --out-dir DIR to write "
               "the certificates)\n");
}

int admin_cmd_import_metadata(apr_pool_t *p, const admin_args_t *a)
{
    const char *url = admin_option(a, "--url");
    const char *file = url ? NULL : admin_operand(a, 0), *dir = admin_option(a, "--out-dir");
    apr_array_header_t *paths = apr_array_make(p, 3, sizeof(const char *));
    saml_idp_metadata_t *md = NULL;
    saml_err_t err = {0};
    apr_time_t now = apr_time_now();
    apr_status_t rv;
    int i, rc, expired = 0;

    if (url) {
        /* The module's fetch and acceptance, as at its first start (no
         * certificate trusted yet: TLS decides, and a signature must match
         * a certificate the document lists). */
        saml_fetch_options_t fo = { admin_option(a, "--ca-file"), 0, 0 };
        saml_idp_metadata_rules_t rules = { NULL, NULL, now };
        char *body;
        apr_size_t len;
        saml_metadata_fetch_init();
        rv = saml_metadata_fetch(p, url, &fo, &body, &len, &err);
        if (rv != APR_SUCCESS)
            return admin_complain(rv == SAML_EUNAVAILABLE ? ADMIN_EXIT_SYSTEM : ADMIN_EXIT_REFUSED,
                                  "%s: %s", err.check, err.detail ? err.detail : "");
        if ((rv = saml_idp_metadata_accept(p, body, len, &rules, &md, &err)) != APR_SUCCESS)
            return admin_complain(ADMIN_EXIT_REFUSED, "metadata refused (%s): %s", err.check,
                                  err.detail ? err.detail : "");
    }
    else if ((rv = saml_idp_metadata_load_file(p, file, &md, &err)) != APR_SUCCESS)
        return load_failure(&err, rv);
    printf("Metadata:     %s\n", url ? url : file);
    printf("Entity ID:    %s\n", md->entity_id);
    printf("Sign-on URL:  %s\n", md->sso_url);
    printf("Logout URL:   %s\n", md->slo_url ? md->slo_url : "(none)");
    printf("Signing certificates: %d\n", md->certs->nelts);
    for (i = 0; i < md->certs->nelts; i++) {
        printf("  %d.\n", i + 1);
        if (admin_print_cert(p, "     ", APR_ARRAY_IDX(md->certs, i, X509 *), now) == 2)
            expired++;
    }
    if (dir && (rc = write_certs(p, dir, md, paths)) != ADMIN_EXIT_OK)
        return rc;
    for (i = 0; i < paths->nelts; i++)
        printf("wrote %s\n", APR_ARRAY_IDX(paths, i, const char *));
    print_directives(p, file, url, md, paths);
    /* The module leaves expired certificates out and will not start without
     * one it can use: such a file is refused here too. */
    if (expired == md->certs->nelts)
        return admin_complain(ADMIN_EXIT_REFUSED, "every signing certificate in %s has expired; "
                              "download the current metadata from Azure", url ? url : file);
    if (expired)
        fprintf(stderr, "sequr-saml-admin: warning: %d of %d signing certificates have expired "
                "(the module leaves them out)\n", expired, md->certs->nelts);
    return ADMIN_EXIT_OK;
}
