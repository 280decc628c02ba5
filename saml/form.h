/* application/x-www-form-urlencoded bodies of the POST binding. */
#ifndef SAML_FORM_H
#define SAML_FORM_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "error.h"

/* Parse body into name -> value (percent- and '+'-decoded). Refuses
 * (SAML_EMALFORMED) bad percent escapes, NUL bytes and any field name given
 * twice, so "SAMLResponse=a&SAMLResponse=b" can never be read last-wins. */
apr_status_t saml_form_parse(apr_pool_t *p, const char *body, apr_size_t len,
                             apr_table_t **out, saml_err_t *err);

#endif
