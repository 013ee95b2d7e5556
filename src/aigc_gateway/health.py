"""Readiness: which part of the gateway cannot do its job right now, and why.

Each part keeps its own fault (the audit writer, the label registry, the rate limiter);
:class:`RecentFault` serves failures that are only seen when a request hits them (a damaged or
unreachable database): it counts as current for a while after it was last seen.
"""

from __future__ import annotations

import time

STORAGE_FAULT_WINDOW_S = 30.0


class RecentFault:
    """A fault that is current for ``window_s`` seconds after it was last seen."""

    def __init__(self, window_s: float = STORAGE_FAULT_WINDOW_S) -> None:
        self._window_s = window_s
        self._seen: tuple[float, str] | None = None

    def seen(self, problem: str) -> None:
        self._seen = (time.monotonic(), problem)

    @property
    def fault(self) -> str | None:
        if self._seen is None or time.monotonic() - self._seen[0] > self._window_s:
            return None
        return self._seen[1]


def describe_storage_error(exc: BaseException) -> str:
    """One line for an operator: the database's own message, without a traceback."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]
