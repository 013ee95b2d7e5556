"""One record's findings from the product's own detectors, and its cleaned copy.

A :class:`RecordScanner` is built once per worker process (or Ray actor): the guards'
``GuardEngine`` (PII, secrets, injection, harm), the labels' ``Verifier`` (watermark, registry,
explicit label) and, when asked, the model-based :class:`~.aigc.AigcDetector`. It turns a
:class:`Chunk` of raw records into a :class:`ChunkResult`: findings by type and span offsets,
never matched values; bad records reported with file and line.
"""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path
from typing import Any

from ..config import Settings
from ..guards.detectors import REGISTRY
from ..guards.engine import GuardEngine
from ..guards.model import Finding
from ..guards.policy import PseudonymMap, rewrite
from ..labeling.service import LabelService, tokenizer_path
from .aigc import AigcDetector
from .model import BadInput, Chunk, ChunkResult, RawRecord, RecordResult, ScanOptions

SPAN_TYPES = frozenset(REGISTRY.finding_types("span"))
"""Personal data and secrets: counted with their offsets, masked in the cleaned copy."""
RISK_TYPES = REGISTRY.finding_types("classifier")
"""Injection and unsafe content: their scores make a record's risk."""
BAD_BYTES = re.compile("[\udc80-\udcff]")
MARKERS = {"\0columns", "\0unreadable"}


class RecordError(ValueError):
    """Why a record could not be scanned (reported with its file and line)."""


def sampled(record_id: str, share: float) -> bool:
    """Deterministic sampling by id, so a resumed scan samples the same records."""
    return share >= 1.0 or zlib.crc32(record_id.encode()) / 2**32 < share


class RecordScanner:
    def __init__(self, settings: Settings, data_dir: Path, options: ScanOptions) -> None:
        self._options = options
        self._guards = GuardEngine(settings)
        self._labels = LabelService(settings, data_dir)
        self._aigc: AigcDetector | None = None
        if options.aigc_sample > 0:
            path = tokenizer_path(settings)
            if path is not None:
                self._aigc = AigcDetector(path, options.aigc_max_tokens)

    @property
    def aigc_available(self) -> bool:
        return self._aigc is not None

    def close(self) -> None:
        self._guards.close()
        self._labels.close()

    # --- one record -----------------------------------------------------------------------

    def _unpack(self, fmt: str, record: RawRecord) -> tuple[Any, str, str | None]:
        """(parsed payload, text, id or None); raises RecordError for bad input."""
        payload = record.payload
        if isinstance(payload, str) and BAD_BYTES.search(payload):
            raise RecordError("not valid UTF-8")
        if fmt == "text":
            assert isinstance(payload, str)
            return payload, payload, None
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except json.JSONDecodeError as exc:
                raise RecordError(f"malformed JSON: {exc.msg} at column {exc.colno}") from None
        if not isinstance(payload, dict):
            raise RecordError(f"a JSON {type(payload).__name__}, not an object")
        for marker in MARKERS & payload.keys():
            raise RecordError(str(payload[marker]))
        text = payload.get(self._options.text_field)
        if text is None:
            raise RecordError(f"no field '{self._options.text_field}'")
        if not isinstance(text, str):
            raise RecordError(f"field '{self._options.text_field}' is {type(text).__name__}")
        if isinstance(payload, dict) and any(
            isinstance(v, str) and BAD_BYTES.search(v) for v in payload.values()
        ):
            raise RecordError("not valid UTF-8")
        record_id = None
        if self._options.id_field is not None:
            value = payload.get(self._options.id_field)
            if value is None or isinstance(value, dict | list):
                raise RecordError(f"no usable id in field '{self._options.id_field}'")
            record_id = str(value)
        return payload, text, record_id

    def _aigc_evidence(self, result: RecordResult, text: str) -> None:
        evidence = self._labels.verifier.text(text)["evidence"]
        mark = evidence["watermark"]
        result.watermark = bool(mark.get("detected"))
        result.watermark_z = mark.get("z_score")
        result.registry = [match["produce_id"] for match in evidence["registry"]["matches"]]
        result.explicit_label = bool(evidence["explicit_label"]["found"])
        if self._aigc is not None and sampled(result.id, self._options.aigc_sample):
            score = self._aigc.score(text)
            result.aigc_score = None if score is None else score.score

    def scan_text(self, result: RecordResult, text: str) -> list[Finding]:
        findings = self._guards.scan(text, "input", role="user")
        for finding in findings:
            result.findings[finding.type] = result.findings.get(finding.type, 0) + 1
            best = result.max_score.get(finding.type, 0.0)
            result.max_score[finding.type] = max(best, finding.score)
            if finding.category:
                result.categories[finding.category] = result.categories.get(finding.category, 0) + 1
            if finding.type in SPAN_TYPES:
                result.spans.append((finding.type, finding.start, finding.end))
        self._aigc_evidence(result, text)
        risks = [result.max_score.get(kind, 0.0) for kind in RISK_TYPES]
        if result.aigc_score is not None:
            risks.append(result.aigc_score)
        if result.registry or result.watermark:
            risks.append(1.0)
        result.risk = max(risks)
        return findings

    def _clean(self, fmt: str, payload: Any, text: str, findings: list[Finding]) -> Any:
        mode = self._options.redact
        spans = [f for f in findings if f.type in SPAN_TYPES]
        pseudonyms = PseudonymMap() if mode == "pseudonymize" else None
        cleaned = rewrite(text, spans, lambda kind: mode or "allow", pseudonyms)
        if fmt == "text":
            return cleaned
        out = dict(payload)
        out[self._options.text_field] = cleaned
        return out

    # --- one chunk ------------------------------------------------------------------------

    def scan_chunk(self, chunk: Chunk) -> ChunkResult:
        results: list[RecordResult] = []
        bad: list[BadInput] = []
        redacted: list[Any] = []
        for record in chunk.records:
            default_id = f"{chunk.file}:{record.line}"
            try:
                payload, text, record_id = self._unpack(chunk.format, record)
            except RecordError as exc:
                bad.append(BadInput(chunk.file, record.line, str(exc)))
                if self._options.redact:
                    redacted.append(None)
                continue
            result = RecordResult(record_id or default_id, chunk.file, record.line, len(text))
            findings = self.scan_text(result, text)
            drop = self._options.drop_over
            result.dropped = bool(self._options.redact and drop is not None and result.risk >= drop)
            results.append(result)
            if self._options.redact:
                redacted.append(
                    None if result.dropped else self._clean(chunk.format, payload, text, findings)
                )
        last = chunk.records[-1].line if chunk.records else 0
        return ChunkResult(
            chunk.seq,
            chunk.file_index,
            chunk.file,
            chunk.format,
            results,
            bad,
            redacted,
            last,
            chunk.bytes_read,
        )
