/* xs:dateTime parsing and formatting, strict by design. */
#include <check.h>
#include <string.h>
#include <apr_strings.h>

#include "tests/unit/testkit.h"
#include "saml/time.h"

static apr_time_t parse_ok(const char *s)
{
    apr_time_t t = 0;
    ck_assert_msg(saml_time_parse(s, &t) == APR_SUCCESS, "refused valid time \"%s\"", s);
    return t;
}

static void assert_refused(const char *s)
{
    apr_time_t t = 12345;
    ck_assert_msg(saml_time_parse(s, &t) == SAML_EMALFORMED, "accepted \"%s\"", s ? s : "(null)");
}

#define SEC(x) ((apr_time_t)(x) * APR_USEC_PER_SEC)

START_TEST(parses_utc_forms)
{
    ck_assert_int_eq(parse_ok("1970-01-01T00:00:00Z"), 0);
    ck_assert_int_eq(parse_ok("2000-03-01T00:00:00Z"), SEC(951868800));
    ck_assert_int_eq(parse_ok("2026-11-25T14:56:23Z"), SEC(1795618583));
    ck_assert_int_eq(parse_ok("2024-02-29T23:59:59Z"), SEC(1709251199));
    ck_assert_int_eq(parse_ok("9999-12-31T23:59:59Z"), SEC(253402300799LL));
}
END_TEST

START_TEST(parses_fractions_to_microseconds)
{
    ck_assert_int_eq(parse_ok("2026-11-25T14:56:23.5Z"), SEC(1795618583) + 500000);
    ck_assert_int_eq(parse_ok("2026-11-25T14:56:23.123Z"), SEC(1795618583) + 123000);
    ck_assert_int_eq(parse_ok("2026-11-25T14:56:23.1234567Z"), SEC(1795618583) + 123456);
    ck_assert_int_eq(parse_ok("2026-11-25T14:56:23.999999999Z"), SEC(1795618583) + 999999);
    ck_assert_int_eq(parse_ok("2026-11-25T14:56:23.000Z"), SEC(1795618583));
}
END_TEST

START_TEST(converts_zone_offsets_to_utc)
{
    apr_time_t utc = parse_ok("2026-01-01T00:00:00Z");
    ck_assert_int_eq(parse_ok("2026-01-01T14:00:00+14:00"), utc);
    ck_assert_int_eq(parse_ok("2025-12-31T12:00:00-12:00"), utc);
    ck_assert_int_eq(parse_ok("2026-01-01T05:30:00+05:30"), utc);
    ck_assert_int_eq(parse_ok("2026-01-01T00:00:00+00:00"), utc);
    ck_assert_int_eq(parse_ok("2026-01-01T00:00:00-00:00"), utc);
    ck_assert_int_eq(parse_ok("2025-12-31T20:15:00.25-03:45"), utc + 250000);
}
END_TEST

START_TEST(agrees_with_libc_over_many_days)
{
    /* Independent cross-check of the days-from-civil arithmetic: about every
     * week from 1970 to 2100 (leap years, centuries, 2000) against APR's own
     * calendar code. (saml/time.h shadows <time.h> on the test include path,
     * so APR stands in for gmtime_r.) */
    apr_pool_t *p = tk_pool();
    apr_int64_t s;
    for (s = 0; s < 4102444800LL; s += 7 * 86400 + 3671) {
        apr_time_exp_t tm;
        const char *buf;
        ck_assert_int_eq(apr_time_exp_gmt(&tm, SEC(s)), APR_SUCCESS);
        buf = apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        ck_assert_int_eq(parse_ok(buf), SEC(s));
        ck_assert_str_eq(saml_time_format(p, SEC(s)), buf);
    }
}
END_TEST

START_TEST(refuses_out_of_range_fields)
{
    assert_refused("2026-13-40T99:99:99Z");
    assert_refused("2026-00-10T10:00:00Z");
    assert_refused("2026-13-10T10:00:00Z");
    assert_refused("2026-01-00T10:00:00Z");
    assert_refused("2026-01-32T10:00:00Z");
    assert_refused("2026-04-31T10:00:00Z");
    assert_refused("2025-02-29T10:00:00Z");   /* not a leap year */
    assert_refused("1900-02-29T10:00:00Z");   /* century, not leap */
    assert_refused("2026-01-01T24:00:00Z");
    assert_refused("2026-01-01T23:60:00Z");
    assert_refused("2026-12-31T23:59:60Z");   /* no leap seconds */
    assert_refused("0000-01-01T00:00:00Z");
    assert_refused("1969-12-31T23:59:59Z");
    assert_refused("10000-01-01T00:00:00Z");
    assert_refused("2026-01-01T00:00:00+14:01");
    assert_refused("2026-01-01T00:00:00+15:00");
    assert_refused("2026-01-01T00:00:00-12:60");
}
END_TEST

START_TEST(refuses_bad_shapes)
{
    assert_refused(NULL);
    assert_refused("");
    assert_refused("2026-13-40T99:99:99");
    assert_refused("2026-01-01T00:00:00");          /* no zone */
    assert_refused("2026-01-01T00:00:00z");
    assert_refused("2026-01-01 00:00:00Z");
    assert_refused("2026-01-01T00:00Z");
    assert_refused("2026-1-01T00:00:00Z");
    assert_refused("26-01-01T00:00:00Z");
    assert_refused("+2026-01-01T00:00:00Z");
    assert_refused(" 2026-01-01T00:00:00Z");
    assert_refused("2026-01-01T00:00:00Z ");
    assert_refused("2026-01-01T00:00:00Zjunk");
    assert_refused("2026-01-01T00:00:00.Z");
    assert_refused("2026-01-01T00:00:00.12345678901234567890Z");
    assert_refused("2026-01-01T00:00:00.1234567890Z");   /* 10 digits */
    assert_refused("2026-01-01T00:00:00+0100");
    assert_refused("2026-01-01T00:00:00+01");
    assert_refused("2026-01-01T00:00:00+1:00");
    assert_refused("2026-01-01T00:00:00+01:00:00");
    assert_refused("2026-01-01T00:00:00-");
    assert_refused("2026-01-01T0a:00:00Z");
    assert_refused("2026");
    assert_refused("2026-01-01T00:00:0");
}
END_TEST

START_TEST(formats_utc_seconds)
{
    apr_pool_t *p = tk_pool();
    apr_time_t now = apr_time_now();
    apr_time_t back;
    ck_assert_str_eq(saml_time_format(p, 0), "1970-01-01T00:00:00Z");
    ck_assert_str_eq(saml_time_format(p, SEC(1795618583) + 999999), "2026-11-25T14:56:23Z");
    ck_assert_str_eq(saml_time_format(p, SEC(951782400)), "2000-02-29T00:00:00Z");
    /* Round trip of now, truncated to the second. */
    back = parse_ok(saml_time_format(p, now));
    ck_assert_int_eq(back, now - now % APR_USEC_PER_SEC);
}
END_TEST

static Suite *time_suite(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, parses_utc_forms);
    tcase_add_test(tc, parses_fractions_to_microseconds);
    tcase_add_test(tc, converts_zone_offsets_to_utc);
    tcase_add_test(tc, agrees_with_libc_over_many_days);
    tcase_add_test(tc, refuses_out_of_range_fields);
    tcase_add_test(tc, refuses_bad_shapes);
    tcase_add_test(tc, formats_utc_seconds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(time_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
