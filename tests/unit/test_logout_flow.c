/* The Single Logout sequence (saml_logout_receive, saml_logout_start,
 * saml_logout_end_local): our LogoutRequest remembered and finished once,
 * the IdP's LogoutRequest ending the sessions its SessionIndex names and
 * answered (Success, Requester when not acted on, Responder when the store
 * fails while ending), the answer going to the SSO URL without an SLO URL,
 * tenants chosen by the Issuer, query signatures checked with the usable
 * (unexpired) certificates only. */
#include <check.h>
#include <apr_strings.h>
#include <string.h>

#include "saml/codec.h"
#include "saml/logout_flow.h"
#include "saml/redirect_binding.h"
#include "saml/store_file.h"
#include "tests/unit/fault_store.h"
#include "tests/unit/testkit.h"

#define LOGOUT_URL  "https://sp.example.test/saml/logout"
#define SLO_URL     "https://login.microsoftonline.com/" TK_TENANT_ID "/saml2/logout"
#define LOGIN_ISSUER "https://login.microsoftonline.com/" TK_TENANT_ID "/"
#define TENANT_B    "0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define STS_B       "https://sts.windows.net/" TENANT_B "/"
#define LOGIN_B     "https://login.microsoftonline.com/" TENANT_B "/"
#define SLO_URL_B   "https://login.microsoftonline.com/" TENANT_B "/saml2/logout"
#define USER        "alice@contoso.example"
#define SCOPE       "sp.example.test:443|sequr_saml_session|" TK_SP_ENTITY_ID
#define HOUR        apr_time_from_sec(3600)

static tk_keypair_t *idp;

static void setup(void)
{
    tk_setup();
    idp = tk_keypair_new(tk_pool(), 2048, "idp", 30);
}

static void teardown(void)
{
    tk_teardown();
}

static apr_array_header_t *certs_of(apr_pool_t *p, X509 *a)
{
    apr_array_header_t *certs = apr_array_make(p, 1, sizeof(X509 *));
    APR_ARRAY_PUSH(certs, X509 *) = a;
    return certs;
}

static saml_idp_t idp_named(apr_pool_t *p, const char *name, const char *entity_id,
                            const char *slo_url, tk_keypair_t *keys)
{
    saml_idp_t i = {0};
    i.name = name;
    i.entity_id = entity_id;
    i.sso_url = TK_IDP_SSO_URL;
    i.slo_url = slo_url;
    i.certs = certs_of(p, keys->cert);
    i.verifier = tk_verifier(p, keys->cert, NULL, 0);
    return i;
}

/* One server with its default IdP (Entra, with a logout URL) and st. */
static saml_logout_context_t context(apr_pool_t *p, saml_store_t *st)
{
    saml_logout_context_t ctx = {0};
    apr_array_header_t *idps = apr_array_make(p, 2, sizeof(saml_idp_t));

    APR_ARRAY_PUSH(idps, saml_idp_t) = idp_named(p, "", TK_IDP_ENTITY_ID, SLO_URL, idp);
    ctx.store = st;
    ctx.idps = idps;
    ctx.sp_entity_id = TK_SP_ENTITY_ID;
    ctx.logout_url = LOGOUT_URL;
    ctx.scope = SCOPE;
    ctx.skew = apr_time_from_sec(180);
    ctx.request_lifetime = apr_time_from_sec(600);
    ctx.max_message_size = SAML_XML_DEFAULT_MAX_BYTES;
    ctx.landing_path = "/";
    ctx.now = apr_time_now();
    return ctx;
}

static saml_idp_t *default_idp(const saml_logout_context_t *ctx)
{
    return &APR_ARRAY_IDX(ctx->idps, 0, saml_idp_t);
}

/* A signed-in user of the IdP entity_id, with SessionIndex index. */
static saml_session_t *sign_in(apr_pool_t *p, saml_store_t *st, const char *entity_id,
                               const char *index)
{
    saml_session_t *s = apr_pcalloc(p, sizeof(*s));
    s->user = USER;
    s->idp_entity_id = entity_id;
    s->name_id = USER;
    s->session_index = index;
    s->scope = SCOPE;
    ck_assert_int_eq(saml_session_start(p, st, s, HOUR, 0, apr_time_now()), APR_SUCCESS);
    return s;
}

static int alive(apr_pool_t *p, saml_store_t *st, const saml_session_t *s)
{
    saml_session_t *out;
    return saml_session_load(p, st, s->id, SCOPE, 0, apr_time_now(), &out) == APR_SUCCESS;
}

/* An IdP LogoutRequest as Entra writes it (index may be NULL). */
static const char *idp_logout_request(apr_pool_t *p, const char *id, const char *issuer,
                                      const char *index)
{
    return apr_psprintf(p,
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
        "ID=\"%s\" Version=\"2.0\" IssueInstant=\"%s\" Destination=\"%s\">"
        "<Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">%s</Issuer>"
        "<NameID xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" "
        "Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">" USER "</NameID>"
        "%s%s%s</samlp:LogoutRequest>", id, tk_time(p, apr_time_now()), LOGOUT_URL, issuer,
        index ? "<samlp:SessionIndex>" : "", index ? index : "",
        index ? "</samlp:SessionIndex>" : "");
}

static const char *idp_logout_response(apr_pool_t *p, const char *irt, const char *status)
{
    return apr_psprintf(p,
        "<samlp:LogoutResponse xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
        "ID=\"_res%s\" Version=\"2.0\" IssueInstant=\"%s\" Destination=\"%s\" "
        "InResponseTo=\"%s\"><Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">"
        LOGIN_ISSUER "</Issuer><samlp:Status><samlp:StatusCode Value=\"%s\"/></samlp:Status>"
        "</samlp:LogoutResponse>", irt, tk_time(p, apr_time_now()), LOGOUT_URL, irt, status);
}

/* The POST binding's form. */
static saml_logout_received_t posted(apr_pool_t *p, const char *param, const char *xml,
                                     const char *relay)
{
    saml_logout_received_t in = {0};
    in.form = apr_table_make(p, 2);
    apr_table_setn(in.form, param, saml_base64_encode(p, (const unsigned char *)xml,
                                                      strlen(xml)));
    if (relay)
        apr_table_setn(in.form, "RelayState", relay);
    return in;
}

/* The Redirect binding's query, signed with key when it is not NULL. */
static saml_logout_received_t redirected(apr_pool_t *p, const char *param, const char *xml,
                                         const char *relay, EVP_PKEY *key)
{
    saml_logout_received_t in = {0};
    saml_err_t err = {0};
    const char *url;
    ck_assert_int_eq(saml_redirect_encode(p, LOGOUT_URL, param, xml, relay, key, &url, &err),
                     APR_SUCCESS);
    in.query = strchr(url, '?') + 1;
    return in;
}

/* The message a URL we sent the browser to carries. */
static saml_redirect_message_t *carried(apr_pool_t *p, const char *url)
{
    saml_redirect_message_t *m;
    saml_err_t err = {0};
    ck_assert_ptr_nonnull(strchr(url, '?'));
    ck_assert_int_eq(saml_redirect_parse(p, strchr(url, '?') + 1, 1 << 20, &m, &err),
                     APR_SUCCESS);
    return m;
}

static int starts_with(const char *s, const char *prefix)
{
    return s && !strncmp(s, prefix, strlen(prefix));
}

/* ---- SP-initiated ------------------------------------------------------------ */

/* Start: the request is remembered with a random handle, the return path
 * stays here; the IdP's Success answer finishes it once. */
static const char *start(apr_pool_t *p, saml_logout_context_t *ctx, const char **relay)
{
    saml_session_t *s = sign_in(p, ctx->store, TK_IDP_ENTITY_ID, "_s1");
    saml_redirect_message_t *m;
    saml_err_t err = {0};
    const char *url, *request_id;

    ck_assert_int_eq(saml_logout_start(p, ctx, default_idp(ctx), s, "/bye", &url, &request_id,
                                       &err), APR_SUCCESS);
    ck_assert(starts_with(url, SLO_URL "?SAMLRequest="));
    m = carried(p, url);
    ck_assert_str_eq(m->param, "SAMLRequest");
    ck_assert_ptr_nonnull(strstr(m->xml, request_id));
    ck_assert_ptr_nonnull(strstr(m->xml, "_s1"));
    ck_assert_ptr_null(strstr(url, "bye"));        /* the return path never travels */
    *relay = m->relay_state;
    return request_id;
}

START_TEST(our_request_is_confirmed_once)
{
    apr_pool_t *p = tk_pool();
    saml_logout_context_t ctx = context(p, tk_file_store(p));
    saml_logout_received_t in;
    saml_logout_outcome_t *out;
    saml_err_t err = {0};
    const char *relay, *id = start(p, &ctx, &relay);

    in = redirected(p, "SAMLResponse", idp_logout_response(p, id, TK_STATUS_SUCCESS), relay,
                    NULL);
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), APR_SUCCESS);
    ck_assert_int_eq(out->kind, SAML_LOGOUT_CONFIRMED);
    ck_assert_str_eq(out->url, "/bye");
    ck_assert_str_eq(out->message->in_response_to, id);
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EREJECTED);
    ck_assert_int_eq(out->kind, SAML_LOGOUT_REFUSED);
    ck_assert_str_eq(err.check, "in-response-to");
}
END_TEST

START_TEST(our_request_not_confirmed_by_a_failed_status)
{
    apr_pool_t *p = tk_pool();
    saml_logout_context_t ctx = context(p, tk_file_store(p));
    saml_logout_received_t in;
    saml_logout_outcome_t *out;
    saml_err_t err = {0};
    const char *relay, *id = start(p, &ctx, &relay);

    in = posted(p, "SAMLResponse",
                idp_logout_response(p, id, "urn:oasis:names:tc:SAML:2.0:status:Responder"),
                relay);
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EREJECTED);
    ck_assert_int_eq(out->kind, SAML_LOGOUT_NOT_CONFIRMED);
    ck_assert_str_eq(err.check, "status");
    ck_assert_str_eq(out->url, "/bye");
}
END_TEST

START_TEST(start_refused_when_the_request_cannot_be_remembered)
{
    apr_pool_t *p = tk_pool();
    fault_store_t *fault;
    saml_logout_context_t ctx = context(p, fault_store_new(p, tk_file_store(p), &fault));
    saml_session_t *s = sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s1");
    saml_err_t err = {0};
    const char *url = NULL, *id;

    fault->prefix = SAML_STORE_NS_PENDING_LOGOUT;
    fault->ops = FAULT_SET | FAULT_ADD;
    ck_assert_int_eq(saml_logout_start(p, &ctx, default_idp(&ctx), s, "/", &url, &id, &err),
                     SAML_EUNAVAILABLE);
    ck_assert_str_eq(err.check, "store");
    ck_assert_ptr_null(url);
}
END_TEST

START_TEST(local_logout_ends_every_session_of_the_browser)
{
    apr_pool_t *p = tk_pool();
    saml_logout_context_t ctx = context(p, tk_file_store(p));
    saml_session_t *anonymous = apr_pcalloc(p, sizeof(*anonymous));
    saml_session_t *named = sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s1"), *found;
    apr_array_header_t *ids = apr_array_make(p, 3, sizeof(const char *));
    saml_err_t err = {0};

    anonymous->user = "local";
    anonymous->scope = SCOPE;
    ck_assert_int_eq(saml_session_start(p, ctx.store, anonymous, HOUR, 0, ctx.now), APR_SUCCESS);
    APR_ARRAY_PUSH(ids, const char *) = "not-a-session-id";
    APR_ARRAY_PUSH(ids, const char *) = anonymous->id;
    APR_ARRAY_PUSH(ids, const char *) = named->id;
    ck_assert_int_eq(saml_logout_end_local(p, &ctx, ids, &found, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(found);
    ck_assert_str_eq(found->id, named->id);
    ck_assert_str_eq(found->session_index, "_s1");
    ck_assert(!alive(p, ctx.store, named));
    ck_assert(!alive(p, ctx.store, anonymous));
}
END_TEST

START_TEST(local_logout_stops_on_a_store_failure)
{
    apr_pool_t *p = tk_pool();
    fault_store_t *fault;
    saml_logout_context_t ctx = context(p, fault_store_new(p, tk_file_store(p), &fault));
    saml_session_t *s = sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s1"), *found;
    apr_array_header_t *ids = apr_array_make(p, 1, sizeof(const char *));
    saml_err_t err = {0};

    APR_ARRAY_PUSH(ids, const char *) = s->id;
    fault->prefix = SAML_STORE_NS_SESSION;
    fault->ops = FAULT_REMOVE;
    ck_assert_int_eq(saml_logout_end_local(p, &ctx, ids, &found, &err), SAML_EUNAVAILABLE);
    ck_assert_str_eq(err.check, "store");
}
END_TEST

/* ---- IdP-initiated ---------------------------------------------------------------- */

START_TEST(idp_request_ends_the_named_session_and_is_answered)
{
    apr_pool_t *p = tk_pool();
    saml_logout_context_t ctx = context(p, tk_file_store(p));
    saml_session_t *s1 = sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s1");
    saml_session_t *s2 = sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s2");
    saml_logout_received_t in = posted(p, "SAMLRequest",
                                       idp_logout_request(p, "_lr1", LOGIN_ISSUER, "_s1"), "r1");
    saml_logout_outcome_t *out;
    saml_redirect_message_t *answer;
    saml_err_t err = {0};

    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), APR_SUCCESS);
    ck_assert_int_eq(out->kind, SAML_LOGOUT_ANSWERED);
    ck_assert_str_eq(out->status, SAML_STATUS_SUCCESS);
    ck_assert_int_eq(out->ended, 1);
    ck_assert(!alive(p, ctx.store, s1));
    ck_assert(alive(p, ctx.store, s2));
    ck_assert(starts_with(out->url, SLO_URL "?SAMLResponse="));
    answer = carried(p, out->url);
    ck_assert_str_eq(answer->relay_state, "r1");
    ck_assert_ptr_nonnull(strstr(answer->xml, "InResponseTo=\"_lr1\""));
    ck_assert_ptr_nonnull(strstr(answer->xml, SAML_STATUS_SUCCESS));
    /* Acted on once. */
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EREPLAY);
    ck_assert_int_eq(out->kind, SAML_LOGOUT_REFUSED);
    ck_assert_str_eq(err.check, "replay");
}
END_TEST

START_TEST(answer_goes_to_the_sso_url_without_a_logout_url)
{
    apr_pool_t *p = tk_pool();
    saml_logout_context_t ctx = context(p, tk_file_store(p));
    saml_logout_received_t in;
    saml_logout_outcome_t *out;
    saml_err_t err = {0};

    default_idp(&ctx)->slo_url = "";
    sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s1");
    in = redirected(p, "SAMLRequest", idp_logout_request(p, "_lr2", LOGIN_ISSUER, "_s1"), NULL,
                    NULL);
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), APR_SUCCESS);
    ck_assert_int_eq(out->kind, SAML_LOGOUT_ANSWERED);
    ck_assert(starts_with(out->url, TK_IDP_SSO_URL "?SAMLResponse="));
}
END_TEST

START_TEST(responder_when_the_store_fails_while_ending)
{
    apr_pool_t *p = tk_pool();
    fault_store_t *fault;
    saml_logout_context_t ctx = context(p, fault_store_new(p, tk_file_store(p), &fault));
    saml_logout_received_t in = posted(p, "SAMLRequest",
                                       idp_logout_request(p, "_lr3", LOGIN_ISSUER, "_s1"), NULL);
    saml_logout_outcome_t *out;
    saml_err_t err = {0};

    sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s1");
    fault->prefix = SAML_STORE_NS_LOGOUT_INDEX;
    fault->ops = FAULT_TAKE;
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), APR_SUCCESS);
    ck_assert_int_eq(out->kind, SAML_LOGOUT_ANSWERED);
    ck_assert_str_eq(out->status, SAML_STATUS_RESPONDER);
    ck_assert_str_eq(out->why.check, "session-store");
    ck_assert_ptr_nonnull(strstr(carried(p, out->url)->xml, SAML_STATUS_RESPONDER));
}
END_TEST

START_TEST(refused_when_the_store_fails_before_anything_ended)
{
    apr_pool_t *p = tk_pool();
    fault_store_t *fault;
    saml_logout_context_t ctx = context(p, fault_store_new(p, tk_file_store(p), &fault));
    saml_logout_received_t in = posted(p, "SAMLRequest",
                                       idp_logout_request(p, "_lr4", LOGIN_ISSUER, "_s1"), NULL);
    saml_logout_outcome_t *out;
    saml_err_t err = {0};

    sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s1");
    fault->prefix = SAML_STORE_NS_LOGOUT_INDEX;
    fault->ops = FAULT_GET;
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EUNAVAILABLE);
    ck_assert_int_eq(out->kind, SAML_LOGOUT_REFUSED);
    ck_assert_str_eq(err.check, "store");
    ck_assert_ptr_null(out->status);
}
END_TEST

START_TEST(requester_when_an_unsigned_request_names_only_the_name_id)
{
    apr_pool_t *p = tk_pool();
    saml_logout_context_t ctx = context(p, tk_file_store(p));
    saml_session_t *s = sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s1");
    saml_logout_received_t in = posted(p, "SAMLRequest",
                                       idp_logout_request(p, "_lr5", LOGIN_ISSUER, NULL), NULL);
    saml_logout_outcome_t *out;
    saml_err_t err = {0};

    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), APR_SUCCESS);
    ck_assert_int_eq(out->kind, SAML_LOGOUT_ANSWERED);
    ck_assert_str_eq(out->status, SAML_STATUS_REQUESTER);
    ck_assert_str_eq(out->why.check, "name-id-only");
    ck_assert_int_eq(out->ended, 0);
    ck_assert(alive(p, ctx.store, s));
    ck_assert_ptr_nonnull(strstr(carried(p, out->url)->xml, SAML_STATUS_REQUEST_DENIED));
    /* ... unless the admin allows it. */
    ctx.unsigned_rule = SAML_LOGOUT_UNSIGNED_BY_NAME_ID;
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), APR_SUCCESS);
    ck_assert_str_eq(out->status, SAML_STATUS_SUCCESS);
    ck_assert_int_eq(out->ended, 1);
}
END_TEST

START_TEST(message_must_be_what_its_parameter_says)
{
    apr_pool_t *p = tk_pool();
    saml_logout_context_t ctx = context(p, tk_file_store(p));
    saml_logout_received_t in = posted(p, "SAMLResponse",
                                       idp_logout_request(p, "_lr6", LOGIN_ISSUER, "_s1"), NULL);
    saml_logout_outcome_t *out;
    saml_err_t err = {0};

    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EMALFORMED);
    ck_assert_str_eq(err.check, "shape");
    apr_table_setn(in.form, "SAMLRequest", apr_table_get(in.form, "SAMLResponse"));
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EMALFORMED);
    ck_assert_str_eq(err.check, "form");
    apr_table_unset(in.form, "SAMLResponse");
    apr_table_setn(in.form, "SAMLRequest", "%%%not base64");
    err = (saml_err_t){0};
    ck_assert_int_ne(saml_logout_receive(p, &ctx, &in, &out, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(err.check);
    /* Neither binding. */
    in.form = NULL;
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EMALFORMED);
    ck_assert_str_eq(err.check, "form");
}
END_TEST

/* ---- tenants and signatures ------------------------------------------------------- */

START_TEST(tenant_chosen_by_the_issuer_ends_only_its_own_sessions)
{
    apr_pool_t *p = tk_pool();
    tk_keypair_t *idp_b = tk_keypair_new(p, 2048, "idp-b", 30);
    saml_logout_context_t ctx = context(p, tk_file_store(p));
    saml_session_t *of_a = sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s1");
    saml_session_t *of_b = sign_in(p, ctx.store, STS_B, "_s1");
    saml_logout_received_t in;
    saml_logout_outcome_t *out;
    saml_err_t err = {0};

    APR_ARRAY_PUSH((apr_array_header_t *)ctx.idps, saml_idp_t) =
        idp_named(p, "b", STS_B, SLO_URL_B, idp_b);
    in = redirected(p, "SAMLRequest", idp_logout_request(p, "_lr7", LOGIN_B, "_s1"), NULL,
                    idp_b->key);
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), APR_SUCCESS);
    ck_assert_str_eq(out->idp->name, "b");
    ck_assert(out->message->signed_query);
    ck_assert_int_eq(out->ended, 1);
    ck_assert(!alive(p, ctx.store, of_b));
    ck_assert(alive(p, ctx.store, of_a));
    ck_assert(starts_with(out->url, SLO_URL_B "?"));

    /* Signed by A's key but claiming B: B's keys decide. */
    in = redirected(p, "SAMLRequest", idp_logout_request(p, "_lr8", LOGIN_B, "_s1"), NULL,
                    idp->key);
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "signature");
    /* No configured IdP. */
    in = redirected(p, "SAMLRequest", idp_logout_request(p, "_lr9", "https://evil.example/",
                                                         "_s1"), NULL, NULL);
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "issuer");
    ck_assert_ptr_null(out->idp);
    /* Unreadable: no Issuer to route by. */
    in = redirected(p, "SAMLRequest", "<not-saml/>", NULL, NULL);
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EMALFORMED);
}
END_TEST

START_TEST(query_signature_by_an_expired_certificate_refused_unless_allowed)
{
    apr_pool_t *p = tk_pool();
    tk_keypair_t *old = tk_keypair_new(p, 2048, "old", -1);
    saml_logout_context_t ctx = context(p, tk_file_store(p));
    saml_logout_received_t in;
    saml_logout_outcome_t *out;
    saml_err_t err = {0};

    /* The verifier for XML signatures holds the current key only; the old,
     * expired one is still configured. */
    default_idp(&ctx)->certs = certs_of(p, old->cert);
    sign_in(p, ctx.store, TK_IDP_ENTITY_ID, "_s1");
    in = redirected(p, "SAMLRequest", idp_logout_request(p, "_lr10", LOGIN_ISSUER, "_s1"), NULL,
                    old->key);
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), SAML_EREJECTED);
    ctx.allow_expired_certs = 1;
    ck_assert_int_eq(saml_logout_receive(p, &ctx, &in, &out, &err), APR_SUCCESS);
    ck_assert(out->message->signed_query);
    ck_assert_int_eq(out->ended, 1);
}
END_TEST

static Suite *logout_flow_suite(void)
{
    Suite *s = suite_create("logout_flow");
    TCase *sp = tcase_create("sp-initiated");
    TCase *idp_tc = tcase_create("idp-initiated");

    tcase_add_checked_fixture(sp, setup, teardown);
    tcase_add_test(sp, our_request_is_confirmed_once);
    tcase_add_test(sp, our_request_not_confirmed_by_a_failed_status);
    tcase_add_test(sp, start_refused_when_the_request_cannot_be_remembered);
    tcase_add_test(sp, local_logout_ends_every_session_of_the_browser);
    tcase_add_test(sp, local_logout_stops_on_a_store_failure);
    suite_add_tcase(s, sp);

    tcase_add_checked_fixture(idp_tc, setup, teardown);
    tcase_add_test(idp_tc, idp_request_ends_the_named_session_and_is_answered);
    tcase_add_test(idp_tc, answer_goes_to_the_sso_url_without_a_logout_url);
    tcase_add_test(idp_tc, responder_when_the_store_fails_while_ending);
    tcase_add_test(idp_tc, refused_when_the_store_fails_before_anything_ended);
    tcase_add_test(idp_tc, requester_when_an_unsigned_request_names_only_the_name_id);
    tcase_add_test(idp_tc, message_must_be_what_its_parameter_says);
    tcase_add_test(idp_tc, tenant_chosen_by_the_issuer_ends_only_its_own_sessions);
    tcase_add_test(idp_tc, query_signature_by_an_expired_certificate_refused_unless_allowed);
    suite_add_tcase(s, idp_tc);
    return s;
}

int main(void)
{
    int failed;

    tk_run_dir_make("logout_flow");
    failed = tk_run_suite(logout_flow_suite());
    tk_run_dir_remove();
    return failed;
}
