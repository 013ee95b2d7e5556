"""The embedded local model: a GGUF file run by llama-cpp-python, one generation at a time.

This side checks a request (parameters, ``response_format`` schemas, tools), renders the prompt
with the model's chat template and bounds the queue: the request past ``local_model.max_queue``
waiting ones is told 429 with ``Retry-After``. The generation itself runs in an engine kept by a
host (``local_worker.py``): by default in a worker process, restarted when it dies, so that a
native crash in llama.cpp costs one request a 503 instead of the gateway. A caller that goes
away, or an output guard that cuts the answer (``request.halt``), stops its generation at the
next token. ``GenerationRequest.logits_processor`` (the text watermark) travels with the job
into the engine's sampler.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import threading
from collections.abc import AsyncIterator
from typing import Any

from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from ..config import LocalModelSettings
from ..errors import BackendUnavailable, GatewayError, InvalidRequest, RateLimited
from .base import TEXT_KINDS, Chunk, GenerationRequest
from .json_schema import SchemaError, grammar_for
from .local_tools import ToolMode, tool_message_text, tool_mode
from .local_worker import HOSTS, Failure, Job, bundled_model_path

UNSUPPORTED_LOCALLY = ("logprobs", "top_logprobs")
TOOLS_REFUSED = Failure(
    "The tools' parameter schemas cannot be enforced by the local model.",
    "invalid_json_schema",
    "tools",
    client=True,
)  # e.g. an empty enum: llama.cpp would crash on its grammar
SCHEMA_REFUSED = Failure.of(
    SchemaError("schema", "its grammar cannot be compiled by the local model")
)

__all__ = ["LocalModel", "bundled_model_path"]


class _Waiting:
    """A job's line back to the event loop of the request that submitted it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.out: asyncio.Queue[Chunk | GatewayError | None] = asyncio.Queue()
        self.over = False

    def put(self, item: Chunk | GatewayError | None) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self.loop.call_soon_threadsafe(self.out.put_nowait, item)


class LocalModel:
    """The ``local`` backend."""

    name = "local"
    kinds = TEXT_KINDS

    def __init__(self, settings: LocalModelSettings) -> None:
        self._settings = settings
        path = settings.path or bundled_model_path()
        if not path.is_file():
            raise FileNotFoundError(f"local model file not found: {path}")
        self._waiting: dict[int, _Waiting] = {}
        self._waiting_lock = threading.Lock()
        self._ids = itertools.count(1)
        self.host = HOSTS[settings.isolation](settings, self._deliver)
        info = self.host.info
        self._vocabulary = info.vocabulary
        self._formatter = Jinja2ChatFormatter(
            template=info.chat_template, eos_token=info.eos_text, bos_token=info.bos_text
        )
        self._eos_text = info.eos_text
        self._capacity = settings.max_queue + 1
        self.admitted = 0

    @property
    def fault(self) -> str | None:
        """Why the local model cannot generate now (its worker cannot be started), or None."""
        return self.host.fault

    def _deliver(self, job_id: int, item: Chunk | GatewayError | None) -> None:
        with self._waiting_lock:
            waiting = self._waiting.get(job_id)
        if waiting is not None:
            waiting.put(item)

    def render(self, request: GenerationRequest, tools: ToolMode | None = None) -> str:
        """The prompt text the model sees: the chat template applied, or the raw prompt."""
        if request.kind == "completion":
            return request.prompt or ""
        messages = [
            {
                "role": "system" if m.role == "developer" else m.role,
                "content": tool_message_text(m) or m.plain_text("the local model"),
            }
            for m in request.messages or []
        ]
        if tools is not None:
            if messages and messages[0]["role"] == "system":
                messages[0]["content"] += "\n\n" + tools.instructions()
            else:
                messages.insert(0, {"role": "system", "content": tools.instructions()})
        return self._formatter(messages=messages).prompt

    def _arguments(self, request: GenerationRequest) -> dict[str, Any]:
        for name in UNSUPPORTED_LOCALLY:
            if request.passthrough.get(name) not in (None, False):
                raise InvalidRequest(
                    f"'{name}' is not supported by the local model.",
                    code="unsupported_parameter",
                    param=name,
                )
        settings = self._settings
        extra = request.passthrough
        stop = list(request.stop or [])
        if request.kind == "chat" and self._eos_text:
            stop.append(self._eos_text)
        arguments: dict[str, Any] = {
            "max_tokens": request.max_tokens or settings.max_tokens_default,
            "temperature": settings.default_temperature
            if request.temperature is None
            else request.temperature,
            "top_p": 1.0 if request.top_p is None else request.top_p,
            "stop": stop,
            "seed": request.seed if request.seed is not None else random.getrandbits(31),
            "repeat_penalty": settings.repeat_penalty,
            "presence_penalty": extra.get("presence_penalty") or 0.0,
            "frequency_penalty": extra.get("frequency_penalty") or 0.0,
        }
        if extra.get("logit_bias"):
            vocabulary = self._vocabulary
            try:
                bias = {int(k): float(v) for k, v in extra["logit_bias"].items()}
            except ValueError:
                bias = {-1: 0.0}
            if not all(0 <= token < vocabulary and abs(v) <= 100 for token, v in bias.items()):
                raise InvalidRequest(
                    f"logit_bias keys must be token ids from 0 to {vocabulary - 1}, "
                    "values from -100 to 100.",
                    param="logit_bias",
                )
            arguments["logit_bias"] = bias
        return arguments

    def job(self, request: GenerationRequest, tools: ToolMode | None) -> Job:
        """The request as the engine takes it; 400 for what can be refused before the queue."""
        arguments = self._arguments(request)
        prompt = self.render(request, tools)
        if not prompt:
            raise InvalidRequest(
                "The prompt is empty: the local model needs at least one character.",
                code="empty_prompt",
                param="prompt",
            )
        if tools is not None:
            grammar = tools.grammar()
        else:
            grammar = grammar_for(request.passthrough.get("response_format"))
        return Job(
            prompt=prompt,
            prompt_param="messages" if request.kind == "chat" else "prompt",
            requested_tokens=request.max_tokens,
            arguments=arguments,
            grammar=grammar,
            grammar_refused=TOOLS_REFUSED if tools else SCHEMA_REFUSED,
            logits_processor=request.logits_processor,
        )

    async def generate(self, request: GenerationRequest, remote_model: str) -> AsyncIterator[Chunk]:
        if self.admitted >= self._capacity:
            raise RateLimited(
                "The local model is busy: too many requests are waiting. Retry shortly.",
                retry_after_s=self._settings.retry_after_s,
                code="local_model_queue_full",
            )
        if self.host.fault:
            raise BackendUnavailable(
                "The local model cannot be started right now. Retry later.",
                code="local_model_unavailable",
            )
        tools = tool_mode(request.passthrough) if request.kind == "chat" else None
        job = self.job(request, tools)
        job_id = next(self._ids)
        waiting = _Waiting(asyncio.get_running_loop())
        with self._waiting_lock:
            self._waiting[job_id] = waiting
        self.admitted += 1
        halted = False
        try:
            self.host.submit(job_id, job)
            while True:
                item = await waiting.out.get()
                if item is None:
                    waiting.over = True
                    return
                if isinstance(item, BaseException):
                    raise item
                if tools is not None:
                    item = tools.absorb(item)
                    if item is None:
                        continue
                yield item
                if request.halt.is_set() and not halted:
                    halted = True  # the answer was cut: stop, but still take the usage chunk
                    self.host.stop(job_id)
        finally:
            with self._waiting_lock:
                del self._waiting[job_id]
            if not waiting.over:
                self.host.stop(job_id)
            self.admitted -= 1

    async def close(self) -> None:
        await asyncio.to_thread(self.host.close)
