"""Per-API-key limits: requests per minute (token bucket) and tokens per UTC day.

Two stores with one interface: in memory (one process; the default) and Redis (shared by every
gateway instance that points at the same Redis). Either way the daily token count of a key is
seeded from the recorded usage the first time it is needed, so a restart does not reset anybody's
budget. If Redis cannot be reached, ``rate_limiter.on_redis_error`` decides: ``deny`` (the
default) answers 503 with ``Retry-After``, ``allow`` lets requests through unlimited; either way
:attr:`RedisKeyLimits.fault` says so to readiness and metrics until Redis answers again.
:class:`KeyLimitStage` is the pipeline's admission stage built on them: every kind of
generation counts against its key.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .config import RateLimit, RateLimiterSettings, Settings
from .errors import RateLimited, Unavailable
from .extras import require
from .pipeline import RequestContext
from .providers.base import Usage

log = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
TokensSince = Callable[[str, float], int]
"""Recorded prompt + completion tokens of a key since a time (runs in a worker thread)."""


def day_start(now: float) -> float:
    return now - now % SECONDS_PER_DAY


def _tokens_exceeded(limit: int, now: float) -> RateLimited:
    return RateLimited(
        f"Token limit reached: {limit} tokens per day for this key.",
        retry_after_s=int(day_start(now) + SECONDS_PER_DAY - now) + 1,
        code="tokens_per_day_exceeded",
    )


def _requests_exceeded(rpm: int, allowance: float) -> RateLimited:
    return RateLimited(
        f"Rate limit reached: {rpm} requests per minute for this key.",
        retry_after_s=max(1, int((1.0 - allowance) * 60 / rpm + 0.999)),
        code="requests_per_minute_exceeded",
    )


class KeyLimits(Protocol):
    async def admit(self, key_id: str, limit: RateLimit) -> None:
        """Take one request from the key's allowance, or raise 429 with Retry-After."""
        ...

    async def count_tokens(self, key_id: str, tokens: int) -> None: ...

    async def close(self) -> None: ...

    @property
    def fault(self) -> str | None:
        """Why limits cannot be enforced now (None: they are)."""
        ...


@dataclass(slots=True)
class _KeyState:
    allowance: float
    refilled_at: float
    day: float
    tokens_today: int


class MemoryKeyLimits:
    """Limits kept in this process."""

    def __init__(self, tokens_since: TokensSince) -> None:
        self._tokens_since = tokens_since
        self._states: dict[str, _KeyState] = {}
        self.fault: str | None = None

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
        now = time.time()
        state = await self._state(key_id, limit, now)
        if limit.tokens_per_day is not None and state.tokens_today >= limit.tokens_per_day:
            raise _tokens_exceeded(limit.tokens_per_day, now)
        rpm = limit.requests_per_minute
        if rpm is None:
            return
        elapsed = now - state.refilled_at
        state.allowance = min(float(rpm), state.allowance + elapsed * rpm / 60.0)
        state.refilled_at = now
        if state.allowance < 1.0:
            raise _requests_exceeded(rpm, state.allowance)
        state.allowance -= 1.0

    async def count_tokens(self, key_id: str, tokens: int) -> None:
        state = self._states.get(key_id)
        if state is not None:
            state.tokens_today += tokens

    async def close(self) -> None:
        return None


# A token bucket per key, refilled by Redis' own clock so every instance agrees.
_TAKE_ONE = """
local capacity = tonumber(ARGV[1])
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'allowance', 'at')
local allowance = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
allowance = math.min(capacity, allowance + (now - at) * capacity / 60)
local allowed = 0
if allowance >= 1 then
  allowance = allowance - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'allowance', tostring(allowance), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], 120)
return {allowed, tostring(allowance)}
"""


class RedisKeyLimits:
    """Limits shared through Redis by every instance configured with the same URL and prefix."""

    def __init__(self, settings: RateLimiterSettings, tokens_since: TokensSince) -> None:
        redis = require("redis.asyncio", "redis", "rate_limiter.backend: redis")

        self._redis = redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_timeout_s,
            socket_connect_timeout=settings.redis_timeout_s,
        )
        self._prefix = settings.key_prefix
        self._tokens_since = tokens_since
        self._take_one = self._redis.register_script(_TAKE_ONE)
        self._errors = (redis.RedisError, OSError)
        self._deny = settings.on_redis_error == "deny"
        self.fault: str | None = None
        self.errors = 0
        """Redis calls that failed since start (the metric ``aigc_rate_limiter_errors``)."""

    def _failed(self, exc: Exception, doing: str) -> None:
        self.errors += 1
        if self.fault is None:
            log.error("rate limiter: Redis unavailable (%s): %s", doing, exc)
        self.fault = f"Redis unavailable: {str(exc).splitlines()[0][:200] if str(exc) else exc!r}"

    def _tokens_key(self, key_id: str, now: float) -> str:
        return f"{self._prefix}tokens:{key_id}:{int(day_start(now))}"

    async def admit(self, key_id: str, limit: RateLimit) -> None:
        now = time.time()
        try:
            if limit.tokens_per_day is not None:
                used = await self._tokens_today(key_id, now)
                if used >= limit.tokens_per_day:
                    raise _tokens_exceeded(limit.tokens_per_day, now)
            rpm = limit.requests_per_minute
            if rpm is not None:
                allowed, allowance = await self._take_one(
                    keys=[f"{self._prefix}rpm:{key_id}"], args=[rpm]
                )
                if not int(allowed):
                    raise _requests_exceeded(rpm, float(allowance))
        except self._errors as exc:
            self._failed(exc, "admit")
            if self._deny:
                raise Unavailable(
                    "The rate limiter is unavailable, so requests are refused for now.",
                    code="rate_limiter_unavailable",
                ) from None
            return
        if self.fault is not None:
            log.info("rate limiter: Redis answers again")
        self.fault = None

    async def _tokens_today(self, key_id: str, now: float) -> int:
        key = self._tokens_key(key_id, now)
        value = await self._redis.get(key)
        if value is None:
            recorded = await asyncio.to_thread(self._tokens_since, key_id, day_start(now))
            await self._redis.set(key, recorded, nx=True, ex=2 * SECONDS_PER_DAY)
            value = await self._redis.get(key)
        return int(value or 0)

    async def count_tokens(self, key_id: str, tokens: int) -> None:
        key = self._tokens_key(key_id, time.time())
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                await pipe.incrby(key, tokens).expire(key, 2 * SECONDS_PER_DAY).execute()
        except self._errors as exc:
            self._failed(exc, "count tokens")

    async def close(self) -> None:
        await self._redis.aclose()


def limits_per_process(settings: Settings) -> bool:
    """Whether some per-key limit is set but kept in memory, i.e. per process: several worker
    processes would then each grant every key its whole budget."""
    if settings.rate_limiter.backend != "memory":
        return False
    limits = [settings.limits, *(t.limits for t in settings.tenants.values() if t.limits)]
    return any(
        limit.requests_per_minute is not None or limit.tokens_per_day is not None
        for limit in limits
    )


def key_limits(settings: RateLimiterSettings, tokens_since: TokensSince) -> KeyLimits:
    if settings.backend == "redis":
        return RedisKeyLimits(settings, tokens_since)
    return MemoryKeyLimits(tokens_since)


class KeyLimitStage:
    """The pipeline's admission stage: a request is admitted against its key's limits (its
    tenant's, else the defaults) and its tokens are counted once it has finished."""

    def __init__(self, limits: KeyLimits, settings: Settings) -> None:
        self._limits = limits
        self._settings = settings

    async def admit(self, context: RequestContext) -> None:
        await self._limits.admit(context.key_id, self._settings.rate_limit_for(context.tenant))

    async def settle(self, context: RequestContext, usage: Usage) -> None:
        await self._limits.count_tokens(context.key_id, usage.total_tokens)
