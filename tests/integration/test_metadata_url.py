"""SequrSAMLIdPMetadataURL: the IdP's signing certificates come from its
federation metadata, fetched over verified https and refreshed while Apache
runs (SequrSAMLIdPMetadataRefresh 5 here), so Entra's certificate rollover
needs no admin and no restart.

A local https metadata server with its own CA (made here with openssl, named
by SequrSAMLIdPMetadataCAFile) serves Azure-shaped metadata
(az.make_metadata: BOM, signed EntityDescriptor). It changes the IdP signing
key mid-test: the new key signs in after one refresh, the removed key is
refused after the next, sessions made before stay. Broken or hostile answers
(wrong entityID, garbage, 2 MiB with a length, 50 MB without one, slow, HTTP
503, signed by a key nobody trusts) change nothing and each logs a warning with its reason. Apache starts
on the backing copy with the metadata server down; configtest fails naming the
directive when there is neither."""
import http.server
import os
import re
import socket
import ssl
import subprocess
import threading
import time
import unittest

import harness
import test_reload_under_load as rul
from harness import SamlTestCase, az, saml_directives

REFRESH = 5
APP_ID = "6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_ca_and_server_cert(d):
    """A CA and a certificate for "localhost" it signed: (ca.crt, server.crt, server.key)."""
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, crt = os.path.join(d, "server.key"), os.path.join(d, "server.crt")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=Metadata Test CA", "-keyout", ca_key, "-out", ca_crt)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-CA", ca_crt,
            "-CAkey", ca_key, "-keyout", key, "-out", crt)
    for f in (ca_crt, crt):
        os.chmod(f, 0o644)
    return ca_crt, crt, key


class MetadataServer:
    """https on localhost; what it answers is body/status/delay, changed by the test."""

    def __init__(self, cert, key):
        self.body, self.status, self.delay, self.hits = b"", 200, 0.0, 0
        self.no_length = False      # True: no Content-Length, the body ends at close
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                time.sleep(outer.delay)
                try:
                    self.send_response(outer.status)
                    self.send_header("Content-Type", "text/xml; charset=utf-8")
                    if not outer.no_length:
                        self.send_header("Content-Length", str(len(outer.body)))
                    self.end_headers()
                    self.wfile.write(outer.body)
                except OSError:
                    pass          # the module gave up (timeout, size): that is the test

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = ("https://localhost:%d/%s/federationmetadata/2007-06/federationmetadata.xml"
                    "?appid=%s" % (self.port, az.DEFAULT_TENANT, APP_ID))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class MetadataURLCase(SamlTestCase):
    """Apache whose only IdP directive is SequrSAMLIdPMetadataURL."""

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.tmp = harness.tempdir("sequr-mdurl-")
        cls.ca, crt, key = make_ca_and_server_cert(cls.tmp)
        cls.server = MetadataServer(crt, key)
        cls.apache = harness.Apache(servers=2)
        cls.idp = harness.IdPProcess(cls.apache.acs_url)
        cls.key_b, cls.cert_b = az.make_keypair(cls.tmp, "b", cn="Next Azure SSO Certificate")
        cls.key_c, cls.cert_c = az.make_keypair(cls.tmp, "c", cn="Someone Else")
        cls.serve([cls.idp.cert], signer=(cls.idp.key, cls.idp.cert))
        cls.apache.write_conf(cls.conf(cls.server.url))
        cls.apache.start()

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        cls.idp.stop()
        cls.server.stop()

    @classmethod
    def conf(cls, url):
        return saml_directives(None, None, None, IdPMetadataURL=url,
                               IdPMetadataCAFile=cls.ca, IdPMetadataRefresh=REFRESH)

    @classmethod
    def serve(cls, certs, signer=None, tenant=None, status=200, delay=0.0, body=None,
              no_length=False):
        cls.server.status, cls.server.delay, cls.server.no_length = status, delay, no_length
        if body is None:
            key, cert = signer or (None, None)
            body = az.make_metadata(tenant or cls.idp.tenant, cls.idp.sso_url, certs,
                                    key=key, cert=cert)
        cls.server.body = body

    def wait_log(self, mark, pattern, timeout=3 * REFRESH + 5):
        log = self.apache.log_since(mark, expect=pattern, timeout=timeout)
        self.assertRegex(log, pattern)
        return log

    def backing_files(self):
        run = os.path.join(self.apache.root, "run")
        dirs = [os.path.join(run, d) for d in os.listdir(run) if d.endswith(".metadata")]
        self.assertEqual(len(dirs), 1, os.listdir(run))
        return sorted(os.path.join(dirs[0], f) for f in os.listdir(dirs[0])
                      if re.fullmatch(r"idp-[0-9a-f]{16}\.xml", f))

    def sign_in_status(self, key, cert, path="/protected/page"):
        r, jar = self.sign_in(path, key=key, cert=cert)
        return r.status, jar


class Rollover(MetadataURLCase):

    def test_new_key_after_one_refresh_removed_key_after_the_next(self):
        self.assertEqual(self.sign_in_status(self.idp.key, self.idp.cert)[0], 303)
        status, jar_a = self.sign_in_status(self.idp.key, self.idp.cert, "/protected/a")
        self.assertEqual(status, 303)
        mark = self.apache.log_mark()
        r, _ = self.sign_in(key=self.key_b, cert=self.cert_b)
        self.assertEqual(r.status, 403, "the next key signed in before Entra published it")

        # Entra publishes the next certificate (Inactive) beside the active one,
        # the document still signed with the active key.
        mark = self.apache.log_mark()
        self.serve([self.idp.cert, self.cert_b], signer=(self.idp.key, self.idp.cert))
        self.wait_log(mark, r"SEQ02608.*new metadata with 2 signing")
        # the 30-day expiry warning applies to fetched certificates (ours last 2 days)
        self.wait_log(mark, r"SEQ02612.*signing certificate 2 \(.*Next Azure SSO Certificate")
        self.assertEqual(self.sign_in_status(self.key_b, self.cert_b)[0], 303)
        self.assertEqual(self.sign_in_status(self.idp.key, self.idp.cert)[0], 303)

        # The next one is made active and the old one removed: the document is
        # now signed with the new key, which we trust since the last refresh.
        mark = self.apache.log_mark()
        self.serve([self.cert_b], signer=(self.key_b, self.cert_b))
        self.wait_log(mark, r"SEQ02608.*new metadata with 1 signing")
        # every child: several sign-ins spread over both processes
        for i in range(4):
            jar = self.jar()
            rid, relay, _ = self.start_login("/protected/old-%d" % i, jar=jar)
            m = self.apache.log_mark()
            old = self.post_acs(self.response(rid), relay, jar=jar)
            self.assert_refused(old, 403, "signature", m)
            self.assertEqual(self.sign_in_status(self.key_b, self.cert_b)[0], 303)
        # nobody signed in was logged out
        self.assertEqual(self.get("/protected/a", jar=jar_a).status, 200)
        self.assertEqual(len(self.backing_files()), 1)
        with open(self.backing_files()[0], "rb") as f:
            self.assertEqual(f.read(), self.server.body)


class BrokenAnswers(MetadataURLCase):
    """Each broken answer is refused with its reason; the certificates and the
    backing copy stay; sign-ins with the trusted key go on."""

    def refused(self, check, **serve):
        before = open(self.backing_files()[0], "rb").read()
        mark = self.apache.log_mark()
        self.serve(**serve)
        log = self.wait_log(mark, r"SEQ02606.*refresh refused \(%s" % re.escape(check))
        self.assertIn(self.server.url.split("?")[0], log)
        self.assertEqual(open(self.backing_files()[0], "rb").read(), before)
        self.assertEqual(self.sign_in_status(self.idp.key, self.idp.cert)[0], 303)
        return log

    def settle(self):
        """Serve a good document and wait until it is the backing copy."""
        self.serve([self.idp.cert], signer=(self.idp.key, self.idp.cert))
        deadline = time.time() + 3 * REFRESH + 5
        while time.time() < deadline:
            with open(self.backing_files()[0], "rb") as f:
                if f.read() == self.server.body:
                    return
            time.sleep(0.2)
        self.fail("the good document never became the backing copy")

    def test_broken_answers_change_nothing(self):
        good = ([self.idp.cert], (self.idp.key, self.idp.cert))
        self.settle()
        self.refused("metadata-entity-id", certs=good[0], signer=good[1], tenant="other-tenant")
        self.refused("metadata-size", certs=None, body=b"<" * (2 * 1024 * 1024))
        self.refused("metadata-http", certs=None, body=b"busy", status=503)
        # 50 MB with no Content-Length: the transfer stops at the cap while reading
        self.refused("metadata-size", certs=None, body=b"<" * (50 * 1024 * 1024), no_length=True)
        self.refused("metadata-fetch", certs=good[0], signer=good[1], delay=8)
        self.server.delay = 0
        # Signed by a key nobody trusts, which the document lists as its only one.
        self.refused("metadata-signature", certs=[self.cert_c], signer=(self.key_c, self.cert_c))
        r, _ = self.sign_in(key=self.key_c, cert=self.cert_c)
        self.assertEqual(r.status, 403)
        log = self.refused("", certs=None, body=b"\xef\xbb\xbf<html>Service unavailable")
        self.assertNotIn("metadata-signature", log.split("refresh refused")[-1])

    def test_a_repeated_failure_warns_once(self):
        mark = self.apache.log_mark()
        self.serve(None, body=b"nope", status=500)
        self.wait_log(mark, r"SEQ02606.*metadata-http")
        time.sleep(2.5 * REFRESH)
        self.assertEqual(len(re.findall(r"SEQ02606.*metadata-http",
                                        self.apache.log_since(mark))), 1)
        self.assertGreaterEqual(self.server.hits, 3)
        # recovery is logged
        mark = self.apache.log_mark()
        self.serve([self.idp.cert], signer=(self.idp.key, self.idp.cert))
        self.wait_log(mark, r"SEQ02607.*fetched again after \d+ failed")


class StartWithoutNetwork(MetadataURLCase):

    def admin(self, *args):
        r = subprocess.run([os.path.join(harness.BUILDDIR, "sequr-saml-admin")] + list(args),
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout, r.stderr

    def test_admin_import_metadata_url(self):
        self.serve([self.idp.cert, self.cert_b], signer=(self.idp.key, self.idp.cert))
        rc, out, err = self.admin("import-metadata", "--url", self.server.url, "--ca-file",
                                  self.ca, "--out-dir", os.path.join(self.tmp, "imported"))
        self.assertEqual(rc, 0, err)
        self.assertIn("Signing certificates: 2", out)
        self.assertIn("SequrSAMLIdPMetadataURL " + self.server.url, out)
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "imported", "idp-signing-2.pem")))
        # the system CAs do not know the test CA: refused, as unreachable
        rc, out, err = self.admin("import-metadata", "--url", self.server.url)
        self.assertEqual(rc, 3, out + err)
        self.assertIn("metadata-fetch", err)
        self.serve(None, body=b"garbage")
        rc, out, err = self.admin("import-metadata", "--url", self.server.url, "--ca-file", self.ca)
        self.assertEqual(rc, 2, out + err)
        rc, out, err = self.admin("import-metadata", "--url", "http://localhost/x.xml")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("not an https URL", err)

    def test_backing_copy_starts_apache_with_the_server_down(self):
        self.apache.stop()
        self.serve([self.idp.cert], signer=(self.idp.key, self.idp.cert), status=503)
        rc, out = self.apache.configtest()
        self.assertEqual(rc, 0, out)
        self.apache.start()
        self.assertEqual(self.sign_in_status(self.idp.key, self.idp.cert)[0], 303)

    def test_configtest_fails_with_neither_url_nor_backing_copy(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = s.getsockname()[1]
        url = "https://localhost:%d/%s/federationmetadata/2007-06/federationmetadata.xml" % (
            closed, az.DEFAULT_TENANT)
        rc, out = self.apache.configtest(self.apache.conf_text(self.conf(url)))
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, r"SequrSAMLIdPMetadataURL %s \(.*test\.conf:\d+\)" %
                         re.escape(url))
        self.assertIn("no usable backing copy", out)

    def test_a_tenant_has_its_own_url_and_backing_copy(self):
        tenant_url = self.server.url + "&tenant=fabrikam"
        self.serve([self.cert_b], signer=(self.key_b, self.cert_b), tenant="fabrikam-tenant")
        conf = self.conf(self.server.url) + """
<SequrSAMLTenant fabrikam>
    SequrSAMLIdPMetadataURL %s
    SequrSAMLIdPMetadataCAFile %s
</SequrSAMLTenant>""" % (tenant_url, self.ca)
        before = set(self.backing_files())
        rc, out = self.apache.configtest(self.apache.conf_text(conf))
        self.assertEqual(rc, 0, out)
        new = set(self.backing_files()) - before
        self.assertEqual(len(new), 1, out)
        with open(new.pop(), "rb") as f:
            self.assertIn(az.entra_issuer("fabrikam-tenant").encode(), f.read())
        # not beside the certificate directives of the same IdP
        rc, out = self.apache.configtest(self.apache.conf_text(
            conf.replace("</SequrSAMLTenant>", "SequrSAMLIdPCertificateFile %s\n</SequrSAMLTenant>"
                         % self.cert_b)))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("use one or the other", out)

    def test_plain_http_is_refused(self):
        url = "http://localhost:%d/x.xml" % self.server.port
        rc, out = self.apache.configtest(self.apache.conf_text(self.conf(url)))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("SequrSAMLIdPMetadataURL", out)
        self.assertIn("not an https URL", out)

    def test_a_server_certificate_from_another_ca_is_refused(self):
        # Without SequrSAMLIdPMetadataCAFile the system store does not know our CA.
        conf = saml_directives(None, None, None, IdPMetadataURL=self.server.url + "&x=1",
                               IdPMetadataRefresh=REFRESH)
        self.serve([self.idp.cert], signer=(self.idp.key, self.idp.cert))
        rc, out = self.apache.configtest(self.apache.conf_text(conf))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("metadata-fetch", out)
        self.assertRegex(out, r"(?i)certificate")


class RolloverUnderLoad(rul.ReloadUnderLoad):
    """The rollover of Rollover while protected GETs and sign-ins run: zero
    failed requests, and every session made before and during it still valid."""

    def test_rollover_under_load(self):
        ca, crt, key = make_ca_and_server_cert(self.tmp)
        server = MetadataServer(crt, key)
        self.addCleanup(server.stop)

        def serve(certs, signer):
            server.body = az.make_metadata(self.tenant, self.sso_url, certs, key=signer[0],
                                           cert=signer[1])

        serve([self.cert], (self.key, self.cert))
        conf = saml_directives(None, None, None, IdPMetadataURL=server.url,
                               IdPMetadataCAFile=ca, IdPMetadataRefresh=REFRESH)
        self.start_apache(conf)
        new_key, new_cert = az.make_keypair(self.tmp, "second", cn="Next Azure SSO Cert")
        self.sign_in("probe@contoso.example", new_key, new_cert, expect=403)
        users = ["mdurl%d@contoso.example" % i for i in range(rul.SESSIONS)]
        cookies = self.premade_sessions(users)
        self.start_load(users, cookies)
        time.sleep(rul.LOAD_BEFORE)

        mark = self.apache.log_mark()
        serve([self.cert, new_cert], (self.key, self.cert))
        self.assertRegex(self.apache.log_since(mark, r"SEQ02608.*with 2 signing", 3 * REFRESH),
                         r"SEQ02608")
        published = time.time()
        self.gen.set_signer(self.signer(new_key, new_cert))
        time.sleep(rul.LOAD_BEFORE)
        mark = self.apache.log_mark()
        serve([new_cert], (new_key, new_cert))
        self.assertRegex(self.apache.log_since(mark, r"SEQ02608.*with 1 signing", 3 * REFRESH),
                         r"SEQ02608")
        self.finish_load()
        self.assertGreater(self.gen.ok_count("acs-sp", since=published) +
                           self.gen.ok_count("acs-idp", since=published), 0,
                           "no sign-in with the new key was made under load")
        self.sign_in("after@contoso.example", expect=403)          # the removed key
        self.sign_in("after@contoso.example", new_key, new_cert)
        self.assert_sessions_valid(cookies, "made before the rollover")
        self.assert_sessions_valid([c for _, c in self.gen.new_cookies], "made under load")


# Only the case above runs here; the reload cases run in their own file.
for _name in dir(RolloverUnderLoad):
    if _name.startswith("test_") and _name != "test_rollover_under_load":
        setattr(RolloverUnderLoad, _name, None)


if __name__ == "__main__":
    unittest.main()
