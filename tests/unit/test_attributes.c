/* Attributes for the application: friendly names, the environment made of a
 * session's attributes, and values that must not reach it. */
#include <check.h>
#include <apr_strings.h>
#include <stdarg.h>
#include <string.h>

#include "saml/attributes.h"
#include "saml/response.h"
#include "tests/unit/testkit.h"

#define CLAIM_ROLE  "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
#define CLAIM_WIDS  "http://schemas.microsoft.com/ws/2008/06/identity/claims/wids"
#define CLAIM_IDP   "http://schemas.microsoft.com/identity/claims/identityprovider"
#define CLAIM_AMR   "http://schemas.microsoft.com/claims/authnmethodsreferences"
#define CLAIM_GIVEN "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
#define CLAIM_SUR   "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"

/* An attribute list built in the test: name, values..., NULL. */
static void push_attribute(apr_array_header_t *attrs, const char *name, ...)
{
    saml_attribute_t *a = apr_array_push(attrs);
    const char *v;
    va_list ap;

    a->name = name;
    a->values = apr_array_make(tk_pool(), 2, sizeof(const char *));
    va_start(ap, name);
    while ((v = va_arg(ap, const char *)) != NULL)
        APR_ARRAY_PUSH(a->values, const char *) = v;
    va_end(ap);
}

static apr_array_header_t *attributes(void)
{
    return apr_array_make(tk_pool(), 4, sizeof(saml_attribute_t));
}

/* Value of the variable called name, or NULL; fails if it is there twice. */
static const char *var(const apr_array_header_t *vars, const char *name)
{
    const char *found = NULL;
    int i;
    for (i = 0; i < vars->nelts; i++) {
        const saml_env_var_t *v = &APR_ARRAY_IDX(vars, i, saml_env_var_t);
        if (!strcmp(v->name, name)) {
            ck_assert_msg(found == NULL, "%s set twice", name);
            found = v->value;
        }
    }
    return found;
}

START_TEST(azure_claims_have_their_usual_names)
{
    static const char *const pairs[][2] = {
        {TK_CLAIM_NAME, "name"}, {TK_CLAIM_EMAIL, "emailaddress"},
        {CLAIM_GIVEN, "givenname"}, {CLAIM_SUR, "surname"}, {TK_CLAIM_GROUPS, "groups"},
        {CLAIM_ROLE, "role"}, {CLAIM_WIDS, "wids"}, {TK_CLAIM_OBJECTID, "objectidentifier"},
        {TK_CLAIM_TENANTID, "tenantid"}, {CLAIM_IDP, "identityprovider"},
        {TK_CLAIM_DISPLAYNAME, "displayname"}, {CLAIM_AMR, "authnmethodsreferences"},
        {SAML_CLAIM_GROUPS_LINK, "groups_link"},
    };
    apr_size_t i;
    for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        ck_assert_str_eq(saml_attribute_friendly_name(tk_pool(), pairs[i][0]), pairs[i][1]);
    ck_assert_str_eq(saml_attribute_env_name(tk_pool(), SAML_CLAIM_GROUPS_LINK), "GROUPS_LINK");
    ck_assert_str_eq(saml_attribute_env_name(tk_pool(), TK_CLAIM_OBJECTID), "OBJECTIDENTIFIER");
}
END_TEST

START_TEST(other_names_keep_their_last_segment)
{
    apr_pool_t *p = tk_pool();
    ck_assert_str_eq(saml_attribute_friendly_name(p, "http://example.org/claims/dept"), "dept");
    ck_assert_str_eq(saml_attribute_friendly_name(p, "urn:oid:2.5.4.42"), "2.5.4.42");
    ck_assert_str_eq(saml_attribute_friendly_name(p, "mail"), "mail");
    /* Nothing after the separator: the whole name still tells it apart. */
    ck_assert_str_eq(saml_attribute_friendly_name(p, "urn:x:"), "urn:x:");
    ck_assert_str_eq(saml_attribute_env_name(p, "urn:oid:2.5.4.42"), "2_5_4_42");
    ck_assert_str_eq(saml_attribute_env_name(p, "http://e.org/Cost-Center Id"), "COST_CENTER_ID");
    ck_assert_str_eq(saml_attribute_env_name(p, "urn:x:"), "URN_X_");
    /* Bytes beyond ASCII are not name characters either. */
    ck_assert_str_eq(saml_attribute_env_name(p, "http://e.org/r\xc3\xb4le"), "R__LE");
}
END_TEST

START_TEST(require_names_match_uri_or_friendly_name)
{
    ck_assert(saml_attribute_name_matches(TK_CLAIM_GROUPS, TK_CLAIM_GROUPS));
    ck_assert(saml_attribute_name_matches("groups", TK_CLAIM_GROUPS));
    ck_assert(saml_attribute_name_matches("GROUPS", TK_CLAIM_GROUPS));
    ck_assert(saml_attribute_name_matches("groups_link", SAML_CLAIM_GROUPS_LINK));
    ck_assert(saml_attribute_name_matches("dept", "http://example.org/claims/dept"));
    ck_assert(!saml_attribute_name_matches("group", TK_CLAIM_GROUPS));
    ck_assert(!saml_attribute_name_matches("groups", SAML_CLAIM_GROUPS_LINK));
    ck_assert(!saml_attribute_name_matches("claims/groups", TK_CLAIM_GROUPS));
    ck_assert(!saml_attribute_name_matches("", "urn:x:"));
    /* A URI is compared exactly: another case is another claim. */
    ck_assert(!saml_attribute_name_matches("HTTP://SCHEMAS.MICROSOFT.COM/ws/2008/06/identity/"
                                           "claims/groups", TK_CLAIM_GROUPS));
}
END_TEST

START_TEST(multi_valued_attributes_are_joined_indexed_and_counted)
{
    apr_array_header_t *attrs = attributes(), *vars, *refused;
    push_attribute(attrs, TK_CLAIM_GROUPS, "g-one", "g-two", "g-three", NULL);
    push_attribute(attrs, TK_CLAIM_NAME, "alice@contoso.example", NULL);

    saml_attributes_to_env(tk_pool(), attrs, "SEQUR_SAML_", ";", &vars, &refused);
    ck_assert_int_eq(refused->nelts, 0);
    ck_assert_str_eq(var(vars, "SEQUR_SAML_GROUPS"), "g-one;g-two;g-three");
    ck_assert_str_eq(var(vars, "SEQUR_SAML_GROUPS_0"), "g-one");
    ck_assert_str_eq(var(vars, "SEQUR_SAML_GROUPS_1"), "g-two");
    ck_assert_str_eq(var(vars, "SEQUR_SAML_GROUPS_2"), "g-three");
    ck_assert_ptr_null(var(vars, "SEQUR_SAML_GROUPS_3"));
    ck_assert_str_eq(var(vars, "SEQUR_SAML_GROUPS_N"), "3");
    ck_assert_str_eq(var(vars, "SEQUR_SAML_NAME"), "alice@contoso.example");
    ck_assert_str_eq(var(vars, "SEQUR_SAML_NAME_0"), "alice@contoso.example");
    ck_assert_str_eq(var(vars, "SEQUR_SAML_NAME_N"), "1");
    ck_assert_int_eq(vars->nelts, 5 + 3);
}
END_TEST

START_TEST(prefix_and_separator_are_the_callers)
{
    apr_array_header_t *attrs = attributes(), *vars, *refused;
    push_attribute(attrs, CLAIM_ROLE, "Reader", "Writer", NULL);

    saml_attributes_to_env(tk_pool(), attrs, "APP_", ", ", &vars, &refused);
    ck_assert_str_eq(var(vars, "APP_ROLE"), "Reader, Writer");
    ck_assert_ptr_null(var(vars, "SEQUR_SAML_ROLE"));
    saml_attributes_to_env(tk_pool(), attrs, "", "|", &vars, &refused);
    ck_assert_str_eq(var(vars, "ROLE"), "Reader|Writer");
    ck_assert_str_eq(var(vars, "ROLE_N"), "2");
}
END_TEST

START_TEST(empty_values_and_no_values_are_exported_as_such)
{
    apr_array_header_t *attrs = attributes(), *vars, *refused;
    push_attribute(attrs, "http://e.org/empty", "", NULL);
    push_attribute(attrs, "http://e.org/none", NULL);

    saml_attributes_to_env(tk_pool(), attrs, "P_", ";", &vars, &refused);
    ck_assert_str_eq(var(vars, "P_EMPTY"), "");
    ck_assert_str_eq(var(vars, "P_EMPTY_N"), "1");
    ck_assert_str_eq(var(vars, "P_NONE"), "");
    ck_assert_str_eq(var(vars, "P_NONE_N"), "0");
    ck_assert_ptr_null(var(vars, "P_NONE_0"));
    saml_attributes_to_env(tk_pool(), NULL, "P_", ";", &vars, &refused);
    ck_assert_int_eq(vars->nelts, 0);
}
END_TEST

START_TEST(values_with_control_characters_are_left_out_whole)
{
    static const char *const bad[] = {"a\r\nSet-Cookie: x=1", "tab\there", "esc\x1b[31m",
                                       "del\x7f", "nl\n"};
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        apr_array_header_t *attrs = attributes(), *vars, *refused;
        push_attribute(attrs, TK_CLAIM_GROUPS, "fine", bad[i], NULL);
        push_attribute(attrs, TK_CLAIM_NAME, "alice@contoso.example", NULL);

        saml_attributes_to_env(tk_pool(), attrs, "S_", ";", &vars, &refused);
        ck_assert_ptr_null(var(vars, "S_GROUPS"));
        ck_assert_ptr_null(var(vars, "S_GROUPS_0"));
        ck_assert_ptr_null(var(vars, "S_GROUPS_N"));
        ck_assert_str_eq(var(vars, "S_NAME"), "alice@contoso.example");
        ck_assert_int_eq(refused->nelts, 1);
        ck_assert_str_eq(APR_ARRAY_IDX(refused, 0, saml_env_refusal_t).attribute, TK_CLAIM_GROUPS);
        ck_assert_str_eq(APR_ARRAY_IDX(refused, 0, saml_env_refusal_t).reason, "control-character");
    }
    ck_assert(!saml_value_has_control_character("caf\xc3\xa9 ok ~"));
}
END_TEST

START_TEST(a_taken_variable_name_is_never_overwritten)
{
    apr_array_header_t *attrs = attributes(), *vars, *refused;
    push_attribute(attrs, TK_CLAIM_NAME, "alice@contoso.example", NULL);
    push_attribute(attrs, "http://evil.example/name", "admin@contoso.example", NULL);
    push_attribute(attrs, "urn:x:name_0", "admin@contoso.example", NULL);
    push_attribute(attrs, TK_CLAIM_GROUPS, "g1", NULL);

    saml_attributes_to_env(tk_pool(), attrs, "S_", ";", &vars, &refused);
    ck_assert_str_eq(var(vars, "S_NAME"), "alice@contoso.example");
    ck_assert_str_eq(var(vars, "S_NAME_0"), "alice@contoso.example");
    ck_assert_str_eq(var(vars, "S_GROUPS"), "g1");
    ck_assert_int_eq(refused->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(refused, 0, saml_env_refusal_t).attribute,
                     "http://evil.example/name");
    ck_assert_str_eq(APR_ARRAY_IDX(refused, 1, saml_env_refusal_t).reason, "name-collision");
}
END_TEST

/* The module's own names (SEQUR_SAML_NAME_ID, PREFIX+TENANT, the
 * Sequr-SAML-Remote-User header, ...) cannot be reached by an attribute, nor
 * their indexed neighbours an application might read as ours. */
START_TEST(the_modules_own_names_are_reserved)
{
    static const char *const reserved[] = {
        "http://evil.example/name_id", "urn:x:idp", "session_index", "urn:x:tenant",
        "urn:x:Name_ID_0", "urn:x:remote-user", "urn:x:error_id", "urn:x:tenant_N",
        "urn:x:session_expires", NULL};
    apr_array_header_t *vars, *refused, *attrs;
    int i;

    for (i = 0; reserved[i]; i++) {
        attrs = attributes();
        push_attribute(attrs, reserved[i], "evil", NULL);
        push_attribute(attrs, TK_CLAIM_NAME, "alice@contoso.example", NULL);
        saml_attributes_to_env(tk_pool(), attrs, "SEQUR_SAML_", ";", &vars, &refused);
        ck_assert_int_eq(vars->nelts, 3);
        ck_assert_str_eq(var(vars, "SEQUR_SAML_NAME"), "alice@contoso.example");
        ck_assert_int_eq(refused->nelts, 1);
        ck_assert_str_eq(APR_ARRAY_IDX(refused, 0, saml_env_refusal_t).attribute, reserved[i]);
        ck_assert_str_eq(APR_ARRAY_IDX(refused, 0, saml_env_refusal_t).reason, "reserved-name");
        /* Under another prefix too: PREFIX+TENANT is ours there. */
        saml_attributes_to_env(tk_pool(), attrs, "APP_", ";", &vars, &refused);
        ck_assert_int_eq(refused->nelts, 1);
    }
    /* SEQUR_SAML_IDP stays ours whatever the prefix: SEQUR_ + saml_idp. */
    ck_assert(saml_env_name_is_reserved("SEQUR_", "SEQUR_SAML_IDP_0"));
    /* Names that only begin alike are the IdP's to use. */
    ck_assert(!saml_env_name_is_reserved("SEQUR_SAML_", "SEQUR_SAML_TENANTID"));
    ck_assert(!saml_env_name_is_reserved("SEQUR_SAML_", "SEQUR_SAML_IDENTITYPROVIDER"));
    ck_assert(!saml_env_name_is_reserved("SEQUR_SAML_", "SEQUR_SAML_ERRORS"));
    ck_assert(!saml_env_name_is_reserved("SEQUR_SAML_", "SEQUR_SAML_NAME"));
}
END_TEST

/* The whole path the module takes: a response Entra-shaped and signed now,
 * validated, its attributes exported, groups.link included as such. */
START_TEST(validated_azure_response_becomes_friendly_variables)
{
    apr_pool_t *p = tk_pool();
    tk_keypair_t *idp = tk_keypair_new(p, 2048, "idp", 30);
    saml_response_policy_t pol = tk_policy(p, idp);
    tk_response_opts_t o;
    saml_assertion_t *a = NULL;
    saml_err_t err = {0};
    apr_array_header_t *vars, *refused;
    const char *xml, *link = "https://graph.windows.net/" TK_TENANT_ID
                             "/users/0b1c/getMemberObjects";

    tk_response_defaults(p, &o);
    tk_add_attribute(p, &o, SAML_CLAIM_GROUPS_LINK, link, NULL);
    xml = tk_response_signed(p, &o, idp);
    ck_assert_int_eq(saml_response_validate(p, xml, strlen(xml), &pol, &a, &err), APR_SUCCESS);

    saml_attributes_to_env(p, a->attributes, "SEQUR_SAML_", ";", &vars, &refused);
    ck_assert_int_eq(refused->nelts, 0);
    ck_assert_str_eq(var(vars, "SEQUR_SAML_NAME"), "alice@contoso.example");
    ck_assert_str_eq(var(vars, "SEQUR_SAML_EMAILADDRESS"), "alice@contoso.example");
    ck_assert_str_eq(var(vars, "SEQUR_SAML_TENANTID"), TK_TENANT_ID);
    ck_assert_ptr_nonnull(var(vars, "SEQUR_SAML_OBJECTIDENTIFIER"));
    ck_assert_ptr_nonnull(var(vars, "SEQUR_SAML_DISPLAYNAME"));
    ck_assert_str_eq(var(vars, "SEQUR_SAML_GROUPS_N"), "2");
    ck_assert_ptr_nonnull(strchr(var(vars, "SEQUR_SAML_GROUPS"), ';'));
    ck_assert_str_eq(var(vars, "SEQUR_SAML_GROUPS_LINK"), link);
    ck_assert_str_eq(var(vars, "SEQUR_SAML_GROUPS_LINK_N"), "1");
}
END_TEST

/* ---- the user name ------------------------------------------------------ */

#define CLAIM_UPN   "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
#define CLAIM_MAIL  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
#define GUEST_UPN   "alice_contoso.com#EXT#@fabrikam.onmicrosoft.com"

static apr_array_header_t *names(const char *first, ...)
{
    apr_array_header_t *n = apr_array_make(tk_pool(), 2, sizeof(const char *));
    const char *v = first;
    va_list ap;

    va_start(ap, first);
    for (; v; v = va_arg(ap, const char *))
        APR_ARRAY_PUSH(n, const char *) = v;
    va_end(ap);
    return n;
}

/* The user name chosen, or NULL with err's check as *check. */
static const char *user_of(const apr_array_header_t *attrs, const apr_array_header_t *wanted,
                           const char *name_id, const char **source, saml_err_t *err)
{
    const char *user = "unset";
    memset(err, 0, sizeof(*err));
    if (saml_user_name_choose(tk_pool(), attrs, wanted, name_id, &user, source, err)
        != APR_SUCCESS) {
        ck_assert_ptr_null(user);
        return NULL;
    }
    return user;
}

/* A guest: NameID is the home-tenant UPN, the name claim the in-tenant
 * #EXT# UPN, mail the home address. The admin's order decides. */
START_TEST(first_present_user_attribute_wins)
{
    apr_array_header_t *a = attributes();
    const char *source;
    saml_err_t err;

    push_attribute(a, CLAIM_UPN, GUEST_UPN, NULL);
    push_attribute(a, CLAIM_MAIL, "alice@contoso.com", NULL);
    ck_assert_str_eq(user_of(a, names(CLAIM_MAIL, CLAIM_UPN, NULL), "alice@contoso.com",
                             &source, &err), "alice@contoso.com");
    ck_assert_str_eq(source, CLAIM_MAIL);
    ck_assert_str_eq(user_of(a, names(CLAIM_UPN, CLAIM_MAIL, NULL), "x", &source, &err),
                     GUEST_UPN);
    ck_assert_str_eq(source, CLAIM_UPN);
    /* Absent, or present without any AttributeValue: the next one. */
    a = attributes();
    push_attribute(a, "urn:no-values", NULL);
    push_attribute(a, CLAIM_UPN, GUEST_UPN, NULL);
    ck_assert_str_eq(user_of(a, names("urn:missing", "urn:no-values", CLAIM_UPN, NULL), "x",
                             &source, &err), GUEST_UPN);
    /* No names: the NameID. */
    ck_assert_str_eq(user_of(a, NULL, "alice@contoso.com", &source, &err), "alice@contoso.com");
    ck_assert_str_eq(source, "NameID");
    ck_assert_str_eq(user_of(a, names(NULL), "alice@contoso.com", &source, &err),
                     "alice@contoso.com");
    /* Several values that are one and the same count as one. */
    a = attributes();
    push_attribute(a, CLAIM_MAIL, "alice@contoso.com", "alice@contoso.com", NULL);
    ck_assert_str_eq(user_of(a, names(CLAIM_MAIL, NULL), "x", &source, &err),
                     "alice@contoso.com");
}
END_TEST

START_TEST(unclear_user_names_are_refused)
{
    apr_array_header_t *a = attributes();
    saml_err_t err;

    /* None present. */
    push_attribute(a, CLAIM_UPN, GUEST_UPN, NULL);
    ck_assert_ptr_null(user_of(a, names(CLAIM_MAIL, "urn:employee", NULL), "x", NULL, &err));
    ck_assert_str_eq(err.check, "user-attribute");
    ck_assert_msg(strstr(err.detail, "none of the attributes " CLAIM_MAIL ", urn:employee") != NULL,
                  "%s", err.detail);
    /* Empty: refused, not passed over to a fallback. */
    a = attributes();
    push_attribute(a, CLAIM_MAIL, "", NULL);
    push_attribute(a, CLAIM_UPN, GUEST_UPN, NULL);
    ck_assert_ptr_null(user_of(a, names(CLAIM_MAIL, CLAIM_UPN, NULL), "x", NULL, &err));
    ck_assert_str_eq(err.check, "user-attribute");
    ck_assert_msg(strstr(err.detail, "is empty") != NULL, "%s", err.detail);
    a = attributes();
    push_attribute(a, CLAIM_MAIL, "alice@contoso.com", "", NULL);
    ck_assert_ptr_null(user_of(a, names(CLAIM_MAIL, NULL), "x", NULL, &err));
    ck_assert_msg(strstr(err.detail, "is empty") != NULL, "%s", err.detail);
    /* Several different values: which is the user? */
    a = attributes();
    push_attribute(a, CLAIM_MAIL, "alice@contoso.com", "bob@contoso.com", NULL);
    ck_assert_ptr_null(user_of(a, names(CLAIM_MAIL, NULL), "x", NULL, &err));
    ck_assert_str_eq(err.check, "user-attribute");
    ck_assert_msg(strstr(err.detail, "several different values (\"alice@contoso.com\", "
                         "\"bob@contoso.com\")") != NULL, "%s", err.detail);
    /* Control characters, in any value. */
    a = attributes();
    push_attribute(a, CLAIM_MAIL, "alice@contoso.com\r\nX: 1", NULL);
    ck_assert_ptr_null(user_of(a, names(CLAIM_MAIL, NULL), "x", NULL, &err));
    ck_assert_msg(strstr(err.detail, "control characters") != NULL, "%s", err.detail);
    ck_assert_ptr_null(strchr(err.detail, '\n'));
    /* The NameID under the same rules. */
    ck_assert_ptr_null(user_of(a, NULL, "", NULL, &err));
    ck_assert_str_eq(err.check, "nameid");
    ck_assert_ptr_null(user_of(a, NULL, "alice\tbob", NULL, &err));
    ck_assert_str_eq(err.check, "nameid");
}
END_TEST

static Suite *attributes_suite(void)
{
    Suite *s = suite_create("attributes");
    TCase *names = tcase_create("names");
    TCase *env = tcase_create("env");

    tcase_add_checked_fixture(names, tk_setup, tk_teardown);
    tcase_add_test(names, azure_claims_have_their_usual_names);
    tcase_add_test(names, other_names_keep_their_last_segment);
    tcase_add_test(names, require_names_match_uri_or_friendly_name);
    tcase_add_test(names, first_present_user_attribute_wins);
    tcase_add_test(names, unclear_user_names_are_refused);
    suite_add_tcase(s, names);

    tcase_add_checked_fixture(env, tk_setup, tk_teardown);
    tcase_add_test(env, multi_valued_attributes_are_joined_indexed_and_counted);
    tcase_add_test(env, prefix_and_separator_are_the_callers);
    tcase_add_test(env, empty_values_and_no_values_are_exported_as_such);
    tcase_add_test(env, values_with_control_characters_are_left_out_whole);
    tcase_add_test(env, a_taken_variable_name_is_never_overwritten);
    tcase_add_test(env, the_modules_own_names_are_reserved);
    tcase_add_test(env, validated_azure_response_becomes_friendly_variables);
    suite_add_tcase(s, env);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(attributes_suite());
    int failed;

    tk_run_dir_make("attributes");
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tk_run_dir_remove();
    return failed ? 1 : 0;
}
