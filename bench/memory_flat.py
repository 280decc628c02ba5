#!/usr/bin/python3
"""Is one Apache child's memory flat under mod_sequr_saml's request paths?

Starts a real Apache with a single prefork child (KeepAlive on), signs in,
then sends PROTECTED protected static GETs with the session cookie and ACS
POSTs of freshly signed Azure-shaped responses (each a new sign-in, so a new
session and a new replay-cache entry), interleaved, over one persistent
connection. The child's resident set size is read after a warm-up (a tenth of
the work) and at the end; growth must stay under 5 %.

    /usr/bin/python3 bench/memory_flat.py [--requests 100000] [--posts 10000]

Exit status 0 when flat, 1 otherwise. Prints a small table."""
import argparse
import http.client
import os
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))

import harness as h  # noqa: E402

EXTRA = """
ServerLimit 1
MaxRequestWorkers 1
MaxSpareServers 1
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
Alias /bench "{root}/htdocs"
<Location /bench>
    AuthType sequr-saml
    Require valid-user
</Location>
"""


def children_of(pid):
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    kids.append(int(d))
            except OSError:
                pass
    return kids


def rss_kib(pid, field="RssAnon"):
    """RssAnon is the child's own heap and stacks. The session store is a
    shared file mapping: its pages count in RssShmem/RssFile as sessions fill
    it, which is data kept on purpose, not memory the child leaks."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s for %d" % (field, pid))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--posts", type=int, default=10000)
    args = ap.parse_args()
    why = h.module_available()
    if why:
        sys.exit("memory_flat: " + why)

    apache = h.Apache(servers=1)
    apache.extra = EXTRA.format(root=apache.root)
    idp = h.IdPProcess(apache.acs_url)
    apache.write_conf(h.saml_directives(idp.sso_url, idp.cert, idp.issuer))
    apache.start()
    try:
        return run(apache, idp, args)
    finally:
        apache.stop()
        idp.stop()


def run(apache, idp, args):
    def signed_response(n):
        return h.az.make_response("user%d@contoso.example" % n, apache.acs_url, h.SP_ENTITY_ID,
                                  None, key=idp.key, cert=idp.cert, tenant=idp.tenant)

    conn = http.client.HTTPConnection("127.0.0.1", apache.port, timeout=30)

    def post(n):
        body = urllib.parse.urlencode({"SAMLResponse": signed_response(n),
                                       "RelayState": "/bench/index.html"})
        conn.request("POST", "/saml/acs", body,
                     {"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        r.read()
        if r.status != 303:
            raise AssertionError("ACS answered %d" % r.status)
        return r.getheader("Set-Cookie").split(";")[0]

    cookie = post(0)

    def get():
        conn.request("GET", "/bench/index.html", headers={"Cookie": cookie})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise AssertionError("protected GET answered %d" % r.status)

    kids = children_of(apache.proc.pid)
    if len(kids) != 1:
        raise AssertionError("expected one Apache child, found %r" % kids)
    child = kids[0]
    every = max(1, args.requests // max(1, args.posts))
    warm_gets, warm_posts = args.requests // 10, args.posts // 10
    done_gets = done_posts = 0
    start = time.time()
    marks = []

    def work(gets, posts):
        nonlocal done_gets, done_posts
        for i in range(gets):
            get()
            done_gets += 1
            if i % every == 0 and posts > 0:
                post(done_posts + 1)
                done_posts += 1
                posts -= 1
        for _ in range(posts):
            post(done_posts + 1)
            done_posts += 1

    work(warm_gets, warm_posts)
    marks.append(("after warm-up", done_gets, done_posts, rss_kib(child),
                  rss_kib(child, "RssShmem") + rss_kib(child, "RssFile")))
    rest_gets, rest_posts = args.requests - warm_gets, args.posts - warm_posts
    for part in range(4):
        work(rest_gets // 4, rest_posts // 4)
        marks.append(("after %d/4 of the rest" % (part + 1), done_gets, done_posts,
                      rss_kib(child), rss_kib(child, "RssShmem") + rss_kib(child, "RssFile")))
    if children_of(apache.proc.pid) != [child]:
        raise AssertionError("the child was replaced during the run")
    elapsed = time.time() - start
    base = marks[0][3]
    growth = (marks[-1][3] - base) * 100.0 / base
    print("%-24s %8s %7s %14s %22s" % ("point", "GETs", "POSTs", "RssAnon KiB",
                                         "shared+file KiB (store)"))
    for name, g, p, rss, shared in marks:
        print("%-24s %8d %7d %14d %22d" % (name, g, p, rss, shared))
    print("one child, %d protected GETs and %d ACS sign-ins in %.0f s: private memory "
          "(RssAnon) growth after warm-up %.2f %% (limit 5 %%)"
          % (done_gets, done_posts, elapsed, growth))
    return 0 if growth < 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
