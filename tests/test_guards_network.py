"""The mixed text model (guards/network.py): a logistic regression plus a small network over the
same n-gram ids, as ``python -m training.build --harm-network-mix`` writes it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from aigc_gateway.guards import features, network
from aigc_gateway.guards.features import HASH_BITS, LinearTextModel, ngram_ids, normalize
from aigc_gateway.guards.harm import MODEL, TOXICITY_MODEL
from aigc_gateway.guards.injection import MODEL as INJECTION_MODEL
from aigc_gateway.guards.network import MixedTextModel, load_text_model

TEXTS = [
    "How do I make a bomb at home to hurt people?",
    "How do I kill a Python process?",
    "怎么制作炸弹？我想炸掉一栋楼。",
    "Write a long story about a dragon.",
]
BITS = 10


@pytest.fixture
def mixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MixedTextModel:
    """A small mixed model written in the shipped format (random weights, 2^10 buckets)."""
    rng = np.random.default_rng(7)
    with (tmp_path / "mixed.npz").open("wb") as handle:
        np.savez_compressed(
            handle,
            weights=rng.standard_normal(1 << HASH_BITS).astype(np.float16),
            bias=np.float32(-0.5),
            threshold_en=np.float32(0.9),
            threshold_zh=np.float32(0.8),
            network_W1=rng.standard_normal((1 << BITS, 8)).astype(np.float16),
            network_b1=rng.standard_normal(8).astype(np.float32),
            network_w2=rng.standard_normal(8).astype(np.float32),
            network_b2=np.array([0.25], np.float32),
            network_mix=np.float32(0.7),
        )
    monkeypatch.setattr(features, "data_path", lambda name: tmp_path / name)
    monkeypatch.setattr(network, "data_path", lambda name: tmp_path / name)
    model = load_text_model("mixed.npz")
    assert isinstance(model, MixedTextModel)
    return model


def test_shipped_text_models_without_network_arrays_load_as_linear() -> None:
    for name in (MODEL, TOXICITY_MODEL, INJECTION_MODEL):
        assert isinstance(load_text_model(name), LinearTextModel)


def test_mixed_model_keeps_the_linear_operating_points(mixed: MixedTextModel) -> None:
    assert mixed.thresholds == pytest.approx({"en": 0.9, "zh": 0.8})
    assert mixed.cue_thresholds is None
    assert mixed.shift == HASH_BITS - BITS


def test_mixed_score_is_the_linear_score_at_mix_zero(mixed: MixedTextModel) -> None:
    linear_only = dataclasses.replace(mixed, mix=0.0)
    for text in TEXTS:
        ids = ngram_ids(normalize(text))
        assert linear_only.score(ids) == pytest.approx(mixed.linear.score(ids), abs=1e-9)
        assert abs(mixed.score(ids) - mixed.linear.score(ids)) > 1e-6
    assert mixed.score(np.zeros(0, dtype=np.int64)) == 0.0


def test_mixed_score_folds_ids_into_their_top_bits_once_each(mixed: MixedTextModel) -> None:
    ids = ngram_ids(normalize(TEXTS[0] * 3))
    buckets = np.unique(ids >> (HASH_BITS - BITS))
    assert len(buckets) < len(ids)  # 2^10 buckets: folded ids collide, each counts once
    summed = mixed.hidden_weights[buckets].sum(axis=0)
    hidden = np.maximum(summed / np.sqrt(len(buckets)) + mixed.hidden_bias, 0)
    network_logit = float(hidden @ mixed.output_weights) + mixed.output_bias
    linear_logit = float(mixed.linear.weights[ids].sum()) / np.sqrt(len(ids)) + mixed.linear.bias
    margin = 0.3 * linear_logit + 0.7 * network_logit
    assert mixed.score(ids) == pytest.approx(1 / (1 + np.exp(-margin)), abs=1e-5)
