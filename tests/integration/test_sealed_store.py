"""Nothing readable or forgeable in the session store (issue #10, item 11).
After a sign-in, the whole content of memcached, of Redis and of the store
file is read as an intruder with access to the cache would: the user name,
the NameID and the attribute values appear nowhere. Then records are written
as such an intruder could: a byte of the real record changed, a well-formed
unsealed record naming another user planted under the session's key, and the
genuine record of one session moved under another session's key; each time
the browser is not signed in any more (sent to the IdP)."""
import base64
import hashlib
import os
import re
import socket
import struct
import time
import unittest

import harness
from harness import SP_ENTITY_ID, USER, Apache, IdPProcess, az, curl, saml_directives
from cacheserver import CacheServer

GROUPS = ["3f2a9c5e-group-finance-7d1b", "8c0e4b2a-group-auditors-19f6"]
DISPLAY = "Alice Quixotica Smith"
# What a dump must not show: the user (also the NameID and e-mail claims),
# their display name, groups, object id.
SECRETS = [USER, "alice.smith", DISPLAY, "Quixotica"] + GROUPS


def store_key(cookie):
    """The store key of a session, as saml/session.c makes it."""
    digest = hashlib.sha256(cookie.encode()).digest()
    return "s:" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def plain_record(user, scope, expires_us):
    """A well-formed unsealed session record (format version 2 of
    saml/session.c): what a cache writer could plant before sealing."""
    def s(v):
        if v is None:
            return struct.pack(">I", 0xFFFFFFFF)
        b = v.encode()
        return struct.pack(">I", len(b)) + b
    now = int(time.time() * 1e6)
    return (b"S\x02" + s(user) + s(None) + s(user) + s(None) + s(None) + s(scope)
            + struct.pack(">qqqq", now, expires_us, now, 0) + struct.pack(">I", 0))


# ----------------------------------------------------------------- cache clients

class CacheClient:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError("cache closed the connection")
        self.buf += chunk

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def block(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data


class Memcached(CacheClient):
    def keys(self):
        # One "key=... exp=..." line per item, ended by a bare LF; END\r\n last.
        self.sock.sendall(b"lru_crawler metadump all\r\n")
        while not (self.buf == b"END\r\n" or self.buf.endswith(b"\nEND\r\n")):
            self._fill()
        text, self.buf = self.buf, b""
        return re.findall(rb"^key=(\S+)", text, re.M)

    def get(self, key):
        self.sock.sendall(b"get " + key + b"\r\n")
        line = self.line()
        if line == b"END":
            return None
        n = int(line.split()[3])
        data = self.block(n)
        assert self.line() == b"END"
        return data

    def set(self, key, value, ttl=3600):
        self.sock.sendall(b"set %s 0 %d %d\r\n" % (key, ttl, len(value)) + value + b"\r\n")
        assert self.line() == b"STORED"

    def dump(self):
        from urllib.parse import unquote_to_bytes
        out = {}
        for k in self.keys():
            k = unquote_to_bytes(k)
            v = self.get(k)
            if v is not None:
                out[k] = v
        return out


class Redis(CacheClient):
    def command(self, *args):
        req = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            req += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(req)
        return self.reply()

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-"):
            return rest
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.block(n)
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise AssertionError("odd reply %r" % line)

    def get(self, key):
        return self.command(b"GET", key)

    def set(self, key, value, ttl=3600):
        assert self.command(b"SET", key, value, b"EX", ttl) == b"OK"

    def dump(self):
        return {k: self.get(k) for k in self.command(b"KEYS", b"*")}


class StoreFile:
    """The store file read and written as an intruder with the file would
    (layout of saml/store_file.c)."""
    SLOT = 128

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            head = f.read(48)
        (self.header_size, self.entries, self.value_max,
         self.stride) = struct.unpack_from("<IQQQ", head, 12)
        self.slots = (self.header_size + 127) // 128 * 128
        self.values = (self.slots + self.entries * self.SLOT + 4095) // 4096 * 4096

    def close(self):
        pass

    def dump(self):
        with open(self.path, "rb") as f:
            return {b"(whole file)": f.read()}

    def _find(self, f, key):
        f.seek(self.slots)
        table = f.read(self.entries * self.SLOT)
        for n in range(self.entries):
            state, klen, vlen = struct.unpack_from("<IIQ", table, n * self.SLOT)
            k = table[n * self.SLOT + 24:n * self.SLOT + 24 + klen]
            if state == 1 and k == key:
                return n, vlen
        raise AssertionError("key %r not in the store file" % key)

    def get(self, key):
        with open(self.path, "rb") as f:
            n, vlen = self._find(f, key)
            f.seek(self.values + n * self.stride)
            return f.read(vlen)

    def set(self, key, value, ttl=3600):
        """Overwrite the value of an existing key (length included)."""
        with open(self.path, "r+b") as f:
            n, _ = self._find(f, key)
            f.seek(self.slots + n * self.SLOT + 8)
            f.write(struct.pack("<Q", len(value)))
            f.seek(self.values + n * self.stride)
            f.write(value)


# ------------------------------------------------------------------------ tests

class SealedStoreBase(unittest.TestCase):
    kind = None     # "memcache", "redis" or "file"

    @classmethod
    def setUpClass(cls):
        why = harness.module_available()
        if why:
            raise unittest.SkipTest(why)
        cls.cache = CacheServer(cls.kind).start() if cls.kind != "file" else None
        cls.ap = Apache(servers=1)
        cls.idp = IdPProcess(cls.ap.acs_url)
        more = {"Cache": cls.cache.spec} if cls.cache else {}
        cls.ap.write_conf(saml_directives(cls.idp.sso_url, cls.idp.cert, cls.idp.issuer,
                                          **more))
        cls.ap.start()

    @classmethod
    def tearDownClass(cls):
        cls.ap.stop()
        cls.idp.stop()
        if cls.cache:
            cls.cache.stop()

    def client(self):
        if self.kind == "memcache":
            c = Memcached(self.cache.port)
        elif self.kind == "redis":
            c = Redis(self.cache.port)
        else:
            m = re.search(r"session store: (/\S+)", self.ap.log())
            self.assertIsNotNone(m, "store file path not logged")
            c = StoreFile(m.group(1))
        self.addCleanup(c.close)
        return c

    def sign_in(self, path="/protected/sealed"):
        """(jar, cookie value) of a fresh session, checked to work."""
        jar = harness.tempfile.mktemp(prefix="jar-", dir=harness.tempdir("sequr-sealed-"))
        r = curl(self.ap.url + path, jar=jar)
        self.assertEqual(r.status, 302, r)
        q, xml = harness.decode_authn_request(r.location)
        rid = re.search(rb'\bID="([^"]+)"', xml).group(1).decode()
        resp = az.make_response(USER, self.ap.acs_url, SP_ENTITY_ID, rid, key=self.idp.key,
                                cert=self.idp.cert, tenant=self.idp.tenant, groups=GROUPS,
                                attributes=az.default_attributes(self.idp.tenant, USER,
                                                                 DISPLAY, GROUPS))
        r = curl(self.ap.acs_url, data={"SAMLResponse": resp,
                                        "RelayState": q.get("RelayState")}, jar=jar)
        self.assertEqual(r.status, 303, r)
        cookie = r.cookie_value()
        self.assertTrue(cookie, r)
        self.assertEqual(self.whoami(jar, path).get("REMOTE_USER"), USER)
        return jar, cookie

    def whoami(self, jar, path="/protected/sealed"):
        r = curl(self.ap.url + path, jar=jar)
        if r.status != 200:
            return {"status": r.status, "location": r.location}
        return dict(re.findall(r"^(\w+)=(.*)$", r.text, re.M))

    def assert_signed_out(self, jar, path="/protected/sealed"):
        got = self.whoami(jar, path)
        self.assertEqual(got.get("status"), 302, got)
        self.assertTrue(got["location"].startswith(self.idp.sso_url), got)

    # --------------------------------------------------------------- the cases

    def test_dump_reveals_no_user_nameid_or_attribute(self):
        jar, cookie = self.sign_in()
        c = self.client()
        dump = c.dump()
        key = store_key(cookie).encode()
        if self.kind != "file":
            self.assertIn(key, dump)        # the dump did see the session
        else:
            self.assertTrue(c.get(key))
        for k, v in dump.items():
            for secret in SECRETS + [cookie]:
                self.assertNotIn(secret.encode(), k, k)
                self.assertNotIn(secret.encode(), v, "%r in the value of %r" % (secret, k))

    def test_changed_byte_is_not_a_session(self):
        # The last byte (in a clear record: the last character of the last
        # group, still well-formed) and one in the middle.
        for where in (-1, None):
            jar, cookie = self.sign_in()
            c = self.client()
            key = store_key(cookie).encode()
            value = bytearray(c.get(key))
            value[len(value) // 2 if where is None else where] ^= 0x01
            c.set(key, bytes(value))
            self.assert_signed_out(jar)

    def test_planted_record_is_not_a_session(self):
        jar, cookie = self.sign_in()
        c = self.client()
        key = store_key(cookie).encode()
        original = c.get(key)
        # The scope as a clear record holds it (before sealing); a sealed one
        # does not tell, then this guess: refused whatever it says.
        scope = "127.0.0.1:%d|sequr_saml_session|%s" % (self.ap.port, SP_ENTITY_ID)
        if original.startswith(b"S"):
            at, strings = 2, []
            for _ in range(6):
                n, = struct.unpack_from(">I", original, at)
                at += 4
                strings.append(None if n == 0xFFFFFFFF else original[at:at + n].decode())
                at += 0 if n == 0xFFFFFFFF else n
            scope = strings[5]
        planted = plain_record("mallory@evil.example", scope,
                               int((time.time() + 3600) * 1e6))
        c.set(key, planted)
        got = self.whoami(jar)
        self.assertNotEqual(got.get("REMOTE_USER"), "mallory@evil.example", got)
        self.assert_signed_out(jar)

    def test_record_moved_to_another_key_is_not_that_session(self):
        _, cookie_a = self.sign_in("/protected/a")
        jar_b, cookie_b = self.sign_in("/protected/b")
        c = self.client()
        c.set(store_key(cookie_b).encode(), c.get(store_key(cookie_a).encode()))
        self.assert_signed_out(jar_b, "/protected/b")


class MemcachedSealed(SealedStoreBase):
    kind = "memcache"


class RedisSealed(SealedStoreBase):
    kind = "redis"


class FileSealed(SealedStoreBase):
    kind = "file"


del SealedStoreBase

if __name__ == "__main__":
    unittest.main()
