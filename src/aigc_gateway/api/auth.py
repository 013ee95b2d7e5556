"""API-key authentication for every route: bearer keys checked against stored hashes.

Route modules call :func:`authenticate` (any valid key) or :func:`require_admin`; both read the
:class:`Authenticator` that ``create_app`` puts on ``app.state``.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import Request

from ..errors import Forbidden, Unauthorized
from ..gateway import Gateway
from ..store import DEFAULT_TENANT, KeyInfo

OPEN_MODE_KEY = KeyInfo("open-dev-mode", DEFAULT_TENANT, admin=False)
MAX_CACHED_KEYS = 10_000


class Authenticator:
    """Checks bearer keys, caching each answer for ``server.key_cache_s`` seconds."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway
        self._ttl = gateway.settings.server.key_cache_s
        self._cache: dict[str, tuple[KeyInfo | None, float]] = {}

    async def __call__(self, request: Request) -> KeyInfo:
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            if self._gateway.settings.server.open_dev_mode:
                return OPEN_MODE_KEY
            raise Unauthorized(
                "Missing API key: send 'Authorization: Bearer <key>'. "
                "Create one with 'aigc-gateway keys create --tenant NAME'.",
                code="missing_api_key",
            )
        now = time.monotonic()
        cached = self._cache.get(secret)
        if cached is None or cached[1] < now:
            info = await asyncio.to_thread(self._gateway.keys.lookup, secret)
            if len(self._cache) >= MAX_CACHED_KEYS:
                self._cache.clear()
            cached = self._cache[secret] = (info, now + self._ttl)
        if cached[0] is None:
            raise Unauthorized("Incorrect API key provided.")
        return cached[0]

    def forget(self) -> None:
        """Drop every cached answer, so that a key revoked just now is refused at once."""
        self._cache.clear()


async def authenticate(request: Request) -> KeyInfo:
    """The caller's key, or 401."""
    authenticator: Authenticator = request.app.state.authenticate
    return await authenticator(request)


async def require_admin(request: Request) -> KeyInfo:
    """The caller's key if it is an admin key, else 401/403."""
    key = await authenticate(request)
    if not key.admin:
        raise Forbidden("This endpoint needs an admin key ('aigc-gateway keys create --admin').")
    return key
