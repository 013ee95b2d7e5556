"""The PostgreSQL dialect of the audit store (psycopg 3), for production and several gateways.

Every append takes a transaction-scoped advisory lock before reading the chain head, so
gateways sharing one database still build a single, gap-free chain. A committed transaction
is durable under PostgreSQL's own settings (``synchronous_commit=on`` by default). A broken
connection is replaced on the next use; the group that hit it fails (its requests get 500).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from .store import AuditStore

CHAIN_LOCK = 0x41554454  # "AUDT": the advisory lock that serialises appends

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_records (
    seq BIGINT PRIMARY KEY,
    request_id TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    tenant TEXT NOT NULL,
    key_id TEXT NOT NULL,
    model TEXT NOT NULL,
    backend TEXT,
    status TEXT NOT NULL,
    produce_id TEXT,
    findings TEXT NOT NULL,
    prompt_tokens BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    energy_wh DOUBLE PRECISION NOT NULL,
    carbon_g DOUBLE PRECISION NOT NULL,
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
    seq BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_probe (id BIGINT PRIMARY KEY, at DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS audit_journal (segment TEXT PRIMARY KEY, committed BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
"""


class PostgresAuditStore(AuditStore):
    placeholder = "%s"
    day_expression = "to_char(to_timestamp(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        super().__init__()

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self._dsn, autocommit=True, connect_timeout=10)

    def _create_schema(self) -> None:
        with self._write_transaction() as db:
            db.execute(SCHEMA)

    def make_durable(self) -> None:
        """Nothing to do: every commit is durable (``synchronous_commit``)."""

    @contextmanager
    def _write_transaction(self) -> Iterator[psycopg.Cursor[Any]]:
        if self._writer.broken or self._writer.closed:
            self._writer = self._connect()
        with self._writer.transaction(), self._writer.cursor() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (CHAIN_LOCK,))
            yield db

    def _read(self, query: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._read_lock:
            if self._reader.broken or self._reader.closed:
                self._reader = self._connect()
            return list(self._reader.execute(self._sql(query), args).fetchall())
