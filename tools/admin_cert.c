/* How the admin tool describes a certificate: the facts an admin compares
 * with Azure's "SAML Signing Certificate" panel (subject, serial, dates) and
 * the one judgement that matters, whether it has expired or soon will (the
 * module drops an expired IdP certificate at start-up). */
#include "tools/admin.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <stdio.h>
#include <time.h>

#include "saml/certificate.h"

static const char *asn1_time_iso(apr_pool_t *p, const ASN1_TIME *t)
{
    struct tm tm;
    char buf[32];

    if (t == NULL || !ASN1_TIME_to_tm(t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return "(unreadable)";
    return apr_pstrdup(p, buf);
}

static const char *serial_hex(apr_pool_t *p, X509 *cert)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    const char *s = hex ? apr_pstrdup(p, hex) : "(unreadable)";

    OPENSSL_free(hex);
    BN_free(bn);
    return s;
}

static const char *time_iso(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t tm;
    char buf[32];
    apr_size_t n;

    if (apr_time_exp_gmt(&tm, t) != APR_SUCCESS ||
        apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) != APR_SUCCESS)
        return "(unreadable)";
    return apr_pstrdup(p, buf);
}

const char *admin_expiry_problem(apr_pool_t *p, apr_time_t not_after, apr_time_t now,
                                 int *expired)
{
    apr_interval_time_t left = not_after - now;

    *expired = left <= 0;
    if (*expired)
        return apr_psprintf(p, "EXPIRED on %s", time_iso(p, not_after));
    if (left < apr_time_from_sec((apr_time_t)ADMIN_EXPIRY_WARNING_DAYS * 86400))
        return apr_psprintf(p, "expires in %d day(s), on %s",
                            (int)(apr_time_sec(left) / 86400), time_iso(p, not_after));
    return NULL;
}

const char *admin_cert_expiry_problem(apr_pool_t *p, X509 *cert, apr_time_t now, int *expired)
{
    return admin_expiry_problem(p, saml_cert_not_after(cert), now, expired);
}

int admin_print_cert(apr_pool_t *p, const char *indent, X509 *cert, apr_time_t now)
{
    int expired = 0;
    const char *problem = admin_cert_expiry_problem(p, cert, now, &expired);

    printf("%ssubject:    %s\n", indent, saml_cert_subject(p, cert));
    printf("%sserial:     %s\n", indent, serial_hex(p, cert));
    printf("%snot before: %s\n", indent, asn1_time_iso(p, X509_get0_notBefore(cert)));
    printf("%snot after:  %s%s%s\n", indent, asn1_time_iso(p, X509_get0_notAfter(cert)),
           problem ? "   WARNING: " : "", problem ? problem : "");
    return problem ? (expired ? 2 : 1) : 0;
}
