"""The audit trail as the gateway uses it: store, signing key and writer, built from settings.

:meth:`AuditTrail.record` is the pipeline's record stage. With the SQLite store a record is
acknowledged once it is durable in the journal (``journal.py``) and joins the chain on the
writer thread; with PostgreSQL once it is committed. The policy version recorded with every
request is a digest of the effective settings, so any change of configuration shows up as a new
version.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import AuditSettings, Settings
from ..extras import require
from ..journal import Journal
from ..pipeline import UsageRecord
from ..store import DATABASE_FILE
from .chain import StoredRecord
from .energy import EnergyModel
from .journal import JOURNAL_DIR, read_records, record_line
from .records import NewRecord, build_record, sha256_hex
from .signing import KEY_FILE, AuditSigner
from .store import AuditQuery, AuditStore
from .writer import MAX_GROUP, AuditWriter

SYNC_WITHIN_S = 1.0
"""``sqlite_synchronous: normal``: the journal is fdatasynced in the background at most this
long after a record was acknowledged (what a power loss may take; a killed process takes none)."""
READ_FLUSH_TIMEOUT_S = 5.0
"""How long a read waits for journalled records to be committed (a failing database answers
with what it has)."""

if TYPE_CHECKING:
    from .redaction import Redactor

log = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400


class StoreConfigError(Exception):
    """The audit store cannot be opened as configured; the message is one line."""


def open_store(settings: AuditSettings, data_dir: Path, journaled: bool = False) -> AuditStore:
    """The configured store; ``journaled``: records reach it through the journal, which is the
    durable copy until :meth:`AuditStore.make_durable` (so SQLite commits skip their fsync)."""
    if settings.store == "sqlite":
        from .sqlite import SqliteAuditStore

        synchronous = "normal" if journaled else settings.sqlite_synchronous
        return SqliteAuditStore(data_dir / DATABASE_FILE, synchronous)
    dsn = settings.postgres_dsn
    if settings.postgres_dsn_env:
        dsn = os.environ.get(settings.postgres_dsn_env) or dsn
        if not dsn:
            raise StoreConfigError(
                f"audit.postgres_dsn_env: environment variable {settings.postgres_dsn_env} "
                "is not set"
            )
    psycopg = require("psycopg", "postgres", "audit.store: postgres")
    from .postgres import PostgresAuditStore

    try:
        return PostgresAuditStore(dsn or "")
    except psycopg.Error as exc:
        raise StoreConfigError(f"cannot open the PostgreSQL audit store: {exc}") from exc


def open_signer(settings: AuditSettings, data_dir: Path) -> AuditSigner:
    return AuditSigner.load_or_create(settings.signing_key or data_dir / KEY_FILE)


def policy_version(settings: Settings) -> str:
    return "cfg-" + sha256_hex(settings.model_dump_json())[:12]


class AuditTrail:
    def __init__(self, settings: Settings, data_dir: Path, redact: Redactor | None = None) -> None:
        self._settings = settings
        self._redact = redact
        self._building: set[asyncio.Task[None]] = set()
        self.store = open_store(
            settings.audit, data_dir, journaled=settings.audit.store == "sqlite"
        )
        self.signer = open_signer(settings.audit, data_dir)
        self.store.register_key(self.signer)
        self.policy_version = policy_version(settings)
        self.energy = EnergyModel(settings.audit.energy)
        self._journal: Journal | None = None
        if settings.audit.store == "sqlite":
            self._journal = Journal(
                data_dir / JOURNAL_DIR,
                fsync=settings.audit.sqlite_synchronous == "full",
                sync_within_s=SYNC_WITHIN_S,
            )
            self._replay(self._journal)
        days = settings.audit.content_retention_days
        self._writer = AuditWriter(
            self.store,
            self.signer,
            checkpoint_every=settings.audit.checkpoint_every,
            checkpoint_interval_s=settings.audit.checkpoint_interval_s,
            retention_s=days * SECONDS_PER_DAY if days is not None else None,
        )

    def _replay(self, journal: Journal) -> None:
        """Append what stopped processes left in their journal segments to the chain."""
        checkpoint_every = self._settings.audit.checkpoint_every
        for segment, path in journal.orphans():
            count, batch, end = 0, [], 0
            for record, end in read_records(path, self.store.journal_mark(segment)):
                batch.append(record)
                if len(batch) == MAX_GROUP:
                    self.store.append(batch, self.signer, checkpoint_every, {segment: end})
                    count, batch = count + len(batch), []
            if batch:
                self.store.append(batch, self.signer, checkpoint_every, {segment: end})
                count += len(batch)
            self.store.make_durable()
            path.unlink()
            self.store.forget_journal(segment)
            if count:
                log.warning(
                    "audit journal: %d records of a stopped process joined the chain", count
                )

    def record(self, usage: UsageRecord) -> asyncio.Future[None]:
        """The record stage: the request's record, durable when the returned future resolves.

        The body is built on the event loop (tens of microseconds) and written to the journal
        there (one write); sealing and committing happen on the writer thread. Kept content
        is redacted first, off the loop (long texts in the guards' scan worker processes).
        """
        finished_at = time.time()
        if not self._settings.keeps_audit_content(usage.tenant):
            try:
                return self._submit(self._build(usage, finished_at, None))
            except Exception as exc:
                failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                failed.set_exception(exc)
                return failed
        task = asyncio.get_running_loop().create_task(self._redact_and_submit(usage, finished_at))
        self._building.add(task)  # a failed request's record is not awaited: keep it alive
        task.add_done_callback(self._building.discard)
        return asyncio.shield(task)  # a cancelled request still gets its record

    async def _redact_and_submit(self, usage: UsageRecord, finished_at: float) -> None:
        redact = await self._redactor().prepared(usage.prompt, usage.answer)
        await self._submit(self._build(usage, finished_at, redact))

    def _submit(self, record: NewRecord) -> asyncio.Future[None]:
        if self._journal is None:
            return self._writer.submit(record)
        mark, closed = self._journal.append(record_line(record))
        if closed is not None:
            self._writer.segment_done(closed)
        self._writer.enqueue(record, mark)
        return self._journal.acknowledged(mark)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every record so far has joined the chain (benchmarks, tests)."""
        return self._writer.flush(timeout)

    def query(self, query: AuditQuery) -> list[StoredRecord]:
        """Stored records matching ``query``, every record this process acknowledged so far
        among them: records still in the journal are committed first (readers of the API,
        console and evaluation see their own requests at once)."""
        self.flush(READ_FLUSH_TIMEOUT_S)
        return self.store.query(query)

    def _build(
        self, usage: UsageRecord, finished_at: float, redact: Callable[[str], str] | None
    ) -> NewRecord:
        return build_record(
            usage,
            finished_at=finished_at,
            policy_version=self.policy_version,
            energy=self.energy,
            redact=redact,
        )

    def _redactor(self) -> Redactor:
        if self._redact is None:  # a trail built without the gateway's guards (CLI, benches)
            from ..guards.engine import GuardEngine
            from .redaction import Redactor

            self._redact = Redactor(GuardEngine(self._settings))
        return self._redact

    @property
    def fault(self) -> str | None:
        """Why audit records cannot be written now (None: they can)."""
        return (self._journal.fault if self._journal else None) or self._writer.fault

    def tokens_since(self, key_id: str, since: float) -> int:
        return self.store.tokens_since(key_id, since)

    def close(self) -> None:
        if self._journal is not None:
            self._writer.segment_done(self._journal.close())
        self._writer.close()
        self.store.close()
