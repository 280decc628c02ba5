/* The sign-in request sealed into the browser's cookie: what opens, what
 * does not, and the secret file it is keyed from. */
#include <check.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <string.h>
#include <sys/stat.h>

#include "saml/pending_cookie.h"
#include "tests/unit/testkit.h"

#define SCOPE "https://sso.example:443|sequr_saml_session|https://sp.example/"

static saml_pending_request_t request(void)
{
    saml_pending_request_t r = { "_0123456789abcdef0123456789abcdef", "rs123",
                                 "/app/report?id=42&view=full", "contoso", {0} };
    return r;
}

START_TEST(sealed_request_opens_with_same_key_and_scope)
{
    apr_pool_t *p = tk_pool();
    saml_pending_request_t in = request(), out;
    apr_time_t now = apr_time_now(), exp = now + apr_time_from_sec(600), got = 0;
    const char *v1, *v2;
    saml_err_t err = {0};

    ck_assert_int_eq(saml_pending_seal(p, &tk_pending_key, SCOPE, &in, exp, &v1), APR_SUCCESS);
    ck_assert_int_eq(saml_pending_seal(p, &tk_pending_key, SCOPE, &in, exp, &v2), APR_SUCCESS);
    ck_assert_str_ne(v1, v2);                       /* fresh nonce each time */
    ck_assert_ptr_null(strstr(v1, "report"));       /* nothing readable */
    ck_assert_int_eq(v1[strspn(v1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-_")], '\0');
    ck_assert_int_eq(saml_pending_open(p, &tk_pending_key, SCOPE, v1, now, &out, &got, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(out.request_id, in.request_id);
    ck_assert_str_eq(out.relay_state, in.relay_state);
    ck_assert_str_eq(out.return_to, in.return_to);
    ck_assert_str_eq(out.tenant, in.tenant);
    ck_assert(got == exp);

    in.relay_state = NULL;
    in.tenant = "";
    ck_assert_int_eq(saml_pending_seal(p, &tk_pending_key, SCOPE, &in, exp, &v1), APR_SUCCESS);
    ck_assert_int_eq(saml_pending_open(p, &tk_pending_key, SCOPE, v1, now, &out, NULL, &err),
                     APR_SUCCESS);
    ck_assert_ptr_null(out.relay_state);
    ck_assert_ptr_null(out.tenant);
}
END_TEST

START_TEST(anything_else_does_not_open)
{
    apr_pool_t *p = tk_pool();
    saml_pending_request_t in = request(), out;
    saml_pending_key_t other;
    apr_time_t now = apr_time_now();
    const char *v;
    char *bad;
    apr_size_t i;
    saml_err_t err = {0};
    unsigned char secret[32] = "another secret of 32 bytes....!";

    ck_assert_int_eq(saml_pending_key_derive(secret, sizeof(secret), &other), APR_SUCCESS);
    ck_assert_int_eq(saml_pending_seal(p, &tk_pending_key, SCOPE, &in,
                                       now + apr_time_from_sec(60), &v), APR_SUCCESS);
    ck_assert_int_eq(saml_pending_open(p, &other, SCOPE, v, now, &out, NULL, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "request-cookie");
    ck_assert_int_eq(saml_pending_open(p, &tk_pending_key, SCOPE "x", v, now, &out, NULL, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "request-cookie");
    ck_assert_ptr_null(out.request_id);
    /* Every single character changed, and every truncation. */
    for (i = 0; v[i]; i++) {
        bad = apr_pstrdup(p, v);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        ck_assert_int_ne(saml_pending_open(p, &tk_pending_key, SCOPE, bad, now, &out, NULL, &err),
                         APR_SUCCESS);
        ck_assert_int_ne(saml_pending_open(p, &tk_pending_key, SCOPE, apr_pstrndup(p, v, i), now,
                                           &out, NULL, &err), APR_SUCCESS);
    }
    ck_assert_int_ne(saml_pending_open(p, &tk_pending_key, SCOPE, "", now, &out, NULL, &err),
                     APR_SUCCESS);
    ck_assert_int_ne(saml_pending_open(p, &tk_pending_key, SCOPE, "a=b;c", now, &out, NULL, &err),
                     APR_SUCCESS);
    /* Past its expiry. */
    ck_assert_int_eq(saml_pending_open(p, &tk_pending_key, SCOPE, v,
                                       now + apr_time_from_sec(61), &out, NULL, &err),
                     SAML_EREJECTED);
    ck_assert_str_eq(err.check, "in-response-to");
}
END_TEST

START_TEST(cookie_names_only_from_safe_ids)
{
    apr_pool_t *p = tk_pool();
    char long_id[SAML_PENDING_ID_MAX + 2];

    ck_assert_str_eq(saml_pending_cookie_name(p, "b-req", "_abc09"), "b-req-abc09");
    ck_assert_str_eq(saml_pending_cookie_name(p, "b-req", "x-Y_z"), "b-req-x-Y_z");
    ck_assert_ptr_null(saml_pending_cookie_name(p, "b", NULL));
    ck_assert_ptr_null(saml_pending_cookie_name(p, "b", ""));
    ck_assert_ptr_null(saml_pending_cookie_name(p, "b", "_a;b=c"));
    ck_assert_ptr_null(saml_pending_cookie_name(p, "b", "_a b"));
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    ck_assert_ptr_null(saml_pending_cookie_name(p, "b", long_id));
}
END_TEST

static void write_file(apr_pool_t *p, const char *path, const char *data, apr_fileperms_t perms)
{
    apr_file_t *f;
    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE |
                                   APR_FOPEN_TRUNCATE, perms, p), APR_SUCCESS);
    ck_assert_int_eq(apr_file_write_full(f, data, strlen(data), NULL), APR_SUCCESS);
    apr_file_close(f);
    ck_assert_int_eq(apr_file_perms_set(path, perms), APR_SUCCESS);
}

START_TEST(secret_file_made_once_and_kept)
{
    apr_pool_t *p = tk_pool();
    const char *path = tk_run_path(p, "cookie.key");
    saml_pending_key_t k1, k2;
    saml_err_t err = {0};
    struct stat st;
    int created = -1;

    ck_assert_int_ne(saml_pending_key_load(p, path, 0, &k1, &created, &err), APR_SUCCESS);
    ck_assert_str_eq(err.check, "cookie-key");
    ck_assert_int_eq(saml_pending_key_load(p, path, 1, &k1, &created, &err), APR_SUCCESS);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, 32);
    /* A restart (or another process) gets the same key. */
    ck_assert_int_eq(saml_pending_key_load(p, path, 1, &k2, &created, &err), APR_SUCCESS);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(memcmp(k1.bytes, k2.bytes, sizeof(k1.bytes)), 0);
}
END_TEST

START_TEST(admin_secret_file_checked)
{
    apr_pool_t *p = tk_pool();
    const char *path = tk_run_path(p, "farm.key");
    const char *secret = "c2VjcmV0IHNoYXJlZCBieSBldmVyeSBub2RlIG9mIHRoZSBmYXJtIQ==\n";
    saml_pending_key_t k1, k2;
    saml_err_t err = {0};

    write_file(p, path, secret, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD);
    ck_assert_int_eq(saml_pending_key_load(p, path, 0, &k1, NULL, &err), APR_SUCCESS);
    /* Two nodes with the same file have the same key. */
    ck_assert_int_eq(saml_pending_key_derive((const unsigned char *)secret, strlen(secret), &k2),
                     APR_SUCCESS);
    ck_assert_int_eq(memcmp(k1.bytes, k2.bytes, sizeof(k1.bytes)), 0);

    write_file(p, path, secret, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_WREAD);
    ck_assert_int_eq(saml_pending_key_load(p, path, 1, &k1, NULL, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "cookie-key");
    ck_assert_ptr_nonnull(strstr(err.detail, "read by others"));
    write_file(p, path, secret, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GWRITE);
    ck_assert_int_eq(saml_pending_key_load(p, path, 1, &k1, NULL, &err), SAML_EREJECTED);
    write_file(p, path, "too short\n", APR_FPROT_UREAD | APR_FPROT_UWRITE);
    ck_assert_int_eq(saml_pending_key_load(p, path, 1, &k1, NULL, &err), SAML_EREJECTED);
    ck_assert_ptr_nonnull(strstr(err.detail, "bytes"));
    ck_assert_int_eq(saml_pending_key_derive((const unsigned char *)"short", 5, &k1), APR_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pending_cookie");
    TCase *tc;
    int failed;

    tk_run_dir_make("pending");
    tc = tcase_create("pending_cookie");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, sealed_request_opens_with_same_key_and_scope);
    tcase_add_test(tc, anything_else_does_not_open);
    tcase_add_test(tc, cookie_names_only_from_safe_ids);
    tcase_add_test(tc, secret_file_made_once_and_kept);
    tcase_add_test(tc, admin_secret_file_checked);
    suite_add_tcase(s, tc);
    failed = tk_run_suite(s);
    tk_run_dir_remove();
    return failed;
}
