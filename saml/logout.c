/* Single Logout messages (see logout.h).
 *
 * Entra's rules (field notes 4): LogoutRequest over HTTP-Redirect only, ID
 * not starting with a digit, Issuer = the app's Identifier; NameID is not
 * evaluated but must be present; the LogoutResponse's Issuer is
 * https://login.microsoftonline.com/<tenant>/, not the sts.windows.net form
 * its assertions carry. Entra may send a LogoutRequest at any time when
 * another application of the user logs out.
 *
 * As in acs.c, messages are validated before any shared state is touched:
 * a forged LogoutResponse cannot burn the pending request of a real one. */
#include "saml/logout.h"

#include <apr_escape.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <string.h>

#include "saml/codec.h"
#include "saml/idp.h"
#include "saml/relay_state.h"
#include "saml/session.h"
#include "saml/store_error.h"
#include "saml/time.h"

#define PENDING_PREFIX SAML_STORE_NS_PENDING_LOGOUT
#define SEEN_PREFIX    SAML_STORE_NS_LOGOUT_SEEN
#define STS_PREFIX     "https://sts.windows.net/"
#define LOGIN_PREFIX   "https://login.microsoftonline.com/"
#define SEEN_MAX       apr_time_from_sec(86400)
#define ID_MAX         (SAML_STORE_KEY_MAX - 4)

static const char *esc(apr_pool_t *p, const char *s)
{
    return apr_pescape_entity(p, s, 0);
}

static int good_id(const char *id)
{
    return id && id[0] && !(id[0] >= '0' && id[0] <= '9');
}

/* ---- building ------------------------------------------------------------ */

const char *saml_logout_request_xml(apr_pool_t *p, const saml_logout_request_t *req)
{
    apr_time_t now;

    if (req == NULL || !good_id(req->id) || !req->sp_entity_id || !req->destination ||
        !req->name_id)
        return NULL;
    now = req->now ? req->now : apr_time_now();
    return apr_pstrcat(p,
        "<samlp:LogoutRequest xmlns:samlp=\"" SAML_NS_PROTOCOL "\" "
        "xmlns:saml=\"" SAML_NS_ASSERTION "\"",
        " ID=\"", esc(p, req->id), "\" Version=\"2.0\"",
        " IssueInstant=\"", saml_time_format(p, now), "\"",
        " Destination=\"", esc(p, req->destination), "\">",
        "<saml:Issuer>", esc(p, req->sp_entity_id), "</saml:Issuer>",
        "<saml:NameID",
        req->name_id_format ? " Format=\"" : "",
        req->name_id_format ? esc(p, req->name_id_format) : "",
        req->name_id_format ? "\"" : "",
        ">", esc(p, req->name_id), "</saml:NameID>",
        req->session_index ? "<samlp:SessionIndex>" : "",
        req->session_index ? esc(p, req->session_index) : "",
        req->session_index ? "</samlp:SessionIndex>" : "",
        "</samlp:LogoutRequest>", NULL);
}

const char *saml_logout_response_xml(apr_pool_t *p, const saml_logout_response_t *res)
{
    apr_time_t now;

    if (res == NULL || !good_id(res->id) || !res->sp_entity_id || !res->destination ||
        !res->in_response_to)
        return NULL;
    now = res->now ? res->now : apr_time_now();
    return apr_pstrcat(p,
        "<samlp:LogoutResponse xmlns:samlp=\"" SAML_NS_PROTOCOL "\" "
        "xmlns:saml=\"" SAML_NS_ASSERTION "\"",
        " ID=\"", esc(p, res->id), "\" Version=\"2.0\"",
        " IssueInstant=\"", saml_time_format(p, now), "\"",
        " Destination=\"", esc(p, res->destination), "\"",
        " InResponseTo=\"", esc(p, res->in_response_to), "\">",
        "<saml:Issuer>", esc(p, res->sp_entity_id), "</saml:Issuer>",
        "<samlp:Status><samlp:StatusCode Value=\"",
        esc(p, res->status ? res->status : SAML_STATUS_SUCCESS), "\"",
        res->sub_status ? "><samlp:StatusCode Value=\"" : "",
        res->sub_status ? esc(p, res->sub_status) : "",
        res->sub_status ? "\"/></samlp:StatusCode>" : "/>",
        "</samlp:Status></samlp:LogoutResponse>", NULL);
}

/* ---- issuer ---------------------------------------------------------------- */

/* The tenant of an Entra entity id "https://sts.windows.net/<tenant>/", or NULL. */
static const char *entra_tenant(apr_pool_t *p, const char *entity_id)
{
    apr_size_t n = sizeof(STS_PREFIX) - 1, len;
    const char *tenant;

    if (entity_id == NULL || strncmp(entity_id, STS_PREFIX, n))
        return NULL;
    tenant = entity_id + n;
    len = strlen(tenant);
    if (len < 2 || tenant[len - 1] != '/' || memchr(tenant, '/', len - 1) ||
        strpbrk(tenant, "?#"))
        return NULL;
    return apr_pstrmemdup(p, tenant, len - 1);
}

int saml_logout_issuer_ok(const char *idp_entity_id, const char *issuer)
{
    apr_pool_t *p;
    const char *tenant;
    int ok;

    if (idp_entity_id == NULL || issuer == NULL)
        return 0;
    if (!strcmp(idp_entity_id, issuer))
        return 1;
    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        return 0;
    tenant = entra_tenant(p, idp_entity_id);
    ok = tenant && !strcmp(issuer, apr_pstrcat(p, LOGIN_PREFIX, tenant, "/", NULL));
    apr_pool_destroy(p);
    return ok;
}

/* ---- parsing ---------------------------------------------------------------- */

static apr_status_t one_child(apr_pool_t *p, const xmlNode *parent, const char *ns,
                              const char *name, int required, xmlNodePtr *out, saml_err_t *err)
{
    int count = 0;

    *out = saml_xml_child(parent, ns, name, &count);
    if (count > 1)
        return saml_fail(p, err, SAML_EREJECTED, "shape", "%d %s elements", count, name);
    if (required && *out == NULL)
        return saml_fail(p, err, SAML_EREJECTED, "shape", "no %s", name);
    return APR_SUCCESS;
}

static apr_status_t check_envelope(apr_pool_t *p, xmlNodePtr root,
                                   const saml_logout_policy_t *pol, saml_logout_message_t *m,
                                   saml_err_t *err)
{
    const char *version = saml_xml_attr(p, root, "Version");
    xmlNodePtr issuer;
    apr_status_t rv;

    m->id = saml_xml_attr(p, root, "ID");
    if (!m->id || !*m->id)
        return saml_fail(p, err, SAML_EREJECTED, "shape", "logout message without ID");
    if (!version || strcmp(version, "2.0"))
        return saml_fail(p, err, SAML_EREJECTED, "version", "Version \"%s\" is not 2.0",
                         version ? saml_log_escape(p, version, 16) : "(none)");
    if ((rv = one_child(p, root, SAML_NS_ASSERTION, "Issuer", 1, &issuer, err)) != APR_SUCCESS)
        return rv;
    if ((rv = saml_xml_text(p, issuer, &m->issuer, err)) != APR_SUCCESS)
        return rv;
    if (!saml_logout_issuer_ok(pol->idp_entity_id, m->issuer))
        return saml_fail(p, err, SAML_EREJECTED, "issuer", "Issuer \"%s\" is not the IdP %s",
                         saml_log_escape(p, m->issuer, 200),
                         saml_log_escape(p, pol->idp_entity_id, 200));
    m->destination = saml_xml_attr(p, root, "Destination");
    if (m->destination && (!pol->logout_url || strcmp(m->destination, pol->logout_url)))
        return saml_fail(p, err, SAML_EREJECTED, "destination",
                         "Destination \"%s\" is not %s", saml_log_escape(p, m->destination, 200),
                         pol->logout_url ? saml_log_escape(p, pol->logout_url, 200) : "set");
    return APR_SUCCESS;
}

static apr_status_t read_request(apr_pool_t *p, xmlNodePtr root, const saml_logout_policy_t *pol,
                                 saml_logout_message_t *m, saml_err_t *err)
{
    const char *noa = saml_xml_attr(p, root, "NotOnOrAfter");
    xmlNodePtr name_id, c;
    apr_status_t rv;

    if (noa && saml_time_parse(noa, &m->not_on_or_after) != APR_SUCCESS)
        return saml_fail(p, err, SAML_EREJECTED, "time", "NotOnOrAfter \"%s\" is not a time",
                         saml_log_escape(p, noa, 40));
    if (noa && pol->now >= m->not_on_or_after + pol->skew)
        return saml_fail(p, err, SAML_EREJECTED, "expired", "LogoutRequest expired at %s", noa);
    if (saml_xml_child(root, SAML_NS_ASSERTION, "EncryptedID", NULL))
        return saml_fail(p, err, SAML_EREJECTED, "name-id", "EncryptedID is not supported");
    if ((rv = one_child(p, root, SAML_NS_ASSERTION, "NameID", 1, &name_id, err)) != APR_SUCCESS)
        return rv;
    if ((rv = saml_xml_text(p, name_id, &m->name_id, err)) != APR_SUCCESS)
        return rv;
    if (*m->name_id == '\0')
        return saml_fail(p, err, SAML_EREJECTED, "name-id", "empty NameID");
    m->name_id_format = saml_xml_attr(p, name_id, "Format");
    m->session_indexes = apr_array_make(p, 1, sizeof(const char *));
    for (c = root->children; c; c = c->next) {
        const char *index;
        if (!saml_xml_is(c, SAML_NS_PROTOCOL, "SessionIndex"))
            continue;
        if ((rv = saml_xml_text(p, c, &index, err)) != APR_SUCCESS)
            return rv;
        APR_ARRAY_PUSH(m->session_indexes, const char *) = index;
    }
    return APR_SUCCESS;
}

static apr_status_t read_response(apr_pool_t *p, xmlNodePtr root, saml_logout_message_t *m,
                                  saml_err_t *err)
{
    xmlNodePtr status, code;
    apr_status_t rv;

    m->in_response_to = saml_xml_attr(p, root, "InResponseTo");
    if (!m->in_response_to || !*m->in_response_to)
        return saml_fail(p, err, SAML_EREJECTED, "in-response-to",
                         "LogoutResponse without InResponseTo");
    if ((rv = one_child(p, root, SAML_NS_PROTOCOL, "Status", 1, &status, err)) != APR_SUCCESS)
        return rv;
    if ((rv = one_child(p, status, SAML_NS_PROTOCOL, "StatusCode", 1, &code, err)) != APR_SUCCESS)
        return rv;
    m->status = saml_xml_attr(p, code, "Value");
    if (!m->status)
        return saml_fail(p, err, SAML_EREJECTED, "status", "StatusCode without Value");
    return APR_SUCCESS;
}

static apr_status_t check_signature(apr_pool_t *p, xmlNodePtr root,
                                    const saml_logout_policy_t *pol, int query_signed,
                                    saml_logout_message_t *m, saml_err_t *err)
{
    xmlNodePtr sig;
    apr_status_t rv;

    if ((rv = saml_signature_find(root, &sig, err)) != APR_SUCCESS)
        return rv;
    if (sig) {
        if ((rv = saml_signature_verify(p, pol->verifier, root, sig, err)) != APR_SUCCESS)
            return rv;
        m->signed_xml = 1;
    }
    if (!m->signed_xml && !query_signed && pol->require_signature)
        return saml_fail(p, err, SAML_EREJECTED, "signature-missing",
                         "unsigned Logout%s, and logout signatures are required",
                         m->is_request ? "Request" : "Response");
    return APR_SUCCESS;
}

apr_status_t saml_logout_parse(apr_pool_t *p, const char *xml, apr_size_t len,
                               const saml_logout_policy_t *pol, int query_signed,
                               saml_logout_message_t **out, saml_err_t *err)
{
    saml_logout_message_t *m;
    xmlDocPtr doc;
    xmlNodePtr root;
    apr_status_t rv;

    *out = NULL;
    if ((rv = saml_xml_parse(p, xml, len, &pol->limits, &doc, err)) != APR_SUCCESS)
        return rv;
    root = xmlDocGetRootElement(doc);
    m = apr_pcalloc(p, sizeof(*m));
    if (saml_xml_is(root, SAML_NS_PROTOCOL, "LogoutRequest"))
        m->is_request = 1;
    else if (!saml_xml_is(root, SAML_NS_PROTOCOL, "LogoutResponse"))
        return saml_fail(p, err, SAML_EREJECTED, "shape", "root element <%s> is not a "
                         "LogoutRequest or LogoutResponse",
                         root ? saml_log_escape(p, (const char *)root->name, 64) : "");
    /* Verify first: nothing is read from a document whose signature fails. */
    if ((rv = check_signature(p, root, pol, query_signed, m, err)) != APR_SUCCESS)
        return rv;
    if ((rv = check_envelope(p, root, pol, m, err)) != APR_SUCCESS)
        return rv;
    rv = m->is_request ? read_request(p, root, pol, m, err) : read_response(p, root, m, err);
    if (rv != APR_SUCCESS)
        return rv;
    m->signed_query = query_signed != 0;
    *out = m;
    return APR_SUCCESS;
}

/* ---- shared state ------------------------------------------------------------ */

static const char *pending_key(apr_pool_t *p, const char *request_id)
{
    if (!request_id || !*request_id || strlen(request_id) > ID_MAX)
        return NULL;
    return apr_pstrcat(p, PENDING_PREFIX, request_id, NULL);
}

static apr_status_t store_failure(apr_pool_t *p, saml_err_t *err, apr_status_t rv,
                                  const char *doing)
{
    return saml_fail(p, err, SAML_EUNAVAILABLE, "store", "%s: %s", doing,
                     saml_store_error_text(p, rv));
}

/* Record: relay_state '\n' return_to. Neither can hold a newline: the handle
 * is ours and a local path refuses control characters. */
apr_status_t saml_logout_pending_save(apr_pool_t *p, saml_store_t *st, const char *request_id,
                                      const char *relay_state, const char *return_to,
                                      apr_time_t expiry)
{
    const char *key = pending_key(p, request_id);
    const char *rec;

    if (!key || !relay_state || strchr(relay_state, '\n') || !saml_is_local_path(return_to))
        return APR_EINVAL;
    rec = apr_pstrcat(p, relay_state, "\n", return_to, NULL);
    return saml_store_set(st, key, rec, strlen(rec), expiry);
}

apr_status_t saml_logout_finish(apr_pool_t *p, saml_store_t *st, const saml_logout_message_t *m,
                                const char *relay_state, const char *landing,
                                const char **return_to, saml_err_t *err)
{
    const char *key = pending_key(p, m->in_response_to);
    const char *irt = saml_log_escape(p, m->in_response_to, 128);
    char *buf, *nl;
    apr_size_t len;
    apr_status_t rv;

    *return_to = landing;
    rv = key ? saml_store_take(st, key, p, &buf, &len) : APR_NOTFOUND;
    if (rv == APR_NOTFOUND)
        return saml_fail(p, err, SAML_EREJECTED, "in-response-to",
                         "%s: unknown or already answered LogoutRequest", irt);
    if (rv != APR_SUCCESS)
        return store_failure(p, err, rv, "pending logout requests");
    if ((nl = memchr(buf, '\n', len)) == NULL || memchr(buf, '\0', len))
        return saml_fail(p, err, SAML_EINTERNAL, "in-response-to",
                         "%s: stored logout record is corrupt", irt);
    *nl = '\0';
    if (!relay_state || strcmp(buf, relay_state))
        return saml_fail(p, err, SAML_EREJECTED, "relay-state",
                         "RelayState \"%s\" is not the one sent with LogoutRequest %s",
                         relay_state ? saml_log_escape(p, relay_state, 128) : "(none)", irt);
    if (saml_is_local_path(nl + 1))
        *return_to = nl + 1;
    if (strcmp(m->status, SAML_STATUS_SUCCESS))
        return saml_fail(p, err, SAML_EREJECTED, "status", "LogoutResponse to %s: status %s",
                         irt, saml_log_escape(p, m->status, 200));
    return APR_SUCCESS;
}

static const char *seen_key(apr_pool_t *p, const saml_logout_message_t *m)
{
    const char *what = apr_pstrcat(p, m->issuer, "\n", m->id, NULL);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(what, strlen(what), md, &mdlen, EVP_sha256(), NULL) != 1)
        return NULL;
    return apr_pstrcat(p, SEEN_PREFIX, saml_base64url_encode(p, md, mdlen), NULL);
}

apr_status_t saml_logout_request_remember(apr_pool_t *p, saml_store_t *st,
                                          const saml_logout_message_t *m, apr_time_t now,
                                          apr_interval_time_t lifetime, saml_err_t *err)
{
    const char *key = seen_key(p, m);
    apr_time_t until = now + lifetime;
    apr_status_t rv;

    if (key == NULL)
        return saml_fail(p, err, SAML_EINTERNAL, "replay", "SHA-256 unavailable");
    /* A far-future NotOnOrAfter must not pin an entry in the store for good. */
    if (m->not_on_or_after > until)
        until = m->not_on_or_after < now + SEEN_MAX ? m->not_on_or_after : now + SEEN_MAX;
    rv = saml_store_add(st, key, "1", 1, until);
    if (rv == APR_EEXIST)
        return saml_fail(p, err, SAML_EREPLAY, "replay", "LogoutRequest %s from %s was already "
                         "processed", saml_log_escape(p, m->id, 128),
                         saml_log_escape(p, m->issuer, 200));
    if (rv != APR_SUCCESS)
        return store_failure(p, err, rv, "logout replay cache");
    return APR_SUCCESS;
}

/* ---- acting on an IdP LogoutRequest ------------------------------------------ */

/* Does an unsigned m name a live session: one of its SessionIndex values, or
 * (rule BY_NAME_ID, no SessionIndex) its NameID? Checked before anything is
 * written, so requests that name nothing cost the store nothing. */
static apr_status_t names_live_session(apr_pool_t *p, saml_store_t *st,
                                       const saml_logout_message_t *m, const char *scope,
                                       const char *idp, apr_time_t now, int *live)
{
    apr_status_t rv = APR_SUCCESS;
    int i;

    *live = 0;
    if (m->session_indexes->nelts == 0)
        return saml_session_index_live(p, st, scope, idp, m->name_id, NULL, now, live);
    for (i = 0; i < m->session_indexes->nelts && !*live && rv == APR_SUCCESS; i++)
        rv = saml_session_index_live(p, st, scope, idp, m->name_id,
                                     APR_ARRAY_IDX(m->session_indexes, i, const char *), now,
                                     live);
    return rv;
}

static apr_status_t already_seen(apr_pool_t *p, saml_store_t *st,
                                 const saml_logout_message_t *m, saml_err_t *err)
{
    const char *key = seen_key(p, m);
    char *val;
    apr_size_t len;
    apr_status_t rv;

    if (key == NULL)
        return saml_fail(p, err, SAML_EINTERNAL, "replay", "SHA-256 unavailable");
    rv = saml_store_get(st, key, p, &val, &len);
    if (rv == APR_SUCCESS)
        return saml_fail(p, err, SAML_EREPLAY, "replay", "LogoutRequest %s from %s was already "
                         "processed", saml_log_escape(p, m->id, 128),
                         saml_log_escape(p, m->issuer, 200));
    if (rv != APR_NOTFOUND)
        return store_failure(p, err, rv, "logout replay cache");
    return APR_SUCCESS;
}

apr_status_t saml_logout_request_apply(apr_pool_t *p, saml_store_t *st,
                                       const saml_logout_message_t *m,
                                       saml_logout_unsigned_t rule, const char *scope,
                                       const char *idp_entity_id, apr_time_t now,
                                       apr_interval_time_t lifetime, int *ended, saml_err_t *err)
{
    int is_signed = m->signed_xml || m->signed_query;
    apr_status_t rv = APR_SUCCESS;
    int i, n, live;

    *ended = 0;
    if (!is_signed && m->session_indexes->nelts == 0 && rule != SAML_LOGOUT_UNSIGNED_BY_NAME_ID)
        return saml_fail(p, err, SAML_EREJECTED, "name-id-only",
                         "unsigned LogoutRequest %s names only NameID \"%s\" and no "
                         "SessionIndex: no session ended (have the IdP sign its logout "
                         "requests, or allow this with SequrSAMLLogoutSignatures "
                         "optional-name-only)", saml_log_escape(p, m->id, 128),
                         saml_log_escape(p, m->name_id, 200));
    if (!is_signed) {
        /* A replay is still told apart (read only): acted on once, then seen. */
        if ((rv = already_seen(p, st, m, err)) != APR_SUCCESS)
            return rv;
        if ((rv = names_live_session(p, st, m, scope, idp_entity_id, now, &live)) != APR_SUCCESS)
            return store_failure(p, err, rv, "session index");
        if (!live)
            return APR_SUCCESS;
    }
    if ((rv = saml_logout_request_remember(p, st, m, now, lifetime, err)) != APR_SUCCESS)
        return rv;
    if (m->session_indexes->nelts == 0)
        rv = saml_session_end_by_name(p, st, scope, idp_entity_id, m->name_id, NULL, ended);
    for (i = 0; i < m->session_indexes->nelts && rv == APR_SUCCESS; i++) {
        rv = saml_session_end_by_name(p, st, scope, idp_entity_id, m->name_id,
                                      APR_ARRAY_IDX(m->session_indexes, i, const char *), &n);
        *ended += n;
    }
    if (rv != APR_SUCCESS) {
        return saml_fail(p, err, SAML_EUNAVAILABLE, "session-store",
                         "ending the sessions of %s: %s", saml_log_escape(p, m->name_id, 200),
                         saml_store_error_text(p, rv));
    }
    return APR_SUCCESS;
}
