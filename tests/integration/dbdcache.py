"""SequrSAMLCache dbd's databases for the farm tests: a real PostgreSQL started
here (test_user_store_pgsql.PostgreSQL: initdb into a temp dir, trust
authentication on 127.0.0.1), or an SQLite file on this machine that both
nodes open; the tables made by `sequr-saml-admin init`, as an administrator
would, and mod_dbd's directives for the nodes."""
import base64
import os
import sqlite3
import subprocess

import harness
from test_user_store_pgsql import ADMIN, LOAD_DBD, PostgreSQL, admin, postgres_missing

DBD_SQLITE = "/usr/lib/x86_64-linux-gnu/apr-util-1/apr_dbd_sqlite3-1.so"
# What README asks of an SQLite cache: readers never wait for a writer, and
# writers of several processes queue instead of failing at once.
SQLITE_INIT = ('DBDInitSQL "PRAGMA journal_mode = WAL"\n'
               'DBDInitSQL "PRAGMA busy_timeout = 5000"\n')


def dbd_missing(kind):
    if kind == "pgsql":
        return postgres_missing()
    for path in (ADMIN, DBD_SQLITE):
        if not os.path.exists(path):
            return "needs %s (libaprutil1-dbd-sqlite3)" % path
    return harness.module_available()


class DbdCache:
    """What test_farm's FarmBase asks of a cache server, for SequrSAMLCache dbd."""
    provider = "dbd"
    extra_modules = LOAD_DBD

    def __init__(self, kind):
        self.kind = kind            # "pgsql" or "sqlite3"
        self.pg = None

    def start(self):
        if self.kind == "pgsql":
            self.pg = PostgreSQL()
            self.params = self.pg.params
            admin(self.params, "init")
            self.extra = 'DBDriver pgsql\nDBDParams "%s"\nDBDPersist On\n' % self.params
        else:
            # Apache's user writes the file, its journal and its WAL beside it.
            d = harness.tempdir("sequr-cache-db-")
            self.params = os.path.join(d, "sequr.db")
            subprocess.run([ADMIN, "--db", self.params, "init"], check=True,
                           capture_output=True, timeout=30)
            harness.give_to_apache_user(d)
            harness.give_to_apache_user(self.params)
            self.extra = ('DBDriver sqlite3\nDBDParams "%s"\nDBDPersist On\n%s'
                          % (self.params, SQLITE_INIT))
        return self

    def directives(self):
        return {"Cache": "dbd"}

    def rows(self):
        """Every row of the cache table: (key, value bytes, expiry in microseconds)."""
        sql = "SELECT k, v, expires FROM sequr_saml_cache ORDER BY k"
        if self.kind == "pgsql":
            r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-h", "127.0.0.1",
                                "-p", str(self.pg.port), "-U", "sequr", "-d", "sequr",
                                "-c", sql], check=True, capture_output=True, text=True,
                               timeout=30)
            rows = [line.split("\t") for line in r.stdout.splitlines() if line]
        else:
            with sqlite3.connect(self.params, timeout=10) as db:
                rows = db.execute(sql).fetchall()
        return [(k, base64.b64decode(v), int(e)) for k, v, e in rows]

    def stop(self):
        if self.pg:
            self.pg.stop()
