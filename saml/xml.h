/* Parsing untrusted XML safely, and reading it without being fooled by its shape.
 * One parser and one DOM serve both signature verification and data extraction. */
#ifndef SAML_XML_H
#define SAML_XML_H

#include <apr_pools.h>
#include <libxml/tree.h>
#include "saml/error.h"

#define SAML_NS_PROTOCOL  "urn:oasis:names:tc:SAML:2.0:protocol"
#define SAML_NS_ASSERTION "urn:oasis:names:tc:SAML:2.0:assertion"
#define SAML_NS_METADATA  "urn:oasis:names:tc:SAML:2.0:metadata"
#define SAML_NS_DSIG      "http://www.w3.org/2000/09/xmldsig#"
#define SAML_NS_XENC      "http://www.w3.org/2001/04/xmlenc#"

typedef struct saml_xml_limits {
    apr_size_t max_bytes;   /* document size cap, checked before parsing */
    int max_depth;          /* element nesting cap */
    int max_names;          /* elements plus attributes in the document; 0: SAML_XML_MAX_NAMES */
} saml_xml_limits_t;

#define SAML_XML_DEFAULT_MAX_BYTES (256 * 1024)
#define SAML_XML_DEFAULT_MAX_DEPTH 32

/* Bounds checked by a linear scan of the raw bytes before libxml2 parses
 * them (issue #10 item 1). libxml2 before 2.12 checks an element's
 * attributes and namespace declarations for duplicates pairwise (27 000
 * attributes on one element: 1.5 s), resolves each prefix by walking every
 * declaration in scope, and spends about 2 500 instructions per name building
 * the tree (bench/run worst-case). Real SAML messages are far below: an Entra
 * response has at most 7 attributes on an element, about 5 declarations in
 * scope, and 400 names with 150 groups, 30 long custom claims and 50 roles;
 * IdPs that declare xs and xsi on every AttributeValue (pysaml2, Okta) about
 * 1 100 names with 230 values. Metadata (admin-supplied, ~100 KB tenant-wide
 * with a declaration on every ClaimType) sets a larger max_names. */
#define SAML_XML_MAX_ATTRIBUTES 64       /* attributes and xmlns on one element */
#define SAML_XML_MAX_NAMESPACES 4096     /* namespace declarations in a document */
#define SAML_XML_MAX_NAMESPACES_IN_SCOPE 64  /* declared by an element and its ancestors */
#define SAML_XML_MAX_NAMES      2048     /* default: elements plus attributes in a document */

/* Parse buf into a document freed with pool p. Refuses: size over the limit
 * (SAML_ETOOLARGE), more than SAML_XML_MAX_ATTRIBUTES on an element,
 * SAML_XML_MAX_NAMESPACES in the document or SAML_XML_MAX_NAMESPACES_IN_SCOPE
 * in scope, or more than limits->max_names names (SAML_ETOOLARGE, checks
 * "xml-attributes", "xml-namespaces", "xml-names", before libxml2 sees the
 * bytes), any DOCTYPE/DTD or entity, processing instructions, nesting
 * over the limit, not well-formed input (SAML_EMALFORMED). Never touches the
 * network. Then registers every ID-like attribute (ID, Id, id, xml:id,
 * AssertionID) as an XML ID and refuses a document where any value repeats. */
apr_status_t saml_xml_parse(apr_pool_t *p, const char *buf, apr_size_t len,
                            const saml_xml_limits_t *limits, xmlDocPtr *doc,
                            saml_err_t *err);

/* True when node is an element with this namespace URI and local name
 * (prefixes are irrelevant). */
int saml_xml_is(const xmlNode *node, const char *ns, const char *name);

/* The only element child of parent with ns/name; NULL if none. *count (if
 * non-NULL) receives how many there are, so callers can refuse duplicates. */
xmlNodePtr saml_xml_child(const xmlNode *parent, const char *ns, const char *name,
                          int *count);

/* Number of element children of parent, whatever their name. */
int saml_xml_element_count(const xmlNode *parent);

/* Attribute value copied into p, or NULL when absent (no namespace attribute). */
const char *saml_xml_attr(apr_pool_t *p, const xmlNode *node, const char *name);

/* The whole text of a simple-content element: all text and CDATA children
 * joined. Refuses (SAML_EREJECTED, check "text-content") an element that has
 * element, comment, processing-instruction or entity-reference children, so an
 * XML comment can never shorten an identity. Leading/trailing XML whitespace
 * is kept as is; *out is "" for an empty element. */
apr_status_t saml_xml_text(apr_pool_t *p, const xmlNode *node, const char **out,
                           saml_err_t *err);

/* The element whose ID attribute is id, by the document's ID table. */
xmlNodePtr saml_xml_by_id(xmlDocPtr doc, const char *id);

#endif
