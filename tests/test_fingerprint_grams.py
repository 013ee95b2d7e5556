"""The n-gram hashes themselves: every way of making them gives the same values.

The numpy build (prefix sums) is checked against the definition (Horner's rule over each
n-gram's characters, one n-gram at a time), and the plain-Python path for short texts
(``stored_fingerprint``, ``stored_fine``) against the numpy build, over random English,
Chinese, code and mixed texts of every length around the cut-over.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import threading

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from aigc_gateway.labeling.fingerprint import (
    FINE_NGRAM,
    NGRAM,
    SHORT_NGRAM,
    SHORT_TEXT,
    Grams,
    NgramKey,
    ShortGrams,
    fine_normalise,
    legacy_hash,
    normalise,
    salted,
    stored_fine,
    stored_fingerprint,
    stored_short,
)

ALPHABETS = {
    "en": "abcdefghijklmnopqrstuvwxyz ABCDEFXYZ 0123456789 .,;:!?'\"-",
    "code": "abcdefxyz_0123456789 ()[]{}:=+-*/<>#.,'\"\n    \t",
    "zh": "今天天气很好我们一起去公园散步吧明天可能会下雨记得带伞。，、“”？！",
    "mixed": "abcxyz 0123 .,()=_ 今天天气很好。，한국어 ᄀ ﬁ ＡＢ ① é 𠀀",
}
LENGTHS = [*range(0, 40), *range(SHORT_TEXT - 4, SHORT_TEXT + 12), 300, 1000, 2500]


def reference(normalised: str, ngram: int) -> tuple[list[int], list[int]]:
    """Polynomial values and width offsets by the definition, one n-gram at a time."""
    widths = [2 if is_wide(char) else 1 for char in normalised]
    values, offsets, offset = [], [], 0
    for start in range(len(normalised)):
        end, units = start, 0
        while end < len(normalised) and units < ngram:
            units += widths[end]
            end += 1
        if units < ngram:
            break
        value = 0
        for char in normalised[start:end]:
            value = (value * 1_000_003 + ord(char)) % (1 << 64)
        values.append(value)
        offsets.append(offset)
        offset += widths[start]
    return values, offsets


def is_wide(char: str) -> bool:
    code = ord(char)
    ranges = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF))
    return any(low <= code <= high for low, high in ranges) or 0x20000 <= code <= 0x3FFFF


def texts(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(alphabet) for _ in range(length))
        for alphabet in ALPHABETS.values()
        for length in LENGTHS
    ]


@pytest.mark.parametrize("ngram", [NGRAM, FINE_NGRAM])
def test_the_numpy_build_matches_the_definition(ngram: int) -> None:
    key = NgramKey(b"k" * 32)
    for text in texts(1):
        for normalised in (normalise(text), fine_normalise(text)):
            values, offsets = reference(normalised, ngram)
            for hasher in (key, legacy_hash):
                grams = Grams.build(normalised, ngram, hasher)
                expected = hasher(np.array(values, dtype=np.uint64), ngram)
                assert grams.hashes.tolist() == expected.tolist(), normalised
                assert grams.fingerprint()[1].tolist() == offsets
                # Each n-gram ends where its width reaches ``ngram`` units.
                ends = grams.width[grams.ends] - grams.width[: len(grams.hashes)]
                assert all(ngram <= units <= ngram + 1 for units in ends.tolist())


def test_short_texts_are_stored_as_the_numpy_build_makes_them() -> None:
    key = NgramKey(bytes(range(32)))
    short_ascii = 0
    for text in texts(2):
        hashes, offsets = Grams.of(text, key).fingerprint()
        assert stored_fingerprint(text, key) == (hashes.tolist(), offsets.tolist()), text
        assert stored_fine(text, key) == Grams.fine(text, key).packed(), text
        short_ascii += len(normalise(text)) <= SHORT_TEXT and normalise(text).isascii()
    assert short_ascii > 50  # the plain-Python path was taken, up to the cut-over


def test_the_key_is_aes_of_each_block_in_every_thread() -> None:
    """One cipher context is kept per thread: every call, in any thread, gives what a fresh
    AES-256-ECB context gives for the block (value, width)."""
    secret = bytes(range(32))
    key = NgramKey(secret)
    derived = hmac.new(secret, b"aigc-gateway fingerprint n-grams", hashlib.sha256).digest()
    values = [random.Random(seed).getrandbits(64) for seed in range(200)]

    def fresh(value: int, ngram: int) -> int:
        block = value.to_bytes(8, "little") + ngram.to_bytes(8, "little")
        sealed = Cipher(algorithms.AES(derived), modes.ECB()).encryptor().update(block)
        return int.from_bytes(sealed[:8], "little", signed=True)

    expected = [fresh(value, NGRAM) for value in values]
    results: list[list[int]] = []

    def hash_in_turns() -> None:
        for _ in range(20):
            results.append(key.signed(values, NGRAM))
            as_array = key(np.array(values, dtype=np.uint64), NGRAM).view(np.int64)
            results.append(as_array.tolist())
            results.append(key.signed(values[:7], NGRAM) + key.signed(values[7:], NGRAM))

    threads = [threading.Thread(target=hash_in_turns) for _ in range(4)]
    for thread in threads:
        thread.start()
    hash_in_turns()
    for thread in threads:
        thread.join()
    assert len(results) == 5 * 60
    assert all(result == expected for result in results)
    assert key.signed([], NGRAM) == []


def test_short_ngrams_are_hashed_with_a_salt_of_each_text() -> None:
    """One short n-gram per fine n-gram (the same start), 32 bits: equal n-grams of one text
    share a hash, the same text stored twice shares none (its own salt each time)."""
    key = NgramKey(bytes(range(32)))
    text = "The cat and the hat, and the bat: 今天天气很好。"
    first, second = (ShortGrams.unpack(stored_short(text, key)) for _ in range(2))
    fine = Grams.fine(text, key)
    assert len(first.hashes) == len(second.hashes) == len(fine.hashes)
    assert first.salt != second.salt
    assert not set(first.hashes.tolist()) & set(second.hashes.tolist())
    values, _ = reference(fine.normalised, SHORT_NGRAM)
    expected = salted(key, first.salt)(np.array(values, dtype=np.uint64), SHORT_NGRAM)
    assert first.hashes.tolist() == expected[: len(fine.hashes)].tolist()
    assert first.hashes.min() >= 0 and first.hashes.max() < 1 << 32
    and_the = [i for i in range(len(fine.normalised)) if fine.normalised.startswith("andt", i)]
    assert len(and_the) == 2 and len(set(first.hashes[and_the].tolist())) == 1
    assert ShortGrams.unpack(stored_short("a b", key)).hashes.tolist() == []
