"""The assembled service: settings, database, providers and pipeline, built once per process."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from .audit.redaction import Redactor
from .audit.trail import AuditTrail
from .config import ConfigError, Settings
from .conversations import ResponseStore
from .embeddings import EmbeddingService
from .errors import StorageUnavailable
from .guards.engine import GuardEngine
from .guards.stages import InputGuards, OutputGuards
from .health import RecentFault, describe_storage_error
from .labeling.service import LabelService
from .limits import KeyLimitStage, key_limits
from .metrics import Metrics
from .pipeline import Pipeline, Stages, UsageRecord
from .providers.base import Provider
from .providers.router import Router
from .store import DATABASE_FILE, DEFAULT_TENANT, KeyStore, connect

if TYPE_CHECKING:
    from .telemetry import Telemetry

log = logging.getLogger(__name__)


class Gateway:
    """Owns every long-lived part; the API layer only calls into it."""

    def __init__(self, settings: Settings, data_dir: Path) -> None:
        self.settings = settings
        self.data_dir = data_dir
        database = data_dir / DATABASE_FILE
        self.keys = KeyStore(connect(database))
        self.guards = GuardEngine(settings)
        self.audit = AuditTrail(settings, data_dir, Redactor(self.guards))
        self.local: Provider | None = None
        if settings.local_model.enabled:
            from .providers.local import LocalModel

            self.local = LocalModel(settings.local_model)
        self.router = Router(settings, self.local)
        self.labels = LabelService(settings, data_dir)
        self.limits = key_limits(settings.rate_limiter, self.audit.tokens_since)
        self.metrics = Metrics()
        self.stages = Stages(
            admission=KeyLimitStage(self.limits, settings),
            input_guards=[InputGuards(self.guards, settings.guards.blocked)],
            output_guards=OutputGuards(
                self.guards, settings.guards.hold_back_chars, settings.guards.refusal
            ),
            labeler=self.labels.labeler,
        )
        self.telemetry: Telemetry | None = None
        if settings.telemetry.enabled:
            try:
                from .telemetry import Telemetry
            except ImportError as exc:
                raise ConfigError(
                    "telemetry.enabled needs the OpenTelemetry packages: "
                    "pip install 'aigc-gateway[telemetry]'"
                ) from exc
            self.telemetry = Telemetry(settings.telemetry)
        self.pipeline = Pipeline(self.router, self.stages, self.record)
        self.responses = ResponseStore(settings.responses)
        embedder = None
        if settings.embedding_model.enabled:
            from .providers.embedding import LocalEmbedder

            embedder = LocalEmbedder(settings.embedding_model)
        self.embeddings = EmbeddingService(
            settings, self.router, self.stages, self.record, embedder
        )
        self.storage = RecentFault()
        """Storage failures requests ran into (e.g. a damaged gateway.db), for readiness."""
        self.metrics.gauge(
            "aigc_ready", "1 when no part reports a fault (see /readyz)", self._ready_value
        )
        self.metrics.gauge(
            "aigc_rate_limiter_up",
            "1 when per-key limits are enforced (0: Redis down, see rate_limiter.on_redis_error)",
            lambda: float(self.limits.fault is None),
        )
        if self.local is not None:
            local = self.local
            self.metrics.gauge(
                "aigc_local_model_queue",
                "Requests admitted to the local model (running or waiting)",
                lambda: float(getattr(local, "admitted", 0)),
            )
            self.metrics.gauge(
                "aigc_local_model_restarts",
                "Times the local model's worker process died and was started again",
                lambda: float(getattr(getattr(local, "host", None), "restarts", 0)),
            )

    def record(self, usage: UsageRecord) -> asyncio.Future[None]:
        """The record stage: the request's tokens into the metrics, its record into the trail."""
        self.metrics.count_tokens(
            usage.backend or "none", usage.prompt_tokens, usage.completion_tokens
        )
        if self.telemetry is not None:
            self.telemetry.observe(usage)
        return self.audit.record(usage)

    def faults(self) -> dict[str, str]:
        """Parts that cannot do their job now, and why (empty: ready)."""
        found = {
            "database": self.storage.fault,
            "audit": self.audit.fault,
            "labels": self.labels.registry.fault,
            "rate_limiter": self.limits.fault,
            "local_model": getattr(self.local, "fault", None),
        }
        return {part: problem for part, problem in found.items() if problem}

    def storage_failed(self, exc: BaseException) -> None:
        """A request ran into a database or disk failure: readiness reports it for a while."""
        self.storage.seen(describe_storage_error(exc))

    def _ready_value(self) -> float:
        return float(not self.faults())

    def check_storage(self) -> None:
        """Fail fast (503) while the audit trail cannot be written: no answer without a record."""
        if self.audit.fault:
            raise StorageUnavailable(
                "The audit trail cannot be written right now, so requests are refused.",
            )

    def bootstrap_key(self) -> str | None:
        """On a new database: create tenant ``default`` with an admin key and return it.

        A database that has audit records but no keys is not new (a damaged or tampered file):
        no key is minted over it.
        """
        if not self.keys.is_empty():
            return None
        if self.audit.store.head()[0] > 0:
            log.error("gateway.db has audit records but no API keys: no admin key is created")
            return None
        _, secret = self.keys.create_key(DEFAULT_TENANT, admin=True)
        return secret

    async def close(self) -> None:
        await self.router.close()
        if self.embeddings.local is not None:
            await self.embeddings.local.close()
        await self.limits.close()
        self.audit.close()
        self.labels.close()
        self.guards.close()
        if self.telemetry is not None:
            self.telemetry.close()
        if self.local is not None:
            await self.local.close()
