/* The Apache side of the metrics (saml/metrics.h): the shared block mapped
 * once per Apache parent, PATH/metrics and the server-status section. */
#ifndef SEQUR_METRICS_H
#define SEQUR_METRICS_H

#include "httpd.h"

/* post_config: when any server has SequrSAMLMetrics On, map the counters
 * (or find the block an earlier generation mapped, so a graceful restart
 * keeps the counts) and give it to every server's configuration. Before
 * sequr_store_setup, which meters the store when the block exists. */
int sequr_metrics_setup(apr_pool_t *pconf, server_rec *s);

/* handler: PATH/metrics on a server with SequrSAMLMetrics On, as Prometheus
 * text. A handler and not the quick handler: the admin's <Location
 * PATH/metrics> Require lines decide who may read it. DECLINED elsewhere
 * (so Apache answers 404). */
int sequr_metrics_handler(request_rec *r);

/* mod_status' status_hook: our section of server-status (HTML, or
 * "Key: value" lines for ?auto). */
int sequr_metrics_status(request_rec *r, int flags);

#endif
