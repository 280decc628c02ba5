/* SipHash-2-4 (APR-util behind saml_siphash24) against the reference test vectors
 * (key 00..0f, message 00..len-1). */
#include <check.h>

#include "saml/siphash.h"
#include "tests/unit/testkit.h"

static uint64_t hash_of_len(apr_size_t len)
{
    unsigned char msg[64], kb[16];
    uint64_t k[2] = {0, 0};
    apr_size_t i;
    for (i = 0; i < sizeof(kb); i++)
        kb[i] = (unsigned char)i;
    for (i = 0; i < 8; i++) {
        k[0] |= (uint64_t)kb[i] << (8 * i);
        k[1] |= (uint64_t)kb[8 + i] << (8 * i);
    }
    for (i = 0; i < len; i++)
        msg[i] = (unsigned char)i;
    return saml_siphash24(k, msg, len);
}

START_TEST(matches_reference_vectors)
{
    ck_assert_uint_eq(hash_of_len(0), 0x726fdb47dd0e0e31ULL);
    ck_assert_uint_eq(hash_of_len(1), 0x74f839c593dc67fdULL);
    ck_assert_uint_eq(hash_of_len(2), 0x0d6c8009d9a94f5aULL);
    ck_assert_uint_eq(hash_of_len(3), 0x85676696d7fb7e2dULL);
    ck_assert_uint_eq(hash_of_len(63), 0x958a324ceb064572ULL);
}
END_TEST

START_TEST(depends_on_the_key)
{
    uint64_t a[2] = {1, 2}, b[2] = {1, 3};
    ck_assert_uint_ne(saml_siphash24(a, "sequr", 5), saml_siphash24(b, "sequr", 5));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("siphash");
    TCase *tc = tcase_create("siphash");

    tcase_add_test(tc, matches_reference_vectors);
    tcase_add_test(tc, depends_on_the_key);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
