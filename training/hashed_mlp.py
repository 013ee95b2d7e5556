"""A small network over the hashed character n-grams, trained with numpy (no deep-learning library).

The n-gram ids of :mod:`aigc_gateway.guards.features` (2^19 buckets) are folded into
``2 ** NETWORK_BITS`` buckets (their top bits, as
:class:`aigc_gateway.guards.network.MixedTextModel` does at run time), L2-normalised, and fed to
one ReLU hidden layer (fastText-style: an embedding bag of the n-grams, then a non-linearity).
:class:`MixedEstimator` trains it next to the logistic regression of :mod:`.text_models` and
mixes the two in logit space; the mix is what ships. Adam with lazy (per touched row) updates,
fixed seed, fixed batch order: deterministic on one machine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aigc_gateway.guards.features import HASH_BITS

NETWORK_BITS = 17
HIDDEN = 32
EPOCHS = 6
BATCH = 128
LEARNING_RATE = 0.01
WEIGHT_DECAY = 1e-6
SEED = 20240901


def folded(matrix: Any, bits: int = NETWORK_BITS) -> Any:
    """The rows of a 2^19-column n-gram matrix with their ids folded into ``2 ** bits``
    buckets: each row the unique folded ids, every value ``1 / sqrt(count)``. (A new matrix:
    ``sum_duplicates`` works in place, and ``tocsr`` of a CSR matrix is the matrix itself.)"""
    from scipy.sparse import csr_matrix

    rows = matrix.tocsr()
    out = csr_matrix(
        (np.ones(rows.nnz, np.float32), rows.indices >> (HASH_BITS - bits), rows.indptr.copy()),
        shape=(rows.shape[0], 1 << bits),
    )
    out.sum_duplicates()
    counts = np.diff(out.indptr)
    out.data = np.repeat(1.0 / np.sqrt(np.maximum(counts, 1)), counts).astype(np.float32)
    return out


class SparseMLP:
    """Binary classifier: logit = relu(x W1 + b1) . w2 + b2, x sparse."""

    def __init__(self, dim: int, seed: int = SEED) -> None:
        self.dim = dim
        self.seed = seed
        self.params: dict[str, np.ndarray] = {}

    def fit(self, x: Any, y: np.ndarray) -> SparseMLP:
        rng = np.random.default_rng(self.seed)
        params = {
            "W1": rng.standard_normal((self.dim, HIDDEN)).astype(np.float32),
            "b1": np.zeros(HIDDEN, np.float32),
            "w2": (rng.standard_normal(HIDDEN) / np.sqrt(HIDDEN)).astype(np.float32),
            "b2": np.zeros(1, np.float32),
        }
        first = {k: np.zeros_like(v) for k, v in params.items()}
        second = {k: np.zeros_like(v) for k, v in params.items()}
        positive = float(y.mean())
        weight = np.where(y == 1, 0.5 / positive, 0.5 / (1 - positive)).astype(np.float32)
        beta1, beta2, eps, step = 0.9, 0.999, 1e-8, 0

        def adam(name: str, grad: np.ndarray, rows: np.ndarray | None = None) -> None:
            where = slice(None) if rows is None else rows
            first[name][where] = beta1 * first[name][where] + (1 - beta1) * grad
            second[name][where] = beta2 * second[name][where] + (1 - beta2) * grad * grad
            corrected = first[name][where] / (1 - beta1**step)
            scale = np.sqrt(second[name][where] / (1 - beta2**step)) + eps
            params[name][where] -= LEARNING_RATE * corrected / scale

        for _ in range(EPOCHS):
            order = rng.permutation(x.shape[0])
            for start in range(0, len(order), BATCH):
                batch = order[start : start + BATCH]
                rows_x = x[batch]
                hidden_in = rows_x @ params["W1"] + params["b1"]
                hidden = np.maximum(hidden_in, 0)
                logit = hidden @ params["w2"] + params["b2"][0]
                probability = 1 / (1 + np.exp(-np.clip(logit, -30, 30)))
                grad_logit = ((probability - y[batch]) * weight[batch] / len(batch)).astype(
                    np.float32
                )
                grad_hidden = np.outer(grad_logit, params["w2"]) * (hidden_in > 0)
                transposed = rows_x.T.tocsr()
                touched = np.flatnonzero(np.diff(transposed.indptr))
                step += 1
                adam("w2", hidden.T @ grad_logit)
                adam("b2", np.array([grad_logit.sum()], np.float32))
                adam("b1", grad_hidden.sum(0))
                grad_w1 = transposed[touched] @ grad_hidden
                adam("W1", grad_w1 + WEIGHT_DECAY * params["W1"][touched], touched)
        self.params = params
        return self

    def logits(self, x: Any) -> np.ndarray:
        hidden = np.maximum(x @ self.params["W1"] + self.params["b1"], 0)
        return hidden @ self.params["w2"] + self.params["b2"][0]


class MixedEstimator:
    """Logistic regression and :class:`SparseMLP` on the same rows, mixed in logit space:
    ``(1 - mix) * linear + mix * network``. Fits and predicts like a scikit-learn classifier
    (``coef_``/``intercept_`` are the linear part's)."""

    def __init__(self, linear: Any, mix: float) -> None:
        self.linear = linear
        self.mix = mix
        self.network = SparseMLP(1 << NETWORK_BITS)

    def fit(self, x: Any, y: np.ndarray) -> MixedEstimator:
        self.linear.fit(x, y)
        self.network.fit(folded(x), y.astype(np.float32))
        self.coef_ = self.linear.coef_
        self.intercept_ = self.linear.intercept_
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        linear = self.linear.decision_function(x)
        margin = (1 - self.mix) * linear + self.mix * self.network.logits(folded(x))
        positive = 1 / (1 + np.exp(-np.clip(margin, -30, 30)))
        return np.column_stack([1 - positive, positive])

    def network_arrays(self) -> dict[str, np.ndarray]:
        """What the shipped file holds besides the linear part."""
        return {
            "network_W1": self.network.params["W1"].astype(np.float16),
            "network_b1": self.network.params["b1"],
            "network_w2": self.network.params["w2"],
            "network_b2": self.network.params["b2"],
            "network_mix": np.float32(self.mix),
        }
