/* What the module tells `sequr-saml-admin check`: with `apache2 -t -D
 * SEQUR_SAML_DUMP` the module prints, at configtest, the settings it resolved
 * that only the tool can judge further (files Apache's user must read,
 * certificates' end dates, the user store). Apache has read the configuration
 * itself, <IfModule>, <IfDefine>, Include and the vhost merge included, so the
 * tool needs no parser of its own.
 *
 * The contract between module and tool, one line per fact on stdout:
 *   SEQUR_SAML_DUMP <TAB> KEY <TAB> FIELD <TAB> FIELD ...
 * fields escaped as SEQUR_DUMP_ESCAPES says. N is the server: 0 the main
 * server, then each <VirtualHost> in Apache's order. WHERE is "FILE:LINE" of
 * the directive, "" when unknown. This header has no httpd types: tools/
 * includes it. */
#ifndef SEQUR_CONFIG_DUMP_H
#define SEQUR_CONFIG_DUMP_H

#define SEQUR_DUMP_DEFINE       "SEQUR_SAML_DUMP"

/* In fields: backslash, tab and newline are written \\, \t and \n. */
#define SEQUR_DUMP_ESCAPES      "\\\t\n"

#define SEQUR_DUMP_USER         "user"            /* NAME: the User Apache's children run as */
#define SEQUR_DUMP_SERVER       "server"          /* N LABEL */
#define SEQUR_DUMP_SP_KEY       "sp-key"          /* N WHERE PATH */
#define SEQUR_DUMP_COOKIE_KEY   "cookie-key"      /* N WHERE PATH (SequrSAMLCookieKeyFile) */
#define SEQUR_DUMP_SP_CERT      "sp-certificate"  /* N WHERE PATH NOT_AFTER SUBJECT */
#define SEQUR_DUMP_IDP_CERT     "idp-certificate" /* N WHERE TENANT NAME NOT_AFTER SUBJECT */
#define SEQUR_DUMP_USER_STORE   "user-store"      /* N WHERE DRIVER_WHERE DRIVER PARAMS_WHERE
                                                   * PARAMS ("" when not set) */
/* NOT_AFTER: seconds since 1970; TENANT: "" for the default IdP; a certificate,
 * key or store shared by several servers is printed once, with the first. */

/* Register the check_config hook that prints the dump (ahead of the
 * module's own checks, so a configuration they refuse is still shown). */
void sequr_config_dump_register(void);

#endif
