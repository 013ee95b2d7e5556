"""The assembled service: settings, database, providers and pipeline, built once per process."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from .audit.trail import AuditTrail
from .config import ConfigError, Settings
from .conversations import ResponseStore
from .embeddings import EmbeddingService
from .guards.engine import GuardEngine
from .guards.stages import InputGuards, OutputGuards
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
        self.audit = AuditTrail(settings, data_dir)
        self.local: Provider | None = None
        if settings.local_model.enabled:
            from .providers.local import LocalModel

            self.local = LocalModel(settings.local_model)
        self.router = Router(settings, self.local)
        self.guards = GuardEngine(settings)
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
        if self.local is not None:
            local = self.local
            self.metrics.gauge(
                "aigc_local_model_queue",
                "Requests admitted to the local model (running or waiting)",
                lambda: float(getattr(local, "admitted", 0)),
            )

    def record(self, usage: UsageRecord) -> asyncio.Future[None]:
        """The record stage: the request's tokens into the metrics, its record into the trail."""
        self.metrics.count_tokens(
            usage.backend or "none", usage.prompt_tokens, usage.completion_tokens
        )
        if self.telemetry is not None:
            self.telemetry.observe(usage)
        return self.audit.record(usage)

    def bootstrap_key(self) -> str | None:
        """On an empty database: create tenant ``default`` with an admin key and return it."""
        if not self.keys.is_empty():
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
