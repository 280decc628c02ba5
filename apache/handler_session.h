/* PATH/session (handler_session.c). */
#ifndef SEQUR_HANDLER_SESSION_H
#define SEQUR_HANDLER_SESSION_H

#include "httpd.h"
#include "apache/config.h"

/* With SequrSAMLSessionInfo On: the browser's own session as JSON
 * (saml_session_info_json), no-store, for the site's own pages only; 401 and
 * a JSON body without a session; 403 for another site's page; 404 when off. */
int sequr_handle_session(request_rec *r, const sequr_server_conf_t *c);

#endif
