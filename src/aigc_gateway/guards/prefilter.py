"""What a text must contain before a pattern can match in it, read from the pattern itself.

The span detectors run one regular expression per rule over every text, and most rules cannot
match most texts (a card number needs digits, an e-mail an ``@``, an AWS key ``AKIA`` …); the
views of :mod:`.normalize` start with trigger patterns that rarely fire. :func:`needs` reads a
compiled pattern's syntax tree (the ``re`` module's own parser) and derives necessary
conditions: short stretches that every match consumes — a literal string, or a run of
single-character items such as ``\\d\\d\\d[- ]\\d\\d`` — each as a small pattern of its own. A
text that lacks one of them has no match, so skipping the full pass changes nothing; a pattern
the derivation cannot read (or a new rule) gets no condition and always runs.

Only what a match *consumes* counts (lookarounds, anchors and back-references give nothing);
repeats count from their minimum, alternatives only when every branch has a condition (then
any one of them will do), and every piece keeps the flags it was written under. Conditions are
cheap to check and each is checked at most once per text however many patterns share it
(:class:`Probes`): ``str in`` for a case-sensitive literal, the same on the lower-cased text for
a case-insensitive ASCII literal in an ASCII text (exactly what ``re.IGNORECASE`` matches
there), one search of the text's distinct characters for a single character class, else one
search of the small pattern, once its plain stretch and its characters were found there (in
an ASCII text, a stretch of classes that share no ASCII character is looked for in the text
coded by ``bytes.translate`` instead) — and
a condition that would take several such searches is checked by its atoms' rarest characters
instead.

:func:`gated` serves the patterns that do run: a look-ahead at the first character every match
consumes, read from the same syntax, so the ``re`` engine passes over positions that cannot
start a match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce, wraps
from re import _constants as sre  # the parser behind re.compile (Python 3.11+)
from re import _parser as sre_parse
from typing import Any, TypeVar

PROBE_FLAGS = re.IGNORECASE | re.ASCII
"""The flags that change what a character or literal matches (str patterns)."""
KEPT = 2
"""Conditions kept per pattern: the most selective ones, besides the cheapest (see
:func:`needs`)."""
USELESS = 50.0
"""A condition weighing more than this (a letter, a space) holds for nearly every text."""
DEAR = 2
"""Searches of the text one condition may take (a pattern's own pass costs several)."""
RUN_REPEAT = 8
"""A fixed repeat (``\\d{4}``) joins a run up to this many times."""
CATEGORIES = {
    sre.CATEGORY_DIGIT: (r"\d", 10.0),
    sre.CATEGORY_NOT_DIGIT: (r"\D", 100.0),
    sre.CATEGORY_SPACE: (r"\s", 40.0),
    sre.CATEGORY_NOT_SPACE: (r"\S", 100.0),
    sre.CATEGORY_WORD: (r"\w", 100.0),
    sre.CATEGORY_NOT_WORD: (r"\W", 60.0),
}
"""Character categories a class may use, as written and how common they are (see below)."""


def commonness(char: str, ignore_case: bool) -> float:
    """How often a character turns up in ordinary text, in rough per-cent terms (orders the
    conditions; no result depends on it)."""
    if ignore_case and char.lower() != char.upper():
        return commonness(char.lower(), False) + commonness(char.upper(), False)
    if char in " \t\n\r":
        return 40.0
    if char in ".,":
        return 5.0
    if "a" <= char <= "z":
        return 3.0
    if "A" <= char <= "Z" or "0" <= char <= "9":
        return 1.0
    return 0.5 if char.isascii() else 0.2


@dataclass(frozen=True, slots=True)
class Element:
    """One single-character item of a pattern: its source and how common what it matches is."""

    source: str
    share: float
    """Per cent of ordinary characters it matches, roughly (at most 100)."""
    char: str | None = None
    """The character, for a literal."""


class Atom:
    """A stretch every match consumes: a literal string or a run of single-character items.
    Made once per pattern source and flags (:func:`atom`), so equal atoms are one object and
    hash by identity."""

    __slots__ = (
        "coded",
        "how",
        "literal",
        "part",
        "pattern",
        "rarest",
        "source",
        "weaker",
        "weight",
    )

    def __init__(
        self, source: str, flags: int, weight: float, literal: str | None, single: bool
    ) -> None:
        self.source = source
        """A pattern matching exactly that stretch."""
        self.weight = weight
        """How likely an ordinary text contains it, roughly: smaller is more selective."""
        self.pattern = re.compile(source, flags)
        folded = bool(flags & re.IGNORECASE)
        self.literal = literal.lower() if literal is not None and folded else literal
        """The plain string, when the stretch is one (lower-cased if IGNORECASE)."""
        self.how = (
            SINGLE
            if single
            else PLAIN
            if literal is not None and not folded
            else FOLDED
            if literal is not None and literal.isascii()
            else SEARCH
        )
        """How a text is asked (see :meth:`Probes.search`)."""
        self.rarest: Atom | None = None
        """Its least common character alone, for a stretch of more than one: a weaker
        condition, never wrong, that a text's distinct characters decide."""
        self.part: Atom | None = None
        """Its longest stretch of plain characters, for a run with other items: also weaker,
        decided by ``in``."""
        self.coded: tuple[bytes, bytes] | None = None
        """For a stretch of more than one whose distinct characters (classes) share no ASCII
        character: a table that codes each ASCII byte by the one it matches, and the stretch
        coded so. In an ASCII text the stretch occurs exactly where its code occurs in the
        coded text (``bytes.translate`` and ``in``: no search of the text)."""
        self.weaker: tuple[Atom, ...] = ()
        """For a stretch of more than one: its :attr:`part`, then its distinct characters
        alone, rarest first. A text lacking any of them lacks the stretch, and ``in`` or the
        text's distinct characters tell that without a search of the text."""

    def dear(self, ascii_text: bool) -> bool:
        """Whether deciding it takes a search of the text (else ``in`` or the distinct
        characters do)."""
        return self.how == SEARCH or (self.how == FOLDED and not ascii_text)

    def __repr__(self) -> str:
        return f"Atom({self.source!r})"


PLAIN, FOLDED, SINGLE, SEARCH = range(4)
"""How an atom is decided: ``in`` the text; ``in`` the lower-cased text (an ASCII literal under
IGNORECASE, for an ASCII text: exactly what the pattern matches there); a search of the text's
distinct characters (one character or class); a search of the text."""
_ATOMS: dict[tuple[str, int], Atom] = {}


def atom(source: str, flags: int, weight: float, literal: str | None, single: bool) -> Atom:
    """The one atom of this source and flags."""
    key = (source, int(flags))
    made = _ATOMS.get(key)
    if made is None:
        made = _ATOMS[key] = Atom(source, flags, weight, literal, single)
    return made


Condition = frozenset[Atom]
"""At least one of these atoms occurs in the text."""


@dataclass(frozen=True, slots=True)
class Needs:
    """Necessary conditions of one pattern: all must hold for it to match anywhere."""

    conditions: tuple[Condition, ...]
    plans: tuple[tuple[Condition, ...], tuple[Condition, ...]] = ((), ())
    """What is checked, for a non-ASCII and an ASCII text: each condition as it is if at most
    :data:`DEAR` of its atoms take a search of the text, else with those atoms replaced by
    their rarest character (weaker, never wrong, and cheap)."""

    @classmethod
    def of(cls, conditions: list[Condition]) -> Needs:
        plans = tuple(
            tuple(_plan(condition, ascii_text) for condition in conditions)
            for ascii_text in (False, True)
        )
        return cls(tuple(conditions), plans)  # type: ignore[arg-type]

    def met(self, probes: Probes) -> bool:
        answer = probes.answer
        for condition in self.plans[probes.ascii]:
            for atom in condition:
                if answer(atom):
                    break
            else:
                return False
        return True


def _plan(condition: Condition, ascii_text: bool) -> Condition:
    dear = [atom for atom in condition if atom.dear(ascii_text)]
    if len(dear) <= DEAR:
        return condition
    return frozenset(_cheaper(atom, ascii_text) if atom in dear else atom for atom in condition)


def _cheaper(atom: Atom, ascii_text: bool) -> Atom:
    """A weaker atom that needs no search of the text."""
    if atom.part is not None and not atom.part.dear(ascii_text):
        return atom.part
    return atom.rarest or atom


class Probes:
    """One text's answers to atoms, each worked out once (rules share ``\\d``, ``@`` …)."""

    __slots__ = ("_bytes", "_distinct", "_lower", "answers", "ascii", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.answers: dict[Atom, bool] = {}
        """Atoms already decided (see :meth:`answer`)."""
        self._lower: str | None = None
        self._distinct: str | None = None
        self._bytes: bytes | None = None

    def answer(self, atom: Atom) -> bool:
        """Whether the text contains ``atom``, searched once per text."""
        answer = self.answers.get(atom)
        if answer is None:
            answer = self.answers[atom] = self.search(atom)
        return answer

    def search(self, atom: Atom) -> bool:
        """Whether the text contains ``atom`` (not remembered: :meth:`answer` does)."""
        how = atom.how
        if how == PLAIN:
            return atom.literal in self.text  # type: ignore[operator]
        if how == FOLDED and self.ascii:
            if self._lower is None:
                self._lower = self.text.lower()
            return atom.literal in self._lower  # type: ignore[operator]
        if how == SINGLE:  # one character at a time: the distinct characters answer the same
            return atom.pattern.search(self.distinct) is not None
        for weaker in atom.weaker:  # what it needs that is cheaper to tell, before a search
            if not weaker.dear(self.ascii) and not self.answer(weaker):
                return False
        if atom.coded is not None and self.ascii:
            if self._bytes is None:
                self._bytes = self.text.encode("ascii")
            table, code = atom.coded
            return code in self._bytes.translate(table)
        return atom.pattern.search(self.text) is not None

    @property
    def distinct(self) -> str:
        """The text's distinct characters: a pattern of one character (class) matches the
        text if and only if it matches them."""
        if self._distinct is None:
            self._distinct = "".join(set(self.text))
        return self._distinct

    def allows(self, pattern: re.Pattern[str]) -> bool:
        """False only if ``pattern`` cannot match anywhere in the text."""
        return needs(pattern).met(self)


_last: tuple[str, Probes] | None = None


def probes_for(text: str) -> Probes:
    """The :class:`Probes` of ``text``: the same object for calls about the same text object in
    a row (the detectors and the views read the same text one after another)."""
    global _last
    last = _last
    if last is None or last[0] is not text:
        last = _last = (text, Probes(text))
    return last[1]


def possible(pattern: re.Pattern[str], text: str) -> bool:
    """False only if ``pattern`` cannot match anywhere in ``text``."""
    return needs(pattern).met(probes_for(text))


R = TypeVar("R")


def per_pattern(derive: Callable[[re.Pattern[str]], R]) -> Callable[[re.Pattern[str]], R]:
    """``derive`` remembered per pattern object. Not ``functools.cache``: a compiled pattern's
    hash reads its whole compiled program every time (microseconds for a large character
    class), and the detectors ask about dozens of patterns per text. The entry keeps its
    pattern alive, so the pattern's id is not reused while it is there."""
    made: dict[int, tuple[re.Pattern[str], R]] = {}

    @wraps(derive)
    def remembered(pattern: re.Pattern[str]) -> R:
        entry = made.get(id(pattern))
        if entry is None:
            entry = made[id(pattern)] = (pattern, derive(pattern))
        return entry[1]

    return remembered


@per_pattern
def needs(pattern: re.Pattern[str]) -> Needs:
    """The necessary conditions of ``pattern`` (none when it cannot be read)."""
    if not isinstance(pattern.pattern, str):
        return Needs.of([])
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # pragma: no cover - whatever re compiled, its parser reads
        return Needs.of([])
    conditions = _sequence(list(parsed), parsed.state.flags & PROBE_FLAGS)
    useful = sorted({c for c in conditions if _weight(c)[0] <= USELESS}, key=_weight)
    cheap = [c for c in useful if not any(atom.dear(True) for atom in c)]
    # checked in this order: a cheap one first (one character class that many patterns share,
    # or plain literals), then the most selective ones
    kept = dict.fromkeys([*cheap[:1], *useful[:KEPT]])
    return Needs.of(list(kept))


@per_pattern
def gated(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` behind a look-ahead at the first character every match consumes, when its
    syntax tells (else ``pattern`` itself): the same matches, but positions that cannot start
    one are passed over in one step (the ``re`` engine tries a pattern that opens with an
    anchor or a choice of words in full at every position)."""
    flags = pattern.flags
    if not isinstance(pattern.pattern, str) or flags & re.IGNORECASE:
        return pattern
    try:
        first = _first(list(sre_parse.parse(pattern.pattern, flags)))
        return re.compile(f"(?=[{''.join(sorted(first))}])(?:{pattern.pattern})", flags)
    except (ValueError, re.error):  # no such character, or a pattern that cannot be wrapped
        return pattern


def _first(items: list[tuple[Any, Any]]) -> set[str]:
    """The class parts (``a``, ``a-z``, ``\\d`` …) that the first character any match of this
    sequence consumes belongs to; ValueError where the syntax does not say (an optional item,
    a negated class, a flag change, nothing consumed …)."""
    for op, value in items:
        if op is sre.AT or op is sre.ASSERT or op is sre.ASSERT_NOT:
            continue  # consumes nothing
        element = _element(op, value, 0)
        if element is not None:
            if element.source.startswith("[^"):
                break
            return {element.source[1:-1] if element.source.startswith("[") else element.source}
        if op in REPEATS and value[0] >= 1:
            return _first(list(value[2]))
        if op is sre.SUBPATTERN and not value[1] and not value[2]:
            return _first(list(value[3]))
        if op is sre.BRANCH:
            return set().union(*(_first(list(branch)) for branch in value[1]))
        break
    raise ValueError("no first character")


def _weight(condition: Condition) -> tuple[float, str]:
    """Smaller is better: how likely the condition holds, plus a little per atom (each is a
    look at the text), then a stable order."""
    return sum(atom.weight + 0.5 for atom in condition), min(a.source for a in condition)


def _sequence(items: list[tuple[Any, Any]], flags: int) -> list[Condition]:
    """Conditions of a sequence: each run of single-character items is one atom, and every
    other item that consumes adds its own conditions."""
    found: list[Condition] = []
    run: list[Element] = []

    def close_run() -> None:
        if run:
            made = _atom(run, flags)
            found.append(frozenset({made}))
            # and cheaper parts: its rarest character, its longest plain stretch
            found.extend(frozenset({p}) for p in (made.rarest, made.part) if p is not None)
            run.clear()

    for op, value in items:
        element = _element(op, value, flags)
        if element is not None:
            run.append(element)
            continue
        if op in REPEATS and value[0] >= 1:
            low, high, body = value
            inner = _element(*body[0], flags) if len(body) == 1 else None
            if inner is not None:  # x{low,high}: a run may end in its first x, start at its last
                run += [inner] * min(low, RUN_REPEAT)
                if high != low or low > RUN_REPEAT:
                    close_run()
                    run.append(inner)
                continue
        close_run()
        found += _item(op, value, flags)
    close_run()
    return found


REPEATS = tuple(
    op
    for op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None))
    if op is not None
)


def _item(op: Any, value: Any, flags: int) -> list[Condition]:
    """Conditions of one item that is not a single character."""
    if op in REPEATS:
        low, _, body = value
        return _sequence(list(body), flags) if low >= 1 else []
    if op is sre.SUBPATTERN:
        _, add, remove, body = value
        return _sequence(list(body), ((flags | add) & ~remove) & PROBE_FLAGS)
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(list(value), flags)
    if op is sre.BRANCH:
        union: set[Atom] = set()
        for branch in value[1]:
            conditions = _sequence(list(branch), flags)
            if not conditions:
                return []  # this alternative needs nothing: neither does the whole
            union |= min(conditions, key=_weight)
        # "x" or "x@" is "x": a stretch whose rarest character is itself a choice adds nothing
        return [frozenset(a for a in union if a.rarest is None or a.rarest not in union)]
    return []  # lookarounds, anchors, back-references, conditionals, any character


def _element(op: Any, value: Any, flags: int) -> Element | None:
    """A single-character item as a pattern of its own, or None."""
    folded = bool(flags & re.IGNORECASE)
    if op is sre.LITERAL:
        char = chr(value)
        return Element(re.escape(char), min(100.0, commonness(char, folded)), char)
    if op is sre.NOT_LITERAL:
        return Element(f"[^{re.escape(chr(value))}]", 100.0)
    if op is not sre.IN:
        return None
    parts: list[str] = []
    share = 0.0
    for kind, item in value:
        if kind is sre.NEGATE:
            parts.append("^")
            share = 100.0
        elif kind is sre.LITERAL:
            parts.append(re.escape(chr(item)))
            share += commonness(chr(item), folded)
        elif kind is sre.RANGE:
            low, high = item
            parts.append(f"{re.escape(chr(low))}-{re.escape(chr(high))}")
            share += sum(commonness(chr(c), folded) for c in range(low, min(high, low + 200) + 1))
        elif kind is sre.CATEGORY and item in CATEGORIES:
            source, common = CATEGORIES[item]
            parts.append(source)
            share += common
        else:
            return None
    if not parts or parts == ["^"]:
        return None
    return Element("[" + "".join(parts) + "]", min(100.0, share))


def _share(element: Element) -> float:
    return element.share


def _atom(run: list[Element], flags: int) -> Atom:
    weight = reduce(lambda total, element: total * element.share / 100.0, run, 100.0)
    chars = [element.char for element in run]
    literal = "".join(chars) if all(c is not None for c in chars) else None  # type: ignore[arg-type]
    made = atom("".join(e.source for e in run), flags, weight, literal, len(run) == 1)
    if len(run) > 1 and made.rarest is None:
        made.rarest = _atom([min(run, key=_share)], flags)
        stretches: list[list[Element]] = [[]]
        for element in run:
            if element.char is None:
                stretches.append([])
            else:
                stretches[-1].append(element)
        longest = max(stretches, key=len)
        if 1 < len(longest) < len(run):
            made.part = _atom(longest, flags)
        distinct = {element.source: element for element in sorted(run, key=_share)}
        made.weaker = (
            *((made.part,) if made.part is not None else ()),
            *(_atom([element], flags) for element in distinct.values()),
        )
        made.coded = _coded([element.source for element in run], flags)
    return made


def _coded(run: list[str], flags: int) -> tuple[bytes, bytes] | None:
    """:attr:`Atom.coded` of a run of character sources, or None when two of its distinct
    characters match one ASCII character."""
    symbols = {source: 65 + i for i, source in enumerate(dict.fromkeys(run))}
    table = bytearray(256)  # 0: matches none of them
    for source, symbol in symbols.items():
        single = re.compile(source, flags)
        for code in range(128):
            if single.fullmatch(chr(code)):
                if table[code]:
                    return None
                table[code] = symbol
    return bytes(table), bytes(symbols[source] for source in run)
