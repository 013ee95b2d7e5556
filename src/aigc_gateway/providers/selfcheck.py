"""Start-up self-check of the local model: it must really generate from a long prompt.

A llama.cpp compiled for another CPU (``-march=native`` on a build machine with AVX-512 or AMX)
loads the model and answers a one-token prompt, then dies with SIGILL on the first batch of
prompt tokens. A signal ends the whole process, so the check runs in a child process
(``python -m aigc_gateway.providers.selfcheck``): it loads the model with the gateway's
settings through :class:`~.local.LocalModel` and generates a few tokens after a prompt of
``PROMPT_TOKENS`` tokens. ``serve`` starts the check first and waits for it once the rest of the
gateway is built; if the child does not succeed, :class:`LocalModelUnusable` says why, in one
line, with what to do.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version

from ..config import LocalModelSettings

PROMPT_TOKENS = 64
"""About this many prompt tokens (fewer with a small context window), evaluated in one batch:
the path one-token prompts never take. llama.cpp's AMX kernel, for one, runs its tile
instructions for any batch of two rows or more, in blocks of 32 rows; each further 100 tokens
would cost the start about 0.6 s of CPU here."""
ANSWER_TOKENS = 8
TIMEOUT_S = 180.0
PROMPT_SENTENCE = "The committee reviewed the quarterly report on river water quality. "
SENTENCE_TOKENS = 11
"""``PROMPT_SENTENCE`` in SmolLM2's tokenizer (another model's may count a few more or less)."""
PORTABLE_REINSTALL = (
    "{python} -m pip install --force-reinstall --no-deps --no-cache-dir "
    "llama-cpp-python=={version} -C cmake.define.GGML_NATIVE=OFF"
)


class LocalModelUnusable(RuntimeError):
    """The local model cannot generate on this machine; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What the child measured: the prompt and answer it ran, and its own wall time."""

    prompt_tokens: int
    completion_tokens: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.prompt_tokens}-token prompt, {self.completion_tokens} tokens generated "
            f"in {self.seconds:.2f} s"
        )


def check_prompt(context_tokens: int) -> str:
    """A plain English prompt of about ``PROMPT_TOKENS`` tokens that fits the context."""
    tokens = min(PROMPT_TOKENS, context_tokens // 2)
    return PROMPT_SENTENCE * max(1, -(-tokens // SENTENCE_TOKENS))


class SelfCheck:
    """One check running in a child process, from :meth:`start` until :meth:`wait`."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process

    @classmethod
    def start(cls, settings: LocalModelSettings) -> SelfCheck:
        # One thread: the check is about which instructions run, not speed, and it shares the
        # CPU with the gateway starting up (llama.cpp's threads spin when they compete).
        # The check is itself the child whose crash is told: the engine runs on its thread.
        checked = settings.model_copy(update={"threads": 1, "isolation": "thread"})
        command = [sys.executable, "-m", __name__, checked.model_dump_json()]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        return cls(process)

    def wait(self, timeout_s: float = TIMEOUT_S) -> CheckResult:
        """The child's result; :class:`LocalModelUnusable` if it crashed, failed or hung."""
        try:
            out, err = self._process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.stop()
            raise LocalModelUnusable(
                f"the local model did not answer a {PROMPT_TOKENS}-token test prompt within "
                f"{timeout_s:.0f} s; check the CPU load, or set local_model.threads"
            ) from None
        code = self._process.returncode
        if code == 0:
            return CheckResult(**json.loads(out.strip().splitlines()[-1]))
        if code < 0:
            raise LocalModelUnusable(_crash_message(-code))
        lines = [line for line in err.strip().splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {code}"
        raise LocalModelUnusable(f"the local model failed its start-up test: {detail}")

    def stop(self) -> None:
        """End the child if it still runs (the gateway gave up starting for another reason)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def _crash_message(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    reinstall = PORTABLE_REINSTALL.format(
        python=sys.executable, version=version("llama-cpp-python")
    )
    if number == signal.SIGILL:
        return (
            f"the local model crashed with SIGILL (illegal instruction) on a {PROMPT_TOKENS}-token "
            "test prompt: llama-cpp-python was compiled for a different CPU (-march=native, "
            f"e.g. with AVX-512 or AMX); rebuild it for any x86-64 CPU with: {reinstall}"
        )
    return (
        f"the local model crashed with {name} on a {PROMPT_TOKENS}-token test prompt; if "
        f"llama-cpp-python was built on another machine, rebuild it here with: {reinstall}"
    )


async def _generate(settings: LocalModelSettings) -> CheckResult:
    from .base import GenerationRequest
    from .local import LocalModel

    started = time.perf_counter()
    model = LocalModel(settings)
    request = GenerationRequest(
        kind="completion",
        model=settings.name,
        stream=True,
        prompt=check_prompt(settings.context_tokens),
        max_tokens=ANSWER_TOKENS,
        temperature=0.0,
        seed=0,
    )
    usage = None
    try:
        async for chunk in model.generate(request, settings.name):
            usage = chunk.usage or usage
    finally:
        await model.close()
    assert usage is not None, "the local model ended without reporting usage"
    return CheckResult(
        usage.prompt_tokens, usage.completion_tokens, round(time.perf_counter() - started, 3)
    )


def main(argv: list[str]) -> None:
    """Child: load the model with the settings given as JSON, generate, print the result."""
    settings = LocalModelSettings.model_validate_json(argv[0])
    result = asyncio.run(_generate(settings))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main(sys.argv[1:])
