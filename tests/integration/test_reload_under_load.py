"""Reload without losing anyone (issue #4 part 6): `apachectl graceful` while
a load generator sends protected GETs with sessions made before and sign-ins
to the ACS, for each kind of change an admin makes (a second IdP signing
certificate, a replaced federation metadata file, a user deactivated in the
Sequr user store, a tenant added). Every case asserts zero failed requests, the new
configuration in force afterwards, and every session made before (and during)
the load still valid. Then the same across a full stop and start with the
file store, which persists on disk: requests while Apache is down are
expected to fail to connect and are left out; before and after, none fail.

The tenant case is skipped when the module has no <SequrSAMLTenant>."""
import os
import re
import time
import unittest
import urllib.parse
import uuid

import harness
import loadgen
from cacheserver import CacheServer
from harness import SP_ENTITY_ID, Apache, az, tempdir
from test_load import EventApache
from test_user_store import ADMIN, DBD_SQLITE, LOAD_DBD, admin

# A protected static page on persistent connections: the load measures the
# module, not a CGI fork per request.
EXTRA = """
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 5
# A store smaller than the default (whose 2 GiB sparse file takes seconds to
# delete on a disk mounted with discard), still roomy: a fast machine makes
# about 300 sign-ins a second here, three entries each.
SequrSAMLCacheEntries 16384
Alias /static "{root}/htdocs"
<Location /static>
    AuthType sequr-saml
    Require valid-user
</Location>
"""
LOAD_BEFORE = float(os.environ.get("SEQUR_RELOAD_LOAD_BEFORE", "1.5"))
LOAD_AFTER = float(os.environ.get("SEQUR_RELOAD_LOAD_AFTER", "2.5"))
SESSIONS = 8
FABRIKAM_LOCATION = """
Alias /fabrikam "{root}/htdocs"
<Location /fabrikam>
    AuthType sequr-saml
    SequrSAMLTenantName fabrikam
    Require valid-user
</Location>
"""
GET_WORKERS, ACS_WORKERS = 3, 2
PREFORK_CHILDREN = GET_WORKERS + ACS_WORKERS + 3
CRASH = re.compile(r"exit signal|Segmentation fault|AddressSanitizer|child process \d+ "
                   r"still did not exit")


class ReloadUnderLoad(unittest.TestCase):
    """One fresh Apache per test (prefork, as the harness runs it): each case
    starts from its own configuration."""
    apache_class = Apache

    def setUp(self):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        self.tmp = tempdir("sequr-reload-")
        self.tenant = az.DEFAULT_TENANT
        self.issuer = az.entra_issuer(self.tenant)
        self.sso_url = "http://localhost:9/%s/saml2" % self.tenant
        self.key, self.cert = az.make_keypair(self.tmp, "first")
        self.apache = None
        self.gen = None

    def tearDown(self):
        if self.gen and not self.gen.stopping.is_set():
            self.gen.stop()
        if self.apache:
            self.apache.stop()

    # ---------------------------------------------------------------- helpers

    def start_apache(self, saml_conf, extra="", extra_modules=""):
        # prefork: a kept-alive connection holds a child, and children are added
        # at one, two, four... a second: start enough for every load connection.
        self.apache = self.apache_class(servers=PREFORK_CHILDREN, extra_modules=extra_modules)
        self.apache.extra = EXTRA.format(root=self.apache.root) + extra
        self.apache.write_conf(saml_conf)
        self.apache.start()

    def cert_conf(self, certs):
        return harness.saml_directives(self.sso_url, certs, self.issuer)

    def signer(self, key, cert, tenant=None):
        acs = self.apache.acs_url

        def sign(user, in_response_to):
            return az.make_response(user, acs, SP_ENTITY_ID, in_response_to, key=key, cert=cert,
                                    tenant=tenant or self.tenant)
        return sign

    def sign_in(self, user, key=None, cert=None, expect=303, tenant=None,
                relay="/static/index.html"):
        """An unsolicited sign-in on its own connection: the session cookie."""
        client = loadgen.Client(self.apache.port)
        saml = self.signer(key or self.key, cert or self.cert, tenant)(user, None)
        body = urllib.parse.urlencode({"SAMLResponse": saml, "RelayState": relay})
        answer, _ = client.send("POST", "/saml/acs", body,
                                {"Content-Type": "application/x-www-form-urlencoded"})
        client.close()
        self.assertEqual(answer.status, expect, answer.body[:500])
        return answer.cookie()

    def status_with(self, cookie, path="/static/index.html"):
        client = loadgen.Client(self.apache.port)
        answer, _ = client.send("GET", path, headers={"Cookie": cookie, "Accept": "text/html"})
        client.close()
        return answer.status

    def assert_sessions_valid(self, cookies, what):
        bad = [c for c in cookies if self.status_with(c) != 200]
        self.assertEqual(bad, [], "%d of %d sessions %s are no longer valid"
                         % (len(bad), len(cookies), what))

    def start_load(self, users, cookies, key=None, cert=None):
        self.gen = loadgen.LoadGen(self.apache.port, cookies,
                                   self.signer(key or self.key, cert or self.cert), users,
                                   get_workers=GET_WORKERS, acs_workers=ACS_WORKERS)
        self.log_mark = self.apache.log_mark()
        return self.gen.start()

    def graceful_like_apachectl(self):
        """apachectl graceful: configtest first, then SIGUSR1 to the parent."""
        rc, out = self.apache.configtest()
        self.assertEqual(rc, 0, out)
        self.assertTrue(self.apache.graceful(), "Apache not serving after graceful")

    def finish_load(self, **window):
        time.sleep(LOAD_AFTER)
        self.gen.stop()
        summary = self.gen.summary(**window)
        text = loadgen.describe(summary)
        print("\n" + self.id().rsplit(".", 1)[-1] + ": " + text.replace("\n", "\n    "))
        if summary["failed"]:
            # The module's own account of each refusal (its log lines carry the reason).
            said = [line for line in self.apache.log()[self.log_mark:].splitlines()
                    if "sequr_saml:" in line]
            text += "\nthe module's log lines:\n" + "\n".join(said[-20:])
        self.assertEqual(summary["failed"], 0, text)
        crashed = CRASH.findall(self.apache.log()[self.log_mark:])
        self.assertEqual(crashed, [], "Apache children crashed under load:\n" +
                         self.apache.log()[self.log_mark:][-3000:])
        return summary

    def premade_sessions(self, users, **kw):
        return [self.sign_in(u, **kw) for u in users]

    # ---------------------------------------------------------------- cases

    def test_second_certificate_added(self):
        """Key rollover: the second certificate is added by reload; sign-ins
        signed with the new key work from then on, the old key's keep working."""
        self.start_apache(self.cert_conf([self.cert]))
        new_key, new_cert = az.make_keypair(self.tmp, "second", cn="Next Azure SSO Cert")
        self.sign_in("probe@contoso.example", new_key, new_cert, expect=403)
        users = ["user%d@contoso.example" % i for i in range(SESSIONS)]
        cookies = self.premade_sessions(users)
        self.start_load(users, cookies)
        time.sleep(LOAD_BEFORE)
        self.apache.write_conf(self.cert_conf([self.cert, new_cert]))
        self.graceful_like_apachectl()
        reloaded = time.time()
        self.gen.set_signer(self.signer(new_key, new_cert))
        self.finish_load()
        self.assertGreater(self.gen.ok_count("acs-sp", since=reloaded) +
                           self.gen.ok_count("acs-idp", since=reloaded), 0,
                           "no sign-in with the new key was made after the reload")
        self.sign_in("after@contoso.example", new_key, new_cert)
        self.sign_in("after@contoso.example")
        self.assert_sessions_valid(cookies, "made before the reload")
        self.assert_sessions_valid([c for _, c in self.gen.new_cookies], "made under load")

    def test_metadata_file_replaced(self):
        """SequrSAMLIdPMetadataFile replaced by Azure's metadata of a rollover
        (old and new signing certificate); reload; the new key signs people in."""
        md = os.path.join(self.tmp, "federationmetadata.xml")

        def write_metadata(certs):
            data = az.make_metadata(self.tenant, self.sso_url, certs, self.key, self.cert)
            with open(md + ".new", "wb") as f:
                f.write(data)
            os.rename(md + ".new", md)        # replaced whole, as a download would be

        write_metadata([self.cert])
        conf = "SequrSAMLSPEntityID %s\nSequrSAMLIdPMetadataFile %s" % (SP_ENTITY_ID, md)
        self.start_apache(conf)
        new_key, new_cert = az.make_keypair(self.tmp, "second", cn="Next Azure SSO Cert")
        self.sign_in("probe@contoso.example", new_key, new_cert, expect=403)
        users = ["md%d@contoso.example" % i for i in range(SESSIONS)]
        cookies = self.premade_sessions(users)
        self.start_load(users, cookies)
        time.sleep(LOAD_BEFORE)
        write_metadata([self.cert, new_cert])
        self.graceful_like_apachectl()
        reloaded = time.time()
        self.gen.set_signer(self.signer(new_key, new_cert))
        self.finish_load()
        self.assertGreater(self.gen.ok_count("acs-sp", since=reloaded) +
                           self.gen.ok_count("acs-idp", since=reloaded), 0)
        self.assert_sessions_valid(cookies, "made before the reload")
        self.assert_sessions_valid([c for _, c in self.gen.new_cookies], "made under load")
        # The metadata of the finished rollover (new certificate only): the old key is out.
        write_metadata([new_cert])
        self.graceful_like_apachectl()
        self.sign_in("late@contoso.example", expect=403)
        self.sign_in("late@contoso.example", new_key, new_cert)
        self.assert_sessions_valid(cookies, "made before both reloads")

    def test_user_deactivated(self):
        """SequrSAMLUserStore dbd (SQLite): a user deactivated with
        sequr-saml-admin while the load runs (a database change: no reload
        needed, but the admin runs graceful anyway). The others keep working;
        the deactivated user gets 403, on the old session and on a new sign-in."""
        if not os.access(ADMIN, os.X_OK) or not os.path.exists(DBD_SQLITE):
            self.skipTest("needs sequr-saml-admin and libaprutil1-dbd-sqlite3")
        db = os.path.join(self.tmp, "users.db")
        admin(db, "init")
        users = ["staff%d@contoso.example" % i for i in range(SESSIONS)]
        leaver = "leaver@contoso.example"
        for u in users + [leaver]:
            admin(db, "user", "add", u)
            admin(db, "user", "activate", u)
        harness.give_to_apache_user(db)
        harness.give_to_apache_user(self.tmp)        # SQLite's journal lives beside the file
        self.start_apache(
            harness.saml_directives(self.sso_url, self.cert, self.issuer, UserStore="dbd",
                                    UserRecheckInterval=1),
            extra='DBDriver sqlite3\nDBDParams "%s"\nDBDPersist On\n' % db,
            extra_modules=LOAD_DBD)
        cookies = self.premade_sessions(users)
        leaver_cookie = self.sign_in(leaver)
        self.assertEqual(self.status_with(leaver_cookie), 200)
        self.start_load(users, cookies)
        time.sleep(LOAD_BEFORE)
        admin(db, "user", "deactivate", leaver)
        self.graceful_like_apachectl()
        self.finish_load()
        self.assertEqual(self.status_with(leaver_cookie), 403, "deactivated user still in")
        self.sign_in(leaver, expect=403)
        self.assert_sessions_valid(cookies, "of active users made before the change")
        self.assert_sessions_valid([c for _, c in self.gen.new_cookies], "made under load")

    def test_tenant_added(self):
        """A second Azure tenant (a <SequrSAMLTenant> section and a location
        signing in with it) added by reload: its users sign in from then on,
        and nobody of the server's own IdP notices."""
        self.start_apache(self.cert_conf([self.cert]))
        fab_tenant = str(uuid.uuid4())
        fab_key, fab_cert = az.make_keypair(self.tmp, "fabrikam")
        with_tenant = self.cert_conf([self.cert]) + (
            '\n<SequrSAMLTenant fabrikam>\n    SequrSAMLIdPSSOURL http://localhost:9/%s/saml2\n'
            '    SequrSAMLIdPEntityID %s\n    SequrSAMLIdPCertificateFile "%s"\n'
            '</SequrSAMLTenant>\n' % (fab_tenant, az.entra_issuer(fab_tenant), fab_cert))
        location = FABRIKAM_LOCATION.format(root=self.apache.root)
        self.apache.extra += location
        rc, out = self.apache.configtest(self.apache.conf_text(with_tenant))
        self.apache.extra = self.apache.extra[:-len(location)]
        if rc != 0 and re.search(r"Invalid command '<?SequrSAMLTenant", out):
            self.skipTest("this module has no <SequrSAMLTenant> yet")
        self.assertEqual(rc, 0, out)
        fab = {"key": fab_key, "cert": fab_cert, "tenant": fab_tenant,
               "relay": "/fabrikam/index.html"}
        self.sign_in("eve@fabrikam.example", expect=403, **fab)
        users = ["tn%d@contoso.example" % i for i in range(SESSIONS)]
        cookies = self.premade_sessions(users)
        self.start_load(users, cookies)
        time.sleep(LOAD_BEFORE)
        self.apache.extra += location
        self.apache.write_conf(with_tenant)
        self.graceful_like_apachectl()
        fab_cookies = [self.sign_in("user%d@fabrikam.example" % i, **fab) for i in range(3)]
        self.finish_load()
        for c in fab_cookies:
            self.assertEqual(self.status_with(c, "/fabrikam/index.html"), 200)
        self.assert_sessions_valid(cookies, "made before the reload")
        self.assert_sessions_valid([c for _, c in self.gen.new_cookies], "made under load")

    def test_tenant_certificate_replaced(self):
        """A tenant's signing certificate replaced by reload (its old key
        retired) while the server's own IdP is under load: the tenant's new
        key signs in from then on and its old one no longer does, and every
        session made before, the tenant's included, stays valid."""
        fab_tenant = str(uuid.uuid4())
        old_key, old_cert = az.make_keypair(self.tmp, "fab-old")
        new_key, new_cert = az.make_keypair(self.tmp, "fab-new", cn="Next Azure SSO Cert")

        def conf(cert):
            return self.cert_conf([self.cert]) + (
                '\n<SequrSAMLTenant fabrikam>\n    SequrSAMLIdPSSOURL http://localhost:9/%s/saml2'
                '\n    SequrSAMLIdPEntityID %s\n    SequrSAMLIdPCertificateFile "%s"\n'
                '</SequrSAMLTenant>\n' % (fab_tenant, az.entra_issuer(fab_tenant), cert))
        self.apache = self.apache_class(servers=PREFORK_CHILDREN)
        self.apache.extra = (EXTRA.format(root=self.apache.root) +
                             FABRIKAM_LOCATION.format(root=self.apache.root))
        self.apache.write_conf(conf(old_cert))
        self.apache.start()
        fab = {"tenant": fab_tenant, "relay": "/fabrikam/index.html"}
        fab_cookies = [self.sign_in("old%d@fabrikam.example" % i, old_key, old_cert, **fab)
                       for i in range(3)]
        self.sign_in("probe@fabrikam.example", new_key, new_cert, expect=403, **fab)
        users = ["tc%d@contoso.example" % i for i in range(SESSIONS)]
        cookies = self.premade_sessions(users)
        self.start_load(users, cookies)
        time.sleep(LOAD_BEFORE)
        self.apache.write_conf(conf(new_cert))
        self.graceful_like_apachectl()
        self.sign_in("new@fabrikam.example", new_key, new_cert, **fab)
        self.sign_in("late@fabrikam.example", old_key, old_cert, expect=403, **fab)
        self.finish_load()
        for c in fab_cookies:
            self.assertEqual(self.status_with(c, "/fabrikam/index.html"), 200)
            self.assertNotEqual(self.status_with(c), 200, "a tenant's session at the default IdP")
        self.assert_sessions_valid(cookies, "made before the reload")
        self.assert_sessions_valid([c for _, c in self.gen.new_cookies], "made under load")

    def test_stop_and_start_with_file_store(self):
        """A full `apachectl stop` and `start` under load: the file store is on
        disk, so every session made before is valid after. Requests while
        Apache is down fail to connect; only before and after are measured."""
        self.graceful_then_stop_and_start(self.cert_conf([self.cert]), "ss", graceful=False)

    def test_graceful_then_stop_and_start_with_memcache(self):
        """SequrSAMLCache memcache: the sessions live in memcached, which
        outlives Apache: a graceful with a second certificate, then a full stop
        and start, all under load, and nobody is logged out."""
        self.with_cache_server("memcache")

    def test_graceful_then_stop_and_start_with_redis(self):
        self.with_cache_server("redis")

    def with_cache_server(self, kind):
        cache = CacheServer(kind).start()
        self.addCleanup(cache.stop)
        self.graceful_then_stop_and_start(
            harness.saml_directives(self.sso_url, self.cert, self.issuer, Cache=cache.spec),
            kind, cache_spec=cache.spec)

    def graceful_then_stop_and_start(self, conf, prefix, graceful=True, cache_spec=None):
        self.start_apache(conf)
        users = ["%s%d@contoso.example" % (prefix, i) for i in range(SESSIONS)]
        cookies = self.premade_sessions(users)
        self.start_load(users, cookies)
        time.sleep(LOAD_BEFORE)
        if graceful:
            new_key, new_cert = az.make_keypair(self.tmp, "second", cn="Next Azure SSO Cert")
            more = {"Cache": cache_spec} if cache_spec else {}
            self.apache.write_conf(harness.saml_directives(
                self.sso_url, [self.cert, new_cert], self.issuer, **more))
            self.graceful_like_apachectl()
            self.gen.set_signer(self.signer(new_key, new_cert))
            time.sleep(LOAD_BEFORE)
        stopped = time.time()
        self.apache.stop()
        self.assertEqual(self.apache.exit_status, 0)
        self.apache.start()
        started = time.time()
        summary = self.finish_load(before=stopped, after=started)
        self.assertGreater(self.gen.ok_count("get", since=started), 0, loadgen.describe(summary))
        self.assertGreater(self.gen.ok_count("acs-idp", since=started), 0)
        self.assert_sessions_valid(cookies, "made before the stop")
        made_before = [c for t, c in self.gen.new_cookies if t < stopped]
        self.assertTrue(made_before)
        self.assert_sessions_valid(made_before, "made under load before the stop")


class ReloadEventApache(EventApache):
    # Slots for the new generation while the old one finishes its requests:
    # with ServerLimit = StartServers, a graceful waits for old processes to
    # exit before new ones start, and requests queue for about two seconds.
    server_limit = 4


class ReloadUnderLoadEventMPM(ReloadUnderLoad):
    """The same under the event MPM (Debian's default: threads, and a graceful
    restart that lets the old generation finish its connections while the new
    one already serves)."""
    apache_class = ReloadEventApache

    def test_metadata_file_replaced(self):
        self.skipTest("prefork only: the reload path is the certificate case's")

    def test_tenant_added(self):
        self.skipTest("prefork only: the reload path is the certificate case's")

    def test_tenant_certificate_replaced(self):
        self.skipTest("prefork only: the reload path is the certificate case's")

    def test_stop_and_start_with_file_store(self):
        self.skipTest("prefork only: a full stop ends every process under both MPMs")

    def test_graceful_then_stop_and_start_with_memcache(self):
        self.skipTest("prefork only: the store clients are the same under both MPMs")

    def test_graceful_then_stop_and_start_with_redis(self):
        self.skipTest("prefork only: the store clients are the same under both MPMs")


if __name__ == "__main__":
    unittest.main()
