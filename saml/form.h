/* application/x-www-form-urlencoded bodies of the POST binding. */
#ifndef SAML_FORM_H
#define SAML_FORM_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "saml/error.h"

/* Most fields a form may carry. The ACS reads two (SAMLResponse,
 * RelayState), the logout endpoint three (SAMLRequest or SAMLResponse,
 * RelayState, and the refusal of both at once); the rest is a margin for
 * harmless extras a form generator might add. A hard, small cap: it keeps the
 * cost of a hostile body linear and tiny (issue #10 item 1). */
#define SAML_FORM_MAX_FIELDS 8

/* Whether a Content-Type (may be NULL) names this form encoding: the media
 * type, in any case, alone or followed by ';' (parameters) or a space. */
int saml_form_is_urlencoded(const char *content_type);

/* Parse body into name -> value (percent- and '+'-decoded). Refuses
 * (SAML_EMALFORMED, check "form-fields") a body of more than
 * SAML_FORM_MAX_FIELDS fields before decoding any; then (SAML_EMALFORMED)
 * bad percent escapes, NUL bytes and any field name given twice, so
 * "SAMLResponse=a&SAMLResponse=b" can never be read last-wins. Linear in len. */
apr_status_t saml_form_parse(apr_pool_t *p, const char *body, apr_size_t len,
                             apr_table_t **out, saml_err_t *err);

#endif
