/* JSON strings as this module writes them (the session endpoint). */
#ifndef SAML_JSON_H
#define SAML_JSON_H

#include <apr_pools.h>

/* s as a JSON string, quotes included: '"' and '\' escaped, every control
 * character (below 0x20, and 0x7f) as \u00XX, '<', '>' and '&' as \u003c,
 * \u003e and \u0026 (so the text can never be read as markup), U+2028 and
 * U+2029 escaped (JavaScript line terminators); other UTF-8 passes through
 * as it is, and any byte that is not part of well-formed UTF-8 (overlong
 * forms, surrogates, beyond U+10FFFF, truncated sequences) becomes U+FFFD.
 * NULL gives null. */
const char *saml_json_string(apr_pool_t *p, const char *s);

#endif
