"""What every backend speaks: a normalised generation request and a stream of chunks."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from .messages import ChatMessage

Kind = Literal["chat", "completion", "image", "embedding", "label"]
"""The kinds of generation. A new kind (e.g. embeddings) is added here, in the providers that
serve it (:attr:`Provider.kinds`) and as what its backend yields in :class:`Chunk`. ``label``
is an image made elsewhere and labelled here (``/v1/images/label``): no backend serves it."""
TEXT_KINDS: frozenset[str] = frozenset({"chat", "completion"})


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

    ``messages`` is set for chat, ``prompt`` for plain completions and images. ``passthrough``
    holds OpenAI parameters that only upstream backends understand (tools, response_format,
    an image's size …).
    """

    kind: Kind
    model: str
    stream: bool
    messages: list[ChatMessage] | None = None
    prompt: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    seed: int | None = None
    passthrough: dict[str, Any] = field(default_factory=dict)
    logits_processor: Callable[[Any, Any], Any] | None = None
    """Sampler hook for the local model (the text watermark); upstreams ignore it."""
    halt: threading.Event = field(default_factory=threading.Event)
    """Set when the output is no longer wanted (an output guard cut it): a backend that can
    stops generating and still ends with its usage chunk, so cut answers report true usage."""

    def user_text(self) -> str:
        """The user's own words: the last user message's text, or the prompt."""
        if self.messages is None:
            return self.prompt or ""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text()
        return ""


@dataclass(frozen=True, slots=True)
class GeneratedImage:
    """One generated image: its bytes and what else the backend said about it (e.g.
    ``revised_prompt``), passed on to the client."""

    data: bytes
    extra: dict[str, Any] = field(default_factory=dict)
    mime_type: str | None = None
    """Set by the label stage: the labelled file's type (PNG stays PNG, others become JPEG)."""


@dataclass(slots=True)
class Chunk:
    """A piece of generated output. The last chunk of a generation has ``finish_reason``."""

    text: str = ""
    finish_reason: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    usage: Usage | None = None
    cpu_s: float | None = None
    """On the last chunk: process CPU seconds the backend measured for this generation."""
    image: GeneratedImage | None = None
    """An image generation yields one chunk per image."""
    vectors: list[list[float]] | None = None
    """An embedding request yields one chunk with every input's vector, in input order."""


class Provider(Protocol):
    """A backend that turns a request into chunks (one chunk if not streaming)."""

    name: str
    kinds: frozenset[str]
    """The generation kinds it serves; the router never sends it another kind."""

    def generate(self, request: GenerationRequest, remote_model: str) -> AsyncIterator[Chunk]: ...

    async def close(self) -> None: ...
