/* saml/xml.c: what the parser refuses, ID registration, whole-text reading,
 * namespace matching by URI. */
#include <apr_strings.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/testkit.h"
#include "saml/crypto.h"
#include "saml/xml.h"

static apr_status_t parse(const char *xml, xmlDocPtr *doc, saml_err_t *err)
{
    saml_xml_limits_t lim = { SAML_XML_DEFAULT_MAX_BYTES, SAML_XML_DEFAULT_MAX_DEPTH, 0 };
    return saml_xml_parse(tk_pool(), xml, strlen(xml), &lim, doc, err);
}

static void assert_refused(const char *xml, apr_status_t status, const char *check)
{
    xmlDocPtr doc = (xmlDocPtr)1;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = parse(xml, &doc, &err);
    ck_assert_int_eq(rv, status);
    ck_assert_ptr_null(doc);
    ck_assert_str_eq(err.check, check);
}

static xmlDocPtr parse_ok(const char *xml)
{
    xmlDocPtr doc = NULL;
    saml_err_t err = { NULL, NULL };
    apr_status_t rv = parse(xml, &doc, &err);
    ck_assert_msg(rv == APR_SUCCESS, "refused: %s: %s", err.check, err.detail);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

START_TEST(plain_document_parses)
{
    xmlDocPtr doc = parse_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                             "<a xmlns=\"urn:x\"><b ID=\"_1\">t</b><!-- fine --></a>");
    ck_assert_ptr_nonnull(saml_xml_by_id(doc, "_1"));
    ck_assert_str_eq((const char *)saml_xml_by_id(doc, "_1")->name, "b");
    ck_assert_ptr_null(saml_xml_by_id(doc, "_2"));
}
END_TEST

START_TEST(internal_subset_refused)
{
    assert_refused("<!DOCTYPE a [<!ELEMENT a ANY>]><a/>", SAML_EREJECTED, "xml");
    assert_refused("<!DOCTYPE a><a/>", SAML_EREJECTED, "xml");
}
END_TEST

START_TEST(external_entity_refused)
{
    assert_refused("<!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><a>&xxe;</a>",
                   SAML_EREJECTED, "xml");
    assert_refused("<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/evil.dtd\"><a/>",
                   SAML_EREJECTED, "xml");
}
END_TEST

START_TEST(billion_laughs_refused_without_expanding)
{
    const char *bomb =
        "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
        "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
        "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
        "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
        "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
        "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
        "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
        "]><lolz>&lol9;</lolz>";
    assert_refused(bomb, SAML_EREJECTED, "xml");
}
END_TEST

START_TEST(attlist_declaring_an_id_refused)
{
    /* A DTD could make an attacker's attribute an ID and steer the Reference. */
    assert_refused("<!DOCTYPE a [<!ATTLIST b foo ID #IMPLIED>]><a><b foo=\"_x\"/></a>",
                   SAML_EREJECTED, "xml");
}
END_TEST

START_TEST(processing_instructions_refused)
{
    assert_refused("<?xml-stylesheet href=\"x\"?><a/>", SAML_EREJECTED, "xml");
    assert_refused("<a><?evil data?></a>", SAML_EREJECTED, "xml");
    assert_refused("<a/><?after root?>", SAML_EREJECTED, "xml");
}
END_TEST

START_TEST(malformed_refused)
{
    assert_refused("<a><b></a>", SAML_EMALFORMED, "xml");
    assert_refused("not xml at all", SAML_EMALFORMED, "xml");
    assert_refused("<a x=\"1\" x=\"2\"/>", SAML_EMALFORMED, "xml");
    assert_refused("<a>&undeclared;</a>", SAML_EMALFORMED, "xml");
    assert_refused("<a xmlns:x=\"urn:a\" xmlns:x=\"urn:b\"/>", SAML_EMALFORMED, "xml");
    assert_refused("<a xmlns:x=\"urn:a\" x:n=\"1\" xmlns:y=\"urn:a\" y:n=\"2\"/>",
                   SAML_EMALFORMED, "xml");
    assert_refused("<a><x:Assertion/></a>", SAML_EMALFORMED, "xml");   /* undeclared prefix */
    assert_refused("<a ID=\"\"/>", SAML_EMALFORMED, "xml");   /* fuzz finding: was a 500 */
    assert_refused("<a><b Id=\"\"/></a>", SAML_EMALFORMED, "xml");
}
END_TEST

static const char *nested(int depth)
{
    const char *s = "";
    int i;
    for (i = 0; i < depth; i++)
        s = apr_pstrcat(tk_pool(), "<e>", s, "</e>", NULL);
    return s;
}

START_TEST(refused_at_first_sight)
{
    /* The parser stops at the DOCTYPE or PI itself: what follows (here
     * malformed, elsewhere an entity bomb) is never parsed at all. */
    assert_refused("<!DOCTYPE a [<!ENTITY x \"y\"> garbage ]><a/>", SAML_EREJECTED, "xml");
    assert_refused("<?pi?><a><unclosed></a>", SAML_EREJECTED, "xml");
    /* and nesting stops at our limit, long before libxml2's own (256) */
    assert_refused(nested(300), SAML_ETOOLARGE, "size");
}
END_TEST

/* "<r" + n attributes (a0="" a1="" ...) + "/>" : distinct names, so libxml2
 * itself accepts it. */
static char *many_attributes(int n, const char *name_prefix)
{
    apr_size_t cap = (apr_size_t)n * 24 + 16;
    char *buf = apr_palloc(tk_pool(), cap), *o = buf;
    int i;

    o += sprintf(o, "<r");
    for (i = 0; i < n; i++)
        o += sprintf(o, " %s%d=\"\"", name_prefix, i);
    strcpy(o, "/>");
    return buf;
}

static apr_status_t parse_big(const char *xml, xmlDocPtr *doc, saml_err_t *err)
{
    saml_xml_limits_t lim = { 1024 * 1024, SAML_XML_DEFAULT_MAX_DEPTH, 65536 };
    return saml_xml_parse(tk_pool(), xml, strlen(xml), &lim, doc, err);
}

START_TEST(attributes_per_element_capped)
{
    xmlDocPtr doc = NULL;
    saml_err_t err = { NULL, NULL };

    /* Real SAML elements carry a handful; the cap is far above that. */
    ck_assert_int_ge(SAML_XML_MAX_ATTRIBUTES, 32);
    parse_ok(many_attributes(SAML_XML_MAX_ATTRIBUTES, "a"));
    assert_refused(many_attributes(SAML_XML_MAX_ATTRIBUTES + 1, "a"), SAML_ETOOLARGE,
                   "xml-attributes");
    /* Namespace declarations are attributes to libxml2's duplicate check too. */
    assert_refused(many_attributes(SAML_XML_MAX_ATTRIBUTES + 1, "xmlns:p"), SAML_ETOOLARGE,
                   "xml-attributes");
    /* 27 000 attributes on one element in 256 KiB: quadratic in libxml2 2.9
     * (1.5 s); refused by the scan before libxml2 sees a byte. */
    ck_assert_int_eq(parse_big(many_attributes(27000, "a"), &doc, &err), SAML_ETOOLARGE);
    ck_assert_ptr_null(doc);
    ck_assert_str_eq(err.check, "xml-attributes");
    ck_assert_ptr_nonnull(strstr(err.detail, "attributes"));
}
END_TEST

START_TEST(attribute_scan_reads_markup_not_text)
{
    char *eqs = apr_palloc(tk_pool(), 4 * SAML_XML_MAX_ATTRIBUTES + 1);
    const char *xml;
    int i;

    for (i = 0; i < SAML_XML_MAX_ATTRIBUTES * 2; i++)
        memcpy(eqs + 2 * i, "=x", 2);
    eqs[4 * SAML_XML_MAX_ATTRIBUTES] = '\0';
    /* '=' in attribute values, text, comments and CDATA is no attribute, and a
     * '>' or '<' inside a quoted value ends no tag. */
    xml = apr_pstrcat(tk_pool(), "<r b=\"", eqs, " >\" c='", eqs, "'>", eqs, "<!--", eqs,
                      " <x a=1 b=2> --><![CDATA[", eqs, " <y c=1> ]]><s d=\"&lt;",
                      eqs, "\"/></r>", NULL);
    parse_ok(xml);
}
END_TEST

/* <r> and n children each declaring one prefix. */
static char *many_declarations(int n)
{
    char *buf = apr_palloc(tk_pool(), (apr_size_t)n * 48 + 32), *o = buf;
    int i;

    o += sprintf(o, "<r>");
    for (i = 0; i < n; i++)
        o += sprintf(o, "<v xmlns:p%d=\"urn:x\"/>", i);
    strcpy(o, "</r>");
    return buf;
}

START_TEST(namespace_declarations_per_document_capped)
{
    saml_err_t err = { NULL, NULL };
    xmlDocPtr doc = NULL;

    /* Each AttributeValue declaring its own xs and xsi (pysaml2, Okta) with
     * hundreds of values stays below the cap. */
    ck_assert_int_ge(SAML_XML_MAX_NAMESPACES, 1000);
    ck_assert_int_eq(parse_big(many_declarations(SAML_XML_MAX_NAMESPACES), &doc, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(parse_big(many_declarations(SAML_XML_MAX_NAMESPACES + 1), &doc, &err),
                     SAML_ETOOLARGE);
    ck_assert_str_eq(err.check, "xml-namespaces");
}
END_TEST

START_TEST(namespace_declarations_in_scope_capped)
{
    const int per = 3, levels = SAML_XML_MAX_NAMESPACES_IN_SCOPE / 3 + 1;
    char *buf = apr_palloc(tk_pool(), (apr_size_t)levels * 120 + 64), *o = buf;
    int i, k;

    /* Nested declarations are all in scope: each prefix lookup walks them. */
    ck_assert_int_lt(levels, SAML_XML_DEFAULT_MAX_DEPTH);
    for (i = 0; i < levels; i++) {
        o += sprintf(o, "<e");
        for (k = 0; k < per; k++)
            o += sprintf(o, " xmlns:p%d_%d=\"urn:x\"", i, k);
        o += sprintf(o, ">");
    }
    for (i = 0; i < levels; i++)
        o += sprintf(o, "</e>");
    assert_refused(buf, SAML_ETOOLARGE, "xml-namespaces");
    /* The same declarations on siblings are never in scope together. */
    o = buf;
    o += sprintf(o, "<r>");
    for (i = 0; i < levels; i++) {
        o += sprintf(o, "<e");
        for (k = 0; k < per; k++)
            o += sprintf(o, " xmlns:p%d_%d=\"urn:x\"", i, k);
        o += sprintf(o, "/>");
    }
    strcpy(o, "</r>");
    parse_ok(buf);
}
END_TEST

START_TEST(names_cap_is_per_call)
{
    int n = SAML_XML_MAX_NAMES * 2, i;
    char *buf = apr_palloc(tk_pool(), (apr_size_t)n * 4 + 32), *o = buf;
    saml_xml_limits_t wide = { 1024 * 1024, SAML_XML_DEFAULT_MAX_DEPTH, n + 1 };
    saml_err_t err = { NULL, NULL };
    xmlDocPtr doc = NULL;

    o += sprintf(o, "<r>");
    for (i = 0; i < n; i++)
        o += sprintf(o, "<v/>");
    strcpy(o, "</r>");
    /* Refused by default, read with a wider cap (metadata asks for one). */
    ck_assert_int_eq(parse_big(buf, &doc, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_xml_parse(tk_pool(), buf, strlen(buf), &wide, &doc, &err),
                     APR_SUCCESS);
    assert_refused(buf, SAML_ETOOLARGE, "xml-names");
}
END_TEST

START_TEST(names_per_document_capped)
{
    int n = SAML_XML_MAX_NAMES, i;
    char *buf = apr_palloc(tk_pool(), (apr_size_t)n * 4 + 32), *o = buf;
    saml_err_t err = { NULL, NULL };
    xmlDocPtr doc = NULL;
    saml_xml_limits_t lim = { 16 * 1024 * 1024, SAML_XML_DEFAULT_MAX_DEPTH, 0 };

    /* The root and n children: n + 1 names, one over the cap. */
    o += sprintf(o, "<r>");
    for (i = 0; i < n; i++)
        o += sprintf(o, "<v/>");
    strcpy(o, "</r>");
    ck_assert_int_eq(saml_xml_parse(tk_pool(), buf, strlen(buf), &lim, &doc, &err),
                     SAML_ETOOLARGE);
    ck_assert_str_eq(err.check, "xml-names");
    /* exactly at the cap */
    strcpy(o - 4, "</r>");
    ck_assert_int_eq(saml_xml_parse(tk_pool(), buf, strlen(buf), &lim, &doc, &err),
                     APR_SUCCESS);
}
END_TEST

START_TEST(depth_limit)
{
    saml_xml_limits_t lim = { 4096, 5, 0 };
    xmlDocPtr doc;
    saml_err_t err = { NULL, NULL };
    const char *ok = nested(5), *deep = nested(6);

    ck_assert_int_eq(saml_xml_parse(tk_pool(), ok, strlen(ok), &lim, &doc, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_xml_parse(tk_pool(), deep, strlen(deep), &lim, &doc, &err),
                     SAML_ETOOLARGE);
    ck_assert_str_eq(err.check, "size");
}
END_TEST

START_TEST(zero_limits_mean_defaults)
{
    saml_xml_limits_t zero = { 0, 0, 0 };
    xmlDocPtr doc;
    saml_err_t err = { NULL, NULL };
    const char *ok = nested(SAML_XML_DEFAULT_MAX_DEPTH);
    const char *deep = nested(SAML_XML_DEFAULT_MAX_DEPTH + 1);

    ck_assert_int_eq(saml_xml_parse(tk_pool(), ok, strlen(ok), &zero, &doc, &err), APR_SUCCESS);
    ck_assert_int_eq(saml_xml_parse(tk_pool(), deep, strlen(deep), &zero, &doc, &err),
                     SAML_ETOOLARGE);
    ck_assert_int_eq(saml_xml_parse(tk_pool(), ok, strlen(ok), NULL, &doc, &err), APR_SUCCESS);
}
END_TEST

START_TEST(size_limit_checked_before_parsing)
{
    saml_xml_limits_t lim = { 16, 32, 0 };
    xmlDocPtr doc;
    saml_err_t err = { NULL, NULL };
    /* 17 bytes of garbage: a parse would say "malformed"; the cap says "too large". */
    ck_assert_int_eq(saml_xml_parse(tk_pool(), "<<<<<<<<<<<<<<<<<", 17, &lim, &doc, &err),
                     SAML_ETOOLARGE);
    ck_assert_str_eq(err.check, "size");
    ck_assert_int_eq(saml_xml_parse(tk_pool(), "<a>0123456789</a>", 17, &lim, &doc, &err),
                     SAML_ETOOLARGE);
    ck_assert_int_eq(saml_xml_parse(tk_pool(), "<a>012345678</a>", 16, &lim, &doc, &err),
                     APR_SUCCESS);
}
END_TEST

START_TEST(duplicate_ids_refused)
{
    assert_refused("<a><b ID=\"_1\"/><c ID=\"_1\"/></a>", SAML_EREJECTED, "duplicate-id");
    assert_refused("<a ID=\"_1\"><c xml:id=\"_1\"/></a>", SAML_EREJECTED, "duplicate-id");
    assert_refused("<a xml:id=\"_1\"><c ID=\"_1\"/></a>", SAML_EREJECTED, "duplicate-id");
    assert_refused("<a ID=\"_1\"><c Id=\"_1\"/></a>", SAML_EREJECTED, "duplicate-id");
    assert_refused("<a ID=\"_1\"><c id=\"_1\"/></a>", SAML_EREJECTED, "duplicate-id");
    assert_refused("<a AssertionID=\"_1\"><c ID=\"_1\"/></a>", SAML_EREJECTED, "duplicate-id");
    /* the same value on two namespaced-ID-looking attributes of other names is fine */
    parse_ok("<a ID=\"_1\" xmlns:x=\"urn:x\"><c x:ID=\"_1\" Name=\"_1\"/></a>");
}
END_TEST

static const char *text_of(const char *xml, apr_status_t want, const char *check)
{
    xmlDocPtr doc = parse_ok(xml);
    saml_err_t err = { NULL, NULL };
    const char *out = "unset";
    apr_status_t rv = saml_xml_text(tk_pool(), xmlDocGetRootElement(doc), &out, &err);
    ck_assert_int_eq(rv, want);
    if (check) {
        ck_assert_ptr_null(out);
        ck_assert_str_eq(err.check, check);
    }
    return out;
}

START_TEST(text_refuses_comment_split)
{
    text_of("<n>admin@corp.com<!---->.evil.com</n>", SAML_EREJECTED, "text-content");
    text_of("<n><!-- c -->admin@corp.com</n>", SAML_EREJECTED, "text-content");
}
END_TEST

START_TEST(text_refuses_element_child)
{
    text_of("<n>admin<b/>@corp.com</n>", SAML_EREJECTED, "text-content");
}
END_TEST

static apr_status_t free_doc(void *d) { xmlFreeDoc(d); return APR_SUCCESS; }

START_TEST(text_refuses_pi_and_entity_reference_children)
{
    /* The parser never produces these; a tree built by other code might. */
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr n = xmlNewDocNode(doc, NULL, (const xmlChar *)"n", (const xmlChar *)"admin");
    xmlNodePtr m = xmlNewDocNode(doc, NULL, (const xmlChar *)"m", (const xmlChar *)"admin");
    saml_err_t err = { NULL, NULL };
    const char *out;

    apr_pool_cleanup_register(tk_pool(), doc, free_doc, apr_pool_cleanup_null);
    xmlDocSetRootElement(doc, n);
    xmlAddChild(n, m);
    xmlAddChild(n, xmlNewDocPI(doc, (const xmlChar *)"pi", (const xmlChar *)"x"));
    xmlAddChild(m, xmlNewReference(doc, (const xmlChar *)"&ent;"));
    ck_assert_int_eq(saml_xml_text(tk_pool(), m, &out, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "text-content");
    xmlUnlinkNode(m);
    xmlFreeNode(m);
    ck_assert_int_eq(saml_xml_text(tk_pool(), n, &out, &err), SAML_EREJECTED);
    ck_assert_str_eq(err.check, "text-content");
}
END_TEST

START_TEST(text_includes_cdata)
{
    /* CDATA is only another way to write text: kept, and joined with the text
     * around it, so it can never shorten a value. */
    ck_assert_str_eq(text_of("<n>admin@corp.com<![CDATA[.evil.com]]></n>", APR_SUCCESS, NULL),
                     "admin@corp.com.evil.com");
    ck_assert_str_eq(text_of("<n><![CDATA[<x>]]></n>", APR_SUCCESS, NULL), "<x>");
}
END_TEST

START_TEST(text_whole_value_and_empty)
{
    ck_assert_str_eq(text_of("<n> a &amp; b </n>", APR_SUCCESS, NULL), " a & b ");
    ck_assert_str_eq(text_of("<n>a&#x41;b</n>", APR_SUCCESS, NULL), "aAb");
    ck_assert_str_eq(text_of("<n/>", APR_SUCCESS, NULL), "");
}
END_TEST

START_TEST(lookup_by_namespace_uri_not_prefix)
{
    xmlDocPtr doc = parse_ok(
        "<samlp:Response xmlns:samlp=\"" SAML_NS_PROTOCOL "\" xmlns:saml=\"urn:evil\">"
        "<saml:Assertion/>"
        "<Assertion xmlns=\"" SAML_NS_ASSERTION "\"/>"
        "<x:Assertion xmlns:x=\"" SAML_NS_ASSERTION "\"/>"
        "</samlp:Response>");
    xmlNodePtr root = xmlDocGetRootElement(doc), a;
    int count = -1;

    ck_assert(saml_xml_is(root, SAML_NS_PROTOCOL, "Response"));
    ck_assert(!saml_xml_is(root, SAML_NS_ASSERTION, "Response"));
    a = saml_xml_child(root, SAML_NS_ASSERTION, "Assertion", &count);
    ck_assert_int_eq(count, 2);           /* saml: is bound to urn:evil here */
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_null(a->ns->prefix);    /* the first match is the default-namespace one */
    ck_assert_int_eq(saml_xml_element_count(root), 3);
    ck_assert_ptr_null(saml_xml_child(root, SAML_NS_DSIG, "Assertion", &count));
    ck_assert_int_eq(count, 0);
}
END_TEST

START_TEST(attr_is_unqualified_only)
{
    xmlDocPtr doc = parse_ok("<a xmlns:x=\"urn:x\" x:Name=\"evil\" Other=\"o\"/>");
    xmlNodePtr root = xmlDocGetRootElement(doc);
    ck_assert_ptr_null(saml_xml_attr(tk_pool(), root, "Name"));
    ck_assert_str_eq(saml_xml_attr(tk_pool(), root, "Other"), "o");
}
END_TEST

START_TEST(crypto_init_is_idempotent)
{
    ck_assert_int_eq(saml_crypto_init(), APR_SUCCESS);
    ck_assert_int_eq(saml_crypto_init(), APR_SUCCESS);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xml");
    TCase *tc = tcase_create("xml");

    tk_setup();
    tcase_add_checked_fixture(tc, NULL, tk_teardown);
    tcase_add_test(tc, plain_document_parses);
    tcase_add_test(tc, internal_subset_refused);
    tcase_add_test(tc, external_entity_refused);
    tcase_add_test(tc, billion_laughs_refused_without_expanding);
    tcase_add_test(tc, attlist_declaring_an_id_refused);
    tcase_add_test(tc, processing_instructions_refused);
    tcase_add_test(tc, malformed_refused);
    tcase_add_test(tc, refused_at_first_sight);
    tcase_add_test(tc, depth_limit);
    tcase_add_test(tc, attributes_per_element_capped);
    tcase_add_test(tc, attribute_scan_reads_markup_not_text);
    tcase_add_test(tc, namespace_declarations_per_document_capped);
    tcase_add_test(tc, names_per_document_capped);
    tcase_add_test(tc, namespace_declarations_in_scope_capped);
    tcase_add_test(tc, names_cap_is_per_call);
    tcase_add_test(tc, zero_limits_mean_defaults);
    tcase_add_test(tc, size_limit_checked_before_parsing);
    tcase_add_test(tc, duplicate_ids_refused);
    tcase_add_test(tc, text_refuses_comment_split);
    tcase_add_test(tc, text_refuses_element_child);
    tcase_add_test(tc, text_refuses_pi_and_entity_reference_children);
    tcase_add_test(tc, text_includes_cdata);
    tcase_add_test(tc, text_whole_value_and_empty);
    tcase_add_test(tc, lookup_by_namespace_uri_not_prefix);
    tcase_add_test(tc, attr_is_unqualified_only);
    tcase_add_test(tc, crypto_init_is_idempotent);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
