/* The Single Logout sequence (see logout_flow.h). Messages are validated by
 * logout.c before any shared state is touched; this file decides the order
 * of the steps and what the IdP and the browser are told. */
#include "saml/logout_flow.h"

#include <string.h>

#include "saml/random.h"
#include "saml/redirect_binding.h"
#include "saml/response.h"

/* A refusal named for its step when the step gave it no name of its own. */
static apr_status_t refused(apr_status_t rv, saml_err_t *err, const char *step)
{
    if (err->check == NULL)
        err->check = step;
    return rv;
}

/* A message we could not build: our own failure, said in our words when the
 * encoder had none. */
static apr_status_t not_built(apr_status_t rv, saml_err_t *err, const char *what,
                              const char *detail)
{
    if (err->detail == NULL)
        err->detail = detail;
    return refused(rv == APR_SUCCESS ? SAML_EINTERNAL : rv, err, what);
}

static saml_xml_limits_t message_limits(const saml_logout_context_t *ctx)
{
    saml_xml_limits_t limits = { ctx->max_message_size, SAML_XML_DEFAULT_MAX_DEPTH, 0 };
    return limits;
}

static saml_logout_policy_t message_policy(const saml_logout_context_t *ctx,
                                           const saml_idp_t *idp)
{
    saml_logout_policy_t pol;

    memset(&pol, 0, sizeof(pol));
    pol.idp_entity_id = idp->entity_id;
    pol.logout_url = ctx->logout_url;
    pol.verifier = idp->verifier;
    pol.require_signature = ctx->require_signature;
    pol.skew = ctx->skew;
    pol.now = ctx->now;
    pol.limits = message_limits(ctx);
    return pol;
}

/* ---- the IdP answers our LogoutRequest ------------------------------------ */

static apr_status_t finish(apr_pool_t *p, const saml_logout_context_t *ctx,
                           const char *relay, saml_logout_outcome_t *out, saml_err_t *err)
{
    apr_status_t rv = saml_logout_finish(p, ctx->store, out->message, relay, ctx->landing_path,
                                         &out->url, err);

    if (rv == APR_SUCCESS)
        out->kind = SAML_LOGOUT_CONFIRMED;
    else if (err->check && !strcmp(err->check, "status"))
        out->kind = SAML_LOGOUT_NOT_CONFIRMED;
    else
        return refused(rv, err, "logout-response");
    return rv;
}

/* ---- the IdP ends sessions: act, then answer ------------------------------- */

static apr_status_t answer(apr_pool_t *p, const saml_logout_context_t *ctx, const char *relay,
                           saml_logout_outcome_t *out, saml_err_t *err)
{
    const saml_logout_message_t *m = out->message;
    saml_logout_response_t res = {0};
    const char *xml;
    apr_status_t rv;

    /* The rules (what an unsigned request may end, replay, nothing written
     * for requests that name nothing live) are in saml_logout_request_apply;
     * the IdP whose keys accepted m is the one whose sessions it may end. */
    rv = saml_logout_request_apply(p, ctx->store, m, ctx->unsigned_rule, ctx->scope,
                                   out->idp->entity_id, ctx->now, ctx->request_lifetime,
                                   &out->ended, err);
    res.status = SAML_STATUS_SUCCESS;
    if (rv == SAML_EREJECTED && err->check && !strcmp(err->check, "name-id-only")) {
        /* Answered, not refused with a page: the browser may be on its way
         * through the IdP's logout chain, and the IdP learns we did nothing. */
        res.status = SAML_STATUS_REQUESTER;
        res.sub_status = SAML_STATUS_REQUEST_DENIED;
    } else if (rv == SAML_EUNAVAILABLE && err->check && !strcmp(err->check, "session-store")) {
        res.status = SAML_STATUS_RESPONDER;
    } else if (rv != APR_SUCCESS) {
        return refused(rv, err, "replay");
    }
    out->status = res.status;
    if (rv != APR_SUCCESS)
        out->why = *err;
    *err = (saml_err_t){0};
    res.id = saml_random_id(p, "_");
    res.sp_entity_id = ctx->sp_entity_id;
    res.destination = saml_idp_logout_answer_url(out->idp);
    res.in_response_to = m->id;
    xml = saml_logout_response_xml(p, &res);
    rv = xml ? saml_redirect_encode(p, res.destination, "SAMLResponse", xml, relay, ctx->sp_key,
                                    &out->url, err) : SAML_EINTERNAL;
    if (rv != APR_SUCCESS)
        return not_built(SAML_EINTERNAL, err, "logout-response", "cannot build the LogoutResponse");
    out->kind = SAML_LOGOUT_ANSWERED;
    return APR_SUCCESS;
}

/* ---- both bindings ----------------------------------------------------------- */

/* The message of a POST: exactly one of SAMLRequest and SAMLResponse,
 * base64. */
static apr_status_t read_form(apr_pool_t *p, const saml_logout_context_t *ctx, apr_table_t *form,
                              const char **param, char **xml, apr_size_t *len,
                              saml_err_t *err)
{
    const char *b64;
    apr_status_t rv;

    if (form == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "form", "no logout message");
    if (apr_table_get(form, "SAMLRequest") && apr_table_get(form, "SAMLResponse"))
        return saml_fail(p, err, SAML_EMALFORMED, "form", "both SAMLRequest and SAMLResponse");
    *param = apr_table_get(form, "SAMLRequest") ? "SAMLRequest" : "SAMLResponse";
    if ((b64 = apr_table_get(form, *param)) == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "form",
                         "neither SAMLRequest nor SAMLResponse");
    rv = saml_response_decode(p, b64, ctx->max_message_size, xml, len, err);
    return rv == APR_SUCCESS ? rv : refused(rv, err, "base64");
}

apr_status_t saml_logout_receive(apr_pool_t *p, const saml_logout_context_t *ctx,
                                 const saml_logout_received_t *in,
                                 saml_logout_outcome_t **out, saml_err_t *err)
{
    saml_logout_outcome_t *o = apr_pcalloc(p, sizeof(*o));
    saml_redirect_message_t *rm = NULL;
    saml_logout_message_t *m;
    saml_logout_policy_t pol;
    const char *param = NULL, *relay;
    char *xml;
    apr_size_t len;
    saml_xml_limits_t limits;
    apr_status_t rv;

    *out = o;
    if (in->query) {
        rv = saml_redirect_parse(p, in->query, ctx->max_message_size, &rm, err);
        if (rv != APR_SUCCESS)
            return refused(rv, err, "redirect");
        param = rm->param;
        xml = rm->xml;
        len = rm->xml_len;
        relay = rm->relay_state;
    } else {
        if ((rv = read_form(p, ctx, in->form, &param, &xml, &len, err)) != APR_SUCCESS)
            return rv;
        relay = apr_table_get(in->form, "RelayState");
    }
    limits = message_limits(ctx);
    if ((rv = saml_idp_choose(p, ctx->idps, xml, len, &limits, SAML_IDP_ISSUER_LOGOUT,
                              &o->idp, err)) != APR_SUCCESS)
        return rv;
    /* A signature that is there must verify, required or not. */
    if (rm && rm->sig_alg) {
        rv = saml_redirect_verify(p, rm,
                                  saml_idp_usable_certs(p, o->idp->certs, ctx->now,
                                                        ctx->allow_expired_certs, NULL),
                                  ctx->allow_sha1, err);
        if (rv != APR_SUCCESS)
            return refused(rv, err, "signature");
    }
    pol = message_policy(ctx, o->idp);
    rv = saml_logout_parse(p, xml, len, &pol, rm && rm->sig_alg, &m, err);
    if (rv != APR_SUCCESS)
        return refused(rv, err, "logout-message");
    o->message = m;
    if (m->is_request != !strcmp(param, "SAMLRequest"))
        return saml_fail(p, err, SAML_EMALFORMED, "shape", "%s carries a Logout%s", param,
                         m->is_request ? "Request" : "Response");
    return m->is_request ? answer(p, ctx, relay, o, err) : finish(p, ctx, relay, o, err);
}

/* ---- SP-initiated ---------------------------------------------------------------- */

apr_status_t saml_logout_start(apr_pool_t *p, const saml_logout_context_t *ctx,
                               const saml_idp_t *idp, const saml_session_t *s,
                               const char *return_to, const char **url,
                               const char **request_id, saml_err_t *err)
{
    saml_logout_request_t req = {0};
    const char *handle = saml_random_id(p, "");
    const char *xml;
    apr_status_t rv;

    req.id = saml_random_id(p, "_");
    req.sp_entity_id = ctx->sp_entity_id;
    req.destination = saml_idp_slo_url(idp);
    req.name_id = s->name_id;
    req.name_id_format = s->name_id_format;
    req.session_index = s->session_index;
    *request_id = req.id;
    rv = saml_logout_pending_save(p, ctx->store, req.id, handle, return_to,
                                  ctx->now + ctx->request_lifetime);
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, SAML_EUNAVAILABLE, "store", "cannot save the logout request");
    xml = saml_logout_request_xml(p, &req);
    rv = xml ? saml_redirect_encode(p, req.destination, "SAMLRequest", xml, handle, ctx->sp_key,
                                    url, err) : SAML_EINTERNAL;
    if (rv != APR_SUCCESS)
        return not_built(SAML_EINTERNAL, err, "logout-request", "cannot build the LogoutRequest");
    return APR_SUCCESS;
}

apr_status_t saml_logout_end_local(apr_pool_t *p, const saml_logout_context_t *ctx,
                                   const apr_array_header_t *ids, saml_session_t **named,
                                   saml_err_t *err)
{
    saml_session_t *first = NULL;
    int i;

    for (i = 0; ids && i < ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        saml_session_t *s;
        if (!saml_session_id_is_wellformed(id))
            continue;
        if (first == NULL &&
            saml_session_load(p, ctx->store, id, ctx->scope, 0, ctx->now, &s) == APR_SUCCESS &&
            s->name_id)
            first = s;
        if (saml_session_remove(p, ctx->store, id) != APR_SUCCESS)
            return saml_fail(p, err, SAML_EUNAVAILABLE, "store", "cannot remove the session");
    }
    if (named)
        *named = first;
    return APR_SUCCESS;
}
