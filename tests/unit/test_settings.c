/* The settings table (apache/settings_table.h) and what is made from it
 * (apache/settings.c): every row is created unset, merged (a vhost's or an
 * inner section's own value wins, main-only settings come from the main
 * server) and defaulted; each kind has its own parser and message; and the
 * defaults are the documented ones (docs/DIRECTIVES.md, README), which are a
 * contract. Links without httpd: only APR and the core. */
#include <check.h>
#include <apr_strings.h>
#include <string.h>

#include "apache/config.h"
#include "apache/settings_table.h"
#include "tests/unit/testkit.h"

#define FIELD_INT(conf, row) (*(int *)(void *)((char *)(conf) + (row)->offset))
#define FIELD_OFF(conf, row) (*(apr_off_t *)(void *)((char *)(conf) + (row)->offset))
#define FIELD_TEXT(conf, row) (*(const char **)(void *)((char *)(conf) + (row)->offset))

static void setup(void)
{
    tk_setup();
}

static void teardown(void)
{
    tk_teardown();
}

static int is_dir(const sequr_setting_t *row)
{
    return row->scope == SEQUR_SCOPE_DIR;
}

/* A configuration struct of the row's kind with every setting unset. */
static void *new_conf(const sequr_setting_t *row)
{
    apr_size_t size = is_dir(row) ? sizeof(sequr_dir_conf_t) : sizeof(sequr_server_conf_t);
    void *c = apr_pcalloc(tk_pool(), size);
    sequr_settings_unset(sequr_settings, SEQUR_SETTINGS_COUNT, is_dir(row), c);
    return c;
}

/* The field as a string, to compare values of any kind. */
static const char *value_of(const sequr_setting_t *row, const void *conf)
{
    void *c = (void *)(apr_uintptr_t)conf;
    switch (row->kind) {
    case SEQUR_KIND_TEXT:
        return FIELD_TEXT(c, row) ? FIELD_TEXT(c, row) : "(null)";
    case SEQUR_KIND_BYTES:
        return apr_off_t_toa(tk_pool(), FIELD_OFF(c, row));
    default:
        return apr_itoa(tk_pool(), FIELD_INT(c, row));
    }
}

/* Values a text's check may accept; the first accepted that is not skip is used. */
static const char *const texts[] = {
    "/elsewhere", "/other", "Other-Name", "Another-Name", "OTHER_NAME", "ANOTHER_NAME",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "||", NULL
};

/* Into conf: a value of the row other than skip (a default or another
 * value), through the row's own parser. Fails the test when none is found. */
static void set_other_value(const sequr_setting_t *row, void *conf, const char *skip)
{
    const char *msg = NULL;
    int i;

    switch (row->kind) {
    case SEQUR_KIND_SECONDS:
    case SEQUR_KIND_COUNT:
    case SEQUR_KIND_BYTES:
        msg = sequr_setting_read(tk_pool(), row, apr_psprintf(tk_pool(), "%" APR_INT64_T_FMT,
                                 skip && !strcmp(skip, apr_psprintf(tk_pool(), "%" APR_INT64_T_FMT,
                                 row->max)) ? row->min : row->max), conf);
        break;
    case SEQUR_KIND_FLAG:
        sequr_setting_set_flag(row, !(skip && !strcmp(skip, "1")), conf);
        break;
    case SEQUR_KIND_CHOICE:
        for (i = 0; row->choices[i].word; i++)
            if (!skip || strcmp(skip, apr_itoa(tk_pool(), row->choices[i].value))) {
                msg = sequr_setting_read(tk_pool(), row, row->choices[i].word, conf);
                break;
            }
        ck_assert_msg(row->choices[i].word, "%s: no second choice", row->name);
        break;
    case SEQUR_KIND_TEXT:
        for (i = 0; texts[i]; i++)
            if ((!skip || strcmp(skip, texts[i])) &&
                sequr_setting_read(tk_pool(), row, texts[i], conf) == NULL)
                break;
        ck_assert_msg(texts[i], "%s: no candidate value accepted", row->name);
        break;
    }
    ck_assert_msg(msg == NULL, "%s: %s", row->name, msg);
    ck_assert_msg(sequr_setting_is_set(row, conf), "%s: set but reads as unset", row->name);
}

START_TEST(every_setting_is_created_unset)
{
    int i;
    for (i = 0; i < SEQUR_SETTINGS_COUNT; i++) {
        const sequr_setting_t *row = &sequr_settings[i];
        ck_assert_msg(!sequr_setting_is_set(row, new_conf(row)), "%s is set at creation",
                      row->name);
    }
}
END_TEST

START_TEST(own_value_wins_in_the_merge)
{
    int i;
    for (i = 0; i < SEQUR_SETTINGS_COUNT; i++) {
        const sequr_setting_t *row = &sequr_settings[i];
        void *base = new_conf(row), *add = new_conf(row), *m = new_conf(row);
        const char *base_value, *add_value;

        set_other_value(row, base, NULL);
        base_value = value_of(row, base);
        set_other_value(row, add, base_value);
        add_value = value_of(row, add);
        ck_assert_msg(strcmp(base_value, add_value), "%s: no distinct values", row->name);
        sequr_settings_merge(sequr_settings, SEQUR_SETTINGS_COUNT, is_dir(row), m, base, add);
        /* Main-only settings (one store per server process) are the main server's. */
        ck_assert_msg(!strcmp(value_of(row, m), row->scope == SEQUR_SCOPE_MAIN ? base_value
                              : add_value), "%s merged to %s (base %s, add %s)", row->name,
                      value_of(row, m), base_value, add_value);
    }
}
END_TEST

START_TEST(unset_value_is_inherited_in_the_merge)
{
    int i;
    for (i = 0; i < SEQUR_SETTINGS_COUNT; i++) {
        const sequr_setting_t *row = &sequr_settings[i];
        void *base = new_conf(row), *add = new_conf(row), *m = new_conf(row);

        set_other_value(row, base, NULL);
        sequr_settings_merge(sequr_settings, SEQUR_SETTINGS_COUNT, is_dir(row), m, base, add);
        ck_assert_msg(!strcmp(value_of(row, m), value_of(row, base)), "%s not inherited",
                      row->name);
        m = new_conf(row);
        sequr_settings_merge(sequr_settings, SEQUR_SETTINGS_COUNT, is_dir(row), m, add, add);
        ck_assert_msg(!sequr_setting_is_set(row, m), "%s set by a merge of unset ones",
                      row->name);
    }
}
END_TEST

START_TEST(defaults_fill_only_what_is_unset)
{
    int i;
    for (i = 0; i < SEQUR_SETTINGS_COUNT; i++) {
        const sequr_setting_t *row = &sequr_settings[i];
        void *c = new_conf(row), *own = new_conf(row);
        const char *value;
        int has_default = row->kind == SEQUR_KIND_TEXT ? row->text != NULL
                          : sequr_setting_default_number(row) != SEQUR_UNSET;

        sequr_settings_default(sequr_settings, SEQUR_SETTINGS_COUNT, is_dir(row), c);
        ck_assert_msg(sequr_setting_is_set(row, c) == has_default, "%s: default", row->name);
        set_other_value(row, own, value_of(row, c));
        value = value_of(row, own);
        sequr_settings_default(sequr_settings, SEQUR_SETTINGS_COUNT, is_dir(row), own);
        ck_assert_msg(!strcmp(value_of(row, own), value), "%s: default over the admin's value",
                      row->name);
    }
}
END_TEST

/* The defaults are a contract (docs/DIRECTIVES.md, README): pinned here. */
START_TEST(documented_defaults)
{
    sequr_server_conf_t *c = apr_pcalloc(tk_pool(), sizeof(*c));
    sequr_settings_unset(sequr_settings, SEQUR_SETTINGS_COUNT, 0, c);
    sequr_settings_default(sequr_settings, SEQUR_SETTINGS_COUNT, 0, c);

    ck_assert_str_eq(c->endpoint_path, "/saml");
    ck_assert_int_eq(c->logout_signatures, 0);
    ck_assert_int_eq(c->cache_entries, 65536);
    ck_assert_int_eq(c->clock_skew, 180);
    ck_assert_int_eq(c->allow_unsolicited, 1);
    ck_assert_str_eq(c->landing_path, "/");
    ck_assert_int_eq(c->session_max_age, 28800);
    ck_assert_int_eq(c->session_idle_timeout, 3600);
    ck_assert_str_eq(c->cookie_name, "sequr_saml_session");
    ck_assert_int_eq(c->allow_sha1, 0);
    ck_assert_int_eq(c->allow_expired_idp_cert, 0);
    ck_assert_ptr_null(c->name_id_format);
    ck_assert_int_eq((int)c->max_response_size, 49152);
    ck_assert_int_eq(c->request_lifetime, 600);
    ck_assert_int_eq(c->user_store, 0);
    ck_assert_int_eq(c->user_recheck_interval, 60);
    ck_assert_str_eq(c->user_store_contact, "your Sequr administrator");

    ck_assert_str_eq(SEQUR_SETTING(ENV_PREFIX)->text, "SEQUR_SAML_");
    ck_assert_str_eq(SEQUR_SETTING(ENV_SEPARATOR)->text, ";");
    ck_assert_str_eq(SEQUR_SETTING(REQUEST_HEADER_PREFIX)->text, "Sequr-SAML-");
    ck_assert_int_eq(sequr_setting_default_number(SEQUR_SETTING(REQUEST_HEADERS)), 0);
    ck_assert_int_eq(sequr_setting_default_number(SEQUR_SETTING(UNAUTHENTICATED)),
                     SEQUR_UNAUTH_AUTO);
}
END_TEST

static const char *read_into(const sequr_setting_t *row, const char *arg, void *conf)
{
    return sequr_setting_read(tk_pool(), row, arg, conf);
}

/* Seconds, counts and sizes each say what they are; the bounds are the row's. */
START_TEST(each_number_kind_names_its_unit)
{
    sequr_server_conf_t *c = apr_pcalloc(tk_pool(), sizeof(*c));

    ck_assert_str_eq(read_into(SEQUR_SETTING(CLOCK_SKEW), "3601", c),
                     "SequrSAMLClockSkew: '3601' must be a whole number of seconds from 0 to 3600");
    ck_assert_str_eq(read_into(SEQUR_SETTING(SESSION_MAX_AGE), "0", c), "SequrSAMLSessionMaxAge: "
                     "'0' must be a whole number of seconds from 1 to 31622400");
    ck_assert_str_eq(read_into(SEQUR_SETTING(CACHE_ENTRIES), "1023", c), "SequrSAMLCacheEntries: "
                     "'1023' must be a number of entries from 1024 to 16777216");
    ck_assert_str_eq(read_into(SEQUR_SETTING(MAX_RESPONSE_SIZE), "4k", c),
                     "SequrSAMLMaxResponseSize: '4k' must be a size in bytes from 4096 to 16777216");
    ck_assert_ptr_nonnull(read_into(SEQUR_SETTING(REQUEST_LIFETIME), "", c));
    ck_assert_ptr_nonnull(read_into(SEQUR_SETTING(REQUEST_LIFETIME), "60 ", c));
    ck_assert_ptr_null(read_into(SEQUR_SETTING(REQUEST_LIFETIME), "86400", c));
    ck_assert_int_eq(c->request_lifetime, 86400);
    ck_assert_ptr_null(read_into(SEQUR_SETTING(MAX_RESPONSE_SIZE), "16777216", c));
    ck_assert_int_eq((int)c->max_response_size, 16777216);
}
END_TEST

START_TEST(choices_and_texts)
{
    sequr_server_conf_t *c = apr_pcalloc(tk_pool(), sizeof(*c));
    sequr_dir_conf_t *d = apr_pcalloc(tk_pool(), sizeof(*d));

    ck_assert_str_eq(read_into(SEQUR_SETTING(LOGOUT_SIGNATURES), "maybe", c),
                     "SequrSAMLLogoutSignatures: 'maybe' must be required, optional or "
                     "optional-name-only");
    ck_assert_ptr_null(read_into(SEQUR_SETTING(LOGOUT_SIGNATURES), "Optional-Name-Only", c));
    ck_assert_int_eq(c->logout_signatures, 2);
    ck_assert_str_eq(read_into(SEQUR_SETTING(UNAUTHENTICATED), "never", d),
                     "SequrSAMLUnauthenticatedAction: 'never' must be auto, redirect, 401 or pass");
    ck_assert_ptr_null(read_into(SEQUR_SETTING(UNAUTHENTICATED), "pass", d));
    ck_assert_int_eq(d->unauth_action, SEQUR_UNAUTH_PASS);
    ck_assert_ptr_null(read_into(SEQUR_SETTING(UNAUTHENTICATED), "401", d));
    ck_assert_int_eq(d->unauth_action, SEQUR_UNAUTH_401);

    ck_assert_ptr_null(read_into(SEQUR_SETTING(ENDPOINT_PATH), "/sso/", c));
    ck_assert_str_eq(c->endpoint_path, "/sso");
    ck_assert_str_eq(read_into(SEQUR_SETTING(ENDPOINT_PATH), "/", c),
                     "SequrSAMLEndpointPath: '/' must be a path such as /saml");
    ck_assert_str_eq(read_into(SEQUR_SETTING(COOKIE_NAME), "a;b", c),
                     "SequrSAMLCookieName: 'a;b' is not a valid cookie name");
    ck_assert_str_eq(read_into(SEQUR_SETTING(ENV_PREFIX), "HTTP_X", d),
                     "SequrSAMLEnvPrefix: 'HTTP_X' must be 1 to 32 letters, digits and '_', "
                     "start with a letter and not start with HTTP_");
    ck_assert_str_eq(read_into(SEQUR_SETTING(ENV_SEPARATOR), "\t", d),
                     "SequrSAMLEnvSeparator: no control characters");
}
END_TEST

static Suite *settings_suite(void)
{
    Suite *s = suite_create("settings");
    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_setting_is_created_unset);
    tcase_add_test(tc, own_value_wins_in_the_merge);
    tcase_add_test(tc, unset_value_is_inherited_in_the_merge);
    tcase_add_test(tc, defaults_fill_only_what_is_unset);
    tcase_add_test(tc, documented_defaults);
    tcase_add_test(tc, each_number_kind_names_its_unit);
    tcase_add_test(tc, choices_and_texts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tk_run_suite(settings_suite());
}
