/* What a signed-in user's attributes look like to the application: friendly
 * names for Entra ID's claim URIs, and the environment variables made of them. */
#ifndef SAML_ATTRIBUTES_H
#define SAML_ATTRIBUTES_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "saml/error.h"

/* Entra ID sends this instead of the groups claim when a user is in more
 * groups than a SAML token may carry (150): the application has to ask Graph. */
#define SAML_CLAIM_GROUPS_LINK "http://schemas.microsoft.com/claims/groups.link"

typedef struct saml_env_var {
    const char *name;
    const char *value;
} saml_env_var_t;

/* An attribute left out of the environment, and why. */
typedef struct saml_env_refusal {
    const char *attribute;   /* the Attribute/@Name as received */
    const char *reason;      /* "control-character", "name-collision" or "reserved-name" */
} saml_env_refusal_t;

/* Short name of an attribute: Entra's known claim URIs by their usual names
 * (name, emailaddress, groups, objectidentifier, ..., groups.link as
 * groups_link); any other name by what follows its last '/' or ':' (the whole
 * name when nothing does). */
const char *saml_attribute_friendly_name(apr_pool_t *p, const char *name);

/* The friendly name as an environment variable name: upper case, every
 * character outside [A-Za-z0-9_] replaced by '_'. */
const char *saml_attribute_env_name(apr_pool_t *p, const char *name);

/* True when `wanted` (a claim URI or a friendly name, as an admin writes it
 * in a Require line) designates the attribute called `name`. Friendly names
 * compare without regard to case. */
int saml_attribute_name_matches(const char *wanted, const char *name);

/* True when s holds a byte below 0x20 or 0x7f: such a value could split a
 * header or a log line in the application behind us. */
int saml_value_has_control_character(const char *s);

/* True when the variable name (PREFIX + an attribute's name) is in the
 * module's own namespace: after prefix or SEQUR_SAML_ (case aside), one of
 * IDP, NAME_ID, SESSION_INDEX, SESSION_EXPIRES, TENANT, REMOTE_USER, ERROR,
 * alone or followed by '_' and anything. */
int saml_env_name_is_reserved(const char *prefix, const char *name);

/* The environment for attributes (saml_attribute_t, see response.h):
 * for each, PREFIX+NAME = values joined with separator, PREFIX+NAME_i = value
 * i (from 0), PREFIX+NAME_N = count. An attribute with a control character in
 * any value, whose variable name an earlier attribute already took, or whose
 * name is reserved (saml_env_name_is_reserved), is left out whole and listed
 * in *refused (saml_env_refusal_t). *vars holds
 * saml_env_var_t in attribute order. attributes may be NULL. */
void saml_attributes_to_env(apr_pool_t *p, const apr_array_header_t *attributes,
                            const char *prefix, const char *separator,
                            apr_array_header_t **vars, apr_array_header_t **refused);

/* The user name a signed-in user gets (REMOTE_USER, the Sequr user store's
 * login): the first of names (Attribute/@Name, in the admin's order) that the
 * attributes (saml_attribute_t) carry with at least one value wins; a later
 * name is a fallback for users whose claim Entra leaves out (it emits no
 * attribute for an empty source, e.g. user.mail of a user without mail). The
 * winner must be one name: every value of it non-empty, free of control
 * characters, and all values equal; else SAML_EREJECTED, check
 * "user-attribute", naming the attribute and the values (nothing falls back
 * past a bad value: a user must not become someone else's name). None of
 * names present: refused too. names NULL or empty: the NameID, with the same
 * rules (check "nameid"). *source: the attribute's name, or "NameID". */
apr_status_t saml_user_name_choose(apr_pool_t *p, const apr_array_header_t *attributes,
                                   const apr_array_header_t *names, const char *name_id,
                                   const char **user, const char **source, saml_err_t *err);

#endif
