/* A signed-in browser: what we remember, how it is named, where it is kept. */
#ifndef SAML_SESSION_H
#define SAML_SESSION_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "saml/error.h"
#include "saml/store.h"

typedef struct saml_session {
    const char *id;              /* the cookie value: 256 random bits, base64url */
    const char *user;            /* REMOTE_USER */
    const char *idp_entity_id;
    const char *name_id;
    const char *name_id_format;  /* may be NULL */
    const char *session_index;   /* may be NULL */
    const char *scope;           /* the vhost and cookie this session was issued for;
                                    a session presented elsewhere is refused */
    const char *tenant;          /* the <SequrSAMLTenant> that signed the user in;
                                    NULL or "": the server's default IdP */
    apr_time_t created;
    apr_time_t expires;          /* hard end: min(max lifetime, SessionNotOnOrAfter) */
    apr_time_t last_access;      /* for the idle timeout */
    apr_time_t user_checked;     /* when the user store last said this user is
                                    active; 0 when no store was asked */
    apr_time_t authn_instant;    /* the assertion's AuthnInstant (SequrSAMLForceAuthn);
                                    0 in records written before it was kept */
    apr_array_header_t *attributes; /* saml_attribute_t (see response.h) */
} saml_session_t;

/* A fresh id: 32 random bytes as 43 base64url characters. */
const char *saml_session_new_id(apr_pool_t *p);

/* True when id has the exact shape saml_session_new_id makes (43 base64url
 * characters): anything else is refused before the store is asked. */
int saml_session_id_is_wellformed(const char *id);

/* Length-prefixed binary record; decode refuses truncated or trailing bytes. */
apr_status_t saml_session_encode(apr_pool_t *p, const saml_session_t *s,
                                 char **buf, apr_size_t *len);
apr_status_t saml_session_decode(apr_pool_t *p, const char *buf, apr_size_t len,
                                 saml_session_t **out);

/* Store key of a session: "s:" + base64url(SHA-256(id)), so the store never
 * holds a usable cookie value. */
const char *saml_session_key(apr_pool_t *p, const char *id);

/* A verified sign-in becomes a session. The caller fills in who (user, IdP
 * entity id, NameID and its format, SessionIndex, scope, tenant, attributes,
 * user_checked); this gives s a fresh id (a cookie the browser brought is
 * never adopted), created = last_access = now, and its hard end
 * expires = min(now + max_age, session_not_on_or_after), the IdP's
 * SessionNotOnOrAfter (0: none). Then it is saved and only then added to its
 * logout index (saml_session_index_add), so an IdP LogoutRequest finds every
 * session a cookie can reach. Errors: the save's (SAML_ETOOLARGE: over the
 * store's per-entry limit), nothing indexed; else the index's: the record
 * stays saved until it expires, reachable by nobody, since the caller sets no
 * cookie for a session that did not start. */
apr_status_t saml_session_start(apr_pool_t *p, saml_store_t *st, saml_session_t *s,
                                apr_interval_time_t max_age, apr_time_t session_not_on_or_after,
                                apr_time_t now);

/* Store a new session (insert or replace). */
apr_status_t saml_session_save(apr_pool_t *p, saml_store_t *st, const saml_session_t *s);
/* Write back a session already in the store (idle refresh, user recheck):
 * replace-only, so APR_NOTFOUND when it was removed (logout, expiry)
 * meanwhile; a removed session is never brought back. */
apr_status_t saml_session_update(apr_pool_t *p, saml_store_t *st, const saml_session_t *s);
/* APR_NOTFOUND when absent, expired (hard or idle) or out of scope. */
apr_status_t saml_session_load(apr_pool_t *p, saml_store_t *st, const char *id,
                               const char *scope, apr_interval_time_t idle_timeout,
                               apr_time_t now, saml_session_t **out);
/* The same rules, but not a use of the session: last_access stays as it was,
 * so a page asking when its session ends (PATH/session) does not keep an idle
 * one alive. */
apr_status_t saml_session_peek(apr_pool_t *p, saml_store_t *st, const char *id,
                               const char *scope, apr_interval_time_t idle_timeout,
                               apr_time_t now, saml_session_t **out);
apr_status_t saml_session_remove(apr_pool_t *p, saml_store_t *st, const char *id);

/* ---- finding sessions by who they belong to (IdP-initiated logout) ----
 * Two index entries per session with a NameID: one for (scope, IdP entity id,
 * NameID, SessionIndex) and one for (scope, IdP entity id, NameID) alone, each under "x:" +
 * base64url(SHA-256(...)) and holding the store keys (never the ids) and
 * expiry of at most SAML_SESSION_INDEX_MAX live sessions, newest last; the
 * entry expires with the longest-lived of them. O(1): no scan. Two sign-ins
 * of one user racing in two processes may leave one out of the NameID-only
 * entry (get + set); the SessionIndex entry of each is its own.
 * The entries are looked up without any cookie, so unlike session records
 * they cannot be sealed with the cookie's key: they hold only hashes (keys
 * derived by SHA-256 from the NameID, values the store keys of sessions), so
 * a dump of the store shows no NameID or e-mail address. */
#define SAML_SESSION_INDEX_MAX 16

/* Add s (already saved) to its index entries. A session without name_id is
 * not indexed. */
apr_status_t saml_session_index_add(apr_pool_t *p, saml_store_t *st, const saml_session_t *s);

/* Remove every session that idp_entity_id (the session's idp_entity_id, as
 * the assertion's Issuer wrote it) signed name_id into in scope, only those of
 * session_index when it is not NULL: one IdP cannot end another's sessions
 * for the same NameID. *ended (if non-NULL) counts the sessions listed. */
/* *live = 1 when the index entry of (scope, idp_entity_id, name_id,
 * session_index) names a session that has not reached its hard expiry and is
 * still in the store. Reads only. */
apr_status_t saml_session_index_live(apr_pool_t *p, saml_store_t *st, const char *scope,
                                     const char *idp_entity_id, const char *name_id,
                                     const char *session_index, apr_time_t now, int *live);

apr_status_t saml_session_end_by_name(apr_pool_t *p, saml_store_t *st, const char *scope,
                                      const char *idp_entity_id, const char *name_id,
                                      const char *session_index, int *ended);

#endif
