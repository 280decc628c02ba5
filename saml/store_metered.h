/* A store that counts: every operation of the store beneath is timed and
 * counted in the shared metrics (saml/metrics.h) under its back-end's name,
 * then answered as the store beneath answered. */
#ifndef SAML_STORE_METERED_H
#define SAML_STORE_METERED_H

#include "saml/metrics.h"
#include "saml/store.h"

/* inner, counted in m; inner itself when m is NULL. The result carries
 * inner's provider name, so log lines still say which back-end it is. */
saml_store_t *saml_store_metered(apr_pool_t *p, saml_store_t *inner, saml_metrics_t *m);

#endif
