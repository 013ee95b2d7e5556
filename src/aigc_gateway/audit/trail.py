"""The audit trail as the gateway uses it: store, signing key and writer, built from settings.

:meth:`AuditTrail.record` is the pipeline's record stage. The policy version recorded with
every request is a digest of the effective settings, so any change of configuration shows up as
a new version.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import AuditSettings, Settings
from ..extras import require
from ..pipeline import UsageRecord
from ..store import DATABASE_FILE
from .energy import EnergyModel
from .records import NewRecord, build_record, sha256_hex
from .signing import KEY_FILE, AuditSigner
from .store import AuditStore
from .writer import AuditWriter

if TYPE_CHECKING:
    from .redaction import Redactor

SECONDS_PER_DAY = 86_400


class StoreConfigError(Exception):
    """The audit store cannot be opened as configured; the message is one line."""


def open_store(settings: AuditSettings, data_dir: Path) -> AuditStore:
    if settings.store == "sqlite":
        from .sqlite import SqliteAuditStore

        return SqliteAuditStore(data_dir / DATABASE_FILE, settings.sqlite_synchronous)
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
        self.store = open_store(settings.audit, data_dir)
        self.signer = open_signer(settings.audit, data_dir)
        self.store.register_key(self.signer)
        self.policy_version = policy_version(settings)
        self.energy = EnergyModel(settings.audit.energy)
        days = settings.audit.content_retention_days
        self._writer = AuditWriter(
            self.store,
            self.signer,
            checkpoint_every=settings.audit.checkpoint_every,
            checkpoint_interval_s=settings.audit.checkpoint_interval_s,
            retention_s=days * SECONDS_PER_DAY if days is not None else None,
        )

    def record(self, usage: UsageRecord) -> asyncio.Future[None]:
        """The record stage: queue the request's record; resolves once it is committed.

        The body is built on the event loop (tens of microseconds), so that the writer thread
        needs the GIL as little as possible while requests wait for their commit. Kept content
        is redacted first, off the loop (long texts in the guards' scan worker processes).
        """
        finished_at = time.time()
        if not self._settings.keeps_audit_content(usage.tenant):
            try:
                record = self._build(usage, finished_at, None)
            except Exception as exc:
                failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                failed.set_exception(exc)
                return failed
            return self._writer.submit(record)
        task = asyncio.get_running_loop().create_task(self._redact_and_submit(usage, finished_at))
        self._building.add(task)  # a failed request's record is not awaited: keep it alive
        task.add_done_callback(self._building.discard)
        return asyncio.shield(task)  # a cancelled request still gets its record

    async def _redact_and_submit(self, usage: UsageRecord, finished_at: float) -> None:
        redact = await self._redactor().prepared(usage.prompt, usage.answer)
        record = self._build(usage, finished_at, redact)
        await self._writer.submit(record)

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
        return self._writer.fault

    def tokens_since(self, key_id: str, since: float) -> int:
        return self.store.tokens_since(key_id, since)

    def close(self) -> None:
        self._writer.close()
        self.store.close()
