"""OpenAI response objects for chat and text completions, whole and as SSE chunks.

Every generated response carries a top-level ``aigc`` object (in a stream: the final chunk) and,
where the guards said something, a ``guard`` object.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..pipeline import Outcome, RequestContext
from ..providers.base import Chunk, Usage

DONE = b"data: [DONE]\n\n"


def sse(event: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(event) + b"\n\n"


def usage_object(usage: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def _extensions(outcome: Outcome) -> dict[str, Any]:
    aigc = outcome.labels[0].as_dict() if outcome.labels else {}
    extensions: dict[str, Any] = {"aigc": aigc}
    if outcome.guard:
        extensions["guard"] = outcome.guard.as_dict()
    return extensions


class _Format:
    """What every object of one response shares: its id, creation time and model."""

    id_prefix: str
    object_chunk: str

    def __init__(self, context: RequestContext, model: str, index: int = 0) -> None:
        self._head = {"id": context.request_id, "created": context.created, "model": model}
        self.index = index
        """The choice this shape writes (several prompts, or ``n`` > 1)."""

    def usage_chunk(self, usage: Usage) -> bytes:
        """The stream's usage-only chunk (``stream_options.include_usage``)."""
        return sse(
            {**self._head, "object": self.object_chunk, "choices": [], "usage": usage_object(usage)}
        )


class ChatFormat(_Format):
    """``chat.completion`` and ``chat.completion.chunk`` objects."""

    id_prefix = "chatcmpl-"
    object_chunk = "chat.completion.chunk"

    def whole(self, text: str, tool_calls: list[dict[str, Any]], outcome: Outcome) -> dict:
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if tool_calls:
            # Whole messages carry no ``index`` (that is for streamed deltas).
            message["tool_calls"] = [
                {key: value for key, value in call.items() if key != "index"} for call in tool_calls
            ]
            message["content"] = text or None
        return {
            **self._head,
            "object": "chat.completion",
            "choices": [
                {
                    "index": self.index,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": outcome.finish_reason,
                }
            ],
            "usage": usage_object(outcome.usage),
            **_extensions(outcome),
        }

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
        return {
            **self._head,
            "object": "chat.completion.chunk",
            "choices": [
                {
                    "index": self.index,
                    "delta": delta,
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
        }

    def opening(self) -> bytes | None:
        return sse(self._chunk({"role": "assistant", "content": ""}, None))

    def delta(self, chunk: Chunk) -> bytes:
        delta: dict[str, Any] = {"content": chunk.text}
        if chunk.tool_calls:
            delta["tool_calls"] = chunk.tool_calls
        return sse(self._chunk(delta, None))

    def closing(self, outcome: Outcome, include_usage: bool) -> bytes:
        final = {**self._chunk({}, outcome.finish_reason), **_extensions(outcome)}
        if include_usage:
            final["usage"] = None
        events = sse(final)
        if include_usage:
            events += sse(
                {
                    **self._head,
                    "object": "chat.completion.chunk",
                    "choices": [],
                    "usage": usage_object(outcome.usage),
                }
            )
        return events


class CompletionFormat(_Format):
    """``text_completion`` objects, whole and streamed."""

    id_prefix = "cmpl-"
    object_chunk = "text_completion"

    def whole(self, text: str, tool_calls: list[dict[str, Any]], outcome: Outcome) -> dict:
        return {
            **self._chunk(text, outcome.finish_reason),
            "usage": usage_object(outcome.usage),
            **_extensions(outcome),
        }

    def _chunk(self, text: str, finish_reason: str | None) -> dict[str, Any]:
        return {
            **self._head,
            "object": "text_completion",
            "choices": [
                {
                    "index": self.index,
                    "text": text,
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
        }

    def opening(self) -> bytes | None:
        return None

    def delta(self, chunk: Chunk) -> bytes:
        return sse(self._chunk(chunk.text, None))

    def closing(self, outcome: Outcome, include_usage: bool) -> bytes:
        final = {**self._chunk("", outcome.finish_reason), **_extensions(outcome)}
        if include_usage:
            final["usage"] = usage_object(outcome.usage)
        return sse(final)


ResponseFormat = ChatFormat | CompletionFormat
