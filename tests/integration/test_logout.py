"""SAML Single Logout with the Azure-shaped IdP: SP-initiated round trip
(LogoutRequest over Redirect, Entra's LogoutResponse with its
login.microsoftonline.com Issuer), IdP-initiated LogoutRequests ending the
named sessions at any time (also through another node of a farm sharing
memcached), SequrSAMLLogoutSignatures required, a deflate bomb that leaves the
worker alive, ReturnTo that never leaves the site, and both directions with
an independent implementation (pysaml2)."""
import base64
import os
import re
import unittest
import urllib.parse
import zlib

import azure_idp as az
from harness import (Apache, IdPProcess, SamlTestCase, SP_ENTITY_ID, USER, curl,
                     module_available, saml_directives, tempdir)
from cacheserver import CacheServer

OTHER_USER = "bob.jones@contoso.example"


def query(url):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)


def message(url, param):
    """The inflated XML of a Redirect-binding message, parsed by the IdP library."""
    value = query(url)[param][0]
    return az.parse_logout_message(zlib.decompress(base64.b64decode(value), -15))


def path_of(location):
    u = urllib.parse.urlsplit(location)
    return u.path + ("?" + u.query if u.query else "")


class LogoutBase(SamlTestCase):
    """Like SamlTestCase, plus (slo = True) the IdP's logout URL: Azure's Logout
    URL is its sign-on URL, known only once the IdP runs."""
    slo = False

    @classmethod
    def setUpClass(cls):
        why = module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = Apache(servers=cls.servers, extra=cls.extra)
        cls.idp = IdPProcess(cls.apache.acs_url, sign=cls.sign)
        more = dict(cls.directives)
        if cls.slo:
            more["IdPSLOURL"] = cls.idp.sso_url
        cls.apache.write_conf(saml_directives(cls.idp.sso_url, cls.idp.cert, cls.idp.issuer,
                                              **more))
        cls.apache.start()
        cls.tmp = tempdir("sequr-test-")
        cls.logout_url = cls.apache.url + "/saml/logout"

    def signed_in(self, path="/protected/slo", user=USER, session_index=None):
        """A browser jar with a session; the assertion ID is the SessionIndex, as Azure does."""
        kw = {"assertion_id": session_index} if session_index else {}
        r, jar = self.sign_in(path, user=user, **kw)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get(path, jar=jar).status, 200)
        return jar

    def assert_signed_out(self, jar, path="/protected/slo"):
        r = self.get(path, jar=jar)
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.location.startswith(self.idp.sso_url + "?"), r.location)

    def idp_request(self, user=USER, session_index=None, **kw):
        kw.setdefault("tenant", self.idp.tenant)
        return az.make_logout_request(user, self.logout_url, session_index=session_index, **kw)


class SPInitiated(LogoutBase):
    slo = True

    def test_round_trip_through_the_idp_ends_the_session(self):
        jar = self.signed_in(session_index="_sess-" + "a" * 32)
        out = self.get("/saml/logout?ReturnTo=%2Fbye%3Fx%3D1", jar=jar)
        self.assertEqual(out.status, 303, out)
        self.assertTrue(out.location.startswith(self.idp.sso_url + "?SAMLRequest="), out.location)
        self.assertIsNotNone(out.set_cookie(), "the cookie is cleared at once")
        req = message(out.location, "SAMLRequest")
        self.assertEqual(req["kind"], "LogoutRequest")
        self.assertFalse(req["id"][0].isdigit(), req["id"])
        self.assertEqual(req["issuer"], SP_ENTITY_ID)
        self.assertEqual(req["destination"], self.idp.sso_url)
        self.assertEqual(req["name_id"], USER)
        self.assertEqual(req["session_indexes"], ["_sess-" + "a" * 32])
        relay = query(out.location)["RelayState"][0]
        self.assertNotIn("bye", relay, "RelayState is a handle, not the path")
        # The session is over on the server before the IdP even answers.
        self.assert_signed_out(jar)

        at_idp = curl(out.location)
        self.assertEqual(at_idp.status, 302, at_idp)
        self.assertTrue(at_idp.location.startswith(self.logout_url + "?SAMLResponse="))
        res = message(at_idp.location, "SAMLResponse")
        self.assertEqual(res["issuer"], az.logout_issuer(self.idp.tenant))
        self.assertEqual(res["in_response_to"], req["id"])
        back = curl(at_idp.location, jar=jar)
        self.assertEqual(back.status, 303, back)
        self.assertEqual(path_of(back.location), "/bye?x=1")
        # Replayed LogoutResponse: the request was answered once.
        mark = self.apache.log_mark()
        again = curl(at_idp.location)
        self.assert_refused(again, 403, "in-response-to", mark)

    def test_forged_responses_refused(self):
        jar = self.signed_in()
        out = self.get("/saml/logout?ReturnTo=%2Fbye", jar=jar)
        req = message(out.location, "SAMLRequest")
        relay = query(out.location)["RelayState"][0]
        cases = {
            "issuer": dict(issuer="https://login.microsoftonline.com/"
                           "0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/"),
            "in-response-to": dict(in_response_to="_not-ours"),
            "destination": dict(destination="https://evil.example/saml/logout"),
        }
        for check, kw in cases.items():
            with self.subTest(check=check):
                doc = az.build_logout_response(kw.pop("in_response_to", req["id"]),
                                               kw.pop("destination", self.logout_url),
                                               self.idp.tenant, **kw)
                url = az.redirect_url(self.logout_url, "SAMLResponse", az.serialize(doc), relay)
                mark = self.apache.log_mark()
                self.assert_refused(curl(url), 403, check, mark)
        # The genuine answer still works: forgeries burnt nothing.
        doc = az.build_logout_response(req["id"], self.logout_url, self.idp.tenant)
        r = curl(az.redirect_url(self.logout_url, "SAMLResponse", az.serialize(doc), relay))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(path_of(r.location), "/bye")

    def test_idp_reporting_failure_is_shown(self):
        jar = self.signed_in()
        out = self.get("/saml/logout?ReturnTo=%2Fbye", jar=jar)
        req = message(out.location, "SAMLRequest")
        relay = query(out.location)["RelayState"][0]
        doc = az.build_logout_response(req["id"], self.logout_url, self.idp.tenant,
                                       status=az.STATUS_REQUESTER)
        mark = self.apache.log_mark()
        r = curl(az.redirect_url(self.logout_url, "SAMLResponse", az.serialize(doc), relay))
        self.assert_refused(r, 403, "status", mark)
        self.assertIn("signed out of this site", r.text)
        self.assert_signed_out(jar)

    def test_off_site_return_to_never_followed(self):
        for bad in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            with self.subTest(return_to=bad):
                jar = self.signed_in()
                out = self.get("/saml/logout?ReturnTo=" + urllib.parse.quote(bad, safe=""),
                               jar=jar)
                self.assertEqual(out.status, 303, out)
                self.assertNotIn("evil", urllib.parse.unquote(out.location))
                at_idp = curl(out.location)
                back = curl(at_idp.location)
                self.assertEqual(back.status, 303, back)
                self.assertEqual(path_of(back.location), "/")

    def test_without_a_session_logout_stays_local(self):
        out = self.get("/saml/logout?ReturnTo=%2Fbye")
        self.assertEqual(out.status, 303, out)
        self.assertEqual(path_of(out.location), "/bye")

    def test_bad_directive_values_fail_configtest(self):
        base = saml_directives(self.idp.sso_url, self.idp.cert, self.idp.issuer)
        for line in ("SequrSAMLLogoutSignatures sometimes", "SequrSAMLIdPSLOURL ftp://idp.example/"):
            with self.subTest(line=line):
                rc, out = self.apache.configtest(self.apache.conf_text(base + "\n" + line))
                self.assertNotEqual(rc, 0, out)
                self.assertIn(line.split()[0], out)
        for line in ("SequrSAMLLogoutSignatures Required", "SequrSAMLIdPSLOURL none"):
            with self.subTest(line=line):
                rc, out = self.apache.configtest(self.apache.conf_text(base + "\n" + line))
                self.assertEqual(rc, 0, out)

    def test_metadata_publishes_single_logout_service(self):
        md = self.get("/saml/metadata").text
        self.assertRegex(md, r'<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2\.0:'
                             r'bindings:HTTP-Redirect" Location="%s"' % re.escape(self.logout_url))


class IdPInitiated(LogoutBase):

    def test_idp_request_ends_the_named_session(self):
        jar = self.signed_in(session_index="_s-one")
        other = self.signed_in(session_index="_s-two")
        bob = self.signed_in(user=OTHER_USER, session_index="_s-bob")
        url = self.idp_request(USER, "_s-one", relay_state="rs-42", request_id="_idp-req-1")
        out = curl(url, jar=jar)
        self.assertEqual(out.status, 303, out)
        self.assertTrue(out.location.startswith(self.idp.sso_url + "?SAMLResponse="), out.location)
        res = message(out.location, "SAMLResponse")
        self.assertEqual(res["kind"], "LogoutResponse")
        self.assertEqual(res["status"], az.STATUS_SUCCESS)
        self.assertEqual(res["issuer"], SP_ENTITY_ID)
        self.assertEqual(res["in_response_to"], "_idp-req-1")
        self.assertEqual(query(out.location)["RelayState"], ["rs-42"])
        self.assertIsNotNone(out.set_cookie(), "the browser's own dead cookie is cleared")
        self.assert_signed_out(jar)
        self.assertEqual(self.get("/protected/slo", jar=other).status, 200, "other SessionIndex")
        self.assertEqual(self.get("/protected/slo", jar=bob).status, 200, "other user")
        # Acted on once: the same request again is a replay.
        mark = self.apache.log_mark()
        self.assert_refused(curl(url), 403, "replay", mark)

    def test_signed_request_without_session_index_ends_every_session_of_the_user(self):
        jars = [self.signed_in(user="carol@contoso.example") for _ in range(2)]
        out = curl(self.idp_request("carol@contoso.example", None, key=self.idp.key))
        self.assertEqual(out.status, 303, out)
        self.assertEqual(message(out.location, "SAMLResponse")["status"], az.STATUS_SUCCESS)
        for jar in jars:
            self.assert_signed_out(jar)

    def test_unsigned_request_naming_only_the_name_id_ends_nothing(self):
        """Issue #10 item 10: the NameID is usually the e-mail address, which
        anyone may know; unsigned, it alone ends no session. The IdP is told
        (Requester/RequestDenied) so its logout chain goes on; nothing is
        written to the store, so the same request again is no replay either."""
        user = "dave@contoso.example"
        jars = [self.signed_in(user=user, session_index="_s-dave-%d" % i) for i in range(2)]
        url = self.idp_request(user, None, relay_state="rs-9", request_id="_idp-name-only")
        for attempt in range(2):
            mark = self.apache.log_mark()
            out = curl(url, jar=jars[0])
            self.assertEqual(out.status, 303, out)
            self.assertTrue(out.location.startswith(self.idp.sso_url + "?SAMLResponse="),
                            out.location)
            res = message(out.location, "SAMLResponse")
            self.assertEqual(res["status"], az.STATUS_REQUESTER, attempt)
            self.assertIn(b"urn:oasis:names:tc:SAML:2.0:status:RequestDenied", res["xml"])
            self.assertEqual(res["in_response_to"], "_idp-name-only")
            self.assertEqual(query(out.location)["RelayState"], ["rs-9"])
            self.assertIsNone(out.set_cookie(), "the browser's live cookie stays")
            self.assertRegex(self.apache.log_since(mark, expect="name-id-only"),
                             r"sequr_saml.*name-id-only")
        for jar in jars:
            self.assertEqual(self.get("/protected/slo", jar=jar).status, 200)

    def test_unsigned_request_with_a_wrong_session_index_ends_nothing(self):
        jar = self.signed_in(session_index="_s-right")
        out = curl(self.idp_request(USER, "_s-wrong", request_id="_idp-wrong-index"), jar=jar)
        self.assertEqual(out.status, 303, out)
        res = message(out.location, "SAMLResponse")
        self.assertEqual(res["in_response_to"], "_idp-wrong-index")
        self.assertIsNone(out.set_cookie(), "the browser's live cookie stays")
        self.assertEqual(self.get("/protected/slo", jar=jar).status, 200)
        # The right one, unsigned, still works: it names a live session.
        out = curl(self.idp_request(USER, "_s-right"), jar=jar)
        self.assertEqual(out.status, 303, out)
        self.assertEqual(message(out.location, "SAMLResponse")["status"], az.STATUS_SUCCESS)
        self.assert_signed_out(jar)

    def test_unsigned_accepted_when_optional_but_bad_signature_refused(self):
        jar = self.signed_in(session_index="_s-bad")
        evil_key, _ = az.make_keypair(tempdir("sequr-evil-"), "evil")
        mark = self.apache.log_mark()
        self.assert_refused(curl(self.idp_request(USER, "_s-bad", key=evil_key)), 403,
                            "signature", mark)
        self.assertEqual(self.get("/protected/slo", jar=jar).status, 200)

    def test_other_tenant_issuer_refused(self):
        jar = self.signed_in(session_index="_s-tenant")
        url = self.idp_request(USER, "_s-tenant", issuer="https://login.microsoftonline.com/"
                               "0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/")
        mark = self.apache.log_mark()
        self.assert_refused(curl(url), 403, "issuer", mark)
        self.assertEqual(self.get("/protected/slo", jar=jar).status, 200)

    def test_deflate_bomb_is_400_and_the_worker_survives(self):
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        bomb = c.compress(b"<a>" + b"A" * (3 * 1024 * 1024)) + c.flush()
        value = urllib.parse.quote(base64.b64encode(bomb).decode(), safe="")
        self.assertLess(len(value), 7000, "must fit Apache's request line")
        mark = self.apache.log_mark()
        r = self.get("/saml/logout?SAMLRequest=" + value)
        self.assert_refused(r, 400, "inflate-size", mark)
        self.assertNotRegex(self.apache.log_since(mark), r"exit signal|Segmentation")
        self.assertEqual(self.get("/saml/metadata").status, 200)
        self.signed_in()


class NameOnlyAllowed(LogoutBase):
    """SequrSAMLLogoutSignatures optional-name-only: the admin's explicit
    choice that an unsigned LogoutRequest naming only a NameID ends every
    session of that NameID (an IdP known not to sign, and no SessionIndex)."""
    directives = {"LogoutSignatures": "optional-name-only"}

    def test_unsigned_name_id_only_request_ends_every_session_of_the_user(self):
        user = "erin@contoso.example"
        jars = [self.signed_in(user=user) for _ in range(2)]
        other = self.signed_in()
        out = curl(self.idp_request(user, None))
        self.assertEqual(out.status, 303, out)
        self.assertEqual(message(out.location, "SAMLResponse")["status"], az.STATUS_SUCCESS)
        for jar in jars:
            self.assert_signed_out(jar)
        self.assertEqual(self.get("/protected/slo", jar=other).status, 200)

    def test_bad_signature_still_refused(self):
        jar = self.signed_in(user="frank@contoso.example")
        evil_key, _ = az.make_keypair(tempdir("sequr-evil-"), "evil")
        mark = self.apache.log_mark()
        self.assert_refused(curl(self.idp_request("frank@contoso.example", None, key=evil_key)),
                            403, "signature", mark)
        self.assertEqual(self.get("/protected/slo", jar=jar).status, 200)


class AnonymousLogoutFlood(LogoutBase):
    """Issue #10 item 5 (logout half): requests to PATH/logout from anyone
    without a session write nothing to the store. A small store (1 024
    entries) and thousands of anonymous logout requests of every kind (plain,
    with a made-up cookie, unsigned LogoutRequests naming a user with or
    without a made-up SessionIndex, each with a fresh ID): afterwards sign-ins
    still work and the session held before is still there."""
    extra = "SequrSAMLCacheEntries 1024"
    FLOOD = 3000

    def flood(self, paths, headers=()):
        import http.client
        u = urllib.parse.urlsplit(self.apache.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        statuses = {}
        try:
            for path in paths:
                conn.request("GET", path, headers=dict(headers))
                r = conn.getresponse()
                r.read()
                statuses[r.status] = statuses.get(r.status, 0) + 1
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        finally:
            conn.close()
        return statuses

    def test_anonymous_logout_flood_leaves_sign_in_and_sessions_alone(self):
        held = self.signed_in(session_index="_held")
        n = self.FLOOD // 4
        plain = ["/saml/logout?ReturnTo=%%2Fbye%d" % i for i in range(n)]
        cookie = ("Cookie", "%s=%s" % ("sequr_saml_session", "A" * 43))
        by_name = [path_of(self.idp_request("u%d@contoso.example" % i, None,
                                            request_id="_flood-n-%d" % i)) for i in range(n)]
        by_index = [path_of(self.idp_request(USER, "_guess-%d" % i,
                                             request_id="_flood-i-%d" % i)) for i in range(n)]
        seen = {}
        for paths, headers in ((plain, ()), (plain, (cookie,)), (by_name, ()), (by_index, ())):
            for status, count in self.flood(paths, headers).items():
                seen[status] = seen.get(status, 0) + count
        self.assertEqual(set(seen), {303}, seen)
        self.assertEqual(self.get("/protected/slo", jar=held).status, 200, "session survives")
        for i in range(5):
            r, jar = self.sign_in("/protected/after-%d" % i, user="g%d@contoso.example" % i)
            self.assertEqual(r.status, 303, r)
            self.assertEqual(self.get("/protected/after-%d" % i, jar=jar).status, 200)


class SignaturesRequired(LogoutBase):
    directives = {"LogoutSignatures": "required"}

    @classmethod
    def setUpClass(cls):
        cls.sp_key, cls.sp_cert = az.make_keypair(tempdir("sequr-sp-"), "sp", cn="sequr sp")
        cls.directives = {"LogoutSignatures": "required", "SPCertificateFile": cls.sp_cert,
                          "SPPrivateKeyFile": cls.sp_key}
        super().setUpClass()

    def test_unsigned_request_refused(self):
        jar = self.signed_in(session_index="_r-unsigned")
        mark = self.apache.log_mark()
        self.assert_refused(curl(self.idp_request(USER, "_r-unsigned")), 403,
                            "signature-missing", mark)
        self.assertEqual(self.get("/protected/slo", jar=jar).status, 200)

    def test_query_signed_request_accepted_and_answer_signed(self):
        jar = self.signed_in(session_index="_r-query")
        out = curl(self.idp_request(USER, "_r-query", key=self.idp.key))
        self.assertEqual(out.status, 303, out)
        self.assert_signed_out(jar)
        q = urllib.parse.urlsplit(out.location).query
        self.assertIn("Signature=", q)
        self.assertTrue(az.verify_redirect_query(q, self.sp_cert), "LogoutResponse signed by SP")

    def test_post_enveloped_signature_accepted(self):
        jar = self.signed_in(session_index="_r-post")
        url, form = self.idp_request(USER, "_r-post", binding="post", key=self.idp.key,
                                     cert=self.idp.cert)
        out = curl(url, data=form)
        self.assertEqual(out.status, 303, out)
        self.assert_signed_out(jar)

    def test_sha1_sigalg_refused(self):
        jar = self.signed_in(session_index="_r-sha1")
        mark = self.apache.log_mark()
        url = self.idp_request(USER, "_r-sha1", key=self.idp.key, sig_alg="rsa-sha1")
        self.assert_refused(curl(url), 403, "signature-algorithm", mark)
        self.assertEqual(self.get("/protected/slo", jar=jar).status, 200)

    def test_tampered_query_refused(self):
        url = self.idp_request(USER, "_r-tamper", key=self.idp.key, relay_state="a")
        mark = self.apache.log_mark()
        self.assert_refused(curl(url.replace("RelayState=a", "RelayState=b")), 403, "signature",
                            mark)


class FarmLogout(LogoutBase):
    """Two Apaches sharing memcached behind one public name: an IdP
    LogoutRequest that reaches node B ends the session the user holds through
    node A, and is not accepted twice anywhere (the replay entry is shared)."""

    @classmethod
    def setUpClass(cls):
        why = module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.cache = CacheServer("memcache").start()
        cls.apache, cls.b = Apache(servers=1), Apache(servers=1)
        cls.public = cls.apache.url
        cls.idp = IdPProcess(cls.public + "/saml/acs")
        for ap in (cls.apache, cls.b):
            ap.extra = "ServerName %s\nUseCanonicalName On" % cls.public
            ap.write_conf(saml_directives(cls.idp.sso_url, cls.idp.cert, cls.idp.issuer,
                                          Cache=cls.cache.spec))
            ap.start()
        cls.tmp = tempdir("sequr-test-")
        cls.logout_url = cls.public + "/saml/logout"

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        cls.b.stop()
        cls.idp.stop()
        cls.cache.stop()

    def test_idp_logout_on_one_node_ends_the_session_on_the_other(self):
        jar = self.signed_in(session_index="_farm-1")
        self.assertEqual(curl(self.b.url + "/protected/slo", jar=jar).status, 200)
        url = self.idp_request(USER, "_farm-1")
        out = curl(url.replace(self.public, self.b.url, 1))
        self.assertEqual(out.status, 303, out)
        self.assertEqual(message(out.location, "SAMLResponse")["status"], az.STATUS_SUCCESS)
        self.assert_signed_out(jar)
        mark = self.apache.log_mark()
        self.assert_refused(curl(url), 403, "replay", mark)


class Pysaml2Logout(LogoutBase):
    """Interoperability with an independent SAML implementation (Debian's pysaml2):
    its query-signed LogoutRequest ends our session and it reads our answer; it
    reads our signed LogoutRequest and we accept its signed LogoutResponse."""
    IDP = "https://pysaml2-idp.example/"
    PS_USER = "alice@example.org"

    @classmethod
    def setUpClass(cls):
        why = module_available()
        if why:
            raise unittest.SkipTest(why)
        from pysaml2_idp import Pysaml2IdP
        d = tempdir("sequr-pysaml2-")
        key, cert = az.make_keypair(d, "ps")
        cls.sp_key, cls.sp_cert = az.make_keypair(d, "sp", cn="sequr sp")
        cls.slo_url = "http://localhost:9/pysaml2/slo"
        cls.apache = Apache(servers=2)
        cls.apache.write_conf(saml_directives(
            "http://localhost:9/pysaml2/sso", cert, cls.IDP, IdPSLOURL=cls.slo_url,
            LogoutSignatures="required", SPCertificateFile=cls.sp_cert,
            SPPrivateKeyFile=cls.sp_key))
        cls.apache.start()
        cls.tmp = tempdir("sequr-test-")
        cls.logout_url = cls.apache.url + "/saml/logout"
        md = curl(cls.apache.url + "/saml/metadata").body
        cls.ps = Pysaml2IdP(os.path.join(d, "work"), key, cert, md, cls.IDP,
                            "http://localhost:9/pysaml2/sso", slo_url=cls.slo_url)

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()

    def ps_signed_in(self):
        jar = self.jar()
        b64 = self.ps.make_response(None, self.PS_USER, acs_url=self.apache.acs_url,
                                    sp_entity_id=SP_ENTITY_ID)
        r = self.post_acs(b64, "/protected/ps", jar=jar)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.get("/protected/ps", jar=jar).status, 200)
        return jar

    def test_pysaml2_logout_request_ends_the_session(self):
        jar = self.ps_signed_in()
        url = self.ps.logout_request_url(self.logout_url, SP_ENTITY_ID, self.PS_USER,
                                         relay_state="ps-1")
        out = curl(url, jar=jar)
        self.assertEqual(out.status, 303, out)
        self.assertTrue(out.location.startswith(self.slo_url + "?SAMLResponse="), out.location)
        self.assertEqual(self.get("/protected/ps", jar=jar).status, 302)
        q = urllib.parse.urlsplit(out.location).query
        self.assertTrue(az.verify_redirect_query(q, self.sp_cert))
        resp = self.ps.parse_logout_response(query(out.location)["SAMLResponse"][0])
        self.assertEqual(resp.status.status_code.value, az.STATUS_SUCCESS)
        self.assertEqual(resp.issuer.text, SP_ENTITY_ID)

    def test_our_logout_request_answered_by_pysaml2(self):
        jar = self.ps_signed_in()
        out = self.get("/saml/logout?ReturnTo=%2Fbye", jar=jar)
        self.assertEqual(out.status, 303, out)
        self.assertTrue(out.location.startswith(self.slo_url + "?SAMLRequest="), out.location)
        self.assertTrue(az.verify_redirect_query(urllib.parse.urlsplit(out.location).query,
                                                 self.sp_cert))
        q = query(out.location)
        req = self.ps.parse_logout_request(q["SAMLRequest"][0])
        self.assertEqual(req.name_id.text, self.PS_USER)
        self.assertEqual(req.issuer.text, SP_ENTITY_ID)
        back = curl(self.ps.logout_response_url(q["SAMLRequest"][0], q["RelayState"][0]))
        self.assertEqual(back.status, 303, back)
        self.assertEqual(path_of(back.location), "/bye")
