"""The typed objects a scan passes between its stages: options, chunks of records, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Format = Literal["jsonl", "csv", "parquet", "text"]
RedactMode = Literal["mask", "pseudonymize"]


@dataclass(frozen=True, slots=True)
class ScanOptions:
    inputs: tuple[Path, ...]
    out: Path
    text_field: str = "text"
    id_field: str | None = None
    workers: int = 1
    redact: RedactMode | None = None
    drop_over: float | None = None
    """With ``redact``: records whose risk is at least this are left out of the cleaned copy."""
    aigc_sample: float = 0.01
    """Share of records given the model-based AI-text score (0 turns it off); the score costs
    about a second of CPU per record, so by default a 1 % sample estimates the dataset's share."""
    aigc_max_tokens: int = 128
    chunk_records: int = 500
    worst: int = 20
    resume: bool = True


@dataclass(frozen=True, slots=True)
class InputFile:
    path: Path
    name: str
    """The name outputs use: relative to the folder it was found in."""
    format: Format
    compression: str | None
    """``gzip``, ``zstd`` or None, detected from the magic bytes."""
    size: int


@dataclass(frozen=True, slots=True)
class RawRecord:
    line: int
    """1-based line (JSONL, text), row (CSV, after the header) or row (Parquet) number."""
    payload: str | dict[str, Any] | bytes
    """A JSONL or text line (bytes if it is not UTF-8), or a CSV/Parquet row."""


@dataclass(frozen=True, slots=True)
class Chunk:
    seq: int
    file_index: int
    file: str
    format: Format
    records: list[RawRecord]
    bytes_read: int
    """Input bytes consumed up to the end of this chunk (compressed size for compressed files)."""


@dataclass(frozen=True, slots=True)
class BadInput:
    file: str
    line: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "reason": self.reason}


@dataclass(slots=True)
class RecordResult:
    """What one record holds: counts and categories, never the matched values."""

    id: str
    file: str
    line: int
    chars: int
    findings: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    max_score: dict[str, float] = field(default_factory=dict)
    spans: list[tuple[str, int, int]] = field(default_factory=list)
    aigc_score: float | None = None
    registry: list[str] = field(default_factory=list)
    """ProduceIDs of registry matches (our own outputs)."""
    watermark_z: float | None = None
    watermark: bool = False
    explicit_label: bool = False
    risk: float = 0.0
    dropped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "file": self.file,
            "line": self.line,
            "chars": self.chars,
            "risk": round(self.risk, 4),
            "findings": self.findings,
            "categories": self.categories,
            "max_score": {k: round(v, 4) for k, v in self.max_score.items()},
            "spans": [{"type": t, "start": s, "end": e} for t, s, e in self.spans],
            "aigc": {
                "score": None if self.aigc_score is None else round(self.aigc_score, 4),
                "registry": self.registry,
                "watermark": self.watermark,
                "watermark_z": self.watermark_z,
                "explicit_label": self.explicit_label,
                "generated_here": bool(self.registry or self.watermark or self.explicit_label),
            },
            "dropped": self.dropped,
        }


@dataclass(slots=True)
class ChunkResult:
    seq: int
    file_index: int
    file: str
    format: Format
    records: list[RecordResult]
    bad: list[BadInput]
    redacted: list[str | dict[str, Any] | None]
    """Per input record, in order: the cleaned payload, or None when it is left out."""
    last_line: int
    bytes_read: int
