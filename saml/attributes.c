/* Attribute names and values as the application behind us sees them. */
#include "saml/attributes.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <string.h>
#include <strings.h>

#include "saml/response.h"

/* Entra ID's claim URIs (field notes section 4). Named explicitly rather than
 * left to the last-segment rule so that groups.link gets a name that is a
 * valid variable and the list documents what a gallery app receives. */
static const struct {
    const char *uri;
    const char *friendly;
} known_claims[] = {
    {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", "name"},
    {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "emailaddress"},
    {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "givenname"},
    {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "surname"},
    {"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", "groups"},
    {"http://schemas.microsoft.com/ws/2008/06/identity/claims/role", "role"},
    {"http://schemas.microsoft.com/ws/2008/06/identity/claims/wids", "wids"},
    {"http://schemas.microsoft.com/identity/claims/objectidentifier", "objectidentifier"},
    {"http://schemas.microsoft.com/identity/claims/tenantid", "tenantid"},
    {"http://schemas.microsoft.com/identity/claims/identityprovider", "identityprovider"},
    {"http://schemas.microsoft.com/identity/claims/displayname", "displayname"},
    {"http://schemas.microsoft.com/claims/authnmethodsreferences", "authnmethodsreferences"},
    {SAML_CLAIM_GROUPS_LINK, "groups_link"},
    {NULL, NULL}
};

const char *saml_attribute_friendly_name(apr_pool_t *p, const char *name)
{
    const char *tail;
    int i;

    for (i = 0; known_claims[i].uri; i++)
        if (!strcmp(name, known_claims[i].uri))
            return known_claims[i].friendly;
    for (tail = name + strlen(name); tail > name; tail--)
        if (tail[-1] == '/' || tail[-1] == ':')
            break;
    /* "urn:x:" or "http://host/" has nothing after the separator: the whole
     * name is the only thing that still tells attributes apart. */
    return apr_pstrdup(p, *tail ? tail : name);
}

static int is_name_character(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

const char *saml_attribute_env_name(apr_pool_t *p, const char *name)
{
    char *out = apr_pstrdup(p, saml_attribute_friendly_name(p, name));
    char *c;

    for (c = out; *c; c++)
        *c = !is_name_character(*c) ? '_' : (*c >= 'a' && *c <= 'z') ? (char)(*c - 'a' + 'A') : *c;
    return out;
}

int saml_attribute_name_matches(const char *wanted, const char *name)
{
    int i;

    if (!strcmp(wanted, name))
        return 1;
    /* Compare friendly names without a pool: the known table first, then the
     * last segment of name, exactly as saml_attribute_friendly_name picks it. */
    for (i = 0; known_claims[i].uri; i++)
        if (!strcmp(name, known_claims[i].uri))
            return !strcasecmp(wanted, known_claims[i].friendly);
    {
        const char *tail = name + strlen(name);
        while (tail > name && tail[-1] != '/' && tail[-1] != ':')
            tail--;
        return *tail && !strcasecmp(wanted, tail);
    }
}

int saml_value_has_control_character(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static int any_value_has_control_character(const saml_attribute_t *a)
{
    int i;
    for (i = 0; a->values && i < a->values->nelts; i++)
        if (saml_value_has_control_character(APR_ARRAY_IDX(a->values, i, const char *)))
            return 1;
    return 0;
}

/* The module's own variables and request headers, after the prefix
 * (SEQUR_SAML_IDP, PREFIX+TENANT, Sequr-SAML-Remote-User, SEQUR_SAML_ERROR_ID
 * on error pages, ...). Any new one of the module's names goes here. */
static const char *const reserved_names[] = {
    "IDP", "NAME_ID", "SESSION_INDEX", "SESSION_EXPIRES", "TENANT", "REMOTE_USER", "ERROR", NULL
};
#define OWN_PREFIX "SEQUR_SAML_"

/* name is ns+word, or ns+word+"_..." (its indexed and counted forms). */
static int in_namespace_of(const char *name, const char *ns, const char *word)
{
    apr_size_t n = strlen(ns), w = strlen(word);
    return !strncasecmp(name, ns, n) && !strncasecmp(name + n, word, w) &&
           (name[n + w] == '\0' || name[n + w] == '_');
}

int saml_env_name_is_reserved(const char *prefix, const char *name)
{
    int i;
    for (i = 0; reserved_names[i]; i++)
        if (in_namespace_of(name, prefix, reserved_names[i]) ||
            in_namespace_of(name, OWN_PREFIX, reserved_names[i]))
            return 1;
    return 0;
}

static void refuse(apr_array_header_t *refused, const saml_attribute_t *a, const char *reason)
{
    saml_env_refusal_t *r = apr_array_push(refused);
    r->attribute = a->name;
    r->reason = reason;
}

static void add_var(apr_array_header_t *vars, const char *name, const char *value)
{
    saml_env_var_t *v = apr_array_push(vars);
    v->name = name;
    v->value = value;
}

/* Every variable name one attribute would set: the joined one, one per
 * value and the count. */
static apr_array_header_t *names_for(apr_pool_t *p, const char *base, int nvalues)
{
    apr_array_header_t *names = apr_array_make(p, nvalues + 2, sizeof(const char *));
    int i;

    APR_ARRAY_PUSH(names, const char *) = base;
    for (i = 0; i < nvalues; i++)
        APR_ARRAY_PUSH(names, const char *) = apr_psprintf(p, "%s_%d", base, i);
    APR_ARRAY_PUSH(names, const char *) = apr_pstrcat(p, base, "_N", NULL);
    return names;
}

static int any_taken(apr_hash_t *taken, const apr_array_header_t *names)
{
    int i;
    for (i = 0; i < names->nelts; i++)
        if (apr_hash_get(taken, APR_ARRAY_IDX(names, i, const char *), APR_HASH_KEY_STRING))
            return 1;
    return 0;
}

static void export_attribute(apr_pool_t *p, const saml_attribute_t *a,
                             const apr_array_header_t *names, const char *separator,
                             apr_hash_t *taken, apr_array_header_t *vars)
{
    const char **values = (const char **)a->values->elts;
    const char *joined;
    int n = a->values->nelts, i;

    for (i = 0; i < names->nelts; i++)
        apr_hash_set(taken, APR_ARRAY_IDX(names, i, const char *), APR_HASH_KEY_STRING, "");
    joined = n > 0 ? values[0] : "";
    for (i = 1; i < n; i++)
        joined = apr_pstrcat(p, joined, separator, values[i], NULL);
    add_var(vars, APR_ARRAY_IDX(names, 0, const char *), joined);
    for (i = 0; i < n; i++)
        add_var(vars, APR_ARRAY_IDX(names, i + 1, const char *), values[i]);
    add_var(vars, APR_ARRAY_IDX(names, n + 1, const char *), apr_itoa(p, n));
}

void saml_attributes_to_env(apr_pool_t *p, const apr_array_header_t *attributes,
                            const char *prefix, const char *separator,
                            apr_array_header_t **vars, apr_array_header_t **refused)
{
    apr_hash_t *taken = apr_hash_make(p);
    int i;

    *vars = apr_array_make(p, 16, sizeof(saml_env_var_t));
    *refused = apr_array_make(p, 1, sizeof(saml_env_refusal_t));
    for (i = 0; attributes && i < attributes->nelts; i++) {
        const saml_attribute_t *a = &APR_ARRAY_IDX(attributes, i, saml_attribute_t);
        const char *base;
        apr_array_header_t *names;

        if (a->name == NULL || a->values == NULL)
            continue;
        if (any_value_has_control_character(a)) {
            refuse(*refused, a, "control-character");
            continue;
        }
        base = apr_pstrcat(p, prefix, saml_attribute_env_name(p, a->name), NULL);
        /* An IdP chooses attribute names: none may pass for one of ours, nor
         * sit beside ours (NAME_ID_0 next to NAME_ID) where an application
         * reading the indexed form would take it for ours. */
        if (saml_env_name_is_reserved(prefix, base)) {
            refuse(*refused, a, "reserved-name");
            continue;
        }
        names = names_for(p, base, a->values->nelts);
        if (any_taken(taken, names)) {
            refuse(*refused, a, "name-collision");
            continue;
        }
        export_attribute(p, a, names, separator, taken, *vars);
    }
}

/* ---- the user name ----------------------------------------------------- */

static const saml_attribute_t *valued_attribute(const apr_array_header_t *attributes,
                                                const char *name)
{
    int i;
    for (i = 0; attributes && i < attributes->nelts; i++) {
        const saml_attribute_t *a = &APR_ARRAY_IDX(attributes, i, saml_attribute_t);
        if (!strcmp(a->name, name) && a->values && a->values->nelts > 0)
            return a;
    }
    return NULL;
}

static apr_status_t usable_user_name(apr_pool_t *p, const char *what, const char *check,
                                     const char *value, saml_err_t *err)
{
    if (*value == '\0')
        return saml_fail(p, err, SAML_EREJECTED, check, "%s is empty: no user name", what);
    if (saml_value_has_control_character(value))
        return saml_fail(p, err, SAML_EREJECTED, check, "%s, the user name, has control "
                         "characters in \"%s\"", what, saml_log_escape(p, value, 200));
    return APR_SUCCESS;
}

apr_status_t saml_user_name_choose(apr_pool_t *p, const apr_array_header_t *attributes,
                                   const apr_array_header_t *names, const char *name_id,
                                   const char **user, const char **source, saml_err_t *err)
{
    const saml_attribute_t *a = NULL;
    const char *first, *tried = "";
    apr_status_t rv;
    int i;

    *user = NULL;
    if (names == NULL || names->nelts == 0) {
        if ((rv = usable_user_name(p, "the NameID", "nameid", name_id ? name_id : "",
                                   err)) != APR_SUCCESS)
            return rv;
        *user = name_id;
        if (source)
            *source = "NameID";
        return APR_SUCCESS;
    }
    for (i = 0; a == NULL && i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        a = valued_attribute(attributes, name);
        tried = apr_pstrcat(p, tried, *tried ? ", " : "", saml_log_escape(p, name, 200), NULL);
    }
    if (a == NULL)
        return saml_fail(p, err, SAML_EREJECTED, "user-attribute", "no user name: none of the "
                         "attributes %s is in the assertion with a value", tried);
    first = APR_ARRAY_IDX(a->values, 0, const char *);
    for (i = 0; i < a->values->nelts; i++) {
        const char *value = APR_ARRAY_IDX(a->values, i, const char *);
        const char *what = apr_psprintf(p, "attribute \"%s\"", saml_log_escape(p, a->name, 200));
        if ((rv = usable_user_name(p, what, "user-attribute", value, err)) != APR_SUCCESS)
            return rv;
        if (strcmp(value, first))
            return saml_fail(p, err, SAML_EREJECTED, "user-attribute", "attribute \"%s\" has "
                             "several different values (\"%s\", \"%s\"): which one is the "
                             "user is not clear", saml_log_escape(p, a->name, 200),
                             saml_log_escape(p, first, 200), saml_log_escape(p, value, 200));
    }
    *user = first;
    if (source)
        *source = a->name;
    return APR_SUCCESS;
}
