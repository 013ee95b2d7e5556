"""The gateway's SQLite database: tenants and hashed API keys.

One file under the data dir, in WAL mode; reads on the request path are cached by the callers.
The same file holds the audit trail (``aigc_gateway.audit``), which also answers for usage.
:func:`open_sqlite` is how every SQLite file of the gateway is opened: a file that exists but
is empty (0 bytes) or damaged, or a data dir that cannot be written, is a :class:`DataFileError`
whose one-line message names the file and what to do — never silently a fresh database.
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


class DataFileError(Exception):
    """A file in the data dir cannot be used as it is; the message is one line for an operator."""


def open_sqlite(path: Path, schema: str, *pragmas: str) -> sqlite3.Connection:
    """A WAL connection to ``path`` with ``pragmas`` and ``schema`` applied, or DataFileError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.resolve() not in _HEADER_CHECKED:
            _check_header(path)
        _HEADER_CHECKED.add(path.resolve())
        connection = sqlite3.connect(
            path, timeout=30, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            for pragma in pragmas:
                connection.execute(f"PRAGMA {pragma}")
            connection.executescript(schema)
        except BaseException:
            connection.close()
            raise
    except sqlite3.DatabaseError as exc:
        if "readonly" in str(exc) or "unable to open" in str(exc):
            raise DataFileError(
                f"{path}: cannot open for writing ({exc}); check that the data dir is "
                "writable by this user and the disk is not full"
            ) from None
        raise DataFileError(
            f"{path}: the database is damaged ({exc}); restore it from a backup"
        ) from None
    except OSError as exc:
        raise DataFileError(
            f"{path}: cannot open ({exc.strerror or exc}); check that the data dir is writable"
        ) from None
    return connection


SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_CHECKED: set[Path] = set()
"""Files whose header this process has checked. Only the first open checks: closing any
descriptor of a database file drops the POSIX locks SQLite holds on it in this process, so
the file must not be opened directly once a connection exists."""


def _check_header(path: Path) -> None:
    """Refuse an existing file that is empty, not SQLite, or shorter than its header says.

    SQLite itself takes a 0-byte file, or one cut short inside its first page, for a new empty
    database — and the gateway would then start afresh over lost data.
    """
    size = path.stat().st_size
    if size == 0:
        raise DataFileError(
            f"{path}: the file is empty (0 bytes), so its data is gone; restore it from a "
            "backup, or delete it to start afresh"
        )
    with path.open("rb") as file:
        header = file.read(100)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise DataFileError(f"{path}: not an SQLite database (damaged); restore it from a backup")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65_536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if size < page_size or size < pages * page_size:
        raise DataFileError(
            f"{path}: the database is truncated ({size} bytes, its header says "
            f"{max(pages, 1) * page_size}); restore it from a backup"
        )


def connect(path: Path) -> sqlite3.Connection:
    """A connection to ``gateway.db`` with the gateway's pragmas; creates the schema if needed."""
    return open_sqlite(path, SCHEMA, "synchronous=FULL", "foreign_keys=ON")


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
                if self._db.in_transaction:  # SQLite may have rolled back already
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
