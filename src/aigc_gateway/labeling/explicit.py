"""The explicit (visible) label: its wording in the user's language and where it goes.

The label is always reported in the response metadata and headers; it is written into the text
only when the tenant's placement asks for it and the output is free text (never JSON mode, never
tool calls).
"""

from __future__ import annotations

from ..config import ExplicitLabelSettings
from ..pipeline import TextLabel
from ..providers.base import GenerationRequest
from ..reports import ExplicitLabel


def is_free_text(request: GenerationRequest) -> bool:
    """False for JSON mode and for requests that offer tools: no label inside that output."""
    response_format = request.passthrough.get("response_format") or {}
    if response_format.get("type", "text") != "text":
        return False
    return not request.passthrough.get("tools") and not request.passthrough.get("functions")


def explicit_label(
    settings: ExplicitLabelSettings, request: GenerationRequest, language: str
) -> tuple[ExplicitLabel, TextLabel]:
    """The label in the user's language and the text to put around the output."""
    text = settings.text_zh if language == "zh" else settings.text_en
    placement = settings.placement if is_free_text(request) else "none"
    visible = TextLabel(
        prefix=f"{text}\n\n" if placement in ("start", "both") else "",
        suffix=f"\n\n{text}" if placement in ("end", "both") else "",
    )
    return ExplicitLabel(text, language, placement), visible
