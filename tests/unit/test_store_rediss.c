/* Redis as the clouds run it: the store contract and the network tests
 * against a redis-server this program starts with TLS only (a CA and
 * certificates made here, at test time) and an ACL user with only the
 * commands the module needs (the default user off). Then what must be
 * refused and how it is named: a wrong password, no password, a server
 * certificate from another CA or for another name, a client certificate
 * the server requires, a plain client on a TLS port, an ACL user without
 * a permission; and the SNI sent, seen by a TLS server of our own. */
#include <apr_strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/store_contract.h"
#include "tests/unit/testkit.h"
#include "saml/store_error.h"
#include "saml/store_net.h"
#include "saml/store_redis.h"

#define USER     "sequr"
#define PASSWORD "s3cret pass"     /* a space inside: the password runs to the line's end */
#define ACL_OK   "~*", "+get", "+set", "+getdel", "+del", "+exists"

static char dir[64];
static char ca_file[128], other_ca_file[128], server_cert[128], server_key[128];
static char client_cert[128], client_key[128], other_name_cert[128], other_name_key[128];

/* ---- certificates made at test time -------------------------------------------- */

static EVP_PKEY *new_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    if (!k)
        abort();
    return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext || !X509_add_ext(cert, ext, -1))
        abort();
    X509_EXTENSION_free(ext);
}

/* A certificate for key, signed by issuer (NULL: self-signed CA). */
static X509 *new_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                      const char *san, const char *eku)
{
    static long serial = 1;
    X509 *c = X509_new();
    X509_NAME *name = X509_NAME_new();

    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 86400);
    X509_set_pubkey(c, key);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(c, name);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
    X509_NAME_free(name);
    if (issuer == NULL) {
        add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_ext(c, c, NID_subject_key_identifier, "hash");
    }
    else {
        add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(c, issuer, NID_key_usage, "critical,digitalSignature");
        add_ext(c, issuer, NID_ext_key_usage, eku);
        if (san)
            add_ext(c, issuer, NID_subject_alt_name, san);
    }
    if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()))
        abort();
    return c;
}

static void write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    if (!f || (cert && !PEM_write_X509(f, cert))
        || (key && !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)))
        abort();
    fclose(f);
}

static void make_certificates(void)
{
    EVP_PKEY *ca_key = new_key(), *other_key = new_key(), *srv_key = new_key(),
             *cli_key = new_key(), *on_key = new_key();
    X509 *ca = new_cert("Sequr test cache CA", ca_key, NULL, NULL, NULL, NULL);
    X509 *other = new_cert("Another CA", other_key, NULL, NULL, NULL, NULL);
    X509 *srv = new_cert("redis.test", srv_key, ca, ca_key, "DNS:localhost,IP:127.0.0.1",
                         "serverAuth");
    X509 *cli = new_cert("sequr-saml node", cli_key, ca, ca_key, NULL, "clientAuth");
    /* Our CA's, for a name we never connect to: the name check alone refuses it. */
    X509 *on = new_cert("other.test", on_key, ca, ca_key, "DNS:other.test", "serverAuth");

    snprintf(dir, sizeof(dir), "/tmp/sequr-rediss-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(ca_file, sizeof(ca_file), "%s/ca.pem", dir);
    snprintf(other_ca_file, sizeof(other_ca_file), "%s/other-ca.pem", dir);
    snprintf(server_cert, sizeof(server_cert), "%s/server.pem", dir);
    snprintf(server_key, sizeof(server_key), "%s/server.key", dir);
    snprintf(client_cert, sizeof(client_cert), "%s/client.pem", dir);
    snprintf(client_key, sizeof(client_key), "%s/client.key", dir);
    snprintf(other_name_cert, sizeof(other_name_cert), "%s/other-name.pem", dir);
    snprintf(other_name_key, sizeof(other_name_key), "%s/other-name.key", dir);
    write_pem(ca_file, ca, NULL);
    write_pem(other_ca_file, other, NULL);
    write_pem(server_cert, srv, NULL);
    write_pem(server_key, NULL, srv_key);
    write_pem(client_cert, cli, NULL);
    write_pem(client_key, NULL, cli_key);
    write_pem(other_name_cert, on, NULL);
    write_pem(other_name_key, NULL, on_key);
    X509_free(on);
    EVP_PKEY_free(on_key);
    X509_free(ca); X509_free(other); X509_free(srv); X509_free(cli);
    EVP_PKEY_free(ca_key); EVP_PKEY_free(other_key); EVP_PKEY_free(srv_key);
    EVP_PKEY_free(cli_key);
}

static void remove_certificates(void)
{
    const char *files[] = { ca_file, other_ca_file, server_cert, server_key, client_cert,
                            client_key, other_name_cert, other_name_key };
    size_t i;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(files[i]);
    rmdir(dir);
}

/* ---- the servers --------------------------------------------------------------- */

static char portbuf[16];

#define TLS_ARGS(auth_clients) \
    "/usr/bin/redis-server", "--port", "0", "--tls-port", portbuf, \
    "--bind", "127.0.0.1", "127.0.0.2", "--save", "", "--appendonly", "no", \
    "--tls-cert-file", server_cert, "--tls-key-file", server_key, \
    "--tls-ca-cert-file", ca_file, "--tls-auth-clients", auth_clients

/* TLS only; the default user off; our ACL user may run what the module
 * needs and nothing else. */
static char **tls_acl_argv(int port)
{
    static char *argv[] = { TLS_ARGS("optional"), "--user", "default", "off",
                            "--user", USER, "on", ">" PASSWORD, ACL_OK, NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

/* The ACL user may read but not write: SET answers -NOPERM. */
static char **tls_acl_readonly_argv(int port)
{
    static char *argv[] = { TLS_ARGS("optional"), "--user", "default", "off",
                            "--user", USER, "on", ">" PASSWORD, "~*", "+get", "+exists", NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

/* A client certificate required. */
static char **tls_client_cert_argv(int port)
{
    static char *argv[] = { TLS_ARGS("yes"), "--user", "default", "off",
                            "--user", USER, "on", ">" PASSWORD, ACL_OK, NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

/* The default user with a password (requirepass), as Azure's access keys. */
static char **tls_requirepass_argv(int port)
{
    static char *argv[] = { TLS_ARGS("optional"), "--requirepass", PASSWORD, NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

/* Idle connections closed by the server after one second (Redis `timeout`,
 * as cloud caches set it). */
static char **tls_idle_timeout_argv(int port)
{
    static char *argv[] = { TLS_ARGS("optional"), "--user", "default", "off",
                            "--user", USER, "on", ">" PASSWORD, ACL_OK, "--timeout", "1",
                            NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

/* Plain TCP only: what rediss:// to port 6379 meets. */
static char **plain_argv(int port)
{
    static char *argv[] = { "/usr/bin/redis-server", "--port", portbuf, "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no", NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

/* The options the tests vary, from the ones that work. */
static saml_redis_options_t good_options(const char *servers, apr_interval_time_t timeout)
{
    saml_redis_options_t o;
    memset(&o, 0, sizeof(o));
    o.servers = servers;
    o.timeout = timeout;
    o.tls = 1;
    o.ca_file = ca_file;
    o.user = USER;
    o.password = PASSWORD;
    return o;
}

static apr_status_t open_tls_acl(apr_pool_t *p, const char *servers,
                                 apr_interval_time_t timeout, saml_store_t **out,
                                 saml_err_t *err)
{
    saml_redis_options_t o = good_options(servers, timeout);
    return saml_store_redis_open_ex(p, &o, out, err);
}

/* ---- what is refused, and how it is named --------------------------------------- */

static saml_store_t *open_with(const saml_redis_options_t *o)
{
    saml_store_t *st = NULL;
    saml_err_t err = { NULL, NULL };
    ck_assert_msg(saml_store_redis_open_ex(tk_pool(), o, &st, &err) == APR_SUCCESS, "open: %s",
                  err.detail ? err.detail : "?");
    return st;
}

/* A GET fails (never "not found") with want, and the note names the server
 * and contains each of the words. */
static void assert_get_fails(saml_store_t *st, const char *server, apr_status_t want,
                             const char *w1, const char *w2)
{
    char *v = NULL;
    apr_size_t len;
    apr_status_t rv = saml_store_get(st, sc_key("k"), tk_pool(), &v, &len);
    const char *text = saml_store_error_text(tk_pool(), rv);

    ck_assert_msg(rv != APR_SUCCESS && rv != APR_NOTFOUND, "GET did not fail: %d", rv);
    if (want)
        ck_assert_msg(rv == want, "GET: %d (%s), wanted %d", rv, text, want);
    ck_assert_msg(strstr(text, server) != NULL, "'%s' does not name %s", text, server);
    ck_assert_msg(strstr(text, w1) != NULL, "'%s' does not say %s", text, w1);
    ck_assert_msg(w2 == NULL || strstr(text, w2) != NULL, "'%s' does not say %s", text, w2);
}

static const sc_backend_t *self;

static sc_server_t *start_own(char **(*argv)(int))
{
    static sc_backend_t b;
    sc_server_t *s = apr_pcalloc(tk_pool(), sizeof(*s));
    b = *self;
    b.argv = argv;
    sc_server_start(&b, s);
    return s;
}

static const char *at(const char *host, const sc_server_t *s)
{
    return apr_psprintf(tk_pool(), "%s:%d", host, s->port);
}

START_TEST(acl_user_works_and_by_host_name)
{
    sc_server_t *s = start_own(tls_acl_argv);
    saml_redis_options_t o = good_options(at("localhost", s), apr_time_from_sec(2));
    saml_store_t *st = open_with(&o);
    ck_assert_int_eq(saml_store_set(st, sc_key("a"), "v", 1, sc_in_seconds(30)), APR_SUCCESS);
    sc_assert_value(st, sc_key("a"), "v", 1);
    sc_server_stop(s);
}
END_TEST

/* A pooled TLS connection the server closed while idle is not an error:
 * the next operation makes a new one (handshake and AUTH again). */
START_TEST(idle_connection_closed_by_the_server)
{
    sc_server_t *s = start_own(tls_idle_timeout_argv);
    saml_redis_options_t o = good_options(at("127.0.0.1", s), apr_time_from_sec(2));
    saml_store_t *st = open_with(&o);
    int i;
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(saml_store_set(st, sc_key("idle"), "v", 1, sc_in_seconds(30)),
                         APR_SUCCESS);
        usleep(2500 * 1000);
        sc_assert_value(st, sc_key("idle"), "v", 1);
    }
    sc_server_stop(s);
}
END_TEST

START_TEST(wrong_password_is_named)
{
    sc_server_t *s = start_own(tls_acl_argv);
    saml_redis_options_t o = good_options(at("127.0.0.1", s), apr_time_from_sec(2));
    o.password = "wrong";
    assert_get_fails(open_with(&o), at("127.0.0.1", s), SAML_NET_EREMOTE, "WRONGPASS",
                     "SequrSAMLCachePasswordFile");
    o.password = PASSWORD;
    o.user = "nobody";
    assert_get_fails(open_with(&o), at("127.0.0.1", s), SAML_NET_EREMOTE, "WRONGPASS", NULL);
    sc_server_stop(s);
}
END_TEST

START_TEST(no_password_is_noauth)
{
    sc_server_t *s = start_own(tls_acl_argv);
    saml_redis_options_t o = good_options(at("127.0.0.1", s), apr_time_from_sec(2));
    o.user = o.password = NULL;
    assert_get_fails(open_with(&o), at("127.0.0.1", s), SAML_NET_EREMOTE, "NOAUTH", NULL);
    sc_server_stop(s);
}
END_TEST

START_TEST(missing_permission_is_noperm)
{
    sc_server_t *s = start_own(tls_acl_readonly_argv);
    saml_redis_options_t o = good_options(at("127.0.0.1", s), apr_time_from_sec(2));
    saml_store_t *st = open_with(&o);
    apr_status_t rv = saml_store_set(st, sc_key("a"), "v", 1, sc_in_seconds(30));
    const char *text = saml_store_error_text(tk_pool(), rv);
    ck_assert_int_eq(rv, SAML_NET_EREMOTE);
    ck_assert_msg(strstr(text, "NOPERM") && strstr(text, "SET"), "%s", text);
    sc_assert_absent(st, sc_key("a"));       /* GET is allowed: not found */
    sc_server_stop(s);
}
END_TEST

START_TEST(default_user_password)
{
    sc_server_t *s = start_own(tls_requirepass_argv);
    saml_redis_options_t o = good_options(at("127.0.0.1", s), apr_time_from_sec(2));
    saml_store_t *st;
    o.user = NULL;
    st = open_with(&o);
    ck_assert_int_eq(saml_store_add(st, sc_key("a"), "v", 1, sc_in_seconds(30)), APR_SUCCESS);
    ck_assert_int_eq(saml_store_add(st, sc_key("a"), "v", 1, sc_in_seconds(30)), APR_EEXIST);
    sc_server_stop(s);
}
END_TEST

START_TEST(certificate_of_another_ca_refused)
{
    sc_server_t *s = start_own(tls_acl_argv);
    saml_redis_options_t o = good_options(at("127.0.0.1", s), apr_time_from_sec(2));
    o.ca_file = other_ca_file;
    assert_get_fails(open_with(&o), at("127.0.0.1", s), 0, "certificate refused", NULL);
    /* Nor is our test CA in the system store. */
    o.ca_file = NULL;
    assert_get_fails(open_with(&o), at("127.0.0.1", s), 0, "certificate refused", NULL);
    sc_server_stop(s);
}
END_TEST

/* The certificate names localhost and 127.0.0.1: the same server reached
 * as 127.0.0.2 is not the one the certificate is for. */
START_TEST(certificate_for_another_name_refused)
{
    sc_server_t *s = start_own(tls_acl_argv);
    saml_redis_options_t o = good_options(at("127.0.0.2", s), apr_time_from_sec(2));
    assert_get_fails(open_with(&o), at("127.0.0.2", s), 0, "certificate refused", "mismatch");
    sc_server_stop(s);
}
END_TEST

START_TEST(client_certificate_when_required)
{
    sc_server_t *s = start_own(tls_client_cert_argv);
    saml_redis_options_t o = good_options(at("127.0.0.1", s), apr_time_from_sec(2));
    saml_store_t *st;
    /* TLS 1.3: the server refuses after our handshake ends, as we send AUTH:
     * its alert ("certificate required") when it arrived before the close,
     * else the failed AUTH. */
    {
        saml_store_t *refused = open_with(&o);
        char *v = NULL;
        apr_status_t rv = saml_store_get(refused, sc_key("k"), tk_pool(), &v, NULL);
        const char *text = saml_store_error_text(tk_pool(), rv);
        ck_assert_msg(rv != APR_SUCCESS && rv != APR_NOTFOUND, "GET did not fail");
        ck_assert_msg(strstr(text, at("127.0.0.1", s)) != NULL, "%s", text);
        ck_assert_msg(strstr(text, "certificate required") || strstr(text, "AUTH"), "%s", text);
    }
    o.cert_file = client_cert;
    o.key_file = client_key;
    st = open_with(&o);
    ck_assert_int_eq(saml_store_set(st, sc_key("a"), "v", 1, sc_in_seconds(30)), APR_SUCCESS);
    sc_assert_value(st, sc_key("a"), "v", 1);
    sc_server_stop(s);
}
END_TEST

START_TEST(plain_client_on_tls_port_fails_within_timeout)
{
    sc_server_t *s = start_own(tls_acl_argv);
    saml_redis_options_t o = good_options(at("127.0.0.1", s), apr_time_from_msec(500));
    apr_time_t t0 = apr_time_now();
    o.tls = 0;
    assert_get_fails(open_with(&o), at("127.0.0.1", s), 0, "127.0.0.1", NULL);
    ck_assert_int_lt(apr_time_now() - t0, apr_time_from_sec(3));
    sc_server_stop(s);
}
END_TEST

START_TEST(tls_client_on_plain_port_fails_naming_tls)
{
    sc_server_t *s = start_own(plain_argv);
    saml_redis_options_t o = good_options(at("127.0.0.1", s), apr_time_from_msec(500));
    assert_get_fails(open_with(&o), at("127.0.0.1", s), 0, "TLS handshake", NULL);
    sc_server_stop(s);
}
END_TEST

START_TEST(tls_files_are_checked)
{
    saml_redis_options_t o = good_options("127.0.0.1:1", 0);
    saml_store_t *st;
    saml_err_t err = { NULL, NULL };
    o.ca_file = "/nonexistent/ca.pem";
    ck_assert_int_ne(saml_store_redis_open_ex(tk_pool(), &o, &st, &err), APR_SUCCESS);
    ck_assert_str_eq(err.check, "store-tls");
    ck_assert_ptr_nonnull(strstr(err.detail, "/nonexistent/ca.pem"));
    o.ca_file = ca_file;
    o.cert_file = client_cert;
    ck_assert_int_ne(saml_store_redis_open_ex(tk_pool(), &o, &st, &err), APR_SUCCESS);
    o.key_file = server_key;                    /* not the client certificate's key */
    ck_assert_int_ne(saml_store_redis_open_ex(tk_pool(), &o, &st, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err.detail, server_key));
}
END_TEST

/* A TLS server of our own (with cert and key) that answers the first
 * command with the SNI name it was given, as a bulk string. */
static int sni_server(pid_t *pid, const char *cert, const char *key)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)
        || getsockname(fd, (struct sockaddr *)&sa, &len))
        abort();
    if ((*pid = fork()) == 0) {
        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM);
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM);
        for (;;) {
            int c = accept(fd, NULL, NULL);
            SSL *ssl = SSL_new(ctx);
            char buf[512], reply[600];
            const char *name;
            SSL_set_fd(ssl, c);
            if (SSL_accept(ssl) == 1 && SSL_read(ssl, buf, sizeof(buf)) > 0) {
                name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
                name = name ? name : "(none)";
                snprintf(reply, sizeof(reply), "$%zu\r\n%s\r\n", strlen(name), name);
                SSL_write(ssl, reply, (int)strlen(reply));
            }
            SSL_free(ssl);
            close(c);
        }
    }
    close(fd);
    return ntohs(sa.sin_port);
}

START_TEST(sni_is_the_host_name)
{
    pid_t pid;
    int port = sni_server(&pid, server_cert, server_key);
    saml_redis_options_t o = good_options(apr_psprintf(tk_pool(), "localhost:%d", port),
                                          apr_time_from_sec(2));
    saml_store_t *st;
    o.user = o.password = NULL;
    st = open_with(&o);
    sc_assert_value(st, sc_key("k"), "localhost", 9);
    /* An address is checked against the certificate but never sent as SNI. */
    o.servers = apr_psprintf(tk_pool(), "127.0.0.1:%d", port);
    st = open_with(&o);
    sc_assert_value(st, sc_key("k"), "(none)", 6);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}
END_TEST

/* A certificate of the trusted CA for another DNS name: refused by the
 * name check (SSL_set1_host), whatever else is right. */
START_TEST(certificate_for_another_host_name_refused)
{
    pid_t pid;
    int port = sni_server(&pid, other_name_cert, other_name_key);
    const char *server = apr_psprintf(tk_pool(), "localhost:%d", port);
    saml_redis_options_t o = good_options(server, apr_time_from_sec(2));
    o.user = o.password = NULL;
    assert_get_fails(open_with(&o), server, 0, "certificate refused", "hostname mismatch");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}
END_TEST

/* ---- the password file ------------------------------------------------------------ */

static const char *password_file(const char *text, int mode)
{
    const char *path = tk_write_file(tk_pool(), text, strlen(text));
    chmod(path, (mode_t)mode);
    return path;
}

START_TEST(password_file_forms)
{
    const char *user, *pw;
    saml_err_t err = { NULL, NULL };

    ck_assert_int_eq(saml_redis_password_file_read(tk_pool(), password_file("sequr s3 cr3t\n"
                     "ignored\n", 0600), &user, &pw, &err), APR_SUCCESS);
    ck_assert_str_eq(user, "sequr");
    ck_assert_str_eq(pw, "s3 cr3t");
    ck_assert_int_eq(saml_redis_password_file_read(tk_pool(), password_file("onlyapassword\r\n",
                     0640), &user, &pw, &err), APR_SUCCESS);
    ck_assert_ptr_null(user);
    ck_assert_str_eq(pw, "onlyapassword");
    ck_assert_int_eq(saml_redis_password_file_read(tk_pool(), password_file("nonewline", 0400),
                     &user, &pw, &err), APR_SUCCESS);
    ck_assert_str_eq(pw, "nonewline");
}
END_TEST

START_TEST(password_file_refusals)
{
    static const char *bad[] = { "", "\n", " leading\n", "trailing \n", "a\rb\n", NULL };
    const char *user, *pw, *path;
    saml_err_t err = { NULL, NULL };
    int i;

    for (i = 0; bad[i]; i++) {
        path = password_file(bad[i], 0600);
        ck_assert_msg(saml_redis_password_file_read(tk_pool(), path, &user, &pw, &err)
                      == APR_EINVAL, "'%s' accepted", bad[i]);
        ck_assert_str_eq(err.check, "store-password");
        ck_assert_ptr_nonnull(strstr(err.detail, path));
    }
    {
        char *long_line = apr_palloc(tk_pool(), 2001);
        memset(long_line, 'p', 2000);
        long_line[2000] = '\0';
        path = password_file(long_line, 0600);
        ck_assert_int_eq(saml_redis_password_file_read(tk_pool(), path, &user, &pw, &err),
                         APR_EINVAL);
    }
    path = password_file("sequr secret\n", 0644);
    ck_assert_int_eq(saml_redis_password_file_read(tk_pool(), path, &user, &pw, &err),
                     APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.detail, "every user"));
    ck_assert_ptr_null(strstr(err.detail, "secret"));
    ck_assert_int_ne(saml_redis_password_file_read(tk_pool(), "/nonexistent/pw", &user, &pw,
                                                   &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err.detail, "/nonexistent/pw"));
}
END_TEST

static void extra(Suite *s)
{
    TCase *tc = tcase_create("tls-acl");
    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, acl_user_works_and_by_host_name);
    tcase_add_test(tc, idle_connection_closed_by_the_server);
    tcase_add_test(tc, wrong_password_is_named);
    tcase_add_test(tc, no_password_is_noauth);
    tcase_add_test(tc, missing_permission_is_noperm);
    tcase_add_test(tc, default_user_password);
    tcase_add_test(tc, certificate_of_another_ca_refused);
    tcase_add_test(tc, certificate_for_another_name_refused);
    tcase_add_test(tc, client_certificate_when_required);
    tcase_add_test(tc, plain_client_on_tls_port_fails_within_timeout);
    tcase_add_test(tc, tls_client_on_plain_port_fails_naming_tls);
    tcase_add_test(tc, tls_files_are_checked);
    tcase_add_test(tc, sni_is_the_host_name);
    tcase_add_test(tc, certificate_for_another_host_name_refused);
    tcase_add_test(tc, password_file_forms);
    tcase_add_test(tc, password_file_refusals);
    suite_add_tcase(s, tc);
}

int main(void)
{
    static sc_backend_t rediss = {
        "redis", "/usr/bin/redis-server", tls_acl_argv, tls_acl_readonly_argv,
        open_tls_acl, extra
    };
    int rc;

    make_certificates();
    self = &rediss;
    rc = sc_main(&rediss);
    remove_certificates();
    return rc;
}
