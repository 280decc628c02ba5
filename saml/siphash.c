/* SipHash-2-4 from APR-util (apr_siphash24), under the key layout the file
 * store keeps in its header: two 64-bit words, each read as 8 little-endian
 * key bytes, exactly as the reference algorithm reads its 16-byte key. So the
 * hash, and with it where every entry of an existing store file lies, is the
 * one our own implementation gave before APR's replaced it (test_siphash
 * checks the reference vectors through this function). */
#include "saml/siphash.h"

#include <apr_siphash.h>

uint64_t saml_siphash24(const uint64_t k[2], const void *data, apr_size_t len)
{
    unsigned char key[APR_SIPHASH_KSIZE];
    int i;

    for (i = 0; i < 8; i++) {
        key[i] = (unsigned char)(k[0] >> (8 * i));
        key[8 + i] = (unsigned char)(k[1] >> (8 * i));
    }
    return apr_siphash24(data, len, key);
}
