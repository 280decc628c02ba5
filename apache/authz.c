/* Authorization on the session: a request without a session is sent to sign
 * in (AUTHZ_DENIED_NO_USER makes Apache authenticate first); a signed-in user
 * who does not match is refused with 403, never sent to the IdP again. */
#include "apache/authz.h"

#include "apr_strings.h"
#include "ap_provider.h"
#include "http_config.h"
#include "http_core.h"
#include "http_request.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_auth.h"
#include "mod_core.h"

#include "saml/attributes.h"
#include "saml/authn_demand.h"
#include "apache/config.h"
#include "apache/handler_login.h"
#include "apache/directives.h"
#include "apache/log.h"
#include "saml/response.h"

APLOG_USE_MODULE(sequr_saml);
extern module AP_MODULE_DECLARE_DATA sequr_saml_module;

/* Words of a Require line after the provider name, as the config parser
 * splits them (quotes allowed). */
typedef struct require_words {
    apr_array_header_t *words;   /* const char* */
} require_words_t;

void sequr_remember_session(request_rec *r, const saml_session_t *s)
{
    ap_set_module_config(r->request_config, &sequr_saml_module, (void *)s);
}

static const saml_session_t *remembered_session(const request_rec *r)
{
    return ap_get_module_config(r->request_config, &sequr_saml_module);
}

static const char *parse_words(cmd_parms *cmd, const char *line, int min, const char *usage,
                               const void **parsed)
{
    require_words_t *rw = apr_pcalloc(cmd->pool, sizeof(*rw));
    const char *t = line;
    char *w;

    rw->words = apr_array_make(cmd->pool, 4, sizeof(const char *));
    while (*(w = ap_getword_conf(cmd->pool, &t)))
        APR_ARRAY_PUSH(rw->words, const char *) = w;
    if (rw->words->nelts < min)
        return apr_psprintf(cmd->pool, "Require %s", usage);
    *parsed = rw;
    return NULL;
}

static const char *parse_attribute_rule(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_words(cmd, line, 2, "saml-attribute needs an attribute (claim URI or friendly "
                       "name such as groups) and at least one value", parsed);
}

static const char *parse_user_rule(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_words(cmd, line, 1, "sequr-user needs at least one user name", parsed);
}

/* Neither provider judges a request our session did not let in: without any
 * user Apache must authenticate first; a user from another AuthType is not
 * one of ours. */
static authz_status not_ours(const request_rec *r)
{
    return r->user ? AUTHZ_DENIED : AUTHZ_DENIED_NO_USER;
}

static int holds_value(const saml_session_t *s, const char *name, const apr_array_header_t *wanted)
{
    int i, j, k;
    for (i = 0; s->attributes && i < s->attributes->nelts; i++) {
        const saml_attribute_t *a = &APR_ARRAY_IDX(s->attributes, i, saml_attribute_t);
        if (a->values == NULL || !saml_attribute_name_matches(name, a->name))
            continue;
        for (j = 0; j < a->values->nelts; j++)
            for (k = 1; k < wanted->nelts; k++)
                if (!strcmp(APR_ARRAY_IDX(a->values, j, const char *),
                            APR_ARRAY_IDX(wanted, k, const char *)))
                    return 1;
    }
    return 0;
}

static authz_status check_attribute(request_rec *r, const char *line, const void *parsed)
{
    const require_words_t *rw = parsed;
    const saml_session_t *s = remembered_session(r);
    const char *name = APR_ARRAY_IDX(rw->words, 0, const char *);
    (void)line;

    if (s == NULL)
        return not_ours(r);
    if (holds_value(s, name, rw->words))
        return AUTHZ_GRANTED;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  SEQLOGNO(02001) "%s has no attribute %s with a value named by this Require",
                  sequr_log_value(r, r->user), sequr_log_value(r, name));
    return AUTHZ_DENIED;
}

/* Sequr user names are looked up ASCII-case-insensitively (user_store.h),
 * as Entra treats UPNs: Require follows the same rule. */
static authz_status check_user(request_rec *r, const char *line, const void *parsed)
{
    const require_words_t *rw = parsed;
    int i;
    (void)line;

    if (remembered_session(r) == NULL || r->user == NULL)
        return not_ours(r);
    for (i = 0; i < rw->words->nelts; i++)
        if (!ap_cstr_casecmp(r->user, APR_ARRAY_IDX(rw->words, i, const char *)))
            return AUTHZ_GRANTED;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  SEQLOGNO(02002) "%s is not among the users named by this Require",
                  sequr_log_value(r, r->user));
    return AUTHZ_DENIED;
}

/* Require saml-mfa: the session's sign-in showed multi-factor
 * authentication (Entra's authnmethodsreferences claim holds multipleauthn;
 * saml_authn_shows_mfa). A signed-in user without it is sent to step up
 * (note_auth_failure) rather than refused. */
#define NOTE_STEP_UP "sequr-saml-step-up"

static const char *parse_mfa_rule(cmd_parms *cmd, const char *line, const void **parsed)
{
    (void)parsed;
    if (*line)
        return apr_psprintf(cmd->pool, "Require saml-mfa takes no arguments (got %s)", line);
    return NULL;
}

static authz_status check_mfa(request_rec *r, const char *line, const void *parsed)
{
    const saml_session_t *s = remembered_session(r);
    (void)line;
    (void)parsed;

    if (s == NULL || r->user == NULL)
        return not_ours(r);
    if (saml_authn_shows_mfa(s->attributes))
        return AUTHZ_GRANTED;
    apr_table_setn(r->notes, NOTE_STEP_UP, "1");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  SEQLOGNO(02070) "[check mfa] the session of %s shows no multi-factor "
                  "authentication (" SAML_CLAIM_AUTHN_METHODS " without " SAML_AUTHN_METHOD_MFA
                  ")", sequr_log_value(r, r->user));
    return AUTHZ_DENIED;
}

/* The refused request was refused for want of MFA: a browser is sent to
 * Entra again (ForceAuthn, the answer must show MFA) instead of a 403. The
 * redirect is an ErrorDocument URL of the 401 authz_core answers with, which
 * ap_die turns into a 302 to it; the request cookie is on err_headers_out.
 * No loop: a step-up answered without MFA is refused at the ACS (check
 * "mfa", 403 with its page), so each attempt goes to the IdP at most once. */
static int step_up(request_rec *r)
{
    const char *url;

    if (!apr_table_get(r->notes, NOTE_STEP_UP))
        return 0;
    url = sequr_step_up_url(r, sequr_server_conf(r->server));
    if (url == NULL)
        return 0;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  SEQLOGNO(02071) "%s steps up: sent to the IdP again for a sign-in with "
                  "multi-factor authentication (ForceAuthn) to reach %s",
                  sequr_log_value(r, r->user), sequr_log_value(r, r->uri));
    ap_custom_response(r, HTTP_UNAUTHORIZED, url);
    return 1;
}

/* mod_authz_core answers a signed-in user who fails Require with 401 (unless
 * AuthzSendForbiddenOnFailure is on) so that a browser may retry with other
 * credentials. A SAML browser has none to offer, and another trip to the IdP
 * would only bring the same user back: the answer is 403. authz_core tells us
 * through ap_note_auth_failure, the error response is made later. */
#define NOTE_FORBIDDEN "sequr-saml-authz-denied"
#define FORBIDDEN_PAGE "<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head>" \
    "<body><h1>Forbidden</h1><p>You are signed in, but this page is not open to your " \
    "account.</p></body></html>\n"

/* Chosen here, before ap_die looks at ErrorDocument 401: an admin's
 * `ErrorDocument 401 /url` (meant for API clients) would otherwise answer,
 * with a 401, before the error filter turns the refusal into a 403. The
 * admin's ErrorDocument 403 is what a 403 deserves: its text, or its local
 * URL (served as an error document of the 401; see forbidden_document).
 * ap_custom_response adds the leading quote that marks a text page. */
static void choose_forbidden_page(request_rec *r)
{
    const char *admin = ap_response_code_string(r, ap_index_of_response(HTTP_FORBIDDEN));

    if (admin && admin[0] == '"')
        ap_custom_response(r, HTTP_UNAUTHORIZED, admin + 1);
    else if (admin && admin[0] == '/')
        ap_custom_response(r, HTTP_UNAUTHORIZED, admin);
    else
        ap_custom_response(r, HTTP_UNAUTHORIZED, FORBIDDEN_PAGE);
}

static int note_auth_failure(request_rec *r, const char *type)
{
    if (strcasecmp(type, SEQUR_AUTH_TYPE))
        return DECLINED;
    if (remembered_session(r) && r->user && step_up(r))
        return OK;
    if (remembered_session(r) && r->user) {
        apr_table_setn(r->notes, NOTE_FORBIDDEN, "1");
        choose_forbidden_page(r);
    }
    return OK;
}

static void insert_error_filter(request_rec *r)
{
    if (r->status != HTTP_UNAUTHORIZED || !apr_table_get(r->notes, NOTE_FORBIDDEN))
        return;
    r->status = HTTP_FORBIDDEN;
    r->status_line = NULL;
}

/* The admin's local ErrorDocument 403 runs as the error document of
 * authz_core's 401: it answers, and tells a CGI, 403. */
static void forbidden_document(request_rec *r)
{
    if (!r->prev || !apr_table_get(r->prev->notes, NOTE_FORBIDDEN) ||
        r->prev->status != HTTP_UNAUTHORIZED)
        return;
    if (r->status == HTTP_UNAUTHORIZED) {
        r->status = HTTP_FORBIDDEN;
        r->status_line = NULL;
    }
    apr_table_setn(r->subprocess_env, "REDIRECT_STATUS", "403");
}
static const authz_provider attribute_provider = {&check_attribute, &parse_attribute_rule};
static const authz_provider user_provider = {&check_user, &parse_user_rule};
static const authz_provider mfa_provider = {&check_mfa, &parse_mfa_rule};

void sequr_register_authz_providers(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "saml-attribute", AUTHZ_PROVIDER_VERSION,
                              &attribute_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "sequr-user", AUTHZ_PROVIDER_VERSION,
                              &user_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "saml-mfa", AUTHZ_PROVIDER_VERSION,
                              &mfa_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(insert_error_filter, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_filter(forbidden_document, NULL, NULL, APR_HOOK_MIDDLE);
}
