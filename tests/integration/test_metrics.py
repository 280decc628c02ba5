"""SequrSAMLMetrics: PATH/metrics in the Prometheus text format, read with
Debian's prometheus_client parser, counting what the test does (sign-ins,
refusals by check, sessions, 401s, logouts, store operations) across prefork
children and graceful restarts; Apache's own Require lines guard it; off, it
is not there; mod_status' server-status (and ?auto) shows the same counts."""
import concurrent.futures
import os
import re
import unittest

from prometheus_client.parser import text_string_to_metric_families

import harness
import azure_idp as az
from harness import SamlTestCase, curl

STATUS_MODULE = ("LoadModule status_module {0}/mod_status.so\n"
                 "LoadModule authz_host_module {0}/mod_authz_host.so").format(harness.MODULES)

# A protected CGI that names the Apache child that ran it (its parent).
PPID_CGI = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'CHILD=%s\\n' "$PPID"
"""


def samples(text):
    """{(sample name, ((label, value), ...)): value} of a Prometheus text."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(scrape, name, **labels):
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


def session_cookie(jar):
    """"name=value" of the session cookie in a curl jar."""
    with open(jar) as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    found = ["%s=%s" % (r[5], r[6]) for r in rows if len(r) == 7 and r[5] == "sequr_saml_session"]
    assert len(found) == 1, rows
    return found[0]


class MetricsCase(SamlTestCase):
    servers = 3
    guard = "Require ip 127.0.0.1"
    metrics = "On"
    slo = False

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.apache = harness.Apache(servers=cls.servers, extra_modules=STATUS_MODULE)
        root = cls.apache.root
        ppid = os.path.join(root, "cgi", "ppid")
        with open(ppid, "w") as f:
            f.write(PPID_CGI)
        os.chmod(ppid, 0o755)
        cls.apache.extra = """
ScriptAlias /child "%s"
<Location /child>
    AuthType sequr-saml
    Require valid-user
</Location>
<Location /saml/metrics>
    %s
</Location>
<Location /server-status>
    SetHandler server-status
    Require ip 127.0.0.1
</Location>
""" % (ppid, cls.guard)
        cls.idp = harness.IdPProcess(cls.apache.acs_url, sign=cls.sign)
        directives = {"Metrics": cls.metrics} if cls.metrics else {}
        if cls.slo:
            directives["IdPSLOURL"] = cls.idp.sso_url
        cls.apache.write_conf(harness.saml_directives(cls.idp.sso_url, cls.idp.cert,
                                                      cls.idp.issuer, **directives))
        cls.apache.start()
        cls.tmp = harness.tempdir("sequr-test-")

    def scrape(self):
        r = self.get("/saml/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("Content-Type").startswith("text/plain; version=0.0.4"), r)
        self.assertEqual(r.header("Cache-Control"), "no-store", r)
        return samples(r.text)


class Metrics(MetricsCase):

    def test_counts_what_the_test_caused(self):
        before = self.scrape()
        # two sign-ins, each a pending request started
        _, jar = self.sign_in()
        self.sign_in()
        # one refusal at the ACS, by the audience check
        rid, relay, _ = self.start_login()
        r = self.post_acs(self.response(rid, audience="https://other-app.example/"), relay)
        self.assertEqual(r.status, 403, r)
        # a session resumed, a stale cookie, an API client without a session
        r = self.get("/protected/page", jar=jar)
        self.assertEqual(self.whoami(r)["REMOTE_USER"], harness.USER)
        self.assertEqual(self.get("/protected/x", cookie="sequr_saml_session=" + "A" * 43).status,
                         302)
        r = self.get("/protected/api", headers=["Accept: application/json"])
        self.assertEqual(r.status, 401, r)
        # a local logout (this IdP has no logout URL)
        self.assertEqual(self.get("/saml/logout?ReturnTo=/", jar=jar).status, 303)
        after = self.scrape()

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        self.assertEqual(delta("sequr_saml_signins_total", result="accepted"), 2)
        self.assertEqual(delta("sequr_saml_signins_total", result="refused"), 1)
        self.assertEqual(delta("sequr_saml_refusals_total", check="audience"), 1)
        self.assertEqual(delta("sequr_saml_pending_requests_total"), 4)
        self.assertEqual(delta("sequr_saml_sessions_total", result="resumed"), 1)
        self.assertEqual(delta("sequr_saml_sessions_total", result="expired"), 1)
        self.assertEqual(delta("sequr_saml_unauthorized_total"), 1)
        self.assertEqual(delta("sequr_saml_logouts_total", kind="local"), 1)
        # the file store: two sessions saved (add), the session read back (get)
        self.assertGreaterEqual(delta("sequr_saml_store_operations_total",
                                      backend="file", operation="get"), 1)
        self.assertGreaterEqual(delta("sequr_saml_store_operations_total",
                                      backend="file", operation="add"), 2)
        self.assertEqual(value(after, "sequr_saml_store_errors_total",
                               backend="file", operation="get"), 0)
        # the histogram agrees with itself: +Inf bucket == _count == operations
        for op in ("get", "add"):
            count = value(after, "sequr_saml_store_operation_duration_seconds_count",
                          backend="file", operation=op)
            self.assertEqual(value(after, "sequr_saml_store_operation_duration_seconds_bucket",
                                   backend="file", operation=op, le="+Inf"), count)
            self.assertEqual(value(after, "sequr_saml_store_operations_total",
                                   backend="file", operation=op), count)
            self.assertGreater(value(after, "sequr_saml_store_operation_duration_seconds_sum",
                                     backend="file", operation=op), 0)
        # the IdP's certificate (made for this test, valid for a while)
        days = value(after, "sequr_saml_idp_certificate_expiry_days", tenant="")
        self.assertGreater(days, 0)

    def test_counts_are_shared_by_every_child(self):
        _, jar = self.sign_in()
        # The cookie itself, not the jar: curl rewrites its jar file as it
        # exits, and a curl started meanwhile can read it half-written (no
        # cookie, so a 302 to the IdP: this test failed so once under load).
        cookie = session_cookie(jar)
        before = self.scrape()
        children, n = set(), 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            for _ in range(10):
                replies = list(pool.map(lambda _: self.get("/child", cookie=cookie), range(3)))
                for r in replies:
                    self.assertEqual(r.status, 200, r)
                    children.add(re.search(r"CHILD=(\d+)", r.text).group(1))
                n += len(replies)
                if len(children) >= 2 and n >= 9:
                    break
        self.assertGreaterEqual(len(children), 2, "every request went to one child")
        after = self.scrape()
        self.assertEqual(value(after, "sequr_saml_sessions_total", result="resumed")
                         - value(before, "sequr_saml_sessions_total", result="resumed"), n)

    def test_counts_survive_a_graceful_restart(self):
        self.sign_in()
        before = self.scrape()
        accepted = value(before, "sequr_saml_signins_total", result="accepted")
        self.assertGreaterEqual(accepted, 1)
        self.assertTrue(self.apache.graceful())
        self.assertEqual(value(self.scrape(), "sequr_saml_signins_total", result="accepted"),
                         accepted)
        self.sign_in()
        self.assertEqual(value(self.scrape(), "sequr_saml_signins_total", result="accepted"),
                         accepted + 1)

    def test_server_status_shows_the_section(self):
        self.sign_in()
        auto = self.get("/server-status?auto")
        self.assertEqual(auto.status, 200, auto)
        lines = dict(re.findall(r"^(SequrSAML[\w.-]*): (-?\d+)$", auto.text, re.M))
        scrape = self.scrape()
        self.assertEqual(int(lines["SequrSAMLSignInsAccepted"]),
                         value(scrape, "sequr_saml_signins_total", result="accepted"))
        self.assertIn("SequrSAMLSessionsResumed", lines)
        self.assertIn("SequrSAMLStoreOperations-file", lines)
        self.assertGreater(int(lines["SequrSAMLIdPCertificateExpiryDays"]), 0)
        page = self.get("/server-status")
        self.assertEqual(page.status, 200, page)
        self.assertIn("<h2>mod_sequr_saml</h2>", page.text)
        self.assertRegex(page.text, r"<td>SequrSAMLSignInsAccepted</td><td>\d+</td>")

    def test_only_get(self):
        r = self.get("/saml/metrics", data={"a": "b"})
        self.assertEqual(r.status, 405, r)

    def test_no_user_names(self):
        self.sign_in()
        r = self.get("/saml/metrics")
        self.assertNotIn(harness.USER, r.text)
        self.assertNotIn(harness.USER.split("@")[0], r.text)


class MetricsSingleLogout(MetricsCase):
    """Logouts by kind, with the IdP's logout URL set, and an IdP LogoutRequest
    not acted on counted as a refusal by its check."""
    servers = 1
    slo = True

    def delta(self, before, after, name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    def test_logouts_by_kind(self):
        logout_url = self.apache.url + "/saml/logout"
        before = self.scrape()
        # SP-initiated: our LogoutRequest, then the IdP's LogoutResponse back
        _, jar = self.sign_in(assertion_id="_m-sp")
        out = self.get("/saml/logout?ReturnTo=/", jar=jar)
        self.assertEqual(out.status, 303, out)
        at_idp = curl(out.location)
        self.assertEqual(at_idp.status, 302, at_idp)
        self.assertEqual(curl(at_idp.location, jar=jar).status, 303)
        # IdP-initiated: its LogoutRequest for a session of ours
        self.sign_in(assertion_id="_m-idp")
        url = az.make_logout_request(harness.USER, logout_url, session_index="_m-idp",
                                     tenant=self.idp.tenant, request_id="_m-idp-req")
        self.assertEqual(curl(url).status, 303)
        # the same request again: a replay, not acted on
        self.assertEqual(curl(url).status, 403)
        after = self.scrape()
        self.assertEqual(self.delta(before, after, "sequr_saml_logouts_total",
                                    kind="sp_initiated"), 1)
        self.assertEqual(self.delta(before, after, "sequr_saml_logouts_total",
                                    kind="idp_confirmed"), 1)
        self.assertEqual(self.delta(before, after, "sequr_saml_logouts_total",
                                    kind="idp_initiated"), 1)
        self.assertEqual(self.delta(before, after, "sequr_saml_logouts_total", kind="local"), 0)
        self.assertEqual(self.delta(before, after, "sequr_saml_refusals_total", check="replay"), 1)


class MetricsGuarded(MetricsCase):
    """The admin's Require decides: an address that is not ours is refused."""
    servers = 1
    guard = "Require ip 192.0.2.1"

    def test_require_ip_refuses_other_addresses(self):
        r = self.get("/saml/metrics")
        self.assertEqual(r.status, 403, r)
        self.assertNotIn("sequr_saml_", r.text)


class MetricsOff(MetricsCase):
    """Without SequrSAMLMetrics On there is no PATH/metrics and no section."""
    servers = 1
    metrics = None

    def test_endpoint_not_found(self):
        r = self.get("/saml/metrics")
        self.assertEqual(r.status, 404, r)
        self.assertNotIn("sequr_saml_", r.text)

    def test_no_status_section(self):
        r = self.get("/server-status?auto")
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("SequrSAML", r.text)


if __name__ == "__main__":
    unittest.main()
