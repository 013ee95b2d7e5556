"""The guard model every detector shares: a :class:`Finding` and the detector protocols.

A detector looks at one piece of text and returns findings: what it found (``type``), where
(``start``/``end``, Python string offsets, end exclusive), how sure it is (``score`` in 0..1)
and which detector said so. It never decides what happens; the policy does.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .features import Window
    from .registry import Direction

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class Finding:
    type: str
    start: int
    end: int
    score: float
    detector: str
    category: str | None = None
    """A finer label where the family has a taxonomy (e.g. the hazard category of HARM)."""

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "detector": self.detector,
        }
        if self.category:
            found["category"] = self.category
        return found


class SpanDetector(Protocol):
    """Finds spans: ``check(text, types)`` returns findings of the asked types."""

    name: str

    def check(self, text: str, types: Collection[str]) -> list[Finding]: ...


class TextClassifier(Protocol):
    """Judges windows of a text (shared n-gram ids) read in one direction (a prompt or an
    answer); returns at most a few findings."""

    name: str

    def check_windows(
        self, text: str, parts: list[Window], direction: Direction
    ) -> list[Finding]: ...


class DocumentClassifier(TextClassifier, Protocol):
    """A classifier registered with ``document_roles``: in a document, ``aimed_part`` says what
    of a window finding counts (the part that speaks to the model, :mod:`.context`; None for
    nothing), and in texts a tool returned (``registry.RESULT_ROLES``) ``check_document`` adds
    what it finds that needs no such address (e.g. a planted task)."""

    def aimed_part(self, text: str, found: Finding) -> Finding | None: ...

    def check_document(self, text: str) -> list[Finding]: ...


def language_of(text: str) -> str:
    """``zh`` if the text has Chinese characters, else ``en`` (picks the refusal language).
    ASCII text (no Chinese possible; constant time in CPython) needs no search."""
    return "zh" if not text.isascii() and CJK.search(text) else "en"


def resolve_overlaps(*groups: list[Finding]) -> list[Finding]:
    """Non-overlapping findings: earlier groups win, then the higher score, then the longer span.

    Kept spans are held sorted by start, so each candidate is checked against its two
    neighbours only: O(k log k) for k findings.
    """
    starts: list[int] = []
    kept: list[Finding] = []
    for group in groups:
        for finding in sorted(group, key=lambda f: (-f.score, f.start - f.end, f.start)):
            at = bisect.bisect_left(starts, finding.start)
            if at > 0 and kept[at - 1].end > finding.start:
                continue
            if at < len(kept) and kept[at].start < finding.end:
                continue
            starts.insert(at, finding.start)
            kept.insert(at, finding)
    return kept
