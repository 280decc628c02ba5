"""Issue #10 item 8: a cache server's reply of the wrong type is a store
error, never data. A fake Redis answers every command with `+OK` (or an
integer), a fake memcached answers a get with a VALUE line whose flags are
not a number: a protected page requested with a session cookie gets our 503
page and a log line, not a sign-in redirect built on bytes the server never
sent as a value (before: the Redis client took `+OK` to GET as a value it
left unset, and uninitialised bytes reached the session decoder)."""
import re
import socket
import threading
import unittest

from harness import Apache, IdPProcess, COOKIE, curl, module_available, saml_directives, tempdir


class FakeCache:
    """Answers each request line with reply(line) (bytes); requests with a
    data block (set/add) are not sent by these tests."""

    def __init__(self, reply):
        self.reply = reply
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                self.seen.append(data)
                conn.sendall(self.reply(data))

    def stop(self):
        self.sock.close()


def redis_key(request):
    """The key of a RESP command (*2 $n CMD $n KEY)."""
    parts = request.split(b"\r\n")
    return parts[4] if len(parts) > 4 else b""


def memcache(request, answer_to_get):
    """answer_to_get to a get; a well-behaved answer to anything else, so a
    sign-in redirect (which stores a pending request) would go through."""
    if request.startswith(b"get "):
        return answer_to_get
    if request.startswith(b"delete "):
        return b"NOT_FOUND\r\n"
    return b"STORED\r\n"


class WrongTypedReplies(unittest.TestCase):
    CASES = {
        "redis +OK to GET": ("redis", lambda req: b"+OK\r\n"),
        "redis integer to GET": ("redis", lambda req: b":1\r\n"),
        "redis array to GET": ("redis", lambda req: b"*1\r\n$3\r\nabc\r\n"),
        "memcached VALUE with bad flags": (
            "memcache", lambda req: memcache(req, b"VALUE " + req.split()[1] +
                                             b" x 3\r\nabc\r\nEND\r\n")),
        "memcached another key's VALUE": (
            "memcache", lambda req: memcache(req, b"VALUE s:other 0 3\r\nabc\r\nEND\r\n")),
    }

    @classmethod
    def setUpClass(cls):
        why = module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.idp = IdPProcess("http://127.0.0.1:9/saml/acs")

    @classmethod
    def tearDownClass(cls):
        cls.idp.stop()

    def test_wrong_typed_reply_is_a_store_error(self):
        for name, (kind, reply) in self.CASES.items():
            with self.subTest(name):
                fake = FakeCache(reply)
                apache = Apache(servers=1)
                try:
                    apache.write_conf(saml_directives(
                        self.idp.sso_url, self.idp.cert, self.idp.issuer,
                        Cache="%s:127.0.0.1:%d" % (kind, fake.port)))
                    apache.start()
                    mark = apache.log_mark()
                    r = curl(apache.url + "/protected/page", cookie="%s=%s" % (COOKIE, "A" * 43))
                    self.assertTrue(fake.seen, "the module asked the fake cache")
                    self.assertEqual(r.status, 503, r)
                    self.assertIsNone(r.location, r)
                    log = apache.log_since(mark, expect=r"Protocol error")
                    self.assertRegex(log, r"sequr_saml.*Protocol error")
                finally:
                    apache.stop()
                    fake.stop()


if __name__ == "__main__":
    unittest.main()
