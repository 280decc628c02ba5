/* The safe XML parser and the readers every rule relies on: whole-text
 * content, attribute lookup, child lookup and the ID table. After a
 * successful parse each reader's promise is checked on every element. */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "saml/xml.h"

static const char *const id_names[] = { "ID", "Id", "id", "AssertionID" };

/* What saml_xml_text refuses: anything but text and CDATA inside. */
static int has_only_text(const xmlNode *node)
{
    const xmlNode *c;

    for (c = node->children; c; c = c->next)
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
            return 0;
    return 1;
}

static void check_element(apr_pool_t *p, xmlDocPtr doc, xmlNodePtr node, int depth)
{
    const char *ns = node->ns ? (const char *)node->ns->href : NULL;
    const char *text = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv;
    xmlNodePtr c;
    int count = -1, elements = 0;
    size_t i;

    if (depth > SAML_XML_DEFAULT_MAX_DEPTH)
        fuzz_violation("depth", (const char *)node->name);
    rv = saml_xml_text(p, node, &text, &err);
    if ((rv == APR_SUCCESS) != has_only_text(node))
        fuzz_violation("saml_xml_text", "accepts mixed content or refuses plain text");
    if (rv == APR_SUCCESS && text == NULL)
        fuzz_violation("saml_xml_text", "success without text");
    fuzz_expect_explained(rv, &err, "saml_xml_text");

    if (ns && !saml_xml_is(node, ns, (const char *)node->name))
        fuzz_violation("saml_xml_is", "an element is not itself");
    for (c = node->children; c; c = c->next)
        elements += c->type == XML_ELEMENT_NODE;
    if (saml_xml_element_count(node) != elements)
        fuzz_violation("saml_xml_element_count", (const char *)node->name);
    if (ns && (c = saml_xml_child(node, ns, (const char *)node->name, &count)) != NULL &&
        (c->parent != node || count < 1))
        fuzz_violation("saml_xml_child", (const char *)node->name);

    /* Duplicated IDs were refused, so every ID must lead back to its element. */
    for (i = 0; i < sizeof(id_names) / sizeof(id_names[0]); i++) {
        const char *id = saml_xml_attr(p, node, id_names[i]);
        if (id && saml_xml_by_id(doc, id) != node)
            fuzz_violation("saml_xml_by_id", id);
    }
    for (c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            check_element(p, doc, c, depth + 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();
    saml_xml_limits_t limits = { SAML_XML_DEFAULT_MAX_BYTES, SAML_XML_DEFAULT_MAX_DEPTH, 0 };
    saml_err_t err = { NULL, NULL };
    xmlDocPtr doc = NULL;
    apr_status_t rv = saml_xml_parse(p, (const char *)data, size, &limits, &doc, &err);

    fuzz_expect_explained(rv, &err, "saml_xml_parse");
    if (rv == APR_SUCCESS) {
        if (doc == NULL || xmlDocGetRootElement(doc) == NULL)
            fuzz_violation("saml_xml_parse", "success without a root element");
        if (doc->intSubset || doc->extSubset)
            fuzz_violation("saml_xml_parse", "a DTD got through");
        check_element(p, doc, xmlDocGetRootElement(doc), 1);
    }
    apr_pool_destroy(p);
    return 0;
}
