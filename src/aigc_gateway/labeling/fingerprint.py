"""Content fingerprints: winnowed hashes of normalised character n-grams (Schleimer et al. 2003).

Normalisation (NFKC, case folding, only letters and digits kept) makes the fingerprint blind to
spacing, punctuation and case, and character n-grams need no word boundaries, so Chinese works as
well as English. An n-gram spans ``NGRAM`` width units, where a CJK character (which carries
more information than a Latin letter) counts two. A stored text keeps the winnowed subset of its
n-gram hashes (the minimum of every window of ``WINDOW`` consecutive hashes), which guarantees
that any shared run of ``WINDOW`` consecutive n-grams shares at least one stored hash, with the
width offset where it starts. A suspect text is compared with all its n-gram hashes: matches of
one stored text that keep the same alignment (suspect offset minus stored offset, give or take
``DRIFT`` units for edits) and lie at most ``BRIDGE`` units apart form one run, so a copy with
edits counts as one piece of evidence while common phrases found at unrelated places do not add
up.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .watermark import mix64

NGRAM = 8
"""Width of an n-gram in units: a Chinese, Japanese or Korean character counts 2, others 1."""
WINDOW = 3
BRIDGE = 32
"""Matching n-grams at most this many width units apart can belong to one run (edits between)."""
DRIFT = 8
"""How far the alignment of one run may shift (an edit replaced text of another length)."""
_WIDE = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
_BASE = 1_000_003
_BASE_U64 = np.uint64(_BASE)
_SALT = np.uint64(0x5DEECE66D2B1A9F3)


def normalise(text: str) -> str:
    """Letters and digits only, NFKC-folded and case-folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(filter(str.isalnum, folded))


@dataclass(frozen=True, slots=True)
class Grams:
    """The n-gram hashes of one normalised text, by start position."""

    normalised: str
    hashes: np.ndarray
    """uint64, one per n-gram, in order of start position."""
    ends: np.ndarray
    """Where each n-gram ends (exclusive) in ``normalised``; n-gram ``i`` starts at ``i``."""
    width: np.ndarray
    """Cumulative width units before each character of ``normalised`` (one more entry)."""

    @classmethod
    def of(cls, text: str) -> Grams:
        normalised = normalise(text)
        codes = np.frombuffer(normalised.encode("utf-32-le"), dtype=np.uint32)
        wide = np.zeros(len(codes), dtype=bool)
        for low, high in _WIDE:
            wide |= (codes >= low) & (codes <= high)
        width = np.concatenate([[0], np.cumsum(np.where(wide, 2, 1))])
        ends = np.searchsorted(width, width[:-1] + NGRAM)
        starts = np.flatnonzero(ends <= len(codes))
        if len(starts) == 0:
            return cls(normalised, np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64), width)
        ends = ends[starts]
        # Polynomial hash mod 2**64 of codes[i:j], by Horner's rule over the n-gram's characters
        # (at most NGRAM of them), all n-grams at once; uint64 arithmetic wraps as intended.
        lengths = ends - starts
        spans = np.zeros(len(starts), dtype=np.uint64)
        padded = np.concatenate([codes, np.zeros(NGRAM, dtype=np.uint32)]).astype(np.uint64)
        for offset in range(int(lengths.max())):
            inside = offset < lengths
            spans = np.where(inside, spans * _BASE_U64 + padded[starts + offset], spans)
        return cls(normalised, mix64(spans ^ _SALT), ends, width)

    def winnowed(self) -> tuple[np.ndarray, np.ndarray]:
        """The stored fingerprint: each window's minimum hash (SQLite-friendly int64) and the
        width offset where its n-gram starts."""
        if len(self.hashes) <= WINDOW:
            positions = np.arange(len(self.hashes))
        else:
            windows = np.lib.stride_tricks.sliding_window_view(self.hashes, WINDOW)
            # Each window's first minimum; never before the previous window's (ties go to the
            # first), so dropping repeats of the neighbour leaves them sorted and unique.
            minima = windows.argmin(axis=1) + np.arange(len(windows))
            positions = minima[np.concatenate(([True], minima[1:] != minima[:-1]))]
        return self.hashes[positions].view(np.int64), self.width[positions].astype(np.int64)

    def signed(self) -> np.ndarray:
        return self.hashes.view(np.int64)

    def overlap(self, matched: np.ndarray) -> tuple[int, int]:
        """The best contiguous overlap with a stored text whose hashes are ``matched`` (stored
        without offsets).

        Matching n-grams closer than one n-gram apart (a small edit between them) form one
        segment; returns the width units the best segment covers, and how many distinct
        matching hashes it holds.
        """
        hits = np.flatnonzero(np.isin(self.signed(), matched)).tolist()
        best = (0, 0)
        index = 0
        while index < len(hits):
            first = hits[index]
            end, hashes = int(self.ends[first]), {int(self.hashes[first])}
            index += 1
            while index < len(hits) and hits[index] <= end + NGRAM:
                end = max(end, int(self.ends[hits[index]]))
                hashes.add(int(self.hashes[hits[index]]))
                index += 1
            best = max(best, (int(self.width[end] - self.width[first]), len(hashes)))
        return best

    def text_span(self, text: str, first: int, end: int) -> tuple[int, int] | None:
        """Where width units ``first..end`` of this text's n-grams lie in ``text`` (the text
        these grams were made of): character offsets, or None if normalising blurs them."""
        start_char = int(np.searchsorted(self.width, first))
        end_char = int(np.searchsorted(self.width, end))
        offsets: list[int] = []
        for index, char in enumerate(text):
            offsets.extend([index] * len(normalise(char)))
        if len(offsets) != len(self.normalised) or not 0 <= start_char < end_char <= len(offsets):
            return None
        return offsets[start_char], offsets[end_char - 1] + 1

    def aligned_runs(self, stored: Mapping[int, Sequence[int]]) -> list[Run]:
        """Runs of n-grams shared with one stored text, ``stored`` mapping its (signed) hashes
        to the width offsets where they start in it; in order of their start."""
        signed = self.signed()
        width = self.width
        runs: list[Run] = []
        for index in np.flatnonzero(np.isin(signed, np.fromiter(stored, np.int64))).tolist():
            value = int(signed[index])
            start, end = int(width[index]), int(width[self.ends[index]])
            for offset in stored[value]:
                alignment = start - offset
                for run in runs:
                    if start <= run.end + BRIDGE and abs(alignment - run.alignment) <= DRIFT:
                        run.extend(start, end, alignment, value)
                        break
                else:
                    runs.append(Run(start, end, alignment, value))
        return runs


class Run:
    """Matching n-grams of one stored text on (nearly) one alignment, edits bridged."""

    __slots__ = ("alignment", "covered", "end", "first", "hashes", "pieces", "start")

    def __init__(self, start: int, end: int, alignment: int, value: int) -> None:
        self.start, self.end, self.alignment = start, end, alignment
        self.first = start
        """Where the run's first piece starts (width units); it ends at ``end``."""
        self.covered, self.pieces, self.hashes = 0, 1, {value}

    def extend(self, start: int, end: int, alignment: int, value: int) -> None:
        if start > self.end:  # past an edit: close the covered piece and open the next
            self.covered += self.end - self.start
            self.start, self.pieces = start, self.pieces + 1
        self.end = max(self.end, end)
        self.alignment = alignment
        self.hashes.add(value)

    @property
    def units(self) -> int:
        """Width units the matching n-grams cover (the edited gaps between pieces excluded)."""
        return self.covered + self.end - self.start
