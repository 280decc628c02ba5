#!/usr/bin/python3
"""The demo: a real Apache on 127.0.0.1 with mod_sequr_saml protecting /protected,
and the local Azure-AD-shaped IdP (another site: localhost) with a sign-in page.

Prints the URL to open and runs until Ctrl-C (or SIGTERM), then stops both.
`--check` instead signs in once through the whole browser flow and exits 0/1.
"""
import os
import re
import signal
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))

import harness as h  # noqa: E402


def start():
    why = h.module_available()
    if why:
        sys.exit("demo: " + why)
    apache = h.Apache(servers=2)
    idp = h.IdPProcess(apache.acs_url)
    apache.write_conf(h.saml_directives(
        idp.sso_url, idp.cert, idp.issuer,
        UserAttribute="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"))
    apache.start()
    return apache, idp


def browser_sign_in(apache, user):
    """What a browser does: follow the redirect, fill in the sign-in page, let
    the auto-post form reach the ACS, follow the redirect back."""
    jar = os.path.join(h.tempdir("sequr-demo-jar-"), "jar")
    r = h.curl(apache.url + "/protected/hello?from=demo", jar=jar)
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


def main():
    apache, idp = start()
    if "--check" in sys.argv:
        text = browser_sign_in(apache, "britta.simon@contoso.example")
        ok = re.search(r"REMOTE_USER=britta\.simon@contoso\.example", text)
        print(text.strip())
        print("demo check: " + ("signed in" if ok else "FAILED"))
        apache.stop()
        idp.stop()
        sys.exit(0 if ok else 1)

    print()
    print("  mod_sequr_saml demo is running.")
    print("  Open:  %s/protected/hello?x=1" % apache.url)
    print("  You will be sent to the local Azure AD sign-in page (%s);" % idp.base_url)
    print("  type any user name, e.g. britta.simon@contoso.example, and you come back")
    print("  signed in, with REMOTE_USER set. Logout: %s/saml/logout?ReturnTo=/" % apache.url)
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
