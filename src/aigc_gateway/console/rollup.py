"""The overview's numbers: the audit trail folded into time buckets, kept up to date by seq.

Records are append-only and numbered, so :class:`TrafficRollup` reads each record once (those
after the last seq it has seen), and adds it to one bucket per resolution (minute, quarter hour,
hour, six hours) and per (tenant, model, backend). A bucket holds counts, sums and a latency
histogram with bins 2^(1/8) apart, so p50/p99 are exact to within about 4.5 %. An overview of
any range then reads at most a few hundred buckets per group, whatever the number of records.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from ..audit.store import AuditStore

RESOLUTIONS = (60, 900, 3600, 21600, 86400)
ANY = ""
"""Stands for every model and backend (no model or backend has an empty name): a bucket's
``(ANY, ANY, ANY)`` totals cover all its records, ``(tenant, ANY, ANY)`` one tenant's."""
BINS_PER_OCTAVE = 8
MIN_LATENCY_MS = 2.0**-7
"""Bin 0 of the latency histogram starts here; the last bin holds everything past ~4.6 hours."""
BINS = 32 * BINS_PER_OCTAVE


@dataclass(frozen=True, slots=True)
class Range:
    """A choice on the overview page: how far back, and the bucket size its charts use."""

    name: str
    seconds: int
    step: int


RANGES = {
    "1h": Range("1h", 3600, 60),
    "24h": Range("24h", 86400, 900),
    "7d": Range("7d", 7 * 86400, 3600),
    "30d": Range("30d", 30 * 86400, 21600),
}
DEFAULT_RANGE = "24h"

Group = tuple[str, str, str]
"""(tenant, model, backend)"""


@dataclass(slots=True)
class Totals:
    requests: int = 0
    blocked: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    energy_wh: float = 0.0
    carbon_g: float = 0.0
    findings: Counter[str] = field(default_factory=Counter)
    latency: np.ndarray = field(default_factory=lambda: np.zeros(BINS, dtype=np.int64))
    """Requests per latency bin (see :func:`latency_bin`)."""

    def add_record(self, body: dict[str, Any]) -> None:
        self.requests += 1
        if body.get("guard_action") == "block" or body.get("finish_reason") == "content_filter":
            self.blocked += 1
        if body.get("status") not in ("ok", None):
            self.errors += 1
        self.prompt_tokens += int(body.get("prompt_tokens") or 0)
        self.completion_tokens += int(body.get("completion_tokens") or 0)
        self.energy_wh += float(body.get("energy_wh") or 0.0)
        self.carbon_g += float(body.get("carbon_g") or 0.0)
        for kind, count in (body.get("findings") or {}).items():
            self.findings[kind] += int(count)
        latency = body.get("latency_ms")
        if isinstance(latency, int | float):
            self.latency[latency_bin(float(latency))] += 1

    def merge(self, other: Totals) -> None:
        self.requests += other.requests
        self.blocked += other.blocked
        self.errors += other.errors
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.energy_wh += other.energy_wh
        self.carbon_g += other.carbon_g
        if other.findings:
            self.findings.update(other.findings)
        self.latency += other.latency

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def percentile(self, fraction: float) -> float | None:
        counts = np.cumsum(self.latency)
        if counts[-1] == 0:
            return None
        return bin_value(int(np.searchsorted(counts, fraction * counts[-1])))


def latency_bin(ms: float) -> int:
    index = math.floor(math.log2(max(ms, MIN_LATENCY_MS) / MIN_LATENCY_MS) * BINS_PER_OCTAVE)
    return min(index, BINS - 1)


def bin_value(index: int) -> float:
    """The middle of a bin (geometric), in ms."""
    return float(MIN_LATENCY_MS * 2 ** ((index + 0.5) / BINS_PER_OCTAVE))


@dataclass(slots=True)
class Overview:
    range: Range
    since: float
    until: float
    total: Totals
    series: list[tuple[float, Totals]]
    """One entry per chart step, oldest first."""
    by_tenant: dict[str, Totals]
    by_model: dict[str, Totals]
    by_backend: dict[str, Totals]


class _Level:
    """Buckets of one resolution: start time -> group -> totals, starts kept sorted."""

    def __init__(self, step: int) -> None:
        self.step = step
        self.buckets: dict[int, dict[Group, Totals]] = {}
        self.starts: list[int] = []

    def add(self, created_at: float, group: Group, body: dict[str, Any]) -> None:
        start = int(created_at // self.step) * self.step
        groups = self.buckets.get(start)
        if groups is None:
            groups = self.buckets[start] = {}
            if not self.starts or start > self.starts[-1]:
                self.starts.append(start)
            else:
                bisect.insort(self.starts, start)
        for key in (group, (group[0], ANY, ANY), (ANY, ANY, ANY)):
            totals = groups.get(key)
            if totals is None:
                totals = groups[key] = Totals()
            totals.add_record(body)

    def between(self, since: int, until: int) -> Iterable[tuple[int, dict[Group, Totals]]]:
        low = bisect.bisect_left(self.starts, since)
        high = bisect.bisect_left(self.starts, until)
        for start in self.starts[low:high]:
            yield start, self.buckets[start]


class TrafficRollup:
    """Aggregates of one audit store, caught up with the trail before every read."""

    def __init__(self, store: AuditStore) -> None:
        self._store = store
        self._levels = {step: _Level(step) for step in RESOLUTIONS}
        self._last_seq = 0
        self._groups: set[Group] = set()
        self._lock = threading.Lock()

    def catch_up(self) -> int:
        """Fold in every record written since the last call; returns how many."""
        with self._lock:
            added = 0
            for record in self._store.records(self._last_seq + 1):
                body = orjson.loads(record.body)
                group = (body["tenant"], body["model"], body.get("backend") or "none")
                created = float(body["created_at"])
                for level in self._levels.values():
                    level.add(created, group, body)
                self._groups.add(group)
                self._last_seq = int(body["seq"])
                added += 1
            return added

    def groups(self, tenant: str | None = None) -> list[Group]:
        """Every (tenant, model, backend) seen so far (``tenant``: only its own)."""
        return sorted(g for g in self._groups if tenant is None or g[0] == tenant)

    def tenants(self) -> list[str]:
        return sorted({group[0] for group in self._groups})

    def overview(self, range_: Range, tenant: str | None, now: float | None = None) -> Overview:
        """Totals, a time series and breakdowns for ``range_`` ending now (``tenant``: only it)."""
        self.catch_up()
        step = range_.step
        until = (int((now or time.time()) // step) + 1) * step
        since = until - range_.seconds
        points = {start: Totals() for start in range(since, until, step)}
        whole = (tenant or ANY, ANY, ANY)
        per_group: dict[Group, Totals] = {}
        with self._lock:
            for start, groups in self._levels[step].between(since, until):
                found = groups.get(whole)
                if found is not None:
                    points[start].merge(found)
            for groups in self._spans(since, until, step):
                for group, totals in groups.items():
                    if group[1] == ANY or (tenant is not None and group[0] != tenant):
                        continue
                    row = per_group.get(group)
                    if row is None:
                        row = per_group[group] = Totals()
                    row.merge(totals)
        total = Totals()
        by_tenant: dict[str, Totals] = {}
        by_model: dict[str, Totals] = {}
        by_backend: dict[str, Totals] = {}
        for group, totals in per_group.items():
            total.merge(totals)
            for name, table in zip(group, (by_tenant, by_model, by_backend), strict=True):
                table.setdefault(name, Totals()).merge(totals)
        return Overview(
            range_,
            float(since),
            float(until),
            total,
            sorted(points.items()),
            by_tenant,
            by_model,
            by_backend,
        )

    def _spans(self, since: int, until: int, step: int) -> Iterable[dict[Group, Totals]]:
        """Buckets that together cover ``since..until`` once: the coarsest level inside it,
        the finer levels at its edges (fewer buckets to add up than steps of the chart)."""
        levels = [size for size in RESOLUTIONS if size >= step]
        yield from self._cover(since, until, levels[::-1])

    def _cover(self, since: int, until: int, sizes: list[int]) -> Iterable[dict[Group, Totals]]:
        size, finer = sizes[0], sizes[1:]
        if not finer:
            for _, groups in self._levels[size].between(since, until):
                yield groups
            return
        low = -(-since // size) * size
        high = until // size * size
        if low >= high:
            yield from self._cover(since, until, finer)
            return
        yield from self._cover(since, low, finer)
        for _, groups in self._levels[size].between(low, high):
            yield groups
        yield from self._cover(high, until, finer)
