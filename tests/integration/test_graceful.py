"""An admin changes the IdP certificate and runs `apachectl graceful`: nobody
signed in is logged out, nobody in flight is dropped, and the new
configuration is what verifies responses from then on."""
import signal

import harness
from harness import SamlTestCase, az, saml_directives


class CertificateRolloverByGraceful(SamlTestCase):

    def test_rollover(self):
        signed_in, jar = self.sign_in("/protected/keep")
        self.assertEqual(signed_in.status, 303, signed_in)
        in_flight_jar = self.jar()
        rid, relay, _ = self.start_login("/protected/flight", jar=in_flight_jar)

        new_key, new_cert = az.make_keypair(self.tmp, "rolled", cn="Rolled Azure SSO Cert")
        self.apache.write_conf(saml_directives(self.idp.sso_url, new_cert, self.idp.issuer))
        self.apache.graceful()

        self.assertEqual(self.get("/protected/keep", jar=jar).status, 200,
                         "signed-in user logged out by the reload")
        # The request started before the reload is answered with the new key.
        r = self.post_acs(self.response(rid, key=new_key, cert=new_cert), relay,
                          jar=in_flight_jar)
        self.assertEqual(r.status, 303, r)
        # The retired key no longer signs anyone in.
        jar2 = self.jar()
        rid2, relay2, _ = self.start_login("/protected/old", jar=jar2)
        mark = self.apache.log_mark()
        old = self.post_acs(self.response(rid2), relay2, jar=jar2)
        self.assert_refused(old, 403, "signature", mark)

    def test_many_reloads_keep_sessions(self):
        r, jar = self.sign_in("/protected/reload")
        self.assertEqual(r.status, 303, r)
        for _ in range(3):
            self.apache.graceful()
            self.assertEqual(self.get("/protected/reload", jar=jar).status, 200)


class CleanShutdown(SamlTestCase):
    """The parent must exit 0 on SIGTERM, also after reloads: a crash there (e.g. a
    pool cleanup that points into the unloaded module) loses the shutdown work and
    leaves a core behind on every `apachectl stop`."""

    def setUp(self):
        if self.apache.proc is None:       # the other test stopped it
            self.apache.start()

    def test_stop_exits_cleanly(self):
        self.assertEqual(self.get("/protected/x").status, 302)
        self.apache.stop()
        self.assertEqual(self.apache.exit_status, 0, "apache parent exit status on SIGTERM")

    def test_stop_after_graceful_exits_cleanly(self):
        self.apache.graceful()
        self.assertEqual(self.get("/protected/x").status, 302)
        self.apache.stop()
        self.assertEqual(self.apache.exit_status, 0, "apache parent exit status on SIGTERM")


class ReloadWithMoreModules(SamlTestCase):
    """An admin enables other modules and reloads: the module's DSO is unloaded
    and mapped again, very likely at another address. State kept across the
    reload must not keep pointers into the old mapping."""

    def test_sessions_and_replay_cache_after_module_moves(self):
        r, jar = self.sign_in("/protected/moved")
        self.assertEqual(r.status, 303, r)
        rid, relay, login = self.start_login("/protected/moved2", jar=self.jar())
        used, cookie = self.response(rid), login.request_cookie()
        self.assertEqual(self.post_acs(used, relay, cookie=cookie).status, 303)

        self.apache.extra_modules = "\n".join(
            "LoadModule %s_module %s/mod_%s.so" % (m, harness.MODULES, m)
            for m in ("lua", "proxy", "proxy_html", "xml2enc", "dav", "rewrite"))
        self.apache.write_conf(saml_directives(self.idp.sso_url, self.idp.cert,
                                               self.idp.issuer))
        self.apache.graceful()

        self.assertEqual(self.get("/protected/moved", jar=jar).status, 200)
        self.assertEqual(self.post_acs(used, relay, cookie=cookie).status, 403)
        r2, jar2 = self.sign_in("/protected/moved3")
        self.assertEqual(r2.status, 303, r2)
        self.assertEqual(self.get("/protected/moved3", jar=jar2).status, 200)


class RestartAndStopStart(SamlTestCase):
    """`apachectl -k restart` (SIGHUP: every child killed and replaced) and a
    full stop and start keep signed-in users and the replay cache: the store is
    a file, not memory of the configuration or of the processes."""

    def restart(self):
        before = self.apache.log().count("resuming normal operations")
        self.apache.proc.send_signal(signal.SIGHUP)
        self.apache.wait_for_log_count("resuming normal operations", before, 10)
        self.assertTrue(harness.wait_for_port(self.apache.port, self.apache.proc))

    def check_kept(self, bounce):
        r, jar = self.sign_in("/protected/kept")
        self.assertEqual(r.status, 303, r)
        rid, relay, login = self.start_login("/protected/used", jar=self.jar())
        used, cookie = self.response(rid), login.request_cookie()
        self.assertEqual(self.post_acs(used, relay, cookie=cookie).status, 303)
        bounce()
        self.assertEqual(self.get("/protected/kept", jar=jar).status, 200,
                         "signed-in user logged out")
        mark = self.apache.log_mark()
        self.assert_refused(self.post_acs(used, relay, cookie=cookie), 403, "replay", mark)

    def test_restart_keeps_sessions_and_replay_cache(self):
        self.check_kept(self.restart)

    def test_stop_and_start_keep_sessions_and_replay_cache(self):
        def stop_start():
            self.apache.stop()
            self.assertEqual(self.apache.exit_status, 0)
            self.apache.start()
        self.check_kept(stop_start)
