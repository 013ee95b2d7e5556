"""How the local model's runner hands tokens on (the first at once, later ones that come close
together joined into one chunk, nothing lost or reordered, the last chunk carrying the rest),
and the worker process's memory over many generations."""

from __future__ import annotations

import itertools
import queue
import random
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from aigc_gateway.config import LocalModelSettings
from aigc_gateway.errors import GatewayError
from aigc_gateway.labeling.keys import WatermarkKey
from aigc_gateway.labeling.watermark import GreenList, WatermarkProcessor
from aigc_gateway.providers.base import Chunk, Usage
from aigc_gateway.providers.local_worker import Engine, Job, ProcessHost, coalesced
from aigc_gateway.providers.utf8 import ACCEPT, INVALID, NEED_1, after


def _tokens(texts: list[str], gap_s: float) -> Iterator[Chunk]:
    """An engine's output: one chunk per token, ``gap_s`` apart, then the usage chunk."""
    for text in texts:
        yield Chunk(text=text)
        time.sleep(gap_s)
    yield Chunk(finish_reason="length", usage=Usage(5, len(texts)), cpu_s=0.1)


def test_fast_tokens_travel_together_and_the_first_goes_alone() -> None:
    texts = [f" w{n}" for n in range(40)]
    chunks = list(coalesced(_tokens(texts, gap_s=0.002), interval_s=0.02))
    assert chunks[0] == Chunk(text=" w0")
    assert "".join(c.text for c in chunks) == "".join(texts)
    assert len(chunks) < 15  # about 40 × 2 ms / 20 ms, plus the first and the last
    assert all(c.finish_reason is None for c in chunks[:-1])
    last = chunks[-1]
    assert (last.finish_reason, last.usage, last.cpu_s) == ("length", Usage(5, 40), 0.1)


def test_slow_tokens_go_one_by_one() -> None:
    texts = [" a", " b", " c", " d"]
    chunks = list(coalesced(_tokens(texts, gap_s=0.03), interval_s=0.02))
    assert [c.text for c in chunks] == [*texts, ""]
    assert chunks[-1].finish_reason == "length"


def test_a_held_token_waits_only_for_the_next_one() -> None:
    """A held token goes with the first later token that comes once the interval has passed."""

    def engine() -> Iterator[Chunk]:
        yield Chunk(text="1")
        yield Chunk(text="2")  # held: right after the first
        time.sleep(0.05)
        yield Chunk(text="3")  # the interval has passed: goes with "2"
        yield Chunk(finish_reason="stop", usage=Usage(1, 3))

    arrived = []
    for chunk in coalesced(engine(), interval_s=0.02):
        arrived.append(chunk.text)
    assert arrived == ["1", "23", ""]


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1)) / 1024


def test_the_worker_process_keeps_no_garbage_between_jobs() -> None:
    """Every generation leaves llama-cpp-python's sampler wrappers and the job's watermark
    processor (a 400 KB salt per job in the worker) in reference cycles. The worker collects
    them after each job, so its memory stays flat over many generations; left to the cyclic
    collector's thresholds, 150 such jobs grew it by 20-30 MB."""
    over: queue.Queue[int] = queue.Queue()

    def deliver(job_id: int, item: Chunk | GatewayError | None) -> None:
        assert not isinstance(item, GatewayError), item
        if item is None:
            over.put(job_id)

    host = ProcessHost(LocalModelSettings(threads=1), deliver)
    green = GreenList(WatermarkKey("test", bytes(range(32)), 0.0), 0.25)
    ids = itertools.count()

    def generate(jobs: int) -> None:
        for _ in range(jobs):
            arguments = {"max_tokens": 2, "temperature": 0.7, "seed": 1, "stop": []}
            processor = WatermarkProcessor(green, 2.0)
            host.submit(next(ids), Job("Say hello.", "prompt", 2, arguments, None, None, processor))
        for _ in range(jobs):
            over.get(timeout=120)

    try:
        generate(20)
        warm = _rss_mb(host.pid)
        generate(150)
        grown = _rss_mb(host.pid) - warm
    finally:
        host.close()
    assert grown < 5, f"the worker grew by {grown:.1f} MB over 150 generations"


def test_logit_bias_and_the_watermark_both_reach_the_sampler() -> None:
    """llama-cpp-python's own ``logit_bias`` drops every logits processor given with it (and
    itself); the engine applies the bias beside the job's processor (the watermark)."""
    engine = Engine(LocalModelSettings(threads=1))
    calls: list[int] = []

    def processor(input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        calls.append(len(input_ids))
        return scores

    def generate(tokens: int, bias: dict[int, float] | None) -> str:
        calls.clear()
        arguments = {"max_tokens": tokens, "temperature": 0.0, "seed": 1, "stop": []}
        if bias:
            arguments["logit_bias"] = bias
        job = Job("Name a colour.", "prompt", tokens, arguments, None, None, processor)
        chunks = list(engine.generate(job, threading.Event()))
        assert chunks[-1].usage == Usage(chunks[-1].usage.prompt_tokens, tokens)
        assert len(calls) == tokens  # the processor saw every step
        return "".join(chunk.text for chunk in chunks)

    try:
        forced = {1000: 100.0}  # greedy decoding must pick token 1000 every time
        piece = generate(1, forced)
        assert generate(6, forced) == piece * 6
        assert generate(6, None) != piece * 6
    finally:
        engine.close()


def decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_the_utf8_automaton_agrees_with_pythons_decoder() -> None:
    """A byte string may start an answer exactly when some continuation bytes complete it into
    text Python's strict decoder accepts, and it is whole exactly when the decoder accepts it."""
    rng = random.Random(5)
    alphabet = [*range(0x20, 0x7F, 7), *range(0x80, 0x100)]
    endings = [bytes(e) for n in range(4) for e in itertools.product((0x80, 0x90, 0xA0), repeat=n)]
    for _ in range(5_000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
        state = after(ACCEPT, data)
        assert (state != INVALID) == any(decodes(data + end) for end in endings), data
        assert (state == ACCEPT) == decodes(data), data


def test_a_token_that_would_break_utf8_never_reaches_the_answer() -> None:
    """Biased towards a lone continuation byte or a lead byte, the model still writes whole
    characters, and they stream as they come (llama-cpp-python sends nothing after a byte that
    cannot be decoded, and the answer was empty)."""
    engine = Engine(LocalModelSettings(threads=1))
    lone = int(engine.utf8.banned[ACCEPT][0])
    lead = int(np.flatnonzero(engine.utf8.moves[ACCEPT] == NEED_1)[0])
    try:
        for forced in (lone, lead):
            arguments = {"max_tokens": 8, "temperature": 0.0, "seed": 1, "stop": []}
            arguments["logit_bias"] = {forced: 100.0}
            job = Job("Name a colour.", "prompt", 8, arguments, None, None, None)
            chunks = list(engine.generate(job, threading.Event()))
            answer = "".join(chunk.text for chunk in chunks)
            assert answer.strip() and "\ufffd" not in answer, (forced, answer)
            assert sum(1 for chunk in chunks if chunk.text) >= 4, chunks
    finally:
        engine.close()
