/* PATH/metadata: the SP metadata Azure's "Upload metadata file" reads (PATH/logout
 * is in handler_logout.c). */
#include "apache/handler_metadata.h"

#include "http_protocol.h"

#include "apache/public_url.h"
#include "saml/sp_metadata.h"

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
    params.certs = c->sp_certs;             /* all pairs of an SP key rollover */
    params.authn_requests_signed = c->sign_requests == 1;
    ap_set_content_type(r, "application/samlmetadata+xml");
    ap_rputs(saml_sp_metadata(r->pool, &params), r);
    return OK;
}
