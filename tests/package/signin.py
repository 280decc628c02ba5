#!/usr/bin/python3
"""One SP-initiated sign-in through a running tests/idp/azure_idp.py, driven with
curl as a browser would (as tests/integration/test_sp_initiated.py does), against
an Apache that serves a protected page at PATH showing the CGI environment.

  signin.py --url http://127.0.0.1:PORT --idp http://localhost:IDPPORT/TENANT \
            --user NAME [--path /protected/page]

Prints one "ok: ..." line per step, or "FAILED: ..." and exits 1; on success
the last line is the protected page's REMOTE_USER=... line."""
import argparse
import os
import re
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from harness import curl, decode_authn_request  # noqa: E402


def fail(msg):
    print("FAILED: " + msg)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True, help="the site, http://127.0.0.1:PORT")
    ap.add_argument("--idp", required=True, help="the IdP's base URL, http://HOST:PORT/TENANT")
    ap.add_argument("--user", required=True)
    ap.add_argument("--path", default="/protected/page")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sequr-signin-") as tmp:
        jar = os.path.join(tmp, "jar")
        r = curl(a.url + a.path, jar=jar)
        if r.status != 302 or not (r.location or "").startswith(a.idp + "/saml2?"):
            fail("GET %s: expected a redirect to %s/saml2, got %r" % (a.path, a.idp, r))
        _, xml = decode_authn_request(r.location)
        if b"AuthnRequest" not in xml:
            fail("the redirect carries no AuthnRequest: %r" % xml[:300])
        print("ok: GET %s -> 302 to the IdP with an AuthnRequest" % a.path)

        page = curl(r.location, jar=jar)
        if page.status != 200 or "User name" not in page.text:
            fail("IdP sign-in page: %r" % page)
        fields = page.form_fields()
        fields["username"] = a.user
        login = curl(a.idp + "/login", data=fields, jar=jar)
        action = login.form_action()
        if login.status != 200 or action != a.url + "/saml/acs":
            fail("IdP login: expected a form posting to %s/saml/acs, got %r" % (a.url, login))
        print("ok: signed in at the IdP as %s; its form posts to %s" % (a.user, action))

        acs = curl(action, data=login.form_fields(), jar=jar)
        back = urllib.parse.urlsplit(acs.location or "")._replace(scheme="", netloc="").geturl()
        if acs.status not in (302, 303) or back != a.path or not acs.set_cookie():
            fail("ACS: expected a redirect to %s with a session cookie, got %r" % (a.path, acs))
        print("ok: POST /saml/acs -> %d to %s with a session cookie" % (acs.status, back))

        final = curl(a.url + a.path, jar=jar)
        env = dict(re.findall(r"^(\w+)=(.*)$", final.text, re.M))
        if final.status != 200 or env.get("REMOTE_USER") != a.user:
            fail("protected page: expected 200 with REMOTE_USER=%s, got %r" % (a.user, final))
        print("ok: GET %s -> 200, AUTH_TYPE=%s" % (a.path, env.get("AUTH_TYPE")))
        print("REMOTE_USER=%s" % env["REMOTE_USER"])


if __name__ == "__main__":
    main()
