"""How the local model's runner hands tokens on: the first at once, later ones that come close
together joined into one chunk, nothing lost or reordered, the last chunk carrying the rest."""

from __future__ import annotations

import time
from collections.abc import Iterator

from aigc_gateway.providers.base import Chunk, Usage
from aigc_gateway.providers.local_worker import coalesced


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
