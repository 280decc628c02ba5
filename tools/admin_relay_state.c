/* relay-state: the value for the "Relay State" box of Azure's Basic SAML
 * Configuration, the counterpart of the one Sequr's Save button generates.
 *
 * Azure posts it back unchanged with every IdP-initiated (My Apps tile)
 * response, and the module follows a RelayState only when it is a local path
 * of this site (saml/relay_state.c), so the value is a local path: the
 * landing page with the tenant as a query parameter, "/?sequr_tenant=acme".
 * The module accepts it today (the application sees the parameter), and a
 * later multi-tenant router can read the tenant from the same value without
 * anyone editing Azure again. The SAML bindings cap RelayState at 80 bytes;
 * the value is refused beyond that rather than truncated by someone else. */
#include "tools/admin.h"

#include <apr_strings.h>
#include <stdio.h>
#include <string.h>

#include "saml/relay_state.h"

#define TENANT_MAX 64
#define RELAY_STATE_MAX 80   /* SAML 2.0 bindings, 3.4.3 and 3.5.3 */
#define TENANT_PARAMETER "sequr_tenant"

int admin_tenant_is_valid(const char *tenant)
{
    apr_size_t n = tenant ? strlen(tenant) : 0;

    return n >= 1 && n <= TENANT_MAX &&
           strspn(tenant, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

const char *admin_relay_state_value(apr_pool_t *p, const char *tenant, const char *path,
                                    const char **error)
{
    const char *value;

    if (!admin_tenant_is_valid(tenant)) {
        *error = apr_psprintf(p, "tenant '%s' must be 1 to %d of A-Z a-z 0-9 . _ -",
                              saml_log_escape(p, tenant ? tenant : "", 80), TENANT_MAX);
        return NULL;
    }
    if (path == NULL)
        path = "/";
    /* A fragment never reaches the server: the tenant after it would be lost. */
    if (strchr(path, '#') || !saml_is_local_path(path)) {
        *error = apr_psprintf(p, "--path '%s' is not a local path of this site (one leading '/', "
                              "no '//', '\\', spaces, control characters or '#')",
                              saml_log_escape(p, path, 80));
        return NULL;
    }
    value = apr_pstrcat(p, path, strchr(path, '?') ? "&" : "?", TENANT_PARAMETER "=", tenant,
                        NULL);
    if (strlen(value) > RELAY_STATE_MAX) {
        *error = apr_psprintf(p, "'%s' is %d bytes; a RelayState is at most %d (choose a "
                              "shorter --path)", value, (int)strlen(value), RELAY_STATE_MAX);
        return NULL;
    }
    /* The module's own rule has the last word. */
    if (!saml_is_local_path(value)) {
        *error = apr_psprintf(p, "'%s' would not be followed by the module", value);
        return NULL;
    }
    return value;
}

int admin_cmd_relay_state(apr_pool_t *p, const admin_args_t *a)
{
    const char *error = NULL;
    const char *value = admin_relay_state_value(p, admin_operand(a, 0),
                                                admin_option(a, "--path"), &error);

    if (value == NULL)
        return admin_complain(ADMIN_EXIT_USAGE, "%s", error);
    printf("%s\n", value);
    return ADMIN_EXIT_OK;
}
