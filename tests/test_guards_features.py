"""The n-gram features are computed fast but must stay exactly what the shipped models were
trained on: checked against the plain definition."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aigc_gateway.guards.features import (
    HASH_BITS,
    NGRAM_SIZES,
    ngram_id_pairs,
    ngram_ids,
    normalize,
)

MULTIPLIER = 0x100000001B3
MIX = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1


def reference_ids(normalized: str, bits: int = HASH_BITS) -> np.ndarray:
    """The definition, one n-gram at a time: start at the size, ``h * MULTIPLIER + code`` per
    character, mix, keep the top ``bits`` bits; sorted and unique."""
    ids = set()
    codes = [ord(c) for c in normalized]
    for size in NGRAM_SIZES:
        for start in range(len(codes) - size + 1):
            value = size
            for code in codes[start : start + size]:
                value = (value * MULTIPLIER + code) & MASK
            value = ((value ^ (value >> 31)) * MIX) & MASK
            ids.add(value >> (64 - bits))
    return np.array(sorted(ids), dtype=np.int64)


TEXTS = st.text(st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    ["", "a", "ab", "abcd", "the the the the the", "你好，世界" * 9, "\U0001f600x" * 7]
)


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.sampled_from([HASH_BITS, 12]))
def test_ngram_ids_are_the_definition(text: str, bits: int) -> None:
    expected = reference_ids(text, bits)
    found = ngram_ids(text, bits)
    assert found.dtype == np.int64
    assert np.array_equal(found, expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXTS, max_size=5))
def test_ngram_id_pairs_are_each_texts_ids(texts: list[str]) -> None:
    assume("".join(texts))  # all empty: no n-gram at all (ValueError, as always)
    expected = [
        (index << HASH_BITS) | int(i) for index, t in enumerate(texts) for i in reference_ids(t)
    ]
    assert ngram_id_pairs(texts).tolist() == sorted(expected)


@settings(max_examples=150, deadline=None)
@given(st.text(st.sampled_from("ab \t\n\r\x0b\x0c\x1c\u3000\u00a0\u2028Ａ"), max_size=30))
def test_normalize_folds_every_white_space_run_to_one_space(text: str) -> None:
    expected = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()
    assert normalize(text) == expected


def test_white_space_other_than_the_space_is_never_printable() -> None:
    """What lets normalize skip its white-space pass on printable text without a double
    space: every other character that ``\\s`` matches is unprintable (checked for all)."""
    spaces = [chr(code) for code in range(0x110000) if re.fullmatch(r"\s", chr(code))]
    assert len(spaces) > 20
    assert [char for char in spaces if char.isprintable()] == [" "]
