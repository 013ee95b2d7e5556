"""What one audit record says about a request, built from the pipeline's :class:`UsageRecord`.

The *body* is a flat JSON object; its canonical bytes (keys sorted, no whitespace, UTF-8) are
what the chain hashes. Prompt and answer enter the body only as SHA-256 digests. Kept content
(redacted prompt and answer, when the tenant's policy says so) lives beside the body and is
committed to by ``content_sha256``, so retention can delete it without breaking the chain.

Guard findings and labels come from the typed :class:`GuardReport` and :class:`LabelReport`:
only finding *types, counts and spans* (field and character offsets), the guard decision, each
content's ``ProduceID``, whether its visible label was written, and the references of its marks
(text watermark key id, image watermark, C2PA signer) are recorded, never matched text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..pipeline import UsageRecord
from ..providers.base import TEXT_KINDS
from .energy import EnergyModel

BODY_VERSION = 3
"""2: ``labels`` (every content's ProduceID and mark references) added. 3: ``spans`` (each
finding's type, field, offsets and action) and, per text label, ``explicit`` (its placement
and whether it was written into the answer). Older records stay valid as they were written."""
MAX_SPANS = 256
"""Most finding spans one record keeps (the first ones; ``findings`` still counts them all)."""


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes of a body (or any JSON value)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def sha256_hex(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A record before it joins the chain: body without ``seq``/``prev_hash``, kept content."""

    body: dict[str, Any]
    content: str | None


def build_record(
    usage: UsageRecord,
    *,
    finished_at: float,
    policy_version: str,
    energy: EnergyModel,
    redact: Callable[[str], str] | None = None,
) -> NewRecord:
    """The record of one request; with ``redact``, the content is kept, redacted by it."""
    estimate = energy.estimate(
        usage.backend, usage.model, usage.prompt_tokens + usage.completion_tokens, usage.cpu_s
    )
    content = (
        canonical({"prompt": redact(usage.prompt), "answer": redact(usage.answer)}).decode()
        if redact is not None
        else None
    )
    first = usage.labels[0] if usage.labels else None
    watermark = first.marks.get("watermark") if first and usage.kind in TEXT_KINDS else None
    body: dict[str, Any] = {
        "v": BODY_VERSION,
        "request_id": usage.request_id,
        "created_at": usage.created_at,
        "finished_at": round(finished_at, 3),
        "tenant": usage.tenant,
        "key_id": usage.key_id,
        "kind": usage.kind,
        "model": usage.model,
        "backend": usage.backend,
        "stream": usage.stream,
        "status": usage.status,
        "finish_reason": usage.finish_reason,
        "error_code": usage.error_code,
        "policy_version": policy_version,
        "guard_action": usage.guard.decision,
        "findings": usage.guard.finding_counts(),
        "spans": [span.as_dict() for span in usage.guard.spans()[:MAX_SPANS]],
        "produce_id": first.produce_id if first else None,
        "watermark_key_id": watermark.ref if watermark and watermark.applied else None,
        "labels": [report.audit_summary() for report in usage.labels],
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "latency_ms": round(usage.latency_ms, 3),
        "first_token_ms": None if usage.first_token_ms is None else round(usage.first_token_ms, 3),
        "cpu_s": None if usage.cpu_s is None else round(usage.cpu_s, 6),
        "energy_wh": round(estimate.wh, 9),
        "energy_method": estimate.method,
        "carbon_g": round(estimate.carbon_g, 9),
        "grid_region": energy.region,
        "grid_g_per_kwh": energy.grid_g_per_kwh,
        "prompt_sha256": sha256_hex(usage.prompt),
        "answer_sha256": sha256_hex(usage.answer),
        "content_sha256": None if content is None else sha256_hex(content),
    }
    return NewRecord(body, content)


def index_columns(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """The queryable columns a store keeps beside the body, derived from it (and checked)."""
    findings = body.get("findings") or {}
    return (
        body["seq"],
        body["request_id"],
        body["created_at"],
        body["tenant"],
        body["key_id"],
        body["model"],
        body["backend"],
        body["status"],
        body["produce_id"],
        "".join(f",{name}" for name in sorted(findings)) + ("," if findings else ""),
        body["prompt_tokens"],
        body["completion_tokens"],
        body["energy_wh"],
        body["carbon_g"],
    )


INDEX_COLUMN_NAMES = (
    "seq",
    "request_id",
    "created_at",
    "tenant",
    "key_id",
    "model",
    "backend",
    "status",
    "produce_id",
    "findings",
    "prompt_tokens",
    "completion_tokens",
    "energy_wh",
    "carbon_g",
)
