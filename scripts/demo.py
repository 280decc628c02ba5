#!/usr/bin/python3
"""The demo: a real Apache on 127.0.0.1 with mod_sequr_saml protecting /protected
(a plain-text whoami) and /app/ (a page showing what the module gives an
application), and the local Azure-AD-shaped IdP (another site: localhost) with
a sign-in page and a small "My Apps" page whose tile starts an IdP-initiated
sign-in that lands on the app's configured relay state.

Prints the URLs to open and runs until Ctrl-C (or SIGTERM), then stops both.
`--check` instead goes through the browser flows with curl (sign in, the app
page, the My Apps tile, sign out here, sign out at the IdP) and exits 0/1.
"""
import html
import os
import re
import shutil
import signal
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))

import harness as h  # noqa: E402

APP = "/app/"                       # the demo's protected page (scripts/demo/app.cgi)
RELAY_STATE = "/app/?from=myapps"   # the app's "Relay State" at the IdP: where its tile lands
APP_NAME = "Contoso demo app"       # its display name on the My Apps tile
SIGNED_OUT = "/signed-out.html"     # where a local sign-out returns (ReturnTo)
IDLE_TIMEOUT = 3600                 # SequrSAMLSessionIdleTimeout, shown on the page
DEMO_USER = "britta.simon@contoso.example"

# /app/ as an application would be set up: protected, the user and attributes
# in its environment and, as for a proxied backend, in request headers.
APP_CONF = """\
ScriptAlias /app "{cgi}"
<Location /app>
    AuthType sequr-saml
    Require valid-user
    SequrSAMLRequestHeaders On
    SetEnv SEQUR_DEMO_IDP_URL "{idp}"
    SetEnv SEQUR_DEMO_IDLE_TIMEOUT {idle}
</Location>
"""


def start():
    why = h.module_available()
    if why:
        sys.exit("demo: " + why)
    apache = h.Apache(servers=2,
                      extra_modules="LoadModule env_module %s/mod_env.so" % h.MODULES)
    idp = h.IdPProcess(apache.acs_url, extra_args=["--relay-state", RELAY_STATE,
                                                   "--app-name", APP_NAME])
    cgi = os.path.join(apache.root, "cgi", "app")
    shutil.copyfile(os.path.join(HERE, "demo", "app.cgi"), cgi)
    os.chmod(cgi, 0o755)
    shutil.copyfile(os.path.join(HERE, "demo", "signed-out.html"),
                    os.path.join(apache.root, "htdocs", SIGNED_OUT.lstrip("/")))
    apache.extra = APP_CONF.format(cgi=cgi, idp=idp.base_url, idle=IDLE_TIMEOUT)
    apache.write_conf(h.saml_directives(
        idp.sso_url, idp.cert, idp.issuer,
        UserAttribute="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        SessionIdleTimeout=IDLE_TIMEOUT))
    apache.start()
    return apache, idp


def new_jar():
    return os.path.join(h.tempdir("sequr-demo-jar-"), "jar")


def browser_sign_in(apache, user, path="/protected/hello?from=demo", jar=None):
    """What a browser does: follow the redirect, fill in the sign-in page, let
    the auto-post form reach the ACS, follow the redirect back."""
    jar = jar or new_jar()
    r = h.curl(apache.url + path, jar=jar)
    assert r.status == 302, r
    page = h.curl(r.location, jar=jar)
    assert page.status == 200 and "Sign in" in page.text, page
    action = urllib.parse.urljoin(r.location, re.search(r'<form method="post" action="([^"]+)"',
                                                         page.text).group(1))
    fields = dict(page.form_fields())
    fields["username"] = user
    posted = h.curl(action, data=fields, jar=jar)
    acs = h.curl(posted.form_action(), data=dict(posted.form_fields()), jar=jar)
    assert acs.status == 303, acs
    final = h.curl(apache.url + acs.location, jar=jar)
    assert final.status == 200, final
    return final.text


def app_page_facts(text):
    """What the app page shows: user, session end, environment and header names."""
    def cell(i):
        m = re.search(r'id="%s">([^<]*)<' % i, text)
        return m.group(1) if m else None

    def names(table):
        m = re.search(r'<table id="%s">(.*?)</table>' % table, text, re.S)
        return re.findall(r"<tr><th>([^<]+)</th>", m.group(1)) if m else []
    return {"user": cell("user"), "expires": cell("session-expires"),
            "env": names("env"), "headers": names("headers")}


def my_apps_sign_in(apache, idp, user, jar):
    """My Apps: open it, click the app's tile, let the auto-post form reach the
    ACS, follow the redirect. Returns (where it landed, the page)."""
    apps = h.curl(idp.base_url + "/myapps?" + urllib.parse.urlencode({"user": user}))
    assert apps.status == 200 and APP_NAME in apps.text, apps
    tile = re.search(r'<a class="tile" id="app-tile" href="([^"]+)"', apps.text).group(1)
    form = h.curl(urllib.parse.urljoin(idp.base_url, html.unescape(tile)))
    acs = h.curl(form.form_action(), data=dict(form.form_fields()), jar=jar)
    assert acs.status == 303, acs
    page = h.curl(apache.url + acs.location, jar=jar)
    return acs.location, page


def signed_in(apache, jar):
    return h.curl(apache.url + APP, jar=jar).status == 200


def check(apache, idp):
    """Every flow once, with curl as the browser; prints what it saw."""
    ok = True

    def say(good, text):
        nonlocal ok
        ok = ok and bool(good)
        print("demo check: " + (text if good else "FAILED: " + text))

    jar = new_jar()
    text = browser_sign_in(apache, DEMO_USER, jar=jar)
    print(text.strip())
    say(re.search(r"REMOTE_USER=britta\.simon@contoso\.example", text), "signed in")

    page = h.curl(apache.url + APP, jar=jar)
    facts = app_page_facts(page.text) if page.status == 200 else {}
    good = (facts.get("user") == DEMO_USER and "SEQUR_SAML_DISPLAYNAME" in facts["env"] and
            "Sequr-SAML-Remote-User" in facts["headers"] and
            re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", facts.get("expires") or ""))
    say(good, "%s shows %s, %d environment variables, %d request headers, session ends %s"
        % (APP, facts.get("user"), len(facts.get("env", [])), len(facts.get("headers", [])),
           facts.get("expires")))

    out = h.curl(apache.url + "/saml/logout?ReturnTo=" + SIGNED_OUT, jar=jar)
    say(out.status == 303 and out.location.endswith(SIGNED_OUT) and not signed_in(apache, jar),
        "signed out of this site (/saml/logout?ReturnTo=%s)" % SIGNED_OUT)

    jar = new_jar()
    landed, page = my_apps_sign_in(apache, idp, DEMO_USER, jar)
    say(landed == RELAY_STATE and page.status == 200 and
        app_page_facts(page.text)["user"] == DEMO_USER,
        "My Apps tile signed in and landed on %s" % landed)

    r = h.curl(idp.base_url + "/signout?" + urllib.parse.urlencode({"user": DEMO_USER}))
    sp = h.curl(r.location, jar=jar) if r.status == 302 else r
    back = h.curl(sp.location) if sp.status in (302, 303) else sp
    say(back.status == 200 and "You signed out" in back.text and not signed_in(apache, jar),
        "signed out at the IdP (its LogoutRequest ended the session here)")
    return ok


def main():
    apache, idp = start()
    if "--check" in sys.argv:
        ok = check(apache, idp)
        apache.stop()
        idp.stop()
        sys.exit(0 if ok else 1)

    print()
    print("  mod_sequr_saml demo is running.")
    print("  Open:  %s%s" % (apache.url, APP))
    print("  You will be sent to the local Azure AD-shaped sign-in page (%s);" % idp.base_url)
    print("  type any user name, e.g. %s, and you come back signed in" % DEMO_USER)
    print("  to a page showing what the module gives the application: REMOTE_USER, the")
    print("  attribute variables, the request headers for a proxied app, when the session ends,")
    print("  and links to sign out here or at the IdP.")
    print("  My Apps at the IdP (IdP-initiated sign-in, lands on %s):" % RELAY_STATE)
    print("         %s/myapps" % idp.base_url)
    print("  Plain text: %s/protected/hello?x=1  Logout: %s/saml/logout?ReturnTo=/"
          % (apache.url, apache.url))
    print("  Apache error log: %s" % apache.error_log)
    print("  Ctrl-C stops the demo.")
    print(flush=True)
    stop = {"now": False}

    def on_signal(signum, frame):
        stop["now"] = True
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    while not stop["now"]:
        signal.pause()
    print("stopping...")
    apache.stop()
    idp.stop()


if __name__ == "__main__":
    main()
