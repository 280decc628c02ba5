/* The Sequr user store seen from Apache: the directive that turns it on
 * through mod_dbd, the check at sign-in and the recheck of signed-in users. */
#ifndef SEQUR_USER_CHECK_H
#define SEQUR_USER_CHECK_H

#include "httpd.h"
#include "http_config.h"

#include "apache/config.h"
#include "saml/session.h"

/* SequrSAMLUserStore dbd|none. `dbd` needs mod_dbd loaded before it: without
 * it the directive fails, so configtest names the file and line. */
const char *sequr_set_user_store(cmd_parms *cmd, void *dc, const char *arg);

/* At the ACS, after the response is verified: OK with *stored set to the
 * Sequr spelling of name (name itself when no store is configured).
 * Otherwise the refusal page is written (403 for an unknown or inactive user,
 * the same page for both; 503 when the store cannot answer) and DONE is
 * returned: no session may be opened. */
int sequr_user_check_sign_in(request_rec *r, const sequr_server_conf_t *c, const char *name,
                             const char **stored);

/* On a request with a valid session: OK when no check is due or the user is
 * still active (then user_checked is refreshed and saved). Otherwise DONE
 * with the page written; an unknown or inactive user's session is removed
 * and its cookie cleared. */
int sequr_user_recheck(request_rec *r, const sequr_server_conf_t *c, saml_session_t *s);

#endif
