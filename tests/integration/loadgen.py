"""A small load generator for the reload and load tests.

Threads on keep-alive http.client connections to 127.0.0.1 send

- protected GETs, each carrying one of a set of session cookies made before
  the run (expected: 200), and
- sign-ins to the ACS with freshly signed Azure-shaped responses, taking
  turns between SP-initiated (GET a protected path without a session: 302 to
  the IdP; then POST a response answering that AuthnRequest: 303) and
  unsolicited, IdP-initiated ones (POST with a RelayState: 303); every new
  session cookie is then used once (200).

Every answer is recorded with its start and end time, its kind, status and
any connection error. "Failed" means a connection error (reset, refused,
timeout, closed without an answer), a 5xx, or another status than the one
that kind of request must get.

Keep-alive: a server may close an idle persistent connection at any moment
(Apache does at every graceful restart). A client that then finds its reused
connection closed before any byte of the answer arrived sends the request
again on a new connection: RFC 9112 section 9.3.1 allows it and browsers do
it. The generator does the same, once, and counts those retries apart; a
request that fails on a fresh connection, or twice, is a failure. The tests
also read Apache's error log for crashed children, so a retry cannot hide a
child that died in the middle of a request.

    gen = LoadGen(port, cookies, signer, get_path="/static/index.html")
    gen.start(); ...; gen.stop()
    gen.summary()                     # counts by kind and status, failures
    gen.summary(before=t0, after=t1)  # leave out requests touching [t0, t1)
"""
import base64
import http.client
import itertools
import re
import socket
import threading
import time
import urllib.parse
import zlib

COOKIE = "sequr_saml_session"

# What a connection error looks like to http.client.
CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, socket.timeout, OSError)
# Errors a stale keep-alive connection gives before any answer arrives.
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
         http.client.BadStatusLine)


class Event:
    __slots__ = ("start", "end", "kind", "status", "error", "retried", "detail")

    def __init__(self, start, kind):
        self.start, self.kind = start, kind
        self.end = self.status = self.error = self.detail = None
        self.retried = False

    def __repr__(self):
        return "<%s %s %s %.3f-%.3f%s%s>" % (
            self.kind, self.status, self.error or "", self.start, self.end or 0,
            " retried" if self.retried else "", " " + self.detail if self.detail else "")


class Answer:
    def __init__(self, response, body):
        self.status = response.status
        self.headers = response.getheaders()
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def cookie(self, name=COOKIE):
        for k, v in self.headers:
            if k.lower() == "set-cookie" and v.startswith(name + "="):
                return v.split(";", 1)[0]
        return None

    def request_cookies(self):
        """The sign-in request cookies set here ("name=value"), as a browser
        would send them to PATH/acs."""
        return "; ".join(v.split(";", 1)[0] for k, v in self.headers
                         if k.lower() == "set-cookie" and "-req-" in v.split("=", 1)[0]
                         and "Max-Age=0" not in v)


class Client:
    """One keep-alive connection, re-opened when the server closes it."""

    def __init__(self, port, host="127.0.0.1", timeout=15):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None
        self.used = 0          # answers received on the current connection

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn, self.used = None, 0

    def exchange(self, method, path, body=None, headers=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.used = 0
        try:
            self.conn.request(method, path, body, headers or {})
            r = self.conn.getresponse()
            data = r.read()
        except BaseException:
            self.close()
            raise
        self.used += 1
        if r.will_close:
            self.close()
        return Answer(r, data)

    def send(self, method, path, body=None, headers=None):
        """(answer, retried): the exchange, retried once on a new connection when
        a reused one turned out closed before the answer began."""
        reused = self.conn is not None and self.used > 0
        try:
            return self.exchange(method, path, body, headers), False
        except STALE:
            if not reused:
                raise
        return self.exchange(method, path, body, headers), True


def authn_request_id(location):
    """The ID of the AuthnRequest in a redirect to the IdP, and its RelayState."""
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    xml = zlib.decompress(base64.b64decode(q["SAMLRequest"][0]), -15)
    return re.search(rb'\bID="([^"]+)"', xml).group(1).decode(), q.get("RelayState", [None])[0]


class LoadGen:
    """get_workers threads of protected GETs, acs_workers threads of sign-ins.

    signer(user, in_response_to) -> base64 SAMLResponse; replace it while the
    load runs with set_signer (e.g. a new key once the reload is done); a
    signer that raises StopIteration ends that worker (a pre-signed batch).
    modes: the kinds of sign-in taken in turn, "sp" (SP-initiated) and "idp"
    (unsolicited). reconnect_per_sign_in: a new connection for each sign-in,
    as a browser coming back from the IdP often has; it spreads the sign-ins
    over every Apache child instead of the one holding a kept-alive connection.
    users: the names sign-ins are made for, taken in turn."""

    def __init__(self, port, cookies, signer, users, get_path="/static/index.html",
                 login_path="/static/login", relay_path="/static/index.html",
                 get_workers=4, acs_workers=1, expect_get=200, timeout=15,
                 modes=("sp", "idp"), reconnect_per_sign_in=False):
        if not cookies:
            raise ValueError("need at least one session cookie")
        self.port, self.cookies = port, list(cookies)
        self.signer, self.users = signer, list(users)
        self.get_path, self.login_path, self.relay_path = get_path, login_path, relay_path
        self.get_workers, self.acs_workers = get_workers, acs_workers
        self.expect_get, self.timeout = expect_get, timeout
        self.modes, self.reconnect_per_sign_in = modes, reconnect_per_sign_in
        self.events = []
        self.new_cookies = []       # (time, cookie) of every session the load made
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = []
        self.counter = itertools.count()

    def set_signer(self, signer):
        with self.lock:
            self.signer = signer

    def start(self):
        for i in range(self.get_workers):
            self.threads.append(threading.Thread(target=self.get_loop, args=(i,), daemon=True))
        for i in range(self.acs_workers):
            self.threads.append(threading.Thread(target=self.acs_loop, args=(i,), daemon=True))
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=self.timeout + 10)
        alive = [t for t in self.threads if t.is_alive()]
        if alive:
            raise AssertionError("load generator threads did not stop: %r" % alive)
        return self

    # ---------------------------------------------------------------- requests

    def record(self, client, kind, expect, method, path, body=None, headers=None):
        """One request; returns the answer when it had the expected status."""
        ev = Event(time.time(), kind)
        answer = None
        try:
            answer, ev.retried = client.send(method, path, body, headers)
            ev.status = answer.status
        except CONNECTION_ERRORS as e:
            ev.error = "%s: %s" % (type(e).__name__, e)
        ev.end = time.time()
        if answer is not None and answer.status != expect:
            ev.detail = "%s %s -> %d (expected %d) %r" % (method, path, answer.status, expect,
                                                         answer.body[:200])
        with self.lock:
            self.events.append(ev)
        if ev.error:
            time.sleep(0.02)      # refused while Apache is down: do not spin
        return answer if answer is not None and answer.status == expect else None

    def get_loop(self, worker):
        client = Client(self.port, timeout=self.timeout)
        n = worker
        while not self.stopping.is_set():
            cookie = self.cookies[n % len(self.cookies)]
            n += self.get_workers
            self.record(client, "get", self.expect_get, "GET", self.get_path,
                        headers={"Cookie": cookie})
        client.close()

    def acs_loop(self, worker):
        client = Client(self.port, timeout=self.timeout)
        n = worker
        try:
            self.sign_in_until_stopped(client, n)
        except StopIteration:
            pass
        client.close()

    def sign_in_until_stopped(self, client, n):
        while not self.stopping.is_set():
            user = self.users[n % len(self.users)]
            if self.modes[n % len(self.modes)] == "idp":
                self.unsolicited_sign_in(client, user, n)
            else:
                self.sp_initiated_sign_in(client, user, n)
            n += self.acs_workers
            if self.reconnect_per_sign_in:
                client.close()

    def post_acs(self, client, kind, saml_response, relay, cookie=None):
        body = urllib.parse.urlencode({"SAMLResponse": saml_response, "RelayState": relay})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookie:
            headers["Cookie"] = cookie      # the sign-in request cookie, as the browser sends it
        answer = self.record(client, kind, 303, "POST", "/saml/acs", body, headers)
        if answer is None:
            return
        cookie = answer.cookie()
        if cookie is None:
            self.mark_last(kind, "303 without a session cookie")
            return
        with self.lock:
            self.new_cookies.append((time.time(), cookie))
        self.record(client, "new-session", 200, "GET", self.get_path,
                    headers={"Cookie": cookie})

    def mark_last(self, kind, why):
        with self.lock:
            for ev in reversed(self.events):
                if ev.kind == kind:
                    ev.status, ev.detail = -1, why
                    return

    def sign(self, user, in_response_to):
        with self.lock:
            signer = self.signer
        return signer(user, in_response_to)

    def sp_initiated_sign_in(self, client, user, n):
        answer = self.record(client, "login", 302, "GET", "%s/%d" % (self.login_path, n),
                             headers={"Accept": "text/html"})
        if answer is None:
            return
        try:
            rid, relay = authn_request_id(answer.header("Location") or "")
        except (AttributeError, KeyError, ValueError, zlib.error) as e:
            self.mark_last("login", "no AuthnRequest in the redirect: %s" % e)
            return
        self.post_acs(client, "acs-sp", self.sign(user, rid), relay, answer.request_cookies())

    def unsolicited_sign_in(self, client, user, n):
        self.post_acs(client, "acs-idp", self.sign(user, None), self.relay_path)

    # ---------------------------------------------------------------- results

    def selected(self, before=None, after=None, since=None, until=None):
        """Events outside the window [before, after): ended before `before` or
        started at/after `after` (both None: all). since/until: started in range."""
        with self.lock:
            evs = list(self.events)
        out = []
        for ev in evs:
            if before is not None and not (ev.end < before or
                                           (after is not None and ev.start >= after)):
                continue
            if since is not None and ev.start < since:
                continue
            if until is not None and ev.start >= until:
                continue
            out.append(ev)
        return out

    def summary(self, **window):
        evs = self.selected(**window)
        counts, failures, retries = {}, [], 0
        for ev in evs:
            key = "%s %s" % (ev.kind, ev.status if ev.error is None else "error")
            counts[key] = counts.get(key, 0) + 1
            retries += ev.retried
            if ev.error or ev.detail:
                failures.append(ev)
        slowest = max((ev.end - ev.start for ev in evs if ev.end), default=0.0)
        return {"requests": len(evs), "counts": dict(sorted(counts.items())),
                "failures": failures, "failed": len(failures), "keepalive_retries": retries,
                "slowest": slowest}

    def ok_count(self, kind, **window):
        return sum(1 for ev in self.selected(**window)
                   if ev.kind == kind and ev.error is None and ev.detail is None)


def describe(summary, limit=10):
    """A short text of a summary for assertion messages and logs."""
    lines = ["%d requests, %d failed, %d keep-alive retries, slowest %.2f s" %
             (summary["requests"], summary["failed"], summary["keepalive_retries"],
              summary["slowest"])]
    lines += ["  %-24s %d" % kv for kv in summary["counts"].items()]
    lines += ["  failure: %r" % ev for ev in summary["failures"][:limit]]
    return "\n".join(lines)
