/* One row per setting (name, field, kind, bounds, default, where it may be
 * written): reading a value, making a configuration with every setting
 * unset, merging two of them and filling in the defaults are done from the
 * rows, not written once per field. Needs only APR, so the rows and these
 * rules are unit-tested without httpd (tests/unit/test_settings.c).
 * The rows themselves are in apache/settings_table.h. */
#ifndef SEQUR_SETTINGS_H
#define SEQUR_SETTINGS_H

#include "apr_pools.h"

/* The value of a number, flag or choice field nobody set (int fields). */
#define SEQUR_UNSET (-1)

typedef enum {
    SEQUR_KIND_SECONDS,    /* int: a whole number of seconds */
    SEQUR_KIND_COUNT,      /* int: a number of entries */
    SEQUR_KIND_BYTES,      /* apr_off_t: a size in bytes */
    SEQUR_KIND_FLAG,       /* int: On (1) or Off (0) */
    SEQUR_KIND_TEXT,       /* const char *: checked by the row's check */
    SEQUR_KIND_CHOICE      /* int: the value of one of the row's choices */
} sequr_setting_kind_t;

typedef enum {
    SEQUR_SCOPE_SERVER,    /* sequr_server_conf_t; a vhost's own value wins */
    SEQUR_SCOPE_MAIN,      /* sequr_server_conf_t, main server only: every vhost has the main
                              server's (one store, one key per server process) */
    SEQUR_SCOPE_DIR        /* sequr_dir_conf_t; the inner section's own value wins */
} sequr_setting_scope_t;

/* A text's check: NULL and *value set (arg, or arg made canonical, in p), or
 * the message naming the directive (name) and what is wrong. */
typedef const char *(*sequr_text_check_t)(apr_pool_t *p, const char *name, const char *arg,
                                          const char **value);

typedef struct {
    const char *word;      /* what the admin writes, compared without case */
    int value;
} sequr_choice_t;

typedef struct sequr_setting {
    const char *name;                  /* D_... from apache/directives.h */
    apr_size_t offset;                 /* of the field in its configuration struct */
    sequr_setting_kind_t kind;
    sequr_setting_scope_t scope;
    apr_int64_t min, max;              /* numbers */
    apr_int64_t number;                /* default of a number or flag; SEQUR_UNSET: none */
    const char *text;                  /* default of a text, or the word of a choice; NULL: none */
    sequr_text_check_t check;          /* text: NULL accepts any value */
    const sequr_choice_t *choices;     /* choice: ends with a NULL word */
} sequr_setting_t;

/* Into conf: the value arg gives the setting, or (NULL returned) the message
 * naming the directive, the value and what would be accepted. */
const char *sequr_setting_read(apr_pool_t *p, const sequr_setting_t *row, const char *arg,
                               void *conf);

/* A flag's value (Apache has parsed On/Off). */
void sequr_setting_set_flag(const sequr_setting_t *row, int on, void *conf);

/* Whether the field of row holds a value in conf. */
int sequr_setting_is_set(const sequr_setting_t *row, const void *conf);

/* The row's default as the field holds it: for numbers, flags and choices. */
apr_int64_t sequr_setting_default_number(const sequr_setting_t *row);

/* The rows of n whose scope is (dir) or is not (!dir) SEQUR_SCOPE_DIR: every
 * field unset; in m, add's value when set, else base's (main-only settings:
 * always base's); every unset field to its default (rows without a default
 * keep theirs unset). */
void sequr_settings_unset(const sequr_setting_t *rows, int n, int dir, void *conf);
void sequr_settings_merge(const sequr_setting_t *rows, int n, int dir, void *m,
                          const void *base, const void *add);
void sequr_settings_default(const sequr_setting_t *rows, int n, int dir, void *conf);

#endif
