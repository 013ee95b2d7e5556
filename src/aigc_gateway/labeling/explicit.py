"""The explicit (visible) label: its wording in the user's language and where it goes.

The label is always reported in the response metadata and headers; it is written into the text
only when the tenant's placement asks for it and the output is free text (never JSON mode, never
tool calls).
"""

from __future__ import annotations

from typing import Any

from ..config import ExplicitLabelSettings
from ..language import language_of
from ..pipeline import TextLabel
from ..providers.base import GenerationRequest


def user_text(request: GenerationRequest) -> str:
    """The user's own words: the last user message, or the prompt."""
    if request.kind == "completion":
        return request.prompt or ""
    for message in reversed(request.messages or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            return " ".join(
                str(part.get("text", "")) for part in content or [] if part.get("type") == "text"
            )
    return ""


def is_free_text(request: GenerationRequest) -> bool:
    """False for JSON mode and for requests that offer tools: no label inside that output."""
    response_format = request.passthrough.get("response_format") or {}
    if response_format.get("type", "text") != "text":
        return False
    return not request.passthrough.get("tools") and not request.passthrough.get("functions")


def explicit_label(
    settings: ExplicitLabelSettings, request: GenerationRequest
) -> tuple[dict[str, Any], TextLabel]:
    """The label's metadata and the text to put around the output."""
    language = language_of(user_text(request))
    text = settings.text_zh if language == "zh" else settings.text_en
    placement = settings.placement if is_free_text(request) else "none"
    visible = TextLabel(
        prefix=f"{text}\n\n" if placement in ("start", "both") else "",
        suffix=f"\n\n{text}" if placement in ("end", "both") else "",
    )
    return {"text": text, "language": language, "placement": placement}, visible
