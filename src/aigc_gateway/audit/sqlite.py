"""The SQLite dialect of the audit store: the gateway's own database file, in WAL mode.

Durability: with ``synchronous=FULL`` every commit fsyncs the WAL; ``NORMAL`` skips that fsync
(a committed record survives a process crash, it is in the OS page cache, but the last commits
may be lost if the machine loses power). The gateway's trail commits with ``NORMAL``: what makes
a record durable before its request is answered is the journal (``journal.py``; written, and
fsynced within 1 s, or before the answer when ``audit.sqlite_synchronous`` is ``full``), and
:meth:`make_durable` fsyncs the WAL before a journal segment is deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from ..store import open_sqlite
from .store import AuditStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_records (
    seq INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    tenant TEXT NOT NULL,
    key_id TEXT NOT NULL,
    model TEXT NOT NULL,
    backend TEXT,
    status TEXT NOT NULL,
    produce_id TEXT,
    findings TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    energy_wh REAL NOT NULL,
    carbon_g REAL NOT NULL,
    body TEXT NOT NULL,
    hash TEXT NOT NULL,
    content TEXT
);
CREATE INDEX IF NOT EXISTS audit_request ON audit_records (request_id);
CREATE INDEX IF NOT EXISTS audit_tenant_time ON audit_records (tenant, created_at);
CREATE INDEX IF NOT EXISTS audit_key_time ON audit_records (key_id, created_at);
CREATE INDEX IF NOT EXISTS audit_time ON audit_records (created_at);
CREATE INDEX IF NOT EXISTS audit_produce ON audit_records (produce_id)
    WHERE produce_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_probe (id INTEGER PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit_journal (segment TEXT PRIMARY KEY, committed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE VIEW IF NOT EXISTS usage AS
SELECT request_id, created_at, tenant, key_id, json_extract(body, '$.kind') AS kind, model,
       backend, json_extract(body, '$.stream') AS stream, status,
       json_extract(body, '$.finish_reason') AS finish_reason,
       json_extract(body, '$.error_code') AS error_code, prompt_tokens, completion_tokens,
       json_extract(body, '$.latency_ms') AS latency_ms,
       json_extract(body, '$.first_token_ms') AS first_token_ms,
       energy_wh, carbon_g
FROM audit_records;
"""


class SqliteAuditStore(AuditStore):
    day_expression = "strftime('%Y-%m-%d', created_at, 'unixepoch')"

    def __init__(self, path: Path, synchronous: Literal["full", "normal"] = "full") -> None:
        self._path = path
        self._synchronous = synchronous.upper()
        super().__init__()

    def _connect(self) -> sqlite3.Connection:
        return open_sqlite(self._path, SCHEMA, f"synchronous={self._synchronous}")

    def _create_schema(self) -> None:
        """Done by :func:`open_sqlite` on every connection."""

    def make_durable(self) -> None:
        """One commit with ``synchronous=FULL``: its fsync of the WAL covers every commit
        before it (which ``NORMAL`` left to the OS)."""
        self._writer.execute("PRAGMA synchronous=FULL")
        try:
            self.probe()
        finally:
            self._writer.execute(f"PRAGMA synchronous={self._synchronous}")

    @contextmanager
    def _write_transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._writer
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled back already (disk full, I/O error)
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
