"""The GB 45438-2025 implicit label: the seven metadata fields and their integrity codes.

``ReservedCode1`` and ``ReservedCode2`` (the standard leaves their content to the producer and
the propagator for "security protection") carry an HMAC over the label's identifying fields with
the gateway's label key, so that a label found later can be checked as one issued here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from ..ids import random_hex
from ..reports import LabelReport

LABEL_AI_GENERATED = "1"
"""GB 45438 ``Label``: 1 = AI-generated, 2 = possibly, 3 = suspected."""
FIELDS = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
CODE_PREFIX = "hmac-sha256:"


def new_produce_id() -> str:
    """A unique content production number (sortable by time is not needed; uniqueness is)."""
    return "aigc-" + random_hex(12)


class ImplicitLabels:
    """Issues and checks implicit labels for one gateway (one producer, one label key)."""

    def __init__(self, key: bytes, producer: str, propagator: str | None) -> None:
        self._key = key
        self.producer = producer
        self.propagator = propagator or producer

    def _code(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode()
        return CODE_PREFIX + hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def issue(self, produce_id: str, propagate_id: str) -> dict[str, str]:
        """The seven fields for one piece of content."""
        return {
            "Label": LABEL_AI_GENERATED,
            "ContentProducer": self.producer,
            "ProduceID": produce_id,
            "ReservedCode1": self._code("produce", self.producer, produce_id),
            "ContentPropagator": self.propagator,
            "PropagateID": propagate_id,
            "ReservedCode2": self._code("propagate", self.propagator, propagate_id),
        }

    def check(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Evidence from a label found somewhere: which fields, and whether its codes are ours."""
        found = {name: fields[name] for name in FIELDS if name in fields}
        producer_ok = hmac.compare_digest(
            str(found.get("ReservedCode1", "")),
            self._code(
                "produce", str(found.get("ContentProducer", "")), str(found.get("ProduceID", ""))
            ),
        )
        return {
            "fields": found,
            "complete": len(found) == len(FIELDS),
            "issued_here": producer_ok,
        }


def label_headers(reports: Sequence[LabelReport]) -> dict[str, str]:
    """Response headers for a response's labels (ASCII-only values): every ProduceID, the first
    content's implicit label and explicit label text."""
    if not reports:
        return {}
    first = reports[0]
    headers = {
        "x-aigc-produce-id": ",".join(report.produce_id for report in reports),
        "x-aigc-label": json.dumps(first.fields, separators=(",", ":")),
    }
    if first.explicit is not None:
        headers["x-aigc-explicit-label"] = json.dumps(first.explicit.text)
    return headers
