"""The spine: every generation walks admission → input guards → route → generate → output
guards → label → record (→ settle its usage), here and nowhere else.

The pipeline knows no HTTP and no storage details. Each stage is a small protocol with a
do-nothing default, so that guards, labels and the audit trail plug in without touching the
path itself. A generation is one async stream of :class:`Chunk` followed by one
:class:`Outcome`; a non-streaming request is the same stream, collected. Every kind of
generation (chat, completion, image) walks it; what differs is only what the backend yields
(text, tool calls or images) and which labels apply.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from .errors import GatewayError
from .language import language_of
from .providers.base import Chunk, GeneratedImage, GenerationRequest, Usage
from .providers.router import RouteDecision, Router
from .reports import GuardReport, LabelReport
from .tool_calls import ToolCallBuffer


@dataclass(slots=True)
class RequestContext:
    """Everything the stages learn about one request while it walks the pipeline."""

    request_id: str
    tenant: str
    key_id: str
    created: int = field(default_factory=lambda: int(time.time()))
    started: float = field(default_factory=time.perf_counter)
    language: str = "en"
    """The user's language (``en`` or ``zh``), decided once from the user's own words: refusals
    and explicit labels use it."""
    local_only: bool = False
    """Set by an input guard: this request must not leave the machine."""
    guard: GuardReport = field(default_factory=GuardReport)
    """What the guards decided, returned to the client (never raw personal data)."""
    pseudonyms: dict[str, str] = field(default_factory=dict)
    """Placeholder -> original value, set by an input guard; output guards put originals back."""
    labels: list[LabelReport] = field(default_factory=list)
    """Labels of the generated content: one report for a text, one per image."""
    route: RouteDecision | None = None


@dataclass(slots=True)
class Outcome:
    """How a generation ended: the last item of every pipeline stream."""

    finish_reason: str
    usage: Usage
    labels: list[LabelReport]
    guard: GuardReport


class Admission(Protocol):
    """Admits a request before any work (may raise, e.g. a 429) and settles what it used."""

    async def admit(self, context: RequestContext) -> None: ...

    async def settle(self, context: RequestContext, usage: Usage) -> None: ...


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
    """Labels what a generation produces.

    ``prepare`` runs before generation: it issues the text's label report into
    ``context.labels`` (so that a stream's headers can carry it), may set a sampler hook (the
    watermark) and returns the visible label to put around the text. ``label`` completes the
    text's report after generation; it receives the text without the visible label.
    ``label_image`` labels one generated image and adds its report to ``context.labels``.
    """

    def prepare(self, request: GenerationRequest, context: RequestContext) -> TextLabel: ...

    def label(self, request: GenerationRequest, context: RequestContext, text: str) -> None: ...

    async def label_image(
        self, context: RequestContext, image: GeneratedImage
    ) -> GeneratedImage: ...


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """What the record stage learns about one request: who, what, how it ended, what it cost.

    ``prompt`` is the client's prompt as one string (a completion's or image's prompt; for chat
    the canonical JSON of the messages) captured before input guards rewrite it; ``answer`` is
    the text the client received, without the visible label. ``cpu_s`` is the process CPU time
    the backend measured for the generation (the local model), if any.
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
    guard: GuardReport = field(default_factory=GuardReport)
    labels: tuple[LabelReport, ...] = ()


def prompt_text(request: GenerationRequest) -> str:
    """The request's prompt as one string, as :attr:`UsageRecord.prompt` describes it."""
    if request.messages is None:
        return request.prompt or ""
    messages = [message.to_openai() for message in request.messages]
    return orjson.dumps(messages, option=orjson.OPT_SORT_KEYS).decode()


FEED_SLICE_CHARS = 8_192
"""Longer text (a whole non-streamed upstream answer) reaches the output guards in slices of
this size, the event loop serving other requests in between: no answer's scan holds it long."""


async def fed(output: OutputFilter, text: str) -> str:
    """``output.feed(text)``, a slice at a time when long (the guards see slices as they see a
    stream: what may continue a finding is held back)."""
    if len(text) <= FEED_SLICE_CHARS:
        return output.feed(text)
    released = []
    for start in range(0, len(text), FEED_SLICE_CHARS):
        released.append(output.feed(text[start : start + FEED_SLICE_CHARS]))
        await asyncio.sleep(0)
    return "".join(released)


UPLOADED_IMAGE = "uploaded-image"
"""The model name an uploaded image's record carries (no model made it here)."""

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

    def label(self, request: GenerationRequest, context: RequestContext, text: str) -> None:
        return None

    async def label_image(self, context: RequestContext, image: GeneratedImage) -> GeneratedImage:
        return image


class Unlimited:
    """Admits everything, counts nothing."""

    async def admit(self, context: RequestContext) -> None:
        return None

    async def settle(self, context: RequestContext, usage: Usage) -> None:
        return None


@dataclass(slots=True)
class Stages:
    admission: Admission = field(default_factory=Unlimited)
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


@dataclass(slots=True)
class Ending:
    """How a request ended, for its usage record: "ok", "error" (with a code) or "cancelled"."""

    status: str = "cancelled"
    error_code: str | None = None


@contextmanager
def recorded_ending(record_failure: Callable[[Ending], object]) -> Iterator[Ending]:
    """Track how the block ends. The block sets ``status = "ok"`` once its record is due; on an
    error or a cancellation ``record_failure`` runs, without waiting (the task may be cancelled).
    """
    ending = Ending()
    try:
        yield ending
    except GatewayError as exc:
        ending.status, ending.error_code = "error", exc.code
        raise
    except Exception:
        ending.status, ending.error_code = "error", "internal_error"
        raise
    finally:
        if ending.status != "ok":
            record_failure(ending)


class Pipeline:
    def __init__(self, router: Router, stages: Stages, recorder: Recorder) -> None:
        self.router = router
        self._stages = stages
        self._submit = recorder

    async def stream(
        self, request: GenerationRequest, context: RequestContext
    ) -> AsyncIterator[Chunk | Outcome]:
        """Run one generation; yields chunks, then exactly one Outcome.

        Errors raised before the first chunk (over a limit, bad model, guard block, every
        backend down) come out of the first ``anext`` so the caller can still answer with an
        HTTP error. The usage record of a finished generation is durable before its Outcome is
        yielded. A request refused by admission leaves no record (a flood of refused requests
        must not flood the audit trail).
        """
        stages = self._stages
        await stages.admission.admit(context)
        progress = _Progress(prompt_text(request))
        with recorded_ending(self._failure_recorder(request, context, progress)) as ending:
            context.language = language_of(request.user_text())
            for guard in stages.input_guards:
                await guard(request, context)
            request.model, chain = self.router.resolve(
                request.model, request.kind, local_only=context.local_only
            )
            context.route = RouteDecision(request.model)
            visible = stages.labeler.prepare(request, context)
            prefix_pending = bool(visible.prefix)
            output = stages.output_guards.open(request, context)
            finish_reason = "stop"
            tools = ToolCallBuffer()
            chunks = self.router.generate(request, chain, context.route)
            async with aclosing(chunks):
                async for chunk in chunks:
                    if chunk.usage is not None:
                        progress.prompt_tokens = chunk.usage.prompt_tokens
                        progress.completion_tokens = chunk.usage.completion_tokens
                    if chunk.cpu_s is not None:
                        progress.cpu_s = chunk.cpu_s
                    finish_reason = chunk.finish_reason or finish_reason
                    if output.stopped:
                        continue  # cut: the backend winds down; its usage chunk is still due
                    if chunk.image is not None:
                        image = await stages.labeler.label_image(context, chunk.image)
                        yield self._note(progress, Chunk(image=image))
                        continue
                    if prefix_pending and (chunk.text or chunk.tool_calls):
                        # The backend has produced output: the visible label goes first, ahead
                        # of whatever the output guards hold back.
                        prefix_pending = False
                        context.labels[0].note_written("start")
                        yield Chunk(visible.prefix)
                    if chunk.tool_calls:
                        tools.add(chunk.tool_calls)
                    released = await fed(output, chunk.text) if chunk.text else ""
                    if released:
                        yield self._note(progress, Chunk(released))
                    if output.stopped:
                        request.halt.set()
            tail = output.finish()
            if tail:
                yield self._note(progress, Chunk(text=tail))
            if tools and not output.stopped:
                calls, refusal = tools.guarded(output)
                yield self._note(progress, Chunk(refusal, tool_calls=calls or None))
            if output.stopped:
                finish_reason = "content_filter"
            closing = (visible.prefix if prefix_pending else "") + visible.suffix
            if closing:
                for where, part in (("start", prefix_pending), ("end", visible.suffix)):
                    if part:
                        context.labels[0].note_written(where)
                yield Chunk(closing)
            stages.labeler.label(request, context, "".join(progress.text))
            ending.status = "ok"
            await self._submit(
                self._usage_record(request, context, progress, "ok", finish_reason, None)
            )
            usage = Usage(progress.prompt_tokens, progress.completion_tokens)
            await stages.admission.settle(context, usage)
            yield Outcome(finish_reason, usage, context.labels, context.guard)

    async def label_upload(self, image: GeneratedImage, context: RequestContext) -> GeneratedImage:
        """Label an image made elsewhere (``/v1/images/label``) on the same path as a
        generation, without guards or a backend: admitted against the key's limits, labelled
        by the label stage, one usage record (kind ``label``) with its labels."""
        request = GenerationRequest(kind="label", model=UPLOADED_IMAGE, stream=False)
        await self._stages.admission.admit(context)
        progress = _Progress("")
        with recorded_ending(self._failure_recorder(request, context, progress)) as ending:
            labelled = await self._stages.labeler.label_image(context, image)
            ending.status = "ok"
            await self._submit(self._usage_record(request, context, progress, "ok", "stop", None))
        await self._stages.admission.settle(context, Usage())
        return labelled

    def _failure_recorder(
        self, request: GenerationRequest, context: RequestContext, progress: _Progress
    ) -> Callable[[Ending], None]:
        def record_failure(ending: Ending) -> None:
            self._submit(
                self._usage_record(
                    request, context, progress, ending.status, None, ending.error_code
                )
            )

        return record_failure

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
            guard=context.guard,
            labels=tuple(context.labels),
        )


@dataclass(slots=True)
class Collected:
    """A whole generation: its text, tool calls, images and outcome."""

    text: str
    tool_calls: list[dict[str, Any]]
    images: list[GeneratedImage]
    outcome: Outcome


async def collect(stream: AsyncIterator[Chunk | Outcome]) -> Collected:
    """The non-streaming form of a pipeline stream."""
    parts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    images: list[GeneratedImage] = []
    async with aclosing(stream):
        async for item in stream:
            if isinstance(item, Outcome):
                return Collected("".join(parts), tool_calls, images, item)
            parts.append(item.text)
            tool_calls.extend(item.tool_calls or ())
            if item.image is not None:
                images.append(item.image)
    raise AssertionError("pipeline stream ended without an outcome")
