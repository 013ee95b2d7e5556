"""Content fingerprints: hashes of normalised character n-grams, with where they start.

Normalisation (NFKC, case folding, only letters and digits kept) makes the fingerprint blind to
spacing, punctuation and case, and character n-grams need no word boundaries, so Chinese works as
well as English. An n-gram spans ``NGRAM`` width units, where a CJK character (which carries
more information than a Latin letter) counts two. A stored text keeps the hash of every n-gram
with the width offset where it starts (registries from before kept a winnowed subset, Schleimer
et al. 2003, which still matches: the same hashes, fewer of them); these are indexed and find
the candidates for a suspect text. A stored text also keeps its *fine* n-grams (``FINE_NGRAM``
units of every non-space character: punctuation and symbols count, so code and formulas do)
for the check of a candidate: the best *chain* of shared fine n-grams near the n-grams it
shares with the suspect, in order in both texts, each near the previous one (``BRIDGE``) and on
nearly its alignment (suspect offset minus stored offset, give or take ``FINE_DRIFT`` units for
edits, or across one replaced word of another length: ``WORD_GAP``), scored by the width units
of the suspect it covers — so a copy with edits counts as one piece of evidence while common
phrases found at unrelated places do not add up. Texts stored
without fine n-grams are checked the same way with the indexed ones (``DRIFT``).

A chain too short to be reported alone (several words of a short excerpt replaced: the pieces
between the edits are shorter than a fine n-gram) can be *confirmed* by the text's *short*
n-grams (``SHORT_NGRAM`` units, :func:`stored_short`): a chain of them in the chain's
neighbourhood in both texts, on its exact alignment (or across one replaced word), covers the
stretches between the edits that a fine n-gram is too wide for (:func:`extension`). They are
stored for each text with a salt of its own and 32 bits each, so the same n-gram has another
hash in every text: short n-grams are common, and a registry-wide count of equal hashes must
not tell which ones they are.

An n-gram's hash is keyed (:class:`NgramKey`): AES-256 under the deployment's fingerprint key
of the n-gram's 64-bit polynomial value, so that the registry's file alone does not give the
text back. Registries from before the key used an unkeyed, invertible mix (:func:`legacy_hash`),
which is kept to match their rows whose text was not kept and so could not be re-keyed.

What the registry stores for a text (:func:`stored_fingerprint`, :func:`stored_fine`) is made
without numpy for short ASCII texts (up to ``SHORT_TEXT`` characters): the answer's
fingerprint is made on the event loop, where numpy's per-call overhead on a few dozen n-grams
cost more than the work (for other scripts plain Python was not faster). Both ways give the
same hashes and offsets (tested).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import secrets
import struct
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .watermark import mix64

NGRAM = 8
"""Width of an n-gram in units: a Chinese, Japanese or Korean character counts 2, others 1."""
FINE_NGRAM = 6
"""Width of the n-grams of the finer check (punctuation kept, so code and formulas count)."""
FINE_DRIFT = 8
"""``DRIFT`` of the finer check."""
FINE_WINDOW = 48
"""The finer check looks this many width units around each coarse n-gram shared."""
BRIDGE = 32
"""Shared n-grams at most this many width units apart can follow each other on a chain."""
DRIFT = 8
"""How far the alignment may shift along a chain (an edit replaced text of another length)."""
WORD_GAP = 8
LONG_WORD_GAP = 24
"""The finer check also follows a larger shift across one replaced word: gaps between the two
n-grams of at least 1 unit in both texts, at most ``WORD_GAP`` in one and ``LONG_WORD_GAP`` in
the other (a long word replaced by a short one, or the other way round)."""
SHORT_NGRAM = 4
"""Width of the short n-grams that confirm a chain (see :func:`extension`)."""
SHORT_WINDOW = 16
"""Short n-grams count up to this many width units around the chain in the suspect (twice as
far in the stored text, where the edits may have shifted it)."""
MAX_REPEATS = 8
"""An n-gram repeated more often in one stored text is no evidence of a copy (and would make
the chain search quadratic)."""
_WIDE = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
_LINK = re.compile(r"(?:https?|ftp)://\S+|www\.\S+")
_SPACE = re.compile(r"\s")
_BASE = 1_000_003
_MASK = (1 << 64) - 1
_BLOCK = struct.Struct("<QQ")
SHORT_TEXT = 128
"""ASCII texts (normalised) up to this many characters are fingerprinted without numpy."""
_BASE_U64 = np.uint64(_BASE)
_BASE_INVERSE = np.uint64(pow(_BASE, -1, 1 << 64))
_WIDE_BOUNDS = np.array([bound for low, high in _WIDE for bound in (low, high + 1)], np.uint32)
_SALT = np.uint64(0x5DEECE66D2B1A9F3)
_LOW32 = np.uint64(0xFFFF_FFFF)
_SHORT_SALT = struct.Struct("<Q")
_WORDS = np.dtype("<u8")

Hasher = Callable[[np.ndarray, int], np.ndarray]
"""Maps the polynomial values (uint64) of n-grams ``ngram`` units wide to their hashes."""


class NgramKey:
    """The keyed n-gram hash: AES-256 (a pseudo-random permutation) of the 128-bit block (the
    n-gram's polynomial value, its width), truncated to 64 bits. Without the key a stored hash
    says nothing about its characters, and no guess can be tested against it."""

    def __init__(self, secret: bytes) -> None:
        derived = hmac.new(secret, b"aigc-gateway fingerprint n-grams", hashlib.sha256).digest()
        self._cipher = Cipher(algorithms.AES(derived), modes.ECB())
        self._contexts = threading.local()
        self.check = hmac.new(secret, b"aigc-gateway key check", hashlib.sha256).hexdigest()[:16]
        """Names the key without revealing it: the registry keeps it to refuse another key."""

    def __call__(self, values: np.ndarray, ngram: int) -> np.ndarray:
        blocks = np.empty((len(values), 2), dtype=_WORDS)
        blocks[:, 0] = values
        blocks[:, 1] = ngram
        sealed = self._seal(blocks.tobytes())
        return np.frombuffer(sealed, dtype=_WORDS)[::2].astype(np.uint64)

    def signed(self, values: list[int], ngram: int) -> list[int]:
        """The hashes of :meth:`__call__` as signed 64-bit ints (as stored), without numpy."""
        blocks = b"".join(map(_BLOCK.pack, values, itertools.repeat(ngram, len(values))))
        return list(struct.unpack(f"<{2 * len(values)}q", self._seal(blocks))[::2])

    def _seal(self, blocks: bytes) -> bytes:
        # ECB: every block on its own, the same n-gram always the same hash (what matching
        # needs). So a context keeps no state between calls (whole blocks only, never
        # finalised): one per thread, made once (making one cost as much as sealing 64 n-grams).
        context = getattr(self._contexts, "encryptor", None)
        if context is None:
            context = self._contexts.encryptor = self._cipher.encryptor()
        return context.update(blocks)


def legacy_hash(values: np.ndarray, ngram: int) -> np.ndarray:
    """The unkeyed hash of registries from before :class:`NgramKey` (invertible: only for
    matching their rows that could not be re-keyed)."""
    return mix64(values ^ _SALT)


def normalise(text: str) -> str:
    """Letters and digits only, NFKC-folded and case-folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(filter(str.isalnum, folded))


def fine_normalise(text: str) -> str:
    """Every character but white space, NFKC-folded and case-folded."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def stored_fingerprint(text: str, key: NgramKey) -> tuple[list[int], list[int]]:
    """What the registry stores and indexes for a text: the keyed hash (signed) of each
    ``NGRAM``-unit n-gram of its letters and digits, and the width offset where it starts."""
    normalised = normalise(text)
    if len(normalised) <= SHORT_TEXT and normalised.isascii():
        values = _ascii_polynomials(normalised, NGRAM)
        return key.signed(values, NGRAM), list(range(len(values)))
    hashes, offsets = Grams.build(normalised, NGRAM, key).fingerprint()
    return hashes.tolist(), offsets.tolist()


def stored_fine(text: str, key: NgramKey) -> bytes:
    """A text's fine n-grams as the registry stores them (:meth:`Grams.packed`)."""
    normalised = fine_normalise(text)
    if len(normalised) > SHORT_TEXT or not normalised.isascii():
        return Grams.build(normalised, FINE_NGRAM, key).packed()
    hashes = key.signed(_ascii_polynomials(normalised, FINE_NGRAM), FINE_NGRAM)
    pairs = itertools.chain.from_iterable(zip(hashes, range(len(hashes)), strict=True))
    return struct.pack(f"={2 * len(hashes)}q", *pairs)  # native order, as numpy's tobytes


def stored_short(text: str, key: NgramKey) -> bytes:
    """A text's short n-grams as the registry stores them: its salt (8 bytes), then the hash
    (:func:`salted`, 32 bits) of the ``SHORT_NGRAM``-unit n-gram that starts where each fine
    n-gram starts (at the same width offset, kept with the fine ones)."""
    salt = secrets.randbits(56)
    grams = Grams.build(fine_normalise(text), SHORT_NGRAM, salted(key, salt))
    fine_count = int(np.searchsorted(grams.width[:-1], grams.width[-1] - FINE_NGRAM, "right"))
    return _SHORT_SALT.pack(salt) + grams.hashes[:fine_count].astype("<u4").tobytes()


def salted(hasher: Hasher, salt: int) -> Hasher:
    """``hasher`` for one text's short n-grams: its salt (56 bits) made part of the hashed block
    beside the width, the hash cut to 32 bits."""

    def hash_salted(values: np.ndarray, ngram: int) -> np.ndarray:
        return hasher(values, ngram | salt << 8) & _LOW32

    return hash_salted


def _ascii_polynomials(normalised: str, ngram: int) -> list[int]:
    """The polynomial values of the n-grams of an ASCII text (one unit a character) as
    :meth:`Grams.build` makes them, in plain Python: ``codes[i:i+n]`` is
    ``prefix[i+n] - prefix[i] * BASE ** n`` mod 2**64."""
    prefix = [0]
    value = 0
    for code in normalised.encode("ascii"):
        value = (value * _BASE + code) & _MASK
        prefix.append(value)
    power = pow(_BASE, ngram, 1 << 64)
    return [(prefix[i + ngram] - prefix[i] * power) & _MASK for i in range(len(prefix) - ngram)]


@dataclass(frozen=True, slots=True)
class Grams:
    """The n-gram hashes of one normalised text, by start position."""

    normalised: str
    hashes: np.ndarray
    """uint64, one per n-gram, in order of start position."""
    ends: np.ndarray
    """Where each n-gram ends (exclusive) in ``normalised``; n-gram ``i`` starts at ``i``."""
    width: np.ndarray
    """Cumulative width units before each character of ``normalised`` (one more entry)."""

    @classmethod
    def of(cls, text: str, hasher: Hasher) -> Grams:
        """The ``NGRAM``-unit n-grams of the letters and digits (what the registry indexes)."""
        return cls.build(normalise(text), NGRAM, hasher)

    @classmethod
    def fine(cls, text: str, hasher: Hasher) -> Grams:
        """The ``FINE_NGRAM``-unit n-grams of every non-space character (punctuation and
        symbols kept): the finer check of a candidate that shares an n-gram of :meth:`of`."""
        return cls.build(fine_normalise(text), FINE_NGRAM, hasher)

    @classmethod
    def build(cls, normalised: str, ngram: int, hasher: Hasher) -> Grams:
        codes = np.frombuffer(normalised.encode("utf-32-le"), dtype=np.uint32)
        size = len(codes)
        width = np.zeros(size + 1, dtype=np.int64)
        wide = np.searchsorted(_WIDE_BOUNDS, codes, side="right") & 1  # odd: inside a range
        np.cumsum(wide + 1, out=width[1:])
        ends = np.searchsorted(width, width[:-1] + ngram)
        count = int(np.searchsorted(ends, size + 1))  # n-grams that end inside the text
        if count == 0:
            return cls(normalised, np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64), width)
        ends = ends[:count]
        # The polynomial value mod 2**64 of codes[i:j] is B**(j-1) * (sums[j] - sums[i]) where
        # sums[k] adds codes[m] * B**-m for m < k (B is odd, so invertible mod 2**64); uint64
        # arithmetic wraps as intended.
        powers = np.full(size, _BASE_U64)
        powers[0] = 1
        inverse = np.full(size, _BASE_INVERSE)
        inverse[0] = 1
        sums = np.zeros(size + 1, dtype=np.uint64)
        np.cumsum(codes * np.cumprod(inverse), out=sums[1:])
        values = np.cumprod(powers)[ends - 1] * (sums[ends] - sums[:count])
        return cls(normalised, hasher(values, ngram), ends, width)

    def fingerprint(self) -> tuple[np.ndarray, np.ndarray]:
        """What the registry stores: every n-gram's hash (SQLite-friendly int64) and the width
        offset where it starts."""
        return self.signed(), self.width[: len(self.hashes)].astype(np.int64)

    def packed(self) -> bytes:
        """Every n-gram's hash and start offset, as stored for the finer check."""
        hashes, offsets = self.fingerprint()
        return np.stack([hashes, offsets], axis=1).tobytes()

    def signed(self) -> np.ndarray:
        return self.hashes.view(np.int64)

    def overlap(self, matched: np.ndarray) -> tuple[int, int]:
        """The best contiguous overlap with a stored text whose hashes are ``matched`` (stored
        without offsets).

        Matching n-grams closer than one n-gram apart (a small edit between them) form one
        segment; returns the width units the best segment covers, and how many distinct
        matching hashes it holds.
        """
        hits = np.flatnonzero(np.isin(self.signed(), matched)).tolist()
        best = (0, 0)
        index = 0
        while index < len(hits):
            first = hits[index]
            end, hashes = int(self.ends[first]), {int(self.hashes[first])}
            index += 1
            while index < len(hits) and hits[index] <= end + NGRAM:
                end = max(end, int(self.ends[hits[index]]))
                hashes.add(int(self.hashes[hits[index]]))
                index += 1
            best = max(best, (int(self.width[end] - self.width[first]), len(hashes)))
        return best

    def text_span(self, text: str, first: int, end: int) -> tuple[int, int] | None:
        """Where width units ``first..end`` of this text's n-grams lie in ``text`` (the text
        these grams were made of): character offsets, or None if normalising blurs them."""
        start_char = int(np.searchsorted(self.width, first))
        end_char = int(np.searchsorted(self.width, end))
        offsets: list[int] = []
        for index, char in enumerate(text):
            if char.isascii():  # NFKC and case folding keep it one character
                if char.isalnum():
                    offsets.append(index)
            else:
                offsets.extend([index] * len(normalise(char)))
        if len(offsets) != len(self.normalised) or not 0 <= start_char < end_char <= len(offsets):
            return None
        return offsets[start_char], offsets[end_char - 1] + 1

    def covered(self, among: np.ndarray) -> int:
        """Width units covered by the n-grams of the mask ``among`` together."""
        index = np.flatnonzero(among)
        if len(index) == 0:
            return 0
        starts, ends = self.width[index], self.width[self.ends[index]]  # both ascending
        return int((np.minimum(ends[:-1], starts[1:]) - starts[:-1]).sum() + ends[-1] - starts[-1])

    def best_chain(
        self,
        stored: Mapping[int, Sequence[int]],
        drift: int = DRIFT,
        among: np.ndarray | None = None,
        word_gaps: bool = False,
    ) -> Chain | None:
        """The best chain of n-grams shared with one stored text, ``stored`` mapping its
        (signed) hashes to the width offsets where they start in it.

        A chain takes shared n-grams in order in both texts, each at most ``BRIDGE`` units past
        the previous one and on nearly its alignment (suspect offset minus stored offset, give
        or take ``drift``: an edit may replace text of another length; with ``word_gaps``, any
        shift across a gap that one replaced word explains, see ``WORD_GAP``). Its score is the
        width units of the suspect it covers; found by dynamic programming over the shared
        n-grams (or over those of ``among``, a mask of this text's n-grams known to be shared).
        """
        signed = self.signed()
        if among is None:
            among = np.isin(signed, np.fromiter(stored, np.int64, len(stored)))
        shared = np.flatnonzero(among).tolist()
        starts, ends, offsets, values = [], [], [], []
        for index in shared:
            value = int(signed[index])
            if len(stored[value]) > MAX_REPEATS:
                continue
            for offset in stored[value]:
                starts.append(int(self.width[index]))
                ends.append(int(self.width[self.ends[index]]))
                offsets.append(offset)
                values.append(value)
        if not starts:
            return None
        # Per node: covered units and the previous node of the best chain ending there.
        covered = [end - start for start, end in zip(starts, ends, strict=True)]
        previous = [-1] * len(starts)
        first = 0  # the earliest node that can still precede the current one
        for j in range(len(starts)):
            while ends[first] + BRIDGE < starts[j]:
                first += 1
            alignment = starts[j] - offsets[j]
            for i in range(first, j):
                if offsets[i] >= offsets[j] or starts[i] >= starts[j]:
                    continue
                if abs(starts[i] - offsets[i] - alignment) > drift and not (
                    word_gaps
                    # the gaps after n-gram i, in the suspect and in the stored text (an n-gram
                    # is as wide in both)
                    and _one_word(
                        starts[j] - ends[i], offsets[j] - offsets[i] - ends[i] + starts[i]
                    )
                ):
                    continue
                gained = covered[i] + ends[j] - max(starts[j], ends[i])
                if gained > covered[j]:
                    covered[j], previous[j] = gained, i
        last = max(range(len(starts)), key=covered.__getitem__)
        hashes, node = set(), last
        while node >= 0:
            hashes.add(values[node])
            begin, stored_first, node = starts[node], offsets[node], previous[node]
        stored_end = offsets[last] + ends[last] - starts[last]
        return Chain(covered[last], len(hashes), begin, ends[last], stored_first, stored_end)


def _one_word(gap: int, stored_gap: int) -> bool:
    """Whether gaps this long between two shared n-grams (in the suspect, in the stored text)
    are what replacing one word by a word of another length leaves."""
    return 1 <= min(gap, stored_gap) <= WORD_GAP and max(gap, stored_gap) <= LONG_WORD_GAP


def members(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which of ``values`` are among ``keys`` (sorted): a binary search each, no sorting."""
    if len(keys) == 0:
        return np.zeros(len(values), dtype=bool)
    return keys[np.minimum(np.searchsorted(keys, values), len(keys) - 1)] == values


class Suspect:
    """Both gram sets of a text being traced with one hasher: the coarse ones (letters and
    digits) and the fine ones (every non-space character, made on first use), and where the
    coarse text's characters lie in the fine one."""

    def __init__(self, text: str, coarse: Grams, hasher: Hasher) -> None:
        self.text = text
        self.coarse = coarse
        self.hasher = hasher

    @cached_property
    def fine(self) -> Grams:
        return Grams.fine(self.text, self.hasher)

    @cached_property
    def outside_links(self) -> np.ndarray:
        """Which fine n-grams lie outside web addresses: a link ("https://www.reddit.com/r/…")
        is boilerplate that many human texts share with a stored one, not evidence of a copy."""
        return self.clear_of_links(self.fine, 0)

    def clear_of_links(self, grams: Grams, first_char: int) -> np.ndarray:
        """Which n-grams of ``grams`` (made of the fine text from character ``first_char`` on)
        lie outside web addresses."""
        count = len(grams.hashes)
        starts = first_char + np.arange(count)
        return self._link_chars[first_char + grams.ends[:count]] - self._link_chars[starts] == 0

    @cached_property
    def _link_chars(self) -> np.ndarray:
        """How many characters of the fine text before each one lie in a web address."""
        folded = unicodedata.normalize("NFKC", self.text).casefold()
        inside = np.zeros(len(self.fine.normalised) + 1, dtype=np.int64)
        for link in _LINK.finditer(folded):
            # Offsets in the fine text: the same characters without white space.
            first = link.start() - len(_SPACE.findall(folded, 0, link.start()))
            inside[first] += 1
            inside[first + len(link[0])] -= 1
        in_link = np.cumsum(inside)[:-1] > 0  # per character of the fine text
        return np.concatenate([[0], np.cumsum(in_link)])

    @cached_property
    def alnum(self) -> np.ndarray:
        """Index in the fine text of each character of the coarse text."""
        chars = self.fine.normalised
        return np.flatnonzero(np.fromiter(map(str.isalnum, chars), bool, len(chars)))


def finer_chain(
    suspect: Suspect,
    shared: Mapping[int, object],
    stored: StoredGrams,
    min_units: int,
    confirm_below: int = 0,
) -> Chain | None:
    """The best chain of fine n-grams shared with a stored text near where the suspect shares
    the coarse n-grams ``shared`` with it (within ``FINE_WINDOW`` units of each), if one can
    cover ``min_units``; else None. The chain's place in the suspect is given in coarse width
    units, as for :meth:`Grams.best_chain`. A chain of fewer than ``confirm_below`` units gets
    its :func:`extension` (when the stored text has short n-grams).
    """
    coarse, fine = suspect.coarse, suspect.fine
    common = members(fine.signed(), stored.keys)
    if fine.covered(common) < min_units:
        return None
    common &= suspect.outside_links
    if fine.covered(common) < min_units:
        return None
    alnum = suspect.alnum
    if len(alnum) != len(coarse.normalised):  # cannot happen: the same text's characters
        return None
    anchors = np.flatnonzero(np.isin(coarse.signed(), np.fromiter(shared, np.int64, len(shared))))

    def to_fine(units: np.ndarray) -> np.ndarray:
        chars = np.searchsorted(coarse.width, units)
        inside = np.minimum(chars, len(alnum) - 1)
        return fine.width[np.where(chars < len(alnum), alnum[inside], len(fine.normalised))]

    firsts = to_fine(coarse.width[anchors]) - FINE_WINDOW
    ends = to_fine(coarse.width[coarse.ends[anchors]]) + FINE_WINDOW
    begins = fine.width[: len(fine.hashes)]
    best: Chain | None = None
    index = 0
    while index < len(anchors):  # overlapping windows merged
        first, end = int(firsts[index]), int(ends[index])
        index += 1
        while index < len(anchors) and firsts[index] <= end:
            end = max(end, int(ends[index]))
            index += 1
        among = common & (begins >= first) & (begins < end)
        if fine.covered(among) < min_units:  # no chain of these can cover min_units
            continue
        chain = fine.best_chain(stored.offsets, FINE_DRIFT, among, word_gaps=True)
        if chain is not None and (best is None or chain.units > best.units):
            best = chain
    if best is None or best.units < min_units:
        return None
    extra = extension(suspect, stored, best) if best.units < confirm_below else 0

    def to_coarse(units: int) -> int:
        char = int(np.searchsorted(fine.width, units))
        return int(coarse.width[int(np.searchsorted(alnum, char))])

    return replace(best, first=to_coarse(best.first), end=to_coarse(best.end), extension=extra)


def extension(suspect: Suspect, stored: StoredGrams, chain: Chain) -> int:
    """How many width units a chain of short n-grams shared with the stored text (outside web
    addresses) covers beyond the fine ``chain``: within ``SHORT_WINDOW`` units of it in the
    suspect, near it in the stored text, on one alignment (no drift: only across one replaced
    word, see ``WORD_GAP``). The suspect's short n-grams are hashed with the stored text's salt,
    over that window only. 0 for a text stored without short n-grams."""
    short = stored.short
    if short is None:
        return 0
    fine = suspect.fine
    first_char = int(np.searchsorted(fine.width, chain.first - SHORT_WINDOW))
    end_char = int(np.searchsorted(fine.width, chain.end + SHORT_WINDOW, "right")) - 1
    window = Grams.build(
        fine.normalised[first_char:end_char], SHORT_NGRAM, salted(suspect.hasher, short.salt)
    )
    base = int(fine.width[first_char])  # the window's offsets are in units from its start
    near = (stored.starts >= chain.stored_first - 2 * SHORT_WINDOW) & (
        stored.starts <= chain.stored_end + 2 * SHORT_WINDOW
    )
    offsets: dict[int, list[int]] = {}
    for value, start in zip(short.hashes[near].tolist(), stored.starts[near].tolist(), strict=True):
        offsets.setdefault(value, []).append(start - base)
    among = np.isin(window.signed(), np.fromiter(offsets, np.int64, len(offsets)))
    among &= suspect.clear_of_links(window, first_char)
    found = window.best_chain(offsets, 0, among, word_gaps=True) if among.any() else None
    return 0 if found is None else found.units - chain.units


@dataclass(frozen=True, slots=True)
class ShortGrams:
    """A stored text's short n-grams, as :func:`stored_short` kept them."""

    salt: int
    hashes: np.ndarray
    """int64 (32-bit values), one per fine n-gram: the short one that starts where it does."""

    @classmethod
    def unpack(cls, blob: bytes) -> ShortGrams:
        (salt,) = _SHORT_SALT.unpack_from(blob)
        hashes = np.frombuffer(blob, dtype="<u4", offset=_SHORT_SALT.size).astype(np.int64)
        return cls(salt, hashes)


@dataclass(frozen=True, slots=True)
class StoredGrams:
    """A stored text's fine n-grams, as :meth:`Grams.packed` kept them, and its short ones
    (None for texts stored before they were kept)."""

    offsets: dict[int, list[int]]
    """Each hash with the width offsets where it starts."""
    keys: np.ndarray
    """The distinct hashes, sorted."""
    starts: np.ndarray
    """The width offset where each n-gram starts, in stored order."""
    short: ShortGrams | None = None

    @classmethod
    def unpack(cls, blob: bytes, short: bytes | None = None) -> StoredGrams:
        pairs = np.frombuffer(blob, dtype=np.int64).reshape(-1, 2)
        offsets: dict[int, list[int]] = {}
        for value, offset in pairs.tolist():
            offsets.setdefault(value, []).append(offset)
        shorts = ShortGrams.unpack(short) if short else None
        if shorts is not None and len(shorts.hashes) != len(pairs):  # not made together
            shorts = None
        return cls(offsets, np.unique(pairs[:, 0]), pairs[:, 1].copy(), shorts)


@dataclass(frozen=True, slots=True)
class Chain:
    """Shared n-grams of one stored text in order on (nearly) one alignment, edits bridged."""

    units: int
    """Width units of the suspect the chain's n-grams cover (the edited gaps excluded)."""
    hashes: int
    """Distinct shared n-gram hashes on the chain."""
    first: int
    end: int
    """Where the chain lies in the suspect, in width units."""
    stored_first: int
    stored_end: int
    """Where it lies in the stored text, in width units of the n-grams it was found with."""
    extension: int = 0
    """Units short n-grams add to it (:func:`extension`; 0 when not looked for)."""
