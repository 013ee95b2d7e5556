"""The guard engine: every detector, loaded once, run over one text in one direction.

``scan`` is the single code path behind the pipeline stages and ``POST /v1/guard``. Span
detectors (secrets, structured PII, names) run on every text; the injection model runs on
what users and tools put in (indirect injection arrives in tool results and documents), the
harm model on user input and on answers. Both share one n-gram pass per window.

Cost is linear in the text: span detectors see it in overlapping chunks of
:data:`CHUNK_CHARS` (so no pattern can cost more than a chunk's worth per chunk) and the text
models in fixed windows. :meth:`GuardEngine.scan_async` runs long texts on the engine's own
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
from .features import windows
from .harm import HarmDetector
from .injection import InjectionDetector
from .model import PII_TYPES, SECRET_TYPES, Finding, resolve_overlaps
from .names import person_names
from .pii import StructuredPII
from .policy import Direction, Policy
from .secrets import Secrets

T = TypeVar("T")
INJECTION_ROLES = frozenset({"user", "tool", "function"})
HARM_INPUT_ROLES = frozenset({"user"})
STRUCTURED_TYPES = frozenset(PII_TYPES) - {"PERSON"}
CHUNK_CHARS = 16_384
CHUNK_OVERLAP = 1_024
"""Span findings up to this long are seen whole in one chunk (private-key blocks, which may be
longer, are matched on the whole text by their own linear pattern)."""
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
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._secrets = Secrets()
        self._pii = StructuredPII()
        self._names = person_names()
        self._injection = InjectionDetector()
        self._harm = HarmDetector()
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
        wanted = (lambda kind: True) if only is None else only.__contains__
        secrets = self._secrets.check(text) if any(map(wanted, SECRET_TYPES)) else []
        pii: list[Finding] = []
        names: list[Finding] = []
        structured = any(map(wanted, STRUCTURED_TYPES))
        for offset, piece in chunks(text):
            if deadline is not None:
                deadline.check()
            if structured:
                pii += _shifted(self._pii.check(piece, only), offset)
            if wanted("PERSON"):
                names += _shifted(self._names.check(piece), offset)
        findings = [f for f in resolve_overlaps(secrets, pii, names) if wanted(f.type)]
        injection = direction == "input" and role in INJECTION_ROLES and wanted("INJECTION")
        harm = (direction == "output" or role in HARM_INPUT_ROLES) and wanted("HARM")
        if (injection or harm) and text.strip():
            if deadline is not None:
                deadline.check()
            parts = windows(text)
            if injection:
                findings += self._injection.check_windows(text, parts)
            if harm:
                findings += self._harm.check_windows(text, parts)
        return findings


def _shifted(findings: list[Finding], offset: int) -> list[Finding]:
    if not offset:
        return findings
    return [
        Finding(f.type, f.start + offset, f.end + offset, f.score, f.detector, f.category)
        for f in findings
    ]
