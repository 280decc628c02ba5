/* What every test of saml/response.c starts from: keys made once per run, an
 * Entra-shaped response `o` reset before each test, and the accept/refuse
 * assertions that name the check. */
#include <apr_strings.h>
#include <check.h>
#include <string.h>

#include "tests/unit/response_fixture.h"

tk_keypair_t *idp, *attacker;
tk_response_opts_t o;

/* Keys are made once in main(), before check forks a process per test. */
void make_keys(void)
{
    static apr_pool_t *keys;
    tk_setup();
    apr_pool_create(&keys, NULL);
    idp = tk_keypair_new(keys, 2048, "idp", 30);
    attacker = tk_keypair_new(keys, 2048, "attacker", 30);
}

void setup(void)
{
    tk_response_defaults(tk_pool(), &o);
}

saml_response_policy_t policy(void)
{
    saml_response_policy_t pol = tk_policy(tk_pool(), idp);
    pol.now = o.now + apr_time_from_sec(1);
    return pol;
}

apr_status_t run(const char *xml, const saml_response_policy_t *pol,
                        saml_assertion_t **a, saml_err_t *err)
{
    return saml_response_validate(tk_pool(), xml, strlen(xml), pol, a, err);
}

saml_assertion_t *accepted_with(const char *xml, const saml_response_policy_t *pol)
{
    saml_assertion_t *a = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = run(xml, pol, &a, &err);
    ck_assert_msg(rv == APR_SUCCESS, "refused: %s: %s", err.check, err.detail);
    ck_assert_ptr_nonnull(a);
    return a;
}

saml_assertion_t *accepted(const char *xml)
{
    saml_response_policy_t pol = policy();
    return accepted_with(xml, &pol);
}

void refused_with(const char *xml, const saml_response_policy_t *pol, const char *check)
{
    saml_assertion_t *a = (saml_assertion_t *)1;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = run(xml, pol, &a, &err);
    ck_assert_msg(rv != APR_SUCCESS, "accepted, expected refusal by %s", check);
    ck_assert_ptr_null(a);
    ck_assert_msg(err.check && !strcmp(err.check, check), "refused by %s (%s), expected %s",
                  err.check, err.detail, check);
}

void refused(const char *xml, const char *check)
{
    saml_response_policy_t pol = policy();
    refused_with(xml, &pol, check);
}

/* Build from o, replace needle, then sign as o says. */
const char *signed_after(const char *needle, const char *with)
{
    return tk_response_sign(tk_pool(), tk_replace(tk_pool(), tk_response_build(tk_pool(), &o),
                                                  needle, with), &o, idp);
}

const char *signed_default(void)
{
    return tk_response_signed(tk_pool(), &o, idp);
}
