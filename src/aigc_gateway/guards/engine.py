"""The guard engine: every registered detector, loaded once, run over one text in one direction.

``scan`` is the single code path behind the pipeline stages and ``POST /v1/guard``. Which
detectors read a text follows their registration (:mod:`.detectors`): span detectors (secrets,
structured PII, names) read every text, the injection classifier what users and tools put in
(tool texts as documents, see :mod:`.context`), the harm classifier user input and answers.
Every detector reads the text and its normalised and decoded views (:mod:`.normalize`);
classifiers share one n-gram pass per window.

Cost is linear in the text: span detectors see it in overlapping chunks of
:data:`CHUNK_CHARS` (so no pattern can cost more than a chunk's worth per chunk) and the
classifiers fixed windows. :meth:`GuardEngine.off_loop` runs long texts on the engine's own
worker threads, never on the event loop, and a scan that runs past the per-request budget
(``guards.scan_budget_s``) stops with :class:`~aigc_gateway.errors.GuardBudgetExceeded`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property, partial
from typing import TypeVar

from ..config import Settings
from ..errors import GuardBudgetExceeded
from .context import aimed_at_model
from .detectors import REGISTRY
from .features import Window, windows
from .model import Finding, SpanDetector, TextClassifier, resolve_overlaps
from .normalize import Reading, readings
from .policy import Policy
from .registry import DetectorRegistry, DetectorSpec, Direction

T = TypeVar("T")
CHUNK_CHARS = 16_384
CHUNK_OVERLAP = 1_024
"""Span findings up to this long are seen whole in one chunk (detectors registered with
``whole_text`` read the whole text instead)."""
INLINE_CHARS = 4_096
"""Texts up to this size (all texts of a request together) are scanned inline: well under a
millisecond per KB, cheaper than a hop to a worker thread."""


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
        self._workers = ThreadPoolExecutor(
            settings.guards.scan_workers, thread_name_prefix="guard-scan"
        )

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

    def deadline(self) -> Deadline:
        return Deadline(self._settings.guards.scan_budget_s)

    async def off_loop(self, size: int, work: Callable[[Deadline], T]) -> T:
        """Run ``work`` (a scan of ``size`` characters) within the budget: inline when small,
        else on a guard worker thread so the event loop keeps serving other requests."""
        deadline = self.deadline()
        if size <= INLINE_CHARS:
            return work(deadline)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers, work, deadline)

    async def scan_async(
        self,
        text: str,
        direction: Direction,
        role: str = "user",
        only: Collection[str] | None = None,
    ) -> list[Finding]:
        scan = partial(self.scan, text, direction, role, only)
        return await self.off_loop(len(text), lambda deadline: scan(deadline=deadline))

    def close(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)

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
            types = self._registry.wanted(spec, only)
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
            if (types := self._registry.wanted(spec, only)) and spec.reads(direction, role)
        ]
        best: dict[str, Finding] = {}
        for reading in reads if classifiers and text.strip() else ():
            if deadline is not None:
                deadline.check()
            parts = [
                Window(offset + part.start, offset + part.end, part.ids)
                for offset, end in reading.regions or ((0, len(reading.text)),)
                for part in windows(reading.text[offset:end])
            ]
            for detector, types, document in classifiers:
                for finding in detector.check_windows(reading.text, parts):
                    if finding.type not in types or not reading.accept(finding.start, finding.end):
                        continue
                    if document and not aimed_at_model(reading.text[finding.start : finding.end]):
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
