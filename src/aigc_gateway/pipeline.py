"""The spine: every generation walks input guards → route → generate → output guards → label →
record, here and nowhere else.

The pipeline knows no HTTP and no storage details. Each stage is a small protocol with a
do-nothing default, so that guards, labels and the audit trail plug in without touching the
path itself. A generation is one async stream of :class:`Chunk` followed by one
:class:`Outcome`; a non-streaming request is the same stream, collected.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from .errors import GatewayError
from .providers.base import Chunk, GenerationRequest, Usage
from .providers.router import RouteDecision, Router


@dataclass(slots=True)
class RequestContext:
    """Everything the stages learn about one request while it walks the pipeline."""

    request_id: str
    tenant: str
    key_id: str
    created: int = field(default_factory=lambda: int(time.time()))
    started: float = field(default_factory=time.perf_counter)
    local_only: bool = False
    """Set by an input guard: this request must not leave the machine."""
    guard: dict[str, Any] = field(default_factory=dict)
    """Guard decision and finding counts, returned to the client (never raw personal data)."""
    pseudonyms: dict[str, str] = field(default_factory=dict)
    """Placeholder -> original value, set by an input guard; output guards put originals back."""
    aigc: dict[str, Any] = field(default_factory=dict)
    """Labels for the generated content, returned as the response's ``aigc`` object."""
    route: RouteDecision | None = None


@dataclass(slots=True)
class Outcome:
    """How a generation ended: the last item of every pipeline stream."""

    finish_reason: str
    usage: Usage
    aigc: dict[str, Any]
    guard: dict[str, Any]


class InputStage(Protocol):
    """Inspects or rewrites a request before routing; may raise a GatewayError to stop it."""

    async def __call__(self, request: GenerationRequest, context: RequestContext) -> None: ...


class OutputFilter(Protocol):
    """One per generation: sees the text as it streams, releases what may go to the client."""

    def feed(self, text: str) -> str: ...

    def finish(self) -> str: ...

    @property
    def stopped(self) -> bool:
        """True once the filter has cut the output; the stream then ends with content_filter."""
        ...


class OutputStage(Protocol):
    def open(self, request: GenerationRequest, context: RequestContext) -> OutputFilter: ...


@dataclass(frozen=True, slots=True)
class TextLabel:
    """Visible label text the labeler puts around the generated text (empty: none)."""

    prefix: str = ""
    suffix: str = ""


class Labeler(Protocol):
    """Prepares marks before generation (e.g. a watermarking sampler) and labels the result.

    ``label`` receives the generated text without the visible label that ``prepare`` asked for.
    """

    def prepare(self, request: GenerationRequest, context: RequestContext) -> TextLabel: ...

    def label(self, context: RequestContext, text: str) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """What the record stage learns about one request: who, what, how it ended, what it cost.

    ``prompt`` is the client's prompt as one string (a completion's prompt; for chat the
    canonical JSON of the messages) captured before input guards rewrite it; ``answer`` is the
    text the client received, without the visible label. ``cpu_s`` is the process CPU time the
    backend measured for the generation (the local model), if any.
    """

    request_id: str
    created_at: float
    tenant: str
    key_id: str
    kind: str
    model: str
    backend: str | None
    stream: bool
    status: str
    finish_reason: str | None
    error_code: str | None
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    first_token_ms: float | None
    prompt: str = ""
    answer: str = ""
    cpu_s: float | None = None
    guard: dict[str, Any] = field(default_factory=dict)
    aigc: dict[str, Any] = field(default_factory=dict)


def prompt_text(request: GenerationRequest) -> str:
    """The request's prompt as one string, as :attr:`UsageRecord.prompt` describes it."""
    if request.kind == "completion":
        return request.prompt or ""
    return orjson.dumps(request.messages or [], option=orjson.OPT_SORT_KEYS).decode()


Recorder = Callable[[UsageRecord], "asyncio.Future[None]"]
"""Queues a record and returns a future that resolves once it is durable."""


class PassThrough:
    """The empty output filter: releases everything at once."""

    stopped = False

    def feed(self, text: str) -> str:
        return text

    def finish(self) -> str:
        return ""


class NoOutputGuards:
    def open(self, request: GenerationRequest, context: RequestContext) -> OutputFilter:
        return PassThrough()


class NoLabels:
    def prepare(self, request: GenerationRequest, context: RequestContext) -> TextLabel:
        return TextLabel()

    def label(self, context: RequestContext, text: str) -> dict[str, Any]:
        return {}


@dataclass(slots=True)
class Stages:
    input_guards: list[InputStage] = field(default_factory=list)
    output_guards: OutputStage = field(default_factory=NoOutputGuards)
    labeler: Labeler = field(default_factory=NoLabels)


@dataclass(slots=True)
class _Progress:
    prompt: str
    text: list[str] = field(default_factory=list)
    completion_tokens: int = 0
    prompt_tokens: int = 0
    first_token_at: float | None = None
    cpu_s: float | None = None


class Pipeline:
    def __init__(self, router: Router, stages: Stages, recorder: Recorder) -> None:
        self.router = router
        self._stages = stages
        self._submit = recorder

    async def stream(
        self, request: GenerationRequest, context: RequestContext
    ) -> AsyncIterator[Chunk | Outcome]:
        """Run one generation; yields chunks, then exactly one Outcome.

        Errors raised before the first chunk (bad model, guard block, every backend down) come
        out of the first ``anext`` so the caller can still answer with an HTTP error. The usage
        record of a finished generation is durable before its Outcome is yielded.
        """
        progress = _Progress(prompt_text(request))
        status, error_code = "cancelled", None
        try:
            for guard in self._stages.input_guards:
                await guard(request, context)
            request.model, chain = self.router.resolve(request.model, local_only=context.local_only)
            context.route = RouteDecision(request.model)
            visible = self._stages.labeler.prepare(request, context)
            prefix_pending = bool(visible.prefix)
            output = self._stages.output_guards.open(request, context)
            finish_reason = "stop"
            chunks = self.router.generate(request, chain, context.route)
            async with aclosing(chunks):
                async for chunk in chunks:
                    if chunk.usage is not None:
                        progress.prompt_tokens = chunk.usage.prompt_tokens
                        progress.completion_tokens = chunk.usage.completion_tokens
                    if chunk.cpu_s is not None:
                        progress.cpu_s = chunk.cpu_s
                    finish_reason = chunk.finish_reason or finish_reason
                    if prefix_pending and (chunk.text or chunk.tool_calls):
                        # The backend has produced output: the visible label goes first, ahead
                        # of whatever the output guards hold back.
                        prefix_pending = False
                        yield Chunk(visible.prefix)
                    released = output.feed(chunk.text) if chunk.text else ""
                    if released or chunk.tool_calls:
                        yield self._note(progress, Chunk(released, tool_calls=chunk.tool_calls))
                    if output.stopped:
                        break
            tail = output.finish()
            if tail:
                yield self._note(progress, Chunk(text=tail))
            if output.stopped:
                finish_reason = "content_filter"
            closing = (visible.prefix if prefix_pending else "") + visible.suffix
            if closing:
                yield Chunk(closing)
            context.aigc = self._stages.labeler.label(context, "".join(progress.text))
            status = "ok"
            await self._submit(
                self._usage_record(request, context, progress, status, finish_reason, None)
            )
            usage = Usage(progress.prompt_tokens, progress.completion_tokens)
            yield Outcome(finish_reason, usage, context.aigc, context.guard)
        except GatewayError as exc:
            status, error_code = "error", exc.code
            raise
        except Exception:
            status, error_code = "error", "internal_error"
            raise
        finally:
            if status != "ok":
                # Failed or cancelled: record what it cost, without waiting (we may be cancelled).
                self._submit(
                    self._usage_record(request, context, progress, status, None, error_code)
                )

    @staticmethod
    def _note(progress: _Progress, chunk: Chunk) -> Chunk:
        if progress.first_token_at is None:
            progress.first_token_at = time.perf_counter()
        progress.text.append(chunk.text)
        return chunk

    @staticmethod
    def _usage_record(
        request: GenerationRequest,
        context: RequestContext,
        progress: _Progress,
        status: str,
        finish_reason: str | None,
        error_code: str | None,
    ) -> UsageRecord:
        backend = context.route.backend if context.route else None
        first = progress.first_token_at
        return UsageRecord(
            request_id=context.request_id,
            created_at=float(context.created),
            tenant=context.tenant,
            key_id=context.key_id,
            kind=request.kind,
            model=request.model,
            backend=backend.label if backend else None,
            stream=request.stream,
            status=status,
            finish_reason=finish_reason,
            error_code=error_code,
            prompt_tokens=progress.prompt_tokens,
            completion_tokens=progress.completion_tokens,
            latency_ms=(time.perf_counter() - context.started) * 1000,
            first_token_ms=(first - context.started) * 1000 if first else None,
            prompt=progress.prompt,
            answer="".join(progress.text),
            cpu_s=progress.cpu_s,
            guard=dict(context.guard),
            aigc=dict(context.aigc),
        )


async def collect(
    stream: AsyncIterator[Chunk | Outcome],
) -> tuple[str, list[dict[str, Any]], Outcome]:
    """The non-streaming form of a pipeline stream: whole text, tool calls, outcome."""
    parts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    async with aclosing(stream):
        async for item in stream:
            if isinstance(item, Outcome):
                return "".join(parts), tool_calls, item
            parts.append(item.text)
            tool_calls.extend(item.tool_calls or ())
    raise AssertionError("pipeline stream ended without an outcome")
