"""A zero-shot AI-generated-text score from the local model's token statistics.

Fast-DetectGPT's analytic sampling discrepancy (Bao et al., ICLR 2024) with the embedded
SmolLM2 GGUF as both the sampling and the scoring model: for each token ``x_t`` of the text the
model's log-probability ``log p(x_t)`` is compared with the expectation and variance of the
log-probability of a token sampled from the same distribution,

    d = (Σ log p(x_t) − Σ E[log p]) / sqrt(Σ Var[log p])

Machine text sits nearer the model's own modes than human text, so it scores higher. ``d`` is
mapped to a 0..1 score by a logistic centred on the 99th percentile of ``d`` over the human
texts of the development set (``bench/scan.py aigc``), so a score of 0.5 or more flags about 1 %
of human text. The model runs through llama-cpp-python (``logits_all``), one text at
a time, truncated to ``max_tokens``; texts shorter than ``MIN_TOKENS`` are not scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MIN_TOKENS = 24
DEFAULT_MAX_TOKENS = 128
CENTRE = 0.0
"""The discrepancy scored 0.5: the development set's human texts have p50 -2.19, p99 0.02;
its machine texts p50 -0.80 (docs/benchmarks/scan.json)."""
SCALE = 0.5


@dataclass(frozen=True, slots=True)
class AigcScore:
    score: float
    """0..1; above 0.5 the text looks machine-generated."""
    discrepancy: float
    tokens: int


class AigcDetector:
    """Loads the GGUF once (per process) and scores texts one at a time."""

    def __init__(self, model_path: Path, max_tokens: int = DEFAULT_MAX_TOKENS, threads: int = 1):
        from llama_cpp import Llama
        from llama_cpp._utils import suppress_stdout_stderr

        self.max_tokens = max_tokens
        with suppress_stdout_stderr(disable=False):
            self._llama: Any = Llama(
                model_path=str(model_path),
                n_ctx=max_tokens + 8,
                n_batch=max_tokens + 8,
                n_threads=threads,
                n_threads_batch=threads,
                logits_all=True,
                verbose=False,
            )

    def discrepancy(self, text: str) -> tuple[float, int] | None:
        """The analytic sampling discrepancy and the number of tokens scored."""
        llama = self._llama
        tokens = llama.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False)
        tokens = tokens[: self.max_tokens]
        if len(tokens) < MIN_TOKENS:
            return None
        # The first token has no prediction; logits row i predicts token i + 1.
        llama.reset()
        llama.eval(tokens)
        logits = np.array(llama.scores[: len(tokens) - 1], dtype=np.float32)
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        totals = probs.sum(axis=1, keepdims=True)
        probs /= totals
        log_probs = logits - np.log(totals)
        targets = np.asarray(tokens[1:])
        observed = log_probs[np.arange(len(targets)), targets].astype(np.float64)
        weighted = probs * log_probs
        expected = weighted.sum(axis=1, dtype=np.float64)
        variance = (weighted * log_probs).sum(axis=1, dtype=np.float64) - expected**2
        value = (observed.sum() - expected.sum()) / math.sqrt(max(variance.sum(), 1e-9))
        return float(value), len(targets)

    def score(self, text: str) -> AigcScore | None:
        found = self.discrepancy(text)
        if found is None:
            return None
        value, tokens = found
        return AigcScore(1.0 / (1.0 + math.exp(-(value - CENTRE) / SCALE)), value, tokens)
