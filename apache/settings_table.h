/* Every setting that is one value: its row, and from the row its directive
 * (mod_sequr_saml.c), its help text with the default, its unset value at
 * creation, its merge and its default (config.c through settings.c).
 *
 * Adding a numeric directive touches 3 places: its name in
 * apache/directives.h, its field in apache/config.h, and its row below.
 *
 * X(ID, NAME, FIELD, KIND, SCOPE, CONTEXT, MIN, MAX, DEFAULT, EXTRA, HELP)
 *   KIND     SECONDS, COUNT, BYTES: DEFAULT is a number within MIN..MAX;
 *            FLAG: DEFAULT is On or Off;
 *            TEXT: DEFAULT is a string, EXTRA the check (or NULL);
 *            TEXT_OPTIONAL: a text without a default (DEFAULT NULL);
 *            CHOICE: EXTRA the choices, DEFAULT the word of one of them;
 *            CHOICE_OWN: a choice read by its own handler sequr_set_FIELD.
 *   SCOPE    SERVER, MAIN (main server only) or DIR (sequr_dir_conf_t).
 *   CONTEXT  where Apache allows the directive (RSRC_CONF, ACCESS_CONF, ...).
 *   HELP     what `apache2 -L` and docs/DIRECTIVES.md show; " (default X)"
 *            is added from DEFAULT. */
#ifndef SEQUR_SETTINGS_TABLE_H
#define SEQUR_SETTINGS_TABLE_H

#include "apache/directives.h"
#include "apache/settings.h"
#include "saml/store_file.h"

#define SEQUR_SERVER_SETTINGS(X) \
    X(ENDPOINT_PATH, D_ENDPOINT_PATH, endpoint_path, TEXT, SERVER, RSRC_CONF, 0, 0, \
      "/saml", sequr_check_endpoint_path, \
      "Path of the module's endpoints: PATH/acs, PATH/metadata, PATH/logout") \
    X(LOGOUT_SIGNATURES, D_LOGOUT_SIGNATURES, logout_signatures, CHOICE, SERVER, RSRC_CONF, 0, 0, \
      "optional", sequr_logout_signature_choices, \
      "optional: verified when present, and an unsigned LogoutRequest ends only sessions " \
      "whose SessionIndex it names; required: unsigned logout messages from the IdP refused; " \
      "optional-name-only (unsafe): an unsigned LogoutRequest naming only a NameID ends every " \
      "session of that NameID") \
    X(CACHE_ENTRIES, D_CACHE_ENTRIES, cache_entries, COUNT, MAIN, RSRC_CONF, 1024, 16777216, \
      SAML_STORE_FILE_DEFAULT_ENTRIES, NULL, \
      "Capacity of the file store: sessions + replay entries + answered-request markers") \
    X(CLOCK_SKEW, D_CLOCK_SKEW, clock_skew, SECONDS, SERVER, RSRC_CONF, 0, 3600, \
      180, NULL, "Allowed clock skew in seconds") \
    X(ALLOW_UNSOLICITED, D_ALLOW_UNSOLICITED, allow_unsolicited, FLAG, SERVER, RSRC_CONF, 0, 1, \
      On, NULL, "Accept IdP-initiated (unsolicited) responses") \
    X(LANDING_PATH, D_LANDING_PATH, landing_path, TEXT, SERVER, RSRC_CONF, 0, 0, \
      "/", sequr_check_local_path, \
      "Where IdP-initiated sign-in lands without a local RelayState") \
    X(SESSION_MAX_AGE, D_SESSION_MAX_AGE, session_max_age, SECONDS, SERVER, RSRC_CONF, \
      1, 366 * 86400, 28800, NULL, "Session lifetime in seconds") \
    X(SESSION_IDLE_TIMEOUT, D_SESSION_IDLE_TIMEOUT, session_idle_timeout, SECONDS, SERVER, \
      RSRC_CONF, 0, 366 * 86400, 3600, NULL, "Session idle timeout in seconds, 0 = none") \
    X(COOKIE_NAME, D_COOKIE_NAME, cookie_name, TEXT, SERVER, RSRC_CONF, 0, 0, \
      "sequr_saml_session", sequr_check_cookie_name, "Session cookie name") \
    X(ALLOW_SHA1, D_ALLOW_SHA1, allow_sha1, FLAG, SERVER, RSRC_CONF, 0, 1, \
      Off, NULL, "Accept SHA-1 signatures") \
    X(ALLOW_EXPIRED_IDP_CERT, D_ALLOW_EXPIRED_IDP_CERT, allow_expired_idp_cert, FLAG, SERVER, \
      RSRC_CONF, 0, 1, Off, NULL, \
      "Keep verifying with IdP certificates past their expiry date") \
    X(NAMEID_FORMAT, D_NAMEID_FORMAT, name_id_format, TEXT_OPTIONAL, SERVER, RSRC_CONF, 0, 0, \
      NULL, sequr_check_name_id_format, \
      "NameIDPolicy Format asked of the IdP (default emailAddress)") \
    /* Entra responses measured with tests/idp/azure_idp.py (docs/SECURITY.md): \
     * 5.5 KB default claims, 16 KB with 150 groups, 26.5 KB with 150 groups, \
     * both signatures and encryption for an RSA-4096 SP certificate, 45 KB with \
     * 30 long custom claims and 50 roles besides. 48 KiB (49152) is 1.85 x the \
     * 150-group encrypted response and bounds what an unauthenticated POST can \
     * make the ACS decode, parse and digest: a forged 48 KiB response costs \
     * about 4.5 valid sign-ins, a 64 KiB one 5.9 (bench/run worst-case). */ \
    X(MAX_RESPONSE_SIZE, D_MAX_RESPONSE_SIZE, max_response_size, BYTES, SERVER, RSRC_CONF, \
      4096, 16777216, 49152, NULL, "Largest SAML message accepted, in bytes") \
    X(REQUEST_LIFETIME, D_REQUEST_LIFETIME, request_lifetime, SECONDS, SERVER, RSRC_CONF, \
      10, 86400, 600, NULL, "How long a sign-in request may stay unanswered, in seconds") \
    X(USER_STORE, D_USER_STORE, user_store, CHOICE_OWN, SERVER, RSRC_CONF, 0, 0, \
      "none", sequr_user_store_choices, \
      "dbd: admit only users active in the Sequr user store (needs mod_dbd), or none") \
    X(USER_RECHECK_INTERVAL, D_USER_RECHECK_INTERVAL, user_recheck_interval, SECONDS, SERVER, \
      RSRC_CONF, 0, 86400, 60, NULL, "Seconds between user store checks of a signed-in user") \
    X(USER_STORE_CONTACT, D_USER_STORE_CONTACT, user_store_contact, TEXT, SERVER, RSRC_CONF, \
      0, 0, "your Sequr administrator", sequr_check_contact, \
      "Who to ask for Sequr activation, shown on the refusal page")

#define SEQUR_DIR_SETTINGS(X) \
    X(UNAUTHENTICATED, D_UNAUTHENTICATED, unauth_action, CHOICE, DIR, ACCESS_CONF | OR_AUTHCFG, \
      0, 0, "auto", sequr_unauth_choices, \
      "What a request without a session gets: auto (browsers are redirected to sign in, " \
      "API clients get 401), redirect or 401") \
    X(ENV_PREFIX, D_ENV_PREFIX, env_prefix, TEXT, DIR, RSRC_CONF | ACCESS_CONF, 0, 0, \
      "SEQUR_SAML_", sequr_check_env_prefix, \
      "Prefix of the attribute variables given to the application") \
    X(ENV_SEPARATOR, D_ENV_SEPARATOR, env_separator, TEXT, DIR, RSRC_CONF | ACCESS_CONF, 0, 0, \
      ";", sequr_check_env_separator, \
      "Between the values of a multi-valued attribute variable") \
    X(REQUEST_HEADERS, D_REQUEST_HEADERS, request_headers, FLAG, DIR, RSRC_CONF | ACCESS_CONF, \
      0, 1, Off, NULL, \
      "Also pass the user and attributes to a proxied backend as request headers") \
    X(REQUEST_HEADER_PREFIX, D_REQUEST_HEADER_PREFIX, request_header_prefix, TEXT, DIR, \
      RSRC_CONF | ACCESS_CONF, 0, 0, "Sequr-SAML-", sequr_check_request_header_prefix, \
      "Prefix of those request headers")

/* SEQUR_SETTING_ENDPOINT_PATH ...: the index of each row in sequr_settings. */
#define SEQUR_SETTING_ID(ID, ...) SEQUR_SETTING_##ID,
enum {
    SEQUR_SERVER_SETTINGS(SEQUR_SETTING_ID)
    SEQUR_DIR_SETTINGS(SEQUR_SETTING_ID)
    SEQUR_SETTINGS_COUNT
};

extern const sequr_setting_t sequr_settings[SEQUR_SETTINGS_COUNT];

/* The row of the setting ID. */
#define SEQUR_SETTING(ID) (&sequr_settings[SEQUR_SETTING_##ID])

/* A flag's default as written in a row. */
#define SEQUR_FLAG_On  1
#define SEQUR_FLAG_Off 0

/* The help text of a row: HELP and its default. */
#define SEQUR_STRINGIFY(x) #x
#define SEQUR_TEXT_OF(x) SEQUR_STRINGIFY(x)
#define SEQUR_HELP_SECONDS(help, def) help " (default " SEQUR_TEXT_OF(def) ")"
#define SEQUR_HELP_COUNT(help, def) help " (default " SEQUR_TEXT_OF(def) ")"
#define SEQUR_HELP_BYTES(help, def) help " (default " SEQUR_TEXT_OF(def) ")"
#define SEQUR_HELP_FLAG(help, def) help " (default " #def ")"
#define SEQUR_HELP_TEXT(help, def) help " (default " def ")"
#define SEQUR_HELP_TEXT_OPTIONAL(help, def) help
#define SEQUR_HELP_CHOICE(help, def) help " (default " def ")"
#define SEQUR_HELP_CHOICE_OWN(help, def) help " (default " def ")"

#endif
