/* PATH/session's JSON document, built here so that its escaping is tested
 * without Apache (tests/unit/test_session_info.c). */
#include "saml/session_info.h"

#include <apr_strings.h>
#include <string.h>

#include "saml/json.h"
#include "saml/response.h"
#include "saml/time.h"

/* "NAME": [values...] for each distinct name; a name the assertion repeats
 * adds its values to the first (a JSON object must not repeat a key). */
static const char *attributes_json(apr_pool_t *p, const apr_array_header_t *attrs)
{
    apr_array_header_t *parts = apr_array_make(p, 8, sizeof(const char *));
    int i, j, k;

    for (i = 0; attrs && i < attrs->nelts; i++) {
        const saml_attribute_t *a = &APR_ARRAY_IDX(attrs, i, saml_attribute_t);
        apr_array_header_t *values;
        int seen = 0;
        for (j = 0; j < i && !seen; j++)
            seen = !strcmp(APR_ARRAY_IDX(attrs, j, saml_attribute_t).name, a->name);
        if (seen || a->name == NULL)
            continue;
        values = apr_array_make(p, 4, sizeof(const char *));
        for (j = i; j < attrs->nelts; j++) {
            const saml_attribute_t *b = &APR_ARRAY_IDX(attrs, j, saml_attribute_t);
            if (b->name == NULL || strcmp(b->name, a->name) || b->values == NULL)
                continue;
            for (k = 0; k < b->values->nelts; k++)
                APR_ARRAY_PUSH(values, const char *) =
                    saml_json_string(p, APR_ARRAY_IDX(b->values, k, const char *));
        }
        APR_ARRAY_PUSH(parts, const char *) =
            apr_pstrcat(p, saml_json_string(p, a->name), ": [",
                        apr_array_pstrcat(p, values, ','), "]", NULL);
    }
    return apr_pstrcat(p, "{", apr_array_pstrcat(p, parts, ','), "}", NULL);
}

const char *saml_session_info_json(apr_pool_t *p, const saml_session_t *s,
                                   apr_interval_time_t idle_timeout)
{
    const char *idle_end = "null";
    const char *tenant = s->tenant && *s->tenant ? s->tenant : NULL;

    if (idle_timeout > 0) {
        apr_time_t end = s->last_access + idle_timeout;
        idle_end = saml_json_string(p, saml_time_format(p, end < s->expires ? end : s->expires));
    }
    return apr_psprintf(p, "{\"user\": %s, \"tenant\": %s, \"idp\": %s, \"name_id\": %s, "
                        "\"attributes\": %s, \"expires\": %s, \"idle_timeout\": %" APR_TIME_T_FMT
                        ", \"idle_expires\": %s}\n",
                        saml_json_string(p, s->user), saml_json_string(p, tenant),
                        saml_json_string(p, s->idp_entity_id), saml_json_string(p, s->name_id),
                        attributes_json(p, s->attributes),
                        saml_json_string(p, saml_time_format(p, s->expires)),
                        apr_time_sec(idle_timeout), idle_end);
}
