"""The guard model every detector shares: a :class:`Finding` and the :class:`Detector` protocol.

A detector looks at one piece of text and returns findings: what it found (``type``), where
(``start``/``end``, Python string offsets, end exclusive), how sure it is (``score`` in 0..1)
and which detector said so. It never decides what happens; the policy does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

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


class Detector(Protocol):
    """One detector family: ``check(text)`` returns findings, most specific first."""

    name: str

    def check(self, text: str) -> list[Finding]: ...


def language_of(text: str) -> str:
    """``zh`` if the text has Chinese characters, else ``en`` (picks the refusal language)."""
    return "zh" if CJK.search(text) else "en"


def resolve_overlaps(*groups: list[Finding]) -> list[Finding]:
    """Non-overlapping findings: earlier groups win, then the higher score, then the longer span."""
    kept: list[Finding] = []
    for group in groups:
        for finding in sorted(group, key=lambda f: (-f.score, f.start - f.end, f.start)):
            if all(finding.end <= other.start or finding.start >= other.end for other in kept):
                kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


PII_TYPES = (
    "PERSON",
    "EMAIL",
    "PHONE",
    "ID_NUMBER",
    "PASSPORT",
    "CREDIT_CARD",
    "IBAN",
    "IP",
    "ADDRESS",
    "LICENSE_PLATE",
    "DATE_OF_BIRTH",
    "URL_CREDENTIALS",
)
SECRET_TYPES = ("API_KEY", "JWT", "PRIVATE_KEY", "PASSWORD")
CLASSIFIED_TYPES = ("INJECTION", "HARM")
FINDING_TYPES = (*PII_TYPES, *SECRET_TYPES, *CLASSIFIED_TYPES)
