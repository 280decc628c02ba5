/* The rows of settings_table.h made into sequr_settings[], with the checks
 * and choices they name. Only APR and the core: unit-tested with
 * tests/unit/test_settings.c. */
#include "apache/settings_table.h"

#include <stddef.h>

#include "apr_lib.h"
#include "apr_strings.h"

#include "apache/config.h"
#include "saml/relay_state.h"

static const char *sequr_check_endpoint_path(apr_pool_t *p, const char *name, const char *arg,
                                             const char **value)
{
    apr_size_t n = strlen(arg);
    if (!saml_is_local_path(arg) || strchr(arg, '?') || strchr(arg, '#') || n < 2)
        return apr_psprintf(p, "%s: '%s' must be a path such as /saml", name, arg);
    *value = apr_pstrndup(p, arg, arg[n - 1] == '/' ? n - 1 : n);
    return NULL;
}

static const char *sequr_check_local_path(apr_pool_t *p, const char *name, const char *arg,
                                          const char **value)
{
    if (!saml_is_local_path(arg))
        return apr_psprintf(p, "%s: '%s' must be a local path starting with one '/'", name, arg);
    *value = arg;
    return NULL;
}

/* RFC 6265 token characters only: the name is written into Set-Cookie. */
static const char *sequr_check_cookie_name(apr_pool_t *p, const char *name, const char *arg,
                                           const char **value)
{
    if (*arg == '\0' || strlen(arg) > 64 ||
        arg[strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")])
        return apr_psprintf(p, "%s: '%s' is not a valid cookie name", name, arg);
    *value = arg;
    return NULL;
}

static const char *sequr_check_name_id_format(apr_pool_t *p, const char *name, const char *arg,
                                              const char **value)
{
    if (strncmp(arg, "urn:oasis:names:tc:SAML:", 24))
        return apr_psprintf(p, "%s: '%s' is not a SAML NameID format URN", name, arg);
    *value = arg;
    return NULL;
}

static const char *sequr_check_contact(apr_pool_t *p, const char *name, const char *arg,
                                       const char **value)
{
    if (*arg == '\0' || strlen(arg) > 512)
        return apr_psprintf(p, "%s: give 1 to 512 characters", name);
    *value = arg;
    return NULL;
}

/* The prefix is the namespace the application trusts: it must make variable
 * names, must not be empty (an attribute could then be called PATH) and must
 * not be HTTP_ (where CGI puts the client's own headers). */
static const char *sequr_check_env_prefix(apr_pool_t *p, const char *name, const char *arg,
                                          const char **value)
{
    apr_size_t n = strlen(arg);
    if (n == 0 || n > 32 || !apr_isalpha(*arg) || strncasecmp(arg, "HTTP_", 5) == 0 ||
        arg[strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")])
        return apr_psprintf(p, "%s: '%s' must be 1 to 32 letters, digits and '_', "
                            "start with a letter and not start with HTTP_", name, arg);
    *value = arg;
    return NULL;
}

static const char *sequr_check_env_separator(apr_pool_t *p, const char *name, const char *arg,
                                             const char **value)
{
    const char *c;
    if (*arg == '\0' || strlen(arg) > 16)
        return apr_psprintf(p, "%s: give 1 to 16 characters", name);
    for (c = arg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return apr_psprintf(p, "%s: no control characters", name);
    *value = arg;
    return NULL;
}

/* A header name the backend can tell apart from what clients send: token
 * characters, and '_' left out since some servers turn it into '-'. */
static const char *sequr_check_request_header_prefix(apr_pool_t *p, const char *name,
                                                     const char *arg, const char **value)
{
    apr_size_t n = strlen(arg);
    if (n < 2 || n > 32 || !apr_isalpha(*arg) ||
        arg[strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")])
        return apr_psprintf(p, "%s: '%s' must be 2 to 32 letters, digits and '-', "
                            "starting with a letter", name, arg);
    *value = arg;
    return NULL;
}

/* 1: unsigned logout messages refused; 0: unsigned LogoutRequests end
 * sessions by SessionIndex only; 2: by NameID alone too. */
static const sequr_choice_t sequr_logout_signature_choices[] = {
    {"required", 1}, {"optional", 0}, {"optional-name-only", 2}, {NULL, 0}
};

static const sequr_choice_t sequr_cookie_samesite_choices[] = {
    {"Lax", SEQUR_SAMESITE_LAX}, {"None", SEQUR_SAMESITE_NONE}, {"Strict", SEQUR_SAMESITE_STRICT},
    {NULL, 0}
};

static const sequr_choice_t sequr_user_store_choices[] = {
    {"none", 0}, {"dbd", 1}, {NULL, 0}
};

static const sequr_choice_t sequr_unauth_choices[] = {
    {"auto", SEQUR_UNAUTH_AUTO}, {"redirect", SEQUR_UNAUTH_REDIRECT}, {"401", SEQUR_UNAUTH_401},
    {"pass", SEQUR_UNAUTH_PASS}, {NULL, 0}
};

/* The field's size must be the kind's (int, apr_off_t or a pointer): a row
 * naming a field of another type does not compile (negative array size). */
#define FIELD_OF(STRUCT, FIELD, TYPE) \
    (offsetof(STRUCT, FIELD) + \
     0 * sizeof(char[sizeof(((STRUCT *)0)->FIELD) == sizeof(TYPE) ? 1 : -1]))
#define ROW(STRUCT, FIELD, TYPE, NAME, KIND, SCOPE, MIN, MAX, NUMBER, TEXT, CHECK, CHOICES) \
    { NAME, FIELD_OF(STRUCT, FIELD, TYPE), SEQUR_KIND_##KIND, SEQUR_SCOPE_##SCOPE, MIN, MAX, \
      NUMBER, TEXT, CHECK, CHOICES },
#define ROW_SECONDS(S, F, N, SCOPE, MIN, MAX, DEF, EXTRA) \
    ROW(S, F, int, N, SECONDS, SCOPE, MIN, MAX, DEF, NULL, NULL, NULL)
#define ROW_COUNT(S, F, N, SCOPE, MIN, MAX, DEF, EXTRA) \
    ROW(S, F, int, N, COUNT, SCOPE, MIN, MAX, DEF, NULL, NULL, NULL)
#define ROW_BYTES(S, F, N, SCOPE, MIN, MAX, DEF, EXTRA) \
    ROW(S, F, apr_off_t, N, BYTES, SCOPE, MIN, MAX, DEF, NULL, NULL, NULL)
#define ROW_FLAG(S, F, N, SCOPE, MIN, MAX, DEF, EXTRA) \
    ROW(S, F, int, N, FLAG, SCOPE, 0, 1, SEQUR_FLAG_##DEF, NULL, NULL, NULL)
#define ROW_TEXT(S, F, N, SCOPE, MIN, MAX, DEF, EXTRA) \
    ROW(S, F, const char *, N, TEXT, SCOPE, 0, 0, SEQUR_UNSET, DEF, EXTRA, NULL)
#define ROW_TEXT_OPTIONAL(S, F, N, SCOPE, MIN, MAX, DEF, EXTRA) \
    ROW(S, F, const char *, N, TEXT, SCOPE, 0, 0, SEQUR_UNSET, NULL, EXTRA, NULL)
#define ROW_CHOICE(S, F, N, SCOPE, MIN, MAX, DEF, EXTRA) \
    ROW(S, F, int, N, CHOICE, SCOPE, 0, 0, SEQUR_UNSET, DEF, NULL, EXTRA)
#define ROW_CHOICE_OWN(S, F, N, SCOPE, MIN, MAX, DEF, EXTRA) \
    ROW(S, F, int, N, CHOICE, SCOPE, 0, 0, SEQUR_UNSET, DEF, NULL, EXTRA)

#define SERVER_ROW(ID, NAME, FIELD, KIND, SCOPE, CONTEXT, MIN, MAX, DEF, EXTRA, HELP) \
    ROW_##KIND(sequr_server_conf_t, FIELD, NAME, SCOPE, MIN, MAX, DEF, EXTRA)
#define DIR_ROW(ID, NAME, FIELD, KIND, SCOPE, CONTEXT, MIN, MAX, DEF, EXTRA, HELP) \
    ROW_##KIND(sequr_dir_conf_t, FIELD, NAME, SCOPE, MIN, MAX, DEF, EXTRA)

const sequr_setting_t sequr_settings[SEQUR_SETTINGS_COUNT] = {
    SEQUR_SERVER_SETTINGS(SERVER_ROW)
    SEQUR_DIR_SETTINGS(DIR_ROW)
};
