"""Which language a text is in, as far as the gateway cares: Chinese or English.

Shared by every stage that answers in the user's language. It runs on the event loop for every
request, so its cost per character must stay small whatever the text: ASCII text (no Chinese
possible) is decided at once, other text by one table look-up per character over the text's
code points (1–10 ms per MB, where two regex passes cost 10–70 ms).
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df"
CJK = re.compile(f"[{_CJK_CLASS}]")
_LETTER = re.compile(r"[^\W\d_]")
"""A letter: a word character that is not a digit or an underscore (any script)."""
LETTER, CHINESE = 1, 2
"""The bits of a code point's class (see :func:`_plane`)."""
_PLANE = 0x10000


def is_cjk(char: str) -> bool:
    return CJK.match(char) is not None


@cache
def _plane(number: int) -> np.ndarray:
    """The class of every code point of Unicode plane ``number``, built on first use (about
    40 ms; most texts only ever need plane 0)."""
    table = np.zeros(_PLANE, dtype=np.uint8)
    first = number * _PLANE
    characters = "".join(map(chr, range(first, first + _PLANE)))
    for pattern, bit in ((_LETTER, LETTER), (CJK, CHINESE)):
        table[[match.start() for match in pattern.finditer(characters)]] |= bit
    return table


def _counts(text: str) -> tuple[int, int]:
    """(letters, Chinese characters) in a text: one table look-up per character."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    planes = codes >> 16
    if not planes.any():
        classes = _plane(0)[codes]
    else:  # emoji, historic scripts, CJK extension B …
        classes = np.empty(len(codes), dtype=np.uint8)
        for number in np.unique(planes).tolist():
            where = planes == number
            classes[where] = _plane(number)[codes[where] & (_PLANE - 1)]
    counted = np.bincount(classes, minlength=4)
    both = counted[LETTER | CHINESE]
    return int(counted[LETTER] + both), int(counted[CHINESE] + both)


def language_of(text: str) -> str:
    """``zh`` when at least a fifth of the letters are Chinese characters, else ``en``."""
    if text.isascii():  # constant time in CPython; no Chinese character in it
        return "en"
    letters, chinese = _counts(text)
    if not letters:
        return "en"
    return "zh" if chinese * 5 >= letters else "en"
