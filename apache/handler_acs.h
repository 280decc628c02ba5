/* PATH/acs (handler_acs.c). */
#ifndef SEQUR_HANDLER_ACS_H
#define SEQUR_HANDLER_ACS_H

#include "httpd.h"
#include "apache/config.h"

/* PATH/acs: the POST binding Assertion Consumer Service. */
int sequr_handle_acs(request_rec *r, const sequr_server_conf_t *c);

#endif
