"""Verification: was this text or image produced here, and by which request?

The verdict is ``generated_here`` when any strong evidence says so (the text watermark, a
registry match, a C2PA manifest signed with our certificate, GB 45438 metadata whose reserved
code is ours, or the image watermark), ``not_generated_here`` when the evidence could have shown
it and did not, and ``unknown`` when the input is too small to tell. Every piece of evidence is
returned with the verdict.
"""

from __future__ import annotations

from typing import Any

from ..config import Settings
from ..errors import InvalidRequest
from .images import ImageLabels
from .registry import LabelRegistry
from .watermark import WatermarkDetector

GENERATED_HERE = "generated_here"
NOT_GENERATED_HERE = "not_generated_here"
UNKNOWN = "unknown"
MIN_TRACEABLE_CHARS = 50
"""Registry tracing is designed for copies of at least this many characters."""


class Verifier:
    def __init__(
        self,
        settings: Settings,
        detector: WatermarkDetector | None,
        registry: LabelRegistry,
        images: ImageLabels,
    ) -> None:
        self._detector = detector
        self._registry = registry
        self._images = images
        explicit = [
            settings.labels.explicit,
            *(
                tenant.labels.explicit
                for tenant in settings.tenants.values()
                if tenant.labels and tenant.labels.explicit
            ),
        ]
        self._label_texts = sorted({text for e in explicit for text in (e.text_en, e.text_zh)})

    def text(self, text: str) -> dict[str, Any]:
        watermark = (
            self._detector.detect(text)
            if self._detector is not None
            else {"detected": False, "decided": False, "reason": "no tokenizer available"}
        )
        matches = self._registry.trace_text(text)
        explicit = [label for label in self._label_texts if label in text]
        if watermark["detected"] or matches:
            verdict = GENERATED_HERE
        elif watermark["decided"] or len(text.strip()) >= MIN_TRACEABLE_CHARS:
            verdict = NOT_GENERATED_HERE
        else:
            verdict = UNKNOWN
        return {
            "kind": "text",
            "verdict": verdict,
            "characters": len(text),
            "evidence": {
                "watermark": watermark,
                "registry": {"matches": matches},
                "explicit_label": {"found": explicit},
            },
        }

    def file(self, data: bytes) -> dict[str, Any]:
        """A file's bytes: an image if it looks like one, else UTF-8 text."""
        if looks_like_image(data):
            return self.image(data)
        try:
            return self.text(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise InvalidRequest("The file is neither an image nor UTF-8 text.") from None

    def image(self, data: bytes) -> dict[str, Any]:
        evidence = self._images.inspect(data)
        c2pa, xmp, watermark = evidence["c2pa"], evidence["xmp"], evidence["watermark"]
        signed_here = bool(
            c2pa.get("trusted") and c2pa.get("label") and c2pa["label"]["issued_here"]
        )
        xmp_here = bool(xmp.get("issued_here"))
        if signed_here or xmp_here or watermark.get("detected"):
            verdict = GENERATED_HERE
        elif watermark.get("checked"):
            verdict = NOT_GENERATED_HERE
        else:
            verdict = UNKNOWN
        return {"kind": "image", "verdict": verdict, "evidence": evidence}


def looks_like_image(data: bytes) -> bool:
    signatures = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF", b"GIF8", b"BM", b"II*\x00")
    return data.startswith(signatures) or data[4:12] in (b"ftypavif", b"ftypheic")


def for_tenant(result: dict[str, Any], tenant: str) -> dict[str, Any]:
    """The result as a non-admin caller of ``tenant`` may see it: records of other tenants keep
    their ProduceID (it is in the content's own label) but lose request id and tenant."""
    evidence = result["evidence"]
    hidden = {"request_id": None, "tenant": "(another tenant)"}
    if result["kind"] == "text":
        matches = evidence["registry"]["matches"]
        evidence["registry"]["matches"] = [
            match if match["tenant"] == tenant else {**match, **hidden} for match in matches
        ]
    else:
        mark = evidence["watermark"]
        if mark.get("tenant") not in (None, tenant):
            evidence["watermark"] = {**mark, **hidden}
    return result
