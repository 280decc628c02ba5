/* Per-location sign-in demands (see authn_demand.h). Why the answer is
 * checked and not only the request: SAML lets an IdP ignore ForceAuthn,
 * and RequestedAuthnContext is a wish; only what the signed assertion says
 * (AuthnInstant, AuthnContextClassRef, the authentication methods claim)
 * shows what happened. */
#include "saml/authn_demand.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>
#include "saml/time.h"

int saml_authn_demand_is_empty(const saml_authn_demand_t *d)
{
    return d == NULL || (!d->force_authn && !d->is_passive && !d->mfa &&
                         (d->class_refs == NULL || d->class_refs->nelts == 0));
}

int saml_authn_too_old(apr_time_t authn_instant, apr_interval_time_t max_age, apr_time_t now)
{
    if (authn_instant <= 0)
        return 1;
    return now - authn_instant > max_age;
}

int saml_authn_shows_mfa(const apr_array_header_t *attributes)
{
    int i, j;

    for (i = 0; attributes && i < attributes->nelts; i++) {
        const saml_attribute_t *a = &APR_ARRAY_IDX(attributes, i, saml_attribute_t);
        if (a->name == NULL || strcmp(a->name, SAML_CLAIM_AUTHN_METHODS) || a->values == NULL)
            continue;
        for (j = 0; j < a->values->nelts; j++) {
            const char *v = APR_ARRAY_IDX(a->values, j, const char *);
            if (v && (!strcmp(v, SAML_AUTHN_METHOD_MFA) || !strcmp(v, "mfa")))
                return 1;
        }
    }
    return 0;
}

static int class_ref_requested(const saml_authn_demand_t *d, const char *got)
{
    int i;
    for (i = 0; got && i < d->class_refs->nelts; i++)
        if (!strcmp(got, APR_ARRAY_IDX(d->class_refs, i, const char *)))
            return 1;
    return 0;
}

apr_status_t saml_authn_demand_check(apr_pool_t *p, const saml_authn_demand_t *d,
                                     const saml_assertion_t *a, apr_interval_time_t skew,
                                     apr_time_t now, saml_err_t *err)
{
    if (saml_authn_demand_is_empty(d))
        return APR_SUCCESS;
    if (d->force_authn && saml_authn_too_old(a->authn_instant, d->max_age + skew, now))
        return saml_fail(p, err, SAML_EREJECTED, "authn-instant",
                         "the request demanded a fresh sign-in (ForceAuthn, at most %"
                         APR_TIME_T_FMT " s old, skew %" APR_TIME_T_FMT " s) but the "
                         "assertion's AuthnInstant %s is %" APR_TIME_T_FMT " s old",
                         apr_time_sec(d->max_age), apr_time_sec(skew),
                         a->authn_instant > 0 ? saml_time_format(p, a->authn_instant) : "(none)",
                         apr_time_sec(now - a->authn_instant));
    if (d->class_refs && d->class_refs->nelts && !class_ref_requested(d, a->authn_context_class_ref))
        return saml_fail(p, err, SAML_EREJECTED, "authn-context",
                         "AuthnContextClassRef %s is not one the request named (%s)",
                         a->authn_context_class_ref
                         ? saml_log_escape(p, a->authn_context_class_ref, 256) : "(none)",
                         saml_log_escape(p, apr_array_pstrcat(p, d->class_refs, ' '), 512));
    if (d->mfa && !saml_authn_shows_mfa(a->attributes))
        return saml_fail(p, err, SAML_EREJECTED, "mfa",
                         "the request asked for multi-factor authentication (step-up) but the "
                         "assertion's " SAML_CLAIM_AUTHN_METHODS " claim does not show %s",
                         SAML_AUTHN_METHOD_MFA);
    return APR_SUCCESS;
}

const char *saml_authn_demand_encode(apr_pool_t *p, const saml_authn_demand_t *d)
{
    const char *s = "";
    int i;

    if (saml_authn_demand_is_empty(d))
        return NULL;
    if (d->force_authn)
        s = apr_psprintf(p, " force=%" APR_TIME_T_FMT, apr_time_sec(d->max_age));
    if (d->is_passive)
        s = apr_pstrcat(p, s, " passive", NULL);
    if (d->mfa)
        s = apr_pstrcat(p, s, " mfa", NULL);
    for (i = 0; d->class_refs && i < d->class_refs->nelts; i++)
        s = apr_pstrcat(p, s, " class=", APR_ARRAY_IDX(d->class_refs, i, const char *), NULL);
    return s + 1;
}

apr_status_t saml_authn_demand_decode(apr_pool_t *p, const char *text, saml_authn_demand_t *d)
{
    apr_array_header_t *refs = NULL;
    char *copy, *word, *last;

    memset(d, 0, sizeof(*d));
    if (text == NULL)
        return APR_SUCCESS;
    copy = apr_pstrdup(p, text);
    for (word = apr_strtok(copy, " ", &last); word; word = apr_strtok(NULL, " ", &last)) {
        if (!strncmp(word, "force=", 6)) {
            char *end;
            long sec = strtol(word + 6, &end, 10);
            if (*end || end == word + 6 || sec < 0 || sec > 366L * 86400 || d->force_authn)
                return APR_EINVAL;
            d->force_authn = 1;
            d->max_age = apr_time_from_sec(sec);
        }
        else if (!strcmp(word, "passive"))
            d->is_passive = 1;
        else if (!strcmp(word, "mfa"))
            d->mfa = 1;
        else if (!strncmp(word, "class=", 6) && word[6]) {
            if (refs == NULL)
                refs = apr_array_make(p, 2, sizeof(const char *));
            if (refs->nelts >= SAML_DEMAND_CLASS_REFS_MAX)
                return APR_EINVAL;
            APR_ARRAY_PUSH(refs, const char *) = word + 6;
        }
        else
            return APR_EINVAL;
    }
    d->class_refs = refs;
    return saml_authn_demand_is_empty(d) ? APR_EINVAL : APR_SUCCESS;
}
