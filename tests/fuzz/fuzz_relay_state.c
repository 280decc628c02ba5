/* Where a browser may be sent: RelayState and return paths, full URLs of
 * this site as admins type them (saml_relay_target), and the form body they
 * arrive in. An independent, deliberately naive oracle checks
 * every path the module accepts: one that a browser could read as another
 * host is an open redirect. */
#include "tests/fuzz/fuzz.h"

#include <apr_tables.h>
#include <string.h>
#include <strings.h>

#include "saml/form.h"
#include "saml/relay_state.h"

static int hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* What a browser might make of s after one round of percent-decoding:
 * refused when it starts "//" or "/\", or holds a backslash or control. */
static int browser_stays_here(const char *s, int decode)
{
    size_t i, o = 0, n = strlen(s);
    unsigned char d[SAML_RETURN_PATH_MAX + 1];

    for (i = 0; i < n && o < sizeof(d) - 1; i++) {
        if (decode && s[i] == '%' && i + 2 < n && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            d[o++] = (unsigned char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        }
        else {
            d[o++] = (unsigned char)s[i];
        }
    }
    if (o < 1 || d[0] != '/' || (o > 1 && (d[1] == '/' || d[1] == '\\')))
        return 0;
    for (i = 0; i < o; i++)
        if (d[i] < 0x20 || d[i] == 0x7f || d[i] == '\\')
            return 0;
    return 1;
}

static void check_path(const char *s)
{
    if (!saml_is_local_path(s))
        return;
    if (strlen(s) > SAML_RETURN_PATH_MAX)
        fuzz_violation("saml_is_local_path", "accepted an over-long path");
    if (strpbrk(s, " ") != NULL)
        fuzz_violation("saml_is_local_path", "accepted a raw space");
    if (!browser_stays_here(s, 0) || !browser_stays_here(s, 1))
        fuzz_violation("saml_is_local_path", s);
}

/* The site the harness plays; a URL is followed only when it starts with
 * exactly this origin, spelled any way case and the default port allow. */
#define FUZZ_SITE "https://www.example.com"

static int starts_with_site(const char *s)
{
    static const char *spellings[] = { "https://www.example.com", "https://www.example.com:443" };
    size_t i, n;

    for (i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
        n = strlen(spellings[i]);
        if (!strncasecmp(s, spellings[i], n) && (s[n] == '\0' || strchr("/?#", s[n])))
            return 1;
    }
    return 0;
}

static void check_target(apr_pool_t *p, const char *s)
{
    const char *t = saml_relay_target(p, s, FUZZ_SITE);

    if (t == NULL)
        return;
    /* Always a local path a browser keeps on this site... */
    if (!saml_is_local_path(t) || !browser_stays_here(t, 0) || !browser_stays_here(t, 1))
        fuzz_violation("saml_relay_target", t);
    /* ...and from a URL only one of this very origin, with nothing a
     * browser could read as another host: no control, space or backslash
     * anywhere, no '@' (userinfo) before the path. */
    if (s[0] != '/') {
        const char *authority = strstr(s, "://");
        size_t i, n = authority ? strcspn(authority + 3, "/?#") : 0;

        if (!starts_with_site(s) || memchr(authority + 3, '@', n) != NULL)
            fuzz_violation("saml_relay_target", s);
        for (i = 0; s[i]; i++)
            if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '\\')
                fuzz_violation("saml_relay_target", s);
    }
}

static int key_count(const apr_table_t *t, const char *key)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i, n = 0;

    for (i = 0; i < arr->nelts; i++)
        n += strcasecmp(e[i].key, key) == 0;
    return n;
}

static void check_form(apr_pool_t *p, const uint8_t *data, size_t size)
{
    apr_table_t *form = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = saml_form_parse(p, (const char *)data, size, &form, &err);
    const apr_array_header_t *arr;
    const apr_table_entry_t *e;
    int i;

    fuzz_expect_explained(rv, &err, "saml_form_parse");
    if (rv != APR_SUCCESS)
        return;
    arr = apr_table_elts(form);
    e = (const apr_table_entry_t *)arr->elts;
    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key == NULL || *e[i].key == '\0' || e[i].val == NULL)
            fuzz_violation("saml_form_parse", "field without a name or value");
        if (key_count(form, e[i].key) != 1)
            fuzz_violation("saml_form_parse", "a field given twice was accepted");
        check_path(e[i].val);
        check_target(p, e[i].val);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();

    check_path(fuzz_cstr(p, data, size));
    check_target(p, fuzz_cstr(p, data, size));
    check_form(p, data, size);
    apr_pool_destroy(p);
    return 0;
}
