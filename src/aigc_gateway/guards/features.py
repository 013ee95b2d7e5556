"""Fast text features and the small linear models built on them.

Two kinds of model ship in ``aigc_gateway/data`` (rebuilt by ``bash training/train.sh``; sources,
hashes and held-out metrics in ``training/cards``):

* :class:`LinearTextModel`: logistic regression over hashed character 1–5-grams of the
  normalised text. The n-gram hashing is vectorised with numpy, so one KB costs ~0.1 ms, and one
  :func:`ngram_ids` result serves every text model (injection and harm share it).
* :class:`GreedyTagger`: an averaged-perceptron sequence tagger (greedy, left to right) over
  sparse string features, used for person names; a gate skips units that cannot start a name.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from itertools import chain
from typing import Any

import numpy as np

NGRAM_SIZES = (1, 2, 3, 4, 5)
HASH_BITS = 19
_SPACES = re.compile(r"\s{2,}|[^\S ]")
"""White space that is not already one plain space: what :func:`normalize` rewrites as one."""
_MULTIPLIER = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_START = {
    size: np.uint64(size * pow(int(_MULTIPLIER), size, 1 << 64) % (1 << 64)) for size in NGRAM_SIZES
}
"""What the hash of a ``size``-gram starts from (``size``) after its ``size`` steps: with it,
each size's hashes follow from the previous size's in one step (arithmetic modulo 2**64)."""


def normalize(text: str) -> str:
    """NFKC, lower case, runs of white space as one space: what the text models see."""
    folded = unicodedata.normalize("NFKC", text).lower()
    # white space other than the plain space is never printable: ordinary prose needs no pass
    if not folded.isprintable() or "  " in folded:
        folded = _SPACES.sub(" ", folded)
    return folded.strip()


def ngram_ids(normalized: str, bits: int = HASH_BITS) -> np.ndarray:
    """Sorted unique bucket ids of the character n-grams of an already normalised text."""
    if not normalized:
        return np.zeros(0, dtype=np.int64)
    codes = np.frombuffer(normalized.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    ids, _ = _bucket_ids(codes, bits)
    return _sorted_unique(ids, bits)


def _bucket_ids(codes: np.ndarray, bits: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The bucket id of every n-gram of ``codes`` (code points), for each size of
    NGRAM_SIZES in turn and in text order: one int64 array, and a view of it per size.

    A ``size``-gram's hash is ``size``, then ``hash * MULTIPLIER + code`` per character, then
    mixed; the unmixed sums of one size give the next size's in one step."""
    sizes = [size for size in NGRAM_SIZES if len(codes) >= size]
    out = np.empty(sum(len(codes) - size + 1 for size in sizes), dtype=np.uint64)
    parts: list[np.ndarray] = []
    sums, start = codes, 0
    with np.errstate(over="ignore"):
        for size in sizes:
            if size > 1:
                sums = sums[:-1] * _MULTIPLIER
                sums += codes[size - 1 :]
            hashed = out[start : start + len(sums)]
            np.add(sums, _START[size], out=hashed)
            parts.append(hashed.view(np.int64))
            start += len(sums)
        out ^= out >> np.uint64(31)  # the mixing, for every size at once
        out *= _MIX
        out >>= np.uint64(64 - bits)
    return out.view(np.int64), parts


_SCRATCH = threading.local()


def _sorted_unique(ids: np.ndarray, bits: int) -> np.ndarray:
    """``np.unique(ids)`` of ids below ``2**bits``: duplicates dropped by a slot per id (each
    id keeps the position written last), then only the distinct ids sorted."""
    slots = getattr(_SCRATCH, "slots", None)
    if slots is None or len(slots) < 1 << bits:
        slots = _SCRATCH.slots = np.empty(1 << bits, dtype=np.int32)
    order = np.arange(len(ids), dtype=np.int32)
    slots[ids] = order  # only the slots written here are read back: no clearing needed
    distinct = ids[slots[ids] == order]
    distinct.sort()
    return distinct


def ngram_id_pairs(normalized: Sequence[str], bits: int = HASH_BITS) -> np.ndarray:
    """For several normalised texts in one pass: the sorted unique ``text index << bits | bucket
    id`` of every text's n-grams (the same ids as :func:`ngram_ids` of each text alone)."""
    if not normalized:
        return np.zeros(0, dtype=np.int64)
    joined = "\x00".join(normalized)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    # the owner of each character: its text's index, or -1 for the separators
    owner = np.full(len(codes), -1, dtype=np.int64)
    start = 0
    for index, text in enumerate(normalized):
        owner[start : start + len(text)] = index
        start += len(text) + 1
    parts = []
    for size, ids in zip(NGRAM_SIZES, _bucket_ids(codes, bits)[1], strict=False):
        first, last = owner[: len(ids)], owner[size - 1 : size - 1 + len(ids)]
        inside = (first == last) & (first >= 0)
        parts.append((first[inside] << bits) | ids[inside])
    return np.unique(np.concatenate(parts))


def data_path(name: str) -> Any:
    return resources.files("aigc_gateway").joinpath("data", name)


@dataclass(frozen=True, slots=True)
class LinearTextModel:
    """Logistic regression on binary hashed n-gram features, L2-normalised per text."""

    weights: np.ndarray
    bias: float
    thresholds: dict[str, float]
    """Operating point per language, chosen on the development split at FPR <= 0.03."""
    cue_thresholds: dict[str, float] | None = None
    """Where the model has them: the operating point for texts with keyword evidence."""

    @classmethod
    def load(cls, name: str) -> LinearTextModel:
        with data_path(name).open("rb") as handle, np.load(handle) as stored:
            cues = None
            if "cue_threshold_en" in stored:
                cues = {lang: float(stored[f"cue_threshold_{lang}"]) for lang in ("en", "zh")}
            return cls(
                weights=stored["weights"].astype(np.float32),
                bias=float(stored["bias"]),
                thresholds={lang: float(stored[f"threshold_{lang}"]) for lang in ("en", "zh")},
                cue_thresholds=cues,
            )

    def scores(self, normalized: Sequence[str]) -> np.ndarray:
        """:meth:`score` of several normalised texts (e.g. the sentences of a document) at once."""
        pairs = ngram_id_pairs(normalized)
        owners = pairs >> HASH_BITS
        ids = pairs & ((1 << HASH_BITS) - 1)
        sums = np.bincount(owners, weights=self.weights[ids], minlength=len(normalized))
        counts = np.bincount(owners, minlength=len(normalized))
        margins = np.clip(sums / np.sqrt(np.maximum(counts, 1)) + self.bias, -30.0, 30.0)
        return np.where(counts > 0, 1.0 / (1.0 + np.exp(-margins)), 0.0)

    def margin(self, ids: np.ndarray) -> float:
        """The logit of a non-empty text's n-gram ids."""
        return float(self.weights[ids].sum()) / math.sqrt(len(ids)) + self.bias

    def score(self, ids: np.ndarray) -> float:
        """Probability that the text belongs to the positive class."""
        return probability(self.margin(ids)) if len(ids) else 0.0


def probability(margin: float) -> float:
    """The logistic function of a margin clipped to ±30."""
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, margin))))


FeatureFunction = Callable[[Sequence[str], int, str], list[str]]
"""Features of unit ``i`` of a sequence, given the label of unit ``i - 1``."""


class GreedyTagger:
    """Greedy left-to-right tagging with averaged-perceptron weights (BIO labels)."""

    def __init__(self, labels: list[str], weights: dict[str, list[float]]) -> None:
        self.labels = labels
        self._weights = weights
        self._zero = [0.0] * len(labels)

    @classmethod
    def load(cls, name: str) -> GreedyTagger:
        with data_path(name).open("rb") as handle:
            stored = json.loads(gzip.decompress(handle.read()))
        return cls(stored["labels"], stored["weights"])

    @cached_property
    def lead(self) -> dict[str, float]:
        """Per feature, the most it raises a ``B-`` label's score above ``O``'s: summed over a
        unit's features, a bound on how far any ``B-`` label can beat ``O`` there."""
        outside = self.labels.index("O")
        first, *others = [i for i, label in enumerate(self.labels) if label.startswith("B-")]
        rows = self._weights.items()
        lead = {feature: weights[first] - weights[outside] for feature, weights in rows}
        for begin in others:
            for feature, weights in rows:
                lead[feature] = max(lead[feature], weights[begin] - weights[outside])
        return lead

    @cached_property
    def largest(self) -> float:
        """The largest weight (in magnitude) of any feature and label."""
        return max(map(abs, chain.from_iterable(self._weights.values())))

    def scores(self, features: list[str]) -> list[float]:
        rows = [weights for weights in map(self._weights.get, features) if weights is not None]
        return [sum(column) for column in zip(*rows, strict=True)] if rows else list(self._zero)

    def spans(
        self, units: Sequence[str], features: FeatureFunction, starts: Sequence[int]
    ) -> list[tuple[int, int, str, float]]:
        """Greedy decoding from each candidate start: ``(first, last + 1, type, margin)``.

        A start becomes ``B-TYPE`` if that label beats ``O``; the span then grows while the next
        unit scores best as ``I-TYPE``. Starts inside a found span are skipped.
        """
        found: list[tuple[int, int, str, float]] = []
        covered = -1
        outside = self.labels.index("O")
        for start in starts:
            if start < covered:
                continue
            totals = self.scores(features(units, start, "O"))
            best = max(range(len(totals)), key=totals.__getitem__)
            label = self.labels[best]
            if not label.startswith("B-"):
                continue
            margin = totals[best] - totals[outside]
            kind, inside = label[2:], "I-" + label[2:]
            end, previous = start + 1, label
            while end < len(units):
                totals = self.scores(features(units, end, previous))
                if self.labels[max(range(len(totals)), key=totals.__getitem__)] != inside:
                    break
                previous = inside
                end += 1
            found.append((start, end, kind, margin))
            covered = end
        return found


WINDOW_CHARS = 768
WINDOW_STRIDE = 512


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of text and its n-gram ids; long texts are scored window by window."""

    start: int
    end: int
    ids: np.ndarray


def windows(text: str) -> list[Window]:
    """Overlapping windows (one for short texts), each with its n-gram ids computed once."""
    if len(text) <= WINDOW_CHARS + WINDOW_STRIDE // 2:
        return [Window(0, len(text), ngram_ids(normalize(text)))]
    spans = []
    for start in range(0, len(text), WINDOW_STRIDE):
        end = min(len(text), start + WINDOW_CHARS)
        spans.append(Window(start, end, ngram_ids(normalize(text[start:end]))))
        if end == len(text):
            break
    return spans
