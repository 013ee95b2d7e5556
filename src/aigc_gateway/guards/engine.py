"""The guard engine: every registered detector, loaded once, run over one text in one direction.

``scan`` is the single code path behind the pipeline stages and ``POST /v1/guard``. Which
detectors read a text follows their registration (:mod:`.detectors`): span detectors (secrets,
structured PII, names) read every text, the injection classifier what users and tools put in
(tool texts as documents, see :mod:`.context`), the harm classifier user input and answers.
Every detector reads the text and its normalised and decoded views (:mod:`.normalize`);
classifiers share one n-gram pass per window.

Cost is linear in the text: span detectors see it in overlapping chunks of
:data:`CHUNK_CHARS` (so no pattern can cost more than a chunk's worth per chunk) and the
classifiers fixed windows. :meth:`GuardEngine.off_loop` scans small texts inline and longer ones
in the engine's scan worker processes, each with its own engine: never on the event loop, never
holding the gateway's GIL (a scan thread would: every step of the event loop would then wait
for it). Two pools, so that huge texts queue only behind each other: ``guards.scan_workers``
processes for texts up to :data:`LARGE_CHARS`, and half as many (at least one), at a lower CPU
priority, for larger ones. So a huge prompt slows only its own request. A scan that runs past
the per-request budget (``guards.scan_budget_s``) stops with
:class:`~aigc_gateway.errors.GuardBudgetExceeded`.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cached_property
from typing import Concatenate, ParamSpec, TypeVar, cast

from ..config import Settings
from ..errors import GuardBudgetExceeded, Unavailable
from .detectors import REGISTRY
from .features import Window, windows
from .model import DocumentClassifier, Finding, SpanDetector, TextClassifier, resolve_overlaps
from .normalize import Reading, readings
from .policy import Policy
from .registry import RESULT_ROLES, DetectorRegistry, DetectorSpec, Direction

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")
CHUNK_CHARS = 16_384
CHUNK_OVERLAP = 1_024
"""Span findings up to this long are seen whole in one chunk (detectors registered with
``whole_text`` read the whole text instead)."""
INLINE_CHARS = 4_096
"""Texts up to this size (all texts of a request together) are scanned inline: well under a
millisecond per KB, cheaper than a hop to a worker process."""
LARGE_CHARS = 65_536
"""Texts (all of a request's together) longer than this are scanned in the large-text pool."""
LARGE_NICENESS = 5
"""The large-text workers run at this lower CPU priority: on a busy machine the event loop and
ordinary requests come first."""


def chunks(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, piece)``: overlapping pieces of at most CHUNK_CHARS covering the text."""
    if len(text) <= CHUNK_CHARS:
        yield 0, text
        return
    step = CHUNK_CHARS - CHUNK_OVERLAP
    for start in range(0, len(text), step):
        yield start, text[start : start + CHUNK_CHARS]
        if start + CHUNK_CHARS >= len(text):
            return


class Deadline:
    """The per-request scan budget; ``check`` raises once it has run out."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise GuardBudgetExceeded(
                f"The guards could not scan this request within {self.seconds:g} s; "
                "send less text.",
            )


class GuardEngine:
    def __init__(self, settings: Settings, registry: DetectorRegistry = REGISTRY) -> None:
        self._settings = settings
        self._registry = registry
        self._spans: list[tuple[DetectorSpec, SpanDetector]] = []
        self._classifiers: list[tuple[DetectorSpec, TextClassifier]] = []
        for spec in registry.specs:
            if spec.kind == "span":
                self._spans.append((spec, spec.create()))
            else:
                self._classifiers.append((spec, spec.create()))
        self._policies: dict[str, Policy] = {}
        self._wanted: dict[tuple[str, Collection[str] | None], tuple[str, ...]] = {}
        """The registry's ``wanted`` per detector and ``only`` (a frozenset or None)."""
        self._pools: dict[bool, ProcessPoolExecutor] = {}
        """Scan worker processes by ``large``, started on first use: the first long text pays
        a worker's start (its detectors load in about 2 s), a gateway that never sees one
        starts none."""
        self._pools_lock = threading.Lock()

    @cached_property
    def default_policy(self) -> Policy:
        return Policy.build(self._settings.guards, None)

    def policy(self, tenant: str) -> Policy:
        policy = self._policies.get(tenant)
        if policy is None:
            tenant_settings = self._settings.tenant(tenant).guards
            policy = Policy.build(self._settings.guards, tenant_settings)
            self._policies[tenant] = policy
        return policy

    def wanted(self, spec: DetectorSpec, only: Collection[str] | None) -> tuple[str, ...]:
        """The types of ``spec`` a scan limited to ``only`` asks for (remembered for the
        stages' fixed sets)."""
        if only is not None and not isinstance(only, frozenset):
            return self._registry.wanted(spec, only)
        key = (spec.name, only)
        types = self._wanted.get(key)
        if types is None:
            types = self._wanted[key] = self._registry.wanted(spec, only)
        return types

    def deadline(self) -> Deadline:
        return Deadline(self._settings.guards.scan_budget_s)

    def _pool(self, large: bool) -> ProcessPoolExecutor:
        with self._pools_lock:
            pool = self._pools.get(large)
            if pool is None:
                count = self._settings.guards.scan_workers
                count = max(1, count // 2) if large else count
                pool = self._pools[large] = ProcessPoolExecutor(
                    count,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self._settings, self._registry, LARGE_NICENESS if large else 0),
                )
            return pool

    async def off_loop(
        self,
        size: int,
        work: Callable[Concatenate[GuardEngine, Deadline, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``work(engine, deadline, *args)`` (a scan of ``size`` characters) within the budget:
        inline when small, else in a scan worker process with that process's engine. ``work``
        and its arguments cross to the worker by pickle: a module-level function and data."""
        deadline = self.deadline()
        if size <= INLINE_CHARS:
            return work(self, deadline, *args, **kwargs)
        large = size > LARGE_CHARS
        pool = self._pool(large)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool, _in_worker, work, deadline, args, kwargs)
        except BrokenProcessPool:  # a worker was killed (out of memory, by hand): start anew
            with self._pools_lock:
                if self._pools.get(large) is pool:
                    del self._pools[large]
            pool.shutdown(wait=False, cancel_futures=True)
            log.error("a guard scan worker process died; starting new ones")
            raise Unavailable(
                "The guards could not scan this request: a scan worker stopped. Retry shortly.",
                code="guards_unavailable",
            ) from None

    async def scan_async(
        self,
        text: str,
        direction: Direction,
        role: str = "user",
        only: Collection[str] | None = None,
    ) -> list[Finding]:
        return await self.off_loop(len(text), scan_text, text, direction, role, only)

    def close(self) -> None:
        with self._pools_lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)

    def scan(
        self,
        text: str,
        direction: Direction,
        role: str = "user",
        only: Collection[str] | None = None,
        deadline: Deadline | None = None,
    ) -> list[Finding]:
        """Findings in ``text``; ``only`` limits the work to detectors of these types."""
        reads = readings(text, classifiers=True)
        spans: list[list[Finding]] = []
        for spec, detector in self._spans:
            types = self.wanted(spec, only)
            if not types or not spec.reads(direction, role):
                continue
            group: list[Finding] = []  # one group per detector: its best finding wins overlaps
            for reading in reads:
                if not reading.spans:
                    continue
                found = self._span_scan(spec, detector, reading, types, deadline)
                group += [reading.finding(f) for f in found if reading.accept(f.start, f.end)]
            spans.append(group)
        findings = [f for f in resolve_overlaps(*spans) if only is None or f.type in only]
        classifiers = [
            (detector, types, direction == "input" and role in spec.document_roles)
            for spec, detector in self._classifiers
            if (types := self.wanted(spec, only)) and spec.reads(direction, role)
        ]
        best: dict[str, Finding] = {}
        for reading in reads if classifiers and text.strip() else ():
            if deadline is not None:
                deadline.check()
            regions = reading.regions or ((0, len(reading.text)),)
            parts = [
                Window(offset + part.start, offset + part.end, part.ids)
                for offset, end in regions
                for part in windows(reading.text[offset:end])
            ]
            for detector, types, document in classifiers:
                found = detector.check_windows(reading.text, parts, direction)
                if document:
                    aiming = cast(DocumentClassifier, detector)
                    found = [p for f in found if (p := aiming.aimed_part(reading.text, f))]
                for offset, end in regions if document and role in RESULT_ROLES else ():
                    in_document = cast(DocumentClassifier, detector).check_document(
                        reading.text[offset:end]
                    )
                    found += _shifted(in_document, offset)
                for finding in found:
                    if finding.type not in types or not reading.accept(finding.start, finding.end):
                        continue
                    if finding.type not in best or finding.score > best[finding.type].score:
                        best[finding.type] = reading.finding(finding)
        findings += best.values()
        return findings

    @staticmethod
    def _span_scan(
        spec: DetectorSpec,
        detector: SpanDetector,
        reading: Reading,
        types: tuple[str, ...],
        deadline: Deadline | None,
    ) -> list[Finding]:
        text = reading.text
        if spec.whole_text:
            return detector.check(text, types)
        found: list[Finding] = []
        for start, end in reading.regions or ((0, len(text)),):
            for offset, piece in chunks(text[start:end]):
                if deadline is not None:
                    deadline.check()
                found += _shifted(detector.check(piece, types), start + offset)
        return found


def _shifted(findings: list[Finding], offset: int) -> list[Finding]:
    if not offset:
        return findings
    return [
        Finding(f.type, f.start + offset, f.end + offset, f.score, f.detector, f.category)
        for f in findings
    ]


def scan_text(
    engine: GuardEngine,
    deadline: Deadline,
    text: str,
    direction: Direction,
    role: str,
    only: Collection[str] | None,
) -> list[Finding]:
    """:meth:`GuardEngine.scan` in the shape :meth:`GuardEngine.off_loop` runs."""
    return engine.scan(text, direction, role, only, deadline)


_WORKER_ENGINE: GuardEngine | None = None
"""In a scan worker process: its own engine."""


def _start_worker(settings: Settings, registry: DetectorRegistry, niceness: int) -> None:
    global _WORKER_ENGINE
    os.nice(niceness)
    watched = threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True)
    watched.start()
    _WORKER_ENGINE = GuardEngine(settings, registry)


def _exit_with(parent: int) -> None:
    """A scan worker ends with the gateway, however the gateway ended (even SIGKILL: the
    pool's queues do not tell a worker that its parent is gone)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _in_worker(work: Callable[..., T], deadline: Deadline, args: tuple, kwargs: dict) -> T:
    assert _WORKER_ENGINE is not None
    return work(_WORKER_ENGINE, deadline, *args, **kwargs)
