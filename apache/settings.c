/* Reading, merging and defaulting settings from their rows (settings.h).
 * One parser per kind, so a count or a size is never called seconds. */
#include "apache/settings.h"

#include "apr_strings.h"

#define FIELD(conf, row, type) ((type *)(void *)((char *)(conf) + (row)->offset))
#define CFIELD(conf, row, type) ((const type *)(const void *)((const char *)(conf) + (row)->offset))

/* A whole decimal number within the row's bounds into *out, else 0. */
static int whole_number(const sequr_setting_t *row, const char *arg, apr_int64_t *out)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v < row->min || v > row->max)
        return 0;
    *out = v;
    return 1;
}

static const char *read_seconds(apr_pool_t *p, const sequr_setting_t *row, const char *arg,
                                void *conf)
{
    apr_int64_t v;
    if (!whole_number(row, arg, &v))
        return apr_psprintf(p, "%s: '%s' must be a whole number of seconds from %d to %d",
                            row->name, arg, (int)row->min, (int)row->max);
    *FIELD(conf, row, int) = (int)v;
    return NULL;
}

static const char *read_count(apr_pool_t *p, const sequr_setting_t *row, const char *arg,
                              void *conf)
{
    apr_int64_t v;
    if (!whole_number(row, arg, &v))
        return apr_psprintf(p, "%s: '%s' must be a number of entries from %d to %d",
                            row->name, arg, (int)row->min, (int)row->max);
    *FIELD(conf, row, int) = (int)v;
    return NULL;
}

static const char *read_bytes(apr_pool_t *p, const sequr_setting_t *row, const char *arg,
                              void *conf)
{
    apr_int64_t v;
    if (!whole_number(row, arg, &v))
        return apr_psprintf(p, "%s: '%s' must be a size in bytes from %d to %d",
                            row->name, arg, (int)row->min, (int)row->max);
    *FIELD(conf, row, apr_off_t) = (apr_off_t)v;
    return NULL;
}

static const char *read_text(apr_pool_t *p, const sequr_setting_t *row, const char *arg,
                             void *conf)
{
    const char *value = arg, *msg;
    if (row->check && (msg = row->check(p, row->name, arg, &value)) != NULL)
        return msg;
    *FIELD(conf, row, const char *) = value;
    return NULL;
}

/* "a, b or c": the words a choice accepts, for its message. */
static const char *choice_words(apr_pool_t *p, const sequr_choice_t *c)
{
    const char *s = c->word;
    for (c++; c->word; c++)
        s = apr_pstrcat(p, s, c[1].word ? ", " : " or ", c->word, NULL);
    return s;
}

static const char *read_choice(apr_pool_t *p, const sequr_setting_t *row, const char *arg,
                               void *conf)
{
    const sequr_choice_t *c;
    for (c = row->choices; c->word; c++)
        if (!strcasecmp(arg, c->word)) {
            *FIELD(conf, row, int) = c->value;
            return NULL;
        }
    return apr_psprintf(p, "%s: '%s' must be %s", row->name, arg, choice_words(p, row->choices));
}

const char *sequr_setting_read(apr_pool_t *p, const sequr_setting_t *row, const char *arg,
                               void *conf)
{
    switch (row->kind) {
    case SEQUR_KIND_SECONDS:
        return read_seconds(p, row, arg, conf);
    case SEQUR_KIND_COUNT:
        return read_count(p, row, arg, conf);
    case SEQUR_KIND_BYTES:
        return read_bytes(p, row, arg, conf);
    case SEQUR_KIND_TEXT:
        return read_text(p, row, arg, conf);
    case SEQUR_KIND_CHOICE:
        return read_choice(p, row, arg, conf);
    case SEQUR_KIND_FLAG:
        break;
    }
    return apr_psprintf(p, "%s takes On or Off", row->name);
}

void sequr_setting_set_flag(const sequr_setting_t *row, int on, void *conf)
{
    *FIELD(conf, row, int) = on ? 1 : 0;
}

int sequr_setting_is_set(const sequr_setting_t *row, const void *conf)
{
    switch (row->kind) {
    case SEQUR_KIND_TEXT:
        return *CFIELD(conf, row, const char *) != NULL;
    case SEQUR_KIND_BYTES:
        return *CFIELD(conf, row, apr_off_t) != SEQUR_UNSET;
    default:
        return *CFIELD(conf, row, int) != SEQUR_UNSET;
    }
}

apr_int64_t sequr_setting_default_number(const sequr_setting_t *row)
{
    const sequr_choice_t *c;
    if (row->kind != SEQUR_KIND_CHOICE || row->text == NULL)
        return row->number;
    for (c = row->choices; c->word; c++)
        if (!strcasecmp(row->text, c->word))
            return c->value;
    return SEQUR_UNSET;
}

/* The field of row in to becomes the one in from (or the default, from NULL). */
static void copy_field(const sequr_setting_t *row, void *to, const void *from)
{
    switch (row->kind) {
    case SEQUR_KIND_TEXT:
        *FIELD(to, row, const char *) = from ? *CFIELD(from, row, const char *) : row->text;
        break;
    case SEQUR_KIND_BYTES:
        *FIELD(to, row, apr_off_t) = from ? *CFIELD(from, row, apr_off_t)
                                          : (apr_off_t)sequr_setting_default_number(row);
        break;
    default:
        *FIELD(to, row, int) = from ? *CFIELD(from, row, int)
                                    : (int)sequr_setting_default_number(row);
        break;
    }
}

static int in_scope(const sequr_setting_t *row, int dir)
{
    return (row->scope == SEQUR_SCOPE_DIR) == (dir != 0);
}

void sequr_settings_unset(const sequr_setting_t *rows, int n, int dir, void *conf)
{
    int i;
    for (i = 0; i < n; i++) {
        const sequr_setting_t *row = &rows[i];
        if (!in_scope(row, dir))
            continue;
        if (row->kind == SEQUR_KIND_TEXT)
            *FIELD(conf, row, const char *) = NULL;
        else if (row->kind == SEQUR_KIND_BYTES)
            *FIELD(conf, row, apr_off_t) = SEQUR_UNSET;
        else
            *FIELD(conf, row, int) = SEQUR_UNSET;
    }
}

void sequr_settings_merge(const sequr_setting_t *rows, int n, int dir, void *m,
                          const void *base, const void *add)
{
    int i;
    for (i = 0; i < n; i++) {
        const sequr_setting_t *row = &rows[i];
        if (!in_scope(row, dir))
            continue;
        if (row->scope == SEQUR_SCOPE_MAIN || !sequr_setting_is_set(row, add))
            copy_field(row, m, base);
        else
            copy_field(row, m, add);
    }
}

void sequr_settings_default(const sequr_setting_t *rows, int n, int dir, void *conf)
{
    int i;
    for (i = 0; i < n; i++)
        if (in_scope(&rows[i], dir) && !sequr_setting_is_set(&rows[i], conf))
            copy_field(&rows[i], conf, NULL);
}
