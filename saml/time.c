/* xs:dateTime as SAML uses it, parsed strictly by hand: sscanf accepts
 * signs, spaces and overlong fields, and timegm depends on the C library. */
#include "saml/time.h"

#include <apr_strings.h>

/* Exactly n ASCII digits at s, as a number; -1 if any is not a digit. */
static int fixed_digits(const char *s, int n)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), valid for every year we accept. */
static long days_from_civil(int y, int m, int d)
{
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil, for formatting. */
static void civil_from_days(long z, int *y, int *m, int *d)
{
    long era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

apr_status_t saml_time_parse(const char *s, apr_time_t *out)
{
    int year, month, day, hour, minute, second, zone_minutes = 0;
    apr_int64_t usec = 0, seconds;
    const char *c;

    if (s == NULL || out == NULL)
        return SAML_EMALFORMED;
    /* "YYYY-MM-DDThh:mm:ss" is 19 bytes; each check below reads only bytes
     * already known to be non-NUL, because a NUL fails the digit or
     * separator test before the next byte is looked at. */
    year = fixed_digits(s, 4);
    if (year < 0 || s[4] != '-')
        return SAML_EMALFORMED;
    month = fixed_digits(s + 5, 2);
    if (month < 0 || s[7] != '-')
        return SAML_EMALFORMED;
    day = fixed_digits(s + 8, 2);
    if (day < 0 || s[10] != 'T')
        return SAML_EMALFORMED;
    hour = fixed_digits(s + 11, 2);
    if (hour < 0 || s[13] != ':')
        return SAML_EMALFORMED;
    minute = fixed_digits(s + 14, 2);
    if (minute < 0 || s[16] != ':')
        return SAML_EMALFORMED;
    second = fixed_digits(s + 17, 2);
    if (second < 0)
        return SAML_EMALFORMED;

    if (year < 1970 || year > 9999 || month < 1 || month > 12 ||
        day < 1 || day > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 59)
        return SAML_EMALFORMED;

    c = s + 19;
    if (*c == '.') {
        int n = 0;
        apr_int64_t scale = 100000;
        for (c++; *c >= '0' && *c <= '9'; c++, n++) {
            if (n >= 9)
                return SAML_EMALFORMED;
            /* Keep microseconds (apr_time_t's unit); finer digits are checked
             * for shape and then dropped (truncation, never rounding up). */
            if (scale > 0) {
                usec += (*c - '0') * scale;
                scale /= 10;
            }
        }
        if (n == 0)
            return SAML_EMALFORMED;
    }

    if (*c == 'Z') {
        c++;
    }
    else if (*c == '+' || *c == '-') {
        int zh = fixed_digits(c + 1, 2), zm;
        if (zh < 0 || c[3] != ':')
            return SAML_EMALFORMED;
        zm = fixed_digits(c + 4, 2);
        if (zm < 0 || zm > 59 || zh > 14 || (zh == 14 && zm != 0))
            return SAML_EMALFORMED;
        zone_minutes = (zh * 60 + zm) * (*c == '-' ? -1 : 1);
        c += 6;
    }
    else {
        return SAML_EMALFORMED;  /* a time without a zone means nothing to compare */
    }
    if (*c != '\0')
        return SAML_EMALFORMED;

    seconds = (apr_int64_t)days_from_civil(year, month, day) * 86400 +
              hour * 3600 + minute * 60 + second - (apr_int64_t)zone_minutes * 60;
    /* 1970-01-01T00:00:00+14:00 is before the epoch: still a valid instant. */
    *out = (apr_time_t)(seconds * APR_USEC_PER_SEC + usec);
    return APR_SUCCESS;
}

const char *saml_time_format(apr_pool_t *p, apr_time_t t)
{
    apr_int64_t secs = t / APR_USEC_PER_SEC;
    long days, rem;
    int y, m, d;

    if (t < 0 && t % APR_USEC_PER_SEC)
        secs--;  /* floor, so a fraction before the epoch is not rounded up */
    days = (long)(secs / 86400);
    rem = (long)(secs % 86400);
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    return apr_psprintf(p, "%04d-%02d-%02dT%02ld:%02ld:%02ldZ", y, m, d,
                        rem / 3600, rem / 60 % 60, rem % 60);
}
