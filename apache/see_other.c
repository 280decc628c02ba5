/* The 303 that sends a browser on after a sign-in or logout. */
#include "apache/see_other.h"

#include "apr_strings.h"
#include "http_protocol.h"

int sequr_see_other(request_rec *r, const char *location)
{
    apr_table_setn(r->headers_out, "Location", location);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    r->status = HTTP_SEE_OTHER;
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rputs("<!DOCTYPE html>\n<html><head><title>Signed in</title></head><body>"
             "<p>Continue to the <a href=\"", r);
    ap_rputs(ap_escape_html(r->pool, location), r);
    ap_rputs("\">requested page</a>.</p></body></html>\n", r);
    return OK;
}
