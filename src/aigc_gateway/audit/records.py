"""What one audit record says about a request, built from the pipeline's :class:`UsageRecord`.

The *body* is a flat JSON object; its canonical bytes (keys sorted, no whitespace, UTF-8) are
what the chain hashes. Prompt and answer enter the body only as SHA-256 digests. Kept content
(redacted prompt and answer, when the tenant's policy says so) lives beside the body and is
committed to by ``content_sha256``, so retention can delete it without breaking the chain.

Guard findings and labels are read defensively from ``RequestContext.guard`` / ``.aigc``,
whatever shape the guard and label stages give them: only finding *types and counts*, the
guard action, ``ProduceID`` and the watermark key id are recorded, never matched text.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..pipeline import UsageRecord
from .energy import EnergyModel
from .redaction import redact

BODY_VERSION = 1
MAX_DEPTH = 4
_PRODUCE_ID_KEYS = frozenset({"produceid", "produce_id"})
_WATERMARK_KEYS = frozenset({"watermark_key_id", "watermarkkeyid"})
_COUNT_KEYS = ("count", "n")
_TYPE_KEYS = ("type", "kind", "category", "entity_type", "name")


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
    keep_content: bool,
) -> NewRecord:
    estimate = energy.estimate(
        usage.backend, usage.model, usage.prompt_tokens + usage.completion_tokens, usage.cpu_s
    )
    content = (
        canonical({"prompt": redact(usage.prompt), "answer": redact(usage.answer)}).decode()
        if keep_content
        else None
    )
    guard_policy = usage.guard.get("policy_version")
    action = usage.guard.get("action") or usage.guard.get("decision")
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
        "policy_version": str(guard_policy) if guard_policy else policy_version,
        "guard_action": str(action) if isinstance(action, str) else None,
        "findings": finding_counts(usage.guard),
        "produce_id": _first_value(usage.aigc, _PRODUCE_ID_KEYS),
        "watermark_key_id": _watermark_key_id(usage.aigc),
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


def finding_counts(guard: Mapping[str, Any]) -> dict[str, int]:
    """Finding types and counts from whatever ``findings`` the guards put into the context.

    Accepts ``{"findings": {"pii": 2}}``, ``{"findings": [{"type": "pii", ...}, "secret"]}``
    and the same one level down (e.g. ``{"input": {"findings": ...}, "output": {...}}``).
    """
    counts: Counter[str] = Counter()
    for found in _values_named(guard, "findings", MAX_DEPTH):
        if isinstance(found, Mapping):
            for name, value in found.items():
                counts[str(name)] += _count_of(value)
        elif isinstance(found, Iterable) and not isinstance(found, str | bytes):
            for item in found:
                name = _type_of(item)
                if name:
                    counts[name] += _count_of(item) if isinstance(item, Mapping) else 1
    return {name: count for name, count in sorted(counts.items()) if count > 0}


def _count_of(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Mapping):
        for key in _COUNT_KEYS:
            if isinstance(value.get(key), int):
                return int(value[key])
        return 1
    if isinstance(value, list | tuple):
        return len(value)
    return 1


def _type_of(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        for key in _TYPE_KEYS:
            if isinstance(item.get(key), str):
                return str(item[key])
    return None


def _values_named(mapping: Mapping[str, Any], name: str, depth: int) -> Iterable[Any]:
    for key, value in mapping.items():
        if key == name:
            yield value
        elif depth > 1 and isinstance(value, Mapping):
            yield from _values_named(value, name, depth - 1)


def _first_value(mapping: Mapping[str, Any], names: frozenset[str], depth: int = MAX_DEPTH) -> Any:
    for key, value in mapping.items():
        if key.lower() in names and isinstance(value, str | int) and value != "":
            return str(value)
    if depth > 1:
        for value in mapping.values():
            if isinstance(value, Mapping):
                found = _first_value(value, names, depth - 1)
                if found is not None:
                    return found
    return None


def _watermark_key_id(aigc: Mapping[str, Any]) -> str | None:
    found = _first_value(aigc, _WATERMARK_KEYS)
    if found is None and isinstance(aigc.get("watermark"), Mapping):
        found = _first_value(aigc["watermark"], frozenset({"key_id", "keyid"}))
    return found
