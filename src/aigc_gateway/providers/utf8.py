"""Keeps the local model's output valid UTF-8.

The bundled model's tokens are byte strings, and it sometimes samples one that cannot follow
the bytes before it (a continuation byte with no lead byte, a lead byte followed by ASCII),
mostly in Chinese. llama-cpp-python (0.3.36) streams text only once a prefix of the tokens it
has not sent yet decodes, so after such a token it sends nothing more until the generation
ends, and it decodes that growing rest again after every token: a 1,000-token Chinese answer
took 84 s instead of about 17 s, sent no text for 80 s, and a slower machine would have passed
the worker's stall timeout (503 ``local_model_crashed``).

:class:`Utf8Constraint` is a logits processor that bans, at each step, every token whose bytes
cannot continue the bytes generated so far, so the answer is valid UTF-8 and streams as it is
made. It follows the UTF-8 validation automaton (RFC 3629: no overlong forms, no surrogates,
nothing above U+10FFFF); :class:`Utf8Table` holds each token's move from each state, computed
once per loaded model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

ACCEPT, NEED_1, NEED_2, NEED_3, AFTER_E0, AFTER_ED, AFTER_F0, AFTER_F4 = range(8)
STATES = 8
INVALID = -1
CONTINUATIONS: dict[int, tuple[int, int, int]] = {
    # state: (lowest, highest) byte allowed next, and the state it leads to
    NEED_1: (0x80, 0xBF, ACCEPT),
    NEED_2: (0x80, 0xBF, NEED_1),
    NEED_3: (0x80, 0xBF, NEED_2),
    AFTER_E0: (0xA0, 0xBF, NEED_1),
    AFTER_ED: (0x80, 0x9F, NEED_1),
    AFTER_F0: (0x90, 0xBF, NEED_2),
    AFTER_F4: (0x80, 0x8F, NEED_2),
}
LEADS: tuple[tuple[int, int, int], ...] = (
    # (lowest, highest) lead byte, and the state it leads to
    (0x00, 0x7F, ACCEPT),
    (0xC2, 0xDF, NEED_1),
    (0xE0, 0xE0, AFTER_E0),
    (0xE1, 0xEC, NEED_2),
    (0xED, 0xED, AFTER_ED),
    (0xEE, 0xEF, NEED_2),
    (0xF0, 0xF0, AFTER_F0),
    (0xF1, 0xF3, NEED_3),
    (0xF4, 0xF4, AFTER_F4),
)


def step(state: int, byte: int) -> int:
    """The automaton's state after ``byte``; INVALID where the byte cannot come next."""
    if state == ACCEPT:
        return next((then for low, high, then in LEADS if low <= byte <= high), INVALID)
    low, high, then = CONTINUATIONS[state]
    return then if low <= byte <= high else INVALID


def after(state: int, data: bytes) -> int:
    for byte in data:
        state = step(state, byte)
        if state == INVALID:
            return INVALID
    return state


class Utf8Table:
    """Each token's move from each state, and per state the tokens that cannot come next."""

    def __init__(self, vocabulary: int, token_bytes: Callable[[int], bytes]) -> None:
        moves = np.full((STATES, vocabulary), INVALID, dtype=np.int8)
        for token in range(vocabulary):
            data = token_bytes(token)
            if not data:  # a control token (end of text): no bytes, no move
                moves[:, token] = np.arange(STATES)
            elif data.isascii():  # the common case: only a whole character may precede it
                moves[ACCEPT, token] = ACCEPT
            else:
                moves[:, token] = [after(state, data) for state in range(STATES)]
        self.moves = moves
        self.banned = [np.flatnonzero(moves[state] == INVALID) for state in range(STATES)]


class Utf8Constraint:
    """The logits processor of one generation (it keeps that generation's state)."""

    def __init__(self, table: Utf8Table) -> None:
        self._table = table
        self._seen: int | None = None
        """How many tokens (prompt included) the state accounts for; the prompt is whole."""
        self._state = ACCEPT

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if self._seen is not None:
            for token in input_ids[self._seen :]:
                self._state = int(self._table.moves[self._state, token])
                if self._state == INVALID:  # only if every token was banned: start afresh
                    self._state = ACCEPT
        self._seen = len(input_ids)
        scores[self._table.banned[self._state]] = -np.inf
        return scores
