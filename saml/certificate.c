/* Certificates and keys as admins actually have them: Azure offers the
 * signing certificate as "Certificate (Base64)" (a PEM body without the
 * BEGIN/END lines, in a .cer file), "Certificate (Raw)" (DER) and PEM, and
 * files edited on Windows gain CRLF line ends and a UTF-8 byte-order mark. */
#include "saml/certificate.h"
#include "saml/file.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>

#include "saml/codec.h"

#define CERT_FILE_MAX (1024 * 1024)   /* a certificate file is a few KB; refuse a stray disk image */
#define CERT_DER_MAX (64 * 1024)

static apr_status_t free_x509(void *c) { X509_free(c); return APR_SUCCESS; }
static apr_status_t free_pkey(void *k) { EVP_PKEY_free(k); return APR_SUCCESS; }

static void skip_utf8_bom(const char **buf, apr_size_t *len)
{
    if (*len >= 3 && memcmp(*buf, "\xEF\xBB\xBF", 3) == 0) {
        *buf += 3;
        *len -= 3;
    }
}

/* Exactly one DER certificate filling all len bytes: trailing bytes would
 * mean we are not reading what the admin thinks we are. */
static X509 *cert_from_der(const unsigned char *der, apr_size_t len)
{
    const unsigned char *q = der;
    X509 *cert;

    if (len == 0 || len > CERT_DER_MAX)
        return NULL;
    cert = d2i_X509(NULL, &q, (long)len);
    if (cert && q != der + len) {
        X509_free(cert);
        cert = NULL;
    }
    ERR_clear_error();
    return cert;
}

static X509 *cert_from_pem(const char *buf, apr_size_t len)
{
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    X509 *cert;

    if (bio == NULL)
        return NULL;
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    return cert;
}

static apr_status_t keep(apr_pool_t *p, X509 *cert, X509 **out)
{
    apr_pool_cleanup_register(p, cert, free_x509, apr_pool_cleanup_null);
    *out = cert;
    return APR_SUCCESS;
}

apr_status_t saml_cert_from_base64(apr_pool_t *p, const char *b64, X509 **out,
                                   saml_err_t *err)
{
    unsigned char *der;
    apr_size_t derlen;
    apr_status_t rv;
    X509 *cert;

    if (b64 == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "certificate", "no certificate data");
    rv = saml_base64_decode(p, b64, strlen(b64), CERT_DER_MAX, &der, &derlen, err);
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, rv, "certificate", "not base64: %s", err ? err->detail : "");
    cert = cert_from_der(der, derlen);
    if (cert == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "certificate",
                         "not a certificate (%" APR_SIZE_T_FMT " bytes of base64 data)", derlen);
    return keep(p, cert, out);
}

apr_status_t saml_cert_load_file(apr_pool_t *p, const char *path, X509 **out,
                                 saml_err_t *err)
{
    char *data;
    const char *text;
    apr_size_t len;
    apr_status_t rv;
    X509 *cert = NULL;
    unsigned char *der;
    apr_size_t derlen;

    rv = saml_file_read(p, path, CERT_FILE_MAX, &data, &len, err);
    if (rv != APR_SUCCESS)
        return rv;
    text = data;
    skip_utf8_bom(&text, &len);
    if (len == 0)
        return saml_fail(p, err, SAML_EMALFORMED, "certificate", "%s is empty", path);

    if (strstr(text, "-----BEGIN") != NULL)
        cert = cert_from_pem(text, len);
    else if (saml_base64_decode(p, text, len, CERT_DER_MAX, &der, &derlen, NULL) == APR_SUCCESS)
        cert = cert_from_der(der, derlen);
    else
        cert = cert_from_der((const unsigned char *)text, len);
    if (cert == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "certificate",
                         "%s is not a certificate (PEM, Base64 DER or DER)", path);
    return keep(p, cert, out);
}

/* Never prompt on the terminal for a passphrase: an encrypted key just fails. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

apr_status_t saml_key_load_file(apr_pool_t *p, const char *path, EVP_PKEY **out,
                                saml_err_t *err)
{
    char *data;
    const char *text;
    apr_size_t len;
    apr_status_t rv;
    BIO *bio;
    EVP_PKEY *key;

    rv = saml_file_read(p, path, CERT_FILE_MAX, &data, &len, err);
    if (rv != APR_SUCCESS)
        return rv;
    text = data;
    skip_utf8_bom(&text, &len);
    if (len == 0)
        return saml_fail(p, err, SAML_EMALFORMED, "private-key", "%s is empty", path);
    bio = BIO_new_mem_buf(text, (int)len);
    if (bio == NULL)
        return saml_fail(p, err, SAML_EINTERNAL, "private-key", "out of memory");
    /* PKCS#8 ("PRIVATE KEY") and traditional ("RSA/EC PRIVATE KEY") alike. */
    key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    ERR_clear_error();
    /* Wipe the key text we read: it should not linger in a pool block. */
    OPENSSL_cleanse(data, len + (apr_size_t)(text - data));
    if (key == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "private-key",
                         "%s holds no unencrypted PEM private key", path);
    apr_pool_cleanup_register(p, key, free_pkey, apr_pool_cleanup_null);
    *out = key;
    return APR_SUCCESS;
}

const char *saml_cert_base64(apr_pool_t *p, X509 *cert)
{
    unsigned char *der = NULL;
    int len = i2d_X509(cert, &der);
    const char *b64;

    if (len <= 0)
        return NULL;
    b64 = saml_base64_encode(p, der, (apr_size_t)len);
    OPENSSL_free(der);
    return b64;
}

const char *saml_cert_subject(apr_pool_t *p, X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    long n;
    const char *s;

    if (bio == NULL)
        return "";
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
                       (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) & ~ASN1_STRFLGS_ESC_MSB);
    n = BIO_get_mem_data(bio, &data);
    s = apr_pstrndup(p, data, (apr_size_t)(n > 0 ? n : 0));
    BIO_free(bio);
    return s;
}

apr_time_t saml_cert_not_after(X509 *cert)
{
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    int days = 0, secs = 0;
    apr_time_t t = 0;

    /* Difference to the epoch avoids timegm() and the local time zone. */
    if (epoch && ASN1_TIME_diff(&days, &secs, epoch, X509_get0_notAfter(cert)))
        t = ((apr_time_t)days * 86400 + secs) * APR_USEC_PER_SEC;
    ASN1_TIME_free(epoch);
    return t;
}
