/* The per-thread note of the last store failure. See store_error.h. */
#include "saml/store_error.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>

#include "saml/error.h"

static __thread struct {
    apr_status_t rv;
    int set;
    char text[320];
} note;

void saml_store_error_note(apr_status_t rv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note.text, sizeof(note.text), fmt, ap);
    va_end(ap);
    note.rv = rv;
    note.set = 1;
}

void saml_store_error_clear(void)
{
    note.set = 0;
}

const char *saml_store_error_text(apr_pool_t *p, apr_status_t rv)
{
    char buf[160];
    if (note.set && note.rv == rv)
        return saml_log_escape(p, note.text, sizeof(note.text));
    return apr_pstrdup(p, apr_strerror(rv, buf, sizeof(buf)));
}
