/* The bare floor of verifying one signed SAML assertion, for bench/run.
 *
 * What no verifier can avoid: parse the response with libxml2, exclusive-c14n
 * the signed Assertion (without its enveloped Signature) and check its SHA-256
 * digest, exclusive-c14n SignedInfo, and one RSA-SHA256 verification with
 * OpenSSL EVP. No shape rules, no xmlsec, no policy: a lower bound to compare
 * our ACS against, not something to deploy.
 *
 *     floor CERT.pem ITERATIONS RESPONSE.xml...
 *
 * Prints one line per file: "floor FILE BYTES CPU_US_PER_VERIFY". Under
 * callgrind, --toggle-collect=floor_once counts exactly the verifications.
 * Built by bench/run, not by make. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define NS_SAML  "urn:oasis:names:tc:SAML:2.0:assertion"
#define NS_DSIG  "http://www.w3.org/2000/09/xmldsig#"

static int is(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && !strcmp((const char *)n->ns->href, ns)
           && !strcmp((const char *)n->name, name);
}

static xmlNodePtr child(const xmlNode *parent, const char *ns, const char *name)
{
    xmlNodePtr c;
    for (c = parent ? parent->children : NULL; c; c = c->next)
        if (is(c, ns, name))
            return c;
    return NULL;
}

static void die(const char *why)
{
    fprintf(stderr, "floor: %s\n", why);
    exit(1);
}

/* Exclusive c14n shows the subtree of `root` only. */
static int within_root(void *root, xmlNodePtr node, xmlNodePtr parent)
{
    xmlNodePtr n = (node && node->type != XML_NAMESPACE_DECL) ? node : parent;
    for (; n; n = n->parent)
        if (n == (xmlNodePtr)root)
            return 1;
    return 0;
}

static int canonical(xmlDocPtr doc, xmlNodePtr root, xmlChar **out)
{
    xmlOutputBufferPtr buf = xmlAllocOutputBuffer(NULL);
    int len;

    if (buf == NULL || xmlC14NExecute(doc, within_root, root, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
                                      buf) < 0)
        die("c14n failed");
    len = (int)xmlBufUse(buf->buffer);
    *out = xmlStrndup(xmlBufContent(buf->buffer), len);
    xmlOutputBufferClose(buf);
    return len;
}

static int base64_decode(const char *text, unsigned char *out, int max)
{
    char compact[4096];
    int n = 0, len;
    for (; *text && n < (int)sizeof(compact) - 1; text++)
        if (*text != ' ' && *text != '\n' && *text != '\r' && *text != '\t')
            compact[n++] = *text;
    compact[n] = '\0';
    if (n / 4 * 3 > max)
        die("base64 value too long");
    len = EVP_DecodeBlock(out, (unsigned char *)compact, n);
    if (len < 0)
        die("bad base64");
    while (n > 0 && compact[--n] == '=')
        len--;
    return len;
}

/* One verification, start to end. Not static, so callgrind can find it. */
int floor_once(const char *xml, int len, EVP_PKEY *key);
__attribute__((noinline)) int floor_once(const char *xml, int len, EVP_PKEY *key)
{
    xmlDocPtr doc = xmlReadMemory(xml, len, NULL, NULL, XML_PARSE_NONET);
    xmlNodePtr assertion, sig, signed_info, ref;
    xmlChar *c14n, *digest_text, *value_text;
    unsigned char md[EVP_MAX_MD_SIZE], want[64], sigval[1024];
    unsigned int mdlen;
    int n, want_len, sig_len, ok;
    EVP_MD_CTX *ctx;

    if (doc == NULL)
        die("not well-formed");
    assertion = child(xmlDocGetRootElement(doc), NS_SAML, "Assertion");
    sig = child(assertion, NS_DSIG, "Signature");
    signed_info = child(sig, NS_DSIG, "SignedInfo");
    ref = child(signed_info, NS_DSIG, "Reference");
    if (ref == NULL)
        die("no signed Assertion");
    digest_text = xmlNodeGetContent(child(ref, NS_DSIG, "DigestValue"));
    value_text = xmlNodeGetContent(child(sig, NS_DSIG, "SignatureValue"));

    xmlUnlinkNode(sig);                         /* the enveloped-signature transform */
    n = canonical(doc, assertion, &c14n);
    EVP_Digest(c14n, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
    xmlFree(c14n);
    want_len = base64_decode((const char *)digest_text, want, sizeof(want));
    if (want_len != (int)mdlen || memcmp(want, md, mdlen))
        die("digest mismatch");
    xmlAddChild(assertion, sig);                /* back, so SignedInfo keeps its namespaces */

    n = canonical(doc, signed_info, &c14n);
    sig_len = base64_decode((const char *)value_text, sigval, sizeof(sigval));
    ctx = EVP_MD_CTX_new();
    ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
         EVP_DigestVerify(ctx, sigval, (size_t)sig_len, c14n, (size_t)n) == 1;
    EVP_MD_CTX_free(ctx);
    xmlFree(c14n);
    xmlFree(digest_text);
    xmlFree(value_text);
    xmlFreeDoc(doc);
    if (!ok)
        die("RSA signature does not verify");
    return ok;
}

static char *slurp(const char *path, int *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        die("cannot read a response file");
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
        die("cannot read a response file");
    fclose(f);
    *len = (int)n;
    return buf;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    FILE *f;
    X509 *cert;
    EVP_PKEY *key;
    int iterations, i, a;

    if (argc < 4)
        die("usage: floor CERT.pem ITERATIONS RESPONSE.xml...");
    f = fopen(argv[1], "r");
    if (f == NULL || (cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
        die("cannot read the certificate");
    fclose(f);
    key = X509_get_pubkey(cert);
    iterations = atoi(argv[2]);
    xmlInitParser();
    for (a = 3; a < argc; a++) {
        int len;
        char *xml = slurp(argv[a], &len);
        double t;

        floor_once(xml, len, key);              /* warm caches and lazy initialisation */
        t = cpu_seconds();
        for (i = 0; i < iterations; i++)
            floor_once(xml, len, key);
        t = cpu_seconds() - t;
        printf("floor %s %d %.1f\n", argv[a], len, t * 1e6 / iterations);
        free(xml);
    }
    EVP_PKEY_free(key);
    X509_free(cert);
    xmlCleanupParser();
    return 0;
}
