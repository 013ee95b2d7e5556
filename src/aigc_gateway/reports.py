"""What the stages report about one request: the guard report and the label report.

The guard stages fill a :class:`GuardReport`, the label stage one :class:`LabelReport` per piece
of generated content (one text, or each image); the API returns them as the ``guard`` and
``aigc`` objects and the audit stage records them. Neither ever holds matched text or personal
data: counts, actions, identifiers, and where findings were (:class:`FindingSpan`: a field and
character offsets).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class FindingSpan:
    """Where one finding was: the field (``messages[0].content``; ``answer`` for the output)
    and the character offsets ``[start, end)`` in that field's text as the guard scanned it
    (the client's text for input; the answer before output masking, placeholders restored,
    without the visible label), with the action it got. Never the matched text."""

    type: str
    field: str
    start: int
    end: int
    action: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "action": self.action,
        }


@dataclass(slots=True)
class DirectionReport:
    """The guards' decision for one direction (input or output), with counts per finding type."""

    decision: str = "allow"
    findings: dict[str, int] = field(default_factory=dict)
    actions: dict[str, str] = field(default_factory=dict)
    """The action each finding type got."""
    categories: dict[str, int] = field(default_factory=dict)
    """Counts per finer category where a family has a taxonomy (e.g. hazard categories)."""
    fields: list[str] = field(default_factory=list)
    """Where in the request the findings were (``messages[0].content``, ``user`` …)."""
    spans: list[FindingSpan] = field(default_factory=list)
    """Each finding's field and offsets, for the audit record (not in the API's object)."""

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"decision": self.decision, "findings": dict(self.findings)}
        if self.findings:
            found["actions"] = dict(self.actions)
        if self.categories:
            found["categories"] = dict(self.categories)
        if self.fields:
            found["fields"] = list(self.fields)
        return found


@dataclass(slots=True)
class GuardReport:
    """What the guard stages decided about a request; empty when no guard ran."""

    decision: str | None = None
    """The strongest action taken over both directions; None while no guard has run."""
    input: DirectionReport | None = None
    output: DirectionReport | None = None

    def __bool__(self) -> bool:
        return self.decision is not None

    def finding_counts(self) -> dict[str, int]:
        """Findings per type over both directions, sorted by type."""
        counts: Counter[str] = Counter()
        for part in (self.input, self.output):
            if part is not None:
                counts.update(part.findings)
        return {name: count for name, count in sorted(counts.items()) if count > 0}

    def spans(self) -> list[FindingSpan]:
        """Every finding's span, input first."""
        return [span for part in (self.input, self.output) if part for span in part.spans]

    def as_dict(self) -> dict[str, Any]:
        if self.decision is None:
            return {}
        body: dict[str, Any] = {"decision": self.decision}
        if self.input is not None:
            body["input"] = self.input.as_dict()
        if self.output is not None:
            body["output"] = self.output.as_dict()
        return body


@dataclass(frozen=True, slots=True)
class Mark:
    """One machine-readable mark on a piece of content, applied or not.

    ``public`` is what the client sees under the mark's name in the ``aigc`` object; ``ref`` is
    what verification recognises the mark by (the text watermark's key id, an image's 64-bit
    watermark, the C2PA signer), recorded in the audit trail.
    """

    applied: bool
    public: Any
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class ExplicitLabel:
    """The visible label: its wording, the language it was chosen for, where it goes, and
    where it was actually written into the text (``written``: ``start``/``end``; empty when
    the answer carries no visible label)."""

    text: str
    language: str
    placement: str
    written: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, str]:
        return {"text": self.text, "language": self.language, "placement": self.placement}


@dataclass(slots=True)
class LabelReport:
    """The labels of one piece of generated content: the GB 45438 implicit label fields, the
    explicit label (text only) and every mark, by name (``watermark``, ``fingerprint``, ``xmp``,
    ``c2pa``)."""

    fields: dict[str, str]
    """The seven GB 45438 implicit label fields, in the standard's order."""
    explicit: ExplicitLabel | None = None
    marks: dict[str, Mark] = field(default_factory=dict)
    content_sha256: str | None = None
    """SHA-256 of the labelled bytes (images), so a delivered file matches its audit record."""

    @property
    def produce_id(self) -> str:
        return self.fields["ProduceID"]

    def note_written(self, where: str) -> None:
        """The pipeline wrote the visible label into the text at ``where`` (start or end)."""
        if self.explicit is not None:
            self.explicit = replace(self.explicit, written=(*self.explicit.written, where))

    def as_dict(self) -> dict[str, Any]:
        """The response's ``aigc`` object."""
        body: dict[str, Any] = dict(self.fields)
        if self.explicit is not None:
            body["explicit_label"] = self.explicit.as_dict()
        for name, mark in self.marks.items():
            body[name] = mark.public
        return body

    def audit_summary(self) -> dict[str, Any]:
        """What the audit record keeps: the ProduceID and each mark's reference (or whether it
        was applied, for marks without one)."""
        summary: dict[str, Any] = {
            "produce_id": self.produce_id,
            "marks": {
                name: mark.ref if mark.applied and mark.ref else mark.applied
                for name, mark in sorted(self.marks.items())
            },
        }
        if self.explicit is not None:
            summary["explicit"] = {
                "placement": self.explicit.placement,
                "applied": bool(self.explicit.written),
                "written": list(self.explicit.written),
            }
        if self.content_sha256 is not None:
            summary["sha256"] = self.content_sha256
        return summary
