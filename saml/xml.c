/* Parsing untrusted XML safely. The parser is told to stop the moment it meets
 * a DOCTYPE, a processing instruction or an element nested too deep, so no
 * entity is ever declared and no oversized tree is ever built; the finished
 * tree is then walked once more to refuse what the SAX hooks cannot see and to
 * register every ID attribute, refusing any value that repeats. */
#include "saml/xml.h"

#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/valid.h>
#include <libxml/xmlerror.h>
#include <limits.h>
#include <string.h>


/* What the parse hooks saw, reached through ctxt->_private. */
typedef struct parse_guard {
    const saml_xml_limits_t *limits;
    const char *refused;         /* why we stopped the parser, NULL if we did not */
    int refused_too_large;
    char first_error[256];       /* libxml2's first message, for err->detail */
} parse_guard_t;

static void stop_parsing(xmlParserCtxtPtr ctxt, const char *why, int too_large)
{
    parse_guard_t *guard = ctxt->_private;
    if (guard->refused == NULL) {
        guard->refused = why;
        guard->refused_too_large = too_large;
    }
    xmlStopParser(ctxt);
}

static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    (void)name; (void)external_id; (void)system_id;
    stop_parsing(ctx, "DOCTYPE not allowed", 0);
}

static void refuse_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    (void)target; (void)data;
    stop_parsing(ctx, "processing instruction not allowed", 0);
}

static void refuse_entity_reference(void *ctx, const xmlChar *name)
{
    (void)name;
    stop_parsing(ctx, "entity reference not allowed", 0);
}

static void start_element_within_depth(void *ctx, const xmlChar *localname,
                                       const xmlChar *prefix, const xmlChar *uri,
                                       int nb_namespaces, const xmlChar **namespaces,
                                       int nb_attributes, int nb_defaulted,
                                       const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    parse_guard_t *guard = ctxt->_private;

    /* nameNr counts the ancestors of the element being started. */
    if (ctxt->nameNr + 1 > guard->limits->max_depth) {
        stop_parsing(ctxt, "element nesting over the depth limit", 1);
        return;
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces,
                       nb_attributes, nb_defaulted, attributes);
}

/* libxml2 would print to stderr (Apache's error log); keep the first message. */
static void keep_first_error(void *ctx, xmlErrorPtr e)
{
    parse_guard_t *guard = ctx;
    if (guard && guard->first_error[0] == '\0' && e && e->message) {
        apr_size_t n;
        apr_cpystrn(guard->first_error, e->message, sizeof(guard->first_error));
        n = strlen(guard->first_error);
        if (n && guard->first_error[n - 1] == '\n')
            guard->first_error[n - 1] = '\0';
    }
}

static void discard_generic_error(void *ctx, const char *msg, ...)
{
    (void)ctx; (void)msg;
}

static apr_status_t free_doc(void *doc)
{
    xmlFreeDoc(doc);
    return APR_SUCCESS;
}

static int is_id_attribute(const xmlAttr *a)
{
    const char *name = (const char *)a->name;
    if (a->ns == NULL)
        return !strcmp(name, "ID") || !strcmp(name, "Id") || !strcmp(name, "id") ||
               !strcmp(name, "AssertionID");
    return !strcmp(name, "id") && a->ns->href &&
           !strcmp((const char *)a->ns->href, (const char *)XML_XML_NAMESPACE);
}

/* Register one ID attribute. libxml2 itself registers xml:id while parsing, so
 * an attribute already in the table as itself is fine; any other holder of
 * the same value is a duplicate. */
static apr_status_t register_id(apr_pool_t *p, xmlDocPtr doc, xmlAttrPtr a, saml_err_t *err)
{
    xmlChar *value = xmlNodeListGetString(doc, a->children, 1);
    xmlAttrPtr holder;
    apr_status_t rv = APR_SUCCESS;

    /* An ID must be an NCName; libxml2 will not register an empty one. */
    if (value == NULL || value[0] == '\0') {
        xmlFree(value);
        return saml_fail(p, err, SAML_EMALFORMED, "xml", "empty %s attribute",
                         (const char *)a->name);
    }
    holder = xmlGetID(doc, value);
    if (holder != NULL && holder != a)
        rv = saml_fail(p, err, SAML_EREJECTED, "duplicate-id",
                       "ID value \"%s\" appears more than once (attributes %s and %s)",
                       saml_log_escape(p, (const char *)value, 80),
                       (const char *)holder->name, (const char *)a->name);
    else if (holder == NULL && xmlAddID(NULL, doc, value, a) == NULL)
        rv = saml_fail(p, err, SAML_EMALFORMED, "xml", "unusable ID value \"%s\"",
                       saml_log_escape(p, (const char *)value, 80));
    xmlFree(value);
    return rv;
}

/* One iterative pass over the whole tree: node kinds, depth, IDs. */
static apr_status_t check_tree(apr_pool_t *p, xmlDocPtr doc, int max_depth, saml_err_t *err)
{
    xmlNodePtr node = doc->children;
    int depth = 1;

    while (node) {
        switch (node->type) {
        case XML_ELEMENT_NODE: {
            xmlAttrPtr a;
            if (depth > max_depth)
                return saml_fail(p, err, SAML_ETOOLARGE, "size",
                                 "element nesting deeper than %d", max_depth);
            for (a = node->properties; a; a = a->next) {
                if (is_id_attribute(a)) {
                    apr_status_t rv = register_id(p, doc, a, err);
                    if (rv != APR_SUCCESS)
                        return rv;
                }
            }
            break;
        }
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
        case XML_COMMENT_NODE:
            break;
        case XML_PI_NODE:
            return saml_fail(p, err, SAML_EREJECTED, "xml", "processing instruction not allowed");
        case XML_ENTITY_REF_NODE:
        case XML_ENTITY_NODE:
        case XML_ENTITY_DECL:
            return saml_fail(p, err, SAML_EREJECTED, "xml", "entity not allowed");
        case XML_DTD_NODE:
        case XML_DOCUMENT_TYPE_NODE:
            return saml_fail(p, err, SAML_EREJECTED, "xml", "DOCTYPE not allowed");
        default:
            return saml_fail(p, err, SAML_EREJECTED, "xml", "unexpected node type %d",
                             (int)node->type);
        }
        /* Next in document order, without recursion. */
        if (node->type == XML_ELEMENT_NODE && node->children) {
            node = node->children;
            depth++;
            continue;
        }
        while (node && node->next == NULL) {
            node = node->parent;
            depth--;
            if (node == (xmlNodePtr)doc)
                node = NULL;
        }
        if (node)
            node = node->next;
    }
    return APR_SUCCESS;
}

/* ---- the raw-byte scan -----------------------------------------------------
 * libxml2 before 2.12 compares each attribute and namespace declaration of an
 * element with every earlier one (quadratic), and resolves prefixes by walking
 * every declaration in scope. One linear pass over the bytes counts what those
 * costs grow with and refuses a document over the bounds before libxml2 sees
 * it. It reads markup only: text, comments, CDATA sections, processing
 * instructions and quoted attribute values are skipped (a '>' or '=' inside
 * them is not markup). It need not understand everything: what it miscounts
 * is not well-formed and libxml2 refuses it next. */

/* Offset just past the first occurrence of end (n bytes) at or after i, or
 * len when there is none. */
static apr_size_t skip_past(const char *buf, apr_size_t len, apr_size_t i,
                            const char *end, apr_size_t n)
{
    while (i < len) {
        const char *hit = memchr(buf + i, end[0], len - i);
        if (hit == NULL)
            break;
        i = (apr_size_t)(hit - buf);
        if (len - i >= n && memcmp(buf + i, end, n) == 0)
            return i + n;
        i++;
    }
    return len;
}

static int starts(const char *buf, apr_size_t len, apr_size_t i, const char *what)
{
    apr_size_t n = strlen(what);
    return len - i >= n && memcmp(buf + i, what, n) == 0;
}

static int is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static apr_status_t scan_markup(apr_pool_t *p, const char *buf, apr_size_t len,
                                const saml_xml_limits_t *limits, saml_err_t *err)
{
    /* Declarations each open element made, to know how many are in scope. */
    int *declared = apr_palloc(p, sizeof(int) * ((apr_size_t)limits->max_depth + 1));
    int depth = 0, in_scope = 0;
    apr_size_t i = 0, names = 0, namespaces = 0;

    while (i < len) {
        const char *lt = memchr(buf + i, '<', len - i);
        apr_size_t attributes = 0;
        int declarations = 0, empty = 0;
        char quote = 0;

        if (lt == NULL)
            break;
        i = (apr_size_t)(lt - buf);
        if (starts(buf, len, i, "<!--")) {
            i = skip_past(buf, len, i + 4, "-->", 3);
            continue;
        }
        if (starts(buf, len, i, "<![CDATA[")) {
            i = skip_past(buf, len, i + 9, "]]>", 3);
            continue;
        }
        if (starts(buf, len, i, "<?")) {
            i = skip_past(buf, len, i + 2, "?>", 2);
            continue;
        }
        if (starts(buf, len, i, "</")) {
            if (depth > 0)
                in_scope -= declared[--depth];
            i = skip_past(buf, len, i + 2, ">", 1);
            continue;
        }
        if (starts(buf, len, i, "<!")) {
            i = skip_past(buf, len, i + 2, ">", 1);
            continue;
        }
        /* A start tag: its name, then one '=' outside quotes per attribute. */
        names++;
        for (i++; i < len; i++) {
            char c = buf[i];
            if (quote) {
                if (c == quote)
                    quote = 0;
            }
            else if (c == '"' || c == '\'')
                quote = c;
            else if (c == '=')
                attributes++;
            else if (c == '>' || c == '<')
                break;
            else if (is_xml_space(c) && starts(buf, len, i + 1, "xmlns") && i + 6 < len &&
                     (buf[i + 6] == ':' || buf[i + 6] == '=' || is_xml_space(buf[i + 6])))
                declarations++;
        }
        empty = i > 0 && i < len && buf[i] == '>' && buf[i - 1] == '/';
        names += attributes;
        namespaces += (apr_size_t)declarations;
        if (attributes > SAML_XML_MAX_ATTRIBUTES)
            return saml_fail(p, err, SAML_ETOOLARGE, "xml-attributes",
                             "an element with more than %d attributes (%" APR_SIZE_T_FMT ")",
                             SAML_XML_MAX_ATTRIBUTES, attributes);
        if (namespaces > SAML_XML_MAX_NAMESPACES)
            return saml_fail(p, err, SAML_ETOOLARGE, "xml-namespaces",
                             "more than %d namespace declarations", SAML_XML_MAX_NAMESPACES);
        if (names > (apr_size_t)limits->max_names)
            return saml_fail(p, err, SAML_ETOOLARGE, "xml-names",
                             "more than %d element and attribute names", limits->max_names);
        if (!empty) {
            /* The same bound the parser enforces, known here first. */
            if (depth >= limits->max_depth)
                return saml_fail(p, err, SAML_ETOOLARGE, "size",
                                 "element nesting deeper than %d", limits->max_depth);
            declared[depth++] = declarations;
            in_scope += declarations;
            if (in_scope > SAML_XML_MAX_NAMESPACES_IN_SCOPE)
                return saml_fail(p, err, SAML_ETOOLARGE, "xml-namespaces",
                                 "more than %d namespace declarations in scope",
                                 SAML_XML_MAX_NAMESPACES_IN_SCOPE);
        }
        /* The '<' that ended a broken tag starts the next markup. */
        if (i < len && buf[i] == '>')
            i++;
    }
    return APR_SUCCESS;
}

/* A parser over buf whose SAX hooks refuse DOCTYPE, PIs, entity references
 * and deep nesting as soon as they start. */
static xmlParserCtxtPtr guarded_parser(const char *buf, int len, parse_guard_t *guard)
{
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buf, len);
    if (ctxt == NULL)
        return NULL;
    /* Never NOENT (entity substitution), DTDLOAD, DTDATTR or HUGE; keep CDATA. */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET);
    ctxt->_private = guard;
    /* ctxt->sax is this context's own copy: changing it affects no one else. */
    ctxt->sax->internalSubset = refuse_doctype;
    ctxt->sax->externalSubset = refuse_doctype;
    ctxt->sax->processingInstruction = refuse_pi;
    ctxt->sax->reference = refuse_entity_reference;
    ctxt->sax->startElementNs = start_element_within_depth;
    return ctxt;
}

apr_status_t saml_xml_parse(apr_pool_t *p, const char *buf, apr_size_t len,
                            const saml_xml_limits_t *limits, xmlDocPtr *out,
                            saml_err_t *err)
{
    saml_xml_limits_t defaults = { SAML_XML_DEFAULT_MAX_BYTES, SAML_XML_DEFAULT_MAX_DEPTH,
                                   SAML_XML_MAX_NAMES };
    parse_guard_t guard;
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    xmlStructuredErrorFunc old_serror = xmlStructuredError;
    void *old_serror_ctx = xmlStructuredErrorContext;
    xmlGenericErrorFunc old_generic = xmlGenericError;
    void *old_generic_ctx = xmlGenericErrorContext;
    apr_status_t rv;

    *out = NULL;
    /* A zero field means "the default", never "nothing allowed" or "no cap". */
    if (limits) {
        if (limits->max_bytes)
            defaults.max_bytes = limits->max_bytes;
        if (limits->max_depth > 0)
            defaults.max_depth = limits->max_depth;
        if (limits->max_names > 0)
            defaults.max_names = limits->max_names;
    }
    limits = &defaults;
    if (len > limits->max_bytes)
        return saml_fail(p, err, SAML_ETOOLARGE, "size", "document is %" APR_SIZE_T_FMT
                         " bytes, limit %" APR_SIZE_T_FMT, len, limits->max_bytes);
    if (len == 0 || len > INT_MAX)
        return saml_fail(p, err, SAML_EMALFORMED, "xml", "empty document");
    if ((rv = scan_markup(p, buf, len, limits, err)) != APR_SUCCESS)
        return rv;

    memset(&guard, 0, sizeof(guard));
    guard.limits = limits;
    /* Error handlers are per thread in libxml2: set for this parse, then restore. */
    xmlSetStructuredErrorFunc(&guard, keep_first_error);
    xmlSetGenericErrorFunc(NULL, discard_generic_error);
    ctxt = guarded_parser(buf, (int)len, &guard);
    if (ctxt == NULL) {
        xmlSetStructuredErrorFunc(old_serror_ctx, old_serror);
        xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
        return saml_fail(p, err, SAML_EINTERNAL, "xml", "out of memory");
    }
    xmlParseDocument(ctxt);
    doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    /* libxml2 only flags namespace errors (undeclared prefix, one attribute
     * twice under two prefixes of the same URI); we refuse them. */
    if (doc && (!ctxt->wellFormed || !ctxt->nsWellFormed || guard.refused)) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);

    if (doc)
        apr_pool_cleanup_register(p, doc, free_doc, apr_pool_cleanup_null);
    if (guard.refused)
        rv = saml_fail(p, err, guard.refused_too_large ? SAML_ETOOLARGE : SAML_EREJECTED,
                       guard.refused_too_large ? "size" : "xml", "%s", guard.refused);
    else if (doc == NULL)
        rv = saml_fail(p, err, SAML_EMALFORMED, "xml", "not well-formed XML: %s",
                       guard.first_error[0] ? saml_log_escape(p, guard.first_error, 200)
                                            : "unknown parser error");
    else if (doc->intSubset || doc->extSubset)
        rv = saml_fail(p, err, SAML_EREJECTED, "xml", "DOCTYPE not allowed");
    else if (xmlDocGetRootElement(doc) == NULL)
        rv = saml_fail(p, err, SAML_EMALFORMED, "xml", "no root element");
    else
        rv = check_tree(p, doc, limits->max_depth, err);

    xmlSetStructuredErrorFunc(old_serror_ctx, old_serror);
    xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
    if (rv == APR_SUCCESS)
        *out = doc;
    return rv;
}

int saml_xml_is(const xmlNode *node, const char *ns, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
           !strcmp((const char *)node->ns->href, ns) &&
           !strcmp((const char *)node->name, name);
}

xmlNodePtr saml_xml_child(const xmlNode *parent, const char *ns, const char *name, int *count)
{
    xmlNodePtr c, found = NULL;
    int n = 0;

    for (c = parent ? parent->children : NULL; c; c = c->next) {
        if (saml_xml_is(c, ns, name)) {
            if (found == NULL)
                found = c;
            n++;
        }
    }
    if (count)
        *count = n;
    return found;
}

int saml_xml_element_count(const xmlNode *parent)
{
    xmlNodePtr c;
    int n = 0;
    for (c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            n++;
    return n;
}

const char *saml_xml_attr(apr_pool_t *p, const xmlNode *node, const char *name)
{
    xmlChar *v;
    const char *copy;

    if (node == NULL || node->type != XML_ELEMENT_NODE)
        return NULL;
    v = xmlGetNoNsProp(node, (const xmlChar *)name);
    if (v == NULL)
        return NULL;
    copy = apr_pstrdup(p, (const char *)v);
    xmlFree(v);
    return copy;
}

apr_status_t saml_xml_text(apr_pool_t *p, const xmlNode *node, const char **out,
                           saml_err_t *err)
{
    const xmlNode *c;
    apr_size_t total = 0, at = 0;
    char *text;

    *out = NULL;
    if (node == NULL)
        return saml_fail(p, err, SAML_EREJECTED, "text-content", "element missing");
    for (c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            total += c->content ? strlen((const char *)c->content) : 0;
            continue;
        }
        return saml_fail(p, err, SAML_EREJECTED, "text-content",
                         "<%s> holds a %s where only text is allowed",
                         saml_log_escape(p, (const char *)node->name, 64),
                         c->type == XML_COMMENT_NODE ? "comment"
                         : c->type == XML_ELEMENT_NODE ? "child element"
                         : c->type == XML_PI_NODE ? "processing instruction"
                         : "non-text node");
    }
    text = apr_palloc(p, total + 1);
    for (c = node->children; c; c = c->next) {
        apr_size_t n = c->content ? strlen((const char *)c->content) : 0;
        memcpy(text + at, c->content, n);
        at += n;
    }
    text[at] = '\0';
    *out = text;
    return APR_SUCCESS;
}

xmlNodePtr saml_xml_by_id(xmlDocPtr doc, const char *id)
{
    xmlAttrPtr a;
    if (doc == NULL || id == NULL)
        return NULL;
    a = xmlGetID(doc, (const xmlChar *)id);
    return a ? a->parent : NULL;
}
