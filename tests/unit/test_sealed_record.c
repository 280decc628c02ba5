/* Sealed records: HKDF as RFC 5869 says, AES-256-GCM round trips, and every
 * way of getting a record accepted without the key is refused. */
#include <check.h>
#include <apr_strings.h>
#include <string.h>

#include "saml/sealed_record.h"
#include "tests/unit/testkit.h"

static const char *SECRET = "Qk3n0v8T2mX1c9rJ5yWbA7dFhL4pS6uZgE0iKoVtN2a";
static const char *AD = "s:9Vv0mQ8rT1yK5c2xW7bN3dF6hJ4pL0aZgE8iUoYt_sA";

static saml_sealed_key_t key_of(const char *secret)
{
    saml_sealed_key_t k;
    ck_assert_int_eq(saml_sealed_key_derive(secret, strlen(secret), "session", &k), APR_SUCCESS);
    return k;
}

static void seal(const saml_sealed_key_t *k, const char *ad, const char *plain, apr_size_t len,
                 char **out, apr_size_t *out_len)
{
    ck_assert_int_eq(saml_seal(tk_pool(), k, ad, plain, len, out, out_len), APR_SUCCESS);
    ck_assert_uint_eq(*out_len, len + SAML_SEALED_OVERHEAD);
}

static apr_status_t unseal(const saml_sealed_key_t *k, const char *ad, const char *rec,
                           apr_size_t len)
{
    char *out = NULL;
    apr_size_t out_len = 0;
    apr_status_t rv = saml_unseal(tk_pool(), k, ad, rec, len, &out, &out_len);
    if (rv != APR_SUCCESS)
        ck_assert_ptr_null(out);
    return rv;
}

/* RFC 5869 test case 3 (no salt, no info): the first 32 bytes of its OKM. */
START_TEST(key_derivation_is_hkdf_sha256)
{
    static const unsigned char okm[32] = {
        0x8d, 0xa4, 0xe7, 0x75, 0xa5, 0x63, 0xc1, 0x8f, 0x71, 0x5f, 0x80, 0x2a, 0x06, 0x3c,
        0x5a, 0x31, 0xb8, 0xa1, 0x1f, 0x5c, 0x5e, 0xe1, 0x87, 0x9e, 0xc3, 0x45, 0x4e, 0x5f,
        0x3c, 0x73, 0x8d, 0x2d
    };
    char ikm[22];
    saml_sealed_key_t k, a, b;

    memset(ikm, 0x0b, sizeof(ikm));
    ck_assert_int_eq(saml_sealed_key_derive(ikm, sizeof(ikm), "", &k), APR_SUCCESS);
    ck_assert_int_eq(memcmp(k.k, okm, sizeof(okm)), 0);
    /* Deterministic; another secret or another purpose, another key. */
    a = key_of(SECRET);
    b = key_of(SECRET);
    ck_assert_int_eq(memcmp(a.k, b.k, sizeof(a.k)), 0);
    b = key_of("Qk3n0v8T2mX1c9rJ5yWbA7dFhL4pS6uZgE0iKoVtN2b");
    ck_assert_int_ne(memcmp(a.k, b.k, sizeof(a.k)), 0);
    ck_assert_int_eq(saml_sealed_key_derive(SECRET, strlen(SECRET), "pending", &b), APR_SUCCESS);
    ck_assert_int_ne(memcmp(a.k, b.k, sizeof(a.k)), 0);
    /* Too short a secret is no secret. */
    ck_assert_int_eq(saml_sealed_key_derive("short", 5, "session", &b), APR_EINVAL);
}
END_TEST

START_TEST(round_trip)
{
    saml_sealed_key_t k = key_of(SECRET);
    const char binary[] = "a\0b\r\nc\xff";
    char *rec, *out;
    apr_size_t len, out_len;

    seal(&k, AD, "alice@contoso.example", 21, &rec, &len);
    ck_assert_int_eq(saml_unseal(tk_pool(), &k, AD, rec, len, &out, &out_len), APR_SUCCESS);
    ck_assert_uint_eq(out_len, 21);
    ck_assert_str_eq(out, "alice@contoso.example");
    ck_assert_ptr_null(memmem(rec, len, "alice", 5));

    seal(&k, AD, binary, sizeof(binary), &rec, &len);
    ck_assert_int_eq(saml_unseal(tk_pool(), &k, AD, rec, len, &out, &out_len), APR_SUCCESS);
    ck_assert_uint_eq(out_len, sizeof(binary));
    ck_assert_int_eq(memcmp(out, binary, sizeof(binary)), 0);

    seal(&k, "", "", 0, &rec, &len);
    ck_assert_int_eq(saml_unseal(tk_pool(), &k, "", rec, len, &out, &out_len), APR_SUCCESS);
    ck_assert_uint_eq(out_len, 0);
    ck_assert_int_eq(out[0], '\0');
}
END_TEST

/* A fresh nonce per seal: the same record sealed twice looks different. */
START_TEST(each_seal_differs)
{
    saml_sealed_key_t k = key_of(SECRET);
    char *a, *b;
    apr_size_t alen, blen;

    seal(&k, AD, "same", 4, &a, &alen);
    seal(&k, AD, "same", 4, &b, &blen);
    ck_assert_uint_eq(alen, blen);
    ck_assert_int_ne(memcmp(a + 2, b + 2, 12), 0);
    ck_assert_int_ne(memcmp(a, b, alen), 0);
}
END_TEST

/* Header, nonce, ciphertext, tag: a change to any byte is refused. */
START_TEST(tampering_with_any_part_is_refused)
{
    saml_sealed_key_t k = key_of(SECRET);
    char *rec, *copy;
    apr_size_t len, i;
    int bit;

    seal(&k, AD, "user alice, groups g1 g2", 24, &rec, &len);
    copy = apr_pmemdup(tk_pool(), rec, len);
    for (i = 0; i < len; i++)
        for (bit = 0; bit < 8; bit += 7) {
            copy[i] ^= (char)(1 << bit);
            ck_assert_msg(unseal(&k, AD, copy, len) == SAML_EMALFORMED, "byte %lu bit %d",
                          (unsigned long)i, bit);
            copy[i] = rec[i];
        }
    ck_assert_int_eq(unseal(&k, AD, copy, len), APR_SUCCESS);
}
END_TEST

START_TEST(truncated_or_extended_is_refused)
{
    saml_sealed_key_t k = key_of(SECRET);
    char *rec, *longer;
    apr_size_t len, n;

    seal(&k, AD, "payload", 7, &rec, &len);
    for (n = 0; n < len; n++)
        ck_assert_int_eq(unseal(&k, AD, rec, n), SAML_EMALFORMED);
    longer = apr_palloc(tk_pool(), len + 1);
    memcpy(longer, rec, len);
    longer[len] = 'x';
    ck_assert_int_eq(unseal(&k, AD, longer, len + 1), SAML_EMALFORMED);
    ck_assert_int_eq(unseal(&k, AD, NULL, 0), SAML_EMALFORMED);
}
END_TEST

START_TEST(wrong_key_is_refused)
{
    saml_sealed_key_t k = key_of(SECRET), other;
    char *rec;
    apr_size_t len;

    seal(&k, AD, "payload", 7, &rec, &len);
    other = key_of("Qk3n0v8T2mX1c9rJ5yWbA7dFhL4pS6uZgE0iKoVtN2b");
    ck_assert_int_eq(unseal(&other, AD, rec, len), SAML_EMALFORMED);
    ck_assert_int_eq(saml_sealed_key_derive(SECRET, strlen(SECRET), "pending", &other),
                     APR_SUCCESS);
    ck_assert_int_eq(unseal(&other, AD, rec, len), SAML_EMALFORMED);
}
END_TEST

/* The store key is associated data: a record moved under another key fails. */
START_TEST(record_moved_to_another_key_is_refused)
{
    saml_sealed_key_t k = key_of(SECRET);
    char *rec;
    apr_size_t len;

    seal(&k, AD, "payload", 7, &rec, &len);
    ck_assert_int_eq(unseal(&k, "s:another", rec, len), SAML_EMALFORMED);
    ck_assert_int_eq(unseal(&k, "", rec, len), SAML_EMALFORMED);
    ck_assert_int_eq(unseal(&k, AD, rec, len), APR_SUCCESS);
}
END_TEST

/* Records written before sealing (plain 'S' records) are not sessions any
 * more: users of an upgraded server sign in again. */
START_TEST(unsealed_records_are_refused)
{
    saml_sealed_key_t k = key_of(SECRET);
    static const char old[] = "S\x02\0\0\0\x05" "alice" "\xff\xff\xff\xff\xff\xff\xff\xff"
                              "0123456789012345678901234567890123456789";

    ck_assert_int_eq(unseal(&k, AD, old, sizeof(old) - 1), SAML_EMALFORMED);
}
END_TEST

static Suite *sealed_suite(void)
{
    Suite *s = suite_create("sealed_record");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, key_derivation_is_hkdf_sha256);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, each_seal_differs);
    tcase_add_test(tc, tampering_with_any_part_is_refused);
    tcase_add_test(tc, truncated_or_extended_is_refused);
    tcase_add_test(tc, wrong_key_is_refused);
    tcase_add_test(tc, record_moved_to_another_key_is_refused);
    tcase_add_test(tc, unsealed_records_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tk_run_suite(sealed_suite());
}
