"""A real OTLP/HTTP receiver on loopback: accepts ``POST /v1/traces`` and ``/v1/metrics``
(protobuf, as the OpenTelemetry exporters send them) and keeps what it decoded.

Spans are kept as :class:`ReceivedSpan` (name, kind, ids, attributes as plain Python values);
metrics as :class:`ReceivedPoint` (metric name, attributes, the trace ids of its exemplars).
``python tests/otlp_receiver.py PORT`` runs it standalone (benchmarks), answering
``GET /stats`` with the number of spans received.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue


@dataclass
class ReceivedSpan:
    name: str
    kind: int
    service: str
    attributes: dict[str, Any]
    start_ns: int
    end_ns: int
    trace_id: str
    span_id: str
    parent_span_id: str


@dataclass
class ReceivedPoint:
    metric: str
    attributes: dict[str, Any]
    exemplar_trace_ids: list[str]


def _value(value: AnyValue) -> Any:
    field = value.WhichOneof("value")
    if field == "array_value":
        return [_value(item) for item in value.array_value.values]
    return getattr(value, field) if field else None


class OtlpReceiver:
    def __init__(self, port: int = 0) -> None:
        self.spans: list[ReceivedSpan] = []
        self.points: list[ReceivedPoint] = []
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/v1/traces", self._traces)
        app.router.add_post("/v1/metrics", self._metrics)
        app.router.add_get("/stats", self._stats)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", port).start())
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    async def _traces(self, request: web.Request) -> web.Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.read())
        for resource_spans in message.resource_spans:
            resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.spans.append(
                        ReceivedSpan(
                            span.name,
                            span.kind,
                            str(resource.get("service.name")),
                            {a.key: _value(a.value) for a in span.attributes},
                            span.start_time_unix_nano,
                            span.end_time_unix_nano,
                            span.trace_id.hex(),
                            span.span_id.hex(),
                            span.parent_span_id.hex(),
                        )
                    )
        body = ExportTraceServiceResponse().SerializeToString()
        return web.Response(body=body, content_type="application/x-protobuf")

    async def _stats(self, _: web.Request) -> web.Response:
        return web.json_response({"spans": len(self.spans)})

    async def _metrics(self, request: web.Request) -> web.Response:
        message = ExportMetricsServiceRequest()
        message.ParseFromString(await request.read())
        for resource_metrics in message.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    data = getattr(metric, metric.WhichOneof("data"))
                    self.points += [
                        ReceivedPoint(
                            metric.name,
                            {a.key: _value(a.value) for a in point.attributes},
                            [exemplar.trace_id.hex() for exemplar in point.exemplars],
                        )
                        for point in data.data_points
                    ]
        body = ExportMetricsServiceResponse().SerializeToString()
        return web.Response(body=body, content_type="application/x-protobuf")

    def span_for(self, response_id: str, timeout_s: float = 10.0) -> ReceivedSpan:
        """The span of one request (by ``gen_ai.response.id``), waiting for its export."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for span in self.spans:
                if span.attributes.get("gen_ai.response.id") == response_id:
                    return span
            time.sleep(0.05)
        raise AssertionError(f"no span for {response_id}; got {[s.name for s in self.spans]}")

    def points_of(self, metric: str, trace_id: str, timeout_s: float = 10.0) -> list[ReceivedPoint]:
        """The data points of ``metric`` with an exemplar from trace ``trace_id``, waiting."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [
                p for p in self.points if p.metric == metric and trace_id in p.exemplar_trace_ids
            ]
            if found:
                return found
            time.sleep(0.05)
        names = sorted({p.metric for p in self.points})
        raise AssertionError(f"no {metric} point from trace {trace_id}; metrics seen: {names}")

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


if __name__ == "__main__":
    receiver = OtlpReceiver(int(sys.argv[1]))
    try:
        threading.Event().wait()
    finally:
        receiver.close()
