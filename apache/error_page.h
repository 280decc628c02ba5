/* What a browser sees when a sign-in or logout fails. */
#ifndef SEQUR_ERROR_PAGE_H
#define SEQUR_ERROR_PAGE_H

#include "httpd.h"

/* Answer with a short human page: status, what happened, a correlation id;
 * the log line with the same id names the check that failed and why.
 * SEQUR_SAML_ERROR (the check) and SEQUR_SAML_ERROR_ID (the id) go into the
 * environment; when an ErrorDocument is configured for status, Apache's error
 * path answers with it instead of our page. Returns OK (the response is
 * written): return it from a handler, DONE from a hook. */
int sequr_fail(request_rec *r, int status, const char *check, const char *detail);
/* The same page and log line with another explanation (already HTML). */
int sequr_fail_with_text(request_rec *r, int status, const char *check, const char *detail,
                         const char *html);

#endif
