/* xs:dateTime as SAML uses it, parsed strictly. */
#ifndef SAML_TIME_H
#define SAML_TIME_H

#include <apr_time.h>
#include "saml/error.h"

/* Parse "YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)". Refuses out-of-range
 * fields, a missing zone, years outside 1970..9999, more than 9 fraction digits. */
apr_status_t saml_time_parse(const char *s, apr_time_t *out);

/* UTC, second precision, e.g. "2026-11-25T14:56:23Z". */
const char *saml_time_format(apr_pool_t *p, apr_time_t t);

#endif
