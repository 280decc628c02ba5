/* Sending the browser on after a sign-in or logout. */
#ifndef SEQUR_SEE_OTHER_H
#define SEQUR_SEE_OTHER_H

#include "httpd.h"

/* 303 to a local path or our IdP URL; never a redirect built from input that
 * was not validated. Returns OK. */
int sequr_see_other(request_rec *r, const char *location);

#endif
