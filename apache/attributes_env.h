/* The signed-in user's attributes as the application behind Apache sees them. */
#ifndef SEQUR_ATTRIBUTES_ENV_H
#define SEQUR_ATTRIBUTES_ENV_H

#include "httpd.h"
#include "apr_tables.h"

#include "saml/session.h"

/* Every attribute of the session into r->subprocess_env (CGI, SSI,
 * mod_rewrite, mod_headers for proxied backends) under the location's
 * SequrSAMLEnvPrefix, values joined with SequrSAMLEnvSeparator; then
 * SEQUR_SAML_IDP, SEQUR_SAML_NAME_ID, SEQUR_SAML_SESSION_INDEX (when the
 * session has one) and SEQUR_SAML_SESSION_EXPIRES (the session's hard end,
 * ISO 8601 UTC), which win over an attribute of the same name. */
void sequr_export_attributes(request_rec *r, const saml_session_t *s);
/* With SequrSAMLRequestHeaders On (call after r->user is set) the same go to
 * a proxied backend as request headers: SequrSAMLRequestHeaderPrefix + the
 * variable's name in header spelling (Sequr-SAML-Groups), one per attribute
 * with its values joined, and Sequr-SAML-Remote-User, -Idp, -Name-Id. */

/* name: value into r->headers_in, unless the value holds a control character
 * (CR, LF, ...: it would split the header for a proxied backend): then the
 * header is removed and a warning logged. A NULL value removes the header. */
void sequr_set_request_header(request_rec *r, const char *name, const char *value);

/* At sign-in, once: log what the application will not find in its
 * environment (values with control characters, colliding names) and Entra's
 * groups overage, which means the groups must be fetched from Graph. */
void sequr_log_attribute_notes(request_rec *r, const char *user,
                               const apr_array_header_t *attributes);

#endif
