"""Redaction of kept audit content: personal data and secrets become ``[TYPE]`` placeholders.

Applied only when a tenant's policy keeps content. There is one implementation of "what is
personal data": the guards'. :class:`Redactor` asks the :class:`GuardEngine` for its findings
of every personal-data and secret type (the same detectors, the same linear-time scan the
input and output guards run) and masks them with the policy's own ``rewrite``; the audit trail
has no patterns of its own. :meth:`Redactor.prepared` runs it off the event loop, long texts in
the guards' scan worker processes (:meth:`GuardEngine.off_loop`).
"""

from __future__ import annotations

from collections.abc import Callable

from ..guards.detectors import REGISTRY
from ..guards.engine import Deadline, GuardEngine
from ..guards.policy import rewrite

REDACTED_TYPES = frozenset(REGISTRY.finding_types("span"))
"""Every type a span detector finds: personal data, names and secrets."""


def _mask(_kind: str) -> str:
    return "mask"


def redact_text(engine: GuardEngine, _deadline: Deadline | None, text: str) -> str:
    """``text`` with every finding masked. No time budget: the request it records was already
    scanned within its budget, and a record is never dropped for time."""
    if not text:
        return text
    findings = engine.scan(text, "output", only=REDACTED_TYPES)
    return rewrite(text, findings, _mask, None)


class Redactor:
    """``redactor(text)``: the text with every personal-data and secret finding masked."""

    def __init__(self, engine: GuardEngine) -> None:
        self._engine = engine

    def __call__(self, text: str) -> str:
        return redact_text(self._engine, None, text)

    async def prepared(self, *texts: str) -> Callable[[str], str]:
        """``texts`` redacted off the event loop; returns the lookup ``build_record`` calls."""
        done: dict[str, str] = {}
        for text in texts:
            if text not in done:
                done[text] = await self._engine.off_loop(len(text), redact_text, text)
        return done.__getitem__
