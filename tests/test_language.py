"""The user's language: the per-character table gives what the definition (letters and Chinese
characters counted by regular expression) gives, for any text (its speed is in
bench/adversarial.py)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from aigc_gateway.language import CJK, language_of

LETTER = re.compile(r"[^\W\d_]")


def by_definition(text: str) -> str:
    """``zh`` when at least a fifth of the letters are Chinese characters, else ``en``."""
    letters = len(LETTER.findall(text))
    if not letters:
        return "en"
    return "zh" if len(CJK.findall(text)) * 5 >= letters else "en"


MIXES = st.text(
    st.one_of(
        st.characters(codec=None),  # any code point, lone surrogates and astral planes too
        st.sampled_from("数据中文𠀀𪚥 abc1_.@"),
    ),
    max_size=200,
)


@settings(max_examples=400, deadline=None)
@given(MIXES)
def test_language_is_what_the_definition_says(text: str) -> None:
    assert language_of(text) == by_definition(text)


def test_examples() -> None:
    assert language_of("What is the capital of France?") == "en"
    assert language_of("请简单介绍一下长城。") == "zh"
    assert language_of("The word 长城 means Great Wall") == "en"
    assert language_of("长城 Great") == "zh"  # 2 of 7 letters: at least a fifth
    assert language_of("𠀀𠀁𠀂 ok") == "zh"  # CJK extension B
    assert language_of("😀😀 12 ¡¿") == "en"  # no letters
    assert language_of("\ud800 数") == "zh"  # a lone surrogate from a JSON escape
