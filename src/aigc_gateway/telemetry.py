"""OpenTelemetry: a span and GenAI metrics for every request, exported over OTLP/HTTP.

Names follow the OpenTelemetry semantic conventions for generative AI: the span is
``{gen_ai.operation.name} {gen_ai.request.model}`` with ``gen_ai.provider.name``,
``gen_ai.request.model``, ``gen_ai.response.model``, ``gen_ai.response.id``,
``gen_ai.usage.input_tokens`` / ``output_tokens`` and ``gen_ai.response.finish_reasons``;
the gateway adds ``aigc.guard.decision``, ``aigc.produce_id``, ``aigc.tenant`` and
``aigc.time_to_first_token_ms``. Metrics: ``gen_ai.client.token.usage``,
``gen_ai.server.request.duration`` and ``gen_ai.server.time_to_first_token``, with the
operation, provider, models, finish reasons and guard decision as attributes; the ProduceID
(one per answer, so unbounded) is no metric attribute: each measurement is recorded inside its
request's span, so its exemplar carries that span's trace and span id.

Telemetry hooks onto the record stage (``Gateway.record``): the :class:`UsageRecord` every
request ends with already holds all of it, so the span is written once per request, after the
fact, with its real start time. A request carrying a W3C ``traceparent`` (and ``tracestate``)
header gets its span in the caller's trace, as a child of the caller's span
(:class:`TraceContext`). Off (the default), nothing here is imported: no cost.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from opentelemetry import context, trace
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Receive, Scope, Send

from .config import LOCAL_BACKEND, TelemetrySettings

if TYPE_CHECKING:
    from .pipeline import UsageRecord

OPERATIONS = {
    "chat": "chat",
    "completion": "text_completion",
    "embeddings": "embeddings",
    "image": "generate_content",
}
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576)


TRACE_HEADERS = (b"traceparent", b"tracestate")
METRIC_ALSO = ("gen_ai.response.model", "gen_ai.response.finish_reasons", "aigc.guard.decision")
"""Span attributes that metrics carry too (besides operation, provider and request model)."""


class TraceContext:
    """ASGI middleware: a request's W3C trace context becomes the parent of the spans written
    while it is served. A malformed ``traceparent`` is ignored (the span starts a new trace)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._propagator = TraceContextTextMapPropagator()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope.get("headers", ())
            if name in TRACE_HEADERS
        }
        if scope["type"] != "http" or "traceparent" not in carrier:
            await self.app(scope, receive, send)
            return
        token = context.attach(self._propagator.extract(carrier))
        try:
            await self.app(scope, receive, send)
        finally:
            context.detach(token)


class Telemetry:
    """The tracer and meter of one gateway, and the record-stage hook that feeds them."""

    def __init__(self, settings: TelemetrySettings) -> None:
        base = settings.endpoint.rstrip("/")
        resource = Resource.create({"service.name": settings.service_name})
        self._tracer_provider = TracerProvider(resource=resource)
        self._tracer_provider.add_span_processor(
            BatchSpanProcessor(
                OTLPSpanExporter(endpoint=base + "/v1/traces", headers=dict(settings.headers)),
                schedule_delay_millis=settings.export_interval_s * 1000,
            )
        )
        reader = PeriodicExportingMetricReader(
            OTLPMetricExporter(endpoint=base + "/v1/metrics", headers=dict(settings.headers)),
            export_interval_millis=settings.export_interval_s * 1000,
        )
        self._meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
        self._tracer = self._tracer_provider.get_tracer("aigc_gateway")
        meter = self._meter_provider.get_meter("aigc_gateway")
        self._tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Tokens used per request, by token type",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
        )
        self._duration = meter.create_histogram(
            "gen_ai.server.request.duration",
            unit="s",
            description="Time from the request to its last byte of output",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self._first_token = meter.create_histogram(
            "gen_ai.server.time_to_first_token",
            unit="s",
            description="Time from the request to its first output",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )

    def observe(self, usage: UsageRecord) -> None:
        now = time.time_ns()
        operation = OPERATIONS.get(usage.kind, usage.kind)
        provider, _, remote = (usage.backend or "").partition("/")
        common: dict[str, Any] = {
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": provider or "none",
            "gen_ai.request.model": usage.model,
        }
        attributes: dict[str, Any] = {
            **common,
            "gen_ai.response.model": remote or (usage.model if provider else ""),
            "gen_ai.response.id": usage.request_id,
            "gen_ai.usage.input_tokens": usage.prompt_tokens,
            "gen_ai.usage.output_tokens": usage.completion_tokens,
            "aigc.tenant": usage.tenant,
            "aigc.stream": usage.stream,
            "aigc.status": usage.status,
        }
        if usage.finish_reason:
            attributes["gen_ai.response.finish_reasons"] = [usage.finish_reason]
        if usage.guard.decision:
            attributes["aigc.guard.decision"] = usage.guard.decision
        if usage.labels:
            attributes["aigc.produce_id"] = [label.produce_id for label in usage.labels]
            if len(usage.labels) == 1:
                attributes["aigc.produce_id"] = usage.labels[0].produce_id
        if usage.first_token_ms is not None:
            attributes["aigc.time_to_first_token_ms"] = round(usage.first_token_ms, 3)
        if usage.error_code:
            attributes["error.type"] = usage.error_code
        kind = SpanKind.INTERNAL if provider == LOCAL_BACKEND else SpanKind.CLIENT
        span = self._tracer.start_span(
            f"{operation} {usage.model}",
            kind=kind,
            attributes=attributes,
            start_time=now - int(usage.latency_ms * 1e6),
        )
        measured = {
            **common,
            **{name: attributes[name] for name in METRIC_ALSO if attributes.get(name)},
        }
        if usage.status == "error":
            span.set_status(Status(StatusCode.ERROR, usage.error_code or "error"))
            measured["error.type"] = usage.error_code or "error"
        with trace.use_span(span, end_on_exit=False):
            self._duration.record(usage.latency_ms / 1000, measured)
            if usage.first_token_ms is not None:
                self._first_token.record(usage.first_token_ms / 1000, measured)
            self._tokens.record(usage.prompt_tokens, {**measured, "gen_ai.token.type": "input"})
            if operation != "embeddings":
                self._tokens.record(
                    usage.completion_tokens, {**measured, "gen_ai.token.type": "output"}
                )
        span.end(end_time=now)

    def close(self) -> None:
        """Flush and stop the exporters."""
        self._tracer_provider.shutdown()
        self._meter_provider.shutdown()
