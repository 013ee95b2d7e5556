"""The running totals of a scan, kept in its checkpoint so a resumed scan continues them."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .model import BadInput, ChunkResult, RecordResult

AIGC_THRESHOLD = 0.5
BUCKETS = 10
BAD_EXAMPLES = 50


@dataclass(slots=True)
class ScanTotals:
    records: int = 0
    characters: int = 0
    bad_input: int = 0
    dropped: int = 0
    records_with: Counter[str] = field(default_factory=Counter)
    """Records with at least one finding of each type."""
    findings: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    bad_reasons: Counter[str] = field(default_factory=Counter)
    bad_examples: list[dict[str, Any]] = field(default_factory=list)
    aigc_scored: int = 0
    aigc_flagged: int = 0
    aigc_histogram: list[int] = field(default_factory=lambda: [0] * BUCKETS)
    generated_here: int = 0
    per_file: Counter[str] = field(default_factory=Counter)
    worst: list[tuple[float, str, str, int, dict[str, int]]] = field(default_factory=list)

    def add(self, chunk: ChunkResult, worst: int) -> None:
        self.per_file[chunk.file] += len(chunk.records)
        for record in chunk.records:
            self._record(record, worst)
        for bad in chunk.bad:
            self._bad(bad)

    def _record(self, record: RecordResult, worst: int) -> None:
        self.records += 1
        self.characters += record.chars
        self.dropped += record.dropped
        self.records_with.update(record.findings.keys())
        self.findings.update(record.findings)
        self.categories.update(record.categories)
        if record.aigc_score is not None:
            self.aigc_scored += 1
            self.aigc_flagged += record.aigc_score >= AIGC_THRESHOLD
            self.aigc_histogram[min(BUCKETS - 1, int(record.aigc_score * BUCKETS))] += 1
        self.generated_here += bool(record.registry or record.watermark or record.explicit_label)
        if record.risk > 0 or record.findings:
            key = (record.risk, record.id, record.file, record.line, dict(record.findings))
            weight = sum(record.findings.values())
            entry = (record.risk + weight * 1e-6, *key[1:])
            if len(self.worst) < worst:
                heapq.heappush(self.worst, entry)
            elif entry > self.worst[0]:
                heapq.heapreplace(self.worst, entry)

    def _bad(self, bad: BadInput) -> None:
        self.bad_input += 1
        self.bad_reasons[bad.reason.split(":")[0]] += 1
        if len(self.bad_examples) < BAD_EXAMPLES:
            self.bad_examples.append(bad.as_dict())

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "characters": self.characters,
            "bad_input": self.bad_input,
            "dropped": self.dropped,
            "records_with": dict(self.records_with),
            "findings": dict(self.findings),
            "categories": dict(self.categories),
            "bad_reasons": dict(self.bad_reasons),
            "bad_examples": self.bad_examples,
            "aigc_scored": self.aigc_scored,
            "aigc_flagged": self.aigc_flagged,
            "aigc_histogram": self.aigc_histogram,
            "generated_here": self.generated_here,
            "per_file": dict(self.per_file),
            "worst": [list(entry) for entry in self.worst],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanTotals:
        totals = cls()
        for name in (
            "records",
            "characters",
            "bad_input",
            "dropped",
            "aigc_scored",
            "aigc_flagged",
            "generated_here",
        ):
            setattr(totals, name, data[name])
        for name in ("records_with", "findings", "categories", "bad_reasons", "per_file"):
            setattr(totals, name, Counter(data[name]))
        totals.bad_examples = list(data["bad_examples"])
        totals.aigc_histogram = list(data["aigc_histogram"])
        totals.worst = [tuple(entry) for entry in data["worst"]]  # type: ignore[misc]
        heapq.heapify(totals.worst)
        return totals

    def worst_records(self) -> list[dict[str, Any]]:
        return [
            {"id": rid, "file": file, "line": line, "risk": round(risk, 4), "findings": found}
            for risk, rid, file, line, found in sorted(self.worst, reverse=True)
        ]

    def aigc_share(self) -> float | None:
        return self.aigc_flagged / self.aigc_scored if self.aigc_scored else None
