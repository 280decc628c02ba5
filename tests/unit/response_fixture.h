/* Shared by test_response.c (one test per rule) and test_response_attacks.c
 * (signature wrapping and text splitting). */
#ifndef SEQUR_RESPONSE_FIXTURE_H
#define SEQUR_RESPONSE_FIXTURE_H

#include "saml/response.h"
#include "tests/unit/testkit.h"

extern tk_keypair_t *idp, *attacker;
extern tk_response_opts_t o;

void make_keys(void);        /* once in main(), before check forks */
void setup(void);            /* checked fixture: o = Entra defaults */
saml_response_policy_t policy(void);
apr_status_t run(const char *xml, const saml_response_policy_t *pol, saml_assertion_t **a,
                 saml_err_t *err);
saml_assertion_t *accepted_with(const char *xml, const saml_response_policy_t *pol);
saml_assertion_t *accepted(const char *xml);
void refused_with(const char *xml, const saml_response_policy_t *pol, const char *check);
void refused(const char *xml, const char *check);
/* Build from o, replace needle, then sign as o says. */
const char *signed_after(const char *needle, const char *with);
const char *signed_default(void);

#endif
