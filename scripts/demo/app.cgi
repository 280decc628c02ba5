#!/usr/bin/python3
"""The demo's protected page (a CGI under <Location /app>, AuthType sequr-saml):
what mod_sequr_saml gives an application, read from the request as any
application would read it.

- who signed in: REMOTE_USER (and the display name the IdP sent);
- the environment: every variable under the attribute prefix (SEQUR_SAML_), as
  CGI, SSI, mod_rewrite and mod_headers see them;
- the request headers a proxied application receives with
  SequrSAMLRequestHeaders On (CGI sees a request header Sequr-SAML-X as
  HTTP_SEQUR_SAML_X; mod_proxy would forward the header itself);
- when the session ends (SEQUR_SAML_SESSION_EXPIRES);
- links to sign out here (PATH/logout) and at the IdP.

SEQUR_DEMO_* are set by scripts/demo.py (SetEnv): where the IdP is and the
configured idle timeout. Standard library only: the demo needs nothing else.
"""
import datetime
import html
import os
import urllib.parse

PREFIX = "SEQUR_SAML_"
HEADER_VAR_PREFIX = "HTTP_SEQUR_SAML_"


def esc(v):
    return html.escape(v or "", quote=True)


def header_name(var):
    """HTTP_SEQUR_SAML_GROUPS_LINK -> Sequr-SAML-Groups-Link (the module's spelling)."""
    rest = var[len(HEADER_VAR_PREFIX):]
    return "Sequr-SAML-" + "-".join(w.capitalize() for w in rest.split("_"))


def rows(pairs, first_col_class=""):
    return "\n".join('<tr><th%s>%s</th><td>%s</td></tr>' % (first_col_class, esc(k), esc(v))
                     for k, v in pairs)


def session_end(env, now):
    """(the end as shown, how long from now) for SEQUR_SAML_SESSION_EXPIRES."""
    text = env.get("SEQUR_SAML_SESSION_EXPIRES")
    if not text:
        return "not exported by this module version", ""
    end = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    left = int((end - now).total_seconds())
    if left <= 0:
        return text, "now"
    h, m = divmod(left // 60, 60)
    return text, "in %d h %02d min" % (h, m)


def page(env):
    now = datetime.datetime.now(datetime.timezone.utc)
    user = env.get("REMOTE_USER", "")
    shown_name = env.get(PREFIX + "DISPLAYNAME") or user
    ends, left = session_end(env, now)
    idle = env.get("SEQUR_DEMO_IDLE_TIMEOUT", "")
    idle_text = ("; it ends sooner after %s minutes without a request "
                 "(SequrSAMLSessionIdleTimeout)" % (int(idle) // 60)) if idle.isdigit() \
        and int(idle) > 0 else ""
    env_vars = [("REMOTE_USER", user), ("AUTH_TYPE", env.get("AUTH_TYPE", ""))] + sorted(
        (k, v) for k, v in env.items() if k.startswith(PREFIX))
    headers = sorted((header_name(k), v) for k, v in env.items()
                     if k.startswith(HEADER_VAR_PREFIX))
    idp = env.get("SEQUR_DEMO_IDP_URL", "")
    name_id = env.get(PREFIX + "NAME_ID", user)
    idp_signout = "%s/signout?%s" % (idp, urllib.parse.urlencode({"user": name_id}))
    my_apps = "%s/myapps?%s" % (idp, urllib.parse.urlencode({"user": name_id}))
    return PAGE % {
        "name": esc(shown_name), "user": esc(user), "ends": esc(ends), "left": esc(left),
        "idle": esc(idle_text), "env_rows": rows(env_vars), "env_n": len(env_vars),
        "header_rows": rows(headers) or '<tr><td colspan="2">none: SequrSAMLRequestHeaders '
                                        'is Off here</td></tr>',
        "header_n": len(headers), "idp_signout": esc(idp_signout), "my_apps": esc(my_apps),
        "path": esc(env.get("REQUEST_URI", "")),
    }


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Contoso demo app: signed in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:"Segoe UI","Helvetica Neue",Helvetica,Arial,sans-serif;margin:0;background:#f5f6f7;
 color:#1b1b1b}
header{background:#3b6ea8;color:#fff;padding:14px 28px;display:flex;align-items:center;gap:16px}
header .app{font-size:18px;font-weight:600;flex:1}
header a{color:#fff}
main{max-width:980px;margin:24px auto;padding:0 16px}
section{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:16px 20px;
 margin-bottom:16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 10px}
.muted{color:#555;font-size:13px}
table{border-collapse:collapse;width:100%%;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-top:1px solid #eee}
th{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:500;white-space:nowrap;width:1%%}
td{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.actions a{display:inline-block;margin:4px 8px 0 0;padding:7px 14px;border-radius:4px;
 text-decoration:none;background:#3b6ea8;color:#fff}
.actions a.secondary{background:#fff;color:#3b6ea8;border:1px solid #3b6ea8}
</style></head><body>
<header><span class="app">Contoso demo app</span>
<span>Signed in as <b id="user">%(user)s</b></span></header>
<main>
<section><h1>Hello, <span id="name">%(name)s</span></h1>
<p class="muted">This page (%(path)s) is a CGI protected by mod_sequr_saml
(<code>AuthType sequr-saml</code>, <code>Require valid-user</code>). Everything below
is what the module handed to it for this request.</p>
<p>Your session ends at <b id="session-expires">%(ends)s</b> <span id="session-left">%(left)s</span>
(<code>SEQUR_SAML_SESSION_EXPIRES</code>, UTC)%(idle)s.</p>
<div class="actions">
<a id="logout-local" href="/saml/logout?ReturnTo=/signed-out.html">Sign out of this site</a>
<a id="logout-idp" class="secondary" href="%(idp_signout)s">Sign out at the identity provider</a>
<a id="my-apps" class="secondary" href="%(my_apps)s">My Apps</a>
</div></section>
<section><h2>Environment (CGI, SSI, mod_rewrite, mod_headers): %(env_n)d variables</h2>
<table id="env">
%(env_rows)s
</table></section>
<section><h2>Request headers for a proxied application (SequrSAMLRequestHeaders On):
%(header_n)d</h2>
<p class="muted">A backend behind <code>ProxyPass</code> receives these headers; this CGI
sees them as <code>HTTP_SEQUR_SAML_*</code>. Headers a client sends under these names are
removed before any access control runs.</p>
<table id="headers">
%(header_rows)s
</table></section>
</main></body></html>
"""


if __name__ == "__main__":
    body = page(dict(os.environ)).encode("utf-8")
    out = os.fdopen(1, "wb")
    out.write(b"Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n\r\n" + body)
    out.flush()
