/* Azure's Federation Metadata XML for one IdP: its entityID, the sign-on and
 * sign-out URLs and every signing certificate (several during a rollover;
 * Entra says a relying party "should support all certificates in the
 * document").
 *
 * A file the admin installs (saml_idp_metadata_parse) is trusted exactly as
 * much as the httpd.conf that names it: its ds:Signature is not looked at.
 * Metadata fetched from SequrSAMLIdPMetadataURL goes through
 * saml_idp_metadata_accept, which checks its entityID, its certificates'
 * expiry and a signature when there is one. The WS-Federation
 * RoleDescriptors that repeat the keys are ignored either way. */
#include "saml/idp_metadata.h"
#include "saml/file.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <string.h>

#include "saml/certificate.h"
#include "saml/idp.h"
#include "saml/signature.h"
#include "saml/xml.h"

#define METADATA_MAX_BYTES (1024 * 1024)   /* tenant-wide Azure metadata is ~100 KB */
#define METADATA_MAX_DEPTH 64
#define METADATA_MAX_NAMES 262144      /* admin-supplied: far more than Azure needs */

#define BINDING_REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

/* The EntityDescriptor to read: the root, or the one child of an
 * EntitiesDescriptor that describes an IdP. */
static apr_status_t find_idp_entity(apr_pool_t *p, xmlNodePtr root, xmlNodePtr *entity,
                                    saml_err_t *err)
{
    xmlNodePtr c, found = NULL;
    int idps = 0;

    if (root == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "metadata-root", "document has no root element");
    if (saml_xml_is(root, SAML_NS_METADATA, "EntityDescriptor")) {
        *entity = root;
        return APR_SUCCESS;
    }
    if (!saml_xml_is(root, SAML_NS_METADATA, "EntitiesDescriptor"))
        return saml_fail(p, err, SAML_EREJECTED, "metadata-root",
                         "root element <%s> is not an md:EntityDescriptor or md:EntitiesDescriptor",
                         saml_log_escape(p, (const char *)root->name, 64));
    for (c = root->children; c; c = c->next) {
        if (saml_xml_is(c, SAML_NS_METADATA, "EntityDescriptor") &&
            saml_xml_child(c, SAML_NS_METADATA, "IDPSSODescriptor", NULL) != NULL) {
            found = c;
            idps++;
        }
    }
    if (idps == 0)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-idpsso",
                         "no EntityDescriptor with an IDPSSODescriptor in EntitiesDescriptor");
    if (idps > 1)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-idpsso",
                         "%d IdP EntityDescriptors in EntitiesDescriptor; expected exactly one",
                         idps);
    *entity = found;
    return APR_SUCCESS;
}

/* A KeyDescriptor is for signing when use="signing" or use is absent. */
static int is_signing_key(apr_pool_t *p, xmlNodePtr kd)
{
    const char *use = saml_xml_attr(p, kd, "use");
    return use == NULL || strcmp(use, "signing") == 0;
}

static void add_unless_present(apr_array_header_t *certs, X509 *cert)
{
    int i;
    for (i = 0; i < certs->nelts; i++)
        if (X509_cmp(APR_ARRAY_IDX(certs, i, X509 *), cert) == 0)
            return;
    APR_ARRAY_PUSH(certs, X509 *) = cert;
}

/* The certificates of one KeyDescriptor: KeyInfo/X509Data/X509Certificate. */
static apr_status_t add_key_descriptor_certs(apr_pool_t *p, xmlNodePtr kd,
                                             apr_array_header_t *certs, saml_err_t *err)
{
    xmlNodePtr ki = saml_xml_child(kd, SAML_NS_DSIG, "KeyInfo", NULL);
    xmlNodePtr xd, xc;

    for (xd = ki ? ki->children : NULL; xd; xd = xd->next) {
        if (!saml_xml_is(xd, SAML_NS_DSIG, "X509Data"))
            continue;
        for (xc = xd->children; xc; xc = xc->next) {
            const char *b64;
            X509 *cert;
            apr_status_t rv;
            if (!saml_xml_is(xc, SAML_NS_DSIG, "X509Certificate"))
                continue;
            rv = saml_xml_text(p, xc, &b64, err);
            if (rv == APR_SUCCESS)
                rv = saml_cert_from_base64(p, b64, &cert, err);
            if (rv != APR_SUCCESS)
                return saml_fail(p, err, SAML_EREJECTED, "metadata-certificate",
                                 "bad X509Certificate in a signing KeyDescriptor (line %ld): %s",
                                 xmlGetLineNo(xc), err ? err->detail : "");
            add_unless_present(certs, cert);
        }
    }
    return APR_SUCCESS;
}

/* Every certificate of every signing KeyDescriptor. One bad certificate
 * refuses the whole file: the admin must learn the file is damaged rather
 * than run on whichever keys happened to load. */
static apr_status_t collect_signing_certs(apr_pool_t *p, xmlNodePtr idpsso,
                                          apr_array_header_t *certs, saml_err_t *err)
{
    xmlNodePtr kd;

    for (kd = idpsso->children; kd; kd = kd->next) {
        apr_status_t rv;
        if (!saml_xml_is(kd, SAML_NS_METADATA, "KeyDescriptor") || !is_signing_key(p, kd))
            continue;
        rv = add_key_descriptor_certs(p, kd, certs, err);
        if (rv != APR_SUCCESS)
            return rv;
    }
    if (certs->nelts == 0)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-signing-key",
                         "IDPSSODescriptor has no KeyDescriptor use=\"signing\" with an X509Certificate");
    return APR_SUCCESS;
}

/* Location of the HTTP-Redirect endpoint named name, else of the first one
 * with any binding (Azure lists the same URL for every binding). */
static const char *endpoint_location(apr_pool_t *p, xmlNodePtr idpsso, const char *name)
{
    xmlNodePtr c;
    const char *fallback = NULL;

    for (c = idpsso->children; c; c = c->next) {
        const char *binding, *location;
        if (!saml_xml_is(c, SAML_NS_METADATA, name))
            continue;
        location = saml_xml_attr(p, c, "Location");
        if (location == NULL || *location == '\0')
            continue;
        binding = saml_xml_attr(p, c, "Binding");
        if (binding && strcmp(binding, BINDING_REDIRECT) == 0)
            return location;
        if (fallback == NULL)
            fallback = location;
    }
    return fallback;
}

static apr_status_t read_entity(apr_pool_t *p, xmlNodePtr entity, saml_idp_metadata_t *md,
                                saml_err_t *err)
{
    xmlNodePtr idpsso;
    int count = 0;
    apr_status_t rv;

    md->entity_id = saml_xml_attr(p, entity, "entityID");
    if (md->entity_id == NULL || *md->entity_id == '\0')
        return saml_fail(p, err, SAML_EREJECTED, "metadata-entity-id",
                         "EntityDescriptor has no entityID");
    idpsso = saml_xml_child(entity, SAML_NS_METADATA, "IDPSSODescriptor", &count);
    if (idpsso == NULL)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-idpsso",
                         "EntityDescriptor %s has no IDPSSODescriptor (SP metadata?)",
                         saml_log_escape(p, md->entity_id, 200));
    if (count > 1)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-idpsso",
                         "%d IDPSSODescriptors; expected one", count);
    md->certs = apr_array_make(p, 3, sizeof(X509 *));
    rv = collect_signing_certs(p, idpsso, md->certs, err);
    if (rv != APR_SUCCESS)
        return rv;
    md->sso_url = endpoint_location(p, idpsso, "SingleSignOnService");
    if (md->sso_url == NULL)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-sso-url",
                         "IDPSSODescriptor has no SingleSignOnService Location");
    md->slo_url = endpoint_location(p, idpsso, "SingleLogoutService");
    return APR_SUCCESS;
}

/* The document and the IdP it describes. */
static apr_status_t parse_doc(apr_pool_t *p, const char *buf, apr_size_t len,
                              saml_idp_metadata_t **out, xmlNodePtr *entity_out, saml_err_t *err)
{
    saml_xml_limits_t limits = { METADATA_MAX_BYTES, METADATA_MAX_DEPTH, METADATA_MAX_NAMES };
    saml_idp_metadata_t *md;
    xmlDocPtr doc;
    xmlNodePtr entity = NULL;
    apr_status_t rv;

    if (buf == NULL)
        return saml_fail(p, err, SAML_EMALFORMED, "metadata", "no metadata");
    /* Azure serves its metadata with a UTF-8 byte-order mark. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    rv = saml_xml_parse(p, buf, len, &limits, &doc, err);
    if (rv != APR_SUCCESS)
        return rv;
    rv = find_idp_entity(p, xmlDocGetRootElement(doc), &entity, err);
    if (rv != APR_SUCCESS)
        return rv;
    md = apr_pcalloc(p, sizeof(*md));
    rv = read_entity(p, entity, md, err);
    if (rv != APR_SUCCESS)
        return rv;
    *out = md;
    if (entity_out)
        *entity_out = entity;
    return APR_SUCCESS;
}

apr_status_t saml_idp_metadata_parse(apr_pool_t *p, const char *buf, apr_size_t len,
                                     saml_idp_metadata_t **out, saml_err_t *err)
{
    return parse_doc(p, buf, len, out, NULL, err);
}

/* A ds:Signature on the EntityDescriptor (Entra signs its federation
 * metadata) must verify, and with a key we already trust: rules->trusted,
 * the signing certificates of the copy accepted last. Entra signs an app's
 * federation metadata with that app's active SAML signing certificate, which
 * the previous copy lists (a new certificate is published Inactive first and
 * only then made active, so the signer is always one we already trust). Never
 * with the KeyInfo the signature carries, which anyone can write. When nothing
 * is trusted yet (the first fetch, no backing copy), the document's trust is
 * the verified TLS connection it came over; its signature must then still
 * verify with one of the certificates it lists, which only catches damage.
 * The signature must cover the EntityDescriptor itself (saml_signature_verify:
 * Reference = its ID, found by the ID table, no wrapping). */
static apr_status_t check_signature(apr_pool_t *p, xmlNodePtr entity,
                                    const apr_array_header_t *trusted,
                                    const saml_idp_metadata_t *md, saml_err_t *err)
{
    saml_verifier_options_t opts = {0};
    saml_verifier_t *v;
    xmlNodePtr sig = NULL;
    apr_status_t rv = saml_signature_find(entity, &sig, err);

    if (rv != APR_SUCCESS || sig == NULL)
        return rv;
    rv = saml_verifier_create(p, trusted && trusted->nelts ? trusted : md->certs, &opts, &v, err);
    if (rv == APR_SUCCESS)
        rv = saml_signature_verify(p, v, entity, sig, err);
    if (rv != APR_SUCCESS)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-signature",
                         "the metadata's signature does not verify with %s: %s",
                         trusted && trusted->nelts ? "the IdP signing certificates trusted now"
                                                   : "its own signing certificates",
                         err && err->detail ? err->detail : "");
    return APR_SUCCESS;
}

apr_status_t saml_idp_metadata_accept(apr_pool_t *p, const char *buf, apr_size_t len,
                                      const saml_idp_metadata_rules_t *rules,
                                      saml_idp_metadata_t **out, saml_err_t *err)
{
    saml_idp_metadata_t *md;
    xmlNodePtr entity;
    apr_array_header_t *usable;
    int expired = 0;
    apr_status_t rv = parse_doc(p, buf, len, &md, &entity, err);

    if (rv != APR_SUCCESS)
        return rv;
    if (rules->entity_id && strcmp(rules->entity_id, md->entity_id) != 0)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-entity-id",
                         "entityID %s is not the IdP's %s",
                         saml_log_escape(p, md->entity_id, 200),
                         saml_log_escape(p, rules->entity_id, 200));
    usable = saml_idp_usable_certs(p, md->certs, rules->now, 0, &expired);
    if (usable->nelts == 0)
        return saml_fail(p, err, SAML_EREJECTED, "metadata-expired",
                         "every signing certificate in the metadata (%d) has expired",
                         md->certs->nelts);
    rv = check_signature(p, entity, rules->trusted, md, err);
    if (rv != APR_SUCCESS)
        return rv;
    *out = md;
    return APR_SUCCESS;
}

apr_status_t saml_idp_metadata_load_file(apr_pool_t *p, const char *path,
                                         saml_idp_metadata_t **out, saml_err_t *err)
{
    char *buf;
    apr_size_t got = 0;
    apr_status_t rv = saml_file_read(p, path, METADATA_MAX_BYTES, &buf, &got, err);

    if (rv != APR_SUCCESS)
        return rv;
    if (got == 0)
        return saml_fail(p, err, SAML_EMALFORMED, "metadata", "%s is empty", path);
    rv = saml_idp_metadata_parse(p, buf, got, out, err);
    if (rv != APR_SUCCESS && err && err->detail)
        err->detail = apr_psprintf(p, "%s: %s", path, err->detail);
    return rv;
}
