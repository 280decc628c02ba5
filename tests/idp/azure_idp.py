#!/usr/bin/python3
"""A local identity provider that speaks like Microsoft Entra ID (Azure AD).

As a library: everything from azure_saml (make_response, make_error_response,
make_metadata, make_keypair, parse_authn_request, ...) plus AzureIdP, a server
object tests can start in a thread.

As a program:
  /usr/bin/python3 tests/idp/azure_idp.py --port N --tenant GUID --key K --cert C \\
      --sp-acs URL --sp-entity-id ID [--sign assertion|response|both] [--users a,b]
It prints "listening on http://HOST:PORT/<tenant>/saml2" once it accepts
connections (use --port 0 to let the kernel pick a free port).

Endpoints, mirroring login.microsoftonline.com:
  GET  /<tenant>/saml2?SAMLRequest=&RelayState=   sign-in page (or an AADSTS error page);
       a LogoutRequest there is answered like Entra: 302 to the app's Logout URL
       with a LogoutResponse (Issuer https://login.microsoftonline.com/<tenant>/)
  GET  /<tenant>/saml2?SAMLResponse=               the app's LogoutResponse: a signed-out page
  POST /<tenant>/login  username, SAMLRequest, RelayState[, mfa=1]  -> auto-posting form to
       the ACS (mfa=1: the user also passed a second factor: authnmethodsreferences
       says multipleauthn)
  Sign-in demands (AzureIdP(sso_sessions=True) or --sso-sessions): a sign-in leaves an
       IdP session (cookie on the IdP's site); a later request is answered from it
       with its old AuthnInstant, as Entra reuses its session, unless it says
       ForceAuthn="true" (the sign-in page again, then a fresh AuthnInstant).
       IsPassive="true" is answered without any page: from the session, or with
       Responder/NoPassive when there is none (always so without sso_sessions).
       RequestedAuthnContext (Comparison exact only) that names no class the
       sign-in can give is refused with AADSTS75011 (a password class after MFA too).
  GET  /<tenant>/initiate?user=X&relay=/path       IdP-initiated (My Apps tile) auto-post form
  GET  /<tenant>/myapps[?user=X]                   My Apps: a tile per app (-> initiate)
  GET  /<tenant>/signout?user=X                    signing out at the IdP: 302 to the app's
       Logout URL with a query-signed LogoutRequest for the user
  GET  /<tenant>/federationmetadata/2007-06/federationmetadata.xml   metadata, with a UTF-8 BOM
"""
import argparse
import datetime
import html
import secrets
import http.server
import os
import re
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from azure_saml import *            # noqa: F401,F403  (library re-export)
from azure_saml import (AuthnRequestError, DEFAULT_TENANT, decode_redirect,  # noqa: F401
                        make_error_response, make_metadata, make_response,
                        object_id, parse_authn_request)
from azure_saml import (AC_PASSWORD, SIGALG_URIS, make_no_passive_response,  # noqa: E402
                        utcnow, verify_redirect_query)
from azure_saml import (STATUS_SUCCESS, build_logout_response,  # noqa: E402
                        make_logout_request, parse_logout_message, redirect_url, serialize)

# The look of an Entra sign-in page (a centred card on a soft background, the
# tenant's company branding on top, a thin underlined field and a right-aligned
# button) with a fictitious tenant's branding: no Microsoft logo, name or brand
# colours. Only the look: tests rely on the title, the "Sign in" heading, the
# "User name" label, the ids username and signin and the form's action.
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%(title)s</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
*{box-sizing:border-box}
body{font-family:"Segoe UI","Helvetica Neue",Helvetica,Arial,sans-serif;margin:0;min-height:100vh;
 color:#1b1b1b;background:#e9eef0 linear-gradient(135deg,#dfe9e6 0%%,#eef0f4 55%%,#e6e3ee 100%%)}
.card{background:#fff;width:440px;max-width:calc(100vw - 24px);margin:0 auto;position:relative;
 top:12vh;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.card.wide{width:720px}
.brand{display:flex;align-items:center;gap:8px;font-size:20px;font-weight:600;color:#2b4a42;
 margin-bottom:16px;letter-spacing:.2px}
.brand .mark{width:28px;height:28px;border-radius:50%%;background:#2f7d69;color:#fff;
 font-size:16px;display:flex;align-items:center;justify-content:center}
h1{font-size:24px;font-weight:600;line-height:28px;margin:0 0 12px}
label{position:absolute;left:-9999px}
input[type=text]{width:100%%;border:0;border-bottom:1px solid #666;padding:6px 0;font-size:15px;
 outline:none;margin:16px 0 0;background:transparent}
input[type=text]:focus{border-bottom-color:#2f7d69}
.row{display:flex;justify-content:flex-end;margin-top:28px}
button,.btn{background:#2f7d69;color:#fff;border:0;min-width:108px;padding:6px 12px;font-size:15px;
 cursor:pointer;text-decoration:none;text-align:center}
button:hover,.btn:hover{background:#246352}
a{color:#2f7d69}
.sub{font-size:13px;color:#2f7d69;margin-top:16px}
.note{font-size:12px;color:#666;margin-top:28px;border-top:1px solid #e5e5e5;padding-top:12px}
.err{color:#a4262c}
.tiles{display:flex;flex-wrap:wrap;gap:16px;margin-top:20px}
.tile{display:flex;flex-direction:column;align-items:center;justify-content:center;gap:10px;
 width:150px;height:140px;border:1px solid #e1e1e1;border-radius:4px;color:#1b1b1b;
 text-decoration:none;font-size:14px;text-align:center;padding:8px;background:#fff}
.tile:hover{box-shadow:0 4px 10px rgba(0,0,0,.15);border-color:#2f7d69}
.tile .icon{width:48px;height:48px;border-radius:8px;background:#3b6ea8;color:#fff;font-size:20px;
 font-weight:600;display:flex;align-items:center;justify-content:center}
.tile small{color:#666;font-size:11px;word-break:break-all}
.who{font-size:14px;color:#444}
</style></head><body><div class="card%(wide)s">
<div class="brand"><span class="mark">C</span>Contoso</div>
%(body)s
<p class="note">Local test identity provider of mod_sequr_saml (shaped like Entra ID sign-in;
not Microsoft), tenant %(tenant)s.</p></div></body></html>
"""

AUTOPOST = """<html><head><title>Working...</title></head><body>
<form method="POST" name="hiddenform" action="%(acs)s">
<input type="hidden" name="SAMLResponse" value="%(response)s" />
%(relay)s<noscript><p>Script is disabled. Click Submit to continue.</p>
<input type="submit" value="Submit" /></noscript>
</form><script language="javascript">window.setTimeout(
'document.forms[0].submit()', 0);</script></body></html>
"""


def autopost_form(acs, saml_response, relay_state=None):
    relay = ('<input type="hidden" name="RelayState" value="%s" />\n'
             % html.escape(relay_state, quote=True)) if relay_state is not None else ""
    return AUTOPOST % {"acs": html.escape(acs, quote=True), "response": saml_response,
                       "relay": relay}


class AzureIdP:
    """The IdP's state: one tenant, one enterprise app (the SP), its signing options."""

    encrypt_for = None     # "Token encryption": the SP certificate (PEM) assertions are for

    def __init__(self, key, cert, sp_acs, sp_entity_id, tenant=DEFAULT_TENANT,
                 host="127.0.0.1", port=0, sign="assertion", sig_alg="rsa-sha256",
                 digest_alg="sha256", users=None, extra_certs=(), name_id_source="upn",
                 relay_state=None, public_host=None, error=None, sp_logout_url=None,
                 sign_logout=False, app_name=None, verification_certs=(), sso_sessions=False,
                 sso_session_backdate=0):
        self.key, self.cert = key, cert
        self.sp_acs, self.sp_entity_id = sp_acs, sp_entity_id
        self.tenant, self.sign = tenant, sign
        self.sig_alg, self.digest_alg = sig_alg, digest_alg
        self.users = set(u.lower() for u in users) if users else None
        self.metadata_certs = [cert] + list(extra_certs)
        self.name_id_source = name_id_source
        self.relay_state = relay_state      # the app's configured "Relay State"
        self.app_name = app_name or sp_entity_id    # the app's display name (My Apps tile)
        self.error = error                  # AADSTS code: answer every sign-in with an error
        # The app's "Logout URL": by default the SP's PATH/logout beside its ACS.
        self.sp_logout_url = sp_logout_url or (sp_acs.rsplit("/", 1)[0] + "/logout")
        self.sign_logout = sign_logout      # query-sign our LogoutResponses
        # "Require verification certificates": the SP's certificates (PEM paths)
        # in the order uploaded; empty: request signatures are ignored, as Entra does.
        self.verification_certs = list(verification_certs)
        self.verified_requests = set()      # request IDs whose GET carried a good signature
        # IdP sessions (token -> (user, AuthnInstant, mfa)), reused like Entra's.
        self.sso_sessions = sso_sessions
        # Seconds a reused IdP session's AuthnInstant lies before the sign-in
        # that made it, as if that long had passed (tests cannot wait).
        self.sso_session_backdate = sso_session_backdate
        self.sessions = {}
        self.requests_seen = []             # parsed AuthnRequests, newest last
        self.httpd = http.server.ThreadingHTTPServer((host, port), _Handler)
        self.httpd.idp = self
        self.httpd.daemon_threads = True
        self.host, self.port = host, self.httpd.server_address[1]
        self.public_host = public_host or host   # the name the SP and browser use for us
        self.thread = None

    @property
    def base_url(self):
        return "http://%s:%d/%s" % (self.public_host, self.port, self.tenant)

    @property
    def sso_url(self):
        return self.base_url + "/saml2"

    @property
    def metadata_url(self):
        return self.base_url + "/federationmetadata/2007-06/federationmetadata.xml"

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # ------------------------------------------------------------------ protocol

    def check_request(self, req):
        """Entra's app-level rules on a parsed AuthnRequest."""
        if req["issuer"] != self.sp_entity_id:
            raise AuthnRequestError(
                "AADSTS700016", "Application with identifier '%s' was not found in the "
                "directory '%s'." % (req["issuer"], self.tenant))
        if req["acs_url"] and req["acs_url"] != self.sp_acs:
            raise AuthnRequestError(
                "AADSTS50011", "The redirect URI '%s' specified in the request does not "
                "match the redirect URIs configured for the application." % req["acs_url"])

    def check_request_signature(self, raw_query):
        """Entra's "Require verification certificates": the HTTP-Redirect query
        must be signed with RSA-SHA256 (the admin did not allow weak algorithms)
        by the key of one of the two most recently added verification
        certificates (the request names no key)."""
        if not self.verification_certs:
            return
        raw = dict(p.split("=", 1) for p in raw_query.split("&") if "=" in p)
        if "Signature" not in raw or "SigAlg" not in raw:
            raise AuthnRequestError("AADSTS76021", "The request sent by client is not signed "
                                    "while the application requires signed requests.")
        # Entra's code for the two refusals below is not in our reference: named, not numbered.
        if urllib.parse.unquote(raw["SigAlg"]) != SIGALG_URIS["rsa-sha256"]:
            raise AuthnRequestError("REQUEST-SIGNATURE", "the signature algorithm %s is not "
                                    "allowed (RSA-SHA256 only)" % urllib.parse.unquote(raw["SigAlg"]))
        if not any(verify_redirect_query(raw_query, c) for c in self.verification_certs[-2:]):
            raise AuthnRequestError("REQUEST-SIGNATURE", "the request signature does not "
                                    "verify with the application's verification certificates")

    def check_class_refs(self, req, mfa):
        """Entra's AADSTS75011: the requested class must be the way the user
        signs in (a password here); after MFA a password class no longer is."""
        refs = req.get("class_refs") or []
        if refs and (AC_PASSWORD not in refs or mfa):
            raise AuthnRequestError(
                "AADSTS75011", "Authentication method '%s' by which the user authenticated "
                "with the service doesn't match requested authentication method '%s'."
                % ("Password, MultiFactor" if mfa else "Password", ", ".join(refs)))
        return refs[0] if refs else AC_PASSWORD

    def response_for(self, user, in_response_to=None, acs=None, audience=None,
                     authn_instant=None, mfa=False, class_ref=AC_PASSWORD):
        user = user.strip()
        if self.users is not None and user.lower() not in self.users:
            raise AuthnRequestError("AADSTS50034", "The user account %s does not exist in "
                                    "the %s directory." % (user, self.tenant))
        if self.error:
            return make_error_response(acs or self.sp_acs, in_response_to, tenant=self.tenant,
                                       code=self.error)
        name_id = object_id(self.tenant, user) if self.name_id_source == "objectid" else user
        if self.encrypt_for:
            from azure_encrypt import make_encrypted_response
            return make_encrypted_response(
                user, acs or self.sp_acs, audience or self.sp_entity_id, in_response_to,
                key=self.key, cert=self.cert, sign=self.sign, sig_alg=self.sig_alg,
                digest_alg=self.digest_alg, tenant=self.tenant, name_id=name_id,
                encrypt_for=self.encrypt_for)
        return make_response(user, acs or self.sp_acs, audience or self.sp_entity_id,
                             in_response_to, key=self.key, cert=self.cert, sign=self.sign,
                             sig_alg=self.sig_alg, digest_alg=self.digest_alg,
                             tenant=self.tenant, name_id=name_id, authn_instant=authn_instant,
                             mfa=mfa, authn_context_class_ref=class_ref)

    def logout_response_url(self, req, relay_state=None):
        """Where Entra sends the browser after a LogoutRequest from the app: the
        app's Logout URL with a LogoutResponse (Redirect binding)."""
        if req["issuer"] != self.sp_entity_id:
            raise AuthnRequestError(
                "AADSTS700016", "Application with identifier '%s' was not found in the "
                "directory '%s'." % (req["issuer"], self.tenant))
        if not req["id"] or req["id"][0].isdigit():
            raise AuthnRequestError("AADSTS7500529",
                                    "the ID attribute must not begin with a digit")
        if req["version"] != "2.0" or not req["name_id"]:
            raise AuthnRequestError("AADSTS750056", "LogoutRequest needs Version 2.0 and NameID")
        resp = build_logout_response(req["id"], self.sp_logout_url, self.tenant, STATUS_SUCCESS)
        return redirect_url(self.sp_logout_url, "SAMLResponse", serialize(resp), relay_state,
                            self.key if self.sign_logout else None)

    def logout_request_url(self, user):
        """Signing out at the IdP (My Apps' "Sign out"): Entra sends the app's
        Logout URL a LogoutRequest for the user (Redirect binding, query-signed
        with the IdP key: it names no SessionIndex)."""
        name_id = object_id(self.tenant, user) if self.name_id_source == "objectid" else user
        return make_logout_request(name_id, self.sp_logout_url, self.tenant, key=self.key)

    def metadata(self):
        return make_metadata(self.tenant, self.sso_url, self.metadata_certs,
                             key=self.key, cert=self.cert)


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def log_message(self, fmt, *args):
        if os.environ.get("AZURE_IDP_LOG"):
            sys.stderr.write("azure_idp: " + fmt % args + "\n")

    @property
    def idp(self):
        return self.server.idp

    def send(self, code, body, ctype="text/html; charset=utf-8", headers=()):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store, no-cache")
        for h, v in headers:
            self.send_header(h, v)
        self.end_headers()
        self.wfile.write(data)

    def page(self, code, title, body, wide=False):
        self.send(code, PAGE % {"title": title, "body": body, "tenant": self.idp.tenant,
                                "wide": " wide" if wide else ""})

    def error_page(self, e):
        self.page(400, "Sign in to your account",
                  '<h1>Sorry, but we\'re having trouble signing you in.</h1>'
                  '<p class="err">%s</p>' % html.escape(str(e)))

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.strip("/").split("/", 1)
        if len(parts) != 2 or parts[0] != self.idp.tenant:
            return None, None, url
        return parts[1].lower(), urllib.parse.parse_qs(url.query), url

    def do_GET(self):
        where, q, url = self.route()
        one = lambda k: (q.get(k) or [None])[0]   # noqa: E731
        if where == "saml2" and one("SAMLResponse") and not one("SAMLRequest"):
            self.page(200, "Signed out", "<h1>You signed out of your account</h1>")
        elif where == "saml2" and self.is_logout_request(one("SAMLRequest")):
            self.logout(one("SAMLRequest"), one("RelayState"))
        elif where == "saml2":
            self.sign_in_page(one("SAMLRequest"), one("RelayState"), url.query)
        elif where == "initiate":
            self.idp_initiated(one("user"), one("relay"))
        elif where == "myapps":
            self.my_apps(one("user"))
        elif where == "signout":
            self.sign_out(one("user"))
        elif where == "federationmetadata/2007-06/federationmetadata.xml":
            self.send(200, self.idp.metadata(), "application/xml")
        else:
            self.page(404, "Not found", "<h1>Not found</h1>")

    def do_POST(self):
        where, _, _ = self.route()
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode("utf-8"))
        one = lambda k: (form.get(k) or [None])[0]   # noqa: E731
        if where == "login":
            self.login(one("username"), one("SAMLRequest"), one("RelayState"),
                       one("mfa") == "1")
        else:
            self.page(404, "Not found", "<h1>Not found</h1>")

    def parsed_request(self, saml_request):
        if not saml_request:
            raise AuthnRequestError("AADSTS750054", "SAMLRequest or SAMLResponse must be "
                                    "present as query string parameters in HTTP request "
                                    "for SAML Redirect binding.")
        try:
            xml = decode_redirect(saml_request)
        except Exception as e:
            raise AuthnRequestError("AADSTS750056", "SAML message was not properly "
                                    "formatted or encoded: %s" % e)
        req = parse_authn_request(xml)
        self.idp.check_request(req)
        return req

    @staticmethod
    def is_logout_request(saml_request):
        try:
            m = re.search(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)", decode_redirect(saml_request))
            return m is not None and m.group(1) == b"LogoutRequest"
        except Exception:
            return False

    def logout(self, saml_request, relay_state):
        try:
            req = parse_logout_message(decode_redirect(saml_request))
            url = self.idp.logout_response_url(req, relay_state)
        except AuthnRequestError as e:
            return self.error_page(e)
        except Exception as e:
            return self.error_page(AuthnRequestError("AADSTS750056", "SAML message was not "
                                                     "properly formatted: %s" % e))
        self.send(302, "", headers=[("Location", url)])

    def idp_session(self):
        """The IdP session this browser holds: (user, AuthnInstant, mfa) or None."""
        if not self.idp.sso_sessions:
            return None
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "idp_session" and value in self.idp.sessions:
                return self.idp.sessions[value]
        return None

    def answer_from_session(self, req, relay_state, session):
        user, instant, mfa = session
        acs = req["acs_url"] or self.idp.sp_acs
        resp = self.idp.response_for(user, req["id"], acs, req["issuer"], authn_instant=instant,
                                     mfa=mfa, class_ref=self.idp.check_class_refs(req, mfa))
        self.send(200, autopost_form(acs, resp, relay_state))

    def sign_in_page(self, saml_request, relay_state, raw_query=""):
        try:
            req = self.parsed_request(saml_request)
            self.idp.check_request_signature(raw_query)
            self.idp.requests_seen.append(req)
            session = self.idp_session()
            if req["is_passive"] and (session is None or req["force_authn"]):
                # Nobody to sign in without a page: Entra answers NoPassive.
                acs = req["acs_url"] or self.idp.sp_acs
                return self.send(200, autopost_form(acs, make_no_passive_response(
                    acs, req["id"], tenant=self.idp.tenant), relay_state))
            if session is not None and not req["force_authn"]:
                return self.answer_from_session(req, relay_state, session)
        except AuthnRequestError as e:
            return self.error_page(e)
        if self.idp.verification_certs:
            self.idp.verified_requests.add(req["id"])
        hidden = '<input type="hidden" name="SAMLRequest" value="%s">' % html.escape(
            saml_request, quote=True)
        if relay_state is not None:
            hidden += '<input type="hidden" name="RelayState" value="%s">' % html.escape(
                relay_state, quote=True)
        self.page(200, "Sign in to your account",
                  '<h1>Sign in</h1><form method="post" action="/%s/login">'
                  '<label for="username">User name</label>'
                  '<input type="text" id="username" name="username" '
                  'placeholder="someone@contoso.example" autofocus>%s'
                  '<p class="sub">No account? Any name signs in here: this is a test '
                  'identity provider.</p>'
                  '<p class="sub"><input type="checkbox" id="mfa" name="mfa" value="1"> '
                  'Also approve with a second factor (MFA)</p>'
                  '<div class="row"><button type="submit" id="signin">Sign in</button></div>'
                  '</form>' % (self.idp.tenant, hidden))

    def login(self, username, saml_request, relay_state, mfa=False):
        headers = []
        try:
            req = self.parsed_request(saml_request)
            if self.idp.verification_certs and req["id"] not in self.idp.verified_requests:
                raise AuthnRequestError("AADSTS76021", "The request sent by client is not "
                                        "signed while the application requires signed requests.")
            if not username:
                raise AuthnRequestError("AADSTS900144", "The request body must contain "
                                        "the following parameter: 'username'.")
            acs = req["acs_url"] or self.idp.sp_acs
            instant = utcnow() - datetime.timedelta(seconds=1)   # now: a fresh sign-in
            resp = self.idp.response_for(username, req["id"], acs, req["issuer"],
                                         authn_instant=instant, mfa=mfa,
                                         class_ref=self.idp.check_class_refs(req, mfa))
        except AuthnRequestError as e:
            return self.error_page(e)
        if self.idp.sso_sessions:
            token = secrets.token_urlsafe(16)
            self.idp.sessions[token] = (
                username.strip(),
                instant - datetime.timedelta(seconds=self.idp.sso_session_backdate), mfa)
            headers.append(("Set-Cookie", "idp_session=%s; Path=/%s; HttpOnly"
                            % (token, self.idp.tenant)))
        self.send(200, autopost_form(acs, resp, relay_state), headers=headers)

    def idp_initiated(self, user, relay):
        if not user:
            return self.error_page(AuthnRequestError("AADSTS900144", "user is required"))
        try:
            resp = self.idp.response_for(user)
        except AuthnRequestError as e:
            return self.error_page(e)
        self.send(200, autopost_form(self.idp.sp_acs, resp,
                                     relay if relay is not None else self.idp.relay_state))


    # ------------------------------------------------------------------ My Apps

    def my_apps(self, user):
        """Entra's My Apps (myapps.microsoft.com) in small: a tile per enterprise
        app; the tile starts an IdP-initiated sign-in with the app's Relay State.
        There is no IdP session here: without ?user= it asks who you are."""
        t = self.idp.tenant
        if not user:
            return self.page(200, "My Apps",
                             '<h1>My Apps</h1><form method="get" action="/%s/myapps">'
                             '<label for="myapps-user">User name</label>'
                             '<input type="text" id="myapps-user" name="user" '
                             'placeholder="someone@contoso.example" autofocus>'
                             '<div class="row"><button type="submit" id="myapps-next">Next'
                             '</button></div></form>' % t)
        idp = self.idp
        relay = idp.relay_state if idp.relay_state is not None else "(the app's landing page)"
        initials = "".join(w[0] for w in re.findall(r"[A-Za-z0-9]+", idp.app_name)[:2]).upper()
        self.page(200, "My Apps",
                  '<h1>Apps</h1><p class="who">Signed in as <b id="myapps-who">%s</b> &middot; '
                  '<a id="myapps-signout" href="/%s/signout?%s">Sign out</a></p>'
                  '<div class="tiles"><a class="tile" id="app-tile" href="/%s/initiate?%s">'
                  '<span class="icon">%s</span><span>%s</span><small>%s</small></a></div>'
                  % (html.escape(user), t, urllib.parse.urlencode({"user": user}), t,
                     html.escape(urllib.parse.urlencode({"user": user})),
                     html.escape(initials or "A"), html.escape(idp.app_name),
                     html.escape(relay)), wide=True)

    def sign_out(self, user):
        if not user:
            return self.error_page(AuthnRequestError("AADSTS900144", "user is required"))
        self.send(302, "", headers=[("Location", self.idp.logout_request_url(user))])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--public-host", help="host name in the URLs we publish (default: --host)")
    ap.add_argument("--tenant", default=DEFAULT_TENANT)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--extra-cert", action="append", default=[],
                    help="another signing cert to list in metadata (rollover)")
    ap.add_argument("--sp-acs", required=True)
    ap.add_argument("--sp-entity-id", required=True)
    ap.add_argument("--sign", choices=["assertion", "response", "both"], default="assertion")
    ap.add_argument("--sig-alg", choices=["rsa-sha256", "rsa-sha1"], default="rsa-sha256")
    ap.add_argument("--users", help="comma-separated user names that exist (default: any)")
    ap.add_argument("--name-id", choices=["upn", "objectid"], default="upn")
    ap.add_argument("--relay-state", help="the app's configured Relay State")
    ap.add_argument("--app-name", help="the app's display name on its My Apps tile")
    ap.add_argument("--sp-logout", help="the app's Logout URL (default: beside --sp-acs)")
    ap.add_argument("--sign-logout", action="store_true",
                    help="query-sign LogoutResponses with the IdP key")
    ap.add_argument("--error", metavar="AADSTS_CODE",
                    help="answer every sign-in with Azure's error response (Requester)")
    ap.add_argument("--sso-sessions", action="store_true",
                    help="keep an IdP session per browser and reuse it unless ForceAuthn")
    ap.add_argument("--sso-session-backdate", type=int, default=0, metavar="SECONDS",
                    help="a reused IdP session says it signed in SECONDS earlier")
    ap.add_argument("--encrypt-for", metavar="SP_CERT",
                    help="token encryption: encrypt assertions for this SP certificate (PEM)")
    ap.add_argument("--require-signed-requests", metavar="SP_CERT", action="append",
                    default=[], help="Require verification certificates: refuse AuthnRequests "
                    "not query-signed (RSA-SHA256) by one of these SP certificates (PEM; "
                    "repeat, in the order uploaded: the last two count, as in Entra)")
    a = ap.parse_args(argv)
    if a.host not in ("127.0.0.1", "localhost", "::1"):
        ap.error("this test IdP listens on loopback only")
    idp = AzureIdP(a.key, a.cert, a.sp_acs, a.sp_entity_id, tenant=a.tenant, host=a.host,
                   port=a.port, sign=a.sign, sig_alg=a.sig_alg,
                   digest_alg="sha1" if a.sig_alg == "rsa-sha1" else "sha256",
                   users=a.users.split(",") if a.users else None, extra_certs=a.extra_cert,
                   name_id_source=a.name_id, relay_state=a.relay_state,
                   public_host=a.public_host, error=a.error, sp_logout_url=a.sp_logout,
                   sign_logout=a.sign_logout, app_name=a.app_name,
                   verification_certs=a.require_signed_requests,
                   sso_sessions=a.sso_sessions,
                   sso_session_backdate=a.sso_session_backdate)
    idp.encrypt_for = a.encrypt_for
    print("listening on http://%s:%d/%s/saml2" % (idp.host, idp.port, idp.tenant), flush=True)
    try:
        idp.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        idp.httpd.server_close()


if __name__ == "__main__":
    main()
