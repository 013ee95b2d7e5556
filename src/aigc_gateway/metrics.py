"""Prometheus metrics: request counts and latency per route, tokens per backend, and gauges
read at scrape time (readiness, rate limiter, model queue).

Under ``serve --workers N`` the supervisor sets ``PROMETHEUS_MULTIPROC_DIR`` before it starts
the workers: counters and histograms are then kept in memory-mapped files there and every
worker's ``/metrics`` answers the sum over all workers (dead ones included, so totals never go
back), while the gauges describe the worker that answers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
SHARED_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""Where worker processes keep their counters (prometheus_client reads it at import)."""


def share_between_processes(directory: Path) -> None:
    """Keep this process's counters in ``directory``, with the other workers'; call it before
    any metric is made (a worker of ``serve --workers``, right after it starts)."""
    os.environ[SHARED_DIR_ENV] = str(directory)
    values.ValueClass = values.get_value_class()


class Metrics:
    """One registry per gateway, so several gateways in one process never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._gauges = _FunctionGauges()
        self.registry.register(self._gauges)
        shared_dir = os.environ.get(SHARED_DIR_ENV)
        self._shared: CollectorRegistry | None = None
        counted: CollectorRegistry | None = self.registry
        if shared_dir:
            self._shared = CollectorRegistry()
            MultiProcessCollector(self._shared, path=shared_dir)
            counted = None  # values go to the shared files, read back through _shared
        self.requests = Counter(
            "aigc_requests",
            "HTTP requests by route and status",
            ["route", "status"],
            registry=counted,
        )
        self.latency = Histogram(
            "aigc_request_duration_seconds",
            "HTTP request duration (to the last byte)",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=counted,
        )
        self.tokens = Counter(
            "aigc_tokens",
            "Tokens processed by backend",
            ["backend", "direction"],
            registry=counted,
        )

        self._children: dict[tuple[Any, ...], Any] = {}
        """Labelled children by (metric, *labels): ``labels()`` takes a lock and builds keys
        on every call, and the hot path asks for the same few on every request."""

    def _child(self, metric: Counter | Histogram, *labels: str) -> Any:
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def count_tokens(self, backend: str, prompt: int, completion: int) -> None:
        self._child(self.tokens, backend, "prompt").inc(prompt)
        self._child(self.tokens, backend, "completion").inc(completion)

    def count_request(self, route: str, status: int, seconds: float) -> None:
        self._child(self.requests, route, str(status)).inc()
        self._child(self.latency, route).observe(seconds)

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A gauge whose value is read at scrape time (in the process that answers)."""
        self._gauges.add(name, documentation, read)

    def render(self) -> bytes:
        local = generate_latest(self.registry)
        return local if self._shared is None else generate_latest(self._shared) + local


class _FunctionGauges(Collector):
    """Gauges computed by a function when scraped; never written to the shared files."""

    def __init__(self) -> None:
        self._gauges: list[tuple[str, str, Callable[[], float]]] = []

    def add(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        self._gauges.append((name, documentation, read))

    def collect(self) -> Iterator[Metric]:
        for name, documentation, read in self._gauges:
            yield GaugeMetricFamily(name, documentation, value=read())


class MetricsMiddleware:
    """Counts every HTTP request and times it to its last byte (streams included)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            self._metrics.count_request(path, status, time.perf_counter() - started)
