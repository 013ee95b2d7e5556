"""A text model that adds a small network to the linear one, over the same n-gram ids.

:class:`MixedTextModel` scores a text as the logistic regression of
:class:`~.features.LinearTextModel` mixed (in logit space) with one ReLU hidden layer over the
n-gram ids folded into fewer buckets (an embedding bag, fastText-style): the network can weigh
n-grams *together* ("how to" with a weapon, not "how to" with "kill a process"), which one weight
per n-gram cannot. Built by ``bash training/train.sh`` (``training/hashed_mlp.py``); a file
without the network arrays loads as a plain :class:`~.features.LinearTextModel`. Cost per window:
one gather of ``len(ids)`` rows of ``HIDDEN`` numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .features import HASH_BITS, LinearTextModel, data_path, probability


@dataclass(frozen=True, slots=True)
class MixedTextModel:
    linear: LinearTextModel
    hidden_weights: np.ndarray
    """``(2 ** bits, hidden)``: one row per folded n-gram bucket (ids folded by their top bits)."""
    hidden_bias: np.ndarray
    output_weights: np.ndarray
    output_bias: float
    mix: float
    """Share of the network in the logit; the rest is the linear model's."""
    shift: int
    """An n-gram id's bucket is its top bits: ``id >> shift``."""

    @property
    def thresholds(self) -> dict[str, float]:
        return self.linear.thresholds

    @property
    def cue_thresholds(self) -> dict[str, float] | None:
        return self.linear.cue_thresholds

    def score(self, ids: np.ndarray) -> float:
        """Probability that the text belongs to the positive class."""
        return probability(self.margin(ids)) if len(ids) else 0.0

    def margin(self, ids: np.ndarray) -> float:
        """The logit of a non-empty text's n-gram ids."""
        linear = self.linear.margin(ids)
        folded = ids >> self.shift  # ids are sorted: equal buckets are neighbours
        buckets = folded[np.concatenate(([True], folded[1:] != folded[:-1]))]
        summed = np.take(self.hidden_weights, buckets, axis=0).sum(axis=0)
        hidden = np.maximum(summed / np.float32(math.sqrt(len(buckets))) + self.hidden_bias, 0)
        network = float(hidden @ self.output_weights) + self.output_bias
        return (1 - self.mix) * linear + self.mix * network


def load_text_model(name: str) -> LinearTextModel | MixedTextModel:
    """The shipped model ``name``: mixed where the file has the network arrays, else linear."""
    linear = LinearTextModel.load(name)
    with data_path(name).open("rb") as handle, np.load(handle) as stored:
        if "network_W1" not in stored:
            return linear
        return MixedTextModel(
            linear=linear,
            hidden_weights=stored["network_W1"].astype(np.float32),
            hidden_bias=stored["network_b1"].astype(np.float32),
            output_weights=stored["network_w2"].astype(np.float32),
            output_bias=float(stored["network_b2"][0]),
            mix=float(stored["network_mix"]),
            shift=HASH_BITS - int(stored["network_W1"].shape[0]).bit_length() + 1,
        )
