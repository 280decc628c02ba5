/* Which IdP a message belongs to, and which of its certificates count. */
#include "saml/idp.h"

#include <string.h>

#include "saml/certificate.h"
#include "saml/logout.h"

int saml_idp_cert_usable(X509 *cert, apr_time_t now, int allow_expired)
{
    return allow_expired || saml_cert_not_after(cert) > now;
}

apr_array_header_t *saml_idp_usable_certs(apr_pool_t *p, const apr_array_header_t *certs,
                                          apr_time_t now, int allow_expired, int *expired)
{
    apr_array_header_t *usable = apr_array_make(p, certs && certs->nelts ? certs->nelts : 1,
                                                sizeof(X509 *));
    int i;

    if (expired)
        *expired = 0;
    for (i = 0; certs && i < certs->nelts; i++) {
        X509 *cert = APR_ARRAY_IDX(certs, i, X509 *);
        if (saml_idp_cert_usable(cert, now, allow_expired))
            APR_ARRAY_PUSH(usable, X509 *) = cert;
        else if (expired)
            (*expired)++;
    }
    return usable;
}

int saml_idp_issuer_matches(const saml_idp_t *idp, const char *issuer,
                            saml_idp_issuer_rule_t rule)
{
    if (idp == NULL || idp->entity_id == NULL || issuer == NULL)
        return 0;
    if (rule == SAML_IDP_ISSUER_LOGOUT)
        return saml_logout_issuer_ok(idp->entity_id, issuer);
    return !strcmp(idp->entity_id, issuer);
}

const saml_idp_t *saml_idp_by_issuer(const apr_array_header_t *idps, const char *issuer,
                                     saml_idp_issuer_rule_t rule)
{
    int i;

    for (i = 0; issuer && idps && i < idps->nelts; i++) {
        const saml_idp_t *idp = &APR_ARRAY_IDX(idps, i, saml_idp_t);
        if (idp->verifier && saml_idp_issuer_matches(idp, issuer, rule))
            return idp;
    }
    return NULL;
}

apr_status_t saml_idp_claimed_issuer(apr_pool_t *p, const char *xml, apr_size_t xml_len,
                                     const saml_xml_limits_t *limits,
                                     const char *const *names, const char *child,
                                     const char **issuer, saml_err_t *err)
{
    xmlDocPtr doc;
    xmlNodePtr root, node;
    apr_status_t rv;
    int i;

    *issuer = NULL;
    if ((rv = saml_xml_parse(p, xml, xml_len, limits, &doc, err)) != APR_SUCCESS)
        return rv;
    root = xmlDocGetRootElement(doc);
    for (i = 0; root && names[i] && !saml_xml_is(root, SAML_NS_PROTOCOL, names[i]); i++)
        ;
    if (root == NULL || names[i] == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "shape", "the document is not a %s", names[0]);
    node = saml_xml_child(root, SAML_NS_ASSERTION, "Issuer", NULL);
    if (node == NULL && child) {
        xmlNodePtr under = saml_xml_child(root, SAML_NS_ASSERTION, child, NULL);
        node = under ? saml_xml_child(under, SAML_NS_ASSERTION, "Issuer", NULL) : NULL;
    }
    if (node && saml_xml_text(p, node, issuer, err) != APR_SUCCESS)
        *issuer = NULL;   /* the validation that follows says what is wrong with it */
    return APR_SUCCESS;
}

apr_status_t saml_idp_message_issuer(apr_pool_t *p, const char *xml, apr_size_t xml_len,
                                     const saml_xml_limits_t *limits,
                                     saml_idp_issuer_rule_t rule, const char **issuer,
                                     saml_err_t *err)
{
    static const char *const response[] = { "Response", NULL };
    static const char *const logout[] = { "LogoutRequest", "LogoutResponse", NULL };

    if (rule == SAML_IDP_ISSUER_LOGOUT)
        return saml_idp_claimed_issuer(p, xml, xml_len, limits, logout, NULL, issuer, err);
    return saml_idp_claimed_issuer(p, xml, xml_len, limits, response, "Assertion", issuer, err);
}

apr_status_t saml_idp_choose(apr_pool_t *p, const apr_array_header_t *idps, const char *xml,
                             apr_size_t xml_len, const saml_xml_limits_t *limits,
                             saml_idp_issuer_rule_t rule, const saml_idp_t **idp,
                             saml_err_t *err)
{
    int is_logout = rule == SAML_IDP_ISSUER_LOGOUT;
    const char *issuer;
    apr_status_t rv;

    *idp = NULL;
    if (idps == NULL || idps->nelts == 0)
        return saml_fail(p, err, SAML_EINTERNAL, "configuration", "no IdP is configured");
    if (idps->nelts == 1) {
        *idp = &APR_ARRAY_IDX(idps, 0, saml_idp_t);
        return APR_SUCCESS;
    }
    rv = saml_idp_message_issuer(p, xml, xml_len, limits, rule, &issuer, err);
    if (rv != APR_SUCCESS) {
        if (is_logout) {
            rv = SAML_EMALFORMED;
            if (err->check == NULL)
                err->check = "logout-message";
        }
        return rv;
    }
    if ((*idp = saml_idp_by_issuer(idps, issuer, rule)) == NULL)
        return saml_fail(p, err, SAML_EREJECTED, "issuer", "%sIssuer \"%s\" is no configured "
                         "IdP or tenant", is_logout ? "logout " : "",
                         issuer ? saml_log_escape(p, issuer, 256) : "(none)");
    return APR_SUCCESS;
}

const char *saml_idp_slo_url(const saml_idp_t *idp)
{
    return idp && idp->slo_url && *idp->slo_url ? idp->slo_url : NULL;
}

const char *saml_idp_logout_answer_url(const saml_idp_t *idp)
{
    return saml_idp_slo_url(idp) ? saml_idp_slo_url(idp) : idp->sso_url;
}
