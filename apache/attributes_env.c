/* Attributes into the request environment, and what the log must say about
 * the ones that cannot go there. */
#include "apache/attributes_env.h"

#include "apr_lib.h"
#include "apr_strings.h"
#include "http_log.h"

#include <openssl/crypto.h>

#include "saml/attributes.h"
#include "apache/config.h"
#include "apache/log.h"
#include "saml/response.h"
#include "saml/time.h"

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

void sequr_set_request_header(request_rec *r, const char *name, const char *value)
{
    /* The sign-in refuses such identities and the export leaves such
     * attributes out; this is the last line: mod_proxy_http writes header
     * values as they are, and a line break would start a header of its own. */
    if (value && saml_value_has_control_character(value)) {
        apr_table_unset(r->headers_in, name);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      SEQLOGNO(01904) "request header %s not set: its value \"%s\" holds "
                      "control characters", name, sequr_log_value(r, value));
        return;
    }
    if (value)
        apr_table_set(r->headers_in, name, value);
    else
        apr_table_unset(r->headers_in, name);
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
            sequr_set_request_header(r, header_name(r, prefix, env), value);
    }
    /* Last, so an attribute cannot take these names. */
    sequr_set_request_header(r, header_name(r, prefix, "REMOTE_USER"), r->user);
    sequr_set_request_header(r, header_name(r, prefix, "IDP"), s->idp_entity_id);
    sequr_set_request_header(r, header_name(r, prefix, "NAME_ID"), s->name_id);
}

/* A session's variables for one prefix and separator, kept on the
 * connection: a browser's keep-alive requests carry the same session, whose
 * attributes never change, so they are worked out once per connection, not
 * on every request. Another session (or another location's prefix or
 * separator) replaces the entry; its own subpool bounds the memory to one
 * session's worth. A connection serves one request at a time: no lock. Being
 * replaced at any time, even while a subrequest of the same request runs,
 * nothing a request keeps may point into it: set_variables copies. */
typedef struct env_memo {
    apr_pool_t *pool;
    const char *session_id, *prefix, *separator;
    apr_array_header_t *vars, *refused;
    int shadows_fixed;          /* an attribute's variable has a name of FIXED_VARS */
} env_memo_t;

/* Set after the attributes, so no attribute can take these names. */
static const char *const fixed_vars[] = {"SEQUR_SAML_IDP", "SEQUR_SAML_NAME_ID",
                                         "SEQUR_SAML_SESSION_INDEX",
                                         "SEQUR_SAML_SESSION_EXPIRES", NULL};
#define FIXED_PREFIX "SEQUR_SAML_"

#define ENV_MEMO_KEY "sequr_saml_env_memo"

static int memo_fits(const env_memo_t *m, const saml_session_t *s, const char *prefix,
                     const char *separator)
{
    /* Constant time: the memo may hold another user's session (a proxy
     * sends several users' requests over one connection). */
    return m->session_id && s->id && strlen(s->id) == strlen(m->session_id) &&
           !CRYPTO_memcmp(m->session_id, s->id, strlen(s->id)) &&
           !strcmp(m->prefix, prefix) && !strcmp(m->separator, separator);
}

/* Copied into the memo's pool: the decoded session lives in r->pool only. */
static void remember_env(env_memo_t *m, const saml_session_t *s, const char *prefix,
                         const char *separator)
{
    apr_array_header_t *vars, *refused;
    int i;

    apr_pool_clear(m->pool);
    saml_attributes_to_env(m->pool, s->attributes, prefix, separator, &vars, &refused);
    for (i = 0; i < vars->nelts; i++) {
        saml_env_var_t *v = &APR_ARRAY_IDX(vars, i, saml_env_var_t);
        v->name = apr_pstrdup(m->pool, v->name);
        v->value = apr_pstrdup(m->pool, v->value);
    }
    for (i = 0; i < refused->nelts; i++) {
        saml_env_refusal_t *x = &APR_ARRAY_IDX(refused, i, saml_env_refusal_t);
        x->attribute = apr_pstrdup(m->pool, x->attribute);
    }
    m->shadows_fixed = 0;
    for (i = 0; i < vars->nelts; i++) {
        const char *name = APR_ARRAY_IDX(vars, i, saml_env_var_t).name;
        int k;
        for (k = 0; fixed_vars[k]; k++)
            m->shadows_fixed |= !strcasecmp(name, fixed_vars[k]);
    }
    m->vars = vars;
    m->refused = refused;
    m->session_id = apr_pstrdup(m->pool, s->id);
    m->prefix = apr_pstrdup(m->pool, prefix);
    m->separator = apr_pstrdup(m->pool, separator);
}

static const env_memo_t *env_of_session(request_rec *r, const saml_session_t *s,
                                        const char *prefix, const char *separator)
{
    apr_pool_t *cpool = r->connection->pool;
    env_memo_t *m = NULL;

    apr_pool_userdata_get((void **)&m, ENV_MEMO_KEY, cpool);
    if (m == NULL) {
        m = apr_pcalloc(cpool, sizeof(*m));
        apr_pool_create(&m->pool, cpool);
        apr_pool_userdata_setn(m, ENV_MEMO_KEY, NULL, cpool);
    }
    if (!memo_fits(m, s, prefix, separator))
        remember_env(m, s, prefix, separator);
    return m;
}

/* apr_table_setn replaces an earlier variable of the same name, at the price
 * of comparing against every entry (ours all start alike, which defeats the
 * table's checksum). When no entry starts with the prefix or with
 * SEQUR_SAML_, none can be replaced, and our names are distinct: adding is
 * the same, and cheaper. */
static int table_has_prefix(const apr_table_t *t, const char *prefix)
{
    const apr_array_header_t *h = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)h->elts;
    apr_size_t plen = strlen(prefix), flen = sizeof(FIXED_PREFIX) - 1;
    int i;

    if (plen == 0)
        return 1;
    for (i = 0; i < h->nelts; i++)
        if (e[i].key && (!strncasecmp(e[i].key, prefix, plen) ||
                         !strncasecmp(e[i].key, FIXED_PREFIX, flen)))
            return 1;
    return 0;
}

static void set_variables(request_rec *r, const env_memo_t *m, const saml_session_t *s,
                          const char *prefix)
{
    apr_table_t *t = r->subprocess_env;
    const char *fixed_values[4];
    int i, replace = table_has_prefix(t, prefix);

    /* Copied into r->pool: the memo is replaced as soon as another request on
     * this connection (a subrequest or internal redirect into a location with
     * another prefix, or the next keep-alive request) needs other variables,
     * while this request's environment must stay valid until it ends. The
     * memo still saves working the variables out; a copy is cheap (the
     * copying apr_table_set/add, not the *n forms). */
    for (i = 0; i < m->vars->nelts; i++) {
        const saml_env_var_t *v = &APR_ARRAY_IDX(m->vars, i, saml_env_var_t);
        if (replace)
            apr_table_set(t, v->name, v->value);
        else
            apr_table_add(t, v->name, v->value);
    }
    fixed_values[0] = s->idp_entity_id;
    fixed_values[1] = s->name_id;
    fixed_values[2] = s->session_index;
    /* The session's hard end (SequrSAMLSessionMaxAge or the assertion's
     * SessionNotOnOrAfter, whichever is sooner), ISO 8601 in UTC, so an
     * application can say when its user must sign in again. */
    fixed_values[3] = saml_time_format(r->pool, s->expires);
    for (i = 0; fixed_vars[i]; i++) {
        if (fixed_values[i] == NULL)
            continue;
        if (replace || m->shadows_fixed)
            apr_table_setn(t, fixed_vars[i], fixed_values[i]);
        else
            apr_table_addn(t, fixed_vars[i], fixed_values[i]);
    }
}

void sequr_export_attributes(request_rec *r, const saml_session_t *s)
{
    const char *prefix = sequr_env_prefix(r);
    const env_memo_t *m = env_of_session(r, s, prefix, sequr_env_separator(r));
    int i;

    set_variables(r, m, s, prefix);
    if (sequr_request_headers_on(r) && r->user)
        set_request_headers(r, s, m->vars, prefix);
    /* Said at warning level at sign-in already; every request would repeat it. */
    for (i = 0; i < m->refused->nelts; i++) {
        const saml_env_refusal_t *x = &APR_ARRAY_IDX(m->refused, i, saml_env_refusal_t);
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
                          : !strcmp(x->reason, "reserved-name")
                          ? "its name is reserved for the module's own variables (IDP, NAME_ID, "
                            "SESSION_INDEX, SESSION_EXPIRES, TENANT, REMOTE_USER, ERROR and their NAME_... forms)"
                          : "its variable name is taken by an earlier attribute");
    }
    for (i = 0; attributes && i < attributes->nelts; i++) {
        const saml_attribute_t *a = &APR_ARRAY_IDX(attributes, i, saml_attribute_t);
        if (strcmp(a->name, SAML_CLAIM_GROUPS_LINK))
            continue;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SEQLOGNO(01903) "%s is in more groups than a SAML token carries: Microsoft "
                      "Entra ID (Azure AD) sent groups.link instead of groups (exported as "
                      "GROUPS_LINK); "
                      "Require saml-attribute groups cannot match for this user",
                      sequr_log_value(r, user));
    }
}
