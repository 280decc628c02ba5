/* The session cookie and the session record behind it. The Cookie header is
 * the client's to write; the record comes back from the shared store, which
 * a crash, a full disk or another version may have corrupted. Neither may
 * crash us, and a record that decodes must encode back to the same bytes.
 * Also the sealed sign-in request cookie (the client's to write too: it must
 * never open unless we sealed it) and the places a planted cookie may sit. */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "saml/cookie.h"
#include "saml/pending_cookie.h"
#include "saml/session.h"

#define COOKIE_NAME "sequr_saml_session"

static void check_cookie_values(apr_pool_t *p, const char *header)
{
    apr_array_header_t *values = apr_array_make(p, 2, sizeof(const char *));
    int i;

    saml_cookie_values(header, COOKIE_NAME, values);
    if (values->nelts > SAML_COOKIE_MAX_VALUES)
        fuzz_violation("saml_cookie_values", "more values than the cap");
    for (i = 0; i < values->nelts; i++) {
        const char *v = APR_ARRAY_IDX(values, i, const char *);
        if (v == NULL || strchr(v, ';') != NULL || strstr(header, v) == NULL)
            fuzz_violation("saml_cookie_values", "a value that is not in the header");
        if (saml_session_id_is_wellformed(v) &&
            (strlen(v) != 43 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789-_") != 43))
            fuzz_violation("saml_session_id_is_wellformed", v);
        if (saml_session_id_is_wellformed(v) && strncmp(saml_session_key(p, v), "s:", 2) != 0)
            fuzz_violation("saml_session_key", v);
    }
}

static void check_session_record(apr_pool_t *p, const uint8_t *data, size_t size)
{
    saml_session_t *s = NULL;
    char *again = NULL;
    apr_size_t again_len = 0;

    if (saml_session_decode(p, (const char *)data, size, &s) != APR_SUCCESS)
        return;
    if (s == NULL || s->user == NULL || s->attributes == NULL)
        fuzz_violation("saml_session_decode", "success without user or attributes");
    if (saml_session_encode(p, s, &again, &again_len) != APR_SUCCESS ||
        again_len != size || memcmp(again, data, size) != 0)
        fuzz_violation("saml_session_decode", "record does not encode back to itself");
    fuzz_trace("session record of %s with %d attributes", s->user, s->attributes->nelts);
}

static void check_pending_cookie(apr_pool_t *p, const char *value)
{
    static const saml_pending_key_t key = { { 7 } };
    saml_pending_request_t req;
    saml_err_t err = {0};
    apr_array_header_t *places;

    if (saml_pending_open(p, &key, "scope", value, 0, &req, NULL, &err) == APR_SUCCESS)
        fuzz_violation("saml_pending_open", "a value we never sealed opened");
    places = saml_cookie_places(p, value, value);
    if (places->nelts < 1 || places->nelts > SAML_COOKIE_MAX_PLACES)
        fuzz_violation("saml_cookie_places", "unbounded or empty");
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

    check_cookie_values(p, fuzz_cstr(p, data, size));
    check_session_record(p, data, size);
    check_pending_cookie(p, fuzz_cstr(p, data, size));
    apr_pool_destroy(p);
    return 0;
}
