"""Obfuscation undone before detection: views of a text that detectors read besides the text,
with every view offset mapped back to the original.

* the **canonical** view: zero-width and other invisible characters dropped, Unicode tag
  characters (hidden ASCII) decoded, full-width and other compatibility forms folded (NFKC),
  Cyrillic and Greek look-alikes inside Latin words folded to Latin, spelled-out and Chinese
  numeral digits written as digits, digits split by spaces, dots or other separators joined,
  and "john at example dot com" e-mails written as e-mails;
* **decoded** views of encoded segments: base64, hex, ``%xx`` and ``\\xNN`` escapes, and
  ROT13 lines (kept when they read as English);
* for the text classifiers only, a **de-leeted** view ("1gn0r3 4ll" → "ignore all").

Each view is built only when a cheap trigger says its transformation could change anything,
so ordinary text costs at most one regex pass per trigger (usually none: a trigger runs only
where :mod:`.prefilter` finds what its matches need). A finding in a view counts only where the
transformation changed the text it covers (see :meth:`View.changed`); everything else the
original text already answers.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from .model import Finding
from .prefilter import possible, probes_for

Span = tuple[int, int]
Replacement = tuple[int, int, str]
"""``(start, end, text)``: ``text`` replaces ``source[start:end]``."""


@dataclass(frozen=True, slots=True)
class View:
    """A transformed text and the way back: ``map`` turns a view span into a source span."""

    text: str
    source: str
    _view_starts: tuple[int, ...]
    _segments: tuple[tuple[int, int, int, bool], ...]
    """Per segment: (view start, source start, source end, identity?)."""
    _source_starts: tuple[int, ...]
    parent: View | None = None

    @classmethod
    def build(cls, source: str, edits: Iterable[Replacement], parent: View | None = None) -> View:
        """The view of ``source`` with sorted, non-overlapping ``edits`` applied."""
        pieces: list[str] = []
        segments: list[tuple[int, int, int, bool]] = []
        position = view_position = 0
        for start, end, text in edits:
            if start < position:
                continue
            if start > position:
                segments.append((view_position, position, start, True))
                pieces.append(source[position:start])
                view_position += start - position
            segments.append((view_position, start, end, False))
            pieces.append(text)
            view_position += len(text)
            position = end
        if position < len(source):
            segments.append((view_position, position, len(source), True))
            pieces.append(source[position:])
        return cls(
            "".join(pieces),
            source,
            tuple(segment[0] for segment in segments),
            tuple(segments),
            tuple(segment[1] for segment in segments),
            parent,
        )

    def _locate(self, position: int, end: bool) -> int:
        index = max(0, bisect.bisect_right(self._view_starts, position) - 1)
        view_start, source_start, source_end, identity = self._segments[index]
        if identity:
            return source_start + position - view_start + (1 if end else 0)
        return source_end if end else source_start

    def map(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that view span ``[start, end)`` came from."""
        if not self._segments or end <= start:
            return start, end
        mapped = self._locate(start, False), self._locate(end - 1, True)
        return self.parent.map(*mapped) if self.parent is not None else mapped

    def _view_end(self, index: int) -> int:
        following = index + 1
        return self._view_starts[following] if following < len(self._segments) else len(self.text)

    def _forward(self, position: int, end: bool) -> int:
        """Where a position of the source (exclusive if ``end``) lies in this view."""
        if not self._segments:
            return position
        probe = max(0, position - 1) if end else position
        index = max(0, bisect.bisect_right(self._source_starts, probe) - 1)
        view_start, source_start, _, identity = self._segments[index]
        if identity:
            return view_start + probe - source_start + (1 if end and position > 0 else 0)
        return self._view_end(index) if end else view_start

    def changed_spans(self) -> list[Span]:
        """Stretches of this view that some transformation wrote, in view offsets."""
        spans = [
            (segment[0], self._view_end(index))
            for index, segment in enumerate(self._segments)
            if not segment[3]
        ]
        if self.parent is not None:
            spans += [
                (self._forward(start, False), self._forward(end, True))
                for start, end in self.parent.changed_spans()
            ]
        return spans

    def regions(self, margin: int) -> tuple[Span, ...]:
        """The changed stretches widened by ``margin`` and merged: all a detector must read
        here, since a finding elsewhere in the view is one the original text has too."""
        merged: list[Span] = []
        for start, end in sorted(self.changed_spans()):
            start, end = max(0, start - margin), min(len(self.text), end + margin)
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return tuple(merged)

    def root(self) -> str:
        return self.parent.root() if self.parent is not None else self.source

    def changed(self, start: int, end: int) -> bool:
        """Whether the view text in ``[start, end)`` differs from the original it maps to."""
        source_start, source_end = self.map(start, end)
        return self.text[start:end] != self.root()[source_start:source_end]


def _chain(text: str, passes: Iterable[Callable[[str], list[Replacement]]]) -> View | None:
    """Apply each pass to the previous result; None if no pass changed anything."""
    view: View | None = None
    current = text
    for edits_of in passes:
        edits = edits_of(current)
        if edits:
            view = View.build(current, edits, view)
            current = view.text
    return view


# --- characters ---------------------------------------------------------------------------

INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
)
TAGS = "\U000e0000-\U000e007f"
COMPATIBILITY = (
    "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"  # full-width letters and digits
    "\uff0b\uff0d\uff0e\uff0f\uff1c\uff1e\uff20\uff3f\uff5c"  # ＋－．／＜＞＠＿｜ (not ，：！？)
    "\u2070-\u209f"  # super- and subscripts
    "\u2460-\u24ff"  # enclosed alphanumerics (①, ⓐ)
    "\ufb00-\ufb06"  # ligatures
    "\U0001d400-\U0001d7ff"  # mathematical alphanumerics (𝐚, 𝕒)
    "\U0001f100-\U0001f1ff"  # enclosed alphanumerics supplement
)
CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "с": "c", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "ӏ": "l",
    "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "у": "y", "ԝ": "w",
    "х": "x", "ԁ": "d", "ɡ": "g", "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I",
    "Ј": "J", "К": "K", "М": "M", "О": "O", "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y",
    "Ү": "Y", "ү": "y", "Ԍ": "G", "Ԁ": "D", "Ь": "b", "ь": "b",
    # Greek
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "τ": "t", "ι": "i", "κ": "k", "υ": "u", "ϲ": "c",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Χ": "X", "Υ": "Y",
}  # fmt: skip
"""Letters that render like Latin ones (after Unicode's confusables list)."""
CHARACTER_TRIGGER = re.compile(f"[{INVISIBLE}{TAGS}{COMPATIBILITY}{''.join(CONFUSABLES)}]")
_INVISIBLE_RUN = re.compile(f"[{INVISIBLE}]+")
_TAG_RUN = re.compile(f"[{TAGS}]+")
_COMPATIBILITY_RUN = re.compile(f"[{COMPATIBILITY}]+")
_CONFUSABLE_WORD = re.compile(f"(?<![^\\W\\d_])[^\\W\\d_]*[{''.join(CONFUSABLES)}][^\\W\\d_]*")
_LATIN = re.compile(r"[A-Za-z]")


def _character_edits(text: str) -> list[Replacement]:
    if not CHARACTER_TRIGGER.search(probes_for(text).distinct):  # one character: the same
        return []
    edits: list[Replacement] = [(m.start(), m.end(), "") for m in _INVISIBLE_RUN.finditer(text)]
    for match in _TAG_RUN.finditer(text):
        codes = [ord(c) - 0xE0000 for c in match.group()]
        hidden = "".join(chr(code) for code in codes if 0x20 <= code < 0x7F)
        edits.append((match.start(), match.end(), hidden))
    for match in _COMPATIBILITY_RUN.finditer(text):
        edits.append((match.start(), match.end(), unicodedata.normalize("NFKC", match.group())))
    for match in _CONFUSABLE_WORD.finditer(text):
        word = match.group()
        # Fold a word that mixes in Latin letters, or that consists of look-alikes only (a
        # real Cyrillic or Greek word nearly always has letters that look like no Latin one).
        if _LATIN.search(word) or all(c in CONFUSABLES for c in word):
            edits.append((match.start(), match.end(), "".join(CONFUSABLES.get(c, c) for c in word)))
    return _disjoint(edits)


def _disjoint(edits: list[Replacement]) -> list[Replacement]:
    """Sorted by start; an edit overlapping an earlier one is dropped."""
    kept: list[Replacement] = []
    for edit in sorted(edits, key=lambda e: (e[0], -e[1])):
        if not kept or edit[0] >= kept[-1][1]:
            kept.append(edit)
    return kept


# --- numbers ------------------------------------------------------------------------------

EN_DIGITS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
ZH_DIGITS = {
    "零": "0", "〇": "0", "○": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3",
    "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
    "壹": "1", "贰": "2", "叁": "3", "肆": "4", "伍": "5", "陆": "6", "柒": "7", "捌": "8",
    "玖": "9",
}  # fmt: skip
_EN_WORD = "(?:" + "|".join(EN_DIGITS) + ")"
EN_DIGIT_RUN = re.compile(rf"(?i)\b{_EN_WORD}(?:[\s,-]{{1,3}}(?:{_EN_WORD}|\d)\b){{3,40}}")
"""Four or more digit words (or digits among them): "four one one one …"."""
ZH_DIGIT_RUN = re.compile("[" + "".join(ZH_DIGITS) + r"\d]{6,}")
"""Six or more Chinese numeral digits: phone and ID numbers written out."""
SPLIT_DIGITS = re.compile(
    r"(?<![A-Za-z0-9_])(?<!\d\.)(?:\d[ \t.·•_/\\|,，、-]{1,3}){6,40}[\dXx]"
    r"(?![A-Za-z0-9_])(?!\.\d)"
    r"|(?<![A-Za-z0-9_])(?<!\d\.)\d{1,6}"
    r"(?:(?:[ \t]{1,3}|[.·•_/\\|，、]|[ \t]{0,3}-[ \t]{0,3})\d{1,6}){2,12}"
    r"(?:[ \t.]?[Xx])?(?![A-Za-z0-9_])(?!\.\d)"
)
"""Digits split by separators: one digit at a time, or groups joined by dots and the like."""
NOT_SPLIT = re.compile(
    r"\d{1,3}(?:\.\d{1,3}){3}|\d{4}([./-])\d{1,2}\1\d{1,2}|\d{1,2}([./-])\d{1,2}\2\d{2,4}"
)
"""IPv4 addresses and dates: separated digits that are not one number."""
NUMBER_TRIGGER = re.compile(
    rf"(?i)\b{_EN_WORD}\b|[{''.join(ZH_DIGITS)}]{{6}}|\d[ \t.·•_/\\|,，、-]{{1,3}}\d"
)


def _spelled_digit(word: str) -> str:
    return EN_DIGITS.get(word.lower(), word)


DIGIT_GROUP = re.compile(r"\d+")
NOT_PHONE_STYLE = re.compile(r"[^\d \t-]")
DIGIT_WORD = re.compile(r"[A-Za-z]+|\d")
NOT_DIGIT = re.compile(r"[^\dXx]")


def _plain_format(value: str, digits: str) -> bool:
    """Groups of digits split by spaces or dashes as phone numbers are written: the detectors
    read these as they are (card and ID numbers, 15 digits and more, are still joined)."""
    groups = DIGIT_GROUP.findall(value)
    return len(digits) < 15 and min(map(len, groups)) >= 2 and not NOT_PHONE_STYLE.search(value)


def _number_edits(text: str) -> list[Replacement]:
    if not possible(NUMBER_TRIGGER, text) or not NUMBER_TRIGGER.search(text):
        return []
    edits: list[Replacement] = []
    for match in EN_DIGIT_RUN.finditer(text):
        words = DIGIT_WORD.findall(match.group())
        edits.append((match.start(), match.end(), "".join(map(_spelled_digit, words))))
    for match in ZH_DIGIT_RUN.finditer(text):
        value = "".join(ZH_DIGITS.get(c, c) for c in match.group())
        if value != match.group():
            edits.append((match.start(), match.end(), value))
    for match in SPLIT_DIGITS.finditer(text):
        value = match.group()
        digits = NOT_DIGIT.sub("", value)
        if NOT_SPLIT.fullmatch(value) or len(digits) < 7 or _plain_format(value, digits):
            continue
        edits.append((match.start(), match.end(), digits))
    return _disjoint(edits)


# --- e-mails written out ------------------------------------------------------------------

_DOT = (
    r"(?:\s*[(\[{<]\s*(?:dot|\.)\s*[)\]}>]\s*|\s+(?:dot|DOT)\s+|\s*(?:点|點|。)\s*"
    r"|\s+\.\s*|\s*\.\s+)"
)
DOT = re.compile(_DOT)
USER_CHAR = re.compile(r"[A-Za-z0-9_.+-]")
WRITTEN_AT = re.compile(
    r"(?i)[ \t]{1,3}at[ \t]{1,3}"
    r"|[ \t]{0,3}(?:[(\[{<][ \t]{0,3}(?:at|@)[ \t]{0,3}[)\]}>]|艾特|圈a)[ \t]{0,3}"
    r"|[ \t]{1,3}@[ \t]{0,3}|@[ \t]{1,3}"
)
"""The "at" of an e-mail written out; the parts around it are matched from here."""
USER_BEFORE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}\Z")
DOMAIN_AFTER = re.compile(
    rf"([A-Za-z0-9-]{{1,63}})((?:{_DOT}[A-Za-z0-9-]{{1,63}}){{0,3}}){_DOT}([A-Za-z]{{2,6}})\b",
    re.IGNORECASE,
)


TLDS = "com net org edu gov io cn uk de fr jp co info biz me us ca au ru in ai dev app xyz hk tw"
KNOWN_TLDS = frozenset(TLDS.split())
WRITTEN_DOT = re.compile(r"(?i)dot|点|點")


def _email_edits(text: str) -> list[Replacement]:
    edits: list[Replacement] = []
    if not possible(WRITTEN_AT, text):
        return edits
    for at in WRITTEN_AT.finditer(text):
        domain = DOMAIN_AFTER.match(text, at.end())
        if domain is None:
            continue
        user = USER_BEFORE.search(text, max(0, at.start() - 64), at.start())
        if user is None:
            continue
        if user.start() > 0 and USER_CHAR.match(text, user.start() - 1):
            continue
        tld = domain.group(3)
        if tld.lower() not in KNOWN_TLDS and not WRITTEN_DOT.search(domain.group()):
            continue  # "meet at noon. Then": a plain full stop needs a known top-level domain
        labels = DOT.split(domain.group(2)) if domain.group(2) else []
        host = ".".join([domain.group(1), *[label for label in labels if label], domain.group(3)])
        edits.append((user.start(), domain.end(), f"{user.group()}@{host}"))
    return _disjoint(edits)


def canonical(text: str) -> View | None:
    """The canonical view (see the module docstring); None when it equals the text."""
    return _chain(text, (_character_edits, _number_edits, _email_edits))


# --- encoded segments ---------------------------------------------------------------------

BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
HEX = re.compile(
    r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{16,}|[0-9A-Fa-f]{2}(?:[ :][0-9A-Fa-f]{2}){7,})(?![0-9A-Fa-f])"
)
ESCAPED = re.compile(r"(?:\\x[0-9A-Fa-f]{2}|%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}){4,}")
ESCAPED_BYTE = re.compile(r"(?:\\x|%)([0-9A-Fa-f]{2})")
MAX_DECODED_CHARS = 65_536
"""Longer encoded segments are decoded up to this many characters."""


def _printable(decoded: str) -> bool:
    if len(decoded) < 4:
        return False
    good = sum(c.isprintable() or c in "\n\t\r" for c in decoded)
    return good >= 0.95 * len(decoded) and any(c.isalpha() for c in decoded)


def _utf8(data: bytes) -> str | None:
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return decoded if _printable(decoded) else None


def _base64(segment: str) -> str | None:
    compact = segment.rstrip("=")
    if len(compact) % 4 == 1:
        return None
    padded = compact + "=" * (-len(compact) % 4)
    try:
        data = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    return _utf8(data)


def _hex(segment: str) -> str | None:
    digits = segment.replace(" ", "").replace(":", "")
    if len(digits) % 2:
        return None
    return _utf8(bytes.fromhex(digits))


def _escaped(segment: str) -> str | None:
    if "\\u" in segment:
        try:
            return codecs.decode(segment, "unicode_escape")
        except UnicodeDecodeError:
            return None
    raw = bytes(int(code, 16) for code in ESCAPED_BYTE.findall(segment))
    return _utf8(raw)


COMMON_WORDS_EN = (
    "the a an and or to of in on for is are was be you your i me my we it this that with as "
    "not no do all any what how can will please now from by at if then tell give write "
    "ignore previous instructions prompt system rules say print show make who why "
    "password key secret email phone card number name address kill bomb"
)
COMMON_EN = frozenset(COMMON_WORDS_EN.split())
"""Common English words: a decoded ROT13 line or a de-leeted text reads as English."""
_WORD = re.compile(r"[A-Za-z]+")
ROT13_LINE = re.compile(r"[^\n]{12,}")
ROT13_TRIGGER = re.compile(r"(?i)\b(?:gur|naq|lbh|lbhe|vf|bs|gb|vtaber|cerivbhf|cebzcg)\b")
"""ROT13 of "the, and, you, your, is, of, to, ignore, previous, prompt": English text after ROT13
nearly always has one of them; without one, no line is worth decoding."""


def _english_share(text: str) -> float:
    words = _WORD.findall(text.lower())
    return sum(word in COMMON_EN for word in words) / len(words) if len(words) >= 3 else 0.0


def _rot13(line: str) -> str | None:
    share = _english_share(line)
    if share >= 0.3:
        return None  # reads as English already
    decoded = codecs.encode(line, "rot13")
    return decoded if _english_share(decoded) - share >= 0.3 else None


@dataclass(frozen=True, slots=True)
class Decoded:
    """An encoded segment of the text, decoded: findings in it cover the whole segment."""

    start: int
    end: int
    text: str
    encoding: str


def decoded_segments(text: str) -> list[Decoded]:
    """Base64, hex, escaped and ROT13 segments that decode to readable text."""
    found: list[Decoded] = []
    for encoding, pattern, decode in (
        ("base64", BASE64, _base64),
        ("hex", HEX, _hex),
        ("escape", ESCAPED, _escaped),
    ):
        if not possible(pattern, text):
            continue
        for match in pattern.finditer(text):
            decoded = decode(match.group()[: MAX_DECODED_CHARS * 2])
            if decoded:
                found.append(Decoded(match.start(), match.end(), decoded, encoding))
    if possible(ROT13_TRIGGER, text) and ROT13_TRIGGER.search(text):
        for match in ROT13_LINE.finditer(text):
            decoded = _rot13(match.group())
            if decoded:
                found.append(Decoded(match.start(), match.end(), decoded, "rot13"))
    return found


# --- leetspeak (text classifiers only) ----------------------------------------------------

LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
LEET_WORD = re.compile(r"(?<![\w@$!])(?=[\w@$!]*[A-Za-z])(?=[\w@$!]*[013457@$!])[\w@$!]{3,}")


LEET_TRIGGER = re.compile(r"[A-Za-z][013457@$!][A-Za-z0-9@$!]|[013457@$!][A-Za-z]")


def deleet(text: str) -> View | None:
    """Words mixing letters with look-alike digits and symbols, read as letters; None unless
    at least two of them then read as common English words."""
    if not possible(LEET_TRIGGER, text) or not LEET_TRIGGER.search(text):
        return None
    edits = []
    readable = 0
    for match in LEET_WORD.finditer(text):
        word = "".join(LEET.get(c, c) for c in match.group())
        if word.isalpha():
            edits.append((match.start(), match.end(), word))
            readable += word.lower() in COMMON_EN
    return View.build(text, edits) if readable >= 2 else None


# --- what the detectors read --------------------------------------------------------------

SPAN_MARGIN = 256
"""Span detectors read a view this far around each change (longer than any span's context)."""


@dataclass(frozen=True, slots=True)
class Reading:
    """A text a detector reads for the original: the original itself or a view of it."""

    text: str
    map: Callable[[int, int], Span]
    accept: Callable[[int, int], bool]
    """Whether a finding at this span of ``text`` is new evidence (see ``View.changed``)."""
    how: str | None = None
    """None for the original; ``normalized``, ``leet`` or the encoding of a decoded segment."""
    spans: bool = True
    """Whether span detectors read it (the de-leeted view is for the text classifiers only)."""
    regions: tuple[Span, ...] | None = None
    """Where in ``text`` there is anything new to read; None: everywhere."""

    def finding(self, finding: Finding) -> Finding:
        """``finding`` in this reading, placed on the original text."""
        if self.how is None:
            return finding
        start, end = self.map(finding.start, finding.end)
        return replace(finding, start=start, end=end, detector=f"{finding.detector}+{self.how}")


def _always(start: int, end: int) -> bool:
    return True


def _identity(start: int, end: int) -> Span:
    return start, end


MAX_DEPTH = 2
"""Encoded segments inside decoded ones are followed this deep (base64 of hex …)."""


def readings(text: str, classifiers: bool = False, depth: int = 0) -> list[Reading]:
    """The original text, then every view of it worth reading (see the module docstring);
    with ``classifiers``, also the views only the text classifiers read."""
    found = [Reading(text, _identity, _always)] if depth == 0 else []
    view = canonical(text)
    base, base_map = text, _identity
    if view is not None:
        regions = view.regions(SPAN_MARGIN)
        found.append(Reading(view.text, view.map, view.changed, "normalized", regions=regions))
        base, base_map = view.text, view.map
    if classifiers:
        leet = deleet(base)
        if leet is not None:
            mapping = _compose(base_map, leet.map)
            regions = leet.regions(SPAN_MARGIN)
            found.append(Reading(leet.text, mapping, _always, "leet", False, regions))
    if depth >= MAX_DEPTH:
        return found
    for segment in decoded_segments(base):
        span = base_map(segment.start, segment.end)
        whole = _constant(span)
        found.append(Reading(segment.text, whole, _always, segment.encoding))
        for inner in readings(segment.text, classifiers, depth + 1):
            found.append(Reading(inner.text, whole, _always, segment.encoding, inner.spans))
    return found


def _compose(
    outer: Callable[[int, int], Span], inner: Callable[[int, int], Span]
) -> Callable[[int, int], Span]:
    return lambda start, end: outer(*inner(start, end))


def _constant(span: Span) -> Callable[[int, int], Span]:
    return lambda start, end: span
