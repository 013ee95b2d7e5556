"""The gateway's SQLite database: tenants and hashed API keys.

One file under the data dir, in WAL mode; reads on the request path are cached by the callers.
The same file holds the audit trail (``aigc_gateway.audit``), which also answers for usage.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

KEY_PREFIX = "sk-aigc-"
DATABASE_FILE = "gateway.db"
"""The SQLite database in the data dir: tenants and keys, and (by default) the audit trail."""
DEFAULT_TENANT = "default"

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
    name TEXT PRIMARY KEY,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES tenants(name),
    key_hash TEXT NOT NULL UNIQUE,
    admin INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    revoked_at REAL
);
"""


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the gateway's pragmas; creates the schema if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.executescript(SCHEMA)
    return connection


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: str
    tenant: str
    admin: bool


@dataclass(frozen=True, slots=True)
class KeyListing:
    id: str
    tenant: str
    admin: bool
    created_at: float
    revoked: bool


class KeyStore:
    """Tenants and API keys. Only SHA-256 hashes of keys are stored."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._lock = threading.Lock()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def is_empty(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM api_keys LIMIT 1").fetchone() is None

    def create_key(self, tenant: str, *, admin: bool = False) -> tuple[str, str]:
        """Create the tenant if new and a key for it; returns ``(key_id, secret)``."""
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key_id = "key_" + secrets.token_hex(6)
        now = time.time()
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO tenants VALUES (?, ?)", (tenant, now))
            db.execute(
                "INSERT INTO api_keys (id, tenant, key_hash, admin, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (key_id, tenant, hash_key(secret), int(admin), now),
            )
        return key_id, secret

    def lookup(self, secret: str) -> KeyInfo | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, tenant, admin FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
                (hash_key(secret),),
            ).fetchone()
        return KeyInfo(row[0], row[1], bool(row[2])) if row else None

    def list_keys(self, tenant: str | None = None) -> list[KeyListing]:
        query = "SELECT id, tenant, admin, created_at, revoked_at FROM api_keys"
        args: tuple[str, ...] = ()
        if tenant is not None:
            query += " WHERE tenant = ?"
            args = (tenant,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created_at", args).fetchall()
        return [KeyListing(r[0], r[1], bool(r[2]), r[3], r[4] is not None) for r in rows]

    def revoke(self, key_id: str) -> bool:
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), key_id),
            )
        return cursor.rowcount == 1
