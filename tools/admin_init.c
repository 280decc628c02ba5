/* init: the user store and, when asked, the SP's own key pair (what
 * SequrSAMLSPPrivateKeyFile and SequrSAMLSPCertificateFile name; published in
 * the SP metadata, used to sign requests and decrypt Azure's optional token
 * encryption). A self-signed certificate is what Azure expects here: it
 * pins the certificate it is given and never checks a chain. */
#include "tools/admin.h"

#include <apr_file_info.h>
#include <apr_strings.h>
#include <errno.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apache/directives.h"
#include "saml/certificate.h"
#include "saml/time.h"

#define SP_KEY_BITS 3072
#define DEFAULT_SUBJECT "sequr-saml-sp"
#define DEFAULT_DAYS 3650

static apr_status_t free_pkey(void *k) { EVP_PKEY_free(k); return APR_SUCCESS; }
static apr_status_t free_x509(void *c) { X509_free(c); return APR_SUCCESS; }

/* The directives init prints take absolute paths: Apache would read a
 * relative one from ServerRoot, not from where init ran. */
static const char *absolute(apr_pool_t *p, const char *path)
{
    char *cwd = NULL, *merged = NULL;

    if (path[0] == '/' || apr_filepath_get(&cwd, APR_FILEPATH_NATIVE, p) != APR_SUCCESS ||
        apr_filepath_merge(&merged, cwd, path, APR_FILEPATH_NATIVE, p) != APR_SUCCESS)
        return path;
    return merged;
}

static const char *openssl_reason(void)
{
    unsigned long e = ERR_get_error();
    const char *why = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return why ? why : "unknown OpenSSL error";
}

/* A random positive 127-bit serial, as RFC 5280 asks (unique, at most 20 bytes). */
static int set_random_serial(X509 *cert)
{
    unsigned char bytes[16];
    BIGNUM *bn;
    int ok;

    if (RAND_bytes(bytes, sizeof(bytes)) != 1)
        return 0;
    bytes[0] &= 0x7f;
    bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
    ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
    BN_free(bn);
    return ok;
}

static int add_extension(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    ok = ext && X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static X509 *self_signed_certificate(apr_pool_t *p, EVP_PKEY *key, const char *cn, long days)
{
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    int ok = cert && name &&
        X509_set_version(cert, 2) &&
        set_random_serial(cert) &&
        X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
        X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL) &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) &&
        X509_set_subject_name(cert, name) &&
        X509_set_issuer_name(cert, name) &&
        X509_set_pubkey(cert, key) &&
        add_extension(cert, NID_basic_constraints, "critical,CA:FALSE") &&
        add_extension(cert, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
        add_extension(cert, NID_subject_key_identifier, "hash") &&
        X509_sign(cert, key, EVP_sha256()) > 0;

    X509_NAME_free(name);
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    apr_pool_cleanup_register(p, cert, free_x509, apr_pool_cleanup_null);
    return cert;
}

typedef int (*pem_writer_t)(FILE *f, void *what);
static int write_key_pem(FILE *f, void *key)
{
    return PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
}
static int write_cert_pem(FILE *f, void *cert)
{
    return PEM_write_X509(f, cert);
}

/* Write to a temporary file next to path (*tmp), to be renamed over path
 * once both halves of the pair are written: a failure never leaves half a
 * pair, or half a key, where Apache looks. mkstemp makes the file 0600; the
 * certificate is then opened to 0644. */
static int write_pem_temp(apr_pool_t *p, const char *path, mode_t mode, pem_writer_t writer,
                          void *what, char **tmp)
{
    int fd, ok;
    FILE *f;

    *tmp = apr_pstrcat(p, path, ".XXXXXX", NULL);
    if ((fd = mkstemp(*tmp)) < 0)
        return admin_complain(ADMIN_EXIT_SYSTEM, "cannot write %s: %s", path, strerror(errno));
    errno = 0;
    f = fdopen(fd, "w");
    ok = f && fchmod(fd, mode) == 0 && writer(f, what) && fflush(f) == 0 && fsync(fd) == 0;
    if (f ? fclose(f) != 0 : close(fd) != 0)
        ok = 0;
    if (ok)
        return ADMIN_EXIT_OK;
    unlink(*tmp);
    *tmp = NULL;
    return admin_complain(ADMIN_EXIT_SYSTEM, "cannot write %s: %s", path,
                          errno ? strerror(errno) : openssl_reason());
}

static int write_pair(apr_pool_t *p, const char *key_path, EVP_PKEY *key, const char *cert_path,
                      X509 *cert)
{
    char *key_tmp = NULL, *cert_tmp = NULL;
    int rc = write_pem_temp(p, key_path, 0600, write_key_pem, key, &key_tmp);

    if (rc == ADMIN_EXIT_OK)
        rc = write_pem_temp(p, cert_path, 0644, write_cert_pem, cert, &cert_tmp);
    if (rc == ADMIN_EXIT_OK && rename(key_tmp, key_path) != 0)
        rc = admin_complain(ADMIN_EXIT_SYSTEM, "cannot write %s: %s", key_path, strerror(errno));
    if (rc == ADMIN_EXIT_OK && rename(cert_tmp, cert_path) != 0)
        rc = admin_complain(ADMIN_EXIT_SYSTEM, "cannot write %s: %s", cert_path,
                            strerror(errno));
    if (rc != ADMIN_EXIT_OK) {
        if (key_tmp)
            unlink(key_tmp);
        if (cert_tmp)
            unlink(cert_tmp);
    }
    return rc;
}

static int refuse_existing(const char *path, int force)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return ADMIN_EXIT_OK;
    if (!force)
        return admin_complain(ADMIN_EXIT_REFUSED, "%s exists; --force replaces it", path);
    if (!S_ISREG(st.st_mode))
        return admin_complain(ADMIN_EXIT_REFUSED, "%s is not a regular file", path);
    return ADMIN_EXIT_OK;
}

/* PATH with "-next" before its extension (sp.key: sp-next.key; sp: sp-next):
 * beside the current file, so the admin finds the pair where the old one is. */
static const char *next_path(apr_pool_t *p, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');

    if (dot == NULL || dot == (slash ? slash + 1 : path))
        return apr_pstrcat(p, path, "-next", NULL);
    return apr_pstrcat(p, apr_pstrmemdup(p, path, (apr_size_t)(dot - path)), "-next", dot, NULL);
}

static int make_sp_key_pair(apr_pool_t *p, const admin_args_t *a, const char *key_path,
                            const char *cert_path)
{
    const char *cn = admin_option(a, "--sp-subject"), *days = admin_option(a, "--days");
    long valid_days = days ? strtol(days, NULL, 10) : DEFAULT_DAYS;
    EVP_PKEY *key;
    X509 *cert;
    int rc;

    key = EVP_RSA_gen(SP_KEY_BITS);
    if (key == NULL)
        return admin_complain(ADMIN_EXIT_SYSTEM, "cannot make an RSA key: %s", openssl_reason());
    apr_pool_cleanup_register(p, key, free_pkey, apr_pool_cleanup_null);
    cert = self_signed_certificate(p, key, cn ? cn : DEFAULT_SUBJECT, valid_days);
    if (cert == NULL)
        return admin_complain(ADMIN_EXIT_SYSTEM, "cannot make the certificate: %s",
                              openssl_reason());
    if ((rc = write_pair(p, key_path, key, cert_path, cert)) != ADMIN_EXIT_OK)
        return rc;
    printf("SP private key: %s (RSA %d, mode 0600)\n", key_path, SP_KEY_BITS);
    printf("SP certificate: %s (%s, valid until %s)\n", cert_path, saml_cert_subject(p, cert),
           saml_time_format(p, saml_cert_not_after(cert)));
    return ADMIN_EXIT_OK;
}

/* The steps of an SP key rollover, with the paths of both pairs. Entra tries
 * the two most recently added verification certificates on a request that
 * names no key, so the new one is uploaded before this server signs with it. */
static void print_rollover_steps(apr_pool_t *p, const char *key, const char *cert,
                                 const char *next_key, const char *next_cert)
{
    key = absolute(p, key);
    cert = absolute(p, cert);
    next_key = absolute(p, next_key);
    next_cert = absolute(p, next_cert);
    printf("\nSP key rollover:\n"
           "1. Add the next pair after the current one and run apachectl graceful. The\n"
           "   first pair still signs; both decrypt and both are in the SP metadata:\n"
           "    " D_SP_PRIVATE_KEY_FILE " %s\n"
           "    " D_SP_CERTIFICATE_FILE " %s\n"
           "    " D_SP_PRIVATE_KEY_FILE " %s\n"
           "    " D_SP_CERTIFICATE_FILE " %s\n"
           "2. In Microsoft Entra ID (Azure AD), Single sign-on > SAML Certificates >\n"
           "   Verification certificates: upload %s\n"
           "   (with token encryption: add it under Token encryption too and make it active).\n"
           "3. Put the next pair first (it signs from then on) and run apachectl graceful.\n"
           "4. When Entra no longer lists the old certificate, remove the old pair's lines.\n",
           key, cert, next_key, next_cert, next_cert);
}

int admin_cmd_init(apr_pool_t *p, const admin_args_t *a)
{
    int force = admin_option(a, "--force") != NULL, next = admin_option(a, "--next-key") != NULL;
    const char *key = admin_option(a, "--sp-key"), *cert = admin_option(a, "--sp-cert");
    const char *new_key = key, *new_cert = cert;
    struct stat st;
    int rc;

    if (key && next) {
        if (stat(cert, &st) != 0)
            return admin_complain(ADMIN_EXIT_REFUSED, "--next-key: the current certificate %s "
                                  "is not there: %s (without --next-key, init makes a first "
                                  "pair)", cert, strerror(errno));
        new_key = next_path(p, key);
        new_cert = next_path(p, cert);
    }
    /* Refuse before touching anything, so a refused init changes nothing. */
    if (key && ((rc = refuse_existing(new_key, force)) != ADMIN_EXIT_OK ||
                (rc = refuse_existing(new_cert, force)) != ADMIN_EXIT_OK))
        return rc;
    if ((a->db_file || a->dbd_driver) && (rc = admin_init_store(p, a)) != ADMIN_EXIT_OK)
        return rc;
    if (key == NULL)
        return ADMIN_EXIT_OK;
    if ((rc = make_sp_key_pair(p, a, new_key, new_cert)) != ADMIN_EXIT_OK)
        return rc;
    if (next)
        print_rollover_steps(p, key, cert, new_key, new_cert);
    else
        printf("\nFor the Apache config:\n"
               "    " D_SP_PRIVATE_KEY_FILE " %s\n"
               "    " D_SP_CERTIFICATE_FILE " %s\n", absolute(p, key), absolute(p, cert));
    return ADMIN_EXIT_OK;
}
