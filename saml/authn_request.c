/* The AuthnRequest that sends a browser to Azure AD, HTTP-Redirect binding.
 * Entra's rules (field notes 4): ID must not start with a digit, Issuer must
 * equal the app's Identifier, no Subject (AADSTS900236). The request is
 * signed only when SequrSAMLSignRequests asks (Entra's "Require verification
 * certificates"): without that setting Entra ignores request signatures, and
 * the response is what we verify. The query signature itself is the one rule
 * of saml/redirect_binding.c, shared with the logout messages. */
#include "saml/authn_request.h"

#include <apr_escape.h>
#include <apr_strings.h>
#include <string.h>

#include "saml/codec.h"
#include "saml/redirect_binding.h"
#include "saml/time.h"

#define BINDING_POST "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"

static const char *esc(apr_pool_t *p, const char *s)
{
    return apr_pescape_entity(p, s, 0);
}

static int has_required_fields(const saml_authn_request_t *req)
{
    return req && req->id && req->id[0] && !(req->id[0] >= '0' && req->id[0] <= '9') &&
           req->sp_entity_id && req->acs_url && req->idp_sso_url;
}

static const char *requested_context(apr_pool_t *p, const apr_array_header_t *refs)
{
    const char *s;
    int i;

    if (refs == NULL || refs->nelts == 0)
        return "";
    s = "<samlp:RequestedAuthnContext Comparison=\"exact\">";
    for (i = 0; i < refs->nelts; i++)
        s = apr_pstrcat(p, s, "<saml:AuthnContextClassRef>",
                        esc(p, APR_ARRAY_IDX(refs, i, const char *)),
                        "</saml:AuthnContextClassRef>", NULL);
    return apr_pstrcat(p, s, "</samlp:RequestedAuthnContext>", NULL);
}

/* NULL when a required field (id, sp_entity_id, acs_url, idp_sso_url) is
 * missing or the id starts with a digit. */
const char *saml_authn_request_xml(apr_pool_t *p, const saml_authn_request_t *req)
{
    apr_time_t now;

    if (!has_required_fields(req))
        return NULL;
    now = req->now ? req->now : apr_time_now();
    return apr_pstrcat(p,
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
        "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
        " ID=\"", esc(p, req->id), "\"",
        " Version=\"2.0\"",
        " IssueInstant=\"", saml_time_format(p, now), "\"",
        " Destination=\"", esc(p, req->idp_sso_url), "\"",
        " AssertionConsumerServiceURL=\"", esc(p, req->acs_url), "\"",
        " ProtocolBinding=\"" BINDING_POST "\"",
        req->force_authn ? " ForceAuthn=\"true\"" : "",
        req->is_passive ? " IsPassive=\"true\"" : "",
        ">",
        "<saml:Issuer>", esc(p, req->sp_entity_id), "</saml:Issuer>",
        "<samlp:NameIDPolicy Format=\"",
        esc(p, req->name_id_format ? req->name_id_format : SAML_NAMEID_EMAIL),
        "\" AllowCreate=\"true\"/>",
        requested_context(p, req->class_refs),
        "</samlp:AuthnRequest>", NULL);
}

apr_status_t saml_authn_request_redirect_url(apr_pool_t *p, const saml_authn_request_t *req,
                                             const char **url)
{
    const char *xml = saml_authn_request_xml(p, req);
    saml_err_t err = {0};

    if (xml == NULL)
        return SAML_EINTERNAL;
    return saml_redirect_encode(p, req->idp_sso_url, "SAMLRequest", xml, req->relay_state,
                                req->sign_key, url, &err);
}
