/* PATH/metadata and PATH/logout: the two small endpoints. */
#include "handlers.h"

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "authn_request.h"
#include "log.h"
#include "relay_state.h"
#include "request.h"
#include "session.h"
#include "sp_metadata.h"

APLOG_USE_MODULE(sequr_saml);

int sequr_handle_metadata(request_rec *r, const sequr_server_conf_t *c)
{
    saml_sp_metadata_params_t params = {0};

    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    params.entity_id = c->sp_entity_id;
    params.acs_url = sequr_endpoint_url(r, c, "acs");
    params.slo_url = sequr_endpoint_url(r, c, "logout");
    params.name_id_format = c->name_id_format;
    params.cert = c->sp_cert;
    ap_set_content_type(r, "application/samlmetadata+xml");
    ap_rputs(saml_sp_metadata(r->pool, &params), r);
    return OK;
}

/* ReturnTo from the query string, percent-decoded, if it is a local path. */
static const char *return_to(request_rec *r, const sequr_server_conf_t *c)
{
    char *args = r->args ? apr_pstrdup(r->pool, r->args) : NULL;
    char *pair, *last = NULL;

    for (pair = args ? apr_strtok(args, "&", &last) : NULL; pair; pair = apr_strtok(NULL, "&", &last)) {
        if (!strncmp(pair, "ReturnTo=", 9)) {
            char *v = pair + 9;
            if (ap_unescape_urlencoded(v) == OK && saml_is_local_path(v))
                return v;
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          SEQLOGNO(01401) "logout ReturnTo %s is not a local path: using %s",
                          sequr_log_value(r, pair + 9), c->landing_path);
            break;
        }
    }
    return c->landing_path;
}

int sequr_handle_logout(request_rec *r, const sequr_server_conf_t *c)
{
    apr_array_header_t *ids = sequr_cookie_values(r, sequr_cookie_name(c));
    int i;

    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    for (i = 0; i < ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        if (saml_session_id_is_wellformed(id) &&
            saml_session_remove(r->pool, c->store, id) != APR_SUCCESS)
            return sequr_fail(r, HTTP_SERVICE_UNAVAILABLE, "store", "cannot remove the session");
    }
    sequr_cookie_clear(r, c);
    return sequr_see_other(r, return_to(r, c));
}
