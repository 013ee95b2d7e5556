"""The name taggers' shortcuts: they skip the candidate starts that cannot become a name
(names.EnglishLead, names.ChineseLead: an estimate must be what the features of en_features or
zh_features add up to, and skipping must leave the tagger's spans exactly as they were), and
the English one reads ASCII text with a simpler token pattern (the same tokens)."""

from __future__ import annotations

import json
import random
import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aigc_gateway.guards.names import (
    EN_TOKEN,
    EN_TOKEN_ASCII,
    EN_WORD,
    KNOWN_NAMES,
    PLACES,
    SENTENCE_END,
    SINGLE_SURNAMES,
    ZH_TRANSLITERATION,
    ChineseLead,
    EnglishLead,
    en_features,
    en_name_kinds,
    en_starts,
    person_names,
    zh_features,
    zh_starts,
)

ROOT = Path(__file__).resolve().parents[1]


def _texts() -> list[str]:
    """Everyday prompts, the evaluation suites, and sentences with names from the shipped list
    (capitalised and lower-case, at a sentence start, after titles, handles and commas)."""
    texts = [
        json.loads(line)["text"]
        for line in (ROOT / "bench/data/benign_prompts.jsonl").read_text().splitlines()
    ]
    for suite in resources.files("aigc_gateway").joinpath("data", "eval").iterdir():
        if suite.name.endswith(".jsonl"):
            for line in suite.read_text(encoding="utf-8").splitlines()[:150]:
                record = json.loads(line)
                texts += [v for v in record.values() if isinstance(v, str) and len(v) > 20]
    rng = random.Random(7)
    names = sorted(en_name_kinds())
    frames = [
        "Yesterday {A} {B} met {a} at the station.",
        "{A} {B}'s report is late. Ask Dr. {B} or mrs {a} about it.",
        "Send it to @{a} and {A}, then call {A} {B} {C} on Monday.",
        "where is {a}? i think {a} {b} left with {A}.",
        "Dear {A},\nThanks for the note. Regards, {A} {B}",
        "The quick {a} fox jumps over the lazy {A}. {A} {B} said so.",
    ]
    for _ in range(300):
        a, b, c = rng.sample(names, 3)
        texts.append(rng.choice(frames).format(A=a.title(), B=b.title(), C=c.title(), a=a, b=b))
    people, places = sorted(KNOWN_NAMES), sorted(PLACES)
    frames = [
        "我叫{a}，明天见。",
        "周末我和{a}去{p}吃火锅，{b}也来了。",
        "请把报告发给{a}，她负责{p}的项目。",
        "{a}先生说，{b}曾任{p}主任。",
        "德国主帅克林斯曼在赛后表示满意，{a}和{b}都在场。",
        "{a}·{b}在{p}。",
    ]
    for _ in range(300):
        a, b = rng.sample(people, 2)
        texts.append(rng.choice(frames).format(a=a, b=b, p=rng.choice(places)))
    return texts


TEXTS = _texts()


@pytest.fixture(scope="module")
def lead() -> EnglishLead:
    return EnglishLead(person_names()._en)


def _summed(lead: EnglishLead, tokens: list[str], index: int) -> float:
    weights = person_names()._en.lead
    return sum(weights.get(feature, 0.0) for feature in en_features(tokens, index, "O"))


def test_the_estimate_is_the_features_sum_at_every_token(lead: EnglishLead) -> None:
    checked = 0
    for text in TEXTS:
        tokens = EN_TOKEN.findall(text)
        everywhere = range(len(tokens))
        for index, estimate in zip(everywhere, lead.estimates(tokens, everywhere), strict=True):
            assert estimate == pytest.approx(_summed(lead, tokens, index), abs=1e-9), (text, index)
            checked += 1
    assert checked > 20_000


WORDS = st.sampled_from(
    [
        *sorted(SENTENCE_END),
        *("<s>", "</s>", "the", "The", "THE", "brown", "Brown", "mark", "@", "Mr", "Dr.", "J."),
        *("O'Neil", "José", "ÅSA", "x", "42", "李", "naïve", "McDonald", "I"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS | st.text(min_size=1, max_size=6), min_size=1, max_size=8), st.data())
def test_the_estimate_holds_for_any_tokens(tokens: list[str], data: st.DataObject) -> None:
    lead = EnglishLead(person_names()._en)
    index = data.draw(st.integers(0, len(tokens) - 1))
    assert lead.estimates(tokens, [index]) == [
        pytest.approx(_summed(lead, tokens, index), abs=1e-9)
    ]


def _spans(tokens: list[str], starts: list[int]) -> list[tuple[int, int, str, float]]:
    return person_names()._en.spans(tokens, en_features, starts)


def test_skipped_starts_change_no_span(lead: EnglishLead) -> None:
    tagged = skipped = 0
    for text in TEXTS:
        tokens = EN_TOKEN.findall(text)
        starts = en_starts(tokens)
        kept = lead.possible(tokens, starts)
        spans = _spans(tokens, starts)
        assert _spans(tokens, kept) == spans, text
        tagged += len(spans)
        skipped += len(starts) - len(kept)
    assert tagged > 300 and skipped > 1_000  # names were found, and most starts skipped


def test_a_too_eager_skip_would_be_caught(
    lead: EnglishLead, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison above can fail: skipping starts that come close loses names."""
    monkeypatch.setattr(lead, "slack", -3.0)
    lost = 0
    for text in TEXTS:
        tokens = EN_TOKEN.findall(text)
        starts = en_starts(tokens)
        lost += _spans(tokens, lead.possible(tokens, starts)) != _spans(tokens, starts)
    assert lost > 0


def test_the_detector_finds_names_the_tagger_decides() -> None:
    found = person_names().check("The quick brown fox met Maria Garcia and john smith.")
    assert [(f.start, f.end, f.detector) for f in found] == [
        (24, 36, "names_en"),  # the spans' offsets are worked out only when there are spans
        (41, 51, "names_en"),
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=127)) | st.sampled_from(TEXTS).filter(str.isascii))
def test_ascii_text_has_the_same_tokens(text: str) -> None:
    assert EN_TOKEN_ASCII.findall(text) == EN_TOKEN.findall(text)


def test_a_word_letter_in_ascii_is_a_latin_letter() -> None:
    word = re.compile(EN_WORD)
    assert [chr(c) for c in range(128) if word.fullmatch(chr(c))] == [
        *map(chr, range(ord("A"), ord("Z") + 1)),
        *map(chr, range(ord("a"), ord("z") + 1)),
    ]


@pytest.fixture(scope="module")
def zh_lead() -> ChineseLead:
    return ChineseLead(person_names()._zh)


def _zh_summed(text: str, index: int) -> float:
    weights = person_names()._zh.lead
    return sum(weights.get(feature, 0.0) for feature in zh_features(text, index, "O"))


def test_the_chinese_estimate_is_the_features_sum_at_every_character(
    zh_lead: ChineseLead,
) -> None:
    checked = 0
    for text in TEXTS:
        if text.isascii():
            continue
        everywhere = range(len(text))
        near = zh_lead._near(text, everywhere)
        for index, estimate in zip(everywhere, zh_lead.estimates(text, everywhere), strict=True):
            assert estimate == pytest.approx(_zh_summed(text, index), abs=1e-9), (text, index)
            assert near[index] + zh_lead._further >= estimate - 1e-9  # the first, looser look
            checked += 1
    assert checked > 10_000


CHARACTERS = st.sampled_from(
    sorted(
        {
            *"^$·，。的了和与任曾叫先生上海北京振华",
            *ZH_TRANSLITERATION[:40],
            *sorted(SINGLE_SURNAMES)[:60],
        }
    )
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(CHARACTERS | st.sampled_from(sorted(KNOWN_NAMES)[:200] + sorted(PLACES)[:200]))
    .map("".join)
    .filter(bool),
    st.data(),
)
def test_the_chinese_estimate_holds_for_any_text(text: str, data: st.DataObject) -> None:
    lead = ChineseLead(person_names()._zh)
    index = data.draw(st.integers(0, len(text) - 1))
    assert lead.estimates(text, [index]) == [pytest.approx(_zh_summed(text, index), abs=1e-9)]


def test_skipped_chinese_starts_change_no_span(zh_lead: ChineseLead) -> None:
    tagger, tagged, skipped = person_names()._zh, 0, 0
    for text in TEXTS:
        starts = zh_starts(text)
        kept = zh_lead.possible(text, starts)
        spans = tagger.spans(text, zh_features, starts)
        assert tagger.spans(text, zh_features, kept) == spans, text
        tagged += len(spans)
        skipped += len(starts) - len(kept)
    assert tagged > 300 and skipped > 1_000


def test_a_too_eager_chinese_skip_would_be_caught(
    zh_lead: ChineseLead, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zh_lead, "slack", -3.0)
    tagger, lost = person_names()._zh, 0
    for text in TEXTS:
        starts = zh_starts(text)
        kept = zh_lead.possible(text, starts)
        lost += tagger.spans(text, zh_features, kept) != tagger.spans(text, zh_features, starts)
    assert lost > 0
