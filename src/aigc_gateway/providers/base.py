"""What every backend speaks: a normalised generation request and a stream of chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(slots=True)
class GenerationRequest:
    """One generation, independent of the HTTP route that asked for it.

    ``messages`` is set for chat, ``prompt`` for plain completions. ``passthrough`` holds
    OpenAI parameters that only upstream backends understand (tools, response_format …).
    """

    kind: Literal["chat", "completion"]
    model: str
    stream: bool
    messages: list[dict[str, Any]] | None = None
    prompt: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    seed: int | None = None
    passthrough: dict[str, Any] = field(default_factory=dict)
    logits_processor: Callable[[Any, Any], Any] | None = None
    """Sampler hook for the local model (the text watermark); upstreams ignore it."""


@dataclass(slots=True)
class Chunk:
    """A piece of generated output. The last chunk of a generation has ``finish_reason``."""

    text: str = ""
    finish_reason: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    usage: Usage | None = None
    cpu_s: float | None = None
    """On the last chunk: process CPU seconds the backend measured for this generation."""


class Provider(Protocol):
    """A backend that turns a request into chunks (one chunk if not streaming)."""

    name: str

    def generate(self, request: GenerationRequest, remote_model: str) -> AsyncIterator[Chunk]: ...

    async def close(self) -> None: ...
