/* What every fuzz harness shares: one-time set-up, a fresh pool per input,
 * the fixed clock and the policy a realistic deployment would configure.
 * Harnesses are built twice: with libFuzzer (fuzz.mk) and with standalone.c,
 * which replays the committed corpora inside `make check`. */
#ifndef SEQUR_FUZZ_H
#define SEQUR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>
#include <openssl/evp.h>

#include "saml/response.h"

/* Both builds call these; libFuzzer and the replay driver own main(). Each
 * harness does its expensive set-up in LLVMFuzzerInitialize, before the
 * first input, so the leak check of that input does not see it. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The clock every harness passes as `now`: runs must not depend on the day. */
#define FUZZ_NOW_TEXT "2026-11-25T15:00:00Z"

#define FUZZ_SP_ENTITY_ID  "https://sp.example.test/saml/metadata"
#define FUZZ_ACS_URL       "https://sp.example.test/saml/acs"
#define FUZZ_IDP_ENTITY_ID "https://sts.windows.net/8f0c6b4e-3d2a-4c59-9a77-2f1d5e6b9c10/"
#define FUZZ_CLAIM_NAME    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"

/* apr_initialize and saml_crypto_init, once per process. */
void fuzz_init(void);

/* A fresh pool for one input: destroy it when done so leaks show. */
apr_pool_t *fuzz_input_pool(void);

/* data as a NUL-terminated string (a NUL inside the data shortens it, as it
 * would for any C string the module is handed). */
const char *fuzz_cstr(apr_pool_t *p, const uint8_t *data, size_t size);

/* Fixed `now` (FUZZ_NOW_TEXT). */
apr_time_t fuzz_now(void);

/* A throwaway RSA-2048 IdP key pair made once per process. */
EVP_PKEY *fuzz_idp_key(void);

/* The deployment's policy: our SP/ACS/IdP names, a verifier over the
 * throwaway certificate only, skew 180 s, fixed now, default XML limits;
 * identity from the NameID, or from user_attribute when non-NULL. */
saml_response_policy_t fuzz_policy(const char *user_attribute);

/* Abort with a message: an invariant the code under test promised is broken,
 * which libFuzzer and the replay driver both report as a finding. */
void fuzz_violation(const char *what, const char *detail) __attribute__((noreturn));

/* With FUZZ_VERBOSE set in the environment, one line on stderr (to see what
 * a seed reaches: `FUZZ_VERBOSE=1 tests/fuzz/replay_response`). */
void fuzz_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A failing call must say why: a stable check name and an HTTP 4xx/5xx. */
void fuzz_expect_explained(apr_status_t rv, const saml_err_t *err, const char *call);

#endif
