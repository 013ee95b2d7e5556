"""Content fingerprints: winnowed hashes of normalised character n-grams (Schleimer et al. 2003).

Normalisation (NFKC, case folding, only letters and digits kept) makes the fingerprint blind to
spacing, punctuation and case, and character n-grams need no word boundaries, so Chinese works as
well as English. An n-gram spans ``NGRAM`` width units, where a CJK character (which carries
more information than a Latin letter) counts two. A stored text keeps the winnowed subset of its
n-gram hashes (the minimum of every window of ``WINDOW`` consecutive hashes), which guarantees
that any shared run of ``WINDOW`` consecutive n-grams shares at least one stored hash. A suspect
text is compared with all its n-gram hashes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from .watermark import mix64

NGRAM = 8
"""Width of an n-gram in units: a Chinese, Japanese or Korean character counts 2, others 1."""
WINDOW = 3
_WIDE = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
_BASE = 1_000_003
_MASK = 2**64 - 1
_POWERS = np.array([pow(_BASE, n, 2**64) for n in range(NGRAM + 1)], dtype=np.uint64)
_SALT = np.uint64(0x5DEECE66D2B1A9F3)


def normalise(text: str) -> str:
    """Letters and digits only, NFKC-folded and case-folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if char.isalnum())


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
        # Polynomial prefix hashes mod 2**64: hash(i, j) = prefix[j] - prefix[i] * BASE**(j - i).
        running, prefix = 0, [0]
        for code in codes.tolist():
            running = (running * _BASE + code) & _MASK
            prefix.append(running)
        table = np.array(prefix, dtype=np.uint64)
        spans = table[ends] - table[starts] * _POWERS[ends - starts]
        return cls(normalised, mix64(spans ^ _SALT), ends, width)

    def winnowed(self) -> np.ndarray:
        """The stored fingerprint: each window's minimum hash, as SQLite-friendly int64."""
        if len(self.hashes) <= WINDOW:
            chosen = self.hashes
        else:
            windows = np.lib.stride_tricks.sliding_window_view(self.hashes, WINDOW)
            positions = np.unique(windows.argmin(axis=1) + np.arange(len(windows)))
            chosen = self.hashes[positions]
        return np.unique(chosen).view(np.int64)

    def signed(self) -> np.ndarray:
        return self.hashes.view(np.int64)

    def overlap(self, matched: np.ndarray) -> tuple[int, int]:
        """The best contiguous overlap with a stored text whose hashes are ``matched``.

        Matching n-grams closer than one n-gram apart (a small edit between them) form one
        segment; returns the width units (see ``NGRAM``) the best segment covers, and how many
        distinct matching hashes it holds. Common phrases scattered through a long text give
        many short segments, a copied passage one long one.
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
