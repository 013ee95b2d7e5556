"""Redaction of kept audit content: personal data and secrets become ``[TYPE]`` placeholders.

Applied only when a tenant's policy keeps content. There is one implementation of "what is
personal data": the guards'. :class:`Redactor` asks the :class:`GuardEngine` for its findings
of every personal-data and secret type (the same detectors, the same linear-time scan the
input and output guards run) and masks them with the policy's own ``rewrite``; the audit trail
has no patterns of its own. It runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

from ..guards.detectors import REGISTRY
from ..guards.engine import GuardEngine
from ..guards.policy import rewrite

REDACTED_TYPES = frozenset(REGISTRY.finding_types("span"))
"""Every type a span detector finds: personal data, names and secrets."""


def _mask(_kind: str) -> str:
    return "mask"


class Redactor:
    """``redactor(text)``: the text with every personal-data and secret finding masked."""

    def __init__(self, engine: GuardEngine) -> None:
        self._engine = engine

    def __call__(self, text: str) -> str:
        if not text:
            return text
        findings = self._engine.scan(text, "output", only=REDACTED_TYPES)
        return rewrite(text, findings, _mask, None)
