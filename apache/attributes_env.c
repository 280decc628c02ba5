/* Attributes into the request environment, and what the log must say about
 * the ones that cannot go there. */
#include "attributes_env.h"

#include "apr_lib.h"
#include "apr_strings.h"
#include "http_log.h"

#include "attributes.h"
#include "config.h"
#include "log.h"
#include "response.h"

APLOG_USE_MODULE(sequr_saml);

/* PREFIX + NAME as a header name: SEQUR_SAML_GROUPS_LINK under "Sequr-SAML-"
 * becomes Sequr-SAML-Groups-Link. '_' is not used: some servers and
 * frameworks drop or rewrite header names that hold it. */
static const char *header_name(request_rec *r, const char *prefix, const char *env_name)
{
    char *h = apr_pstrcat(r->pool, prefix, env_name, NULL);
    char *c = h + strlen(prefix);
    int start = 1;

    for (; *c; c++) {
        if (*c == '_') {
            *c = '-';
            start = 1;
            continue;
        }
        *c = (char)(start ? apr_toupper(*c) : apr_tolower(*c));
        start = 0;
    }
    return h;
}

static const char *var_value(const apr_array_header_t *vars, const char *name)
{
    int i;
    for (i = 0; i < vars->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(vars, i, saml_env_var_t).name, name))
            return APR_ARRAY_IDX(vars, i, saml_env_var_t).value;
    return NULL;
}

/* One header per attribute (its joined values): the indexed and counted
 * variables would put a user in 150 groups over a backend's header limit. */
static void set_request_headers(request_rec *r, const saml_session_t *s,
                                const apr_array_header_t *vars, const char *env_prefix)
{
    const char *prefix = sequr_request_header_prefix(r);
    int i;

    for (i = 0; s->attributes && i < s->attributes->nelts; i++) {
        const saml_attribute_t *a = &APR_ARRAY_IDX(s->attributes, i, saml_attribute_t);
        const char *env = saml_attribute_env_name(r->pool,
                                                  saml_attribute_friendly_name(r->pool, a->name));
        const char *value = var_value(vars, apr_pstrcat(r->pool, env_prefix, env, NULL));
        if (value)
            apr_table_set(r->headers_in, header_name(r, prefix, env), value);
    }
    /* Last, so an attribute cannot take these names. */
    apr_table_set(r->headers_in, header_name(r, prefix, "REMOTE_USER"), r->user);
    apr_table_set(r->headers_in, header_name(r, prefix, "IDP"), s->idp_entity_id);
    apr_table_set(r->headers_in, header_name(r, prefix, "NAME_ID"), s->name_id);
}

void sequr_export_attributes(request_rec *r, const saml_session_t *s)
{
    apr_array_header_t *vars, *refused;
    int i;

    saml_attributes_to_env(r->pool, s->attributes, sequr_env_prefix(r), sequr_env_separator(r),
                           &vars, &refused);
    for (i = 0; i < vars->nelts; i++) {
        const saml_env_var_t *v = &APR_ARRAY_IDX(vars, i, saml_env_var_t);
        apr_table_setn(r->subprocess_env, v->name, v->value);
    }
    if (sequr_request_headers_on(r) && r->user)
        set_request_headers(r, s, vars, sequr_env_prefix(r));
    /* Said at warning level at sign-in already; every request would repeat it. */
    for (i = 0; i < refused->nelts; i++) {
        const saml_env_refusal_t *x = &APR_ARRAY_IDX(refused, i, saml_env_refusal_t);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      SEQLOGNO(01901) "attribute %s of %s not exported (%s)",
                      sequr_log_value(r, x->attribute), sequr_log_value(r, s->user), x->reason);
    }
}

void sequr_log_attribute_notes(request_rec *r, const char *user,
                               const apr_array_header_t *attributes)
{
    apr_array_header_t *vars, *refused;
    int i;

    /* Refusals depend on values and on names relative to each other, not on
     * the prefix a location chooses. */
    saml_attributes_to_env(r->pool, attributes, "", ";", &vars, &refused);
    for (i = 0; i < refused->nelts; i++) {
        const saml_env_refusal_t *x = &APR_ARRAY_IDX(refused, i, saml_env_refusal_t);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      SEQLOGNO(01902) "attribute %s of %s will not be given to the application: %s",
                      sequr_log_value(r, x->attribute), sequr_log_value(r, user),
                      !strcmp(x->reason, "control-character")
                          ? "a value contains control characters"
                          : "its variable name is taken by an earlier attribute");
    }
    for (i = 0; attributes && i < attributes->nelts; i++) {
        const saml_attribute_t *a = &APR_ARRAY_IDX(attributes, i, saml_attribute_t);
        if (strcmp(a->name, SAML_CLAIM_GROUPS_LINK))
            continue;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SEQLOGNO(01903) "%s is in more groups than a SAML token carries: Entra ID "
                      "sent groups.link instead of groups (exported as GROUPS_LINK); "
                      "Require saml-attribute groups cannot match for this user",
                      sequr_log_value(r, user));
    }
}
