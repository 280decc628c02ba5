/* Encodings of the bindings: strict base64, raw DEFLATE with a bomb cap,
 * base64url and URL encoding. */
#include <check.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "saml/codec.h"
#include "saml/random.h"
#include "tests/unit/testkit.h"

static apr_status_t decode(const char *in, apr_size_t max, unsigned char **out, apr_size_t *len)
{
    saml_err_t err = { 0 };
    return saml_base64_decode(tk_pool(), in, strlen(in), max, out, len, &err);
}

START_TEST(base64_round_trips_every_length)
{
    unsigned char data[64];
    apr_size_t n;

    saml_random_bytes(data, sizeof(data));
    for (n = 0; n <= sizeof(data); n++) {
        const char *enc = saml_base64_encode(tk_pool(), data, n);
        unsigned char *dec;
        apr_size_t declen;
        ck_assert_uint_eq(strlen(enc), (n + 2) / 3 * 4);
        ck_assert_ptr_null(strchr(enc, '\n'));
        ck_assert_int_eq(decode(enc, 1024, &dec, &declen), APR_SUCCESS);
        ck_assert_uint_eq(declen, n);
        ck_assert_int_eq(memcmp(dec, data, n), 0);
        ck_assert_int_eq(dec[declen], 0);
    }
}
END_TEST

START_TEST(base64_decodes_known_vectors)
{
    static const struct { const char *in, *out; } v[] = {
        { "", "" }, { "Zg==", "f" }, { "Zm8=", "fo" }, { "Zm9v", "foo" },
        { "Zm9vYg==", "foob" }, { "Zm9vYmE=", "fooba" }, { "Zm9vYmFy", "foobar" },
        { "Zm9vYg", "foob" }, { "Zm9vYmE", "fooba" },              /* padding optional */
        { " Zm9v\r\n YmFy\t", "foobar" },                        /* whitespace skipped */
    };
    size_t i;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        unsigned char *out;
        apr_size_t len;
        ck_assert_msg(decode(v[i].in, 100, &out, &len) == APR_SUCCESS, "vector %zu", i);
        ck_assert_uint_eq(len, strlen(v[i].out));
        ck_assert_str_eq((char *)out, v[i].out);
    }
}
END_TEST

START_TEST(base64_refuses_junk_and_bad_padding)
{
#define B(lit) { lit, sizeof(lit) - 1 }
    static const struct { const char *s; size_t len; } bad[] = {
        B("Zm9v!mFy"), B("Zm9v\0YmFy"), B("Zm9vYmFy\x01"), B("Zm9v-mFy"), B("Zm9v_mFy"),
        B("Zm9vY"), B("Z"), B("Zm9v=YmFy"), B("Zg==="), B("Zg="), B("="), B("Zm8=="),
        B("Zm9vYg=x"), B("Zh=="), /* non-zero trailing bits */
        B("Zm9vYmFy\xc3\xa9"), B("Zm9v\vYmFy"),
    };
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *out = NULL;
        apr_size_t len;
        saml_err_t err = { 0 };
        apr_status_t rv = saml_base64_decode(tk_pool(), bad[i].s, bad[i].len, 100, &out, &len, &err);
        ck_assert_msg(rv == SAML_EMALFORMED, "accepted bad base64 #%zu", i);
        ck_assert_str_eq(err.check, "base64");
        ck_assert_ptr_nonnull(err.detail);
    }
}
END_TEST

START_TEST(base64_refuses_output_over_cap)
{
    unsigned char *out;
    apr_size_t len;
    saml_err_t err = { 0 };

    ck_assert_int_eq(decode("Zm9vYmFy", 6, &out, &len), APR_SUCCESS);
    ck_assert_int_eq(saml_base64_decode(tk_pool(), "Zm9vYmFy", 8, 5, &out, &len, &err),
                     SAML_ETOOLARGE);
    ck_assert_str_eq(err.check, "base64-size");
}
END_TEST

START_TEST(base64url_has_url_alphabet_and_no_padding)
{
    const unsigned char data[] = { 0xfb, 0xff, 0xbf, 0x3e };
    const char *s = saml_base64url_encode(tk_pool(), data, sizeof(data));
    ck_assert_str_eq(saml_base64_encode(tk_pool(), data, sizeof(data)), "+/+/Pg==");
    ck_assert_str_eq(s, "-_-_Pg");
}
END_TEST

START_TEST(deflate_inflate_round_trip)
{
    const char *text = "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>";
    unsigned char *z, *back;
    apr_size_t zlen, backlen;
    saml_err_t err = { 0 };
    z_stream zs;
    unsigned char check[256];

    ck_assert_int_eq(saml_deflate(tk_pool(), (const unsigned char *)text, strlen(text), &z, &zlen),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_inflate(tk_pool(), z, zlen, 1024, &back, &backlen, &err), APR_SUCCESS);
    ck_assert_uint_eq(backlen, strlen(text));
    ck_assert_str_eq((char *)back, text);

    /* Raw DEFLATE as the binding wants: zlib itself reads it with windowBits -15
     * and it has no zlib header (which would start 0x78). */
    memset(&zs, 0, sizeof(zs));
    ck_assert_int_eq(inflateInit2(&zs, -15), Z_OK);
    zs.next_in = z;
    zs.avail_in = (uInt)zlen;
    zs.next_out = check;
    zs.avail_out = sizeof(check);
    ck_assert_int_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(zs.total_out, strlen(text));
    inflateEnd(&zs);

    /* Exactly at the cap is fine, one byte less is not. */
    ck_assert_int_eq(saml_inflate(tk_pool(), z, zlen, strlen(text), &back, &backlen, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_inflate(tk_pool(), z, zlen, strlen(text) - 1, &back, &backlen, &err),
                     SAML_ETOOLARGE);
}
END_TEST

/* Bytes the process has taken from malloc and not given back (heap + mmap). */
static size_t heap_in_use(void)
{
#ifdef __GLIBC__
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

START_TEST(inflate_stops_deflate_bomb_early)
{
    apr_size_t big = 10 * 1024 * 1024, zlen, outlen = 0;
    unsigned char *zeros = calloc(1, big);
    unsigned char *z, *out = NULL;
    saml_err_t err = { 0 };
    apr_pool_t *sub;
    size_t before, after;

    ck_assert_ptr_nonnull(zeros);
    ck_assert_int_eq(saml_deflate(tk_pool(), zeros, big, &z, &zlen), APR_SUCCESS);
    free(zeros);
    ck_assert_uint_lt(zlen, 20 * 1024);

    /* The refused inflate may use about its cap (256 KiB, doubled while
     * growing), never anything close to the 10 MB the bomb expands to. */
    apr_pool_create(&sub, tk_pool());
    before = heap_in_use();
    ck_assert_int_eq(saml_inflate(sub, z, zlen, 256 * 1024, &out, &outlen, &err), SAML_ETOOLARGE);
    after = heap_in_use();
    ck_assert_str_eq(err.check, "inflate-size");
    ck_assert_ptr_null(out);
#ifdef __GLIBC__
    ck_assert_msg(after < before + 2 * 1024 * 1024, "inflate took %zu bytes", after - before);
#endif
    apr_pool_destroy(sub);

    /* With a cap above the bomb's size the same data inflates completely. */
    ck_assert_int_eq(saml_inflate(tk_pool(), z, zlen, big, &out, &outlen, &err), APR_SUCCESS);
    ck_assert_uint_eq(outlen, big);
    ck_assert_int_eq(out[big - 1], 0);
}
END_TEST

START_TEST(inflate_refuses_garbage_truncation_and_trailing_data)
{
    const char *text = "hello hello hello hello";
    unsigned char *z, *out, *longer;
    apr_size_t zlen, outlen;
    saml_err_t err = { 0 };

    ck_assert_int_eq(saml_inflate(tk_pool(), (const unsigned char *)"\xff\xff\xff\xff", 4, 100,
                                  &out, &outlen, &err), SAML_EMALFORMED);
    ck_assert_int_eq(saml_deflate(tk_pool(), (const unsigned char *)text, strlen(text), &z, &zlen),
                     APR_SUCCESS);
    ck_assert_int_eq(saml_inflate(tk_pool(), z, zlen - 2, 100, &out, &outlen, &err),
                     SAML_EMALFORMED);
    ck_assert_int_eq(saml_inflate(tk_pool(), z, 0, 100, &out, &outlen, &err), SAML_EMALFORMED);
    longer = apr_palloc(tk_pool(), zlen + 3);
    memcpy(longer, z, zlen);
    memcpy(longer + zlen, "xyz", 3);
    ck_assert_int_eq(saml_inflate(tk_pool(), longer, zlen + 3, 100, &out, &outlen, &err),
                     SAML_EMALFORMED);
}
END_TEST

START_TEST(url_encode_keeps_only_unreserved)
{
    ck_assert_str_eq(saml_url_encode(tk_pool(), "aZ09-._~"), "aZ09-._~");
    ck_assert_str_eq(saml_url_encode(tk_pool(), "a b+c/d=e&f?g%h"),
                     "a%20b%2Bc%2Fd%3De%26f%3Fg%25h");
    ck_assert_str_eq(saml_url_encode(tk_pool(), "\xc3\xa9\r\n"), "%C3%A9%0D%0A");
    ck_assert_str_eq(saml_url_encode(tk_pool(), ""), "");
}
END_TEST

START_TEST(random_ids_have_prefix_and_128_bits_of_hex)
{
    const char *a = saml_random_id(tk_pool(), "_");
    const char *b = saml_random_id(tk_pool(), "_");
    size_t i;

    ck_assert_uint_eq(strlen(a), 33);
    ck_assert_int_eq(a[0], '_');
    for (i = 1; i < 33; i++)
        ck_assert_ptr_nonnull(strchr("0123456789abcdef", a[i]));
    ck_assert_str_ne(a, b);
    ck_assert_uint_eq(strlen(saml_random_id(tk_pool(), "")), 32);
    ck_assert_uint_eq(strlen(saml_random_id(tk_pool(), NULL)), 32);
}
END_TEST

/* The one percent-decoder of forms, query strings and return paths. */
static saml_pct_result_t pct(const char *in, unsigned flags, char *out, apr_size_t *n,
                             apr_size_t *at)
{
    return saml_percent_decode(in, strlen(in), flags, out, n, at);
}

START_TEST(percent_decode_by_flags)
{
    char out[64];
    apr_size_t n = 99, at = 99;

    ck_assert_int_eq(pct("a%41+b%2f%2F", SAML_PCT_PLUS, out, &n, &at), SAML_PCT_OK);
    ck_assert_str_eq(out, "aA b//");
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(pct("a+b", 0, out, &n, &at), SAML_PCT_OK);
    ck_assert_str_eq(out, "a+b");
    /* a '%' without two hex digits: refused where it stands, or kept */
    ck_assert_int_eq(pct("ab%4", 0, out, &n, &at), SAML_PCT_BAD_ESCAPE);
    ck_assert_uint_eq(at, 2);
    ck_assert_int_eq(pct("%zz", 0, out, &n, &at), SAML_PCT_BAD_ESCAPE);
    ck_assert_uint_eq(at, 0);
    ck_assert_int_eq(pct("/100%25%", SAML_PCT_LENIENT, out, &n, &at), SAML_PCT_OK);
    ck_assert_str_eq(out, "/100%%");
    /* NUL, decoded or literal, only refused when asked */
    ck_assert_int_eq(pct("x%00y", SAML_PCT_NO_NUL, out, &n, &at), SAML_PCT_NUL);
    ck_assert_uint_eq(at, 1);
    ck_assert_int_eq(saml_percent_decode("x\0y", 3, SAML_PCT_NO_NUL, out, &n, &at), SAML_PCT_NUL);
    ck_assert_uint_eq(at, 1);
    ck_assert_int_eq(pct("x%00y", 0, out, &n, &at), SAML_PCT_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(out[1], 0);
    ck_assert_int_eq(pct("", 0, out, &n, &at), SAML_PCT_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

static Suite *codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, base64_round_trips_every_length);
    tcase_add_test(tc, base64_decodes_known_vectors);
    tcase_add_test(tc, base64_refuses_junk_and_bad_padding);
    tcase_add_test(tc, base64_refuses_output_over_cap);
    tcase_add_test(tc, base64url_has_url_alphabet_and_no_padding);
    tcase_add_test(tc, deflate_inflate_round_trip);
    tcase_add_test(tc, inflate_stops_deflate_bomb_early);
    tcase_add_test(tc, inflate_refuses_garbage_truncation_and_trailing_data);
    tcase_add_test(tc, url_encode_keeps_only_unreserved);
    tcase_add_test(tc, percent_decode_by_flags);
    tcase_add_test(tc, random_ids_have_prefix_and_128_bits_of_hex);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(codec_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
