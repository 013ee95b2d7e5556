"""Person names in English and Chinese: a small perceptron tagger per language.

English works on word tokens and starts a name only at a capitalised word; Chinese works on
characters and starts a name only at a surname (``data/zh_surnames.txt``). The feature functions
here are the ones ``bench/guards.py train`` trains with, so training and serving cannot drift.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cache

from .features import GreedyTagger, data_path
from .model import Finding

EN_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+|[^\w\s]", re.UNICODE)
CAPITAL = re.compile(r"[A-Z\u00c0-\u00de]")
SENTENCE_END = frozenset(".!?:;\"'“”()[]@#-—")
ZH_MODEL = "names_zh.json.gz"
EN_MODEL = "names_en.json.gz"


def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character surnames, two-character surnames) from the shipped list."""
    lines = data_path("zh_surnames.txt").read_text(encoding="utf-8").splitlines()
    names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return (
        frozenset(name for name in names if len(name) == 1),
        frozenset(name for name in names if len(name) == 2),
    )


SINGLE_SURNAMES, DOUBLE_SURNAMES = surnames()
ZH_START = re.compile("[" + "".join(sorted(SINGLE_SURNAMES)) + "]")


def _shape(token: str) -> str:
    if token.isdigit():
        return "d"
    if token.isupper():
        return "X" if len(token) > 1 else "X1"
    if token[:1].isupper():
        return "Xx" if token[1:].islower() else "XxX"
    if token.islower():
        return "x"
    return "o"


def en_features(tokens: Sequence[str], index: int, previous: str) -> list[str]:
    token = tokens[index]
    lower = token.lower()
    before = tokens[index - 1] if index > 0 else "<s>"
    after = tokens[index + 1] if index + 1 < len(tokens) else "</s>"
    shape = _shape(token)
    return [
        "bias",
        "w=" + lower,
        "s=" + shape,
        "suf=" + lower[-3:],
        "pre=" + lower[:3],
        "len=" + str(min(len(token), 8)),
        "w-1=" + before.lower(),
        "w+1=" + after.lower(),
        "s-1=" + _shape(before),
        "s+1=" + _shape(after),
        "t-1=" + previous,
        "t-1s=" + previous + shape,
        "first=" + str(index == 0 or before in SENTENCE_END) + shape,
        "w-1s=" + before.lower() + "|" + shape,
    ]


def zh_features(chars: Sequence[str], index: int, previous: str) -> list[str]:
    char = chars[index]
    before = chars[index - 1] if index > 0 else "^"
    before2 = chars[index - 2] if index > 1 else "^"
    after = chars[index + 1] if index + 1 < len(chars) else "$"
    after2 = chars[index + 2] if index + 2 < len(chars) else "$"
    return [
        "bias",
        "c=" + char,
        "c-1=" + before,
        "c+1=" + after,
        "c-2=" + before2,
        "c+2=" + after2,
        "c-1c=" + before + char,
        "cc+1=" + char + after,
        "c+1c+2=" + after + after2,
        "c-2c-1=" + before2 + before,
        "sur=" + str(char in SINGLE_SURNAMES),
        "sur-1=" + str(before in SINGLE_SURNAMES),
        "dsur=" + str(char + after in DOUBLE_SURNAMES),
        "t-1=" + previous,
        "t-1c=" + previous + char,
    ]


def en_tokens(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    tokens, offsets = [], []
    for match in EN_TOKEN.finditer(text):
        tokens.append(match.group())
        offsets.append(match.span())
    return tokens, offsets


def en_starts(tokens: Sequence[str]) -> list[int]:
    return [i for i, token in enumerate(tokens) if token[:1].isupper()]


def zh_starts(text: str) -> list[int]:
    return [match.start() for match in ZH_START.finditer(text)]


def _confidence(margin: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, margin))))


class PersonNames:
    """Detector for PERSON in both languages."""

    name = "names"

    def __init__(self) -> None:
        self._en = GreedyTagger.load(EN_MODEL)
        self._zh = GreedyTagger.load(ZH_MODEL)

    def check(self, text: str) -> list[Finding]:
        findings: list[Finding] = []
        starts = zh_starts(text)
        if starts:
            for start, end, kind, margin in self._zh.spans(text, zh_features, starts):
                if end - start >= 2:
                    findings.append(Finding(kind, start, end, _confidence(margin), "names_zh"))
        if CAPITAL.search(text):
            tokens, offsets = en_tokens(text)
            for first, last, kind, margin in self._en.spans(tokens, en_features, en_starts(tokens)):
                start, end = offsets[first][0], offsets[last - 1][1]
                findings.append(Finding(kind, start, end, _confidence(margin), "names_en"))
        return findings


@cache
def person_names() -> PersonNames:
    return PersonNames()
