"""The gateway's SQLite database: tenants, hashed API keys and per-request usage records.

One file under the data dir, in WAL mode. Reads on the request path are cached by the callers;
writes of usage records go through :class:`UsageWriter`, a single thread that commits them in
groups, so the event loop never blocks on disk and many requests share one fsync.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import queue
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from pathlib import Path

KEY_PREFIX = "sk-aigc-"
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
CREATE TABLE IF NOT EXISTS usage (
    request_id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    tenant TEXT NOT NULL,
    key_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    backend TEXT,
    stream INTEGER NOT NULL,
    status TEXT NOT NULL,
    finish_reason TEXT,
    error_code TEXT,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    first_token_ms REAL
);
CREATE INDEX IF NOT EXISTS usage_key_time ON usage (key_id, created_at);
CREATE INDEX IF NOT EXISTS usage_tenant_time ON usage (tenant, created_at);
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

    def tokens_since(self, key_id: str, since: float) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM usage "
                "WHERE key_id = ? AND created_at >= ?",
                (key_id, since),
            ).fetchone()
        return int(row[0])


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One request: who, what, which backend, how it ended, tokens and latency."""

    request_id: str
    created_at: float
    tenant: str
    key_id: str
    kind: str
    model: str
    backend: str | None
    stream: bool
    status: str
    finish_reason: str | None
    error_code: str | None
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    first_token_ms: float | None


_USAGE_INSERT = "INSERT OR REPLACE INTO usage VALUES ({})".format(
    ", ".join("?" for _ in fields(UsageRecord))
)


class UsageWriter:
    """Commits usage records from one background thread, a group per transaction.

    :meth:`submit` is safe to call from the event loop; the returned future resolves once the
    record is durable, so a response can wait for its record without blocking the loop.
    """

    MAX_GROUP = 512

    def __init__(self, path: Path) -> None:
        self._connection = connect(path)
        self._pending: queue.SimpleQueue[tuple[UsageRecord, asyncio.Future[None]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="usage-writer", daemon=True)
        self._thread.start()

    def submit(self, record: UsageRecord) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.put((record, future))
        return future

    def close(self) -> None:
        self._pending.put(None)
        self._thread.join(timeout=30)
        self._connection.close()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            group = [self._pending.get()]
            while len(group) < self.MAX_GROUP:
                try:
                    group.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            if None in group:
                stopping = True
            items = [item for item in group if item is not None]
            if not items:
                continue
            error: Exception | None = None
            try:
                with self._connection:
                    self._connection.execute("BEGIN")
                    self._connection.executemany(
                        _USAGE_INSERT, [astuple(record) for record, _ in items]
                    )
            except sqlite3.Error as exc:
                error = exc
            for _, future in items:
                with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                    future.get_loop().call_soon_threadsafe(_settle, future, error)


def _settle(future: asyncio.Future[None], error: Exception | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
