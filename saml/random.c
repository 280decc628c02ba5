/* Unguessable identifiers. OpenSSL's RAND_bytes draws from the OS CSPRNG and
 * is safe after fork (it reseeds), which matters under a prefork MPM. */
#include "saml/random.h"

#include <apr_strings.h>
#include <limits.h>
#include <stdlib.h>
#include <openssl/rand.h>

#include "saml/error.h"

apr_status_t saml_random_bytes(unsigned char *buf, apr_size_t len)
{
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        if (RAND_bytes(buf, chunk) != 1)
            return SAML_EINTERNAL;
        buf += chunk;
        len -= (apr_size_t)chunk;
    }
    return APR_SUCCESS;
}

const char *saml_random_id(apr_pool_t *p, const char *prefix)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char rnd[16];
    char digits[2 * sizeof(rnd) + 1];
    apr_size_t i;

    /* An identifier that might be guessed is worse than no identifier: a
     * failing CSPRNG is not something to continue past. */
    if (saml_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS)
        abort();
    for (i = 0; i < sizeof(rnd); i++) {
        digits[2 * i] = hex[rnd[i] >> 4];
        digits[2 * i + 1] = hex[rnd[i] & 15];
    }
    digits[2 * sizeof(rnd)] = '\0';
    return apr_pstrcat(p, prefix ? prefix : "", digits, NULL);
}
