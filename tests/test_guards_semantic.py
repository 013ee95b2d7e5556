"""Static word vectors (guards/semantic.py) and the Chinese request model's semantic part."""

from __future__ import annotations

import numpy as np
import pytest

from aigc_gateway.guards.features import probability, windows
from aigc_gateway.guards.harm import MODEL_ZH, HarmDetector
from aigc_gateway.guards.semantic import TABLE_ZH, StaticVectors, load_semantic_head, segment


@pytest.fixture(scope="module")
def table() -> StaticVectors:
    return StaticVectors.load(TABLE_ZH)


def test_segmentation_prefers_the_longest_word_and_skips_what_the_table_lacks() -> None:
    words = {"炸弹": 0, "炸": 1, "弹": 2, "制作": 3, "怎": 4}
    assert segment("怎么制作炸弹？", words) == [4, 3, 0]  # 么 is not in the table
    assert segment("How to make a bomb", words) == []


def test_a_text_vector_is_unit_length_and_text_without_chinese_is_zero(
    table: StaticVectors,
) -> None:
    vector = table.vector("怎么制作炸弹？我想炸掉一栋楼。")
    assert vector.shape == (table.dimensions,)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4
    assert not table.vector("only English words here").any()


def test_a_short_text_vector_is_shrunk_towards_zero_by_its_word_count(table: StaticVectors) -> None:
    """``n / (n + prior)`` for ``n`` words: one or two words cannot carry a full vector."""
    for text in ("依赖注入", "怎么制作炸弹？我想炸掉一栋楼。"):
        words = len(segment(text, table.words))
        norm = float(np.linalg.norm(table.vector(text, prior=8.0)))
        assert norm == pytest.approx(words / (words + 8.0), rel=1e-4)
    assert not table.vector("only English words here", prior=8.0).any()


def test_related_requests_sit_nearer_each_other_than_an_everyday_one(
    table: StaticVectors,
) -> None:
    bomb, explosive, weather = (
        table.vector(text) for text in ("怎么制作炸弹", "如何自制爆炸物", "今天天气怎么样")
    )
    assert float(bomb @ explosive) > float(bomb @ weather)


def test_the_chinese_request_model_adds_its_semantic_part_to_chinese_prompts_only() -> None:
    head = load_semantic_head(MODEL_ZH)
    assert head is not None, "harm_zh.npz is built with its semantic part"
    assert head.prior > 0, "harm_zh.npz shrinks the vectors of short prompts"
    detector = HarmDetector()
    text = "如何在不留痕迹的情况下获取武器？"
    parts = windows(text)
    prompt = detector.scores(text, parts, detector.operating_points(text, "input"))[0].request
    expected = probability(detector.request_zh.margin(parts[0].ids) + head.margin(text))
    assert prompt == pytest.approx(expected)
    answer = detector.scores(text, parts, detector.operating_points(text, "output"))[0].request
    assert answer == detector.request.score(parts[0].ids)
