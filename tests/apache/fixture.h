/* A server configured as check_config leaves it (SP, default IdP with a
 * verifier, the file store in the test's run directory, defaults applied),
 * and sessions really saved in that store: what the authn, header, export
 * and authz tests start from. */
#ifndef SEQUR_TEST_FIXTURE_H
#define SEQUR_TEST_FIXTURE_H

#include "saml/session.h"
#include "tests/apache/request_fake.h"

#define FX_HOST "sp.example.test"
#define FX_USER "alice@contoso.example"
#define FX_CLAIM_NAME "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
#define FX_CLAIM_GROUPS "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
#define FX_CLAIM_DEPARTMENT "http://schemas.example.test/claims/department"

/* The server FX_HOST (no port in ServerName), fully configured. main() must
 * have called tk_run_dir_make. */
server_rec *fx_server(void);
/* A <SequrSAMLTenant name> of s with its own entity id and SSO URL. */
sequr_idp_t *fx_add_tenant(server_rec *s, const char *name);

/* A location with AuthType sequr-saml (auth_type NULL: none) and our
 * directory configuration d (NULL: a fresh one). */
ap_conf_vector_t *fx_location(sequr_dir_conf_t *d, const char *auth_type);
/* A browser's GET of uri under dir: Accept as browsers send it. */
request_rec *fx_browser_get(server_rec *s, const char *uri, ap_conf_vector_t *dir);

/* A live session of FX_USER for r's site, with attributes name
 * (FX_USER), groups (admins, staff) and department ("R&D"), saved in the
 * store; not yet in any cookie. */
saml_session_t *fx_session(request_rec *r);
void fx_save(request_rec *r, const saml_session_t *s);
/* Cookie: NAME=value as a browser sends it for r (name with __Host- on https). */
void fx_send_cookie(request_rec *r, const char *value);

#endif
