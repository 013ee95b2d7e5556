"""Per-API-key limits: requests per minute (token bucket) and tokens per UTC day.

State is in memory, one instance per process; the daily token count is seeded from the usage
records the first time a key is seen, so a restart does not reset anybody's budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from .config import RateLimit
from .errors import RateLimited

SECONDS_PER_DAY = 86_400


def day_start(now: float) -> float:
    return now - now % SECONDS_PER_DAY


@dataclass(slots=True)
class _KeyState:
    allowance: float
    refilled_at: float
    day: float
    tokens_today: int


class KeyLimits:
    """Checks and counts one process's requests against each key's limits."""

    def __init__(self, tokens_since: Callable[[str, float], int]) -> None:
        self._tokens_since = tokens_since
        self._states: dict[str, _KeyState] = {}

    async def _state(self, key_id: str, limit: RateLimit, now: float) -> _KeyState:
        state = self._states.get(key_id)
        today = day_start(now)
        if state is None:
            used = 0
            if limit.tokens_per_day is not None:
                used = await asyncio.to_thread(self._tokens_since, key_id, today)
            state = self._states.setdefault(
                key_id, _KeyState(float(limit.requests_per_minute or 0), now, today, used)
            )
        if state.day != today:
            state.day, state.tokens_today = today, 0
        return state

    async def admit(self, key_id: str, limit: RateLimit) -> None:
        """Take one request from the key's allowance, or raise 429 with Retry-After."""
        now = time.time()
        state = await self._state(key_id, limit, now)
        if limit.tokens_per_day is not None and state.tokens_today >= limit.tokens_per_day:
            raise RateLimited(
                f"Token limit reached: {limit.tokens_per_day} tokens per day for this key.",
                retry_after_s=int(state.day + SECONDS_PER_DAY - now) + 1,
                code="tokens_per_day_exceeded",
            )
        rpm = limit.requests_per_minute
        if rpm is None:
            return
        rate = rpm / 60.0
        state.allowance = min(float(rpm), state.allowance + (now - state.refilled_at) * rate)
        state.refilled_at = now
        if state.allowance < 1.0:
            raise RateLimited(
                f"Rate limit reached: {rpm} requests per minute for this key.",
                retry_after_s=max(1, int((1.0 - state.allowance) / rate + 0.999)),
                code="requests_per_minute_exceeded",
            )
        state.allowance -= 1.0

    def count_tokens(self, key_id: str, tokens: int) -> None:
        state = self._states.get(key_id)
        if state is not None:
            state.tokens_today += tokens
